import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addLogFilesSql, contentsQuery, describeOpenTransaction, lockTablesInShareModeSql, LOG_FILES_SQL, nextWindow, OPEN_TRANSACTIONS_SQL, redoCoveredTo, redoLogFileFromRecord, selectLogFiles, START_LOGMNR_SQL, type RedoLogFile,
} from '../../../src/adapters/oracle/capture/logminer-sql.js';
import { TandemError } from '../../../src/core/errors.js';
import { isRedoListingRace } from '../../../src/adapters/oracle/capture/logminer-capture.js';

const f = (thread: number, sequence: number, first: number, next: number | null, kind: 'ONLINE' | 'ARCHIVED', name = `${kind === 'ONLINE' ? '/redo' : '/arch'}/t${thread}_s${sequence}`): RedoLogFile =>
  ({ name, thread, sequence, firstChange: BigInt(first), nextChange: next === null ? null : BigInt(next), kind });

const FILES: RedoLogFile[] = [
  f(1, 10, 1000, 2000, 'ARCHIVED'),
  f(1, 11, 2000, 3000, 'ARCHIVED'),
  f(1, 11, 2000, 3000, 'ONLINE'),
  f(1, 12, 3000, 4000, 'ONLINE'),
  f(1, 13, 4000, null, 'ONLINE'),
];

test('log files for a window: archived copy preferred, online otherwise, only those overlapping the window, in sequence order', () => {
  assert.deepEqual(selectLogFiles(FILES, 2500n, 3500n), ['/arch/t1_s11', '/redo/t1_s12']);
  assert.deepEqual(selectLogFiles(FILES, 1000n, 1999n), ['/arch/t1_s10']);
  assert.deepEqual(selectLogFiles(FILES, 4100n, 4200n), ['/redo/t1_s13']);
  assert.deepEqual(selectLogFiles(FILES, 2000n, 2000n), ['/arch/t1_s11']);
});

test('redo that is no longer there is an error naming the SCN and the missing sequence, never a silent gap', () => {
  const isGap = (re: RegExp) => (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && re.test(e.message);
  assert.throws(() => selectLogFiles(FILES, 500n, 1500n), isGap(/from SCN 500 .*sequence 9 is missing/));
  assert.throws(() => selectLogFiles(FILES.filter((x) => x.sequence !== 11), 1500n, 3500n), isGap(/sequence 11 is missing/));
  assert.throws(() => selectLogFiles([], 1n, 2n), isGap(/from SCN 1 is no longer available/));
});

test('windows follow each other without gap or overlap and stop at the SCN read before the flush', () => {
  assert.deepEqual(nextWindow(999n, 1500n, 100000n), { from: 1000n, to: 1500n });
  assert.deepEqual(nextWindow(999n, 500000n, 100000n), { from: 1000n, to: 100999n });
  assert.equal(nextWindow(1500n, 1500n, 100000n), undefined);
  assert.deepEqual(nextWindow(1500n, 1501n, 100000n), { from: 1501n, to: 1501n });
});

test('the LogMiner statements', () => {
  assert.equal(addLogFilesSql(["/arch/o'brien.arc", '/redo/b.log']),
    "BEGIN\n  DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => '/arch/o''brien.arc', OPTIONS => DBMS_LOGMNR.NEW);\n  DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => '/redo/b.log', OPTIONS => DBMS_LOGMNR.ADDFILE);\nEND;");
  assert.match(START_LOGMNR_SQL, /OPTIONS => DBMS_LOGMNR\.DICT_FROM_ONLINE_CATALOG\);/);
  assert.doesNotMatch(START_LOGMNR_SQL, /COMMITTED_DATA_ONLY/);
  // XML DOC BEGIN/WRITE/END (68, 70, 71) and LOB_ERASE under both codes seen (28, 29), and by OPERATION
  // name too (measured before: codes 1, 2, 3, 5, 9, 10, 11, 28, 255 only, no OPERATION column).
  assert.equal(contentsQuery(), `SELECT TO_CHAR(SCN) AS SCN, RAWTOHEX(XID) AS XID, OPERATION_CODE, OPERATION, SEG_OWNER, TABLE_NAME, ROW_ID,
       SQL_REDO, CSF, RS_ID, SSN, ROLLBACK, INFO, STATUS
  FROM V$LOGMNR_CONTENTS
 WHERE SCN >= :fromScn AND SCN <= :toScn
   AND ((OPERATION_CODE = 5
        OR (SEG_OWNER = :owner AND (OPERATION_CODE IN (1, 2, 3, 5, 9, 10, 11, 28, 29, 68, 70, 71, 91, 92, 93, 255) OR OPERATION IN ('SELECT_LOB_LOCATOR', 'LOB_WRITE', 'LOB_TRIM', 'LOB_ERASE', 'XML DOC BEGIN', 'XML DOC WRITE', 'XML DOC END', '32K_BEGIN', '32K_WRITE', '32K_END', 'EXTENDED_STRING_BEGIN', 'EXTENDED_STRING_WRITE', 'EXTENDED_STRING_END'))))
        OR OPERATION_CODE IN (6, 7, 36)
        OR OPERATION_CODE = 34 OR OPERATION = 'MISSING_SCN')`);
  assert.match(contentsQuery({ pdb: true }), /, SRC_CON_NAME\n[\s\S]*\n {8}AND SRC_CON_NAME = :pdb\)\n/);
  assert.deepEqual(redoLogFileFromRecord({ NAME: '/a', FIRST_CHANGE: '10', NEXT_CHANGE: null, THREAD: 1, SEQUENCE: 7, KIND: 'ONLINE' }),
    { name: '/a', firstChange: 10n, nextChange: null, thread: 1, sequence: 7, kind: 'ONLINE' });
});

