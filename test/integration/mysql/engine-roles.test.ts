/**
 * The MySQL engine's assembled roles against a real MariaDB 10.11, through `loadEngine('mysql')`
 * as the workflow reaches them: the catalog (target names, generated columns left out, the
 * findings), the change capture (marker table, a stream from a position with its markers, writes
 * after a marker, exists and drop, a leftover from an interrupted start), and the write guard
 * (triggers dropped and recreated as they were, the end check).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { CapturedTransaction } from '../../../src/core/engine/change-capture.js';

const UUID = '7a1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
let maria: MariaDbServer;
let engine: SourceEngine;
let db: DbConfig;

before(async () => {
  maria = await startMariaDb();
  engine = await loadEngine('mysql');
  db = { role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: ['public'], sslMode: 'disable' };
  await maria.createDatabase('shop');
  await maria.sql('shop', `
    CREATE TABLE orders (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, qty int NOT NULL, price decimal(10,2) NOT NULL, total decimal(12,2) AS (qty * price) STORED, note varchar(20));
    CREATE TABLE notes (id int NOT NULL PRIMARY KEY, t text);
    CREATE TABLE other (id int NOT NULL PRIMARY KEY);
    CREATE TABLE nokey (v int);
    CREATE TABLE audit (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, order_id int);
    CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (order_id) VALUES (NEW.id);
    INSERT INTO orders (qty, price, note) VALUES (1, 2.50, 'a'), (2, 3.25, NULL);`);
});
after(async () => {
  await maria?.stop();
});

test('the catalog names tables by the target schema, leaves out columns PostgreSQL generates, and says what a live export needs', async () => {
  assert.equal(await engine.describeServer(db), `MariaDB ${/^(\d+\.\d+\.\d+)/.exec(maria.version)![1]}`);
  const catalog = await engine.openCatalog(db);
  try {
    assert.deepEqual(await catalog.listSchemas(), ['public']);
    assert.deepEqual(await catalog.missingSchemas(['public', 'shop', 'elsewhere']), ['elsewhere']);
    const tables = await catalog.listTables(['public']);
    assert.deepEqual(tables.map((t) => [t.schema, t.name, t.columns.join(','), t.primaryKey.join(',')]).sort(), [
      ['public', 'audit', 'id,order_id', 'id'], ['public', 'nokey', 'v', ''], ['public', 'notes', 'id,t', 'id'],
      ['public', 'orders', 'id,qty,price,note', 'id'], ['public', 'other', 'id', 'id'],
    ]);
    await assert.rejects(catalog.listTables(['elsewhere']), (e: { code?: string }) => e.code === 'TANDEM_UNKNOWN_SCHEMA');
    const live = await catalog.checkPrerequisites({ live: true, tables: tables.filter((t) => t.name !== 'nokey') });
    assert.deepEqual(live.filter((f) => f.severity === 'error'), []);
    assert.ok(live.some((f) => f.severity === 'warning' && /Binlogs do not expire by age/.test(f.message)), JSON.stringify(live));
    const noKey = await catalog.checkPrerequisites({ live: true, tables });
    assert.deepEqual(noKey.filter((f) => f.severity === 'error').map((f) => f.message), ['Live migration needs a primary key on every table; these have none: shop.nokey.']); // the MySQL database it is fixed in (measured before: public.nokey, the target's name)
    assert.deepEqual(await catalog.disabledObjects(['public']), []);
  } finally {
    await catalog.close();
  }
});

/** Reads transactions until one carries `marker` (or fails after 20 s). */
async function readUntilMarker(txs: AsyncGenerator<CapturedTransaction>, marker: string): Promise<CapturedTransaction[]> {
  const out: CapturedTransaction[] = [];
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const next = await txs.next();
    if (next.done) break;
    out.push(next.value);
    if (next.value.markers.includes(marker as never)) return out;
  }
  throw new Error(`no ${marker} marker in ${JSON.stringify(out)}`);
}

