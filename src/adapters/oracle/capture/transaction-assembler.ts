import { TandemError } from '../../../core/errors.js';
import { OPERATION, type LogMinerRow } from './logminer-row.js';
import { AFTER_ALL, commitIsAfter, type OraclePosition } from './oracle-position.js';

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
 */

/** One change of a captured table, kept until its transaction commits. */
export interface RowChange {
  readonly operationCode: number;
  readonly scn: bigint;
  readonly owner: string;
  readonly table: string;
  readonly rowId: string | null;
  readonly sqlRedo: string;
  readonly info: string | null;
}

/** A committed transaction, its changes in redo order (partial rollbacks already taken out). */
export interface CommittedTransaction {
  readonly xid: string;
  readonly startScn: bigint;
  readonly commitScn: bigint;
  readonly position: OraclePosition;
  readonly changes: readonly RowChange[];
}

interface OpenTransaction {
  readonly xid: string;
  startScn: bigint;
  sawStart: boolean;
  readonly changes: RowChange[];
  /** Set when a rollback row matched no earlier change: emitting it would be wrong. */
  inconsistency?: string;
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

  /** `resume`: the position of the last transaction already queued (or the snapshot's position). */
  constructor(private readonly resume: OraclePosition) {
    this.last = resume;
  }

  /**
   * Feeds one complete row (continuations joined). Returns the transaction a COMMIT row completes
   * when it comes after the resume position and holds changes of captured tables.
   */
  push(row: LogMinerRow): CommittedTransaction | undefined {
    const scn = BigInt(row.scn);
    if (scn < this.lastScn) throw new TandemError('TANDEM_DATA', `LogMiner rows went back from SCN ${this.lastScn} to ${scn}.`, { hint: 'This is a bug in the mining windows: report it with both SCNs.' });
    this.lastScn = scn;
    switch (row.operationCode) {
      case OPERATION.START: {
        const tx = this.open.get(row.xid);
        if (tx) {
          tx.sawStart = true;
          if (scn < tx.startScn) tx.startScn = scn;
        } else {
          this.open.set(row.xid, { xid: row.xid, startScn: scn, sawStart: true, changes: [] });
        }
        return undefined;
      }
      case OPERATION.ROLLBACK:
        this.open.delete(row.xid);
        return undefined;
      case OPERATION.COMMIT:
        return this.commit(row.xid, scn);
      default:
        if (row.segOwner === null || row.tableName === null) return undefined;
        this.change(row, scn);
        return undefined;
    }
  }

  private change(row: LogMinerRow, scn: bigint): void {
    let tx = this.open.get(row.xid);
    if (!tx) this.open.set(row.xid, (tx = { xid: row.xid, startScn: scn, sawStart: false, changes: [] }));
    if (row.rollback === 1) {
      if (!DML.has(row.operationCode)) {
        tx.inconsistency ??= `a rollback of a ${row.operationCode === OPERATION.DDL ? 'DDL statement' : 'LOB operation'} at SCN ${scn}`;
        return;
      }
      for (let i = tx.changes.length - 1; i >= 0; i--) {
        const c = tx.changes[i]!;
        if (DML.has(c.operationCode) && c.rowId === row.rowId && c.table === row.tableName && c.owner === row.segOwner) {
          tx.changes.splice(i, 1);
          return;
        }
      }
      tx.inconsistency ??= `a partial rollback at SCN ${scn} of a change that was not mined`;
      return;
    }
    tx.changes.push({
      operationCode: row.operationCode, scn, owner: row.segOwner!, table: row.tableName!, rowId: row.rowId,
      sqlRedo: row.sqlRedo ?? '', info: row.info ?? null,
    });
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
    if (!commitIsAfter(scn, this.ordinal, this.resume)) return undefined;
    this.last = position;
    if (!tx || tx.changes.length === 0) return undefined;
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
    return { xid, startScn: tx.startScn, commitScn: scn, position, changes: tx.changes };
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
  openTransactions(): { xid: string; startScn: bigint; changes: number }[] {
    return [...this.open.values()].map((t) => ({ xid: t.xid, startScn: t.startScn, changes: t.changes.length }));
  }
}
