import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MetaStore } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';
import { ProgressBoard } from '../core/progress.js';
import { ROW_INDEX_STEP, SNAPSHOT_FILE_LAYOUT } from '../core/copy-batch-planner.js';
import type { SnapshotChunk, SnapshotSession } from '../core/engine/snapshot.js';
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
 * Copies every chunk at the session's consistent point: its readers (all attached to one snapshot
 * before it was released) share the chunks. Each finished file is recorded in meta.db (with its row
 * index) at once, so an importer that follows the export can load it. The caller closes the session.
 */
export async function copySnapshot(
  reporter: Reporter,
  session: SnapshotSession,
  chunks: readonly SnapshotChunk[],
  dataDir: string,
  meta: MetaStore,
  snapshotId: string,
): Promise<Map<string, number>> {
  const { readers } = session;
  mkdirSync(join(dataDir, `snapshot-${snapshotId.slice(0, 8)}`), { recursive: true });
  meta.setValue('snapshot_file_layout', SNAPSHOT_FILE_LAYOUT);
  const progress = new ProgressBoard(reporter.stdout, 'rows');
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
        if (t.open === 0) {
          // Every file of the table is recorded: an importer that follows may now finish the table.
          meta.markSnapshotTableExported(chunk.tableKey, rowsByTable.get(chunk.tableKey)!);
          progress.finish(chunk.tableKey, t.done);
        } else {
          progress.update(chunk.tableKey, t.done);
        }
      }
    }));
  } finally {
    progress.stop();
  }
  return rowsByTable;
}
