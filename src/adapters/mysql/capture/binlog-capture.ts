/**
 * Change capture from a MySQL/MariaDB binlog: committed transactions of the migrated tables, in
 * commit order, from a position on, read as a replica would.
 *
 * MySQL has no acknowledgement: the source never learns how far Tandem got, and keeps binlogs only
 * as long as its retention says (see `binlog-retention.ts`). Exactly-once therefore rests on the
 * position alone: the caller records `position` of the last transaction it made durable and passes
 * it to the next `BinlogCapture.start`, which emits the transaction after it and nothing earlier.
 * A lost connection inside one run is resumed the same way, from the last transaction emitted.
 */
import type { Connection as PromiseConnection } from 'mysql2/promise';
import { TandemError, isTandemError } from '../../../core/errors.js';
import { log } from '../../../core/logger.js';
import { sleep } from '../../../core/sleep.js';
import { reconnectBudgetMs } from '../../../core/reconnect-budget.js';
import { connectMySql, isMySqlConnectionLoss, type MySqlDbConfig } from '../connection.js';
import type { MySqlFlavor } from '../server-version.js';
import { BinlogEventDecoder } from './binlog-event-decoder.js';
import { BinlogDump, BinlogDumpError, type DumpStart } from './binlog-dump-connection.js';
import { decodeBinlogPosition, encodeBinlogPosition, type BinlogPosition } from './binlog-position.js';
import { MariaGtidState, MysqlGtidSet } from './gtid-state.js';
import { TransactionAssembler, type AssembledTransaction } from './transaction-assembler.js';
import type { CaptureTable, ConverterFactory } from './capture-table.js';

export type { AssembledTransaction } from './transaction-assembler.js';

/** Options for {@link BinlogCapture.start}. */
export interface BinlogCaptureOptions {
  /** The source, as for every other MySQL connection (TLS and all). */
  readonly source: MySqlDbConfig;
  /**
   * This replica's server id: unique among everything that reads the source's binlog (the source
   * ends an older dump with the same id). See {@link replicaServerId}.
   */
  readonly serverId: number;
  /** The migrated tables. */
  readonly tables: readonly CaptureTable[];
  /** Value converters per column (default: text as is, binary as bytea hex). */
  readonly converters?: ConverterFactory;
  /** Heartbeat period asked of the source, seconds (default 5); silence for 3 periods + 5 s is a lost link. */
  readonly heartbeatSeconds?: number;
  /** Resume by GTID where the position has one (default), or always by file and offset. */
  readonly resumeBy?: 'gtid' | 'file';
  /**
   * Transactions without migrated changes are passed on (with no events) at most this often, so
   * that the caller can record a position that moves on while only other tables change
   * (default 5000 ms; 0 passes every one on).
   */
  readonly idleProgressMs?: number;
  /** How long to keep reconnecting after a lost connection before giving up (default 60 s, less when TANDEM_RECONNECT_BUDGET_MS says less). */
  readonly reconnectForMs?: number;
  /**
   * End at the end of the source's binlog instead of waiting for more (BINLOG_DUMP_NON_BLOCK): the
   * iteration finishes once everything written so far is read (the look for writes after a marker).
   */
  readonly nonBlocking?: boolean;
  /** Opens the connection the dump runs on (default: `connectMySql(source)`); for tests. */
  readonly connect?: (source: MySqlDbConfig) => Promise<{ connection: PromiseConnection; flavor: MySqlFlavor }>;
  /**
   * Told, for the user's screen, when the stream is interrupted and reconnects on its own (once per
   * outage), and when it is back: without it the metrics only stop moving.
   */
  readonly onNotice?: (message: string) => void;
}

const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
const ER_SPECIFIC_ACCESS_DENIED = 1227;
const ER_ACCESS_DENIED = 1045;

/**
 * A server id for Tandem's replica connection, stable for one seed (the migration's uuid and a
 * role), in a range real servers rarely use (2,000,000,000 – 2,099,999,999).
 * @example replicaServerId(`${migrationUuid}/source-capture`)
 */
export function replicaServerId(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return 2_000_000_000 + (h % 100_000_000);
}

