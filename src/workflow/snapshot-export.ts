import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from '../cli/command-context.js';
import type { DbConfig } from '../core/db-config.js';
import type { MetaStore } from '../core/meta-store.js';
import { ProgressBoard } from '../core/progress.js';
import { ROW_INDEX_STEP, SNAPSHOT_FILE_LAYOUT } from '../core/copy-batch-planner.js';
import { PgSnapshotReader, type SnapshotChunk, type SnapshotPoint } from '../adapters/postgres/snapshot-reader.js';
import { failpoint } from '../core/failpoint.js';

/**
 * One snapshot file (part `partNo` of a chunk), relative to data/. Each snapshot gets its own
 * directory, so a file of an abandoned snapshot can never be mistaken for one of the new snapshot.
 */
export function snapshotFileName(snapshotId: string, chunk: Pick<SnapshotChunk, 'tableKey' | 'chunkNo' | 'format'>, partNo: number): string {
  const safe = chunk.tableKey.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `snapshot-${snapshotId.slice(0, 8)}/${safe}.${chunk.chunkNo}.${partNo}.${chunk.format === 'binary' ? 'bin' : 'txt'}`;
}

/**
 * A snapshot file is closed and handed to the importer once it holds this many bytes (at a row
 * boundary): 4 MB for a COPY's first file, doubling up to 64 MB, so an importer that follows the
 * export starts loading a big table almost at once.
 */
export function snapshotPartBytes(partNo: number): number {
  return Math.min(64, 4 << Math.min(partNo, 4)) << 20;
}

/** Removes the files of earlier snapshots (data/snapshot-*), keeping the queue. */
export function removeOldSnapshots(dataDir: string): void {
  for (const f of readdirSync(dataDir)) {
    if (f.startsWith('snapshot-') || /\.(bin|txt)$/.test(f)) rmSync(join(dataDir, f), { recursive: true, force: true });
  }
}

/**
 * Copies every chunk at one consistent point: `jobs` readers attach to the snapshot before it is
 * released, then share the chunks. Each finished file is recorded in meta.db (with its row index)
 * at once, so an importer that follows the export can load it.
 */
export async function copySnapshot(
  ctx: CommandContext,
  source: DbConfig,
  point: SnapshotPoint,
  chunks: SnapshotChunk[],
  dataDir: string,
  meta: MetaStore,
  snapshotId: string,
): Promise<Map<string, number>> {
  const jobs = Math.max(1, Math.min(ctx.int('parallel-jobs') ?? 4, chunks.length));
  const readers: PgSnapshotReader[] = [];
  try {
    // Every reader attaches before the snapshot's owner moves on (the snapshot dies with it).
    for (let i = 0; i < jobs; i++) readers.push(await PgSnapshotReader.attach(source, point.snapshotName));
  } catch (e) {
    await Promise.all(readers.map((r) => r.close()));
    throw e;
  } finally {
    await point.release();
  }
  mkdirSync(join(dataDir, `snapshot-${snapshotId.slice(0, 8)}`), { recursive: true });
  meta.setValue('snapshot_file_layout', SNAPSHOT_FILE_LAYOUT);
  const progress = new ProgressBoard(ctx.stdout, 'rows');
  const perTable = new Map<string, { est: number; done: number; open: number }>();
  for (const c of chunks) {
    const t = perTable.get(c.tableKey) ?? { est: 0, done: 0, open: 0 };
    t.est += c.estimatedRows;
    t.open++;
    perTable.set(c.tableKey, t);
  }
  for (const [k, t] of perTable) progress.add(k, t.est);
  progress.start();
  const rowsByTable = new Map<string, number>([...perTable.keys()].map((k) => [k, 0]));
  let next = 0;
  try {
    await Promise.all(readers.map(async (reader) => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const t = perTable.get(chunk.tableKey)!;
        const { rows } = await reader.copyToFiles(chunk, {
          pathOf: (partNo) => join(dataDir, snapshotFileName(snapshotId, chunk, partNo)),
          rowIndexStep: ROW_INDEX_STEP,
          partBytes: snapshotPartBytes,
          onPart: (part) => {
            // The file is on disk (fsynced): record it, and an importer that follows may load it.
            const fileName = snapshotFileName(snapshotId, chunk, part.partNo);
            failpoint('snapshot.after-file-before-record');
            meta.putSnapshotFile({ fileName, tableKey: chunk.tableKey, chunkNo: chunk.chunkNo, rows: part.rows, bytes: part.bytes, status: 'DONE', rowIndex: part.rowIndex });
            t.done += part.rows;
            progress.update(chunk.tableKey, t.done);
          },
        });
        t.open--;
        rowsByTable.set(chunk.tableKey, (rowsByTable.get(chunk.tableKey) ?? 0) + rows);
        if (t.open === 0) progress.finish(chunk.tableKey, t.done);
        else progress.update(chunk.tableKey, t.done);
      }
    }));
  } finally {
    progress.stop();
    await Promise.all(readers.map((r) => r.close()));
  }
  return rowsByTable;
}
