import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { planBatch, type AppliedTable } from '../../../src/core/apply/batch-plan.js';
import {
  CHANNEL_PROGRESS_SQL, describeLosses, oracleWriteStatements, progressStatements, writerTable, type LossCounts, type OracleWriteStatement,
} from '../../../src/adapters/oracle/writer/writer-sql.js';
import {
  checkRestored, disableStatements, enableStatements, enabledBlockers, plsqlBlock, writeSafetyState,
} from '../../../src/adapters/oracle/writer/triggers-and-keys.js';
import {
  allowExplicitIdentitySql, identityColumnsFromRows, nextAfterTarget, restoreIdentitySql, restoreSequenceSql,
} from '../../../src/adapters/oracle/writer/identity-sequences.js';
import { TABLES } from './logminer-fixtures.js';
import { ActingWhileWriting } from '../../../src/core/engine/write-guard.js';
import { TandemError } from '../../../src/core/errors.js';

// Events name the target's (lower-case) tables and columns; the writer maps them back to Oracle's.
const lower = (s: string) => s.toLowerCase();
const EMP = writerTable(TABLES['HR.EMP']!, lower);
const APPLIED: AppliedTable = { schema: 'hr', name: 'emp', primaryKey: ['id'], columns: ['id', 'name', 'hired', 'salary', 'note'] };

let vsn = 0;
const ev = (op: ChangeEvent['op'], key: Record<string, string | null>, after?: Record<string, string | null>): ChangeEvent =>
  ({ vsn: ++vsn, op, schema: 'hr', table: 'emp', key, ...(after ? { after } : {}), position: 'T1', txId: 't' });

function statements(events: ChangeEvent[], losses: LossCounts = new Map()): OracleWriteStatement[] {
  const plan = planBatch(events, () => APPLIED);
  return plan.statements.flatMap((p) => oracleWriteStatements(p, () => EMP, losses));
}

test('array DML: one INSERT with binds for many rows; DATE keeps its time of day, NUMBER its digits, CLOB may be empty', () => {
  const s = statements([
    ev('c', { id: '1' }, { id: '1', name: 'Ada', hired: '2024-01-15 10:30:59', salary: '1234.50', note: '' }),
    ev('c', { id: '2' }, { id: '2', name: '', hired: '0044-03-15 12:00:00 BC', salary: null, note: 'long text' }),
  ]);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.sql,
    `INSERT INTO "HR"."EMP" ("HIRED", "ID", "NAME", "NOTE", "SALARY") VALUES (TO_DATE(:c0, 'SYYYY-MM-DD HH24:MI:SS'), TO_NUMBER(:c1), :c2, CASE WHEN :c3_e = 1 THEN EMPTY_CLOB() ELSE :c3 END, TO_NUMBER(:c4))`);
  assert.deepEqual(s[0]!.rows, [
    { c0: '2024-01-15 10:30:59', c1: '1', c2: 'Ada', c3: null, c3_e: 1, c4: '1234.5' },
    { c0: '-0044-03-15 12:00:00', c1: '2', c2: null, c3: 'long text', c3_e: 0, c4: null },
  ]);
  assert.deepEqual(s[0]!.bindTypes, {
    c0: { type: 'varchar', maxSize: 20 }, c1: { type: 'varchar', maxSize: 1 }, c2: { type: 'varchar', maxSize: 3 },
    c3: { type: 'clob' }, c3_e: { type: 'number' }, c4: { type: 'varchar', maxSize: 6 },
  });
  assert.equal(s[0]!.expectedRows, undefined);
});

