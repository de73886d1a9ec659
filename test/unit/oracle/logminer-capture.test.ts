import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, eventsOf, loadFixture } from './logminer-fixtures.js';
import {
  AFTER_ALL, decodeOraclePosition, encodeOraclePosition, snapshotPosition, snapshotStart,
} from '../../../src/adapters/oracle/capture/oracle-position.js';
import { ContinuationJoiner, TransactionAssembler } from '../../../src/adapters/oracle/capture/transaction-assembler.js';
import { TandemError } from '../../../src/core/errors.js';
import { locatorOrXmlOperation, logMinerRowFromRecord, type LogMinerRow } from '../../../src/adapters/oracle/capture/logminer-row.js';
import { contentsQuery, TABLE_OBJECTS_SQL } from '../../../src/adapters/oracle/capture/logminer-sql.js';

const P = (scn: number, ord: number, restart: number) => encodeOraclePosition({ commitScn: BigInt(scn), ordinal: ord, restartScn: BigInt(restart) });

test('positions: fixed width, sort as text in commit order, decode back', () => {
  assert.equal(P(1000020, 0, 999950), '00000000000001000020.000000.00000000000000999950');
  assert.deepEqual(decodeOraclePosition('00000000000001000020.000003.00000000000000999950'), { commitScn: 1000020n, ordinal: 3, restartScn: 999950n });
  const sorted = [P(9, AFTER_ALL, 1), P(10, 0, 5), P(10, 1, 2), P(10, AFTER_ALL, 11), P(99, 0, 99), P(100, 0, 1), P(1e15, 0, 1)];
  assert.deepEqual([...sorted].reverse().sort(), sorted);
  assert.equal(encodeOraclePosition({ commitScn: 18446744073709551615n, ordinal: 0, restartScn: 0n }), '18446744073709551615.000000.00000000000000000000');
  assert.throws(() => decodeOraclePosition('00000016B374D848'), RangeError);
  assert.throws(() => encodeOraclePosition({ commitScn: -1n, ordinal: 0, restartScn: 0n }), RangeError);
});

test('the snapshot start mines from the older of the first SCN read and the oldest open transaction', () => {
  // V$TRANSACTION had a transaction open since 999950; CURRENT_SCN was 999998 before, 1000000 after.
  assert.deepEqual(snapshotStart(999998n, 999950n, 1000000n), { commitScn: 1000000n, ordinal: AFTER_ALL, restartScn: 999950n });
  // Nothing open: from the first SCN read (a transaction starting between the reads is still seen).
  assert.deepEqual(snapshotStart(999998n, null, 1000000n), { commitScn: 1000000n, ordinal: AFTER_ALL, restartScn: 999998n });
  assert.deepEqual(snapshotStart(999998n, 999999n, 1000000n), { commitScn: 1000000n, ordinal: AFTER_ALL, restartScn: 999998n });
  assert.throws(() => snapshotStart(10n, null, 9n), RangeError);
});

test('interleaved transactions come out committed, in commit order; one begun before the snapshot SCN is captured whole; those committed at or before it are not', () => {
  const f = loadFixture('interleaved');
  const { transactions, assembler } = assemble(f.rows, f.snapshot);
  assert.deepEqual(transactions.map((t) => [t.xid, encodeOraclePosition(t.position)]), [
    ['0700080012030000', P(1000020, 0, 999950)],
    ['0A00110034050000', P(1000021, 0, 1000010)],
    ['0200030045010000', P(1000030, 0, 1000030)],
  ]);
  assert.equal(transactions[1]!.startScn, 999950n);
  assert.deepEqual(assembler.openTransactions(), []);
  assert.deepEqual(eventsOf(transactions), [
    { schema: 'HR', table: 'EMP', op: 'c', position: P(1000020, 0, 999950), txId: '0700080012030000',
      key: { ID: '10' }, after: { ID: '10', NAME: 'Edsger', HIRED: '2024-03-31 23:59:59', SALARY: '0.05', NOTE: '' } },
    { schema: 'HR', table: 'EMP', op: 'c', position: P(1000021, 0, 1000010), txId: '0A00110034050000',
      key: { ID: '7' }, after: { ID: '7', NAME: 'Ada', HIRED: '2024-01-15 10:30:00', SALARY: '5000', NOTE: null } },
    { schema: 'HR', table: 'EMP', op: 'u', position: P(1000021, 0, 1000010), txId: '0A00110034050000',
      key: { ID: '7' }, after: { SALARY: '5100' } },
    { schema: 'HR', table: 'EMP', op: 'u', position: P(1000030, 0, 1000030), txId: '0200030045010000',
      key: { ID: '1' }, after: { NAME: "O'Brien", SALARY: '5500.5' } },
    { schema: 'HR', table: 'EMP', op: 'd', position: P(1000030, 0, 1000030), txId: '0200030045010000', key: { ID: '2' } },
  ]);
});