test('change capture: marker rows, a stream from a position, writes after the marker, exists and drop', async () => {
  const capture = engine.changeCapture(db, { id: UUID, side: 'source' });
  assert.equal(capture.labels.stream, 'binlog stream tandem_7a1c2a3b4d5e4f608a7b');
  assert.deepEqual(capture.record, { capture: 'binlog', stream: 'tandem_7a1c2a3b4d5e4f608a7b', markerTable: 'ybvoyager_metadata.tandem_markers' });
  assert.equal(await capture.exists(), false, 'no marker table yet');
  assert.deepEqual(await capture.prepare([{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'notes' }]), { droppedLeftover: false });
  assert.equal(await capture.exists(), true);
  const { startPosition } = await capture.createWithoutSnapshot();
  assert.match(capture.describePosition(startPosition), /^binlog binlog\.\d{6}:\d+ \(GTID 0-\d+-\d+\)$/);

  await maria.sql('shop', "INSERT INTO orders (qty, price, note) VALUES (5, 1.10, 'x'); INSERT INTO other VALUES (1); UPDATE notes SET t = 'n' WHERE id = 0; INSERT INTO notes VALUES (1, 'é')");
  await capture.writeMarker('heartbeat');
  await capture.writeMarker('cutover_to_target');
  await maria.sql('shop', "INSERT INTO notes VALUES (2, 'after'); UPDATE orders SET note = 'later' WHERE id = 1; DELETE FROM notes WHERE id = 1; INSERT INTO other VALUES (2)");

  const catalog = await engine.openCatalog(db);
  const tables = (await catalog.listTables(['public'])).filter((t) => t.name === 'orders' || t.name === 'notes');
  await catalog.close();
  const stream = capture.open(startPosition, tables);
  await stream.start();
  let markerTx: CapturedTransaction;
  try {
    const txs = await readUntilMarker(stream.transactions(), 'cutover_to_target');
    markerTx = txs[txs.length - 1]!;
    assert.deepEqual(markerTx.events, [], 'the marker row is no row change');
    const events = txs.flatMap((t) => t.events).map((e) => [e.op, `${e.schema}.${e.table}`, JSON.stringify(e.after ?? e.key)]);
    assert.deepEqual(events, [
      ['c', 'public.orders', JSON.stringify({ id: '3', qty: '5', price: '1.10', note: 'x' })],
      ['c', 'public.notes', JSON.stringify({ id: '1', t: 'é' })],
    ], 'the migrated tables\' changes (the audit row of the trigger and other tables are not migrated here), generated total left out');
    assert.ok(txs.every((t, i) => i === 0 || t.position > txs[i - 1]!.position), 'positions sort in commit order');
  } finally {
    await stream.stop();
  }
  const after = await capture.changesAfter(markerTx.position, tables);
  assert.deepEqual(Object.fromEntries(after), {
    'public.notes': { inserts: 1, updates: 0, deletes: 1, truncates: 0 },
    'public.orders': { inserts: 0, updates: 1, deletes: 0, truncates: 0 },
  });
  assert.deepEqual(Object.fromEntries(await capture.changesAfter(undefined, tables)), {});

  // A restarted stream from the marker's position begins after it.
  const again = capture.open(markerTx.position, tables);
  await again.start();
  try {
    await capture.writeMarker('cutover_to_source');
    const txs = await readUntilMarker(again.transactions(), 'cutover_to_source');
    assert.deepEqual(txs.flatMap((t) => t.events).map((e) => `${e.op} ${e.table}`), ['c notes', 'u orders', 'd notes'], 'the changes after the first marker, nothing before it');
  } finally {
    await again.stop();
  }

  // An interrupted start leaves the stream's rows: the next prepare drops them.
  assert.deepEqual(await capture.prepare([{ schema: 'public', name: 'orders' }]), { droppedLeftover: true });
  assert.equal(await capture.drop(), true);
  assert.equal(await capture.exists(), false);
  assert.deepEqual(await maria.sql(undefined, "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ybvoyager_metadata'"), [], 'the marker table goes with the last stream');
  assert.equal(await capture.drop(), false);
});

