import type { UnnumberedChangeEvent } from '../../../core/change-event.js';
import { TandemError } from '../../../core/errors.js';
import { sleep } from '../../../core/sleep.js';
import type { OracleSession } from '../connection.js';
import { logMinerRowFromRecord } from './logminer-row.js';
import { oracleErrorCode } from '../oracle-errors.js';
import {
  addLogFilesSql, contentsQuery, createFlushTableSql, CURRENT_SCN_SQL, END_LOGMNR_SQL, FLUSH_SQL, LOG_FILES_SQL, nextWindow,
  OLDEST_OPEN_TRANSACTION_SQL, redoCoveredTo, redoLogFileFromRecord, selectLogFiles, START_LOGMNR_SQL,
} from './logminer-sql.js';
import { encodeOraclePosition, snapshotStart, type OraclePosition } from './oracle-position.js';
import { transactionEvents, ORACLE_NAMES, type NameMapper, type TableLookup } from './redo-events.js';
import { changeChunks, ContinuationJoiner, TransactionAssembler, type CommittedTransaction } from './transaction-assembler.js';
import type { ChangeSpill } from './transaction-spill.js';
import { TRANSACTION_PART_EVENTS } from '../../../core/engine/change-capture.js';
import { MARKER_TABLE, markersIn, type MarkerSource } from './marker-table.js';

/**
 * The LogMiner change capture loop (I/O; every decision in it is made by the pure, tested parts:
 * `logminer-sql.ts`, `transaction-assembler.ts`, `redo-events.ts`, `oracle-position.ts`).
 *
 * Per window: read CURRENT_SCN, flush (Tandem's one-row table, so the log writer has written all
 * redo up to that SCN), pick the redo files, START_LOGMNR for [from, to], stream V$LOGMNR_CONTENTS,
 * END_LOGMNR. Committed transactions go to `onTransaction` in commit order with their position;
 * `onCheckpoint` gets the position every window reached (idle periods included), which a caller may
 * store so that a restart does not mine the same redo again.
 *
 * NOT RUN AGAINST A LIVE ORACLE. Assumptions it rests on, to be confirmed on a real server: redo up
 * to an SCN read before the flush commit is on disk after that commit (single instance; RAC threads
 * are not coordinated); the contents query returns rows in SCN order within a window.
 */
export interface LogMinerCaptureOptions {
  /** The migrated schema (SEG_OWNER). */
  readonly owner: string;
  /** When mining in a CDB root: the PDB whose redo to keep (SRC_CON_NAME). */
  readonly pdb?: string;
  readonly tables: TableLookup;
  readonly names?: NameMapper;
  /** SCNs per window (default 100 000). */
  readonly windowScns?: bigint;
  /** Pause when there is nothing new (default 1000 ms). */
  readonly pollMs?: number;
  /** Rows fetched per round trip (default 2000). */
  readonly fetchRows?: number;
  /** Tandem's marker rows to read (`marker-table.ts`); without it markers are not mined. */
  readonly markers?: MarkerSource;
  /** Where open transactions' changes beyond CHANGES_IN_MEMORY wait for their commit (without it, all are held in memory). */
  readonly spill?: ChangeSpill;
  /** Object numbers of the migrated tables and their partitions (`TABLE_OBJECTS_SQL`): their changes LogMiner cannot name stop the capture. */
  readonly unnamedObjects?: readonly bigint[];
  /** Told once of each transaction that stays open LONG_OPEN_TRANSACTION_MS (`MinedRowPipeline.longOpenTransactions`). */
  readonly onWarning?: (message: string) => void;
}

/**
 * How long a transaction may stay open, as the capture sees it, before the user is told: an open
 * transaction (of any schema) holds back the SCN every restart mines from, so its redo must be kept.
 */
export const LONG_OPEN_TRANSACTION_MS = 30 * 60_000;

/** A transaction open for long, as `MinedRowPipeline.longOpenTransactions` reports it. */
export interface LongOpenTransaction {
  readonly xid: string;
  readonly startScn: bigint;
  /** Its changes to migrated tables so far. */
  readonly changes: number;
  /** How long the capture has seen it open (a lower bound: mining may have begun after its start). */
  readonly openMs: number;
}

