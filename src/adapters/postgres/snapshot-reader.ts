import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { CopyOutStream, type CopyOutItem } from './copy-out-stream.js';
import type { DbConfig } from '../../core/db-config.js';
import type { CopyToFilesOptions, SnapshotChunk, SnapshotReader } from '../../core/engine/snapshot.js';
import { connectPg } from './pg-connection.js';
import { isConnectionLoss } from './sql-state.js';
import { TandemError } from '../../core/errors.js';
import { NOT_UTF8_HINT } from './replication/replication-errors.js';
import { describeDb } from '../../core/db-config.js';
import { qualified, tableKey, type SourceTable } from './source-catalog.js';
import { q } from '../../core/sql-names.js';

/** One unit of snapshot work: a COPY of (part of) one table into one or more files. */
export interface PgSnapshotChunk extends SnapshotChunk {
  readonly copySql: string;
}

/**
 * With more than one job, tables larger than this many pages are split into one ctid range per job,
 * copied in parallel. (An importer that follows the export does not need small chunks: every COPY
 * is written as files of about 64 MB, and each is loadable as soon as it is complete.)
 */
const SPLIT_PAGES = 8192; // 64 MB

/**
 * Splits the tables into chunks. With several jobs, big plain tables become one ctid range per job
 * (a TID range scan, PostgreSQL 14+); with one job a table is one plain COPY, which the server
 * produces fastest. Partitioned tables are one chunk per leaf partition. The last range is
 * open-ended so rows on pages beyond a stale relpages estimate are still copied.
 */