test('the write guard: triggers of migrated tables dropped and recreated exactly; the end check names what is missing', async () => {
  const guard = engine.writeGuard!(db);
  const refs = [{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'notes' }];
  const before = await guard.read(refs);
  assert.deepEqual(guard.active(before, refs).map((a) => a.what), ['trigger on shop.orders: AFTER INSERT trigger orders_ai']);
  assert.deepEqual(guard.active(await guard.read([{ schema: 'public', name: 'notes' }]), refs), [], 'only triggers of the written tables count');
  const definition = async () => (await maria.sql('shop', "SELECT ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_NAME = 'orders_ai'")).map((r) => String(r.s));
  await guard.disable(before);
  assert.deepEqual(await definition(), []);
  assert.deepEqual(guard.active(await guard.read(refs), refs), []);
  assert.deepEqual(guard.notRestored(before, await guard.read(refs)).map((g) => g.what), ['trigger orders_ai on shop.orders (missing)']);
  await guard.enable(before);
  await guard.enable(before); // a second run finds it there and changes nothing
  assert.deepEqual(await definition(), ['INSERT INTO audit (order_id) VALUES (NEW.id)']);
  assert.deepEqual(guard.notRestored(before, await guard.read(refs)), []);
  const [{ n }] = await maria.sql('shop', 'SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = \'shop\'');
  assert.equal(Number(n), 1);
});

test('the write guard recreates a table\'s triggers in the order they fired (FOLLOWS / PRECEDES), not by name (the fix-verify-49b run)', async () => {
  await maria.sql('shop', `CREATE TABLE ord_t (id int PRIMARY KEY); CREATE TABLE ord_log (n int AUTO_INCREMENT PRIMARY KEY, what varchar(10));
    CREATE TRIGGER ord_a AFTER INSERT ON ord_t FOR EACH ROW INSERT INTO ord_log (what) VALUES ('a');
    CREATE TRIGGER ord_c AFTER INSERT ON ord_t FOR EACH ROW INSERT INTO ord_log (what) VALUES ('c');
    CREATE TRIGGER ord_b AFTER INSERT ON ord_t FOR EACH ROW PRECEDES ord_a INSERT INTO ord_log (what) VALUES ('b');`);
  const order = async () => (await maria.sql('shop', "SELECT TRIGGER_NAME AS t FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_TABLE = 'ord_t' ORDER BY ACTION_ORDER")).map((r) => String(r.t));
  assert.deepEqual(await order(), ['ord_b', 'ord_a', 'ord_c']);
  const guard = engine.writeGuard!(db);
  const refs = [{ schema: 'public', name: 'ord_t' }];
  const before = await guard.read(refs);
  await guard.disable(before);
  assert.deepEqual(await order(), []);
  await guard.enable(before);
  assert.deepEqual(await order(), ['ord_b', 'ord_a', 'ord_c']);
  await maria.sql('shop', 'INSERT INTO ord_t VALUES (1)');
  assert.deepEqual((await maria.sql('shop', 'SELECT what FROM ord_log ORDER BY n')).map((r) => String(r.what)), ['b', 'a', 'c']);
  await maria.sql('shop', 'DROP TABLE ord_t, ord_log');
});