test('updates set only the columns an event carries, found by the old key; deletes by key; a key change runs alone', () => {
  const s = statements([
    ev('u', { id: '1' }, { salary: '10' }),
    ev('u', { id: '2' }, { salary: '20' }),
    ev('u', { id: '3' }, { name: 'X', salary: '30' }),
    ev('d', { id: '4' }),
    ev('u', { id: '5' }, { id: '6' }),
  ]);
  assert.deepEqual(s.map((x) => [x.sql, x.rows, x.expectedRows]), [
    ['DELETE FROM "HR"."EMP" WHERE "ID" = TO_NUMBER(:k0)', [{ k0: '4' }], 1],
    ['UPDATE "HR"."EMP" SET "SALARY" = TO_NUMBER(:c0) WHERE "ID" = TO_NUMBER(:k0)', [{ k0: '1', c0: '10' }, { k0: '2', c0: '20' }], 2],
    ['UPDATE "HR"."EMP" SET "NAME" = :c0, "SALARY" = TO_NUMBER(:c1) WHERE "ID" = TO_NUMBER(:k0)', [{ k0: '3', c0: 'X', c1: '30' }], 1],
    ['UPDATE "HR"."EMP" SET "ID" = TO_NUMBER(:c0) WHERE "ID" = TO_NUMBER(:k0)', [{ k0: '5', c0: '6' }], 1],
  ]);
});

test('a TRUNCATE is a DELETE (TRUNCATE would commit on its own, outside the batch\'s transaction)', () => {
  const s = statements([ev('t', {})]);
  assert.deepEqual(s.map((x) => [x.sql, x.rows]), [['DELETE FROM "HR"."EMP"', [{}]]]);
});

test('values Oracle cannot hold as they are: counted per table and column, reported in words', () => {
  const losses: LossCounts = new Map();
  statements([
    ev('c', { id: '7' }, { id: '7', name: '', hired: '2024-01-15 10:30:59.75', salary: '1', note: null }),
    ev('u', { id: '8' }, { name: '' }),
  ], losses);
  assert.deepEqual(describeLosses(losses), [
    "hr.emp.HIRED: 1 fractional second(s) cut off (DATE holds whole seconds)",
    "hr.emp.NAME: 2 empty string(s) stored as NULL (Oracle has no '')",
  ]);
});

test('a value Oracle cannot hold at all, or an unknown column, fails the batch without showing the value', () => {
  assert.throws(() => statements([ev('c', { id: '9' }, { id: '9', name: 'n', hired: 'infinity', salary: '1', note: null })]),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /hr\.emp cannot be written to Oracle: column HIRED: infinite timestamps/.test(e.message));
  assert.throws(() => statements([ev('c', { id: '9' }, { id: '9', bonus: '5' })]), (e: unknown) => e instanceof TandemError && /column bonus/.test(e.message));
});

test('progress rows: the spec\'s two tables, MERGE with named binds, in the batch\'s transaction', () => {
  const plan = planBatch([ev('c', { id: '1' }, { id: '1' }), ev('d', { id: '2' })], () => APPLIED);
  const p = progressStatements('0b3c6d1e-0000-4000-8000-000000000001', 3, 42, plan);
  assert.equal(p[0]!.sql, CHANNEL_PROGRESS_SQL);
  assert.match(CHANNEL_PROGRESS_SQL, /^MERGE INTO ybvoyager_metadata\.ybvoyager_import_data_event_channels_metainfo t/);
  assert.deepEqual(p[0]!.rows, [{ uuid: '0b3c6d1e-0000-4000-8000-000000000001', channel: 3, vsn: 42, ins: 1, upd: 0, del: 1 }]);
  assert.match(p[1]!.sql, /^MERGE INTO ybvoyager_metadata\.ybvoyager_imported_event_count_by_table t/);
  assert.deepEqual(p[1]!.rows, [{ uuid: '0b3c6d1e-0000-4000-8000-000000000001', tableName: 'hr.emp', channel: 3, total: 2, ins: 1, upd: 0, del: 1 }]);
  // No bind name appears twice in a MERGE (binds by name must not depend on repeated placeholders).
  for (const s of p) {
    const names = [...s.sql.matchAll(/:(\w+)/g)].map((m) => m[1]);
    assert.equal(new Set(names).size, names.length);
  }
});

