import { TandemError } from '../../../core/errors.js';
import { isMissingScn, OPERATION, PLACEHOLDER_ROW_ID, type LogMinerRow } from './logminer-row.js';
import { AFTER_ALL, commitIsAfter, type OraclePosition } from './oracle-position.js';
import type { ChangeSpill } from './transaction-spill.js';

/**
 * Rebuilds committed transactions from V$LOGMNR_CONTENTS rows, which arrive in SCN order with the
 * changes of concurrent transactions interleaved. Pure: rows in, transactions out, no I/O.
 *
 * Why not LogMiner's COMMITTED_DATA_ONLY: with it, LogMiner buffers whole transactions in the
 * database's PGA (one big transaction can exhaust it) and only returns transactions whose start lies
 * inside the mined SCN range, so a transaction that began before a mining window (in particular
 * before the snapshot) would come back incomplete or not at all. Tandem mines every row and keeps
 * the transactions itself, so it decides what is complete, and where a restart must begin.
 *
 * - START (6) opens a transaction; rows of a transaction whose START was not seen are kept, marked
 *   incomplete.
 * - A row with ROLLBACK = 1 undoes the latest earlier change of the same transaction to the same row
 *   (ROW_ID): a partial rollback (to a savepoint, or of a failed statement). That change is removed.
 * - ROLLBACK (36) drops the transaction.
 * - COMMIT (7) ends it. Its position is (commit SCN, ordinal among the commits at that SCN); it is
 *   emitted only when that comes after the resume position, so a restart repeats nothing.
 * - An incomplete transaction that must be emitted is an error, never a partial emission.
 * - With a spill (`ChangeSpill`), an open transaction keeps at most `inMemory` changes in memory: the
 *   older ones go to the spill, and a partial rollback that matches none of those in memory removes
 *   the latest matching spilled one. Its commit hands them on through `spilled`, before `changes`.
 */

/**
 * LogMiner's MISSING_SCN row: the redo it was given has a gap, so changes in it would be missed. Not
 * a lost stream: the window is not checkpointed, and a rerun lists the redo files again and mines it
 * again (a file really gone is then found by the listing, `selectLogFiles`).
 */
export function missingScn(scn: bigint, info: string | null): TandemError {
  return new TandemError('TANDEM_DATA', `LogMiner found a gap in the redo it was given at SCN ${scn}${info ? ` (${info})` : ''}: the changes in it would be missed, so the capture stopped before going past it.`, {
    hint: 'A redo log of that range was not among the files listed for LogMiner (switched or archived while the window was listed, or an archived log not registered in V$ARCHIVED_LOG). Rerun the same export command: it lists the files again and mines that range again from the last checkpoint. If the gap comes again, check V$ARCHIVED_LOG for the SCN range named, on every thread.',
  });
}

/** One change of a captured table, kept until its transaction commits. */
export interface RowChange {
  readonly operationCode: number;
  /** V$LOGMNR_CONTENTS.OPERATION (`LogMinerRow.operation`): decides what a LOB or XML row is. */
  readonly operation?: string | null;
  readonly scn: bigint;
  readonly owner: string;
  readonly table: string;
  readonly rowId: string | null;
  readonly sqlRedo: string;
  readonly info: string | null;
  /** `LogMinerRow.status`: not 0 when LogMiner could not rebuild SQL_REDO (absent in rows spilled before it was kept). */
  readonly status?: number | null;
}

/** A committed transaction, its changes in redo order (partial rollbacks already taken out). */
export interface CommittedTransaction {
  readonly xid: string;
  readonly startScn: bigint;
  readonly commitScn: bigint;
  readonly position: OraclePosition;
  /** Its changes held in memory: all of them, or with `spilled` the latest ones. */
  readonly changes: readonly RowChange[];
  /** Its earlier changes, when it held more than the assembler keeps in memory: they come before `changes`. */
  readonly spilled?: SpilledChanges;
}

/** The changes of a committed transaction that went to the spill. */
export interface SpilledChanges {
  readonly count: number;
  /** Reads them in order, `size` at a time. */
  chunks(size: number): Generator<RowChange[]>;
  /** Forgets them (once they have been read). */
  release(): void;
}

/** Every change of `tx` in order, at most `size` at a time (the spilled ones read page by page). */
export function* changeChunks(tx: CommittedTransaction, size: number): Generator<readonly RowChange[]> {
  if (tx.spilled) yield* tx.spilled.chunks(size);
  for (let i = 0; i < tx.changes.length; i += size) yield i === 0 && tx.changes.length <= size ? tx.changes : tx.changes.slice(i, i + size);
}

/** How many changes of one open transaction the assembler holds in memory before it spills them. */
export const CHANGES_IN_MEMORY = 10_000;

interface OpenTransaction {
  readonly xid: string;
  startScn: bigint;
  sawStart: boolean;
  changes: RowChange[];
  /** How many of its earlier changes are in the spill. */
  spilled: number;
  /** Set when a rollback row matched no earlier change: emitting it would be wrong. */
  inconsistency?: string;
  /** `owner.table` of its changes LogMiner showed without their ROWID (`PLACEHOLDER_ROW_ID`). */
  placeholders?: Set<string>;
}

