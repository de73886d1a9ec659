import { TandemError } from '../../../core/errors.js';
import { CONTROL_OPERATIONS, EXTENDED_STRING_OPERATION_NAMES, LOB_LOCATOR_OPERATION_NAMES, OPERATION, ROW_OPERATIONS, XML_DOCUMENT_OPERATION_NAMES } from './logminer-row.js';

/**
 * The SQL of a LogMiner session, as text (pure). The capture loop (`logminer-capture.ts`) runs it.
 *
 * One mining window covers SCNs [from, to]: add the redo files that hold them (online and archived;
 * 19c has no CONTINUOUS_MINE), START_LOGMNR with the dictionary from the online catalog, read
 * V$LOGMNR_CONTENTS, END_LOGMNR. Options: DICT_FROM_ONLINE_CATALOG only. Deliberately not
 * COMMITTED_DATA_ONLY (see `transaction-assembler.ts`: Tandem assembles transactions itself, so a
 * transaction may span windows and begin before the snapshot), not PRINT_PRETTY_SQL (one line per
 * statement is what the parser reads), not NO_SQL_DELIMITER/NO_ROWID_IN_STMT (the parser accepts
 * both forms; the defaults are what Oracle documents).
 */

/** The current SCN (the snapshot SCN, a window's end). Needs SELECT on V_$DATABASE (granted by the spec). */
export const CURRENT_SCN_SQL = 'SELECT TO_CHAR(CURRENT_SCN) AS SCN FROM V$DATABASE';

/** The same through DBMS_FLASHBACK, for users who may execute it but not read V$DATABASE. */
export const FLASHBACK_SCN_SQL = 'SELECT TO_CHAR(DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER) AS SCN FROM DUAL';

/**
 * The oldest start SCN of the transactions open now (NULL when none): read between two CURRENT_SCN
 * reads at snapshot time (`snapshotStart`). In a CDB root it sees every container's transactions,
 * which only makes the start earlier.
 */
export const OLDEST_OPEN_TRANSACTION_SQL = 'SELECT TO_CHAR(MIN(START_SCN)) AS START_SCN, COUNT(*) AS OPEN_TRANSACTIONS FROM V$TRANSACTION';

/**
 * The transactions open now, oldest first: in Oracle a transaction exists only once it has written
 * (or locked) rows, so every one listed may commit writes. A prepared distributed transaction has
 * STATUS PREPARED. Needs SELECT on V_$TRANSACTION (granted for `OLDEST_OPEN_TRANSACTION_SQL`).
 */
export const OPEN_TRANSACTIONS_SQL = `SELECT XIDUSN || '.' || XIDSLOT || '.' || XIDSQN AS XID, STATUS, START_TIME, USED_UREC
  FROM V$TRANSACTION ORDER BY START_SCN, XIDUSN, XIDSLOT, XIDSQN`;

/** One row of `OPEN_TRANSACTIONS_SQL` as a DBA finds it (`V$SESSION.TADDR = V$TRANSACTION.ADDR` names its session). */
export function describeOpenTransaction(row: { readonly XID: string; readonly STATUS: string; readonly START_TIME: string; readonly USED_UREC: number | string }): string {
  const undo = Number(row.USED_UREC);
  return `transaction ${row.XID} (${row.STATUS === 'PREPARED' ? 'prepared, ' : ''}started ${row.START_TIME}, ${undo} undo record${undo === 1 ? '' : 's'}; V$TRANSACTION XIDUSN.XIDSLOT.XIDSQN)`;
}

/**
 * Online and archived redo files with the SCN range each holds. Archived logs of the current
 * incarnation only: after a RESETLOGS (a flashback or point-in-time recovery) log sequences start
 * again at 1 while the old incarnation's archived logs stay listed, and one of them could stand in
 * for the current log of the same thread and sequence (the oracle-review-49 run; other LogMiner
 * readers filter the same way).
 */