const TRIGGERS = [
  { OWNER: 'HR', TRIGGER_NAME: 'EMP_BI', TABLE_OWNER: 'HR', TABLE_NAME: 'EMP', STATUS: 'ENABLED' },
  { OWNER: 'HR', TRIGGER_NAME: 'EMP_AUDIT', TABLE_OWNER: 'HR', TABLE_NAME: 'EMP', STATUS: 'DISABLED' },
  { OWNER: 'AUDIT', TRIGGER_NAME: "O'NEIL_TRG", TABLE_OWNER: 'HR', TABLE_NAME: 'DEPT', STATUS: 'ENABLED' },
];
const FKS = [
  { OWNER: 'HR', TABLE_NAME: 'EMP', CONSTRAINT_NAME: 'EMP_DEPT_FK', STATUS: 'ENABLED', VALIDATED: 'VALIDATED', R_OWNER: 'HR' },
  { OWNER: 'SALES', TABLE_NAME: 'ORDERS', CONSTRAINT_NAME: 'ORD_EMP_FK', STATUS: 'ENABLED', VALIDATED: 'NOT VALIDATED', R_OWNER: 'HR' },
  { OWNER: 'HR', TABLE_NAME: 'EMP', CONSTRAINT_NAME: 'EMP_MGR_FK', STATUS: 'DISABLED', VALIDATED: 'NOT VALIDATED', R_OWNER: 'HR' },
];

test('triggers and foreign keys: disable exactly what is enabled, re-enable exactly that (VALIDATE as before)', () => {
  const state = writeSafetyState(TRIGGERS, FKS);
  assert.deepEqual(disableStatements(state), [
    'ALTER TRIGGER "HR"."EMP_BI" DISABLE',
    'ALTER TRIGGER "AUDIT"."O\'NEIL_TRG" DISABLE',
    'ALTER TABLE "HR"."EMP" DISABLE CONSTRAINT "EMP_DEPT_FK"',
    'ALTER TABLE "SALES"."ORDERS" DISABLE CONSTRAINT "ORD_EMP_FK"',
  ]);
  assert.deepEqual(enableStatements(state), [
    'ALTER TABLE "HR"."EMP" ENABLE VALIDATE CONSTRAINT "EMP_DEPT_FK"',
    'ALTER TABLE "SALES"."ORDERS" ENABLE NOVALIDATE CONSTRAINT "ORD_EMP_FK"',
    'ALTER TRIGGER "HR"."EMP_BI" ENABLE',
    'ALTER TRIGGER "AUDIT"."O\'NEIL_TRG" ENABLE',
  ]);
  assert.equal(plsqlBlock('disable triggers and foreign keys for fall-back', disableStatements(state).slice(0, 2)),
    `-- disable triggers and foreign keys for fall-back\nBEGIN\n  EXECUTE IMMEDIATE 'ALTER TRIGGER "HR"."EMP_BI" DISABLE';\n  EXECUTE IMMEDIATE 'ALTER TRIGGER "AUDIT"."O''NEIL_TRG" DISABLE';\nEND;\n/`);
  assert.equal(plsqlBlock('x', []), '-- x: nothing to do');
  assert.deepEqual(enabledBlockers(state, new Set(['HR.EMP'])), { triggers: ['HR.EMP_BI'], foreignKeys: ['HR.EMP.EMP_DEPT_FK', 'SALES.ORDERS.ORD_EMP_FK'] });
});

test('the end check finds what is still disabled, no longer validated, or gone', () => {
  const before = writeSafetyState(TRIGGERS, FKS);
  assert.deepEqual(checkRestored(before, before), []);
  const now = writeSafetyState(
    TRIGGERS.filter((t) => t.TRIGGER_NAME !== "O'NEIL_TRG").map((t) => ({ ...t, STATUS: 'DISABLED' })),
    FKS.map((f) => (f.CONSTRAINT_NAME === 'EMP_DEPT_FK' ? { ...f, VALIDATED: 'NOT VALIDATED' } : f)),
  );
  assert.deepEqual(checkRestored(before, now), [
    { kind: 'trigger', name: 'HR.EMP_BI', table: 'HR.EMP', fixSql: 'ALTER TRIGGER "HR"."EMP_BI" ENABLE;' },
    { kind: 'trigger', name: "AUDIT.O'NEIL_TRG", table: 'HR.DEPT', fixSql: '-- the trigger no longer exists: recreate it from the schema export' },
    { kind: 'foreign key', name: 'EMP_DEPT_FK', table: 'HR.EMP', fixSql: 'ALTER TABLE "HR"."EMP" ENABLE VALIDATE CONSTRAINT "EMP_DEPT_FK";' },
  ]);
});