test('a restart from any queued position resumes with nothing lost and nothing repeated', () => {
  const f = loadFixture('interleaved');
  const all = assemble(f.rows, f.snapshot).transactions.map((t) => encodeOraclePosition(t.position));
  for (let i = 0; i < all.length; i++) {
    const resume = decodeOraclePosition(all[i]!);
    // Mining restarts at the position's restart SCN: the redo before it is not read again.
    const rows = f.rows.filter((r) => BigInt(r.scn) >= resume.restartScn);
    const again = assemble(rows, resume).transactions.map((t) => encodeOraclePosition(t.position));
    assert.deepEqual(again, all.slice(i + 1), `resume after ${all[i]}`);
  }
  // Restarting from the first queued transaction needs the redo back to T_OLD's start, before the snapshot.
  assert.equal(decodeOraclePosition(all[0]!).restartScn, 999950n);
});

test('mining that began after a transaction\'s start would miss part of it: it fails instead of queuing half of it', () => {
  // (A transaction whose every change lies before the mining start shows only its COMMIT: nothing can
  // detect that. What prevents it is the start SCN: the oldest open transaction's, tested above.)
  const f = loadFixture('interleaved');
  const rows = f.rows.filter((r) => BigInt(r.scn) >= 1000001n); // T_OLD's START and insert not mined, its update is
  assert.throws(() => assemble(rows, f.snapshot), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /0A00110034050000.*began before/.test(e.message));
});

test('the checkpoint moves past quiet redo (minedThrough) but never back before the resume position', () => {
  const f = loadFixture('interleaved');
  const resume = decodeOraclePosition(P(1000021, 0, 1000010));
  const assembler = new TransactionAssembler(resume);
  for (const r of f.rows.filter((r) => BigInt(r.scn) >= 1000010n && BigInt(r.scn) <= 1000020n)) assembler.push(r);
  // Replaying redo before the resume position: the checkpoint stays at the resume position.
  assert.equal(encodeOraclePosition(assembler.checkpoint()), P(1000021, 0, 1000010));
  assembler.minedThrough(1000020n);
  assert.equal(encodeOraclePosition(assembler.checkpoint()), P(1000021, 0, 1000010));
  for (const r of f.rows.filter((r) => BigInt(r.scn) > 1000020n)) assembler.push(r);
  assert.equal(encodeOraclePosition(assembler.checkpoint()), P(1000030, 0, 1000030));
  assembler.minedThrough(1000500n);
  assert.equal(encodeOraclePosition(assembler.checkpoint()), P(1000500, AFTER_ALL, 1000501));
  // An open transaction holds the restart SCN back.
  assembler.push({ ...f.rows[0]!, scn: '1000600', xid: '0E00000000000001' });
  assembler.minedThrough(1000700n);
  assert.equal(encodeOraclePosition(assembler.checkpoint()), P(1000700, AFTER_ALL, 1000600));
  assert.throws(() => assembler.minedThrough(1000699n), RangeError);
});

test('partial rollbacks remove the changes they undo; a rolled-back transaction leaves nothing', () => {
  const f = loadFixture('partial-rollback');
  const { transactions } = assemble(f.rows, f.snapshot);
  assert.equal(transactions.length, 1);
  assert.deepEqual(eventsOf(transactions).map((e) => [e.op, e.key, e.after]), [
    ['c', { ID: '20' }, { ID: '20', NAME: 'Barbara', HIRED: '2024-04-01 09:00:00', SALARY: '3000', NOTE: null }],
    ['u', { ID: '20' }, { SALARY: '3300' }],
  ]);
});

