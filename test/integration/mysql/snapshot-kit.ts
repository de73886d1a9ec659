/**
 * Helpers for the MySQL snapshot tests and the bench: export chunks through snapshot readers into
 * files (as the workflow's copySnapshot does: readers share the chunks), and load those files into
 * PostgreSQL with the importer's own code path (`loadBatch`, batches from each part's row index).
 */
import { join } from 'node:path';
import type pg from 'pg';
import type { SnapshotFilePart, SnapshotReader } from '../../../src/core/engine/snapshot.js';
import type { MySqlSnapshotChunk } from '../../../src/adapters/mysql/snapshot/chunk-plan.js';
import { mergeIndexedBatches, ROW_INDEX_STEP } from '../../../src/core/copy-batch-planner.js';
import { ensureSnapshotMetadata, loadBatch, SnapshotFileReader } from '../../../src/adapters/postgres/target-writer.js';

/** The workflow's part sizes: 4 MB for a chunk's first file, doubling up to 64 MB. */
export function partBytes(partNo: number): number {
  return Math.min(64, 4 << Math.min(partNo, 4)) << 20;
}

/** One finished file. */
export interface ExportedPart extends SnapshotFilePart {
  readonly chunk: MySqlSnapshotChunk;
  readonly path: string;
  readonly fileName: string;
}

/** Copies every chunk with the readers (each takes the next chunk when free); calls onPart as files finish. */
export async function exportChunks(readers: readonly SnapshotReader[], chunks: readonly MySqlSnapshotChunk[], dir: string,
  opts: { partBytes?: number | ((n: number) => number); onPart?: (p: ExportedPart) => void } = {}): Promise<ExportedPart[]> {
  const parts: ExportedPart[] = [];
  let next = 0;
  await Promise.all(readers.map(async (reader) => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const name = (n: number) => `${chunk.table}.${chunk.chunkNo}.${n}.txt`;
      await reader.copyToFiles(chunk, {
        pathOf: (n) => join(dir, name(n)),
        rowIndexStep: ROW_INDEX_STEP,
        partBytes: opts.partBytes ?? partBytes,
        onPart: (p) => {
          const part = { ...p, chunk, path: join(dir, name(p.partNo)), fileName: name(p.partNo) };
          parts.push(part);
          opts.onPart?.(part);
        },
      });
    }
  }));
  return parts;
}

/** Loads one part into `schema.table (columns)` with the importer's loadBatch, in batches of about `batchRows`. */
export async function loadPart(client: pg.Client, files: SnapshotFileReader, part: ExportedPart, schema: string, migrationUuid: string, batchRows = 100_000): Promise<number> {
  const index = part.rowIndex.map(([startOffset, endOffset, rows], i) => ({ batchNo: i + 1, startOffset, endOffset, rows }));
  let loaded = 0;
  for (const b of mergeIndexedBatches(index, batchRows)) {
    loaded += await loadBatch(client, {
      schema, table: part.chunk.table, columns: part.chunk.columns, format: 'text', filePath: part.path, fileName: part.fileName,
      batchNo: b.batchNo, startOffset: b.startOffset, endOffset: b.endOffset, rows: b.rows,
    }, migrationUuid, files);
  }
  return loaded;
}

/** Loads every part (one connection). */
export async function loadParts(client: pg.Client, parts: readonly ExportedPart[], schema: string, migrationUuid = '00000000-0000-4000-8000-000000000001'): Promise<number> {
  await ensureSnapshotMetadata(client);
  const files = new SnapshotFileReader();
  try {
    let n = 0;
    for (const p of parts) n += await loadPart(client, files, p, schema, migrationUuid);
    return n;
  } finally {
    await files.close();
  }
}