/** The warning for a transaction left open (`LongOpenTransaction`), naming where a DBA finds it. */
export function longOpenTransactionWarning(t: LongOpenTransaction): string {
  const minutes = Math.floor(t.openMs / 60_000);
  return `Oracle transaction ${t.xid} (any schema; ${t.changes} change${t.changes === 1 ? '' : 's'} to migrated tables so far) has been open for at least ${minutes} minutes, since SCN ${t.startScn}. `
    + `Until it ends, a restart of the export mines the redo from SCN ${t.startScn} on, so the archived logs from there must be kept (a deleted one loses the stream). `
    + `If it was left open by mistake, end it: its session is found with SELECT s.SID, s.SERIAL#, s.USERNAME, s.MACHINE, s.PROGRAM FROM V$TRANSACTION t JOIN V$SESSION s ON s.TADDR = t.ADDR WHERE t.XID = HEXTORAW('${t.xid}'). `
    + 'If that finds nothing, the transaction ended without LogMiner showing its end (other LogMiner readers report such cases): Tandem still counts it open, so every restart mines from its start; report it.';
}

/**
 * The error for redo missing at the first window after a resume: when mining had to start before the
 * resume position's commit because a transaction was open there (`restartScn` < `commitScn`), it says
 * so, which a DBA cannot tell from the SCN alone. Other errors are returned as they are.
 */
export function explainMissingRedo(error: unknown, resume: OraclePosition): unknown {
  if (!(error instanceof TandemError) || !error.streamLost || resume.restartScn >= resume.commitScn) return error;
  return new TandemError(error.code, `${error.message} Mining restarts at SCN ${resume.restartScn}, ${resume.commitScn - resume.restartScn} SCNs before the last position reached (SCN ${resume.commitScn}), because a transaction (of any schema, not only the migrated one) that was open there began at SCN ${resume.restartScn}: its earlier changes are in that redo. (At the snapshot's own position the restart SCN may instead be the SCN read just before the snapshot.)`, {
    hint: `${error.hint ?? ''} If that transaction is still open, V$TRANSACTION shows it (START_SCN = ${resume.restartScn}); a transaction left open holds back the redo a restart needs.`.trim(),
    cause: error,
    streamLost: true,
  });
}

/** One committed transaction as the capture hands it on. */
export interface MinedTransaction {
  /** Row changes of captured tables (may be empty when the transaction only wrote markers). */
  readonly events: UnnumberedChangeEvent[];
  readonly position: string;
  readonly txId: string;
  /** Markers of this capture's stream written in the transaction. */
  readonly markers: readonly string[];
  /**
   * A part of a transaction that held more changes than the capture keeps in memory
   * (`CapturedTransaction.continues`): its position is the one before the transaction's own.
   */
  readonly continues?: true;
}

/** What a mined row completes: nothing, one transaction, or a large one's parts (read one at a time). */
const NOTHING: readonly MinedTransaction[] = [];

/**
 * Where a snapshot and its capture meet: CURRENT_SCN, the oldest open transaction's start, then
 * CURRENT_SCN again as the snapshot SCN (see `snapshotStart` for why in this order).
 */
export async function readSnapshotStart(session: OracleSession): Promise<OraclePosition> {
  const before = BigInt(String((await session.query(CURRENT_SCN_SQL))[0]!.SCN));
  const open = (await session.query(OLDEST_OPEN_TRANSACTION_SQL))[0]!;
  const after = BigInt(String((await session.query(CURRENT_SCN_SQL))[0]!.SCN));
  return snapshotStart(before, open.START_SCN === null || open.START_SCN === undefined ? null : BigInt(String(open.START_SCN)), after);
}

/**
 * What happens to each mined row (pure): continued statements joined, transactions assembled,
 * committed ones turned into events (captured tables) and markers (this stream's rows of the marker
 * table). The capture loop feeds it window by window; tests feed it fixture rows.
 */
export class MinedRowPipeline {
  private readonly joiner = new ContinuationJoiner();
  private readonly assembler: TransactionAssembler;
  /** Open transactions by XID: when the capture first saw each open, and whether it was reported. */
  private readonly seenOpen = new Map<string, { since: number; told: boolean }>();

  /**
   * `spill`: where open transactions' changes beyond `inMemory` wait for their commit; such a
   * transaction is handed on in parts of `partEvents` events.
   */
  constructor(private readonly options: Pick<LogMinerCaptureOptions, 'tables' | 'names' | 'markers'> & {
    readonly spill?: { readonly store: ChangeSpill; readonly inMemory?: number } | undefined;
    readonly partEvents?: number;
  }, resume: OraclePosition) {
    this.assembler = new TransactionAssembler(resume, options.spill);
  }