test('identity columns: ALWAYS becomes BY DEFAULT for fall-back and comes back above the target\'s values', () => {
  const [always, byDefault] = identityColumnsFromRows('HR', [
    { TABLE_NAME: 'EMP', COLUMN_NAME: 'ID', GENERATION_TYPE: 'ALWAYS', SEQUENCE_NAME: 'ISEQ$$_7301', DEFAULT_ON_NULL: 'NO' },
    { TABLE_NAME: 'DEPT', COLUMN_NAME: 'ID', GENERATION_TYPE: 'BY DEFAULT', SEQUENCE_NAME: 'ISEQ$$_7302', DEFAULT_ON_NULL: 'YES' },
  ]);
  assert.equal(allowExplicitIdentitySql(always!), 'ALTER TABLE "HR"."EMP" MODIFY ("ID" GENERATED BY DEFAULT AS IDENTITY)');
  assert.equal(allowExplicitIdentitySql(byDefault!), undefined);
  assert.equal(restoreIdentitySql(always!, '1001'), 'ALTER TABLE "HR"."EMP" MODIFY ("ID" GENERATED ALWAYS AS IDENTITY (START WITH 1001))');
  assert.equal(restoreIdentitySql(byDefault!), 'ALTER TABLE "HR"."DEPT" MODIFY ("ID" GENERATED BY DEFAULT ON NULL AS IDENTITY (START WITH LIMIT VALUE))');
  assert.equal(nextAfterTarget('1000', true, '1'), '1001');
  assert.equal(nextAfterTarget('1', false, '1'), '1');
  assert.equal(nextAfterTarget('99999999999999999999', true, '10'), '100000000000000000009');
});

test('sequences restart at the target\'s next value, never backwards: RESTART on 18c+, a one-off increment on 12c', () => {
  const seq = { schema: 'HR', name: 'ORDERS_SEQ', incrementBy: '1' };
  assert.equal(restoreSequenceSql(seq, '5001', 19), `DECLARE
  v NUMBER;
BEGIN
  SELECT "HR"."ORDERS_SEQ".NEXTVAL INTO v FROM DUAL;
  IF v < 5001 THEN
    EXECUTE IMMEDIATE 'ALTER SEQUENCE "HR"."ORDERS_SEQ" RESTART START WITH 5001';
  END IF;
END;
/`);
  assert.equal(restoreSequenceSql({ ...seq, incrementBy: '5' }, '5001', 12), `DECLARE
  v NUMBER;
  step NUMBER;
BEGIN
  SELECT "HR"."ORDERS_SEQ".NEXTVAL INTO v FROM DUAL;
  step := 5001 - 5 - v;
  IF step > 0 THEN
    EXECUTE IMMEDIATE 'ALTER SEQUENCE "HR"."ORDERS_SEQ" INCREMENT BY ' || step;
    SELECT "HR"."ORDERS_SEQ".NEXTVAL INTO v FROM DUAL;
    EXECUTE IMMEDIATE 'ALTER SEQUENCE "HR"."ORDERS_SEQ" INCREMENT BY 5';
  END IF;
END;
/`);
  assert.match(restoreSequenceSql({ ...seq, incrementBy: '-1' }, '5', 19), /^-- HR\.ORDERS_SEQ is descending/);
  assert.throws(() => restoreSequenceSql(seq, '1; DROP', 19), RangeError);
});