export function planSnapshotChunks(tables: readonly SourceTable[], opts: { parallelJobs: number; serverVersionNum: number }): PgSnapshotChunk[] {
  const chunks: PgSnapshotChunk[] = [];
  for (const t of tables) {
    const key = tableKey(t.schema, t.name);
    const format = t.binarySafe ? 'binary' : 'text';
    const cols = t.columns.map(q).join(', ');
    const withFormat = `(FORMAT ${format})`;
    if (t.partitioned) {
      if (t.leaves.length === 0) {
        // No local leaf (none yet, or only foreign ones): ONLY the root, which holds no rows itself, so the
        // table still has its one (empty) chunk and no remote row is read.
        chunks.push({ tableKey: key, chunkNo: 0, format, estimatedRows: 0, copySql: `COPY (SELECT ${cols} FROM ONLY ${qualified(t.schema, t.name)}) TO STDOUT ${withFormat}` });
      }
      t.leaves.forEach((leaf, i) => {
        chunks.push({ tableKey: key, chunkNo: i, format, estimatedRows: leaf.estimatedRows, copySql: `COPY (SELECT ${cols} FROM ONLY ${qualified(leaf.schema, leaf.name)}) TO STDOUT ${withFormat}` });
      });
      continue;
    }
    const canSplit = opts.serverVersionNum >= 140000 && opts.parallelJobs > 1 && t.pages > SPLIT_PAGES;
    if (!canSplit) {
      chunks.push({ tableKey: key, chunkNo: 0, format, estimatedRows: t.estimatedRows, copySql: `COPY ${qualified(t.schema, t.name)} (${cols}) TO STDOUT ${withFormat}` });
      continue;
    }
    const parts = Math.min(opts.parallelJobs, Math.ceil(t.pages / SPLIT_PAGES));
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

/** Bytes of snapshot data gathered into one write, and the longest a gathered byte waits. */
const WRITE_GATHER_BYTES = 1 << 20;
const WRITE_GATHER_MS = 10;

/** One reading connection attached to the snapshot; it copies chunks into files. */
export class PgSnapshotReader implements SnapshotReader {
  private constructor(private readonly client: pg.Client, private readonly config: DbConfig) {}

  static async attach(config: DbConfig, snapshotName: string): Promise<PgSnapshotReader> {
    const client = await connectPg(config);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshotName.replace(/'/g, "''")}'`);
    // A scan that joins another scan mid-table hands the target rows out of key order (35% slower load).
    await client.query('SET LOCAL synchronize_seqscans = off');
    // Row-level security that applies to this user would hand out only the rows its policies allow,
    // silently: with row_security off such a read fails instead (export data refuses such tables first).
    await client.query('SET LOCAL row_security = off');
    // One text form for every value whatever the server's defaults (the change stream uses the same;
    // search_path pg_catalog: object-identifier values name their schema, see CANONICAL_SESSION_OPTIONS).
    await client.query("SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = postgres; SET LOCAL TimeZone = 'UTC'; SET LOCAL bytea_output = hex; SET LOCAL extra_float_digits = 3; SET LOCAL search_path = pg_catalog; SET LOCAL lc_monetary = 'C'");
    return new PgSnapshotReader(client, config);
  }

  /**
   * Copies one chunk into one or more files (a new part after about `partBytes`, at a row
   * boundary; see SNAPSHOT_FILE_LAYOUT). Each part is written, fsynced and then reported through
   * `onPart`, so an importer can load it while the rest of the chunk is still being read. Resolves
   * with the rows of the whole chunk once the server has confirmed them.
   */
  async copyToFiles(snapshotChunk: SnapshotChunk, opts: CopyToFilesOptions): Promise<{ rows: number; parts: number }> {
    const chunk = snapshotChunk as PgSnapshotChunk;
    if (typeof chunk.copySql !== 'string') throw new Error(`internal: chunk ${chunk.tableKey}.${chunk.chunkNo} was not planned by the PostgreSQL snapshot source`);
    const stream = new CopyOutStream(chunk.copySql, { binary: chunk.format === 'binary', rowIndexStep: opts.rowIndexStep, partBytes: opts.partBytes });
    this.client.query(stream as unknown as pg.QueryConfig);
    let file: WriteStream | undefined;
    let parts = 0;
    // Corked: the slices (one per socket read, mostly 8 KiB) go to the disk in one writev per MiB
    // instead of one write each, a syscall and a thread-pool hop saved per slice; and at the latest
    // WRITE_GATHER_MS after the first, so a write that fails while the server is slow to send more
    // still fails at once.
    let corked = 0;
    let flushTimer: NodeJS.Timeout | undefined;
    const uncork = () => {
      clearTimeout(flushTimer);
      flushTimer = undefined;
      if (corked > 0) file?.uncork();
      corked = 0;
    };
    // A write that fails (a full disk) while the loop waits for the server's next bytes must stop
    // the COPY at once and reach the caller, not crash the process as an unheard 'error' event.
    const writeFailed = (e: Error) => stream.destroy(e);
    try {
      for await (const item of stream as AsyncIterable<CopyOutItem>) {
        // Written through and fsynced before close: a part is on disk before meta.db calls it done.
        if (!file) {
          file = createWriteStream(opts.pathOf(parts), { highWaterMark: 4 << 20, flush: true });
          file.on('error', writeFailed);
        }
        if (Buffer.isBuffer(item)) {
          if (corked === 0) {
            file.cork();
            flushTimer = setTimeout(uncork, WRITE_GATHER_MS);
          }
          corked += item.length;
          const more = file.write(item);
          if (corked >= WRITE_GATHER_BYTES || !more) uncork();
          if (!more) await once(file, 'drain');
          continue;
        }
        uncork();
        file.end();
        await finished(file);
        file = undefined;
        if (item.partEnd.partNo !== parts) throw new Error(`${chunk.tableKey} chunk ${chunk.chunkNo}: part ${item.partEnd.partNo} was written as file ${parts}`);
        opts.onPart(item.partEnd);
        parts++;
      }
    } catch (e) {
      // Leaving the loop by a throw destroyed the stream, which cuts the connection if the COPY
      // was still running on it.
      file?.destroy();
      const code = (e as { code?: unknown }).code;
      if (code === '22021' || code === '22P05') {
        // Measured before: an internal error with a stack trace (an SQL_ASCII source; the pg-fidelity run).
        throw new TandemError('TANDEM_DATA', `${chunk.tableKey} holds text the ${this.config.role} server could not send as UTF-8 (${(e as Error).message}); nothing of it is imported.`, {
          hint: `${NOT_UTF8_HINT} Correct the values on the ${this.config.role} (convert them to UTF-8), or leave the table out (--exclude-table-list), then rerun the same command.`,
          cause: e,
        });
      }
      throw isConnectionLoss(e) ? snapshotLost(this.config, e) : e;
    } finally {
      clearTimeout(flushTimer);
    }
    if (stream.rows !== stream.rowCount) {
      throw new Error(`${chunk.tableKey} chunk ${chunk.chunkNo}: the server sent ${stream.rowCount} rows but ${stream.rows} were written`);
    }
    return { rows: stream.rowCount, parts };
  }

  async close(): Promise<void> {
    await this.client.query('COMMIT').catch(() => {});
    await this.client.end().catch(() => {});
  }
}

/**
 * The snapshot's transaction died with its connection (a restart or failover of the source): the
 * snapshot cannot be continued by any connection, only taken again.
 */
function snapshotLost(config: DbConfig, e: unknown): TandemError {
  if (e instanceof TandemError) return e;
  return new TandemError('TANDEM_CONNECT', `The ${config.role} database ${describeDb(config)} went away during the snapshot (${(e as Error).message}): the snapshot's transaction ended with its connection, so this snapshot cannot be finished.`, {
    hint: `Once the ${config.role} database accepts connections again, rerun the same command: it starts the snapshot over.`,
    cause: e,
  });
}
