import { BoundedBuffer } from '../../core/bounded-buffer.js';
import type { DbConfig } from '../../core/db-config.js';
import type { CapturedTransaction, ChangeStream } from '../../core/engine/change-capture.js';
import type { TableInfo } from '../../core/engine/catalog.js';
import type { OracleSession } from './connection.js';
import { LogMinerCapture, type MinedTransaction } from './capture/logminer-capture.js';
import { decodeOraclePosition } from './capture/oracle-position.js';
import { TABLE_OBJECTS_SQL } from './capture/logminer-sql.js';
import type { TableLookup } from './capture/redo-events.js';
import { oracleSchemaOf } from './oracle-config.js';
import { oracleTableOf, TARGET_NAMES } from './oracle-names.js';
import { CURRENT_USER_SQL, openDataSession, openMiningSession } from './oracle-sessions.js';
import type { OracleTable } from './values/oracle-type.js';
import { openChangeSpill, type ChangeSpill } from './capture/transaction-spill.js';
import { join } from 'node:path';

/**
 * The change stream of an Oracle source: `LogMinerCapture` mining from a position, run in the
 * background and handed to the exporter one committed transaction at a time (a bounded buffer keeps
 * memory flat: the miner waits while it is full). Events carry the target's names
 * (`oracle-names.ts`); markers are rows of Tandem's marker table (`capture/marker-table.ts`).
 *
 * An open transaction holds at most CHANGES_IN_MEMORY changes in memory; the older ones wait in a
 * scratch file of the export dir's temp folder until its commit, which is handed on in parts.
 *
 * Oracle is not told what it may forget (`acknowledgesPositions` false): `acknowledge` does nothing,
 * and the capture's progress between transactions comes as checkpoint transactions (no events, no
 * markers, the position of the mined window's end) so that a restart does not mine quiet redo again.
 *
 * NOT RUN AGAINST A LIVE ORACLE. `CheckpointPacer` and the table lookup are pure and tested.
 */

/** Transactions held between the miner and the exporter before the miner waits ... */
const MAX_BUFFERED = 64;
/** ... and their events (a large transaction comes in parts of TRANSACTION_PART_EVENTS). */
const MAX_BUFFERED_EVENTS = 20_000;

/** A checkpoint is queued at most this often (each is a meta.db write). */
const CHECKPOINT_EVERY_MS = 5000;

/** Which checkpoint positions become checkpoint transactions (pure: positions and times in). */
export class CheckpointPacer {
  private last: string;
  private at = Number.NEGATIVE_INFINITY;

  /** `from`: the position the stream resumes after (nothing at or before it is queued again). */
  constructor(from: string, private readonly everyMs = CHECKPOINT_EVERY_MS) {
    this.last = from;
  }

  /** A transaction with `position` was handed on. */
  passed(position: string): void {
    if (position > this.last) this.last = position;
  }

  /** Whether the checkpoint `position` at `now` (ms) is worth queuing: later than anything handed on, and not too soon after the previous one. */
  take(position: string, now: number): boolean {
    if (position <= this.last || now - this.at < this.everyMs) return false;
    this.last = position;
    this.at = now;
    return true;
  }
}

/** `(owner, table)` → the migrated Oracle table, from the tables the workflow passes. */
export function tableLookupOf(tables: readonly TableInfo[]): TableLookup {
  const byName = new Map<string, OracleTable>(tables.map((t) => {
    const o = oracleTableOf(t);
    return [`${o.schema}\u0000${o.name}`, o];
  }));
  return (owner, table) => byName.get(`${owner}\u0000${table}`);
}

export class OracleChangeStream implements ChangeStream {
  private readonly buffer = new BoundedBuffer<CapturedTransaction>(MAX_BUFFERED, { limit: MAX_BUFFERED_EVENTS, of: (tx) => tx.events.length });
  private spill: ChangeSpill | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private sessions: OracleSession[] = [];
  private readonly pacer: CheckpointPacer;

  /** `spillDir`: where open transactions too large to hold in memory wait for their commit (without it, in memory). */
  constructor(private readonly db: DbConfig, private readonly options: { readonly from: string; readonly tables: readonly TableInfo[]; readonly streamId: string; readonly spillDir?: string; readonly onWarning?: (message: string) => void }) {
    this.pacer = new CheckpointPacer(options.from);
  }

  async start(): Promise<void> {
    const data = await openDataSession(this.db);
    this.sessions.push(data);
    const user = String((await data.query(CURRENT_USER_SQL))[0]!.USERNAME);
    const mining = await openMiningSession(this.db, data);
    if (!mining.shared) this.sessions.push(mining.session);
    this.spill?.close(); // a start retried after a failure
    if (this.options.spillDir) this.spill = openChangeSpill(join(this.options.spillDir, `${this.options.streamId}-open-transactions.sqlite`));
    const owner = oracleSchemaOf(this.db);
    const tables = tableLookupOf(this.options.tables);
    const objects = await objectNumbersOf(data, owner, tables);
    const capture = new LogMinerCapture(mining.session, {
      owner,
      unnamedObjects: objects,
      ...(mining.target.pdb ? { pdb: mining.target.pdb } : {}),
      tables,
      names: TARGET_NAMES,
      markers: { owner: user, streamId: this.options.streamId },
      ...(this.spill ? { spill: this.spill } : {}),
      ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}),
    }, decodeOraclePosition(this.options.from));
    await capture.prepare();
    this.running = capture.run((tx) => this.push(tx), (p) => this.checkpoint(p), this.abort.signal).then(
      () => this.finish(undefined),
      (e: unknown) => this.finish(e),
    );
  }

  private async push(tx: MinedTransaction): Promise<void> {
    await this.buffer.room();
    this.pacer.passed(tx.position);
    this.buffer.push({ events: tx.events, position: tx.position, txId: tx.txId, markers: tx.markers, ...(tx.continues && { continues: true as const }) });
  }

  private async checkpoint(position: string): Promise<void> {
    if (!this.pacer.take(position, Date.now())) return;
    await this.push({ events: [], position, txId: '', markers: [] });
  }

  private finish(error: unknown): void {
    this.buffer.end(this.abort.signal.aborted ? undefined : error);
  }

  acknowledge(_tx: CapturedTransaction): void {
    // Oracle keeps redo on its own schedule; nothing to confirm.
  }

  get buffered(): number {
    return this.buffer.size;
  }

  transactions(): AsyncGenerator<CapturedTransaction> {
    return this.buffer.items();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.buffer.release();
    await this.running?.catch(() => {});
    const s = this.sessions;
    this.sessions = [];
    await Promise.all(s.map((x) => x.close()));
    this.spill?.close();
    this.spill = undefined;
    this.buffer.end();
  }
}

/**
 * The object numbers of `owner`'s tables (with their partitions and subpartitions) that `tables`
 * captures: rows LogMiner cannot name are selected by them (`contentsQuery`'s `unnamedObjects`).
 */
export async function objectNumbersOf(data: OracleSession, owner: string, tables: TableLookup): Promise<bigint[]> {
  return (await data.query(TABLE_OBJECTS_SQL, { owner }))
    .filter((r) => tables(owner, String(r.OBJECT_NAME)) !== undefined)
    .map((r) => BigInt(String(r.OBJECT_ID)));
}