const DML = new Set<number>([OPERATION.INSERT, OPERATION.DELETE, OPERATION.UPDATE]);

/**
 * Joins rows whose SQL_REDO is continued (CSF = 1) into one row: LogMiner splits statements longer
 * than its column over several consecutive rows with the same RS_ID and SSN, the last with CSF = 0.
 */
export class ContinuationJoiner {
  private pending: { row: LogMinerRow; parts: string[] } | undefined;

  /** Returns the complete row, or undefined while a statement is still being continued. */
  push(row: LogMinerRow): LogMinerRow | undefined {
    if (this.pending) {
      const p = this.pending.row;
      if (row.rsId !== p.rsId || row.ssn !== p.ssn) {
        throw new TandemError('TANDEM_DATA', `LogMiner row continuation broken at SCN ${row.scn}: RS_ID/SSN ${row.rsId}/${row.ssn} follows ${p.rsId}/${p.ssn} with CSF = 1.`, {
          hint: 'This is a bug or a mining window that cut a statement: report it with the SCN.',
        });
      }
      this.pending.parts.push(row.sqlRedo ?? '');
    } else if (row.csf === 1) {
      this.pending = { row, parts: [row.sqlRedo ?? ''] };
      return undefined;
    } else {
      return row;
    }
    if (row.csf === 1) return undefined;
    const joined = { ...this.pending.row, sqlRedo: this.pending.parts.join(''), csf: 0 };
    this.pending = undefined;
    return joined;
  }

  /** True while a continued statement is incomplete (a mining window must not end here). */
  get midStatement(): boolean {
    return this.pending !== undefined;
  }
}

export class TransactionAssembler {
  private readonly open = new Map<string, OpenTransaction>();
  private lastScn = -1n;
  private lastCommitScn = -1n;
  private ordinal = -1;
  private last: OraclePosition;

  /**
   * `resume`: the position of the last transaction already queued (or the snapshot's position).
   * `spill`: where an open transaction's changes beyond `inMemory` go (without it, all are held).
   */
  constructor(private readonly resume: OraclePosition, private readonly spill?: { readonly store: ChangeSpill; readonly inMemory?: number }) {
    this.last = resume;
  }

  /**
   * Feeds one complete row (continuations joined). Returns the transaction a COMMIT row completes
   * when it comes after the resume position and holds changes of captured tables.
   */
  push(row: LogMinerRow): CommittedTransaction | undefined {
    const scn = BigInt(row.scn);
    if (isMissingScn(row)) throw missingScn(scn, row.info ?? null);
    if (scn < this.lastScn) throw new TandemError('TANDEM_DATA', `LogMiner rows went back from SCN ${this.lastScn} to ${scn}.`, { hint: 'This is a bug in the mining windows: report it with both SCNs.' });
    this.lastScn = scn;
    switch (row.operationCode) {
      case OPERATION.START: {
        const tx = this.open.get(row.xid);
        if (tx) {
          tx.sawStart = true;
          if (scn < tx.startScn) tx.startScn = scn;
        } else {
          this.open.set(row.xid, { xid: row.xid, startScn: scn, sawStart: true, changes: [], spilled: 0 });
        }
        return undefined;
      }
      case OPERATION.ROLLBACK: {
        const tx = this.open.get(row.xid);
        this.open.delete(row.xid);
        if (tx && tx.spilled > 0) this.spill!.store.drop(row.xid);
        return undefined;
      }
      case OPERATION.COMMIT:
        return this.commit(row.xid, scn);
      default:
        // A row LogMiner could not name (SEG_OWNER 'UNKNOWN') is kept whatever its TABLE_NAME: the
        // contents query selects those only for the migrated objects (`transactionEvents` refuses them).
        if (row.segOwner === null || (row.tableName === null && row.segOwner !== 'UNKNOWN')) return undefined;
        this.change(row.tableName === null ? { ...row, tableName: 'UNKNOWN' } : row, scn);
        return undefined;
    }
  }

