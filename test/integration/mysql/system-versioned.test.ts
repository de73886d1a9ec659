/**
 * MariaDB 10.11 system-versioned tables in a live migration. The server logs a table's history as
 * rows of the table itself (an UPDATE is an update of the current row plus a write of the old
 * version, a DELETE an update that sets the row end, DELETE HISTORY a delete of history rows), and
 * every row image carries the period columns, which the target does not have. Here: what the
 * catalog keeps of an implicit (hidden row_start/row_end, last) and an explicit (listed period
 * columns, here between user columns, in every key) versioned table; the exact change events of
 * inserts, updates, deletes, multi-row changes, a key move, REPLACE and DELETE HISTORY; the same
 * workload through the CLI (export schema, import schema, export and import data) leaving the
 * target equal to the source's current rows, as `tandem compare` says; and the fall-back writer
 * into a versioned table (the server keeps the history itself).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, targetFlags } from '../../helpers/cli.js';
import { eventually, killAll, startLiveMigration, tail } from '../../helpers/live-process.js';
import { connectMySql } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { captureTablesFromCatalog, catalogConverters } from '../../../src/adapters/mysql/capture/capture-catalog.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { captureUntil, eventCount, positionNow, sourceConfig } from './binlog-helpers.js';

let my: MariaDbServer;
let pgs: PgServer;

/** An implicitly versioned table, and one with explicit period columns between its own (and a unique key). */
const DDL = `
CREATE TABLE imp (id int PRIMARY KEY, v varchar(10)) WITH SYSTEM VERSIONING;
CREATE TABLE exp (id int PRIMARY KEY, v varchar(10),
  row_start TIMESTAMP(6) GENERATED ALWAYS AS ROW START, row_end TIMESTAMP(6) GENERATED ALWAYS AS ROW END,
  u int UNIQUE, PERIOD FOR SYSTEM_TIME (row_start, row_end)) WITH SYSTEM VERSIONING;`;

/** Every kind of change; the second UPDATE changes two rows, a key moves, REPLACE closes a row and inserts one. */
const WORKLOAD = (t: string, cols: string) => `
INSERT INTO ${t} (${cols}) VALUES (3, 'c'), (4, 'd');
UPDATE ${t} SET v = 'x3' WHERE id = 1;
UPDATE ${t} SET v = CONCAT(v, '!') WHERE id IN (2, 3);
DELETE FROM ${t} WHERE id = 4;
UPDATE ${t} SET id = 10 WHERE id = 3;
REPLACE INTO ${t} (${cols}) VALUES (2, 'rep');
BEGIN; INSERT INTO ${t} (${cols}) VALUES (5, 'e'); UPDATE ${t} SET v = 'e2' WHERE id = 5; DELETE FROM ${t} WHERE id = 5; COMMIT;
DELETE HISTORY FROM ${t};
INSERT INTO ${t} (${cols}) VALUES (4, 'again');`;

/** The source's current rows after the workload, as `id:v`. */
const CURRENT_ROWS = ['1:x3', '2:rep', '4:again', '10:c!'];

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

async function catalogOf(database: string): Promise<MySqlCatalog> {
  const s = await connectMySql(sourceConfig(my, database));
  try {
    return await readMySqlCatalog(s.connection, s.server, database);
  } finally {
    await s.connection.end();
  }
}

test('the catalog keeps the user columns and keys, and the period columns apart: listed ones where they are, the hidden ones last', async () => {
  await my.createDatabase('cat');
  await my.sql('cat', DDL);
  const catalog = await catalogOf('cat');
  const imp = catalog.tables.find((t) => t.name === 'imp')!;
  const exp = catalog.tables.find((t) => t.name === 'exp')!;
  assert.deepEqual(imp.columns.map((c) => c.name), ['id', 'v']);
  assert.deepEqual(exp.columns.map((c) => c.name), ['id', 'v', 'u']);
  const period = (t: typeof imp) => [t.systemPeriod?.implicit, t.systemPeriod?.rowStart.name, t.systemPeriod?.rowStart.ordinal, t.systemPeriod?.rowEnd.name, t.systemPeriod?.rowEnd.ordinal];
  assert.deepEqual(period(imp), [true, 'row_start', 3, 'row_end', 4]);
  assert.deepEqual(period(exp), [false, 'row_start', 3, 'row_end', 4]);
  // MariaDB adds row_end to every key of a versioned table; the target's keys are the user's.
  assert.deepEqual(exp.primaryKey, ['id']);
  assert.deepEqual(exp.indexes.map((i) => [i.name, i.parts.map((p) => p.column)]), [['u', ['u']]]);
  assert.deepEqual(captureTablesFromCatalog(catalog).map((t) => [t.table, t.columns.map((c) => c.name), t.omitColumns, t.rowEndColumn]), [
    ['exp', ['id', 'v', 'row_start', 'row_end', 'u'], ['row_start', 'row_end'], 'row_end'],
    ['imp', ['id', 'v', 'row_start', 'row_end'], ['row_start', 'row_end'], 'row_end'],
  ]);
});

