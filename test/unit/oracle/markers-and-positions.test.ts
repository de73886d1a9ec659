/**
 * Markers as rows of Tandem's marker table, and the wiring of positions through the capture: the
 * SQL as text, the rows a stream's markers come from, the pipeline the capture loop feeds (row in,
 * transaction with events, markers and position out), checkpoints, restarts, and the positions the
 * engine shows. Pure: LogMiner rows are literal fixtures in V$LOGMNR_CONTENTS's documented shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainMissingRedo, longOpenTransactionWarning, MinedRowPipeline } from '../../../src/adapters/oracle/capture/logminer-capture.js';
import { contentsQuery, selectLogFiles } from '../../../src/adapters/oracle/capture/logminer-sql.js';
import {
  COUNT_STREAM_ROWS_SQL, CREATE_MARKER_TABLE_SQL, DELETE_STREAM_ROWS_SQL, dropOwnTableSql, INSERT_MARKER_SQL, MARKER_TABLE,
} from '../../../src/adapters/oracle/capture/marker-table.js';
import { AFTER_ALL, decodeOraclePosition, encodeOraclePosition, snapshotPosition } from '../../../src/adapters/oracle/capture/oracle-position.js';
import { describeOraclePosition, oracleStreamId, oracleStreamLabels } from '../../../src/adapters/oracle/oracle-change-capture.js';
import { CheckpointPacer, tableLookupOf } from '../../../src/adapters/oracle/oracle-change-stream.js';
import { TARGET_NAMES, toOracleTableInfo } from '../../../src/adapters/oracle/oracle-names.js';
import { TandemError } from '../../../src/core/errors.js';
import { TABLES } from './logminer-fixtures.js';

const P = (scn: number, ord: number, restart: number) => encodeOraclePosition({ commitScn: BigInt(scn), ordinal: ord, restartScn: BigInt(restart) });

let rs = 0;
const row = (scn: number, xid: string, op: number, owner: string | null, table: string | null, sql: string) =>
  ({ SCN: String(scn), XID: xid, OPERATION_CODE: op, SEG_OWNER: owner, TABLE_NAME: table, ROW_ID: owner ? `AAAR3sAAEAAAACXAA${rs}` : 'AAAAAAAAAAAAAAAAAA', SQL_REDO: sql, CSF: 0, RS_ID: ` 0x000099.${String(++rs).padStart(8, '0')}.0010 `, SSN: 0, ROLLBACK: 0 });
const start = (scn: number, xid: string) => row(scn, xid, 6, null, null, 'set transaction read write;');
const commit = (scn: number, xid: string) => row(scn, xid, 7, null, null, 'commit;');
const empInsert = (scn: number, xid: string, id: number) => row(scn, xid, 1, 'HR', 'EMP',
  `insert into "HR"."EMP"("ID","NAME","HIRED","SALARY","NOTE") values ('${id}','N${id}',TO_DATE(' 2025-01-0${id % 9 + 1} 08:00:00', 'SYYYY-MM-DD HH24:MI:SS'),'10',NULL);`);
const marker = (scn: number, xid: string, stream: string, seq: number, kind: string) => row(scn, xid, 1, 'C##YBVOYAGER', 'TANDEM_MARKERS',
  `insert into "C##YBVOYAGER"."TANDEM_MARKERS"("STREAM_ID","SEQ","KIND","WRITTEN_AT") values ('${stream}','${seq}','${kind}',TO_TIMESTAMP('2026-11-30 10:00:0${seq}.123456'));`);

/** A window of redo after a snapshot at SCN 2000000 (nothing open then). */
const ROWS = [
  start(2000010, 'A1'), empInsert(2000011, 'A1', 20), commit(2000012, 'A1'),
  start(2000020, 'M1'), marker(2000020, 'M1', 'tandem_abc', 2, 'cutover_to_target'), commit(2000021, 'M1'),
  start(2000021, 'O1'), marker(2000022, 'O1', 'tandem_other', 2, 'cutover_to_target'), commit(2000022, 'O1'),
  start(2000025, 'B1'), empInsert(2000026, 'B1', 21), marker(2000027, 'B1', 'tandem_abc', 3, 'cutover_to_source'), commit(2000030, 'B1'),
  start(2000040, 'D1'), row(2000041, 'D1', 2, 'C##YBVOYAGER', 'TANDEM_MARKERS', `delete from "C##YBVOYAGER"."TANDEM_MARKERS" where "STREAM_ID" = 'tandem_abc' and "SEQ" = '2' and ROWID = 'AAAR3sAAEAAAACXAAZ';`), commit(2000042, 'D1'),
];

