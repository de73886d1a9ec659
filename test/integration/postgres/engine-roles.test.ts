/**
 * The PostgreSQL engine's roles as the workflow sees them (through the registry), on a throw-away
 * PostgreSQL 15: the catalog's prerequisite findings in their order, and the change capture's life
 * (prepare, create, stream, marker, writes after the marker, drop).
 */
import { after, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { CapturedTransaction } from '../../../src/core/engine/change-capture.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';

const DB = 'roles';
const READER_PW = 'reader-pw-2207';
let server: PgServer;
let engine: SourceEngine;
let source: DbConfig;

before(async () => {
  server = await startPg15();
  await server.createDatabase(DB);
  await server.sql(DB, `
    CREATE SCHEMA app;
    CREATE TABLE app.items (id int PRIMARY KEY, name text);
    CREATE TABLE app.log (at timestamptz, line text);
    CREATE TABLE app.quiet (id int PRIMARY KEY);
    ALTER TABLE app.quiet REPLICA IDENTITY NOTHING;
    CREATE TABLE app.swap (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v int);
    CREATE TABLE app.swap_full (id int PRIMARY KEY DEFERRABLE, v int);
    ALTER TABLE app.swap_full REPLICA IDENTITY FULL;
    CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TRIGGER items_noop BEFORE INSERT ON app.items FOR EACH ROW EXECUTE FUNCTION app.noop();
    ALTER TABLE app.items DISABLE TRIGGER items_noop;
    CREATE ROLE reader LOGIN PASSWORD '${READER_PW}';
    GRANT USAGE ON SCHEMA app TO reader;
    GRANT SELECT ON app.items TO reader;`);
  engine = await loadEngine('postgresql');
  source = { ...targetDbConfig(server, DB), role: 'source', schemas: ['app'] };
});

after(async () => {
  await server?.stop();
});

test('catalog: tables with their keys; findings in order (read access, the primary-key rule, change capture), every one of them', async () => {
  const catalog = await engine.openCatalog(source);
  try {
    assert.deepEqual(await catalog.missingSchemas(['app', 'nosuch']), ['nosuch']);
    const all = await catalog.listTables(['app']);
    assert.deepEqual(all.map((t) => [t.schema, t.name, [...t.columns], [...t.primaryKey]]), [
      ['app', 'items', ['id', 'name'], ['id']], ['app', 'log', ['at', 'line'], []], ['app', 'quiet', ['id'], ['id']],
      ['app', 'swap', ['id', 'v'], ['id']], ['app', 'swap_full', ['id', 'v'], ['id']],
    ]);
    const pick = (...names: string[]) => all.filter((t) => names.includes(t.name));
    assert.deepEqual(await catalog.checkPrerequisites({ live: false, tables: pick('items', 'log') }), [
      { severity: 'warning', code: 'TANDEM_PREREQUISITE', message: 'tables without a primary key (fine offline, refused for live migration): app.log', fix: '' },
    ]);
    assert.deepEqual(await catalog.checkPrerequisites({ live: true, tables: pick('items', 'log') }), [{
      severity: 'error', code: 'TANDEM_PREREQUISITE', message: 'Live migration needs a primary key on every table; these have none: app.log.',
      fix: 'Add a primary key on the source (ALTER TABLE … ADD PRIMARY KEY (…); a unique key on NOT NULL columns can become it: DROP CONSTRAINT <the unique key>, ADD PRIMARY KEY (<its columns>) in one ALTER TABLE), leave the tables out with --exclude-table-list, or migrate offline with --export-type snapshot-only.',
    }]);
    assert.deepEqual(await catalog.checkPrerequisites({ live: true, tables: pick('items', 'quiet') }), [{
      severity: 'error', code: 'TANDEM_PREREQUISITE', message: 'Tables with REPLICA IDENTITY NOTHING cannot stream updates or deletes: app.quiet.',
      fix: 'ALTER TABLE … REPLICA IDENTITY DEFAULT; on each of them.',
    }]);
    // A deferrable primary key is no replica identity (the application's updates would fail once
    // the table is published); with REPLICA IDENTITY FULL the table streams.
    assert.deepEqual(await catalog.checkPrerequisites({ live: true, tables: pick('items', 'swap', 'swap_full') }), [{
      severity: 'error', code: 'TANDEM_PREREQUISITE',
      message: 'Tables whose primary key is DEFERRABLE have no replica identity: once they were published, the source would refuse every UPDATE and DELETE the application runs on them: app.swap.',
      fix: 'ALTER TABLE … REPLICA IDENTITY FULL; on each of them (every update then logs the whole old row), or make the primary key NOT DEFERRABLE (drop and add it again).',
    }]);
    assert.deepEqual(await catalog.checkPrerequisites({ live: false, tables: pick('swap') }), []);
    assert.deepEqual(await catalog.checkPrerequisites({ live: true, tables: pick('items') }), []);
    assert.deepEqual(await catalog.disabledObjects(['app']), ['trigger items_noop on app.items']);
  } finally {
    await catalog.close();
  }
  // A user who cannot read a table hears that first, then every other problem of the same run
  // (measured before: only the first, so a new user fixed one round per rerun).
  const asReader = await engine.openCatalog({ ...source, user: 'reader', password: READER_PW });
  try {
    const tables = (await asReader.listTables(['app'])).filter((t) => !['quiet', 'swap', 'swap_full'].includes(t.name));
    assert.deepEqual((await asReader.checkPrerequisites({ live: true, tables })).map((f) => [f.severity, f.code, f.message]), [
      ['error', 'TANDEM_PRIVILEGE', 'User reader cannot read: app.log.'],
      ['error', 'TANDEM_PREREQUISITE', 'Live migration needs a primary key on every table; these have none: app.log.'],
      ['error', 'TANDEM_PRIVILEGE', 'The database user "reader" lacks the REPLICATION attribute needed to stream changes.'],
      ['error', 'TANDEM_PRIVILEGE', 'User reader lacks CREATE on database roles, which creating the publication needs. User reader neither owns nor is a member of the owner of app.items (owner postgres), app.log (owner postgres): a publication lists only tables its creator owns.'],
    ]);
    assert.deepEqual(await asReader.checkPrerequisites({ live: false, tables }), [{
      severity: 'error', code: 'TANDEM_PRIVILEGE', message: 'User reader cannot read: app.log.',
      fix: 'As an owner or superuser: GRANT USAGE ON SCHEMA "app" TO "reader"; GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "reader";',
    }, {
      severity: 'warning', code: 'TANDEM_PREREQUISITE', message: 'tables without a primary key (fine offline, refused for live migration): app.log', fix: '',
    }]);
  } finally {
    await asReader.close();
  }
});

test('catalog: a live export by a user who may not SET session_replication_role warns, for a fall-back, of the triggers and foreign keys that would act on its writes; once granted, nothing', async () => {
  await server.sql(DB, `
    CREATE SCHEMA fb;
    CREATE TABLE fb.customers (id int PRIMARY KEY);
    CREATE TABLE fb.orders (id int PRIMARY KEY, customer_id int REFERENCES fb.customers (id) ON DELETE CASCADE);
    CREATE TABLE fb.notes (id int PRIMARY KEY);
    CREATE ROLE fbuser LOGIN REPLICATION PASSWORD '${READER_PW}';
    GRANT USAGE ON SCHEMA fb TO fbuser;
    GRANT SELECT ON ALL TABLES IN SCHEMA fb TO fbuser;
    -- What creating the publication asks (checked too): CREATE on the database, owning the tables.
    GRANT CREATE ON DATABASE ${DB} TO fbuser;
    ALTER TABLE fb.customers OWNER TO fbuser; ALTER TABLE fb.orders OWNER TO fbuser; ALTER TABLE fb.notes OWNER TO fbuser;`);
  const findingsOf = async (names: string[]) => {
    const catalog = await engine.openCatalog({ ...source, schemas: ['fb'], user: 'fbuser', password: READER_PW });
    try {
      return await catalog.checkPrerequisites({ live: true, tables: (await catalog.listTables(['fb'])).filter((t) => names.includes(t.name)) });
    } finally {
      await catalog.close();
    }
  };
  assert.deepEqual(await findingsOf(['customers', 'orders', 'notes']), [{
    severity: 'warning', code: 'TANDEM_PRIVILEGE', fallBack: true,
    fix: 'As a superuser: GRANT SET ON PARAMETER session_replication_role TO fbuser; (PostgreSQL 15 and later; before 15, only a superuser may set it).',
    message: 'User fbuser may not SET session_replication_role = replica: if the migration falls back, the rows Tandem writes back to the source would fire these triggers and foreign-key checks and actions and repeat what the target\'s did (foreign key orders_customer_id_fkey on fb.orders), so import data to source refuses to write until the user may.',
  }]);
  // Nothing acts on a table without triggers and foreign keys: no warning.
  assert.deepEqual(await findingsOf(['notes']), []);
  await server.sql(DB, 'GRANT SET ON PARAMETER session_replication_role TO fbuser');
  assert.deepEqual(await findingsOf(['customers', 'orders', 'notes']), []);
});

test('change capture: the check and the objects run at once on one connection, closed when both are done (a cutover waits for them)', async () => {
  // A TCP relay in front of the server counts connections; one connect first, so that the server's
  // "no TLS" answer is known and every later connect is one connection.
  const relay = await startTcpRelay(server.host, server.port);
  const viaRelay: DbConfig = { ...source, host: '127.0.0.1', port: relay.port };
  try {
    const catalog = await engine.openCatalog(viaRelay);
    await catalog.close();
    const capture = engine.changeCapture(viaRelay, { id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', side: 'target' });
    const before = relay.opened;
    const [findings, prepared] = await Promise.all([capture.checkPrerequisites(), capture.prepare([{ schema: 'app', name: 'items' }])]);
    assert.deepEqual(findings, []);
    assert.deepEqual(prepared, { droppedLeftover: false });
    assert.equal(relay.opened - before, 1, 'one connection for both');
    const { publication } = capture.record;
    assert.equal((await server.sql(DB, 'SELECT count(*)::int AS n FROM pg_publication WHERE pubname = $1', [publication]))[0].n, 1);
    // Closed once both were done: no session of this capture is left on the server.
    for (let i = 0; ; i++) {
      const left = (await server.sql(DB, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tandem' AND pid <> pg_backend_pid()"))[0].n;
      if (left === 0) break;
      assert.ok(i < 100, `${left} connection(s) left open`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Later calls open their own connection again.
    assert.deepEqual(await capture.checkPrerequisites(), []);
    assert.equal(relay.opened - before, 2);
    await server.sql(DB, `DROP PUBLICATION ${publication}`);
  } finally {
    await relay.close();
  }
});

test('change capture: the stream after its start, a marker, the writes after it (not those before, unacknowledged), then dropped', async () => {
  const capture = engine.changeCapture(source, { id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', side: 'source' });
  assert.deepEqual(capture.record, { slot: 'tandem_0f1e2d3c4b5a69788796', publication: 'tandem_pub_0f1e2d3c4b5a69788796' });
  assert.equal(capture.labels.stream, 'replication slot tandem_0f1e2d3c4b5a69788796');
  assert.deepEqual(await capture.checkPrerequisites(), []);
  const published = [{ schema: 'app', name: 'items' }];
  assert.deepEqual(await capture.prepare(published), { droppedLeftover: false });
  const start = await capture.createWithoutSnapshot();
  assert.match(start.startPosition, /^[0-9A-F]{16}$/);
  assert.match(capture.describePosition(start.startPosition), /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.equal(await capture.exists(), true);

  await server.sql(DB, "INSERT INTO app.items VALUES (1, 'one')");
  await capture.writeMarker('cutover_to_target');
  const catalog = await engine.openCatalog(source);
  const tables = (await catalog.listTables(['app'])).filter((t) => t.name === 'items');
  await catalog.close();
  const stream = capture.open(start.startPosition, tables);
  await stream.start();
  const seen: CapturedTransaction[] = [];
  try {
    for await (const tx of stream.transactions()) {
      seen.push(tx);
      if (tx.markers.includes('cutover_to_target')) break;
    }
  } finally {
    await stream.stop();
  }
  assert.deepEqual(seen.map((t) => [t.events.map((e) => [e.op, `${e.schema}.${e.table}`, e.key, e.after]), t.markers]), [
    [[['c', 'app.items', { id: '1' }, { id: '1', name: 'one' }]], []],
    [[], ['cutover_to_target']],
  ]);
  assert.ok(seen[0]!.position < seen[1]!.position && start.startPosition < seen[0]!.position, 'positions sort as text in commit order');

  // Nothing was acknowledged (as after a crash between queuing the marker and acknowledging it):
  // the slot still holds the insert before the marker, which is not a write after it.
  await server.sql(DB, "INSERT INTO app.items VALUES (2, 'two'); UPDATE app.items SET name = 'uno' WHERE id = 1; DELETE FROM app.items WHERE id = 2;");
  const marker = seen[1]!.position;
  assert.deepEqual(await capture.changesAfter(marker, published), new Map([['app.items', { inserts: 1, updates: 1, deletes: 1, truncates: 0 }]]));
  assert.deepEqual(await capture.changesAfter(undefined, published), new Map([['app.items', { inserts: 2, updates: 1, deletes: 1, truncates: 0 }]]));
  // The same under a database default of bytea_output = escape (measured before: every decode failed,
  // and both cutovers with it; the pg-types-49 run).
  await server.sql(DB, `ALTER DATABASE ${DB} SET bytea_output = escape`);
  try {
    assert.deepEqual(await capture.changesAfter(marker, published), new Map([['app.items', { inserts: 1, updates: 1, deletes: 1, truncates: 0 }]]));
  } finally {
    await server.sql(DB, `ALTER DATABASE ${DB} RESET bytea_output`);
  }

  // A second start finds the first stream left over and drops it.
  assert.deepEqual(await capture.prepare(published), { droppedLeftover: true });
  assert.equal(await capture.exists(), false);
  await capture.createWithoutSnapshot();
  assert.equal(await capture.drop(), true);
  assert.equal(await capture.exists(), false);
  assert.equal(await capture.drop(), false);
  assert.deepEqual(await server.sql(DB, "SELECT pubname FROM pg_publication WHERE pubname LIKE 'tandem%'"), []);
});

test('change capture: each transaction tells how long after its commit the server sent it (sourceBehindMs, the server\'s clock): a backlog\'s are old, a live one\'s fresh', async () => {
  const capture = engine.changeCapture(source, { id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', side: 'source' });
  const published = [{ schema: 'app', name: 'items' }];
  await capture.prepare(published);
  const start = await capture.createWithoutSnapshot();
  const catalog = await engine.openCatalog(source);
  const tables = (await catalog.listTables(['app'])).filter((t) => t.name === 'items');
  await catalog.close();
  // Committed well before the stream opens: the server can only send it after that.
  const beforeOld = Date.now();
  await server.sql(DB, "INSERT INTO app.items VALUES (11, 'old')");
  const committedOld = Date.now();
  await new Promise((r) => setTimeout(r, 1200));
  const opened = Date.now();
  const stream = capture.open(start.startPosition, tables);
  await stream.start();
  try {
    const it = stream.transactions()[Symbol.asyncIterator]();
    const old = (await it.next()).value as CapturedTransaction;
    const receivedOld = Date.now();
    const beforeLive = Date.now();
    await server.sql(DB, "INSERT INTO app.items VALUES (12, 'live')");
    const live = (await it.next()).value as CapturedTransaction;
    const receivedLive = Date.now();
    assert.deepEqual([old.events[0]!.key, live.events[0]!.key], [{ id: '11' }, { id: '12' }]);
    // Same machine, same clock (2 ms for the milliseconds' rounding): sent after the stream
    // opened, committed before the insert returned; and never more than the time from before the
    // commit to its arrival here.
    assert.ok(old.sourceBehindMs! >= opened - committedOld - 2, `old: ${old.sourceBehindMs} ms, opened ${opened - committedOld} ms after its commit`);
    assert.ok(old.sourceBehindMs! <= receivedOld - beforeOld + 2, `old: ${old.sourceBehindMs} ms, at most ${receivedOld - beforeOld} ms`);
    assert.ok(live.sourceBehindMs! >= 0 && live.sourceBehindMs! <= receivedLive - beforeLive + 2, `live: ${live.sourceBehindMs} ms, at most ${receivedLive - beforeLive} ms`);
  } finally {
    await stream.stop();
    await capture.drop();
  }
});

test('change capture: a slot whose creation a killed process left waiting on an open transaction is taken as gone once its drop ends it, and prepare goes on (measured before: TANDEM_PREREQUISITE "does not exist", start the migration again)', async () => {
  const capture = engine.changeCapture(source, { id: '5c4b3a29-1807-4f6e-9d5c-4b3a29180706', side: 'target' });
  const { slot } = capture.record;
  const blocker = await server.client(DB);
  let orphan: ReturnType<typeof spawn> | undefined;
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT txid_current()');
    // The interrupted run: its CREATE_REPLICATION_SLOT waits for the open transaction, then its client dies.
    orphan = spawn('psql', [`host=${server.host} port=${server.port} user=${server.user} dbname=${DB} replication=database`, '-c', `CREATE_REPLICATION_SLOT ${slot} LOGICAL pgoutput`],
      { env: { ...process.env, PGPASSWORD: server.password }, stdio: 'ignore' });
    for (let i = 0; (await server.sql(DB, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).length === 0; i++) {
      assert.ok(i < 200, 'the orphan never started its slot');
      await new Promise((r) => setTimeout(r, 25));
    }
    orphan.kill('SIGKILL');
    const prepared = capture.prepare([{ schema: 'app', name: 'items' }]);
    // The drop waits for the orphan's walsender, which waits for the transaction: end it once the drop waits.
    for (let i = 0; (await server.sql(DB, "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'ReplicationSlotDrop'")).length === 0; i++) {
      assert.ok(i < 400, 'the drop never waited');
      await new Promise((r) => setTimeout(r, 25));
    }
    await blocker.query('COMMIT');
    assert.deepEqual(await prepared, { droppedLeftover: true });
    const start = await capture.createWithoutSnapshot();
    assert.match(start.startPosition, /^[0-9A-F]{16}$/);
    await capture.drop();
  } finally {
    orphan?.kill('SIGKILL');
    await blocker.query('ROLLBACK').catch(() => {});
    await blocker.end();
  }
});
