/**
 * PgChangeTarget with `foreignKeyActions` on PostgreSQL 15: the foreign-key actions of the written
 * database carried out for events of a stream that leaves their rows out (MySQL's binlog). What the
 * MariaDB end-to-end test does not reach: a composite key whose ON UPDATE CASCADE goes on into a
 * second composite key, SET DEFAULT, a key whose child is not migrated (left alone), which events
 * are flagged for the dispatcher, the rows the actions delete recorded for the report, a rerun of
 * an applied batch changing nothing, a chain deeper than InnoDB allows stopping with an error
 * before anything is committed, and the source's recorded keys carried out without any on the target.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { PgChangeTarget } from '../../../src/adapters/postgres/change-applier.js';
import type { AppliedTable } from '../../../src/core/apply/batch-plan.js';
import { TandemError } from '../../../src/core/errors.js';

const MIGRATION = '5d0b1f8e-7a61-4c1e-9f3a-2b8c7d6e5f40';
let server: PgServer;

before(async () => {
  server = await startPg15();
});
after(async () => {
  await server?.stop();
});

const DDL = `
  CREATE TABLE orders (id int PRIMARY KEY, ref text NOT NULL UNIQUE);
  CREATE TABLE lines (order_ref text, no int, qty int, PRIMARY KEY (order_ref, no),
    CONSTRAINT lines_order FOREIGN KEY (order_ref) REFERENCES orders (ref) ON UPDATE CASCADE ON DELETE CASCADE);
  CREATE TABLE notes (id int PRIMARY KEY, order_ref text, no int, body text,
    CONSTRAINT notes_line FOREIGN KEY (order_ref, no) REFERENCES lines (order_ref, no) ON UPDATE CASCADE ON DELETE SET DEFAULT);
  ALTER TABLE notes ALTER COLUMN order_ref SET DEFAULT 'none', ALTER COLUMN no SET DEFAULT 0;
  INSERT INTO orders VALUES (1, 'A-1'), (2, 'A-2'), (0, 'none');
  INSERT INTO lines VALUES ('A-1', 1, 5), ('A-1', 2, 7), ('A-2', 1, 1), ('none', 0, 0);
  INSERT INTO notes VALUES (1, 'A-1', 1, 'x'), (2, 'A-1', 2, 'y'), (3, 'A-2', 1, 'z'), (4, NULL, 1, 'no key');
  CREATE TABLE unmigrated (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE);
  INSERT INTO unmigrated VALUES (1, 1);`;

const TABLES: AppliedTable[] = [
  { schema: 'public', name: 'orders', primaryKey: ['id'], columns: ['id', 'ref'] },
  { schema: 'public', name: 'lines', primaryKey: ['order_ref', 'no'], columns: ['order_ref', 'no', 'qty'] },
  { schema: 'public', name: 'notes', primaryKey: ['id'], columns: ['id', 'order_ref', 'no', 'body'] },
];

let vsn = 0;
const ev = (op: 'u' | 'd' | 'c', table: string, key: Record<string, string>, after?: Record<string, string | null>): ChangeEvent =>
  ({ vsn: ++vsn, op, schema: 'public', table, key, after, position: String(vsn).padStart(10, '0'), txId: String(vsn) });

const rows = async (db: string, sql: string) => (await server.sql(db, sql)).map((r) => Object.values(r).map((v) => (v === null ? '~' : String(v))).join('|'));

test('composite ON UPDATE CASCADE chains, SET DEFAULT, flags for the dispatcher, the report\'s record, and a rerun', { timeout: 60_000 }, async () => {
  await server.createDatabase('fka');
  await server.sql('fka', DDL);
  const target = new PgChangeTarget(targetDbConfig(server, 'fka'), { tables: TABLES, foreignKeyActions: true });
  try {
    await target.prepare(MIGRATION, 1);
    const rename = ev('u', 'orders', { id: '1' }, { id: '1', ref: 'B-1' });
    const sameRef = ev('u', 'orders', { id: '2' }, { id: '2', ref: 'A-2' });
    const deleteLine = ev('d', 'lines', { order_ref: 'A-2', no: '1' });
    const insert = ev('c', 'orders', { id: '3' }, { id: '3', ref: 'A-3' });
    const noteUpdate = ev('u', 'notes', { id: '1' }, { body: 'x2' });
    // Flagged: an update carrying a referenced column (its old value is unknown) and a delete of a
    // referenced row; never an insert, nor a table no key references.
    assert.deepEqual([rename, sameRef, deleteLine, insert, noteUpdate].map((e) => target.changesOtherRows(e)), [true, true, true, false, false]);
    await target.applyBatch(0, [rename, sameRef, deleteLine, insert, noteUpdate]);
    assert.deepEqual(await rows('fka', 'SELECT * FROM lines ORDER BY 1, 2'), ['B-1|1|5', 'B-1|2|7', 'none|0|0'],
      'the lines follow the order\'s new ref; the deleted line is gone');
    assert.deepEqual(await rows('fka', 'SELECT * FROM notes ORDER BY 1'),
      ['1|B-1|1|x2', '2|B-1|2|y', '3|none|0|z', '4|~|1|no key'], 'notes follow two levels down; the deleted line\'s note takes the defaults; a NULL key references nothing');
    // The delete of the line removed no row: nothing recorded. Now an order delete cascades.
    const drop = ev('d', 'orders', { id: '1' });
    await target.applyBatch(0, [drop]);
    assert.deepEqual(await rows('fka', 'SELECT * FROM lines ORDER BY 1, 2'), ['none|0|0']);
    assert.deepEqual(await rows('fka', 'SELECT * FROM notes ORDER BY 1'), ['1|none|0|x2', '2|none|0|y', '3|none|0|z', '4|~|1|no key']);
    assert.deepEqual(await rows('fka', 'SELECT * FROM unmigrated'), ['1|1'], 'a table that is not migrated is left alone');
    assert.deepEqual(await rows('fka', `SELECT table_name, vsn, rows_removed FROM ybvoyager_metadata.tandem_truncated_rows ORDER BY 1`), [`public.lines|${drop.vsn}|2`],
      'the rows the actions deleted are recorded for the report');
    // A rerun of applied events changes nothing (exactly once, also for the actions).
    await target.applyBatch(0, [rename, sameRef, deleteLine, insert, noteUpdate, drop]);
    assert.deepEqual(await rows('fka', 'SELECT * FROM notes ORDER BY 1'), ['1|none|0|x2', '2|none|0|y', '3|none|0|z', '4|~|1|no key']);
  } finally {
    await target.close();
  }
});

test('a chain of actions deeper than 64 levels stops with an error and commits nothing; 20 levels are carried out', { timeout: 60_000 }, async () => {
  await server.createDatabase('deep');
  await server.sql('deep', `CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node ON DELETE CASCADE);
    INSERT INTO node SELECT g, NULLIF(g - 1, 0) FROM generate_series(1, 25) g;`);
  const target = new PgChangeTarget(targetDbConfig(server, 'deep'), { tables: [{ schema: 'public', name: 'node', primaryKey: ['id'], columns: ['id', 'up'] }], foreignKeyActions: true });
  try {
    await target.prepare(MIGRATION, 1);
    // 25 is 20 levels below 5.
    await target.applyBatch(0, [ev('d', 'node', { id: '5' })]);
    assert.equal((await server.sql('deep', 'SELECT count(*)::int AS n FROM node'))[0].n, 4);
    await server.sql('deep', 'INSERT INTO node SELECT g, g - 1 FROM generate_series(5, 80) g');
    await assert.rejects(target.applyBatch(0, [ev('d', 'node', { id: '4' })]), (e: unknown) => e instanceof TandemError && /deeper than 64 levels at public\.node/.test(e.message));
    assert.equal((await server.sql('deep', 'SELECT count(*)::int AS n FROM node'))[0].n, 80, 'nothing of the failed batch is kept');
  } finally {
    await target.close();
  }
});

test('the source\'s recorded keys are carried out when the target has none of them', { timeout: 60_000 }, async () => {
  await server.createDatabase('recorded');
  await server.sql('recorded', `CREATE TABLE account (id int PRIMARY KEY, code text NOT NULL UNIQUE);
    CREATE TABLE login (id int PRIMARY KEY, account_id int, account_code text);
    INSERT INTO account VALUES (1, 'a'), (2, 'b');
    INSERT INTO login VALUES (10, 1, 'a'), (11, 1, 'a'), (20, 2, 'b');`);
  const tables: AppliedTable[] = [
    { schema: 'public', name: 'account', primaryKey: ['id'], columns: ['id', 'code'] },
    { schema: 'public', name: 'login', primaryKey: ['id'], columns: ['id', 'account_id', 'account_code'] },
  ];
  const referentialActions = [
    { schema: 'public', table: 'login', name: 'login_account', columns: ['account_id'], refSchema: 'public', refTable: 'account', refColumns: ['id'], onDelete: 'cascade' as const },
    { schema: 'public', table: 'login', name: 'login_code', columns: ['account_code'], refSchema: 'public', refTable: 'account', refColumns: ['code'], onUpdate: 'cascade' as const },
    // A key of a table that is not migrated is left alone.
    { schema: 'public', table: 'elsewhere', name: 'x', columns: ['a'], refSchema: 'public', refTable: 'account', refColumns: ['id'], onDelete: 'cascade' as const },
  ];
  const target = new PgChangeTarget(targetDbConfig(server, 'recorded'), { tables, foreignKeyActions: true, referentialActions });
  try {
    await target.prepare(MIGRATION, 1);
    await target.applyBatch(0, [ev('u', 'account', { id: '2' }, { id: '2', code: 'B' }), ev('d', 'account', { id: '1' })]);
    assert.deepEqual(await rows('recorded', 'SELECT * FROM login ORDER BY 1'), ['20|2|B']);
  } finally {
    await target.close();
  }
});

// The fix-verify-48 run: an ENABLE ALWAYS trigger on a table only a cascade Tandem carried out wrote
// fired for every row it deleted; the look before COMMIT covered only the tables events named.
test('a trigger set to fire in replica sessions on a table only the actions reach, enabled while the writer runs: the batch is rolled back and the import stops naming it; disabled, the same batch applies and it never fired', { timeout: 60_000 }, async () => {
  await server.createDatabase('cascade_firing');
  await server.sql('cascade_firing', `${DDL}
    CREATE TABLE audit (n serial PRIMARY KEY, what text);
    CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (what) VALUES (TG_OP || ' ' || TG_TABLE_NAME); RETURN OLD; END $$;
    CREATE TRIGGER lines_gone AFTER DELETE ON lines FOR EACH ROW EXECUTE FUNCTION note();`);
  const target = new PgChangeTarget(targetDbConfig(server, 'cascade_firing'), { tables: TABLES, foreignKeyActions: true });
  try {
    await target.prepare(MIGRATION, 1);
    await server.sql('cascade_firing', 'ALTER TABLE lines ENABLE ALWAYS TRIGGER lines_gone');
    const drop = ev('d', 'orders', { id: '1' });
    await assert.rejects(target.applyBatch(0, [drop]), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE'
      && /lines_gone on public\.lines \(ALWAYS\)\. They were enabled while Tandem was writing/.test(e.message));
    assert.deepEqual(await rows('cascade_firing', 'SELECT count(*) FROM audit'), ['0']);
    assert.deepEqual(await rows('cascade_firing', "SELECT count(*) FROM lines WHERE order_ref = 'A-1'"), ['2'], 'the cascade was rolled back with the batch');
    await server.sql('cascade_firing', 'ALTER TABLE lines DISABLE TRIGGER lines_gone');
    await target.applyBatch(0, [drop]);
  } finally {
    await target.close();
  }
  assert.deepEqual(await rows('cascade_firing', "SELECT (SELECT count(*) FROM audit) AS a, (SELECT count(*) FROM lines WHERE order_ref = 'A-1') AS l, (SELECT count(*) FROM orders WHERE id = 1) AS o"), ['0|0|0']);
});