test('a rollback row that matches no earlier change makes its transaction fail, never emit partially', () => {
  const f = loadFixture('partial-rollback');
  const rows = f.rows.filter((r) => r.rsId !== ' 0x000050.00000012.0010 '); // the insert of 21 is missing
  assert.throws(() => assemble(rows, f.snapshot), (e: unknown) => e instanceof TandemError && /partial rollback at SCN 2000016/.test(e.message));
});

test('statements continued over several rows (CSF = 1) are joined, even inside a doubled quote', () => {
  const f = loadFixture('continuation');
  const events = eventsOf(assemble(f.rows, f.snapshot).transactions);
  assert.equal(events.length, 1);
  const note = events[0]!.after!.NOTE!;
  assert.equal(note.length, 3937);
  assert.equal(note.split("it's").length - 1, 63);
  assert.ok(note.startsWith('Lorem ipsum dolor sit amet, consectetur adipiscing elit; it\'s Lorem'));
  assert.deepEqual({ ...events[0]!.after, NOTE: '…' }, { ID: '30', NAME: 'Short', HIRED: null, SALARY: null, NOTE: '…' });
});

test('a broken continuation (another RS_ID after CSF = 1) is an error', () => {
  const joiner = new ContinuationJoiner();
  const base: LogMinerRow = { scn: '1', xid: 'X', operationCode: 1, segOwner: 'HR', tableName: 'EMP', rowId: null, sqlRedo: 'insert', csf: 1, rsId: 'a', ssn: 0, rollback: 0 };
  assert.equal(joiner.push(base), undefined);
  assert.equal(joiner.midStatement, true);
  assert.throws(() => joiner.push({ ...base, rsId: 'b', csf: 0 }), TandemError);
});

test('several commits at one SCN get ordinals in redo order, counting commits of other transactions too', () => {
  const f = loadFixture('same-scn');
  const { transactions } = assemble(f.rows, f.snapshot);
  assert.deepEqual(transactions.map((t) => encodeOraclePosition(t.position)), [P(4000020, 0, 4000010), P(4000020, 2, 4000010), P(4000020, 3, 4000020)]);
  // Resuming after ordinal 2 at that SCN emits only ordinal 3.
  const again = assemble(f.rows, decodeOraclePosition(P(4000020, 2, 4000010))).transactions;
  assert.deepEqual(again.map((t) => t.xid), ['0B00030003000000']);
  assert.deepEqual(eventsOf(again).map((e) => e.key), [{ ID: '42' }]);
});

test('every column type: LogMiner literals become PostgreSQL text', () => {
  const f = loadFixture('types');
  const events = eventsOf(assemble(f.rows, f.snapshot).transactions);
  assert.deepEqual(events.map((e) => e.op), ['c', 'u', 'd']);
  assert.deepEqual(events[0]!.after, {
    ID: '1', N_PLAIN: '-0.000123', N_SCALED: '12345678901234567890123456789012.345678',
    F_BIN: '3.4028235e+38', D_BIN: 'Infinity', C_FIXED: 'ab  ', V_TEXT: 'it\'s \\ "quoted"', NV_TEXT: 'café 😀', CL: '',
    D: '0044-03-15 12:00:00 BC', TS: '2024-02-29 23:59:59.123456789', TSTZ: '2024-07-01 09:00:00.5+05:30', TSLTZ: '2024-07-01 03:30:00.5+00',
    IYM: '-1 years -2 mons', IDS: '3 days 04:05:06.7', R: '\\x00ff10', BL: '\\x', RID: 'AAAR3sAAEAAAACXAAA',
  });
  assert.deepEqual(events[1]!.key, { ID: '1' });
  assert.deepEqual(events[1]!.after, { V_TEXT: 'ab', NV_TEXT: null, TSTZ: '2024-07-01 09:00:00 EUROPE/PARIS', D_BIN: '-0.0015', F_BIN: 'NaN' });
  assert.deepEqual(events[2], { schema: 'SHOP', table: 'ALL_TYPES', op: 'd', key: { ID: '1' }, position: P(5000014, 0, 5000014), txId: '0C00010001000000' });
});