export const LOG_FILES_SQL = `SELECT MIN(f.MEMBER) AS NAME, TO_CHAR(l.FIRST_CHANGE#) AS FIRST_CHANGE, TO_CHAR(l.NEXT_CHANGE#) AS NEXT_CHANGE,
       l.THREAD# AS THREAD, l.SEQUENCE# AS SEQUENCE, 'ONLINE' AS KIND, l.STATUS AS STATUS
  FROM V$LOG l JOIN V$LOGFILE f ON f.GROUP# = l.GROUP#
 WHERE l.STATUS <> 'UNUSED' AND (f.STATUS IS NULL OR f.STATUS NOT IN ('INVALID', 'STALE'))
 GROUP BY l.GROUP#, l.FIRST_CHANGE#, l.NEXT_CHANGE#, l.THREAD#, l.SEQUENCE#, l.STATUS
UNION ALL
SELECT a.NAME, TO_CHAR(a.FIRST_CHANGE#), TO_CHAR(a.NEXT_CHANGE#), a.THREAD#, a.SEQUENCE#, 'ARCHIVED', a.STATUS
  FROM V$ARCHIVED_LOG a
 WHERE a.NAME IS NOT NULL AND a.STANDBY_DEST = 'NO' AND a.DELETED = 'NO' AND a.STATUS = 'A'
   AND a.DEST_ID IN (SELECT d.DEST_ID FROM V$ARCHIVE_DEST_STATUS d WHERE d.STATUS = 'VALID' AND d.TYPE = 'LOCAL')
   AND a.RESETLOGS_CHANGE# = (SELECT db.RESETLOGS_CHANGE# FROM V$DATABASE db)`;

/** One row of LOG_FILES_SQL. */
export interface RedoLogFile {
  readonly name: string;
  readonly firstChange: bigint;
  /** NEXT_CHANGE#: the first SCN of the next log; null (or 2^64-1) for the current online log. */
  readonly nextChange: bigint | null;
  readonly thread: number;
  readonly sequence: number;
  readonly kind: 'ONLINE' | 'ARCHIVED';
}

/** Maps a LOG_FILES_SQL result row (OUT_FORMAT_OBJECT). */
export function redoLogFileFromRecord(r: Readonly<Record<string, unknown>>): RedoLogFile {
  const next = r.NEXT_CHANGE === null || r.NEXT_CHANGE === undefined ? null : BigInt(String(r.NEXT_CHANGE));
  return {
    name: String(r.NAME), firstChange: BigInt(String(r.FIRST_CHANGE)), nextChange: next,
    thread: Number(r.THREAD), sequence: Number(r.SEQUENCE), kind: r.KIND === 'ARCHIVED' ? 'ARCHIVED' : 'ONLINE',
  };
}

/**
 * The files to add for mining SCNs [from, to], in (thread, sequence) order: for each log sequence
 * the archived copy if there is one (it does not change; an online log may be overwritten while it is
 * read), else the online log. Throws TANDEM_PREREQUISITE when the redo at `from` is no longer there
 * (its archived log was deleted) or a sequence in between is missing: mining on would lose changes.
 */
export function selectLogFiles(files: readonly RedoLogFile[], from: bigint, to: bigint): string[] {
  const bySeq = new Map<string, RedoLogFile>();
  for (const f of files) {
    const key = `${f.thread}:${f.sequence}`;
    const have = bySeq.get(key);
    if (!have || (have.kind === 'ONLINE' && f.kind === 'ARCHIVED')) bySeq.set(key, f);
  }
  const threads = new Map<number, RedoLogFile[]>();
  for (const f of bySeq.values()) {
    const ends = f.nextChange === null ? null : f.nextChange;
    if (ends !== null && ends <= from) continue; // wholly before the window
    if (f.firstChange > to) continue; // wholly after it
    let list = threads.get(f.thread);
    if (!list) threads.set(f.thread, (list = []));
    list.push(f);
  }
  if (threads.size === 0) throw missingRedo(from);
  const out: string[] = [];
  for (const thread of [...threads.keys()].sort((a, b) => a - b)) {
    const list = threads.get(thread)!.sort((a, b) => a.sequence - b.sequence);
    if (list[0]!.firstChange > from) throw missingRedo(from, thread, list[0]!.sequence - 1);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.sequence !== list[i - 1]!.sequence + 1) throw missingRedo(from, thread, list[i - 1]!.sequence + 1);
    }
    out.push(...list.map((f) => f.name));
  }
  return out;
}

/**
 * The last SCN of [from, to] that the redo files listed now cover in every thread: LogMiner stops
 * without a word at the end of its last file, and a window checkpointed past it would skip redo it
 * never read (the oracle-review-2 run: a current log's only member STALE, or the current log missing
 * from V$LOG for a moment). `to` when the files reach it; below `from` when they reach nothing of it.
 */
export function redoCoveredTo(files: readonly RedoLogFile[], from: bigint, to: bigint): bigint {
  const ends = new Map<number, bigint | null>();
  for (const f of files) {
    const end = f.nextChange === null || f.nextChange >= 2n ** 63n ? null : f.nextChange; // the current log: open-ended
    const have = ends.get(f.thread);
    if (have === undefined || (have !== null && (end === null || end > have))) ends.set(f.thread, end);
  }
  let covered = to;
  for (const end of ends.values()) if (end !== null && end - 1n < covered) covered = end - 1n;
  return covered < from ? from - 1n : covered;
}

