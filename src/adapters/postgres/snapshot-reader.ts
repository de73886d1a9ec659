import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { CopyOutStream, type RowIndexEntry } from './copy-out-stream.js';
import type { DbConfig } from '../../core/db-config.js';
import { connectPg } from './pg-connection.js';
import { qualified, tableKey, type SourceTable } from './source-catalog.js';
import { q } from '../../core/sql-names.js';

/** One unit of snapshot work: a COPY of (part of) one table into one file. */
export interface SnapshotChunk {
  readonly tableKey: string;
  readonly chunkNo: number;
  readonly copySql: string;
  readonly format: 'binary' | 'text';
  readonly estimatedRows: number;
}

/**
 * Tables larger than this many pages are split into ctid ranges copied in parallel; smaller pieces
 * also let an importer that follows the export start sooner.
 */
const SPLIT_PAGES = 8192; // 64 MB

/**
 * Splits the tables into chunks. Big plain tables become ctid ranges (a TID range scan, PostgreSQL
 * 14+), partitioned tables one chunk per leaf partition; the last range is open-ended so rows on
 * pages beyond a stale relpages estimate are still copied.
 */
export function planSnapshotChunks(tables: readonly SourceTable[], opts: { parallelJobs: number; serverVersionNum: number }): SnapshotChunk[] {
  const chunks: SnapshotChunk[] = [];
  for (const t of tables) {
    const key = tableKey(t.schema, t.name);
    const format = t.binarySafe ? 'binary' : 'text';
    const cols = t.columns.map(q).join(', ');
    const withFormat = `(FORMAT ${format})`;
    if (t.partitioned) {
      if (t.leaves.length === 0) {
        chunks.push({ tableKey: key, chunkNo: 0, format, estimatedRows: 0, copySql: `COPY (SELECT ${cols} FROM ${qualified(t.schema, t.name)}) TO STDOUT ${withFormat}` });
      }
      t.leaves.forEach((leaf, i) => {
        chunks.push({ tableKey: key, chunkNo: i, format, estimatedRows: leaf.estimatedRows, copySql: `COPY (SELECT ${cols} FROM ONLY ${qualified(leaf.schema, leaf.name)}) TO STDOUT ${withFormat}` });
      });
      continue;
    }
    const canSplit = opts.serverVersionNum >= 140000 && t.pages > SPLIT_PAGES;
    if (!canSplit) {
      chunks.push({ tableKey: key, chunkNo: 0, format, estimatedRows: t.estimatedRows, copySql: `COPY ${qualified(t.schema, t.name)} (${cols}) TO STDOUT ${withFormat}` });
      continue;
    }
    const parts = Math.max(opts.parallelJobs, Math.ceil(t.pages / SPLIT_PAGES));
    const step = Math.ceil(t.pages / parts);
    for (let i = 0; i < parts; i++) {
      const from = i * step;
      const to = (i + 1) * step;
      const where = i === parts - 1 ? `ctid >= '(${from},0)'::tid` : `ctid >= '(${from},0)'::tid AND ctid < '(${to},0)'::tid`;
      chunks.push({
        tableKey: key, chunkNo: i, format, estimatedRows: Math.round(t.estimatedRows / parts),
        copySql: `COPY (SELECT ${cols} FROM ONLY ${qualified(t.schema, t.name)} WHERE ${where}) TO STDOUT ${withFormat}`,
      });
    }
  }
  return chunks;
}

/** A consistent point: the name of an exported snapshot that readers attach to. */
export interface SnapshotPoint {
  readonly snapshotName: string;
  /** Call once every reader has attached: the snapshot may then vanish. */
  release(): Promise<void>;
}

/** Exports a snapshot from an open REPEATABLE READ transaction (offline, snapshot-only exports). */
export async function exportSnapshotPoint(config: DbConfig): Promise<SnapshotPoint> {
  const client = await connectPg(config);
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const r = await client.query('SELECT pg_export_snapshot() AS s');
  return {
    snapshotName: String(r.rows[0].s),
    async release() {
      await client.query('COMMIT').catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/** One reading connection attached to the snapshot; it copies chunks into files. */
export class PgSnapshotReader {
  private constructor(private readonly client: pg.Client) {}

  static async attach(config: DbConfig, snapshotName: string): Promise<PgSnapshotReader> {
    const client = await connectPg(config);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshotName.replace(/'/g, "''")}'`);
    // A scan that joins another scan mid-table hands the target rows out of key order (35% slower load).
    await client.query('SET LOCAL synchronize_seqscans = off');
    // One text form for every value whatever the server's defaults (the change stream uses the same).
    await client.query("SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = postgres; SET LOCAL TimeZone = 'UTC'; SET LOCAL bytea_output = hex; SET LOCAL extra_float_digits = 3");
    return new PgSnapshotReader(client);
  }

  /**
   * Copies one chunk into `path` (written, then fsynced). Returns the rows the server reported and
   * the row index (boundaries every `rowIndexStep` rows) the importer plans its batches from.
   */
  async copyToFile(chunk: SnapshotChunk, path: string, rowIndexStep: number): Promise<{ rows: number; bytes: number; rowIndex: RowIndexEntry[] }> {
    const stream = new CopyOutStream(chunk.copySql, { binary: chunk.format === 'binary', rowIndexStep });
    this.client.query(stream as unknown as pg.QueryConfig);
    let bytes = 0;
    stream.on('data', (d: Buffer) => (bytes += d.length));
    await pipeline(stream, createWriteStream(path, { highWaterMark: 1 << 20 }));
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { rows: stream.rowCount, bytes, rowIndex: stream.rowIndex };
  }

  async close(): Promise<void> {
    await this.client.query('COMMIT').catch(() => {});
    await this.client.end().catch(() => {});
  }
}
