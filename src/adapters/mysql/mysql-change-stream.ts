import { BoundedBuffer } from '../../core/bounded-buffer.js';
import type { DbConfig } from '../../core/db-config.js';
import type { CapturedTransaction, ChangeStream } from '../../core/engine/change-capture.js';
import { readMySqlCatalog } from './catalog.js';
import { BinlogCapture, replicaServerId, type AssembledTransaction, type BinlogCaptureOptions } from './capture/binlog-capture.js';
import { captureTablesFromCatalog, catalogConverters } from './capture/capture-catalog.js';
import { loadServerCharsetTables } from './capture/charset-tables.js';
import { passThroughConverters, type ConverterFactory } from './capture/capture-table.js';
import { MARKER_TABLE, markerCaptureTable, markersOf } from './capture/marker-table.js';
import { withMySql } from './connection.js';
import { mysqlTargetSchemaOf } from './mysql-config.js';

/**
 * The change stream of a MySQL/MariaDB source: `BinlogCapture` reading the binlog as a replica
 * from a position, run in the background and handed to the exporter as the committed transactions
 * already decoded (a bounded buffer keeps memory flat: the reader waits while it is full). Events carry the
 * target's names; rows of Tandem's marker table become the transaction's `markers`
 * (`capture/marker-table.ts`).
 *
 * MySQL is not told what it may forget (`acknowledgesPositions` false): `acknowledge` does nothing.
 * Transactions that change no migrated table come through without events at most every 5 s, so the
 * queued position moves on while only other tables change.
 */

/** Transactions held between the binlog reader and the exporter before the reader waits (a chunk of the binlog may add more at once). */
const MAX_BUFFERED = 256;
/** ... and their events (a large transaction comes in parts of TRANSACTION_PART_EVENTS). */
const MAX_BUFFERED_EVENTS = 20_000;

/** Where one stream reads: the migrated tables (by MySQL name) and the marker rows of its metadata database. */
export interface StreamScope {
  readonly streamId: string;
  readonly metadataDb: string;
  /** MySQL table names of the migrated tables. */
  readonly tables: readonly string[];
}

/**
 * The capture's options for `scope`: the migrated tables as the catalog has them now (their values
 * converted as the snapshot converts them) plus the marker table, and a replica server id stable
 * per stream and purpose (a restarted exporter ends its predecessor's dump at once).
 */
export async function binlogCaptureOptions(db: DbConfig, scope: StreamScope, purpose: string,
  onNulledDate?: (column: string, value: string) => void): Promise<BinlogCaptureOptions> {
  const catalog = await withMySql(db, async ({ connection, server }) => {
    const read = await readMySqlCatalog(connection, server, db.database);
    // The character sets that Node's tables decode otherwise than the server, as the server converts them.
    const charsets = read.tables.filter((t) => scope.tables.includes(t.name)).flatMap((t) => t.columns.map((c) => c.charset ?? ''));
    await loadServerCharsetTables(connection, charsets);
    return read;
  });
  const tables = captureTablesFromCatalog(catalog, scope.tables, { targetSchema: mysqlTargetSchemaOf(db) });
  const byCatalog = catalogConverters(catalog, onNulledDate);
  const converters: ConverterFactory = (table, column) => (table.database === scope.metadataDb && table.table === MARKER_TABLE
    ? passThroughConverters(table, column) : byCatalog(table, column));
  return {
    source: db,
    serverId: replicaServerId(`${scope.streamId}/${purpose}`),
    tables: [...tables, markerCaptureTable(scope.metadataDb)],
    converters,
  };
}

/**
 * A binlog transaction as the seam's: marker rows taken out of the events and named in `markers`.
 * With `serverNowMs` (the server's clock when it arrived), it also tells its age (`sourceBehindMs`).
 */
export function capturedTransaction(tx: AssembledTransaction, streamId: string, serverNowMs?: number): CapturedTransaction {
  const { events, markers } = markersOf(tx.events, streamId);
  return {
    events, position: tx.position, txId: tx.txId, markers, ...(tx.continues && { continues: true as const }),
    commitTimeMs: tx.timestamp * 1000,
    ...(serverNowMs !== undefined && { sourceBehindMs: commitAgeLowerBoundMs(serverNowMs, tx.timestamp) }),
  };
}

export class MySqlChangeStream implements ChangeStream {
  private readonly buffer = new BoundedBuffer<CapturedTransaction>(MAX_BUFFERED, { limit: MAX_BUFFERED_EVENTS, of: (tx) => tx.events.length });
  /** Markers found in the parts of a large transaction so far: the seam names them on its last part. */
  private partMarkers: string[] = [];
  private stopped = false;
  private capture: BinlogCapture | undefined;
  private running: Promise<void> | undefined;
  /** The server's clock minus this process's, read when the stream starts (undefined: not known). */
  private clockOffsetMs: number | undefined;

  constructor(private readonly db: DbConfig, private readonly from: string, private readonly scope: StreamScope,
    private readonly onNotice?: (message: string) => void) {}

