/**
 * The fall-back writer into a real MariaDB 10.11, fed by change events built from PostgreSQL 15
 * rows as the PostgreSQL change capture produces them (each value's text output, read in a
 * non-UTC session): the every-type round trip MariaDB → snapshot → PostgreSQL → events → MariaDB;
 * updates carrying some columns, deletes, a primary-key move, truncate; exactly once (re-sent
 * batches, a restarted writer, a killed connection); foreign keys off in its own sessions only;
 * a unique value swapped across channels (unique violation, then one-by-one replay; and through
 * the dispatcher); triggers; AUTO_INCREMENT counters (lock waits: lock-wait.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Connection } from 'mysql2/promise';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog, mysqlIdent } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';
import { convertMySqlSchema, generatedOnTarget } from '../../../src/adapters/mysql/schema/convert-schema.js';
import { mysqlSelectExpression } from '../../../src/adapters/mysql/schema/type-map.js';
import { MySqlSnapshotSource } from '../../../src/adapters/mysql/snapshot/mysql-snapshot-source.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import { checkTriggersRestored, globalForeignKeyChecksOn, readTriggers } from '../../../src/adapters/mysql/writer/triggers.js';
import { MySqlAutoIncrementSync, pgIdentitySequenceName } from '../../../src/adapters/mysql/writer/auto-increment-sync.js';
import { MySqlMigrationMetadata } from '../../../src/adapters/mysql/writer/mysql-migration-metadata.js';
import { ChangeDispatcher } from '../../../src/workflow/cdc/change-dispatcher.js';
import { channelOf } from '../../../src/workflow/cdc/channel-hash.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { TandemError } from '../../../src/core/errors.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from './every-type-fixture.js';
import { exportChunks, loadParts } from './snapshot-kit.js';

const UUID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
let maria: MariaDbServer;
let pgServer: PgServer;
let target: pg.Client;
let catalog: MySqlCatalog;
let dir: string;
let vsn = 0;

const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;
const config = (database: string): MySqlDbConfig => ({
  role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database, schemas: [], sslMode: 'disable',
});

const EXTRA_DDL = `
CREATE TABLE accounts (id int NOT NULL PRIMARY KEY, email varchar(40) NOT NULL UNIQUE, code int NOT NULL UNIQUE, balance decimal(12,2) NOT NULL DEFAULT 0);
CREATE TABLE pairs (a int NOT NULL, b varchar(10) NOT NULL, v int, PRIMARY KEY (a, b));
CREATE TABLE kept_pairs (a int NOT NULL, b varchar(10) NOT NULL, v int, PRIMARY KEY (a, b));
CREATE TABLE parent (id int NOT NULL PRIMARY KEY);
CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int, CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE);
CREATE TABLE counter_t (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, x int);
CREATE TABLE bit_keys (k bit(64) NOT NULL PRIMARY KEY, v int);
CREATE TABLE bit_pairs (k bit(3) NOT NULL, j int NOT NULL, v int, PRIMARY KEY (k, j));
CREATE TABLE dated (id int NOT NULL PRIMARY KEY, d date, dt datetime(3), ts timestamp(3) NULL DEFAULT NULL, note varchar(10));
CREATE TABLE enums (id int NOT NULL PRIMARY KEY, e enum('a','b'), note varchar(10));
CREATE TABLE charsets (id int NOT NULL PRIMARY KEY, s varchar(10) CHARACTER SET sjis, a varchar(10) CHARACTER SET ascii, l varchar(10) CHARACTER SET latin1, note varchar(10), c char(5) CHARACTER SET sjis);
`;

function info(name: string): TableInfo {
  const t = catalog.tables.find((x) => x.name === name)!;
  const skip = generatedOnTarget(catalog, t);
  return { schema: 'public', name, columns: t.columns.filter((c) => !skip.includes(c.name)).map((c) => c.name), primaryKey: t.primaryKey, estimatedRows: 0, estimatedBytes: 0 };
}

function writer(tables: string[]): MySqlChangeTarget {
  return new MySqlChangeTarget(config('shop_back'), { tables: tables.map(info), onWarning: () => {} });
}

const ev = (op: ChangeEvent['op'], table: string, key: Record<string, string | null>, after?: Record<string, string | null>): ChangeEvent =>
  ({ vsn: ++vsn, op, schema: 'public', table, key, ...(after ? { after } : {}), position: '', txId: `tx${vsn}` });

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
  await maria.createDatabase('shop');
  await maria.createDatabase('shop_back');
  await maria.sql('shop', EVERY_TYPE_DDL + EVERY_TYPE_ROWS + EXTRA_DDL);
  for (const t of ['every_type', 'accounts', 'pairs', 'kept_pairs', 'parent', 'child', 'counter_t', 'bit_keys', 'bit_pairs', 'dated', 'charsets', 'enums']) {
    const [create] = await maria.sql('shop', `SHOW CREATE TABLE ${t}`);
    await maria.sql('shop_back', create['Create Table']);
  }
  const s = await connectMySql(config('shop'));
  try {
    catalog = await readMySqlCatalog(s.connection, s.server, 'shop');
  } finally {
    await s.connection.end();
  }
  await pgServer.createDatabase('target');
  target = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', types: textTypes });
  await target.connect();
  for (const o of convertMySqlSchema(catalog).objects) await target.query(o.sql);
  dir = mkdtempSync(join(tmpdir(), 'tandem-mysql-writer-'));
});

after(async () => {
  await target?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all([maria?.stop(), pgServer?.stop()]);
});

function tableOf(name: string): MySqlTable {
  return catalog.tables.find((x) => x.name === name)!;
}

/** Every column (generated ones too) of a MariaDB table, exactly as mysql2 returns it, by key order. */
async function readRows(database: string, name: string, where = ''): Promise<(string | Buffer | null)[][]> {
  const t = tableOf(name);
  // A Tandem connection: every value as its exact text or bytes, TIMESTAMP in UTC.
  const { connection } = await connectMySql(config(database));
  try {
    const [rows] = await connection.query({
      sql: `SELECT ${t.columns.map((x) => mysqlSelectExpression(x, mysqlIdent(x.name))).join(', ')} FROM ${mysqlIdent(name)} ${where} ORDER BY 1`,
      rowsAsArray: true,
    });
    return rows as (string | Buffer | null)[][];
  } finally {
    await connection.end();
  }
}