test('the write guard recreates a trigger under the sql_mode it was created with, so its body behaves as before', async () => {
  await maria.sql('shop', `CREATE TABLE cat_t (id int PRIMARY KEY, a varchar(10), s varchar(20));
    SET SESSION sql_mode = 'PIPES_AS_CONCAT,STRICT_TRANS_TABLES';
    CREATE TRIGGER cat_bi BEFORE INSERT ON cat_t FOR EACH ROW SET NEW.s = NEW.a || '-x';
    SET SESSION sql_mode = DEFAULT`);
  const guard = engine.writeGuard!(db);
  const refs = [{ schema: 'public', name: 'cat_t' }];
  try {
    const before = await guard.read(refs);
    await guard.disable(before);
    // Tandem's own session runs with the server's default sql_mode, where || is OR.
    await guard.enable(before);
    const [mode] = await maria.sql('shop', "SELECT SQL_MODE AS m FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' AND TRIGGER_NAME = 'cat_bi'");
    assert.equal(String(mode.m), 'PIPES_AS_CONCAT,STRICT_TRANS_TABLES');
    await maria.sql('shop', "INSERT INTO cat_t (id, a) VALUES (1, 'ab')");
    assert.deepEqual(await maria.sql('shop', 'SELECT s FROM cat_t'), [{ s: 'ab-x' }], 'the body concatenates, as when it was created');
    assert.deepEqual(guard.notRestored(before, await guard.read(refs)), []);
    // Created again by hand under another sql_mode: the end check says it changed, with the fix.
    await maria.sql('shop', "DROP TRIGGER cat_bi; SET SESSION sql_mode = 'STRICT_TRANS_TABLES'; CREATE TRIGGER cat_bi BEFORE INSERT ON cat_t FOR EACH ROW SET NEW.s = NEW.a || '-x'; SET SESSION sql_mode = DEFAULT");
    const findings = guard.notRestored(before, await guard.read(refs));
    assert.deepEqual(findings.map((f) => f.what), ['trigger cat_bi on shop.cat_t (changed)']);
    assert.match(findings[0]!.fix, /SET SESSION sql_mode = 'PIPES_AS_CONCAT,STRICT_TRANS_TABLES';\nDELIMITER \$\$\nCREATE/);
  } finally {
    await maria.sql('shop', 'DROP TABLE cat_t');
  }
});

test('migration metadata: end migration removes its own rows, and the database only when no other migration has rows there', async () => {
  const other = '8b2d3c4e-5f60-4a71-8b92-a3b4c5d6e7f8';
  const tables = (await (async () => {
    const c = await engine.openCatalog(db);
    try {
      return await c.listTables(['public']);
    } finally {
      await c.close();
    }
  })()).filter((t) => t.name === 'notes');
  for (const id of [UUID, other]) {
    const writer = engine.changeWriter(db, { tables, onWarning: () => {} });
    await writer.prepare(id, 2);
    await writer.close();
  }
  const meta = engine.migrationMetadata(db);
  assert.equal(await meta.drop(UUID), 'this migration\'s rows in database ybvoyager_metadata (other migrations\' rows kept)');
  assert.deepEqual((await maria.sql(undefined, 'SELECT DISTINCT migration_uuid AS u FROM ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo')).map((r) => r.u), [other]);
  assert.equal(await meta.drop(UUID), undefined, 'nothing of this migration left');
  assert.equal(await meta.drop(other), 'database ybvoyager_metadata');
  assert.deepEqual(await maria.sql(undefined, "SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ybvoyager_metadata'"), []);
});

test('--source-db-schema names the target schema: every role names the tables by it', async () => {
  const app: DbConfig = { ...db, schemas: ['app'] };
  const catalog = await engine.openCatalog(app);
  try {
    assert.deepEqual(await catalog.listSchemas(), ['app']);
    assert.deepEqual([...new Set((await catalog.listTables(['app'])).map((t) => t.schema))], ['app']);
  } finally {
    await catalog.close();
  }
  const exported = await engine.exportSchema(app, { schemas: ['app'] });
  assert.deepEqual(exported.objects.filter((o) => o.type === 'SCHEMA').map((o) => o.sql), ['CREATE SCHEMA IF NOT EXISTS app;']);
  assert.ok(exported.objects.filter((o) => o.type === 'TABLE').every((o) => o.schema === 'app'));
  assert.deepEqual(exported.unexported, [{ kind: 'trigger', name: 'shop.orders_ai' }]);
  const counters = await engine.sequences(app).read(['app']);
  assert.deepEqual(counters.map((c) => `${c.schema}.${c.name}`).sort(), ['app.audit_id_seq', 'app.orders_id_seq']);
});

