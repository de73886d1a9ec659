/**
 * MariaDB SEQUENCE objects and AUTO_INCREMENT counters at both cutovers, against a MariaDB 10.11
 * source and a PostgreSQL 15 target, through the roles the cutovers call: the source's
 * `SequenceSync.read` (at the cutover to target) into the target's `restore`, and the target's
 * `read` (at the cutover to source) into the source's `restore`, each with the migration's scope
 * (`--table-list`). MariaDB loses its sequence cache at a restart; `FLUSH TABLES` does the same here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import { PgSequenceSync } from '../../../src/adapters/postgres/pg-sequences.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import type { SequenceScope } from '../../../src/core/engine/sequences.js';

let maria: MariaDbServer;
let pgs: PgServer;
let engine: SourceEngine;
let source: DbConfig;
let target: pg.Client;

/** The migration's tables (`--table-list seq_tab,counted`): `other` is in the schema, not migrated. */
const scope: SequenceScope = { tables: [{ schema: 'public', name: 'seq_tab' }, { schema: 'public', name: 'counted' }] };

before(async () => {
  [maria, pgs] = await Promise.all([startMariaDb(), startPg15()]);
  engine = await loadEngine('mysql');
  source = { role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: ['public'], sslMode: 'disable' };
  await maria.createDatabase('shop');
  await maria.sql('shop', `
    CREATE SEQUENCE seq1 START WITH 100 INCREMENT BY 1;
    CREATE TABLE seq_tab (id INT PRIMARY KEY DEFAULT NEXTVAL(seq1), v VARCHAR(10));
    CREATE TABLE counted (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
    CREATE TABLE other (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
    INSERT INTO seq_tab (v) VALUES ('s1'), ('s2');
    INSERT INTO counted (v) VALUES (1), (2);
    INSERT INTO other (v) VALUES (1), (2), (3);`);
  await pgs.createDatabase('yb');
  target = await pgs.client('yb');
  for (const o of (await engine.exportSchema(source, { schemas: ['public'] })).objects) await target.query(o.sql);
});
after(async () => {
  await target?.end();
  await Promise.all([maria?.stop(), pgs?.stop()]);
});

/** The rows of a table on MariaDB copied to the target as the change stream would (explicit ids). */
async function streamToTarget(table: string): Promise<void> {
  const rows = await maria.sql('shop', `SELECT id, v FROM ${table} ORDER BY id`);
  await target.query(`TRUNCATE public.${table}`);
  for (const r of rows) await target.query(`INSERT INTO public.${table} (id, v) VALUES ($1, $2)`, [r.id, r.v]);
}

const autoIncrement = async (table: string) => Number((await maria.sql(undefined, `SELECT AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = '${table}'`))[0].n);

test('cutover to target: a MariaDB sequence advanced past the target\'s start (cache lost at a restart) moves the target\'s sequence past it; only migrated tables\' counters are read', async () => {
  // export schema started the target's sequence at the next value not yet cached.
  assert.deepEqual((await target.query("SELECT start_value::text AS s FROM pg_sequences WHERE sequencename = 'seq1'")).rows, [{ s: '1100' }]);
  // Two restarts while streaming: each loses the cache, the application's rows take 1100, then 2100 and 2101.
  await maria.sql('shop', "FLUSH TABLES; INSERT INTO seq_tab (v) VALUES ('r1'); FLUSH TABLES; INSERT INTO seq_tab (v) VALUES ('r2'), ('r3')");
  assert.deepEqual((await maria.sql('shop', 'SELECT id FROM seq_tab ORDER BY id')).map((r) => r.id), [100, 101, 1100, 2100, 2101]);
  await streamToTarget('seq_tab');
  await streamToTarget('counted');

  const values = await engine.sequences(source).read(['public'], scope);
  assert.deepEqual(values.map((v) => `${v.schema}.${v.name}=${v.lastValue}${v.isCalled ? '' : ' (not called)'}`).sort(),
    ['public.counted_id_seq=2', 'public.seq1=3100 (not called)']);
  const restored = await new PgSequenceSync(targetDbConfig(pgs, 'yb')).restore(values);
  assert.deepEqual(restored.map((r) => `${r.sequence}=${r.value}`).sort(), ['public.counted_id_seq=2', 'public.seq1=3100']);
  // The application's first insert on the target takes the source's next value, not a used id.
  assert.deepEqual((await target.query("INSERT INTO public.seq_tab (v) VALUES ('t1') RETURNING id::text AS id")).rows, [{ id: '3100' }]);
  assert.deepEqual((await target.query("INSERT INTO public.counted (v) VALUES (3) RETURNING id::text AS id")).rows, [{ id: '3' }]);
});