const TABLE_INFO = toOracleTableInfo(TABLES['HR.EMP']!);
const OPTIONS = { tables: tableLookupOf([TABLE_INFO]), names: TARGET_NAMES, markers: { owner: 'C##YBVOYAGER', streamId: 'tandem_abc' } };

function mine(resume = snapshotPosition(2000000n, 2000000n), rows = ROWS) {
  const p = new MinedRowPipeline(OPTIONS, resume);
  const out = rows.flatMap((r) => [...p.push(r)]);
  return { out, checkpoint: p.endWindow(2000050n) };
}

test('the marker table\'s SQL, and the contents query reading its inserts and deletes with the migrated schema', () => {
  assert.equal(MARKER_TABLE, 'TANDEM_MARKERS');
  assert.equal(CREATE_MARKER_TABLE_SQL, `BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE TANDEM_MARKERS (STREAM_ID VARCHAR2(64) NOT NULL, SEQ NUMBER(19) NOT NULL, KIND VARCHAR2(40) NOT NULL, WRITTEN_AT TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL, CONSTRAINT TANDEM_MARKERS_PK PRIMARY KEY (STREAM_ID, SEQ))';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF;
END;`);
  assert.equal(INSERT_MARKER_SQL, `INSERT INTO TANDEM_MARKERS (STREAM_ID, SEQ, KIND, WRITTEN_AT)
SELECT :streamId, NVL(MAX(SEQ), 0) + 1, :kind, SYSTIMESTAMP FROM TANDEM_MARKERS WHERE STREAM_ID = :streamId`);
  assert.equal(COUNT_STREAM_ROWS_SQL, 'SELECT COUNT(*) AS N FROM TANDEM_MARKERS WHERE STREAM_ID = :streamId');
  assert.equal(DELETE_STREAM_ROWS_SQL, 'DELETE FROM TANDEM_MARKERS WHERE STREAM_ID = :streamId');
  assert.equal(dropOwnTableSql('TANDEM_MARKERS'), `BEGIN
  EXECUTE IMMEDIATE 'DROP TABLE TANDEM_MARKERS PURGE';
EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF;
END;`);
  assert.throws(() => dropOwnTableSql('X; DROP USER HR'), RangeError);
  assert.equal(contentsQuery({ markers: true, pdb: true }), `SELECT TO_CHAR(SCN) AS SCN, RAWTOHEX(XID) AS XID, OPERATION_CODE, OPERATION, SEG_OWNER, TABLE_NAME, ROW_ID,
       SQL_REDO, CSF, RS_ID, SSN, ROLLBACK, INFO, STATUS, SRC_CON_NAME
  FROM V$LOGMNR_CONTENTS
 WHERE SCN >= :fromScn AND SCN <= :toScn
   AND (((OPERATION_CODE = 5
        OR (SEG_OWNER = :owner AND (OPERATION_CODE IN (1, 2, 3, 5, 9, 10, 11, 28, 29, 68, 70, 71, 91, 92, 93, 255) OR OPERATION IN ('SELECT_LOB_LOCATOR', 'LOB_WRITE', 'LOB_TRIM', 'LOB_ERASE', 'XML DOC BEGIN', 'XML DOC WRITE', 'XML DOC END', '32K_BEGIN', '32K_WRITE', '32K_END', 'EXTENDED_STRING_BEGIN', 'EXTENDED_STRING_WRITE', 'EXTENDED_STRING_END')))
        OR (SEG_OWNER = :markerOwner AND TABLE_NAME = :markerTable AND OPERATION_CODE IN (1, 2)))
        AND SRC_CON_NAME = :pdb)
        OR OPERATION_CODE IN (6, 7, 36)
        OR OPERATION_CODE = 34 OR OPERATION = 'MISSING_SCN')`);
});