test('two migrations from one server: one stream\'s preparation, markers and drop leave the other stream alone', async () => {
  const a = engine.changeCapture(db, { id: '1a1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', side: 'source' });
  const b = engine.changeCapture(db, { id: '2b1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', side: 'source' });
  const refs = [{ schema: 'public', name: 'notes' }];
  await a.prepare(refs);
  const { startPosition } = await a.createWithoutSnapshot();
  const catalog = await engine.openCatalog(db);
  const tables = (await catalog.listTables(['public'])).filter((t) => t.name === 'notes');
  await catalog.close();
  const stream = a.open(startPosition, tables);
  await stream.start();
  try {
    await b.prepare(refs); // the marker table exists: no DDL that would stop stream a (MariaDB would not log it anyway; MySQL 8 would)
    await b.writeMarker('cutover_to_target');
    await maria.sql('shop', "INSERT INTO notes VALUES (10, 'both')");
    assert.equal(await b.drop(), true);
    await a.writeMarker('cutover_to_target');
    const txs = await readUntilMarker(stream.transactions(), 'cutover_to_target');
    assert.deepEqual(txs.flatMap((t) => t.markers), ['cutover_to_target'], 'only its own marker');
    assert.deepEqual(txs.flatMap((t) => t.events).map((e) => `${e.op} ${e.table} ${e.key.id}`), ['c notes 10']);
  } finally {
    await stream.stop();
  }
  assert.equal(await a.drop(), true);
  assert.equal(await a.exists(), false);
});

test('change capture: each transaction tells at least how long ago it committed (sourceBehindMs: the binlog\'s second against the server\'s clock): a backlog\'s old, a live one\'s fresh', async () => {
  await maria.sql('shop', 'CREATE TABLE aged (id int NOT NULL PRIMARY KEY, t text)');
  const capture = engine.changeCapture(db, { id: '3c1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', side: 'source' });
  await capture.prepare([{ schema: 'public', name: 'aged' }]);
  const { startPosition } = await capture.createWithoutSnapshot();
  const catalog = await engine.openCatalog(db);
  const tables = (await catalog.listTables(['public'])).filter((t) => t.name === 'aged');
  await catalog.close();
  // Committed well before the stream opens.
  const beforeOld = Date.now();
  await maria.sql('shop', "INSERT INTO aged VALUES (1, 'old')");
  const committedOld = Date.now();
  await new Promise((r) => setTimeout(r, 2500));
  const opened = Date.now();
  const stream = capture.open(startPosition, tables);
  await stream.start();
  try {
    const txs = stream.transactions();
    const nextWithRows = async () => {
      for (;;) {
        const next = await txs.next();
        assert.ok(!next.done, 'the stream ended');
        if (next.value.events.length > 0) return next.value;
      }
    };
    const old = await nextWithRows();
    const receivedOld = Date.now();
    const beforeLive = Date.now();
    await maria.sql('shop', "INSERT INTO aged VALUES (2, 'live')");
    const live = await nextWithRows();
    const receivedLive = Date.now();
    assert.deepEqual([old.events[0]!.key, live.events[0]!.key], [{ id: '1' }, { id: '2' }]);
    // Same machine, same clock (5 ms for reading it): a lower bound, never more than the time from
    // before the commit to its arrival here, and at most the binlog's one second less than the real
    // age (it committed before committedOld and arrived after the stream opened).
    assert.ok(old.sourceBehindMs! <= receivedOld - beforeOld + 5, `old: ${old.sourceBehindMs} ms, at most ${receivedOld - beforeOld} ms`);
    assert.ok(old.sourceBehindMs! >= opened - committedOld - 1000 - 5, `old: ${old.sourceBehindMs} ms, opened ${opened - committedOld} ms after its commit`);
    assert.ok(live.sourceBehindMs! >= 0 && live.sourceBehindMs! <= receivedLive - beforeLive + 5, `live: ${live.sourceBehindMs} ms, at most ${receivedLive - beforeLive} ms`);
  } finally {
    await stream.stop();
    await capture.drop();
    await maria.sql('shop', 'DROP TABLE aged');
  }
});