test('cutover to source: the MariaDB sequence is moved past what the target handed out (a restart then gives no used id); the counters of tables not migrated are left alone', async () => {
  await target.query("INSERT INTO public.seq_tab (v) VALUES ('t2')");
  // The fall-back writes the target's rows into MariaDB with their ids.
  const onTarget = (await target.query('SELECT id, v FROM public.seq_tab WHERE id >= 3100 ORDER BY id')).rows;
  assert.deepEqual(onTarget.map((r) => r.id), [3100, 3101]);
  for (const r of onTarget) await maria.sql('shop', 'INSERT INTO seq_tab (id, v) VALUES (?, ?)', [r.id, r.v]);
  await maria.sql('shop', 'INSERT INTO counted (id, v) VALUES (3, 3)');
  await maria.sql('shop', 'ALTER TABLE other AUTO_INCREMENT = 50');

  const values = await new PgSequenceSync(targetDbConfig(pgs, 'yb')).read(['public']);
  const restored = await engine.sequences(source).restore(values, scope);
  // The target's seq1 has CACHE 1, not MariaDB's CACHE 1000 (PostgreSQL caches per session: each new
  // connection skipped 1000 values; the mysql-live-edges-2 run): last_value is the last id handed out.
  assert.deepEqual(restored.map((r) => `${r.sequence}=${r.value}`).sort(), ['shop.counted.id=4', 'shop.seq1=3101']);
  assert.equal(await autoIncrement('counted'), 4);
  // other_id_seq is on the target (export schema made every table), but other is not migrated.
  assert.equal(await autoIncrement('other'), 50);
  // As after a restart: the cache is lost, and the next value is past the target's.
  await maria.sql('shop', 'FLUSH TABLES');
  assert.deepEqual(await maria.sql('shop', 'SELECT NEXTVAL(seq1) AS n'), [{ n: 3102 }]);
  await maria.sql('shop', "INSERT INTO seq_tab (v) VALUES ('m1')");
  // A second restore (a rerun) never moves the sequence back.
  await engine.sequences(source).restore(values, scope);
  await maria.sql('shop', 'FLUSH TABLES');
  assert.ok(Number((await maria.sql('shop', 'SELECT NEXTVAL(seq1) AS n'))[0].n) > 3102);
});

test('cutover to source: a user who may not SETVAL a sequence (INSERT on it) is warned at the export\'s start, and gets TANDEM_PRIVILEGE naming it and the GRANT before any counter is set', async () => {
  await maria.sql(undefined, `CREATE USER 'seqless'@'%' IDENTIFIED BY 'seqless-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER ON shop.seq_tab TO 'seqless'@'%';
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER ON shop.counted TO 'seqless'@'%';
    GRANT SELECT ON shop.seq1 TO 'seqless'@'%';
    GRANT SELECT ON shop.other TO 'seqless'@'%'`);
  const seqless: DbConfig = { ...source, user: 'seqless', password: 'seqless-pw' };
  const sync = engine.sequences(seqless);
  const before = await maria.sql('shop', 'SELECT next_not_cached_value AS n FROM seq1');
  const setvalWarnings = async () => {
    const catalog = await engine.openCatalog(seqless);
    try {
      const tables = (await catalog.listTables(['public'])).filter((t) => t.name !== 'other');
      return (await catalog.checkPrerequisites({ live: true, tables })).filter((f) => /SETVAL|may not write the target's changes/.test(f.message)).map((f) => [f.severity, f.message, f.fix]);
    } finally {
      await catalog.close();
    }
  };
  // A live export warns at its start (the probe changes nothing: checked below).
  // The INSERT into seq_tab is refused for the sequence its DEFAULT takes a value from: named as such
  // (measured before: "seq_tab (lacks INSERT)", which the user had; the docs-claims run).
  assert.deepEqual(await setvalWarnings(), [['warning',
    'User seqless may not SETVAL the sequence(s) shop.seq1: if the migration falls back, the cutover to source cannot move them past the target\'s values and stops there until it is granted: '
    + 'grant it before a cutover prepared for fall-back.', "GRANT INSERT ON `shop`.`seq1` TO 'seqless'@'%';"], ['warning',
    'User seqless may not write the target\'s changes into shop.seq1 (lacks INSERT, which the DEFAULT of shop.seq_tab needs to take its next value): if the migration falls back, "import data to source" would stop at its first change there.',
    "GRANT INSERT, UPDATE, DELETE ON `shop`.* TO 'seqless'@'%'; (or on each of those tables)"]]);
  const values = [{ schema: 'public', name: 'counted_id_seq', lastValue: '900', isCalled: true }, { schema: 'public', name: 'seq1', lastValue: '90000', isCalled: true }];
  await assert.rejects(sync.restore(values, scope), (e: { code?: string; message: string; hint?: string }) => {
    assert.equal(e.code, 'TANDEM_PRIVILEGE');
    assert.match(e.message, /may not SETVAL shop\.seq1 \(it needs INSERT on it\); no counter or sequence was changed/);
    assert.match(e.hint ?? '', /GRANT INSERT ON `shop`\.`seq1` TO 'seqless'@'%';/);
    return true;
  });
  assert.equal(await autoIncrement('counted'), 4);
  assert.deepEqual(await maria.sql('shop', 'SELECT next_not_cached_value AS n FROM seq1'), before);
  await maria.sql(undefined, "GRANT INSERT ON shop.seq1 TO 'seqless'@'%'");
  assert.deepEqual(await setvalWarnings(), []);
  assert.deepEqual((await sync.restore(values, scope)).map((r) => `${r.sequence}=${r.value}`), ['shop.counted.id=901', 'shop.seq1=90000']);
  assert.deepEqual(await maria.sql('shop', 'SELECT next_not_cached_value AS n FROM seq1'), [{ n: 90001 }]);
  await sync.close?.();
});