test('a database character set that stores fewer characters than the target: a text it cannot store fails the batch, naming the column, not the value (Oracle would replace it silently)', () => {
  const win = writerTable(TABLES['HR.EMP']!, lower, { characterSet: 'WE8MSWIN1252', repertoire: 'windows-1252' });
  const write = (after: Record<string, string | null>) => planBatch([ev('c', { id: '1' }, { id: '1', ...after })], () => APPLIED).statements.flatMap((p) => oracleWriteStatements(p, () => win, new Map()));
  assert.equal(write({ name: 'Zoë €', note: 'café' })[0]!.rows[0]!.c1, 'Zoë €');
  for (const [column, text] of [['name', 'Ā'], ['note', 'a 😀 b']] as const) {
    assert.throws(() => write({ [column]: text }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA'
      && e.message === `A change to hr.emp cannot be written to Oracle: column ${column.toUpperCase()} gets a character that the database character set WE8MSWIN1252 cannot store (Oracle would replace it without an error).`
      && /change HR\.EMP\.[A-Z]+ to NVARCHAR2 \(or NCLOB\), then rerun import data to source: it resumes with this change\./.test(e.hint ?? '') && !e.message.includes(text));
  }
  // Numbers and dates are not text: no check. Without a recorded character set (AL32UTF8), anything.
  assert.equal(write({ salary: '5' })[0]!.rows.length, 1);
  assert.equal(statements([ev('c', { id: '2' }, { id: '2', name: 'Ā 😀' })])[0]!.rows[0]!.c1, 'Ā 😀');
});

test('sequencing (no Oracle here, a scripted session): a data error names statement and events, rolls back, commits nothing; a missed row stops the batch the same way', async () => {
  const { OracleChangeTarget } = await import('../../../src/adapters/oracle/writer/oracle-change-target.js');
  const { mapOracleError } = await import('../../../src/adapters/oracle/oracle-errors.js');
  const calls: string[] = [];
  // What ThinSession does with an Oracle error (connection.ts): maps it by code, the original as cause.
  let failWith: unknown;
  let affected = (n: number) => n;
  let triggers: Record<string, unknown>[] = [];
  const looks: { sql: string; binds: Record<string, unknown> }[] = [];
  const session = {
    describe: 'db1:1521/ORCLPDB1',
    async query(sql: string, binds: Record<string, unknown> = {}) {
      if (sql.includes('ALL_TRIGGERS')) {
        calls.push('query triggers');
        looks.push({ sql, binds });
        return triggers;
      }
      calls.push(`query ${sql.split(/\s+/)[0]}`);
      return sql.startsWith('SELECT') ? [{ CHANNEL_NO: 0, LAST_APPLIED_VSN: 0, NUM_INSERTS: 0, NUM_UPDATES: 0, NUM_DELETES: 0 }] : [];
    },
    async executeMany(sql: string, rows: Record<string, unknown>[]) {
      calls.push(`executeMany ${sql.split(/\s+/)[0]}`);
      if (failWith && /^(INSERT|UPDATE|DELETE)/.test(sql)) throw failWith;
      return affected(rows.length);
    },
    async commit() { calls.push('commit'); },
    async rollback() { calls.push('rollback'); },
    async close() {},
  };
  const target = new OracleChangeTarget(async () => session as never, { tables: new Map([['hr.emp', { applied: APPLIED, writer: EMP }]]), where: 'db1:1521/ORCLPDB1' });
  await target.prepare('uuid-1', 1);
  vsn = 0;
  failWith = mapOracleError(Object.assign(new Error('ORA-12899: value too large for column "HR"."EMP"."NAME" (actual: 30, maximum: 25)'), { code: 'ORA-12899' }), session.describe);
  calls.length = 0;
  await assert.rejects(target.applyBatch(0, [ev('c', { id: '1' }, { id: '1', name: 'secret-name', hired: null, salary: null, note: null })]), (e: unknown) => {
    assert.ok(e instanceof TandemError && e.code === 'TANDEM_DATA', String(e));
    assert.equal(e.message, 'Applying changes on channel 0 failed: INSERT of hr.emp in events 1..1: A value written on the target is too large for its column on '
      + 'db1:1521/ORCLPDB1 (ORA-12899). Nothing of this batch was written; the changes wait in the export dir\'s queue.');
    assert.match(e.hint ?? '', /^Widen "HR"\."EMP"\."NAME" on the source/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /secret-name/);
    return true;
  });
  assert.deepEqual(calls, ['executeMany INSERT', 'rollback']);
  // An update that finds no row: stopped before the progress rows, rolled back.
  failWith = undefined;
  affected = () => 0;
  calls.length = 0;
  await assert.rejects(target.applyBatch(0, [ev('u', { id: '7' }, { name: 'x' })]), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA'
    && /^1 of the 1 rows? of hr\.emp to update \(events 2\.\.2\) are not on db1:1521\/ORCLPDB1/.test(e.message));
  assert.deepEqual(calls, ['executeMany UPDATE', 'rollback']);
  // Found: the statement, the progress rows, one commit.
  affected = (n) => n;
  calls.length = 0;
  await target.applyBatch(0, [ev('u', { id: '7' }, { name: 'x' })]);
  assert.equal(calls[0], 'executeMany UPDATE');
  assert.equal(calls.at(-1), 'commit');
  assert.equal(calls.filter((c) => c === 'commit').length, 1);
  assert.equal(calls[1], 'query triggers', 'the look for enabled triggers comes after the writes, before the progress rows');
  assert.ok(calls.slice(2, -1).every((c) => c.startsWith('executeMany MERGE') || c.startsWith('executeMany UPDATE')), calls.join(', '));
  assert.match(looks[0]!.sql, /FROM ALL_TRIGGERS WHERE STATUS = 'ENABLED' AND BASE_OBJECT_TYPE = 'TABLE' AND \(\(TABLE_OWNER = :o0 AND TABLE_NAME = :t0\)\)/);
  assert.deepEqual(looks[0]!.binds, { o0: 'HR', t0: 'EMP' });
  // A trigger enabled while Tandem writes: the batch is rolled back, nothing committed, the trigger named with its DISABLE.
  triggers = [{ OWNER: 'HR', TRIGGER_NAME: 'EMP_AUDIT', TABLE_OWNER: 'HR', TABLE_NAME: 'EMP' }];
  calls.length = 0;
  await assert.rejects(target.applyBatch(0, [ev('u', { id: '7' }, { name: 'y' })]), (e: unknown) => {
    assert.ok(e instanceof ActingWhileWriting && e.code === 'TANDEM_PREREQUISITE', String(e));
    assert.deepEqual(e.what, ['trigger HR.EMP_AUDIT on HR.EMP']);
    assert.match(e.message, /were enabled or created while Tandem was writing there.*HR\.EMP_AUDIT on HR\.EMP\. The transaction that met them was rolled back/);
    assert.match(e.hint ?? '', /ALTER TRIGGER "HR"\."EMP_AUDIT" DISABLE;/);
    return true;
  });
  assert.deepEqual(calls, ['executeMany UPDATE', 'query triggers', 'rollback']);
  await target.close();
});

test('a virtual column the target holds as an ordinary column (its expression did not convert): left out of inserts and updates, Oracle computes it', () => {
  const base = TABLES['HR.EMP']!;
  const withVirtual = writerTable({ ...base, columns: [...base.columns, { name: 'PAY_LABEL', nullable: true, type: { dataType: 'VARCHAR2', dataLength: 60, charLength: 60, charUsed: 'B' }, virtual: true }] }, lower);
  const applied: AppliedTable = { ...APPLIED, columns: [...APPLIED.columns, 'pay_label'] };
  const write = (events: ChangeEvent[]) => planBatch(events, () => applied).statements.flatMap((p) => oracleWriteStatements(p, () => withVirtual, new Map()));
  const [insert] = write([ev('c', { id: '1' }, { id: '1', name: 'Ada', pay_label: 'stale on the target', salary: '10' })]);
  assert.equal(insert!.sql, 'INSERT INTO "HR"."EMP" ("ID", "NAME", "SALARY") VALUES (TO_NUMBER(:c0), :c1, TO_NUMBER(:c3))');
  assert.deepEqual(insert!.rows, [{ c0: '1', c1: 'Ada', c3: '10' }]);
  const [update] = write([ev('u', { id: '1' }, { pay_label: 'x', salary: '12' })]);
  assert.equal(update!.sql, 'UPDATE "HR"."EMP" SET "SALARY" = TO_NUMBER(:c1) WHERE "ID" = TO_NUMBER(:k0)');
  assert.deepEqual(update!.rows, [{ k0: '1', c1: '12' }]);
  assert.equal(update!.expectedRows, 1);
  assert.deepEqual(write([ev('u', { id: '1' }, { pay_label: 'y' })]), [], 'an update of the virtual column alone writes nothing');
});

// Measured before (the oracle-review report, item 2): `UPDATE "HR"."CUST" SET "CITY" = :c0 WHERE "CODE" = :k0`
// with :k0 = 'Zoë       ' and :c0 = 'Köln      ' (10 characters, 11 bytes in AL32UTF8), both bound as
// VARCHAR2: ORA-12899 for CITY CHAR(10 BYTE), and the key compared nonpadded with CODE's 10 stored bytes
// found no row, which the writer reported as diverged databases.
test('CHAR/NCHAR columns: the blank padding PostgreSQL counts in characters is dropped before binding, and keys are bound as CHAR/NCHAR so the WHERE compares blank-padded', () => {
  const cust = writerTable({
    schema: 'HR', name: 'CUST', primaryKey: ['CODE'],
    columns: [
      { name: 'CODE', nullable: false, type: { dataType: 'CHAR', dataLength: 10, charLength: 10, charUsed: 'B' } },
      { name: 'CITY', nullable: true, type: { dataType: 'CHAR', dataLength: 10, charLength: 10, charUsed: 'B' } },
      { name: 'LABEL', nullable: true, type: { dataType: 'NCHAR', dataLength: 8, charLength: 4, charUsed: 'C' } },
      { name: 'NOTE', nullable: true, type: { dataType: 'VARCHAR2', dataLength: 20, charLength: 20, charUsed: 'B' } },
    ],
  }, lower);
  const applied: AppliedTable = { schema: 'hr', name: 'cust', primaryKey: ['code'], columns: ['code', 'city', 'label', 'note'] };
  const at = (op: ChangeEvent['op'], key: Record<string, string | null>, after?: Record<string, string | null>): ChangeEvent =>
    ({ vsn: ++vsn, op, schema: 'hr', table: 'cust', key, ...(after ? { after } : {}), position: 'T1', txId: 't' });
  const write = (events: ChangeEvent[]) => planBatch(events, () => applied).statements.flatMap((p) => oracleWriteStatements(p, () => cust, new Map()));
  // As PostgreSQL char(10) / char(4) print them: padded to 10 (4) characters.
  const upd = write([at('u', { code: 'Zoë       ' }, { city: 'Köln      ', label: 'ñ   ', note: 'kept  ' })]);
  assert.deepEqual(upd.map((s) => [s.sql, s.rows, s.bindTypes]), [[
    'UPDATE "HR"."CUST" SET "CITY" = :c0, "LABEL" = :c1, "NOTE" = :c2 WHERE "CODE" = :k0',
    [{ k0: 'Zoë', c0: 'Köln', c1: 'ñ', c2: 'kept  ' }],
    { k0: { type: 'char', maxSize: 4 }, c0: { type: 'char', maxSize: 5 }, c1: { type: 'nchar', maxSize: 2 }, c2: { type: 'varchar', maxSize: 6 } },
  ]]);
  const del = write([at('d', { code: 'AB        ' })]);
  assert.deepEqual(del.map((s) => [s.sql, s.rows, s.bindTypes]), [['DELETE FROM "HR"."CUST" WHERE "CODE" = :k0', [{ k0: 'AB' }], { k0: { type: 'char', maxSize: 2 } }]]);
  // An all-blank CHAR value stays a (blank) value: '' would be NULL in Oracle. Leading blanks are kept.
  const ins = write([at('c', { code: '          ' }, { code: '          ', city: '  x       ', label: null, note: null })]);
  assert.deepEqual(ins[0]!.rows, [{ c0: '  x', c1: ' ', c2: null, c3: null }]);
  assert.equal(ins[0]!.sql, 'INSERT INTO "HR"."CUST" ("CITY", "CODE", "LABEL", "NOTE") VALUES (:c0, :c1, :c2, :c3)');
});