test('writes after a marker: rows a foreign-key action deleted are not in the binlog, so not counted, and the capture says so beside its counts', async () => {
  await maria.sql('shop', `
    CREATE TABLE parent (id int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
    CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NOT NULL, FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
    INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (10, 1), (11, 1), (12, 2);`);
  const capture = engine.changeCapture(db, { id: '3c1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', side: 'source' });
  await capture.prepare([{ schema: 'public', name: 'parent' }, { schema: 'public', name: 'child' }]);
  const { startPosition } = await capture.createWithoutSnapshot();
  const catalog = await engine.openCatalog(db);
  const tables = (await catalog.listTables(['public'])).filter((t) => t.name === 'parent' || t.name === 'child');
  await catalog.close();
  const stream = capture.open(startPosition, tables);
  await stream.start();
  let marker: CapturedTransaction;
  try {
    await capture.writeMarker('cutover_to_target');
    const txs = await readUntilMarker(stream.transactions(), 'cutover_to_target');
    marker = txs[txs.length - 1]!;
  } finally {
    await stream.stop();
  }
  await maria.sql('shop', 'DELETE FROM parent WHERE id = 1');
  assert.deepEqual((await maria.sql('shop', 'SELECT COUNT(*) AS n FROM child'))[0].n, 1, 'the cascade deleted two child rows');
  assert.deepEqual(Object.fromEntries(await capture.changesAfter(marker.position, tables)), {
    'public.parent': { inserts: 0, updates: 0, deletes: 1, truncates: 0 },
  }, 'the two cascaded deletes of child are not in the binlog');
  assert.match(capture.changesAfterMiss ?? '', /^rows that foreign-key actions \(ON DELETE\/UPDATE CASCADE, SET NULL\) changed in child tables are not in the binlog, so they are not counted here/);
  assert.equal(await capture.drop(), true);
});

test('change stream: a zero date and a day its month does not have (ALLOW_INVALID_DATES), in nullable columns, stream as NULL and are said, by column (measured before: 2024-02-30 stopped the importer for good with no column named; zero dates went NULL unsaid)', async () => {
  await maria.sql('shop', 'CREATE TABLE dated (id int NOT NULL PRIMARY KEY, d date, dt datetime(3))');
  const capture = engine.changeCapture(db, { id: '4d1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', side: 'source' });
  await capture.prepare([{ schema: 'public', name: 'dated' }]);
  const { startPosition } = await capture.createWithoutSnapshot();
  await maria.sql('shop', `SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
    INSERT INTO dated VALUES (1, '2024-02-30', '2023-04-31 10:00:00'), (2, '2024-02-29', '2024-02-29 23:59:59');
    SET SESSION sql_mode = '';
    INSERT INTO dated VALUES (3, '0000-00-00', '2024-00-10 00:00:00');
    SET SESSION sql_mode = DEFAULT`);
  await capture.writeMarker('cutover_to_target');
  const catalog = await engine.openCatalog(db);
  const tables = (await catalog.listTables(['public'])).filter((t) => t.name === 'dated');
  await catalog.close();
  const notices: string[] = [];
  const stream = capture.open(startPosition, tables, (m) => notices.push(m));
  await stream.start();
  try {
    const txs = await readUntilMarker(stream.transactions(), 'cutover_to_target');
    assert.deepEqual(txs.flatMap((t) => t.events).map((e) => e.after), [
      { id: '1', d: null, dt: null }, { id: '2', d: '2024-02-29', dt: '2024-02-29 23:59:59.000' }, { id: '3', d: null, dt: null },
    ]);
  } finally {
    await stream.stop();
    await capture.drop();
  }
  assert.equal(notices.length, 2, notices.join('\n'));
  assert.match(notices[0]!, /^shop\.dated\.d: a date written on the source that PostgreSQL cannot hold \(2024-02-30: .*\) was streamed as NULL/);
  assert.match(notices[1]!, /^shop\.dated\.dt: a date written on the source that PostgreSQL cannot hold \(2023-04-31: /);
});
