/**
 * One reading connection inside a consistent-snapshot transaction (see `consistent-snapshot.ts`):
 * copies chunks into snapshot files. Rows stream off the server (text protocol, one packet per row,
 * nothing buffered beyond the socket), each becomes a COPY text row framed as a CopyData message
 * (`CopyRowEncoder`), and `SnapshotFileWriter` cuts them into fsynced parts with their row index.
 * When the disk falls behind, the socket is paused: memory stays flat whatever the table's size.
 */
import type { CopyToFilesOptions, SnapshotChunk, SnapshotReader } from '../../../core/engine/snapshot.js';
import { SnapshotFileWriter } from '../../../core/snapshot-file-writer.js';
import type { MySqlTable } from '../catalog-types.js';
import { isMySqlConnectionLoss, type MySqlSession } from '../connection.js';
import { TandemError } from '../../../core/errors.js';
import { valueTypeOf } from '../schema/type-map.js';
import { chunkSelectSql, isMySqlChunk } from './chunk-plan.js';
import { CopyRowEncoder } from './copy-row-encoder.js';
import { rawRowQuery } from './raw-row-query.js';

/** Encoded rows are handed to the file writer in buffers of about this size. */
const OUT_BYTES = 1 << 20;

export class MySqlSnapshotReader implements SnapshotReader {
  private broken = false;

  /**
   * @param session a connection already inside `START TRANSACTION WITH CONSISTENT SNAPSHOT`
   * @param tables the catalog's tables by name (the chunks' `table`)
   */
  constructor(readonly session: MySqlSession, private readonly tables: ReadonlyMap<string, MySqlTable>, private readonly where = 'the source database') {}

  async copyToFiles(chunk: SnapshotChunk, options: CopyToFilesOptions): Promise<{ rows: number; parts: number }> {
    if (!isMySqlChunk(chunk)) throw new Error(`internal: ${chunk.tableKey} chunk ${chunk.chunkNo} was not planned by the MySQL snapshot source`);
    if (this.broken) throw new Error('internal: this snapshot reader failed earlier and cannot be used again');
    const table = this.tables.get(chunk.table);
    if (!table) throw new Error(`internal: ${chunk.table} is not in the catalog the snapshot was opened with`);
    const types = chunk.columns.map((name) => valueTypeOf(table.name, table.columns.find((c) => c.name === name)!, this.session.server.flavor));
    const encoder = new CopyRowEncoder(types);
    const writer = new SnapshotFileWriter(options);
    let out = Buffer.allocUnsafe(OUT_BYTES);
    let pos = 0;
    // Where each row of `out` ends, so that the file writer need not read the message headers.
    let ends = new Uint32Array(8192);
    let count = 0;
    let waiting = false;
    const flush = (): void => {
      if (pos === 0) return;
      const full = writer.pushRows(out.subarray(0, pos), ends, count);
      out = Buffer.allocUnsafe(OUT_BYTES);
      pos = 0;
      count = 0;
      if (!full && !waiting) {
        waiting = true;
        query.pause();
        void writer.whenDrained().then(() => {
          waiting = false;
          query.resume();
        });
      }
    };
    const query = rawRowQuery(this.session.connection, chunkSelectSql(chunk, table), (buf, start, end) => {
      const need = encoder.bound(end - start);
      if (pos + need > out.length) {
        flush();
        if (need > out.length) out = Buffer.allocUnsafe(need);
      }
      pos = encoder.encode(buf, start, end, out, pos);
      if (count === ends.length) {
        const bigger = new Uint32Array(ends.length * 2);
        bigger.set(ends);
        ends = bigger;
      }
      ends[count++] = pos;
    });
    let received: number;
    try {
      received = await query.done;
      flush();
      const result = await writer.finish();
      if (result.rows !== received) throw new Error(`internal: ${chunk.tableKey} chunk ${chunk.chunkNo}: the server sent ${received} rows but ${result.rows} were written`);
      return result;
    } catch (e) {
      // A failed row leaves the rest of the result on the socket: this connection is done for.
      this.broken = true;
      this.session.connection.destroy();
      await writer.abort();
      // The snapshot's transaction died with its connection (a restart or failover of the source):
      // no connection can finish it, only a new snapshot.
      if (isMySqlConnectionLoss(e)) {
        throw new TandemError('TANDEM_CONNECT', `${this.where.charAt(0).toUpperCase()}${this.where.slice(1)} went away during the snapshot (${String((e as { code?: unknown }).code ?? (e as { errno?: unknown }).errno)}): the snapshot's transaction ended with its connection, so this snapshot cannot be finished.`, {
          hint: 'Once the source database accepts connections again, rerun the same command: it starts the snapshot over.',
          cause: e,
        });
      }
      throw e;
    }
  }

  /** Ends the snapshot transaction and the connection. */
  async close(): Promise<void> {
    if (this.broken) return;
    this.broken = true;
    await this.session.connection.query('COMMIT').catch(() => {});
    await this.session.connection.end().catch(() => this.session.connection.destroy());
  }
}