test('TRUNCATE becomes a table event; other DDL on a captured table stops the capture with what to do', () => {
  const f = loadFixture('ddl');
  const first = assemble(f.rows.slice(0, 3), f.snapshot).transactions;
  assert.deepEqual(eventsOf(first), [{ schema: 'HR', table: 'EMP', op: 't', key: {}, position: P(6000012, 0, 6000012), txId: '0D00010001000000' }]);
  const second = assemble(f.rows, f.snapshot).transactions;
  assert.throws(() => eventsOf(second), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /DDL on HR\.EMP at SCN 6000021.*ALTER TABLE/.test(e.message));
});

// Read, not run (the oracle-review run): with the online catalog a DDL row may carry the table's
// name at mining time (after ALTER TABLE … RENAME TO, the new one; after DROP TABLE, the recycle
// bin's), and rows of a table dropped since show as 'UNKNOWN'.'OBJ# n'. Before, both were skipped as
// another table's, and the transactions around them went on without their changes.
test('DDL that names a migrated table in its text stops the capture whatever name LogMiner gives the row; rows LogMiner cannot name (selected only for the migrated objects) stop it too', () => {
  const row = (scn: number, xid: string, op: number, owner: string | null, table: string | null, sql: string): LogMinerRow =>
    ({ scn: String(scn), xid, operationCode: op, segOwner: owner, tableName: table, rowId: owner ? 'AAAR3sAAEAAAACXAAB' : null, sqlRedo: sql, csf: 0, rsId: ` 0x${scn}.0010 `, ssn: 0, rollback: 0 });
  const tx = (scn: number, xid: string, change: LogMinerRow) => [row(scn, xid, 6, null, null, 'set transaction read write;'), change, row(scn + 1, xid, 7, null, null, 'commit;')];
  const stops = (change: LogMinerRow, message: RegExp) => assert.throws(() => eventsOf(assemble(tx(7000010, 'AA', change), snapshotPosition(7000000n, 7000000n)).transactions),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && message.test(e.message));
  const passes = (change: LogMinerRow) => assert.deepEqual(eventsOf(assemble(tx(7000010, 'AA', change), snapshotPosition(7000000n, 7000000n)).transactions), []);
  stops(row(7000010, 'AA', 5, 'HR', 'EMPLOYEES_OLD', 'ALTER TABLE "HR"."EMP" RENAME TO "EMPLOYEES_OLD";'), /DDL on HR\.EMP at SCN 7000010.*ALTER TABLE/);
  stops(row(7000010, 'AA', 5, 'HR', 'BIN$3jZ1Hh+7Ab3gYwEAAH/0ig==$0', 'drop table emp AS "BIN$3jZ1Hh+7Ab3gYwEAAH/0ig==$0" ;'), /DDL on HR\.EMP .*DROP TABLE/);
  stops(row(7000010, 'AA', 5, 'HR', 'STAFF', 'rename emp to staff;'), /DDL on HR\.EMP .*RENAME EMP/);
  stops(row(7000010, 'AA', 1, 'UNKNOWN', 'OBJ# 73541', 'insert into "UNKNOWN"."OBJ# 73541"("COL 1","COL 2") values (HEXTORAW(\'c102\'),HEXTORAW(\'41\'));'),
    /could not name the table of a change at SCN 7000010 \(transaction AA\): OBJ# 73541, a migrated table or partition by its object number/);
  // After a dictionary version mismatch the row may be named 'UNKNOWN' (or not at all): still ours, still stopped.
  stops(row(7000010, 'AA', 3, 'UNKNOWN', 'UNKNOWN', 'update "UNKNOWN"."UNKNOWN" set "COL 2" = HEXTORAW(\'41\') where ROWID = \'AAAR3sAAEAAAACXAAB\';'), /could not name the table of a change at SCN 7000010/);
  stops(row(7000010, 'AA', 2, 'UNKNOWN', null, 'delete from "UNKNOWN"."OBJ# 73541" where ROWID = \'AAAR3sAAEAAAACXAAB\';'), /could not name the table of a change at SCN 7000010 \(transaction AA\): UNKNOWN/);
  // Another table's DDL, even when it refers to a migrated table, another schema's table of the same name, and TRUNCATE of another table: not stopped.
  passes(row(7000010, 'AA', 5, 'HR', 'DEPT', 'ALTER TABLE "HR"."DEPT" ADD CONSTRAINT "FK_E" FOREIGN KEY ("BOSS") REFERENCES "HR"."EMP" ("ID");'));
  passes(row(7000010, 'AA', 5, 'HR', 'EMP_COPY', 'create table emp_copy as select * from emp;'));
  passes(row(7000010, 'AA', 5, 'SCOTT', 'EMP', 'drop table "SCOTT"."EMP";'));
  passes(row(7000010, 'AA', 5, 'HR', 'DEPT', 'truncate table dept;'));
  // Quoted names keep their case: "emp" is not EMP.
  passes(row(7000010, 'AA', 5, 'HR', 'emp', 'drop table "HR"."emp";'));
  // A partition exchange run from another table swaps the migrated table's rows: its row carries the
  // other table's owner and name (selected now: DDL rows of every schema), its text names ours.
  stops(row(7000010, 'AA', 5, 'STAGE', 'EMP_LOAD', 'ALTER TABLE "STAGE"."EMP_LOAD" EXCHANGE PARTITION "P2024" WITH TABLE "HR"."EMP" INCLUDING INDEXES WITHOUT VALIDATION;'), /DDL on HR\.EMP at SCN 7000010/);
  stops(row(7000010, 'AA', 5, 'HR', 'EMP_LOAD', 'alter table emp_load exchange subpartition for (2024) with table emp;'), /DDL on HR\.EMP/);
  passes(row(7000010, 'AA', 5, 'STAGE', 'EMP_LOAD', 'alter table stage.emp_load exchange partition p2024 with table stage.emp;'));
  passes(row(7000010, 'AA', 5, 'STAGE', 'EMP_LOAD', 'alter table stage.emp_load exchange partition p2024 with table emp;'));
});

// The oracle-review-2 run, from the LogMiner sequences Debezium recorded on Oracle 23.26: a statement
// on a table with LOB columns comes as rows whose first has the placeholder ROW_ID, and one rollback
// row (with the real ROWID) undoes them all. Matched by ROWID, a rolled-back insert was applied, or a
// committed update before the savepoint removed.
test('a partial rollback in a table whose changes came partly without their ROWID (LOB, XMLType, extended strings) stops the capture instead of guessing what it undoes; elsewhere it undoes by ROWID as before', () => {
  const PH = 'AAAAAAAAAAAAAAAAAA';
  const R = 'AAAR3sAAEAAAACXAAB';
  const row = (scn: number, op: number, rowId: string | null, sql: string, rollback = 0): LogMinerRow =>
    ({ scn: String(scn), xid: 'L1', operationCode: op, segOwner: op === 6 || op === 7 ? null : 'HR', tableName: op === 6 || op === 7 ? null : 'EMP', rowId, sqlRedo: sql, csf: 0, rsId: ` 0x${scn}.0010 `, ssn: 0, rollback });
  const ins = `insert into "HR"."EMP"("ID","NAME","HIRED","SALARY","NOTE") values ('1','A',NULL,'1',NULL);`;
  const upd = `update "HR"."EMP" set "NOTE" = 'x' where "ID" = '1' and ROWID = '${R}';`;
  const del = `delete from "HR"."EMP" where "ID" = '1' and ROWID = '${R}';`;
  const mined = (rows: LogMinerRow[]) => () => eventsOf(assemble([row(8000001, 6, null, 'set transaction read write;'), ...rows, row(8000099, 7, null, 'commit;')], snapshotPosition(8000000n, 8000000n)).transactions);
  // INSERT (placeholder) + UPDATE (real), then the savepoint's rollback: one DELETE ROLLBACK=1 (real).
  assert.throws(mined([row(8000010, 1, PH, ins), row(8000011, 3, R, upd), row(8000012, 2, R, del, 1)]),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /holds a partial rollback at SCN 8000012 in HR\.EMP, whose changes LogMiner shows partly without their ROWID .*; Tandem will not queue it partially/.test(e.message));
  // Without placeholder rows, a rollback undoes the latest change of its ROWID, as before.
  assert.deepEqual(mined([row(8000010, 1, R, ins), row(8000011, 3, R, upd), row(8000012, 3, R, upd, 1)])().map((e) => e.op), ['c']);
});

test('a value of an extended string column (MAX_STRING_SIZE = EXTENDED) written in pieces stops the capture, by OPERATION name or by code', () => {
  for (const [op, name] of [[91, '32K_BEGIN'], [92, 'EXTENDED_STRING_WRITE'], [93, null]] as const) {
    assert.equal(locatorOrXmlOperation({ operationCode: op, operation: name }), 'extended');
  }
  assert.equal(locatorOrXmlOperation({ operationCode: 0, operation: '32K_END' }), 'extended');
  const row = (scn: number, op: number, owner: string | null, table: string | null, sql: string, operation?: string): LogMinerRow =>
    ({ scn: String(scn), xid: 'E1', operationCode: op, operation: operation ?? null, segOwner: owner, tableName: table, rowId: owner ? 'AAAAAAAAAAAAAAAAAA' : null, sqlRedo: sql, csf: 0, rsId: ` 0x${scn}.0010 `, ssn: 0, rollback: 0 });
  const tx = [row(8100001, 6, null, null, 'set transaction read write;'), row(8100002, 91, 'HR', 'EMP', 'DECLARE … ', '32K_BEGIN'), row(8100003, 7, null, null, 'commit;')];
  assert.throws(() => eventsOf(assemble(tx, snapshotPosition(8100000n, 8100000n)).transactions),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /A VARCHAR2, NVARCHAR2 or RAW value of HR\.EMP at SCN 8100002 .* longer than 4000 bytes/.test(e.message));
});

test('the contents query selects rows LogMiner cannot name only for the migrated objects, in lists of at most 1000', () => {
  const one = contentsQuery({ unnamedObjects: [73541n, 73542n] });
  assert.match(one, /\n {8}OR \(SEG_OWNER = 'UNKNOWN' AND \(DATA_OBJ# IN \(73541, 73542\)\)\)\)\n/);
  const many = contentsQuery({ unnamedObjects: Array.from({ length: 1001 }, (_, i) => BigInt(i + 1)) });
  assert.match(many, /DATA_OBJ# IN \(1, 2, [\d, ]+, 1000\) OR DATA_OBJ# IN \(1001\)\)\)\)\n/);
  assert.equal(contentsQuery({ unnamedObjects: [] }), contentsQuery());
  assert.equal(TABLE_OBJECTS_SQL, `SELECT TO_CHAR(OBJECT_ID) AS OBJECT_ID, OBJECT_NAME FROM ALL_OBJECTS
 WHERE OWNER = :owner AND OBJECT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')`);
});

test('rows going back in SCN order are refused', () => {
  const a = new TransactionAssembler(snapshotPosition(0n, 0n));
  const row: LogMinerRow = { scn: '10', xid: 'X', operationCode: 6, segOwner: null, tableName: null, rowId: null, sqlRedo: '', csf: 0, rsId: '', ssn: 0, rollback: 0 };
  a.push(row);
  assert.throws(() => a.push({ ...row, scn: '9' }), TandemError);
});

// Measured before: the XML DOC rows were not selected and, fed in anyway, skipped (`default: break`);
// the insert of SCOTT.XML_CLOB_COL_TAB reached the queue as {F1: '5010', …, F3: null, F4: null} and the
// update of only F4 produced no event (the oracle-review report, item 1).
test('an XMLType value (XML DOC rows after the INSERT that leaves the column out) stops the capture, naming table and column, instead of queuing NULL', () => {
  const f = loadFixture('xmltype');
  const tx = (xid: string) => assemble(f.rows.filter((r) => r.xid === xid), f.snapshot).transactions;
  const refused = (at: string, column: string) => (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
    && e.message.startsWith(`An XMLType value of SCOTT.XML_CLOB_COL_TAB at SCN ${at} (column ${column}) was written`)
    && /--exclude-table-list XML_CLOB_COL_TAB/.test(e.hint ?? '');
  assert.throws(() => eventsOf(tx('0E00010001000000')), refused('7000011 (transaction 0E00010001000000)', 'F3'));
  // An update of only the XMLType column: nothing but XML DOC rows.
  assert.throws(() => eventsOf(tx('0E00020002000000')), refused('7000021 (transaction 0E00020002000000)', 'F4'));
  // XML DOC WRITE / END rows alone (no BEGIN to name the column) name the table's XMLType columns.
  const writeOnly = f.rows.filter((r) => r.xid === '0E00020002000000' && r.operation !== 'XML DOC BEGIN');
  assert.throws(() => eventsOf(assemble(writeOnly, f.snapshot).transactions), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /\(columns F3, F4\)/.test(e.message));
});

// Measured before: LOB_ERASE was selected and dispatched by code 28 only; a row coded 29 (Debezium's
// value) was neither selected nor refused, and its transaction was queued without the change.
test('a LOB_ERASE row is refused by its OPERATION name whatever its code (28 in Oracle\'s reference, 29 in Debezium\'s)', () => {
  const f = loadFixture('xmltype');
  const lob = (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /^A LOB of HR\.EMP at SCN 70000\d1 .*was written in pieces \(LogMiner.s SELECT_LOB_LOCATOR \/ LOB_WRITE rows\)/.test(e.message);
  assert.throws(() => eventsOf(assemble(f.rows.filter((r) => r.xid === '0E00040004000000'), f.snapshot).transactions), lob);
  assert.throws(() => eventsOf(assemble(f.rows.filter((r) => r.xid === '0E00030003000000'), f.snapshot).transactions), lob);
  // The name decides where there is one; without it (rows spilled before it was selected) Oracle's codes do.
  assert.equal(locatorOrXmlOperation({ operationCode: 29, operation: 'LOB_ERASE' }), 'lob');
  assert.equal(locatorOrXmlOperation({ operationCode: 28, operation: 'LOB_ERASE' }), 'lob');
  assert.equal(locatorOrXmlOperation({ operationCode: 28, operation: null }), 'lob');
  assert.equal(locatorOrXmlOperation({ operationCode: 29, operation: null }), undefined);
  assert.equal(locatorOrXmlOperation({ operationCode: 28, operation: 'INTERNAL' }), undefined);
  assert.equal(locatorOrXmlOperation({ operationCode: 70, operation: 'XML DOC WRITE' }), 'xml');
  assert.equal(locatorOrXmlOperation({ operationCode: 71 }), 'xml');
  assert.equal(locatorOrXmlOperation({ operationCode: 1, operation: 'INSERT' }), undefined);
});

// Found by the oracle-review-2 run (a review, no server): a MISSING_SCN row (LogMiner was not given
// every redo file of the range) was never selected, so the changes in the gap were skipped without a
// word; a STATUS 2 row (SQL_REDO rebuilt with a dictionary that no longer matches the redo) was read
// as if it were the statement run.
test('a MISSING_SCN row stops the capture before going past the gap (a rerun mines it again: not a lost stream), by code or by OPERATION name', () => {
  const row = (scn: number, xid: string, op: number, owner: string | null, table: string | null, sql: string, extra: Partial<LogMinerRow> = {}): LogMinerRow =>
    ({ scn: String(scn), xid, operationCode: op, segOwner: owner, tableName: table, rowId: owner ? 'AAAR3sAAEAAAACXAAB' : null, sqlRedo: sql, csf: 0, rsId: ` 0x${scn}.0010 `, ssn: 0, rollback: 0, ...extra });
  const ins = `insert into "HR"."EMP"("ID","NAME","HIRED","SALARY","NOTE") values ('3','C',NULL,'1',NULL);`;
  const before = [row(7100001, 'AA', 6, null, null, 'set transaction read write;'), row(7100002, 'AA', 1, 'HR', 'EMP', ins), row(7100003, 'AA', 7, null, null, 'commit;')];
  for (const gap of [
    row(7100004, '0000000000000000', 34, null, null, '', { operation: 'MISSING_SCN', info: 'Missing SCN 7100004 - 7100400', status: 1291 }),
    row(7100004, '0000000000000000', 0, null, null, '', { operation: 'MISSING_SCN', info: null }),
  ]) {
    const a = new TransactionAssembler(snapshotPosition(7100000n, 7100000n));
    assert.equal(a.push(before[0]!), undefined);
    a.push(before[1]!);
    assert.ok(a.push(before[2]!), 'the transaction before the gap is handed on');
    assert.throws(() => a.push(gap), (e: unknown) => {
      assert.ok(e instanceof TandemError && e.code === 'TANDEM_DATA', String(e));
      assert.equal(e.streamLost, false);
      assert.match(e.message, new RegExp(`^LogMiner found a gap in the redo it was given at SCN 7100004${gap.info ? ' \\(Missing SCN 7100004 - 7100400\\)' : ''}: the changes in it would be missed`));
      assert.match(e.hint ?? '', /Rerun the same export command: it lists the files again and mines that range again from the last checkpoint/);
      return true;
    });
  }
  // Code 34 named otherwise is not a gap (the name decides where there is one).
  assert.equal(new TransactionAssembler(snapshotPosition(7100000n, 7100000n)).push(row(7100004, 'AB', 34, null, null, '', { operation: 'OTHER' })), undefined);
});

test('a row change LogMiner could not rebuild (STATUS not 0) stops the capture naming the table and LogMiner\'s remark; STATUS 0 and rows without it are read as before', () => {
  const row = (scn: number, op: number, owner: string | null, table: string | null, sql: string, extra: Partial<LogMinerRow> = {}): LogMinerRow =>
    ({ scn: String(scn), xid: 'S2', operationCode: op, segOwner: owner, tableName: table, rowId: owner ? 'AAAR3sAAEAAAACXAAB' : null, sqlRedo: sql, csf: 0, rsId: ` 0x${scn}.0010 `, ssn: 0, rollback: 0, ...extra });
  const upd = `update "HR"."EMP" set "COL 4" = HEXTORAW('c20b') where "ID" = '1' and ROWID = 'AAAR3sAAEAAAACXAAB';`;
  const mined = (change: LogMinerRow) => () => eventsOf(assemble([row(7200001, 6, null, null, 'set transaction read write;'), change, row(7200003, 7, null, null, 'commit;')], snapshotPosition(7200000n, 7200000n)).transactions);
  assert.throws(mined(row(7200002, 3, 'HR', 'EMP', upd, { status: 2, info: 'Dictionary Version Mismatch' })),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED'
      && /^LogMiner could not rebuild the change to HR\.EMP at SCN 7200002 .*\(STATUS 2: Dictionary Version Mismatch\): its SQL_REDO is not the statement that was run/.test(e.message)
      && /Export again from a new snapshot/.test(e.hint ?? ''));
  const good = `update "HR"."EMP" set "SALARY" = '10' where "ID" = '1' and ROWID = 'AAAR3sAAEAAAACXAAB';`;
  for (const status of [0, null, undefined]) {
    assert.deepEqual(mined(row(7200002, 3, 'HR', 'EMP', good, status === undefined ? {} : { status }))().map((e) => [e.op, e.after]), [['u', { SALARY: '10' }]]);
  }
  // Another schema's row is not ours, whatever its STATUS.
  assert.deepEqual(mined(row(7200002, 3, 'SCOTT', 'BONUS', upd, { status: 2 }))(), []);
  // STATUS is read from the contents query's rows.
  assert.equal(logMinerRowFromRecord({ SCN: '1', OPERATION_CODE: '3', STATUS: '2' }).status, 2);
  assert.equal(logMinerRowFromRecord({ SCN: '1', OPERATION_CODE: '3' }).status, null);
});

test('the contents query reads STATUS and selects every MISSING_SCN row and every START, COMMIT and ROLLBACK, also outside the PDB filter (oracle-review-3: SRC_CON_NAME may be empty on them)', () => {
  assert.match(contentsQuery(), /^SELECT .*\n {7}SQL_REDO, CSF, RS_ID, SSN, ROLLBACK, INFO, STATUS\n/);
  assert.match(contentsQuery(), /\n {8}OR OPERATION_CODE IN \(6, 7, 36\)\n {8}OR OPERATION_CODE = 34 OR OPERATION = 'MISSING_SCN'\)$/);
  const pdb = contentsQuery({ pdb: true });
  assert.match(pdb, /\n {8}AND SRC_CON_NAME = :pdb\)\n {8}OR OPERATION_CODE IN \(6, 7, 36\)\n {8}OR OPERATION_CODE = 34 OR OPERATION = 'MISSING_SCN'\)$/);
  // Only row changes and DDL are the PDB's to filter.
  const filtered = pdb.slice(pdb.indexOf('AND ((') , pdb.indexOf('AND SRC_CON_NAME'));
  assert.doesNotMatch(filtered, /\b(6|7|36)\b(?=[,)])/);
});