function missingRedo(from: bigint, thread?: number, sequence?: number): TandemError {
  return new TandemError('TANDEM_PREREQUISITE', `The redo Tandem must mine from SCN ${from} is no longer available${thread !== undefined ? ` (thread ${thread}, log sequence ${sequence} is missing)` : ''}.`, {
    hint: 'Its archived log was deleted (RMAN or an archive retention such as RDS\'s "archivelog retention hours") before Tandem read it. Restore the archived logs (a rerun then resumes), or start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables), and keep archived logs longer while a migration runs.',
    streamLost: true,
  });
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** PL/SQL that registers the files for one window (the first NEW, the others ADDFILE). */
export function addLogFilesSql(names: readonly string[]): string {
  if (names.length === 0) throw new RangeError('no redo files to add');
  const calls = names.map((n, i) => `  DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => ${quote(n)}, OPTIONS => ${i === 0 ? 'DBMS_LOGMNR.NEW' : 'DBMS_LOGMNR.ADDFILE'});`);
  return `BEGIN\n${calls.join('\n')}\nEND;`;
}

/** PL/SQL that starts LogMiner for SCNs [:startScn, :endScn] with the online catalog as dictionary. */
export const START_LOGMNR_SQL = `BEGIN
  DBMS_LOGMNR.START_LOGMNR(STARTSCN => :startScn, ENDSCN => :endScn, OPTIONS => DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG);
END;`;

export const END_LOGMNR_SQL = 'BEGIN DBMS_LOGMNR.END_LOGMNR; END;';

/**
 * The contents query for one window: transaction control rows of every transaction (their COMMIT
 * rows give the ordinals of positions), DDL rows of every schema (`tableNamedByDdl` reads which
 * table their text acts on), LogMiner's MISSING_SCN rows (a gap in the redo it read,
 * which stops the capture), and the row changes, DDL, LOB and XML operations of the
 * migrated schema. The LOB and XML operations, which stop the capture, are selected by OPERATION
 * name as well as by code (`LOB_LOCATOR_OPERATION_NAMES`: LOB_ERASE's code is in doubt), so that
 * none is skipped because its code is not the one expected. With `markers`, also the inserts and deletes of Tandem's marker table in the migration
 * user's schema (`marker-table.ts`). With `unnamedObjects` (object numbers of the migrated tables and
 * their partitions, `TABLE_OBJECTS_SQL`), also the row changes LogMiner could not name
 * ('UNKNOWN'.'OBJ# n') of those objects, which stop the capture rather than be skipped. In a CDB root, `pdb` keeps the rows of that PDB only (and every MISSING_SCN row). Binds:
 * :fromScn, :toScn, :owner [, :markerOwner, :markerTable] [, :pdb]. NUMBER columns come back as
 * text (TO_CHAR), never as JavaScript numbers.
 */
export function contentsQuery(opts: { pdb?: boolean; markers?: boolean; unnamedObjects?: readonly bigint[] } = {}): string {
  const markers = opts.markers ? `\n        OR (SEG_OWNER = :markerOwner AND TABLE_NAME = :markerTable AND OPERATION_CODE IN (${OPERATION.INSERT}, ${OPERATION.DELETE}))` : '';
  const unnamed = opts.unnamedObjects && opts.unnamedObjects.length > 0
    ? `\n        OR (SEG_OWNER = 'UNKNOWN' AND (${inLists('DATA_OBJ#', opts.unnamedObjects)}))`
    : '';
  const names = [...LOB_LOCATOR_OPERATION_NAMES, ...XML_DOCUMENT_OPERATION_NAMES, ...EXTENDED_STRING_OPERATION_NAMES].map((n) => `'${n}'`).join(', ');
  // DDL of every schema: one run from another table can act on a migrated one (`ALTER TABLE other
  // EXCHANGE PARTITION p WITH TABLE migrated`, whose row carries the other table's owner and name).
  const rows = `(OPERATION_CODE = ${OPERATION.DDL}
        OR (SEG_OWNER = :owner AND (OPERATION_CODE IN (${ROW_OPERATIONS.join(', ')}) OR OPERATION IN (${names})))${markers}${unnamed})`;
  // A gap is the whole database's, whichever container: never filtered out by the PDB. Nor are a
  // transaction's START, COMMIT and ROLLBACK rows: Oracle leaves SRC_CON_NAME empty where it is
  // "not meaningful" (The V$LOGMNR_CONTENTS View in a CDB), and a transaction whose COMMIT the
  // filter dropped would never reach the target (the oracle-review-3 run). A transaction id is
  // the whole database's, and a commit of a transaction without captured changes yields nothing.
  return `SELECT TO_CHAR(SCN) AS SCN, RAWTOHEX(XID) AS XID, OPERATION_CODE, OPERATION, SEG_OWNER, TABLE_NAME, ROW_ID,
       SQL_REDO, CSF, RS_ID, SSN, ROLLBACK, INFO, STATUS${opts.pdb ? ', SRC_CON_NAME' : ''}
  FROM V$LOGMNR_CONTENTS
 WHERE SCN >= :fromScn AND SCN <= :toScn
   AND (${opts.pdb ? `(${rows}
        AND SRC_CON_NAME = :pdb)` : rows}
        OR OPERATION_CODE IN (${CONTROL_OPERATIONS.join(', ')})
        OR OPERATION_CODE = ${OPERATION.MISSING_SCN} OR OPERATION = 'MISSING_SCN')`;
}

/** `column IN (…) OR column IN (…)`, at most 1000 numbers a list (ORA-01795). */
function inLists(column: string, values: readonly bigint[]): string {
  const lists: string[] = [];
  for (let i = 0; i < values.length; i += 1000) lists.push(`${column} IN (${values.slice(i, i + 1000).join(', ')})`);
  return lists.join(' OR ');
}

/**
 * The object numbers of a schema's tables, partitions and subpartitions (OBJECT_NAME is the table's
 * name for all three), which LogMiner shows as 'UNKNOWN'.'OBJ# n' once the online catalog no longer
 * matches the redo (`contentsQuery`'s `unnamedObjects`). Bind: :owner.
 */
export const TABLE_OBJECTS_SQL = `SELECT TO_CHAR(OBJECT_ID) AS OBJECT_ID, OBJECT_NAME FROM ALL_OBJECTS
 WHERE OWNER = :owner AND OBJECT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')`;

/**
 * Tandem's flush table, in the mining user's own schema: before each window the capture updates its
 * row and commits, which makes the log writer write out all redo generated before that commit, so
 * the window [from, SCN read before the flush] is complete on disk when LogMiner reads it. (The
 * spec's CREATE TABLE grant covers it; it is never captured: it is not in the migrated schema.)
 */
export const FLUSH_TABLE = 'TANDEM_LOGMINER_FLUSH';

export function createFlushTableSql(): string {
  return `BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE ${FLUSH_TABLE} (ID NUMBER(1) PRIMARY KEY, LAST_SCN NUMBER NOT NULL)';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF;
END;`;
}

export const FLUSH_SQL = `MERGE INTO ${FLUSH_TABLE} t USING (SELECT 1 AS ID FROM DUAL) s ON (t.ID = s.ID)
WHEN MATCHED THEN UPDATE SET t.LAST_SCN = :scn WHEN NOT MATCHED THEN INSERT (ID, LAST_SCN) VALUES (1, :scn)`;

/**
 * The next mining window after `minedThrough`, ending at `endScn` (the SCN read before the flush)
 * or after `maxScns` SCNs. Undefined when there is nothing new to mine.
 */
export function nextWindow(minedThrough: bigint, endScn: bigint, maxScns: bigint): { from: bigint; to: bigint } | undefined {
  const from = minedThrough + 1n;
  if (endScn < from) return undefined;
  const to = endScn - from + 1n > maxScns ? from + maxScns - 1n : endScn;
  return { from, to };
}

/**
 * Blocks writes to `tables` (Oracle names) of `owner` until the transaction ends: SHARE conflicts
 * with the ROW EXCLUSIVE lock every INSERT, UPDATE, DELETE and MERGE takes, not with queries or
 * LogMiner. Waits at most `waitSeconds` for transactions that hold such a lock (ORA-30006 after).
 * Needs the table in the user's schema, LOCK ANY TABLE, or an object privilege on it other than READ
 * (SELECT, which the snapshot needs, will do). NOT RUN AGAINST A LIVE ORACLE.
 */
export function lockTablesInShareModeSql(owner: string, tables: readonly string[], waitSeconds: number): string {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const names = [...new Set(tables)].map((t) => `${q(owner)}.${q(t)}`);
  return `LOCK TABLE ${names.join(', ')} IN SHARE MODE WAIT ${Math.max(1, Math.ceil(waitSeconds))}`;
}