test('capture: only the current rows\' changes, without the period columns; a closed row is a delete, history rows are skipped', async () => {
  await my.createDatabase('cap');
  await my.sql('cap', `${DDL}
    INSERT INTO imp VALUES (1, 'a'), (2, 'b'); INSERT INTO exp (id, v) VALUES (1, 'a'), (2, 'b');`);
  const catalog = await catalogOf('cap');
  const from = await positionNow(my, 'cap');
  await my.sql('cap', WORKLOAD('imp', 'id, v'));
  await my.sql('cap', WORKLOAD('exp', 'id, v'));
  await my.sql('cap', 'INSERT INTO imp VALUES (99, \'end\')');
  const options = { source: sourceConfig(my, 'cap'), serverId: 2_000_000_310, tables: captureTablesFromCatalog(catalog), converters: catalogConverters(catalog) };
  const txs = await captureUntil(options, from, (all) => all.some((t) => t.events.some((e) => e.key.id === '99')));
  const lines = txs.flatMap((t) => t.events).map((e) => `${e.table} ${e.op} ${JSON.stringify(e.key)}${e.after ? ` ${JSON.stringify(e.after)}` : ''}`);
  const expected = (t: string, u: string) => [
    `${t} c {"id":"3"} {"id":"3","v":"c"${u}}`,
    `${t} c {"id":"4"} {"id":"4","v":"d"${u}}`,
    `${t} u {"id":"1"} {"id":"1","v":"x3"${u}}`,
    `${t} u {"id":"2"} {"id":"2","v":"b!"${u}}`,
    `${t} u {"id":"3"} {"id":"3","v":"c!"${u}}`,
    `${t} d {"id":"4"}`,
    `${t} u {"id":"3"} {"id":"10","v":"c!"${u}}`,
    `${t} d {"id":"2"}`,
    `${t} c {"id":"2"} {"id":"2","v":"rep"${u}}`,
    `${t} c {"id":"5"} {"id":"5","v":"e"${u}}`,
    `${t} u {"id":"5"} {"id":"5","v":"e2"${u}}`,
    `${t} d {"id":"5"}`,
    `${t} c {"id":"4"} {"id":"4","v":"again"${u}}`,
  ];
  assert.deepEqual(lines, [...expected('imp', ''), ...expected('exp', ',"u":null'), 'imp c {"id":"99"} {"id":"99","v":"end"}']);
  assert.equal(eventCount(txs), 27);
});

test('through the CLI: the snapshot and the changes of both tables reach the target, which equals the source\'s current rows; compare matches', async () => {
  await my.createDatabase('shop');
  await my.sql('shop', `${DDL}
    INSERT INTO imp VALUES (1, 'a'), (2, 'b'); INSERT INTO exp (id, v) VALUES (1, 'a'), (2, 'b');
    UPDATE imp SET v = 'a0' WHERE id = 1; UPDATE imp SET v = 'a' WHERE id = 1;`); // history before the snapshot
  await pgs.createDatabase('yb');
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const TF = targetFlags(pgs, 'yb');
  const { dir, ex, im } = await startLiveMigration(SF, TF, env);
  const columns = await pgs.sql('yb', "SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position");
  assert.deepEqual(columns.map((r) => r.c), ['exp.id', 'exp.v', 'exp.u', 'imp.id', 'imp.v']);
  await my.sql('shop', WORKLOAD('imp', 'id, v'));
  await my.sql('shop', WORKLOAD('exp', 'id, v'));
  await eventually(async () => {
    const rows = async (t: string) => (await pgs.sql('yb', `SELECT id || ':' || v AS r FROM public.${t} ORDER BY id`)).map((r) => r.r).join(',');
    const got = `imp ${await rows('imp')} exp ${await rows('exp')}`;
    return got === `imp ${CURRENT_ROWS.join(',')} exp ${CURRENT_ROWS.join(',')}` ? true : `${got}\n${tail(ex.output(), 1500)}`;
  }, 60_000);
  const source = async (t: string) => (await my.sql('shop', `SELECT CONCAT(id, ':', v) AS r FROM ${t} ORDER BY id`)).map((r) => r.r);
  assert.deepEqual([await source('imp'), await source('exp')], [CURRENT_ROWS, CURRENT_ROWS]);
  const compared = await runTandem(['compare', '--output-format', 'json', '--export-dir', dir], env);
  assert.equal(compared.code, 0, compared.stdout + compared.stderr);
  const cmp = JSON.parse(compared.stdout) as { result: string; tables: { table_name: string; result: string; source_rows: number }[] };
  assert.deepEqual(cmp.tables.map((t) => `${t.table_name} ${t.result} ${t.source_rows}`).sort(), ['public.exp MATCH 4', 'public.imp MATCH 4']);
  assert.ok(!ex.exited() && !im.exited(), 'both commands still run');
});