test('a stream\'s markers come through in commit order with the changes around them; other streams\' markers and deletes are ignored', () => {
  const { out, checkpoint } = mine();
  assert.deepEqual(out, [
    { txId: 'A1', position: P(2000012, 0, 2000012), markers: [], events: [
      { schema: 'hr', table: 'emp', op: 'c', position: P(2000012, 0, 2000012), txId: 'A1',
        key: { id: '20' }, after: { id: '20', name: 'N20', hired: '2025-01-03 08:00:00', salary: '10', note: null } }] },
    { txId: 'M1', position: P(2000021, 0, 2000021), markers: ['cutover_to_target'], events: [] },
    { txId: 'B1', position: P(2000030, 0, 2000030), markers: ['cutover_to_source'], events: [
      { schema: 'hr', table: 'emp', op: 'c', position: P(2000030, 0, 2000030), txId: 'B1',
        key: { id: '21' }, after: { id: '21', name: 'N21', hired: '2025-01-04 08:00:00', salary: '10', note: null } }] },
  ]);
  // The window's end: a restart mines from SCN 2000051 on, and nothing at or before 2000050 is emitted again.
  assert.equal(checkpoint, P(2000050, AFTER_ALL, 2000051));
});

test('a restart from each handed-on position (and from the checkpoint) repeats nothing and loses nothing', () => {
  const { out, checkpoint } = mine();
  const positions = out.map((t) => t!.position);
  for (let i = 0; i < positions.length; i++) {
    const again = mine(decodeOraclePosition(positions[i]!)).out.map((t) => t!.position);
    assert.deepEqual(again, positions.slice(i + 1), `resumed after ${positions[i]}`);
  }
  assert.deepEqual(mine(decodeOraclePosition(checkpoint)).out, []);
});

test('a marker row without its KIND, or with SQL_REDO Tandem cannot read, stops the capture (a cutover marker is never skipped)', () => {
  const broken = [start(2000010, 'X1'), row(2000011, 'X1', 1, 'C##YBVOYAGER', 'TANDEM_MARKERS', `insert into "C##YBVOYAGER"."TANDEM_MARKERS"("STREAM_ID","SEQ") values ('tandem_abc','5');`), commit(2000012, 'X1')];
  assert.throws(() => mine(undefined, broken), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /has no KIND/.test(e.message));
  const garbled = [start(2000010, 'X2'), row(2000011, 'X2', 1, 'C##YBVOYAGER', 'TANDEM_MARKERS', 'insert into "C##YBVOYAGER"."TANDEM_MARKERS" values (('), commit(2000012, 'X2')];
  assert.throws(() => mine(undefined, garbled), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /could not be read/.test(e.message));
});

test('checkpoints: queued only when later than everything handed on, at most every 5 s', () => {
  const pacer = new CheckpointPacer(P(100, 0, 90));
  assert.equal(pacer.take(P(100, 0, 90), 0), false, 'not after the resume position');
  assert.equal(pacer.take(P(150, AFTER_ALL, 151), 0), true);
  assert.equal(pacer.take(P(160, AFTER_ALL, 161), 4999), false, 'too soon');
  pacer.passed(P(170, 0, 165));
  assert.equal(pacer.take(P(165, AFTER_ALL, 166), 6000), false, 'a transaction after it was handed on');
  assert.equal(pacer.take(P(180, AFTER_ALL, 181), 6000), true);
});

test('stream ids, labels and positions as messages show them', () => {
  assert.equal(oracleStreamId({ id: '948fc853-eddd-40ca-8a24-0123456789ab', side: 'source' }), 'tandem_948fc853eddd40ca8a24');
  assert.equal(oracleStreamId({ id: '948fc853-eddd-40ca-8a24-0123456789ab', side: 'target' }), 'tandem_fb_948fc853eddd40ca8a24');
  assert.deepEqual(oracleStreamLabels('tandem_948fc853eddd40ca8a24'), {
    stream: 'LogMiner stream tandem_948fc853eddd40ca8a24',
    name: 'tandem_948fc853eddd40ca8a24',
    objects: 'the marker rows of LogMiner stream tandem_948fc853eddd40ca8a24 (table TANDEM_MARKERS of the migration user)',
    brief: 'LogMiner, markers of tandem_948fc853eddd40ca8a24 in TANDEM_MARKERS',
    changeLog: 'redo log',
    dropStream: "-- nothing holds redo for a LogMiner stream; as the migration user: DELETE FROM TANDEM_MARKERS WHERE STREAM_ID = 'tandem_948fc853eddd40ca8a24'; COMMIT;",
    dropAll: "-- as the migration user: DELETE FROM TANDEM_MARKERS WHERE STREAM_ID = 'tandem_948fc853eddd40ca8a24'; COMMIT; DROP TABLE TANDEM_MARKERS PURGE; DROP TABLE TANDEM_LOGMINER_FLUSH PURGE; (the tables only when no other migration uses them)",
  });
  assert.equal(describeOraclePosition(P(48812233, AFTER_ALL, 48812000)), 'SCN 48812233');
  assert.equal(describeOraclePosition(P(48812233, 1, 48812000)), 'SCN 48812233 (commit 2 at that SCN)');
});