  /**
   * One row of the contents query (OUT_FORMAT_OBJECT); the transaction it completes, if any is worth
   * handing on, or its parts. Parts are read from the spill as they are iterated: take each before
   * pushing another row.
   */
  push(record: Readonly<Record<string, unknown>>): Iterable<MinedTransaction> {
    const row = this.joiner.push(logMinerRowFromRecord(record));
    if (!row) return NOTHING;
    const before = this.assembler.checkpoint();
    const tx = this.assembler.push(row);
    if (!tx) return NOTHING;
    if (tx.spilled) return this.parts(tx, encodeOraclePosition(before));
    const o = this.options;
    const events = transactionEvents(tx, o.tables, o.names ?? ORACLE_NAMES);
    const markers = o.markers ? markersIn(tx, o.markers) : [];
    return events.length > 0 || markers.length > 0 ? [{ events, position: encodeOraclePosition(tx.position), txId: tx.xid, markers }] : NOTHING;
  }

  /**
   * A transaction whose earlier changes were spilled, in parts: each part's position is `before`
   * (the position the capture had reached before the transaction's commit: at or after every
   * transaction handed on before it, strictly before its own); the last part, with its markers,
   * carries its own position and is handed on even without events, so the exporter knows the
   * transaction ended.
   */
  private *parts(tx: CommittedTransaction, before: string): Generator<MinedTransaction> {
    const o = this.options;
    const size = o.partEvents ?? TRANSACTION_PART_EVENTS;
    const markers: string[] = [];
    let events: UnnumberedChangeEvent[] = [];
    let handed = false;
    try {
      for (const changes of changeChunks(tx, size)) {
        const chunk: CommittedTransaction = { ...tx, changes, spilled: undefined };
        for (const e of transactionEvents(chunk, o.tables, o.names ?? ORACLE_NAMES)) events.push(e);
        if (o.markers) markers.push(...markersIn(chunk, o.markers));
        while (events.length >= size) {
          const part = events.length === size ? events : events.slice(0, size);
          events = events.length === size ? [] : events.slice(size);
          yield { events: part, position: before, txId: tx.xid, markers: [], continues: true };
          handed = true;
        }
      }
    } finally {
      tx.spilled!.release();
    }
    if (handed || events.length > 0 || markers.length > 0) yield { events, position: encodeOraclePosition(tx.position), txId: tx.xid, markers };
  }

  /** Every row up to `scn` has been pushed (a window's end): the checkpoint a restart may resume from. */
  endWindow(scn: bigint): string {
    if (this.joiner.midStatement) {
      throw new TandemError('TANDEM_DATA', `A mining window ended at SCN ${scn} inside a continued SQL_REDO statement.`, { hint: 'This is a bug in the mining windows: report it with the SCN.' });
    }
    this.assembler.minedThrough(scn);
    return this.checkpoint();
  }

  /** The position to resume from. */
  checkpoint(): string {
    return encodeOraclePosition(this.assembler.checkpoint());
  }

  /**
   * The transactions open for `afterMs` or longer since the capture first saw them open (at a
   * window's end, clock `nowMs`), each returned once. A transaction the capture has seen end is
   * forgotten.
   */
  longOpenTransactions(nowMs: number, afterMs: number = LONG_OPEN_TRANSACTION_MS): LongOpenTransaction[] {
    const out: LongOpenTransaction[] = [];
    const open = this.assembler.openTransactions();
    const still = new Set(open.map((t) => t.xid));
    for (const xid of this.seenOpen.keys()) if (!still.has(xid)) this.seenOpen.delete(xid);
    for (const t of open) {
      let seen = this.seenOpen.get(t.xid);
      if (!seen) this.seenOpen.set(t.xid, (seen = { since: nowMs, told: false }));
      if (!seen.told && nowMs - seen.since >= afterMs) {
        seen.told = true;
        out.push({ xid: t.xid, startScn: t.startScn, changes: t.changes, openMs: nowMs - seen.since });
      }
    }
    return out;
  }
}

/** Windows mined again in a row after a log switched under them, before the error is the user's. */
const REDO_RACE_RETRIES = 3;

/** ORA-01291 / ORA-01292 (a listed log missing when LogMiner reads it), ORA-00310 (a log switched while read). */
export function isRedoListingRace(e: unknown): boolean {
  const code = oracleErrorCode((e as { cause?: unknown })?.cause ?? e) ?? oracleErrorCode(e);
  return code === 'ORA-01291' || code === 'ORA-01292' || code === 'ORA-00310';
}

export class LogMinerCapture {
  private readonly pipeline: MinedRowPipeline;
  private minedThrough: bigint;