/**
 * The source's current binlog position (the end of the last transaction written), as a position
 * string, with the GTID state at exactly that point: MariaDB `BINLOG_GTID_POS(file, offset)`,
 * MySQL the executed GTID set `SHOW BINARY LOG STATUS` reports with it (none when gtid_mode is OFF).
 * Needs REPLICATION CLIENT (MariaDB: BINLOG MONITOR).
 */
export async function currentBinlogPosition(connection: PromiseConnection, flavor: MySqlFlavor): Promise<string> {
  let rows: unknown;
  try {
    [rows] = await connection.query('SHOW BINARY LOG STATUS');
  } catch {
    [rows] = await connection.query('SHOW MASTER STATUS'); // MariaDB, MySQL before 8.2
  }
  const row = (rows as Array<Record<string, unknown>>)[0];
  if (!row) {
    throw new TandemError('TANDEM_PREREQUISITE', 'The source writes no binlog (SHOW MASTER STATUS is empty).', {
      hint: 'Enable the binlog: log_bin = mysql-bin, binlog_format = ROW, binlog_row_image = FULL, server_id = 1 in the server configuration, then restart it.',
    });
  }
  const file = String(row.File);
  const offset = Number(row.Position);
  if (flavor === 'mariadb') {
    const [g] = await connection.query('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, offset]);
    const text = (g as Array<{ gtid: string | null }>)[0]?.gtid;
    // An empty state is kept too: the GTIDs that follow are added to it.
    return encodeBinlogPosition({ file, offset, gtid: { flavor: 'mariadb', state: MariaGtidState.parse(text ?? '') } });
  }
  const executed = row.Executed_Gtid_Set === undefined || row.Executed_Gtid_Set === null ? '' : String(row.Executed_Gtid_Set);
  return encodeBinlogPosition({ file, offset, gtid: { flavor: 'mysql', set: MysqlGtidSet.parse(executed) } });
}

export class BinlogCapture implements AsyncIterable<AssembledTransaction> {
  private dump: BinlogDump | undefined;
  /** The exporter holds reading (see {@link holdReading}). */
  private readingHeld = false;
  private decoder: BinlogEventDecoder | undefined;
  private stopping = false;
  private last: BinlogPosition;
  private lastText: string;
  /** Events of the batch being assembled that are not yet handled. */
  private batchLeft = 0;
  /** Parts of the group being read were handed out (`AssembledTransaction.continues`). */
  private handedParts = false;

  private constructor(private readonly options: BinlogCaptureOptions, from: string) {
    this.last = decodeBinlogPosition(from);
    this.lastText = from;
  }

  /**
   * Starts capture after `from`: the `position` of the last transaction the caller made durable (or
   * the snapshot's position). Nothing is read until the iteration begins.
   * @example for await (const tx of BinlogCapture.start(options, saved)) { queue(tx.events); save(tx.position); }
   */
  static start(options: BinlogCaptureOptions, from: string): BinlogCapture {
    return new BinlogCapture(options, from);
  }

  /** The end of the last transaction read (emitted or skipped): where a reconnect resumes. */
  get position(): string {
    return this.lastText;
  }

  /**
   * Binlog events already received and not yet assembled: when > 0, more transactions follow at
   * once, so a consumer batching its durable writes should not flush yet.
   */
  get pendingEvents(): number {
    return (this.dump?.pending ?? 0) + this.batchLeft;
  }

  /** The server's id of the connection the dump runs on (`KILL CONNECTION` it to test a cut). */
  get threadId(): number | undefined {
    return this.dump?.threadId;
  }

  /** When an outage was said (onNotice), and since when: its end is said once the stream is back. */
  private saidSince: number | undefined;

  /** When the current outage began, while reconnecting (and after giving up on it); else undefined. */
  get outageSince(): number | undefined {
    return this.saidSince;
  }

  /** Stops reading the binlog connection while `on` (see `BinlogDump.holdReading`); a reconnected dump starts as it says. */
  holdReading(on: boolean): void {
    this.readingHeld = on;
    this.dump?.holdReading(on);
  }

  /** Ends the stream: the iteration finishes after the transaction being handed out, if any. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.dump?.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<AssembledTransaction> {
    return this.transactions();
  }

  /** Committed transactions in commit order (see the options for the empty ones). */
  async *transactions(): AsyncGenerator<AssembledTransaction> {
    for await (const batch of this.transactionBatches()) {
      for (const tx of batch) {
        yield tx;
        if (this.stopping) return;
      }
    }
  }

  /**
   * The same transactions, as one array per chunk of binlog events received (never empty): every
   * transaction the chunk completes, decoded and assembled without an await between them.
   */
  async *transactionBatches(): AsyncGenerator<AssembledTransaction[]> {
    const idleMs = this.options.idleProgressMs ?? 5000;
    const reconnectFor = this.options.reconnectForMs ?? Math.min(60_000, reconnectBudgetMs());
    const o = this.options;
    let lastYield = Date.now();
    let failingSince: number | undefined;
    let delay = 500;
    const say = (e: unknown) => {
      if (this.saidSince !== undefined) return;
      this.saidSince = Date.now();
      o.onNotice?.(`the binlog stream from the ${o.source.role} was interrupted (${errorCodeOf(e)}); reconnecting (for as long as the exporter runs; nothing queued is lost), to resume after ${this.last.file}:${this.last.offset}`);
    };
    while (!this.stopping) {
      let assembler: TransactionAssembler;
      try {
        const opened = await this.open();
        assembler = opened.assembler;
        this.dump = opened.dump;
        if (this.saidSince !== undefined) {
          o.onNotice?.(`the binlog stream from the ${o.source.role} is back after ${Math.round((Date.now() - this.saidSince) / 1000)} s; it resumes after ${this.last.file}:${this.last.offset}`);
          this.saidSince = undefined;
        }
        if (this.stopping) this.dump.close();
        else if (this.readingHeld) this.dump.holdReading(true);
      } catch (e) {
        if (this.stopping) return;
        if (!retryable(e) || (failingSince !== undefined && Date.now() - failingSince > reconnectFor)) throw this.fatal(e);
        failingSince ??= Date.now();
        say(e);
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      const decoder = this.decoder!;
      try {
        // A batch is every event already received: decoded and assembled without an await per event.
        for await (const batch of this.dump.batches()) {
          const out: AssembledTransaction[] = [];
          let failure: { error: unknown } | undefined;
          try {
            for (let i = 0; i < batch.length; i++) {
              this.batchLeft = batch.length - i - 1;
              const tx = assembler.push(decoder.decode(batch[i]!));
              if (!tx) continue;
              failingSince = undefined;
              delay = 500;
              if (tx.continues) {
                // A part of a large group: the position stays before the group (a reconnect replays it whole).
                this.handedParts = true;
                out.push(tx);
                continue;
              }
              this.handedParts = false;
              this.last = tx.binlogPosition;
              this.lastText = tx.position;
              if (tx.events.length > 0 || tx.endsParts || Date.now() - lastYield >= idleMs) {
                lastYield = Date.now();
                out.push(tx);
              }
            }
          } catch (e) {
            failure = { error: e };
          }
          this.batchLeft = 0;
          // What the chunk completed before a failure is handed out first: a reconnect resumes after it.
          if (out.length > 0) {
            yield out;
            if (this.stopping) return;
          }
          if (failure) throw failure.error;
        }
        return; // closed by stop()
      } catch (e) {
        this.batchLeft = 0;
        this.dump.close();
        if (this.stopping) return;
        if (!retryable(e)) throw this.fatal(e);
        if (this.handedParts) {
          // Parts of the group being read were handed out: resuming here would hand them out again.
          // The consumer resumes from what it queued, and skips the parts it holds.
          throw new TandemError('TANDEM_CONNECT', `The binlog stream from the ${o.source.role} was interrupted (${errorCodeOf(e)}) inside a large transaction; it resumes from the last transaction queued.`, { cause: e });
        }
        failingSince ??= Date.now();
        if (Date.now() - failingSince > reconnectFor) throw this.fatal(e);
        log.warn(`binlog stream from the ${o.source.role} interrupted (${errorCodeOf(e)}); resuming after ${this.last.file}:${this.last.offset}`);
        say(e);
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async open(): Promise<{ dump: BinlogDump; assembler: TransactionAssembler }> {
    const o = this.options;
    const { connection, flavor } = o.connect
      ? await o.connect(o.source)
      : await connectMySql(o.source).then((s) => ({ connection: s.connection, flavor: s.server.flavor }));
    try {
      const [rows] = await connection.query('SELECT @@global.binlog_checksum AS checksum, @@lower_case_table_names AS lctn');
      const row = (rows as Array<{ checksum: string; lctn: string | number }>)[0]!;
      const checksum = String(row.checksum).toUpperCase() === 'CRC32' ? 'CRC32' : 'NONE';
      const start = this.dumpStart(flavor);
      const dump = await BinlogDump.open(connection, {
        serverId: o.serverId, flavor, checksum, start, heartbeatSeconds: o.heartbeatSeconds ?? 5, ...(o.nonBlocking && { nonBlocking: true }),
      });
      this.decoder = new BinlogEventDecoder({ checksum });
      const decoder = this.decoder;
      const assembler = new TransactionAssembler({
        tables: o.tables,
        start: this.last,
        resumedByGtid: start.mode !== 'file',
        ...(o.converters && { converters: o.converters }),
        caseInsensitiveNames: Number(row.lctn) !== 0,
        openPayload: (p) => decoder.decodePayload(p),
        ...(o.onNotice && { onIndexChange: o.onNotice }),
      });
      return { dump, assembler };
    } catch (e) {
      connection.destroy();
      throw e;
    }
  }

  private dumpStart(flavor: MySqlFlavor): DumpStart {
    const g = this.last.gtid;
    if (this.options.resumeBy !== 'file' && g) {
      if (g.flavor === 'mariadb' && flavor === 'mariadb' && !g.state.isEmpty) return { mode: 'mariadb-gtid', state: g.state.toString() };
      if (g.flavor === 'mysql' && flavor === 'mysql' && !g.set.isEmpty) return { mode: 'mysql-gtid', executed: g.set };
    }
    return { mode: 'file', file: this.last.file, offset: this.last.offset };
  }

  /** A dump error as the TandemError the user sees. */
  private fatal(e: unknown): unknown {
    if (isTandemError(e) || !(e instanceof BinlogDumpError)) return e;
    const where = this.last.gtid ? `${this.last.file}:${this.last.offset} (GTID ${this.lastText.split('|')[2]})` : `${this.last.file}:${this.last.offset}`;
    if (e.errno === ER_MASTER_FATAL_ERROR_READING_BINLOG) {
      return new TandemError('TANDEM_PREREQUISITE', `The source cannot stream its binlog from ${where}: ${e.message} (error 1236). The binlog the migration needs has probably been purged, so changes since then are lost to it.`, {
        hint: 'This migration cannot go on from its binlog stream: start it again from a new snapshot (tandem end migration, then a new export dir and empty target tables), and keep binlogs longer than a migration may be stopped (binlog_expire_logs_seconds).',
        cause: e,
        streamLost: true,
      });
    }
    if (e.errno === ER_SPECIFIC_ACCESS_DENIED || e.errno === ER_ACCESS_DENIED) {
      return new TandemError('TANDEM_PRIVILEGE', `The source refused to stream its binlog to user "${this.options.source.user}" (error ${e.errno}).`, {
        hint: `GRANT REPLICATION SLAVE ON *.* TO '${this.options.source.user}'@'<host>';`,
        cause: e,
      });
    }
    if (e.code === 'HEARTBEAT_TIMEOUT' || retryable(e)) {
      return new TandemError('TANDEM_CONNECT', `The binlog stream from the source was lost and could not be resumed: ${e.message}.`, {
        hint: 'Check that the source is up and reachable, then rerun the command: it resumes from the last transaction it queued.',
        cause: e,
      });
    }
    return new TandemError('TANDEM_DATA', `The source ended the binlog stream with error ${e.errno ?? e.code}: ${e.message}.`, {
      hint: 'Rerun the command: it resumes from the last transaction it queued. If the error repeats, check the source\'s error log.',
      cause: e,
    });
  }
}

/** An error's code or errno for a log line (never its message: MySQL's can quote values). */
function errorCodeOf(e: unknown): string {
  const err = e as { code?: unknown; errno?: unknown } | undefined;
  return String(err?.code ?? err?.errno ?? 'error');
}

function retryable(e: unknown): boolean {
  if (isTandemError(e)) return e.code === 'TANDEM_CONNECT';
  // After a lost connection the same position can simply be read again on a new one.
  return isMySqlConnectionLoss(e);
}