  /** Reads the catalog (a wrong password fails here) and starts reading the binlog in the background. */
  async start(): Promise<void> {
    const options = await binlogCaptureOptions(this.db, this.scope, 'stream', this.onNotice && ((column, value) => this.nulledDate(column, value)));
    // Without the server's clock the exporter judges groups by size alone, as before it was read.
    this.clockOffsetMs = await serverClockOffsetMs(this.db).catch(() => undefined);
    if (this.stopped) return;
    const capture = BinlogCapture.start({ ...options, ...(this.onNotice && { onNotice: this.onNotice }) }, this.from);
    this.capture = capture;
    this.running = this.pump(capture).then(() => this.finish(undefined), (e: unknown) => this.finish(e));
  }

  private async pump(capture: BinlogCapture): Promise<void> {
    for await (const batch of capture.transactionBatches()) {
      await this.buffer.room();
      if (this.stopped) return;
      // The binlog's second against the server's clock, read once per batch (see commitAgeLowerBoundMs).
      const serverNowMs = this.clockOffsetMs === undefined ? undefined : Date.now() + this.clockOffsetMs;
      this.buffer.pushAll(batch.map((tx) => this.captured(tx, serverNowMs)));
    }
  }

  private captured(tx: AssembledTransaction, serverNowMs: number | undefined): CapturedTransaction {
    const c = capturedTransaction(tx, this.scope.streamId, serverNowMs);
    if (c.continues) {
      if (c.markers.length === 0) return c;
      this.partMarkers.push(...c.markers);
      return { ...c, markers: [] };
    }
    if (this.partMarkers.length === 0) return c;
    const markers = [...this.partMarkers, ...c.markers];
    this.partMarkers = [];
    return { ...c, markers };
  }

  /** Columns a streamed date was made NULL in, with how many: said at the first of each column, then at every power of ten. */
  private readonly nulledDates = new Map<string, number>();

  private nulledDate(column: string, value: string): void {
    const n = (this.nulledDates.get(column) ?? 0) + 1;
    this.nulledDates.set(column, n);
    if (n === 1 || Number.isInteger(Math.log10(n))) {
      this.onNotice?.(`${this.db.database}.${column}: ${n === 1 ? `a date written on the source that PostgreSQL cannot hold (${value}: a zero date, a zero month or day, or a day its month does not have) was` : `${n} such dates were`} `
        + 'streamed as NULL, as the snapshot\'s are: the two sides now differ in that value (compare counts it as equal, since both mean "no date"). Set a sql_mode with NO_ZERO_DATE, NO_ZERO_IN_DATE and without ALLOW_INVALID_DATES on the source to stop them.');
    }
  }

  private finish(error: unknown): void {
    this.buffer.end(this.stopped ? undefined : error);
  }

  /** The exporter's hold: the binlog connection is not read meanwhile (transactions already read stay buffered here). */
  pauseReading(): void {
    this.capture?.holdReading(true);
  }

  resumeReading(): void {
    this.capture?.holdReading(false);
  }

  acknowledge(_tx: CapturedTransaction): void {
    // MySQL keeps binlogs on its own schedule; nothing to confirm.
  }

  /**
   * Transactions waiting here plus the binlog events already received behind them: the exporter
   * flushes its batch to the queue (an fsync) when this is 0, so counting only whole transactions
   * here would flush after nearly every one of a backlog of small ones.
   */
  get interruptedSince(): number | undefined {
    return this.capture?.outageSince;
  }

  get buffered(): number {
    return this.buffer.size + (this.capture?.pendingEvents ?? 0);
  }

  async *transactions(): AsyncGenerator<CapturedTransaction> {
    for await (const batch of this.transactionBatches()) yield* batch;
  }

  /** Every transaction waiting here, in one array per wake-up. */
  transactionBatches(): AsyncGenerator<CapturedTransaction[]> {
    return this.buffer.batches();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.buffer.release();
    await this.capture?.stop();
    await this.running?.catch(() => {});
    this.buffer.end();
  }
}

/**
 * A lower bound of how long before `serverNowMs` a transaction whose binlog events carry `timestamp`
 * (whole seconds since the epoch, the server's clock) committed: the commit happened within the
 * second after `timestamp`, so a second is taken off and a live transaction is not taken for an old
 * one. (MySQL stamps an event with the start of the statement that wrote it; an
 * autocommitted statement that ran long is therefore taken for older than it is: its group may then
 * be gathered as a backlog's, for at most 100 ms.)
 */
export function commitAgeLowerBoundMs(serverNowMs: number, timestamp: number): number {
  return Math.max(0, serverNowMs - (timestamp + 1) * 1000);
}

/** The server's clock minus this process's (milliseconds), from one query: each side's reading taken halfway through the round trip. */
async function serverClockOffsetMs(db: DbConfig): Promise<number> {
  return withMySql(db, async ({ connection }) => {
    const sent = Date.now();
    const [rows] = await connection.query('SELECT UNIX_TIMESTAMP(NOW(6)) AS now_s');
    const received = Date.now();
    const serverMs = Number((rows as { now_s: string | number }[])[0]!.now_s) * 1000;
    if (!Number.isFinite(serverMs)) throw new Error(`the server's clock read as ${String((rows as unknown[])[0])}`);
    return serverMs - (sent + received) / 2;
  });
}
