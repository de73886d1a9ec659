import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from '../cli/command-context.js';
import type { DbConfig } from '../core/db-config.js';
import type { MetaStore } from '../core/meta-store.js';
import { ProgressBoard } from '../core/progress.js';
import { ROW_INDEX_STEP } from '../core/copy-batch-planner.js';
import { PgSnapshotReader, type SnapshotChunk, type SnapshotPoint } from '../adapters/postgres/snapshot-reader.js';

/**
 * The snapshot file of one chunk, relative to data/. Each snapshot gets its own directory, so a file
 * of an abandoned snapshot can never be mistaken for one of the new snapshot.
 */
export function snapshotFileName(snapshotId: string, chunk: Pick<SnapshotChunk, 'tableKey' | 'chunkNo' | 'format'>): string {
  const safe = chunk.tableKey.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `snapshot-${snapshotId.slice(0, 8)}/${safe}.${chunk.chunkNo}.${chunk.format === 'binary' ? 'bin' : 'txt'}`;
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
        const fileName = snapshotFileName(snapshotId, chunk);
        meta.putSnapshotFile({ fileName, tableKey: chunk.tableKey, chunkNo: chunk.chunkNo, rows: 0, bytes: 0, status: 'IN_PROGRESS' });
        const t = perTable.get(chunk.tableKey)!;
        const { rows, bytes, rowIndex } = await reader.copyToFile(chunk, join(dataDir, fileName), ROW_INDEX_STEP);
        const indexed = rowIndex.reduce((sum, e) => sum + e[2], 0);
        if (indexed !== rows) throw new Error(`${fileName}: the server sent ${rows} rows but the file holds ${indexed}`);
        meta.putSnapshotFile({ fileName, tableKey: chunk.tableKey, chunkNo: chunk.chunkNo, rows, bytes, status: 'DONE', rowIndex });
        t.done += rows;
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