test('open transactions at a cutover: every row of V$TRANSACTION (Oracle has one only once rows are written or locked), oldest first, each named by its XID', () => {
  assert.match(OPEN_TRANSACTIONS_SQL, /^SELECT XIDUSN \|\| '\.' \|\| XIDSLOT \|\| '\.' \|\| XIDSQN AS XID, STATUS, START_TIME, USED_UREC\s+FROM V\$TRANSACTION ORDER BY START_SCN, XIDUSN, XIDSLOT, XIDSQN$/);
  assert.doesNotMatch(OPEN_TRANSACTIONS_SQL, /WHERE/, 'no transaction is left out');
  // Rows as node-oracledb returns them (upper-case keys; USED_UREC a number; START_TIME V$TRANSACTION's text).
  assert.equal(describeOpenTransaction({ XID: '7.21.3190', STATUS: 'ACTIVE', START_TIME: '12/05/26 15:17:02', USED_UREC: 1 }),
    'transaction 7.21.3190 (started 12/05/26 15:17:02, 1 undo record; V$TRANSACTION XIDUSN.XIDSLOT.XIDSQN)');
  assert.equal(describeOpenTransaction({ XID: '3.4.55', STATUS: 'PREPARED', START_TIME: '12/05/26 09:00:00', USED_UREC: 12 }),
    'transaction 3.4.55 (prepared, started 12/05/26 09:00:00, 12 undo records; V$TRANSACTION XIDUSN.XIDSLOT.XIDSQN)');
});

test('the write hold at the end of a stream: every table once, names quoted as Oracle stores them, the wait in whole seconds (at least 1)', () => {
  assert.equal(lockTablesInShareModeSql('HR', ['EMPLOYEES', 'Mixed"Case', 'EMPLOYEES'], 5),
    'LOCK TABLE "HR"."EMPLOYEES", "HR"."Mixed""Case" IN SHARE MODE WAIT 5');
  assert.equal(lockTablesInShareModeSql('HR', ['T'], 0.2), 'LOCK TABLE "HR"."T" IN SHARE MODE WAIT 1');
  assert.equal(lockTablesInShareModeSql('HR', ['T'], 2.5), 'LOCK TABLE "HR"."T" IN SHARE MODE WAIT 3');
});

// The oracle-review-2 run: LogMiner stops at the end of its last file without a word, and the
// window's checkpoint then moved past redo never read (a current log missing from the listing).
test('a window goes only as far as the files listed reach in every thread; the current log is open-ended', () => {
  assert.equal(redoCoveredTo(FILES, 2500n, 9000n), 9000n, 'the current log (NEXT_CHANGE# NULL) reaches any end');
  const noCurrent = FILES.filter((x) => x.sequence !== 13);
  assert.equal(redoCoveredTo(noCurrent, 2500n, 9000n), 3999n);
  assert.equal(redoCoveredTo(noCurrent, 2500n, 3500n), 3500n);
  assert.equal(redoCoveredTo(noCurrent, 4000n, 4100n), 3999n, 'nothing of it: below from');
  // NEXT_CHANGE# of the current log shown as 2^64 - 1 counts as open-ended too; two threads: the shorter decides.
  const two = [...noCurrent, f(1, 13, 4000, Number.MAX_SAFE_INTEGER, 'ONLINE'), f(2, 5, 1000, 5000, 'ARCHIVED')].map((x) => x.nextChange === BigInt(Number.MAX_SAFE_INTEGER) ? { ...x, nextChange: 18446744073709551615n } : x);
  assert.equal(redoCoveredTo(two, 2500n, 9000n), 4999n);
});

test('a log switched under LogMiner (ORA-01291, ORA-01292, ORA-00310) is a race to mine again, not a lost stream, as the driver raises it or as Tandem maps it', () => {
  assert.equal(isRedoListingRace({ errorNum: 1291, message: 'ORA-01291: missing logfile' }), true);
  assert.equal(isRedoListingRace(new TandemError('TANDEM_PREREQUISITE', 'x', { cause: { code: 'ORA-00310' }, streamLost: true })), true);
  assert.equal(isRedoListingRace({ code: 'ORA-01292' }), true);
  assert.equal(isRedoListingRace({ code: 'ORA-01555' }), false);
  assert.equal(isRedoListingRace(new Error('x')), false);
});

test('the redo file list takes archived logs of the current incarnation only: after a RESETLOGS the old incarnation\'s logs reuse its sequence numbers (the oracle-review-49 run)', () => {
  assert.match(LOG_FILES_SQL, /FROM V\$ARCHIVED_LOG a\n WHERE .*\n.*\n   AND a\.RESETLOGS_CHANGE# = \(SELECT db\.RESETLOGS_CHANGE# FROM V\$DATABASE db\)$/);
});