test('a transaction left open is reported once it has stayed open for the threshold, once, naming its XID, start SCN and how to find its session; one that ends is forgotten', () => {
  const p = new MinedRowPipeline(OPTIONS, snapshotPosition(2000000n, 2000000n));
  for (const r of [start(2000010, '0A00110034050000'), empInsert(2000011, '0A00110034050000', 30), start(2000012, 'B2'), commit(2000013, 'B2')]) [...p.push(r)];
  p.endWindow(2000050n);
  const MIN = 60_000;
  assert.deepEqual(p.longOpenTransactions(0, 30 * MIN), [], 'first seen now: not long yet');
  assert.deepEqual(p.longOpenTransactions(29 * MIN, 30 * MIN), []);
  const long = p.longOpenTransactions(31 * MIN, 30 * MIN);
  assert.deepEqual(long, [{ xid: '0A00110034050000', startScn: 2000010n, changes: 1, openMs: 31 * MIN }]);
  assert.deepEqual(p.longOpenTransactions(90 * MIN, 30 * MIN), [], 'said once');
  assert.equal(longOpenTransactionWarning(long[0]!),
    'Oracle transaction 0A00110034050000 (any schema; 1 change to migrated tables so far) has been open for at least 31 minutes, since SCN 2000010. '
    + 'Until it ends, a restart of the export mines the redo from SCN 2000010 on, so the archived logs from there must be kept (a deleted one loses the stream). '
    + "If it was left open by mistake, end it: its session is found with SELECT s.SID, s.SERIAL#, s.USERNAME, s.MACHINE, s.PROGRAM FROM V$TRANSACTION t JOIN V$SESSION s ON s.TADDR = t.ADDR WHERE t.XID = HEXTORAW('0A00110034050000'). "
    + 'If that finds nothing, the transaction ended without LogMiner showing its end (other LogMiner readers report such cases): Tandem still counts it open, so every restart mines from its start; report it.');
  // It commits; a new transaction with another XID starts: counted from when it is first seen.
  [...p.push(commit(2000060, '0A00110034050000'))];
  [...p.push(start(2000061, 'C3'))];
  p.endWindow(2000070n);
  assert.deepEqual(p.longOpenTransactions(100 * MIN, 30 * MIN), []);
  assert.deepEqual(p.longOpenTransactions(130 * MIN, 30 * MIN).map((t) => [t.xid, t.changes]), [['C3', 0]]);
});

test('redo missing where a restart must begin: the error says an open transaction held the restart SCN back when it did, and stays a lost stream', () => {
  let lost: unknown;
  try { selectLogFiles([], 1999000n, 2000100n); } catch (e) { lost = e; }
  const held = explainMissingRedo(lost, { commitScn: 2000500n, ordinal: 0, restartScn: 1999000n });
  assert.ok(held instanceof TandemError && held.streamLost && held.code === 'TANDEM_PREREQUISITE');
  assert.match(held.message, /^The redo Tandem must mine from SCN 1999000 is no longer available\. Mining restarts at SCN 1999000, 1500 SCNs before the last position reached \(SCN 2000500\), because a transaction \(of any schema, not only the migrated one\) that was open there began at SCN 1999000/);
  assert.match(held.hint!, /V\$TRANSACTION shows it \(START_SCN = 1999000\)/);
  // Nothing held it back (restart at the commit itself), or another error: unchanged.
  assert.equal(explainMissingRedo(lost, { commitScn: 1999000n, ordinal: 0, restartScn: 1999000n }), lost);
  const other = new TandemError('TANDEM_CONNECT', 'x');
  assert.equal(explainMissingRedo(other, { commitScn: 2000500n, ordinal: 0, restartScn: 1999000n }), other);
});