test('fall-back writer: inserts, updates, deletes and a truncate into versioned tables change the current rows; the server keeps their history', async () => {
  await my.createDatabase('back');
  await my.sql('back', DDL);
  const catalog = await catalogOf('back');
  const info = (name: string) => {
    const t = catalog.tables.find((x) => x.name === name)!;
    return { schema: 'public', name, columns: t.columns.map((c) => c.name), primaryKey: t.primaryKey, estimatedRows: 0, estimatedBytes: 0 };
  };
  let vsn = 0;
  const ev = (op: ChangeEvent['op'], table: string, key: Record<string, string>, after?: Record<string, string | null>): ChangeEvent =>
    ({ vsn: ++vsn, op, schema: 'public', table, key, ...(after ? { after } : {}), position: '', txId: `tx${vsn}` });
  const w = new MySqlChangeTarget({ ...sourceConfig(my, 'back') }, { tables: [info('imp'), info('exp')], onWarning: () => {} });
  try {
    await w.prepare('5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', 1);
    for (const t of ['imp', 'exp']) {
      await w.applyBatch(0, [ev('c', t, { id: '1' }, { id: '1', v: 'a' }), ev('c', t, { id: '2' }, { id: '2', v: 'b' }), ev('c', t, { id: '3' }, { id: '3', v: 'c' })]);
      await w.applyBatch(0, [ev('u', t, { id: '1' }, { v: 'a2' }), ev('u', t, { id: '2' }, { id: '20' }), ev('d', t, { id: '3' })]);
      await w.applyBatch(0, [ev('u', t, { id: '1' }, { v: 'a3' })]);
    }
    await w.applyBatch(0, [ev('t', 'imp', {}), ev('c', 'imp', { id: '7' }, { id: '7', v: 'g' })]);
  } finally {
    await w.close();
  }
  const rows = async (sql: string) => (await my.sql('back', sql)).map((r) => Object.values(r).join(':'));
  assert.deepEqual(await rows('SELECT id, v FROM imp ORDER BY id'), ['7:g']);
  assert.deepEqual(await rows('SELECT id, v FROM exp ORDER BY id'), ['1:a3', '20:b']);
  // History: imp's 1 had three versions, 2 and 3 one each, all closed by the truncate (a DELETE); exp's 1 keeps two old versions, 2 and 3 one.
  assert.deepEqual(await rows('SELECT id, v FROM imp FOR SYSTEM_TIME ALL WHERE row_end < NOW(6) ORDER BY id, row_start'), ['1:a', '1:a2', '1:a3', '2:b', '3:c', '20:b']);
  assert.deepEqual(await rows('SELECT id, v FROM exp FOR SYSTEM_TIME ALL WHERE row_end < NOW(6) ORDER BY id, row_start'), ['1:a', '1:a2', '2:b', '3:c']);
});

test('a table versioned by transaction id (logged as statements): a live export is refused up front naming it, an offline one is not', async () => {
  await my.createDatabase('trx');
  await my.sql('trx', `CREATE TABLE by_trx (id int PRIMARY KEY, v int,
      s BIGINT UNSIGNED GENERATED ALWAYS AS ROW START, e BIGINT UNSIGNED GENERATED ALWAYS AS ROW END,
      PERIOD FOR SYSTEM_TIME (s, e)) ENGINE=InnoDB WITH SYSTEM VERSIONING;
    CREATE TABLE by_time (id int PRIMARY KEY, v int) WITH SYSTEM VERSIONING;`);
  const engine = await loadEngine('mysql');
  const catalog = await engine.openCatalog({ role: 'source', type: 'mysql', host: my.host, port: my.port, user: my.user, password: my.password, database: 'trx', schemas: ['public'], sslMode: 'disable' });
  try {
    const tables = await catalog.listTables(['public']);
    const errors = async (live: boolean) => (await catalog.checkPrerequisites({ live, tables })).filter((f) => f.severity === 'error');
    const live = await errors(true);
    assert.deepEqual(live.map((f) => [f.code, f.message]), [['TANDEM_UNSUPPORTED',
      'Tables of trx versioned by transaction id (WITH SYSTEM VERSIONING on BIGINT UNSIGNED period columns) have every change logged as a statement, even with binlog_format=ROW, so their changes cannot be streamed: by_trx.']]);
    assert.match(live[0]!.fix, /--exclude-table-list by_trx/);
    assert.deepEqual(await errors(false), []);
  } finally {
    await catalog.close();
  }
});