  constructor(private readonly session: OracleSession, private readonly options: LogMinerCaptureOptions, private readonly resume: OraclePosition) {
    const { tables, names, markers, spill } = options;
    this.pipeline = new MinedRowPipeline({ tables, names, markers, spill: spill ? { store: spill } : undefined }, resume);
    this.minedThrough = resume.restartScn - 1n;
  }

  /** Creates the flush table in the mining user's schema (idempotent). */
  async prepare(): Promise<void> {
    await this.session.execute(createFlushTableSql());
  }

  /** The position the capture has reached (for a checkpoint). */
  checkpoint(): string {
    return this.pipeline.checkpoint();
  }

  /**
   * Mines until `signal` aborts, or (with `untilScn`) until every SCN up to it is mined.
   * `onTransaction` is awaited before mining goes on (back-pressure); it gets every committed
   * transaction after the resume position that changed a captured table or wrote a marker of this
   * stream. `onCheckpoint` gets the position each window reached.
   */
  async run(
    onTransaction: (tx: MinedTransaction) => Promise<void>,
    onCheckpoint: (position: string) => Promise<void>,
    signal: AbortSignal,
    untilScn?: bigint,
  ): Promise<void> {
    const o = this.options;
    const windowScns = o.windowScns ?? 100_000n;
    let retries = 0;
    while (!signal.aborted) {
      if (untilScn !== undefined && this.minedThrough >= untilScn) return;
      const current = BigInt(String((await this.session.query(CURRENT_SCN_SQL))[0]!.SCN));
      await this.session.execute(FLUSH_SQL, { scn: current.toString() });
      await this.session.commit();
      const endScn = untilScn !== undefined && untilScn < current ? untilScn : current;
      const next = nextWindow(this.minedThrough, endScn, windowScns);
      if (!next) {
        await sleep(o.pollMs ?? 1000, signal);
        continue;
      }
      const redo = (await this.session.query(LOG_FILES_SQL)).map(redoLogFileFromRecord);
      let files: string[];
      try {
        files = selectLogFiles(redo, next.from, next.to);
      } catch (e) {
        throw next.from === this.resume.restartScn ? explainMissingRedo(e, this.resume) : e;
      }
      // Only as far as the files listed reach (LogMiner would stop at their end without a word).
      const w = { from: next.from, to: redoCoveredTo(redo, next.from, next.to) };
      if (w.to < w.from) {
        await sleep(o.pollMs ?? 1000, signal);
        continue;
      }
      let pushed = false;
      try {
        await this.session.execute(addLogFilesSql(files));
        await this.session.execute(START_LOGMNR_SQL, { startScn: w.from.toString(), endScn: w.to.toString() });
        try {
          const binds: Record<string, unknown> = {
            fromScn: w.from.toString(), toScn: w.to.toString(), owner: o.owner,
            ...(o.markers ? { markerOwner: o.markers.owner, markerTable: MARKER_TABLE } : {}),
            ...(o.pdb ? { pdb: o.pdb } : {}),
          };
          await this.session.stream(contentsQuery({ pdb: o.pdb !== undefined, markers: o.markers !== undefined, ...(o.unnamedObjects ? { unnamedObjects: o.unnamedObjects } : {}) }), binds, o.fetchRows ?? 2000, async (rows) => {
            for (const record of rows) {
              pushed = true;
              for (const tx of this.pipeline.push(record)) await onTransaction(tx);
            }
          });
        } finally {
          await this.session.execute(END_LOGMNR_SQL).catch(() => {});
        }
      } catch (e) {
        // A log switched (and archived or renamed) between the listing and LogMiner's read: listed
        // again and mined again, while nothing of the window was pushed (the oracle-review-2 run:
        // called a lost stream). A log really gone is found by the listing (`selectLogFiles`).
        if (!pushed && retries < REDO_RACE_RETRIES && isRedoListingRace(e)) {
          retries += 1;
          await sleep(o.pollMs ?? 1000, signal);
          continue;
        }
        throw e;
      }
      retries = 0;
      const checkpoint = this.pipeline.endWindow(w.to);
      this.minedThrough = w.to;
      await onCheckpoint(checkpoint);
      for (const t of this.pipeline.longOpenTransactions(Date.now())) o.onWarning?.(longOpenTransactionWarning(t));
      // Caught up: wait before the next window. (The SCN always moves, if only by the flush's own
      // commit, so without this pause the loop would mine a few SCNs again and again.)
      if (w.to === current && (untilScn === undefined || w.to < untilScn)) await sleep(o.pollMs ?? 1000, signal);
    }
  }
}