/** Change events as the PostgreSQL capture produces them: each value's text output (here in a +05:30 session). */
async function pgEvents(op: 'c' | 'u', name: string, columns: readonly string[], where = ''): Promise<ChangeEvent[]> {
  await target.query("SET TimeZone = 'Asia/Kolkata'");
  const r = await target.query({ text: `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM public.${name} ${where} ORDER BY 1`, rowMode: 'array' });
  return (r.rows as (string | null)[][]).map((row) => ev(op, name, { id: row[0]! }, Object.fromEntries(columns.map((c, i) => [c, row[i]!]))));
}

async function metadata(table: string): Promise<any[]> {
  return maria.sql('ybvoyager_metadata', `SELECT * FROM ${table} WHERE migration_uuid = '${UUID}' ORDER BY 2, 3`);
}

test('every type: MariaDB → snapshot → PostgreSQL → change events → writer → MariaDB equals the original; updates set only the columns they carry', async () => {
  // The snapshot into PostgreSQL (row 2's ENUM index-0 '' cannot be written back in a strict session: docs/mysql.md).
  const ti = info('every_type');
  const source = new MySqlSnapshotSource(config('shop'));
  const session = await source.open([ti], 1);
  try {
    await loadParts(target, await exportChunks(session.readers, await source.planChunks([ti], 1), mkdtempSync(join(dir, 'every-'))), 'public');
  } finally {
    await session.close();
  }
  await target.query('DELETE FROM public.every_type WHERE id = 2');
  const pgGenerated = (await target.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'every_type' AND is_generated = 'ALWAYS'")).rows.map((r) => r.column_name);
  assert.deepEqual(pgGenerated.sort(), ['gen_label', 'gen_total']);
  const columns = ti.columns;
  const inserts = await pgEvents('c', 'every_type', columns);
  assert.equal(inserts.length, 5);

  const w = writer(['every_type']);
  try {
    assert.deepEqual(await w.prepare(UUID, 2), [
      { channelNo: 0, lastAppliedVsn: 0, inserts: 0, updates: 0, deletes: 0 },
      { channelNo: 1, lastAppliedVsn: 0, inserts: 0, updates: 0, deletes: 0 },
    ]);
    await w.applyBatch(0, inserts);
    assert.deepEqual(await readRows('shop_back', 'every_type'), await readRows('shop', 'every_type', 'WHERE id <> 2'));

    // An update that carries some columns only: values from PostgreSQL in another time zone, an interval of days.
    await target.query(`UPDATE public.every_type SET ts3 = '2030-01-01 10:00:00.123+05:30', tm6 = '-1 days +02:00:00.5', j = '{"k": [1, 2]}',
      biu = 18446744073709551615, b10 = B'0000000001', vb = '\\x00ff', tx = E'a\\\\b\\tc', dec65 = -0.5, dtm6 = '2024-02-29 12:34:56.000007' WHERE id = 5`);
    const changed = ['id', 'ts3', 'tm6', 'j', 'biu', 'b10', 'vb', 'tx', 'dec65', 'dtm6'];
    const updates = await pgEvents('u', 'every_type', changed, 'WHERE id = 5');
    assert.deepEqual(updates[0]!.after, {
      id: '5', ts3: '2030-01-01 10:00:00.123+05:30', tm6: '-1 days +02:00:00.5', j: '{"k": [1, 2]}', biu: '18446744073709551615', b10: '0000000001',
      vb: '\\x00ff', tx: 'a\\b\tc', dec65: '-0.500000000000000000000000000000', dtm6: '2024-02-29 12:34:56.000007',
    });
    await w.applyBatch(1, updates);
    const t = tableOf('every_type');
    const idx = (c: string) => t.columns.findIndex((x) => x.name === c);
    const [back5] = await readRows('shop_back', 'every_type', 'WHERE id = 5');
    const [orig5] = await readRows('shop', 'every_type', 'WHERE id = 5');
    assert.deepEqual(changed.slice(1).map((c) => back5![idx(c)]), [
      '2030-01-01 04:30:00.123', '-21:59:59.500000', '{"k": [1, 2]}', '18446744073709551615', Buffer.from([0x00, 0x01]),
      Buffer.from([0x00, 0xff]), 'a\\b\tc', '-0.500000000000000000000000000000', '2024-02-29 12:34:56.000007',
    ]);
    for (const c of t.columns.map((x) => x.name).filter((c) => !changed.includes(c) && c !== 'gen_label')) {
      assert.deepEqual(back5![idx(c)], orig5![idx(c)], `column ${c} unchanged`);
    }
    assert.equal(back5![idx('gen_label')], `${back5![idx('vc')]}/${back5![idx('ch')]}`); // MariaDB computes its own
  } finally {
    await w.close();
  }
});

test('deletes, a primary-key move, truncate; re-sent batches and a restarted writer change nothing; the progress rows count every event once', async () => {
  const w = writer(['pairs', 'counter_t']);
  const batch1 = [
    ev('c', 'pairs', { a: '1', b: 'x' }, { a: '1', b: 'x', v: '10' }),
    ev('c', 'pairs', { a: '1', b: 'y' }, { a: '1', b: 'y', v: '11' }),
    ev('c', 'pairs', { a: '2', b: "o'k" }, { a: '2', b: "o'k", v: null }),
    ev('c', 'counter_t', { id: '7' }, { id: '7', x: '1' }),
    ev('c', 'counter_t', { id: '8' }, { id: '8', x: '2' }),
  ];
  const batch2 = [
    ev('u', 'pairs', { a: '1', b: 'x' }, { v: '12' }),
    ev('d', 'pairs', { a: '1', b: 'y' }),
    ev('u', 'pairs', { a: '2', b: "o'k" }, { a: '3', b: 'moved' }), // the key moves
    ev('u', 'pairs', { a: '3', b: 'moved' }, { v: '30' }),
  ];
  const batch3 = [ev('t', 'counter_t', {}), ev('c', 'counter_t', { id: '9' }, { id: '9', x: '3' })];
  const first = batch1[0]!.vsn;
  try {
    await w.prepare(UUID, 2);
    for (const b of [batch1, batch2, batch3]) await w.applyBatch(1, b);
    const expected = { pairs: [['1', 'x', '12'], ['3', 'moved', '30']], counter: [['9', '3']] };
    const state = async () => ({ pairs: await maria.sql('shop_back', 'SELECT a, b, v FROM pairs ORDER BY a, b'), counter: await maria.sql('shop_back', 'SELECT id, x FROM counter_t ORDER BY id') });
    const asRows = (s: { pairs: any[]; counter: any[] }) => ({ pairs: s.pairs.map((r) => [String(r.a), r.b, r.v === null ? null : String(r.v)]), counter: s.counter.map((r) => [String(r.id), String(r.x)]) });
    assert.deepEqual(asRows(await state()), expected);
    // Re-sent (the same target, then a restarted one): everything is at or below last_applied_vsn.
    for (const b of [batch1, batch2, batch3]) await w.applyBatch(1, b);
    await w.close();
    const again = writer(['pairs', 'counter_t']);
    try {
      const progress = await again.prepare(UUID, 2);
      assert.equal(progress[1]!.lastAppliedVsn, batch3[1]!.vsn);
      for (const b of [batch1, batch2, batch3]) await again.applyBatch(1, b);
      // A batch that straddles: its committed prefix is skipped, the rest applied.
      await again.applyBatch(1, [...batch3, ev('c', 'counter_t', { id: '10' }, { id: '10', x: '4' })]);
    } finally {
      await again.close();
    }
    assert.deepEqual(asRows(await state()), { ...expected, counter: [['9', '3'], ['10', '4']] });
    const channels = await metadata('ybvoyager_import_data_event_channels_metainfo');
    assert.deepEqual(channels.map((r) => [r.channel_no, Number(r.last_applied_vsn), Number(r.num_inserts), Number(r.num_updates), Number(r.num_deletes)]).filter((r) => r[0] === 1),
      [[1, first + 11, 7, 4, 1]]); // updates: 3 here and 1 from the every-type test on channel 1
    const counts = await metadata('ybvoyager_imported_event_count_by_table');
    assert.deepEqual(counts.filter((r) => r.channel_no === 1).map((r) => [r.table_name, Number(r.total_events), Number(r.num_inserts), Number(r.num_updates), Number(r.num_deletes)]),
      [['public.counter_t', 5, 4, 0, 0], ['public.every_type', 1, 0, 1, 0], ['public.pairs', 7, 3, 3, 1]]);
    const truncated = await maria.sql('ybvoyager_metadata', `SELECT table_name, vsn, rows_removed FROM tandem_truncated_rows WHERE migration_uuid = '${UUID}'`);
    assert.deepEqual(truncated.map((r) => [r.table_name, Number(r.vsn), Number(r.rows_removed)]), [['public.counter_t', batch3[0]!.vsn, 2]]);
  } finally {
    await w.close();
  }
});

test('foreign keys are off in the writer\'s sessions only (a child before its parent applies; no cascade), and stay on for everyone else', async () => {
  const w = writer(['parent', 'child']);
  try {
    await w.prepare(UUID, 2);
    await w.applyBatch(0, [ev('c', 'child', { id: '1' }, { id: '1', parent_id: '10' }), ev('c', 'parent', { id: '10' }, { id: '10' })]);
    await w.applyBatch(0, [ev('d', 'parent', { id: '10' })]);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT id, parent_id FROM child'), [{ id: 1, parent_id: 10 }]);
    await assert.rejects(maria.sql('shop_back', 'INSERT INTO child VALUES (2, 99)'), { errno: 1452 });
    const c = await maria.connect('shop_back');
    try {
      assert.equal(await globalForeignKeyChecksOn(c as unknown as Connection), true);
    } finally {
      await c.end();
    }
  } finally {
    await w.close();
  }
});

test('a unique value swapped across channels: the out-of-order batch is a unique violation and keeps nothing; one by one in vsn order applies', async () => {
  const w = writer(['accounts']);
  try {
    await w.prepare(UUID, 2);
    await w.applyBatch(0, [
      ev('c', 'accounts', { id: '1' }, { id: '1', email: 'a@x', code: '100', balance: '1.00' }),
      ev('c', 'accounts', { id: '2' }, { id: '2', email: 'b@x', code: '200', balance: '2.00' }),
    ]);
    const e10 = ev('u', 'accounts', { id: '1' }, { code: '-1' });
    const e11 = ev('u', 'accounts', { id: '2' }, { code: '100', balance: '2.50' });
    const e12 = ev('u', 'accounts', { id: '1' }, { code: '200' });
    // Channel 1 runs ahead: takes 100 before channel 0 has released it.
    const err = await w.applyBatch(1, [e11]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TandemError);
    assert.equal(w.isKeyConflict(err), true);
    assert.equal(w.isTransientConflict(err), false);
    assert.equal(err.message, `Applying changes on channel 1 failed: UPDATE of public.accounts in events ${e11.vsn}..${e11.vsn}: MySQL error 1062 (ER_DUP_ENTRY).`);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT id, code, balance FROM accounts ORDER BY id'), [{ id: 1, code: 100, balance: '1.00' }, { id: 2, code: 200, balance: '2.00' }]);
    // The dispatcher's answer: the queued events of all channels, one transaction each, in vsn order.
    await w.applyBatch(0, [e10]);
    await w.applyBatch(1, [e11]);
    await w.applyBatch(0, [e12]);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT id, code, balance FROM accounts ORDER BY id'), [{ id: 1, code: 200, balance: '1.00' }, { id: 2, code: 100, balance: '2.50' }]);
  } finally {
    await w.close();
  }
});

test('through the dispatcher: 50 swaps of a unique e-mail and a unique code between rows of different channels end as on the source', async () => {
  await maria.sql('shop_back', 'DELETE FROM accounts');
  const key = (id: number): ChangeEvent => ({ vsn: 1, op: 'c', schema: 'public', table: 'accounts', key: { id: String(id) }, position: '', txId: '' });
  let b = 3;
  while (channelOf(key(1), 4) === channelOf(key(b), 4)) b++;
  const events: ChangeEvent[] = [
    ev('c', 'accounts', { id: '1' }, { id: '1', email: 'a@x', code: '1', balance: '0.00' }),
    ev('c', 'accounts', { id: String(b) }, { id: String(b), email: 'b@x', code: '2', balance: '0.00' }),
  ];
  for (let i = 0; i < 50; i++) {
    const [ea, eb, ca, cb] = i % 2 === 0 ? ['a@x', 'b@x', '1', '2'] : ['b@x', 'a@x', '2', '1'];
    events.push(ev('u', 'accounts', { id: '1' }, { email: 'tmp', code: '0' }));
    events.push(ev('u', 'accounts', { id: String(b) }, { email: ea, code: ca }));
    events.push(ev('u', 'accounts', { id: '1' }, { email: eb, code: cb, balance: `${i}.00` }));
  }
  const w = new MySqlChangeTarget(config('shop_back'), { tables: [info('accounts')], onWarning: () => {} });
  try {
    const uuid = '7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    async function* source() { for (let i = 0; i < events.length; i += 10) yield events.slice(i, i + 10); }
    const summary = await new ChangeDispatcher(w, { migrationUuid: uuid, channels: 4, batchSize: 7 }).run(source());
    assert.equal(summary.applied, events.length);
  } finally {
    await w.close();
  }
  assert.deepEqual(await maria.sql('shop_back', 'SELECT id, email, code, balance FROM accounts ORDER BY id'), [
    { id: 1, email: 'a@x', code: 1, balance: '49.00' }, { id: b, email: 'b@x', code: 2, balance: '0.00' },
  ]);
});

test('a killed connection (KILL CONNECTION) between batches: the writer reconnects, reads its progress again and applies once', async () => {
  const w = writer(['pairs']);
  try {
    await w.prepare(UUID, 2);
    const ids = await maria.sql(undefined, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'shop_back' AND COMMAND = 'Sleep' AND USER = 'root'");
    assert.ok(ids.length >= 2);
    for (const r of ids) await maria.sql(undefined, `KILL CONNECTION ${r.ID}`);
    await w.applyBatch(0, [ev('c', 'pairs', { a: '70', b: 'k' }, { a: '70', b: 'k', v: '1' })]);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT v FROM pairs WHERE a = 70'), [{ v: 1 }]);
  } finally {
    await w.close();
  }
});

test('bad input is refused before anything changes: a missing table, another channel count', async () => {
  await maria.createDatabase('empty_db');
  const missing = new MySqlChangeTarget(config('empty_db'), { tables: [info('pairs')], onWarning: () => {}, metadataSchema: 'meta_never' });
  await assert.rejects(missing.prepare(UUID, 2), (e: TandemError) => e.code === 'TANDEM_PREREQUISITE' && e.message === 'The table pairs does not exist in the source database empty_db.');
  assert.deepEqual(await maria.sql(undefined, "SHOW DATABASES LIKE 'meta\\_never'"), []);
  const w = writer(['pairs']);
  await assert.rejects(w.prepare(UUID, 3), (e: TandemError) => e.code === 'TANDEM_EXPORT_DIR' && e.message === 'This migration applied changes with 2 channels; it must keep that number (asked for 3).');
  await assert.rejects(w.prepare(UUID, 1), (e: TandemError) => e.code === 'TANDEM_EXPORT_DIR' && e.message === 'This migration applied changes with 2 channels; it must keep that number (asked for 1).');
  const ok = writer(['pairs']);
  try {
    await ok.prepare(UUID, 2);
    await assert.rejects(ok.applyBatch(0, [ev('c', 'nope', { id: '1' }, { id: '1' })]), (e: TandemError) => e.code === 'TANDEM_DATA' && /names the table public\.nope/.test(e.message));
    await assert.rejects(ok.applyBatch(0, [ev('c', 'pairs', { a: '1', b: 'z' }, { a: '1', b: 'z', extra: '1' })]),
      (e: TandemError) => e.code === 'TANDEM_DATA' && e.message === 'Change events for public.pairs carry the column extra, which the MySQL table shop_back.pairs lacks.');
  } finally {
    await ok.close();
  }
});

test('triggers on migrated tables are listed with their definitions; the end check finds one not recreated', async () => {
  await maria.sql('shop_back', "CREATE TRIGGER pairs_audit BEFORE INSERT ON pairs FOR EACH ROW SET NEW.v = COALESCE(NEW.v, 0) + 1000");
  const c = await maria.connect('shop_back') as unknown as Connection;
  try {
    const before = await readTriggers(c, 'shop_back', ['pairs', 'accounts']);
    assert.deepEqual(before.map((t) => [t.name, t.table, t.timing, t.event]), [['pairs_audit', 'pairs', 'BEFORE', 'INSERT']]);
    assert.match(before[0]!.createSql!, /^CREATE DEFINER=`root`@`[^`]+` TRIGGER pairs_audit BEFORE INSERT ON pairs FOR EACH ROW SET NEW\.v = COALESCE\(NEW\.v, 0\) \+ 1000$/);
    assert.deepEqual(await readTriggers(c, 'shop_back', ['accounts']), []);
    await c.query('DROP TRIGGER pairs_audit');
    assert.deepEqual(checkTriggersRestored(before, await readTriggers(c, 'shop_back', ['pairs'])).map((f) => [f.name, f.problem]), [['pairs_audit', 'missing']]);
    await c.query(before[0]!.createSql!);
    assert.deepEqual(checkTriggersRestored(before, await readTriggers(c, 'shop_back', ['pairs'])), []);
  } finally {
    await (c as unknown as { end(): Promise<void> }).end();
  }
});

test('AUTO_INCREMENT: restored from the target\'s sequence, never below the data; read back under PostgreSQL\'s sequence names', async () => {
  await maria.sql('shop_back', 'DELETE FROM counter_t; INSERT INTO counter_t (id, x) VALUES (1, 0), (2, 0), (3, 0)');
  const sync = new MySqlAutoIncrementSync(config('shop_back'));
  assert.deepEqual(await sync.restore([{ schema: 'public', name: 'counter_t_id_seq', lastValue: '500', isCalled: true }, { schema: 'public', name: 'unrelated_seq', lastValue: '9', isCalled: true }]),
    [{ sequence: 'shop_back.counter_t.id', value: '501', raisedToData: false }]);
  const next = async () => Number((await maria.sql(undefined, "SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop_back' AND TABLE_NAME = 'counter_t'"))[0].n);
  assert.equal(await next(), 501);
  assert.deepEqual(await sync.restore([{ schema: 'public', name: 'counter_t_id_seq', lastValue: '1', isCalled: true }]),
    [{ sequence: 'shop_back.counter_t.id', value: '4', raisedToData: true }]);
  assert.equal(await next(), 4);
  const read = await sync.read(['public']);
  assert.deepEqual(read.find((v) => v.name === 'counter_t_id_seq'), { schema: 'public', name: 'counter_t_id_seq', lastValue: '3', isCalled: true });
  // PostgreSQL names identity sequences as pgIdentitySequenceName says, long names included.
  const long = `t_${'x'.repeat(58)}`;
  await target.query(`CREATE TABLE public.${long} (${'c'.repeat(30)} int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)`);
  const seq = await target.query(`SELECT pg_get_serial_sequence('public.${long}', '${'c'.repeat(30)}') AS s`);
  assert.equal(seq.rows[0].s, `public.${pgIdentitySequenceName(long, 'c'.repeat(30))}`);
  assert.equal(pgIdentitySequenceName(long, 'c'.repeat(30)), `t_${'x'.repeat(27)}_${'c'.repeat(29)}_seq`);
});

test('a warmed AUTO_INCREMENT restore runs on the connection opened ahead (new logins refused meanwhile); a lost one is replaced', async () => {
  await maria.sql(undefined, "CREATE USER IF NOT EXISTS 'seqwarm'@'%' IDENTIFIED BY 'seqwarm-pw'; GRANT ALL ON shop_back.* TO 'seqwarm'@'%'");
  const sync = new MySqlAutoIncrementSync({ ...config('shop_back'), user: 'seqwarm', password: 'seqwarm-pw' });
  const sessions = async () => (await maria.sql(undefined, "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = 'seqwarm'")).map((r) => Number(r.id));
  const waitFor = async (n: number) => {
    for (let i = 0; i < 300 && (await sessions()).length !== n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await sessions()).length, n);
  };
  const next = async () => Number((await maria.sql(undefined, "SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop_back' AND TABLE_NAME = 'counter_t'"))[0].n);
  sync.warm();
  sync.warm(); // once
  await waitFor(1);
  // From here the user cannot log in: the restore can only use the connection opened ahead.
  await maria.sql(undefined, "ALTER USER 'seqwarm'@'%' ACCOUNT LOCK");
  try {
    assert.deepEqual(await sync.restore([{ schema: 'public', name: 'counter_t_id_seq', lastValue: '700', isCalled: true }]),
      [{ sequence: 'shop_back.counter_t.id', value: '701', raisedToData: false }]);
  } finally {
    await maria.sql(undefined, "ALTER USER 'seqwarm'@'%' ACCOUNT UNLOCK");
  }
  assert.equal(await next(), 701);
  await waitFor(0);

  // Warmed, then lost (killed while it waited): the restore connects again.
  sync.warm();
  await waitFor(1);
  for (const id of await sessions()) await maria.sql(undefined, `KILL ${id}`);
  await waitFor(0);
  assert.deepEqual((await sync.restore([{ schema: 'public', name: 'counter_t_id_seq', lastValue: '800', isCalled: true }])).map((r) => r.value), ['801']);
  assert.equal(await next(), 801);
  // A warm connection nothing used is ended by close().
  sync.warm();
  await waitFor(1);
  await sync.close();
  await waitFor(0);
});

test('the metadata the data-migration report reads: applied counts per table (truncated rows too); end migration drops the database', async () => {
  const meta = new MySqlMigrationMetadata(config('shop_back'));
  const counts = await meta.appliedEventCounts(UUID);
  assert.deepEqual(counts.get('public.counter_t'), { inserts: 4, updates: 0, deletes: 0, truncatedRows: 2 });
  assert.deepEqual(counts.get('public.every_type'), { inserts: 5, updates: 1, deletes: 0, truncatedRows: 0 });
  assert.deepEqual(counts.get('public.pairs'), { inserts: 4, updates: 3, deletes: 1, truncatedRows: 0 });
  assert.deepEqual((await meta.appliedEventCounts('00000000-0000-4000-8000-00000000dead')).size, 0);
  assert.equal(await meta.drop(), 'database ybvoyager_metadata');
  assert.equal(await meta.drop(), undefined);
  assert.deepEqual((await meta.appliedEventCounts(UUID)).size, 0);
});

test('an update or delete of a row MariaDB does not hold stops the batch, naming it, instead of losing the change; put back, the rerun applies it', async () => {
  const w = writer(['kept_pairs']);
  const key = (a: string, b: string) => ({ a, b });
  try {
    await w.prepare(UUID, 2);
    await w.applyBatch(0, [
      ev('c', 'kept_pairs', key('910', 'a'), { a: '910', b: 'a', v: '0' }), ev('c', 'kept_pairs', key('910', 'b'), { a: '910', b: 'b', v: '0' }),
      ev('c', 'kept_pairs', key('911', 'a'), { a: '911', b: 'a', v: '0' }), ev('c', 'kept_pairs', key('911', 'b'), { a: '911', b: 'b', v: '0' }),
    ]);
    // Something else deletes two rows on the database written to.
    await maria.sql('shop_back', "DELETE FROM kept_pairs WHERE (a, b) IN ((910, 'b'), (911, 'b'))");
    const updates = [ev('d', 'kept_pairs', key('911', 'a')), ev('u', 'kept_pairs', key('910', 'a'), { v: '1' }), ev('u', 'kept_pairs', key('910', 'b'), { v: '2' }), ev('c', 'kept_pairs', key('912', 'a'), { a: '912', b: 'a', v: '0' })];
    const rows = async () => (await maria.sql('shop_back', 'SELECT a, b, v FROM kept_pairs WHERE a >= 900 ORDER BY a, b')).map((r) => `${r.a}${r.b}=${r.v}`);
    await assert.rejects(w.applyBatch(0, updates), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA'
      && /^1 of the 2 rows of public\.kept_pairs to update \(events \d+\.\.\d+\) are not on root@127\.0\.0\.1:\d+\/shop_back: a=910, b=b\. Something other than Tandem changed that table there/.test(e.message)
      && /Put these rows back .* then rerun the same import command: it resumes/.test(e.hint ?? ''));
    assert.deepEqual(await rows(), ['910a=0', '911a=0'], 'nothing of the batch was written: the delete of 911a rolled back, 912a not inserted');
    await maria.sql('shop_back', "INSERT INTO kept_pairs VALUES (910, 'b', 0)");
    await w.applyBatch(0, updates);
    assert.deepEqual(await rows(), ['910a=1', '910b=2', '912a=0']);
    // A delete of a row not there: how many (a multi-row DELETE does not say which).
    await assert.rejects(w.applyBatch(0, [ev('d', 'kept_pairs', key('911', 'b')), ev('d', 'kept_pairs', key('912', 'a'))]), (e: unknown) => e instanceof TandemError
      && /^1 of the 2 rows of public\.kept_pairs to delete \(events \d+\.\.\d+\) are not on root@127\.0\.0\.1:\d+\/shop_back\. Something other/.test(e.message));
    assert.deepEqual(await rows(), ['910a=1', '910b=2', '912a=0']);
  } finally {
    await w.close();
  }
});

test('a table keyed on a BIT column: updates, deletes and a key move apply under strict mode (measured before: error 1292 on the first update, no row found for a delete)', async () => {
  const w = writer(['bit_keys', 'bit_pairs']);
  const bits = (hex: string) => BigInt(`0x${hex}`).toString(2).padStart(64, '0');
  try {
    await w.prepare(UUID, 2);
    const keys = ['FFFFFFFFFFFFFFFF', '0000000000000000', '0000000000000001', '8000000000000000', '00000000FFFFFFFF'];
    await w.applyBatch(0, [
      ...keys.map((h, i) => ev('c', 'bit_keys', { k: bits(h) }, { k: bits(h), v: String(i) })),
      ev('c', 'bit_pairs', { k: '101', j: '1' }, { k: '101', j: '1', v: '1' }), ev('c', 'bit_pairs', { k: '000', j: '1' }, { k: '000', j: '1', v: '2' }),
    ]);
    await w.applyBatch(0, [
      ...keys.map((h) => ev('u', 'bit_keys', { k: bits(h) }, { v: '100' })),
      ev('d', 'bit_keys', { k: bits('8000000000000000') }), ev('d', 'bit_keys', { k: bits('00000000FFFFFFFF') }),
      ev('u', 'bit_keys', { k: bits('0000000000000001') }, { k: bits('0000000000000002') }),
      ev('u', 'bit_pairs', { k: '101', j: '1' }, { v: '10' }), ev('d', 'bit_pairs', { k: '000', j: '1' }),
    ]);
    assert.deepEqual((await maria.sql('shop_back', 'SELECT HEX(k) AS k, v FROM bit_keys ORDER BY k')).map((r) => `${r.k}=${r.v}`), ['0=100', '2=100', 'FFFFFFFFFFFFFFFF=100']);
    assert.deepEqual((await maria.sql('shop_back', 'SELECT k + 0 AS k, j, v FROM bit_pairs ORDER BY k')).map((r) => `${r.k}/${r.j}=${r.v}`), ['5/1=10']);
  } finally {
    await w.close();
  }
});

test('an update from the target keeps a date PostgreSQL cannot hold (zero date, zero month or day, year 0, 2024-02-30), which the target holds as NULL; a real date replaces it, and a NULL replaces a real date (measured before: every zero date of an updated row erased; the mysql-schema-49 run)', async () => {
  await maria.sql('shop_back', `SET SESSION sql_mode = '';
    INSERT INTO dated VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', 'a'), (2, '2024-00-10', '2024-05-00 10:00:00', NULL, 'a'),
      (3, '0000-05-01', '0000-05-01 01:00:00', NULL, 'a'), (5, '2024-02-03', '2024-02-03 01:02:03', '2024-02-03 01:02:03', 'a'), (6, NULL, NULL, NULL, 'a'), (7, '0000-00-00', NULL, NULL, 'a');
    SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
    INSERT INTO dated VALUES (4, '2024-02-30', '2023-04-31 10:00:00', NULL, 'a')`);
  const w = writer(['dated']);
  try {
    await w.prepare(UUID, 2);
    // As the target's capture sends an update: every column, the dates PostgreSQL could not hold as NULL.
    const nulls = { d: null, dt: null, ts: null, note: 'b' };
    await w.applyBatch(0, [1, 2, 3, 4, 5, 6].map((id) => ev('u', 'dated', { id: String(id) }, { id: String(id), ...nulls })).concat(
      ev('u', 'dated', { id: '7' }, { id: '7', d: '2025-01-01', dt: null, ts: null, note: 'b' })));
    assert.deepEqual((await maria.sql('shop_back', 'SELECT id, CAST(d AS CHAR) AS d, CAST(dt AS CHAR) AS dt, CAST(ts AS CHAR) AS ts, note FROM dated ORDER BY id')).map((r) => Object.values(r).join('|')), [
      '1|0000-00-00|0000-00-00 00:00:00.000|0000-00-00 00:00:00.000|b',
      '2|2024-00-10|2024-05-00 10:00:00.000||b',
      '3|0000-05-01|0000-05-01 01:00:00.000||b',
      '4|2024-02-30|2023-04-31 10:00:00.000||b',
      '5||||b',
      '6||||b',
      '7|2025-01-01|||b',
    ]);
  } finally {
    await w.close();
  }
});

test('an update from the target keeps a text column\'s bytes in a non-Unicode character set where they read as the value it carries (sjis 0x5C, a backslash); a new value is written converted (measured before: rewritten by MySQL\'s conversion in every updated row; the mysql-fallback-49 run); bytes the column\'s character set does not define stop the batch with the fix', async () => {
  await maria.sql('shop_back', `SET SESSION sql_mode = '';
    INSERT INTO charsets VALUES (1, X'5C', 'ok', X'E9', 'a', X'615C'), (2, 'x', 'x', 'x', 'a', 'x'), (3, 'z', X'80', 'z', 'a', 'z')`);
  const w = writer(['charsets']);
  try {
    await w.prepare(UUID, 2);
    // As the target holds them: what the migration read (sjis 0x5C as a backslash; a CHAR padded by character(n)).
    await w.applyBatch(0, [
      ev('u', 'charsets', { id: '1' }, { id: '1', s: '\\', a: 'ok', l: 'é', note: 'b', c: 'a\\   ' }),
      ev('u', 'charsets', { id: '2' }, { id: '2', s: 'ア', a: 'y', l: 'ü', note: 'b', c: 'ア    ' }),
    ]);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT id, HEX(s) AS s, HEX(a) AS a, HEX(l) AS l, note, HEX(c) AS c FROM charsets WHERE id < 3 ORDER BY id'), [
      { id: 1, s: '5C', a: '6F6B', l: 'E9', note: 'b', c: '615C' },
      { id: 2, s: '8341', a: '79', l: 'FC', note: 'b', c: '8341' },
    ]);
    // A character the column's set cannot store, from the target: the hint names the columns it may be in.
    await assert.rejects(w.applyBatch(0, [ev('u', 'charsets', { id: '2' }, { id: '2', s: '😀' })]), (e: unknown) => e instanceof TandemError
      && /^A value written on the target holds a character \(UTF-8 0xF09F9880\) that sjis cannot store, in one of the sjis columns `charsets`\.`s`, `charsets`\.`c` of the source: change the column on the source to CHARACTER SET utf8mb4/.test(e.hint ?? ''));
    // An ascii byte 0x80, which the migration read as "?": the comparison cannot convert it, so the batch stops with what to do.
    const third = ev('u', 'charsets', { id: '3' }, { id: '3', s: 'z', a: '?', l: 'z', note: 'b', c: 'z    ' });
    await assert.rejects(w.applyBatch(0, [third]), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA'
      && /MySQL error 1977/.test(e.message) && /^A row on the source holds bytes \(0x80\) in column `a` of `charsets` that ascii does not define .*CONVERT\(CONVERT\(`a` USING utf8mb4\) USING ascii\)/.test(e.hint ?? ''));
    await maria.sql('shop_back', "SET SESSION sql_mode = ''; UPDATE charsets SET a = CONVERT(CONVERT(a USING utf8mb4) USING ascii) WHERE id = 3");
    await w.applyBatch(0, [third]);
    assert.deepEqual(await maria.sql('shop_back', 'SELECT HEX(a) AS a, note FROM charsets WHERE id = 3'), [{ a: '3F', note: 'b' }]);
  } finally {
    await w.close();
  }
});

test('an update from the target of a row whose ENUM holds MySQL\'s index-0 value (read as \'\'): the value is kept and the other columns written; a real member replaces it; \'\' for a real member still stops the batch (measured before: every such update stopped the fall-back; the mysql-fallback-49 run)', async () => {
  await maria.sql('shop_back', `SET SESSION sql_mode = ''; INSERT INTO enums VALUES (1, 'zzz', 'x'), (2, 'a', 'x'), (3, 'zzz', 'x')`);
  assert.deepEqual((await maria.sql('shop_back', 'SELECT e + 0 AS i FROM enums ORDER BY id')).map((r) => Number(r.i)), [0, 1, 0]);
  const w = writer(['enums']);
  try {
    await w.prepare(UUID, 2);
    await w.applyBatch(0, [
      ev('u', 'enums', { id: '1' }, { id: '1', e: '', note: 'y' }),
      ev('u', 'enums', { id: '2' }, { id: '2', e: 'b', note: 'y' }),
      ev('u', 'enums', { id: '3' }, { id: '3', e: 'a', note: 'y' }),
      ev('u', 'enums', { id: '1' }, { id: '10', e: '' }),
    ]);
    assert.deepEqual((await maria.sql('shop_back', 'SELECT id, e + 0 AS i, note FROM enums ORDER BY id')).map((r) => `${r.id}:${r.i}:${r.note}`), ['2:2:y', '3:1:y', '10:0:y']);
    await assert.rejects(w.applyBatch(0, [ev('u', 'enums', { id: '2' }, { id: '2', e: '' })]), (e: unknown) => e instanceof TandemError && /MySQL error 1265/.test(e.message));
    assert.deepEqual((await maria.sql('shop_back', 'SELECT e + 0 AS i FROM enums WHERE id = 2')).map((r) => Number(r.i)), [2], 'nothing of the refused batch');
  } finally {
    await w.close();
  }
});

test('a value the source table cannot hold (too long, out of range, NULL in a NOT NULL column, no such ENUM member): the hint names the column and the change, never the value; nothing is written', async () => {
  const w = writer(['pairs', 'accounts', 'every_type']);
  try {
    await w.prepare(UUID, 2);
    await w.applyBatch(0, [ev('c', 'accounts', { id: '970' }, { id: '970', email: 'kept@example.com', code: '970', balance: '1.00' })]);
    const cases: [ChangeEvent, RegExp][] = [
      [ev('c', 'pairs', { a: '970', b: 'secret-too-long' }, { a: '970', b: 'secret-too-long', v: '1' }), /^A value written on the target is longer than column `b` of the source's table can hold \(Data too long\): .*MODIFY `b`/],
      [ev('c', 'pairs', { a: '971', b: 'x' }, { a: '971', b: 'x', v: '98765432109' }), /^A number written on the target is outside the range of column `v` of the source's table \(Out of range value\)/],
      [ev('u', 'accounts', { id: '970' }, { email: null }), /^Column `email` of the source's table is NOT NULL, and the target's row holds NULL there/],
      [ev('c', 'every_type', { id: '970' }, { id: '970', e: 'secret-label' }), /^A value written on the target does not fit column `e` of the source's table \(Data truncated\): for an ENUM or SET, a member/],
    ];
    for (const [event, hint] of cases) {
      await assert.rejects(w.applyBatch(0, [event]), (e: unknown) => {
        assert.ok(e instanceof TandemError && e.code === 'TANDEM_DATA', String(e));
        assert.match(e.message, /^Applying changes on channel 0 failed: .* MySQL error (1406|1264|1048|1265)/);
        assert.match(e.hint ?? '', hint);
        assert.doesNotMatch(`${e.message} ${e.hint}`, /secret-too-long|98765432109|secret-label/);
        return true;
      });
    }
    assert.deepEqual(await maria.sql('shop_back', 'SELECT (SELECT count(*) FROM pairs WHERE a >= 970) AS p, (SELECT email FROM accounts WHERE id = 970) AS e'), [{ p: 0, e: 'kept@example.com' }]);
  } finally {
    await w.close();
  }
});