  private change(row: LogMinerRow, scn: bigint): void {
    let tx = this.open.get(row.xid);
    if (!tx) this.open.set(row.xid, (tx = { xid: row.xid, startScn: scn, sawStart: false, changes: [], spilled: 0 }));
    if (row.rollback === 1) {
      // LogMiner splits a statement on a table with LOB, XMLType or extended-string columns into rows
      // whose first has no ROWID, and one rollback row then undoes them all: which of the changes it
      // undoes cannot be told by ROWID (the oracle-review-2 run, from other LogMiner readers' recordings).
      if (tx.placeholders?.has(`${row.segOwner}.${row.tableName}`)) {
        tx.inconsistency ??= `a partial rollback at SCN ${scn} in ${row.segOwner}.${row.tableName}, whose changes LogMiner shows partly without their ROWID (a table with LOB, XMLType or extended-string columns), so which changes it undoes cannot be told`;
        return;
      }
      if (!DML.has(row.operationCode)) {
        tx.inconsistency ??= `a rollback of a ${row.operationCode === OPERATION.DDL ? 'DDL statement' : 'LOB or XML operation'} at SCN ${scn}`;
        return;
      }
      for (let i = tx.changes.length - 1; i >= 0; i--) {
        const c = tx.changes[i]!;
        if (DML.has(c.operationCode) && c.rowId === row.rowId && c.table === row.tableName && c.owner === row.segOwner) {
          tx.changes.splice(i, 1);
          return;
        }
      }
      if (tx.spilled > 0 && this.spill!.store.removeLatest(tx.xid, row.segOwner!, row.tableName!, row.rowId, [...DML])) {
        tx.spilled -= 1;
        return;
      }
      tx.inconsistency ??= `a partial rollback at SCN ${scn} of a change that was not mined`;
      return;
    }
    if (row.rowId === PLACEHOLDER_ROW_ID) (tx.placeholders ??= new Set()).add(`${row.segOwner}.${row.tableName}`);
    tx.changes.push({
      operationCode: row.operationCode, operation: row.operation ?? null, scn, owner: row.segOwner!, table: row.tableName!, rowId: row.rowId,
      sqlRedo: row.sqlRedo ?? '', info: row.info ?? null, status: row.status ?? null,
    });
    if (this.spill && tx.changes.length >= (this.spill.inMemory ?? CHANGES_IN_MEMORY)) {
      this.spill.store.append(tx.xid, tx.changes);
      tx.spilled += tx.changes.length;
      tx.changes = [];
    }
  }

  private commit(xid: string, scn: bigint): CommittedTransaction | undefined {
    if (scn !== this.lastCommitScn) {
      this.lastCommitScn = scn;
      this.ordinal = 0;
    } else {
      this.ordinal += 1;
    }
    if (this.ordinal >= AFTER_ALL) throw new TandemError('TANDEM_UNSUPPORTED', `More than ${AFTER_ALL - 1} transactions committed at SCN ${scn}.`);
    const tx = this.open.get(xid);
    this.open.delete(xid);
    const position: OraclePosition = { commitScn: scn, ordinal: this.ordinal, restartScn: this.restartScn(scn) };
    const spilled = tx && tx.spilled > 0 ? this.spilledOf(tx) : undefined;
    let handedOn = false;
    try {
      if (!commitIsAfter(scn, this.ordinal, this.resume)) return undefined;
      this.last = position;
      if (!tx || (tx.changes.length === 0 && !spilled)) return undefined;
      if (!tx.sawStart) {
        throw new TandemError('TANDEM_DATA', `Transaction ${xid} (committed at SCN ${scn}) began before the SCN mining started from; its first changes were not mined.`, {
          hint: 'Tandem starts mining at the oldest open transaction; this means that start was missed. Export again from a new snapshot (--start-clean true) and report it.',
        });
      }
      if (tx.inconsistency) {
        throw new TandemError('TANDEM_DATA', `Transaction ${xid} (committed at SCN ${scn}) holds ${tx.inconsistency}; Tandem will not queue it partially.`, {
          hint: 'Export again from a new snapshot (--start-clean true) and report it with the SCN.',
        });
      }
      handedOn = true;
      return { xid, startScn: tx.startScn, commitScn: scn, position, changes: tx.changes, ...(spilled ? { spilled } : {}) };
    } finally {
      // What is not handed on is forgotten here; what is, by its reader (`release`).
      if (!handedOn) spilled?.release();
    }
  }

  private spilledOf(tx: OpenTransaction): SpilledChanges {
    const store = this.spill!.store;
    return {
      count: tx.spilled,
      chunks: (size) => store.chunks(tx.xid, size),
      release: () => store.drop(tx.xid),
    };
  }

  /** The oldest start among the open transactions, or `upTo` if that is older. */
  private restartScn(upTo: bigint): bigint {
    let min = upTo;
    for (const tx of this.open.values()) if (tx.startScn < min) min = tx.startScn;
    return min;
  }

  /**
   * Records that every row up to `scn` has been pushed (the end of a mining window): the checkpoint
   * can move past commits that were not emitted (other tables, idle periods), so a restart does not
   * mine the same quiet redo again.
   */
  minedThrough(scn: bigint): void {
    if (scn < this.lastScn) throw new RangeError(`mined through ${scn}, but rows up to ${this.lastScn} were pushed`);
    this.lastScn = scn;
    const p: OraclePosition = { commitScn: scn, ordinal: AFTER_ALL, restartScn: this.restartScn(scn + 1n) };
    if (commitIsAfter(p.commitScn, p.ordinal, this.last)) this.last = p;
  }

  /**
   * The position to resume from: the last emitted commit, or the point every pushed row has passed
   * (after `minedThrough`), never before the resume position it started from.
   */
  checkpoint(): OraclePosition {
    return this.last;
  }

  /** Transactions begun and not yet ended (for diagnostics and the restart SCN). */
  openTransactions(): { xid: string; startScn: bigint; changes: number; inMemory: number }[] {
    return [...this.open.values()].map((t) => ({ xid: t.xid, startScn: t.startScn, changes: t.spilled + t.changes.length, inMemory: t.changes.length }));
  }
}
