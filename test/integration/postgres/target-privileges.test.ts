/**
 * What the target user needs, checked before anything is written. A user who may not SET
 * session_replication_role = replica loaded tables in name order with their foreign keys checked:
 * a child before its parent failed on the key (TANDEM_DATA, no fix), a deferred cycle could never
 * load, and every rerun failed the same way with part of the snapshot in.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll } from '../../helpers/live-process.js';

const TGT_PW = 'tgt-role-pw-8831';
let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.sql('postgres', `CREATE ROLE tgt LOGIN PASSWORD '${TGT_PW}'`);
});

after(async () => {
  await killAll();
  await server?.stop();
});

/** Target flags as the non-superuser `tgt`. */
const tgtFlags = (db: string) => targetFlags(server, db).map((a) => (a === server.user ? 'tgt' : a));
const env = () => ({ SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: TGT_PW });

/** export schema, import schema (as tgt, the target database's owner) and an offline export data into a new dir. */
async function exported(src: string, dst: string, ddl: string, rows: string): Promise<string> {
  await server.createDatabase(src);
  await server.createDatabase(dst);
  await server.sql(src, `CREATE SCHEMA app; ${ddl} ${rows}`);
  await server.sql('postgres', `ALTER DATABASE ${dst} OWNER TO tgt`);
  const dir = newExportDir();
  const SF = sourceFlags(server, src, 'app');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...tgtFlags(dst)], ['export', 'data', '--export-dir', dir, ...SF]]) {
    const r = await runTandem(args, env());
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  return dir;
}

test('import data as a target user who may not SET session_replication_role, with foreign keys among the loaded tables: refused before anything is written, with the GRANT; once granted, parent, child and a deferred cycle load (measured before: TANDEM_DATA on the foreign key, no fix)', { timeout: 90_000 }, async () => {
  const dir = await exported('fk_src', 'fk_dst', `
    CREATE TABLE app.customers (id int PRIMARY KEY, name text);
    CREATE TABLE app.audit (id int PRIMARY KEY, what text);
    CREATE TABLE app.order_items (id int PRIMARY KEY, order_id int);
    CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int REFERENCES app.customers (id) ON DELETE CASCADE);
    ALTER TABLE app.order_items ADD FOREIGN KEY (order_id) REFERENCES app.orders (id) ON DELETE CASCADE;
    CREATE TABLE app.cyc_a (id int PRIMARY KEY, b_id int);
    CREATE TABLE app.cyc_b (id int PRIMARY KEY, a_id int REFERENCES app.cyc_a (id) DEFERRABLE INITIALLY DEFERRED);
    ALTER TABLE app.cyc_a ADD FOREIGN KEY (b_id) REFERENCES app.cyc_b (id) DEFERRABLE INITIALLY DEFERRED;`, `
    INSERT INTO app.customers SELECT g, 'c' || g FROM generate_series(1, 20) g;
    INSERT INTO app.audit SELECT g, 'a' FROM generate_series(1, 5) g;
    INSERT INTO app.orders SELECT g, g FROM generate_series(1, 20) g;
    INSERT INTO app.order_items SELECT g, g FROM generate_series(1, 20) g;
    BEGIN; INSERT INTO app.cyc_a VALUES (1, 1); INSERT INTO app.cyc_b VALUES (1, 1); COMMIT;`);
  const r = await runTandem(['import', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...tgtFlags('fk_dst')], env());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: User tgt may not SET session_replication_role = replica on the target .*, so the snapshot would load with these foreign keys checked row by row: foreign key cyc_a_b_id_fkey on app\.cyc_a, foreign key cyc_b_a_id_fkey on app\.cyc_b, foreign key order_items_order_id_fkey on app\.order_items, foreign key orders_customer_id_fkey on app\.orders\. .*Nothing was written\.$/m);
  assert.match(r.stderr, /fix: As a superuser: GRANT SET ON PARAMETER session_replication_role TO tgt; .*On YugabyteDB: GRANT yb_superuser TO tgt;/);
  assert.doesNotMatch(r.stderr, /TANDEM_DATA/);
  assert.deepEqual(await server.sql('fk_dst', `SELECT (SELECT count(*)::int FROM app.audit) AS audit, (SELECT count(*)::int FROM app.customers) AS customers,
    (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'ybvoyager_metadata') AS metadata`), [{ audit: 0, customers: 0, metadata: 0 }], 'nothing was written');

  await server.sql('postgres', 'GRANT SET ON PARAMETER session_replication_role TO tgt');
  try {
    const ok = await runTandem(['import', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...tgtFlags('fk_dst')], env());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.deepEqual(await server.sql('fk_dst', `SELECT (SELECT count(*)::int FROM app.customers) AS customers, (SELECT count(*)::int FROM app.orders) AS orders,
      (SELECT count(*)::int FROM app.order_items) AS items, (SELECT count(*)::int FROM app.cyc_a) + (SELECT count(*)::int FROM app.cyc_b) AS cycle`),
    [{ customers: 20, orders: 20, items: 20, cycle: 2 }]);
  } finally {
    await server.sql('postgres', 'REVOKE SET ON PARAMETER session_replication_role FROM tgt');
  }
});

test('import data as a new target user lacking several grants: one error names them all, session_replication_role, CREATE for the metadata schema and a table it may not write, and nothing is written (measured before: one per run, three reruns)', { timeout: 90_000 }, async () => {
  const dir = await exported('all_src', 'all_dst', `
    CREATE TABLE app.customers (id int PRIMARY KEY, name text);
    CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int REFERENCES app.customers (id));
    CREATE TABLE app.audit (id int PRIMARY KEY, what text);`, `
    INSERT INTO app.customers SELECT g, 'c' FROM generate_series(1, 5) g; INSERT INTO app.orders SELECT g, g FROM generate_series(1, 5) g;
    INSERT INTO app.audit VALUES (1, 'a');`);
  // The DBA's half-done setup: the database and one table belong to someone else.
  await server.sql('postgres', 'ALTER DATABASE all_dst OWNER TO postgres');
  await server.sql('all_dst', 'ALTER TABLE app.audit OWNER TO postgres');
  const r = await runTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('all_dst')], env());
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: 3 problems, each to fix before rerunning: \(1\) User tgt may not SET session_replication_role = replica .* \(2\) User tgt cannot create the schema ybvoyager_metadata on the target\. \(3\) User tgt lacks INSERT or SELECT on: app\.audit\./m);
  assert.match(r.stderr, /fix: \(1\) As a superuser: GRANT SET ON PARAMETER session_replication_role TO tgt;.* \(2\) GRANT CREATE ON DATABASE all_dst TO tgt; \(3\) As the tables' owner or a superuser: GRANT INSERT, SELECT, UPDATE, DELETE ON app\.audit TO tgt;/);
  assert.deepEqual(await server.sql('all_dst', `SELECT (SELECT count(*)::int FROM app.customers) AS customers,
    (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'ybvoyager_metadata') AS metadata`), [{ customers: 0, metadata: 0 }], 'nothing was written');
});

test('import data as a target user who may not SET session_replication_role, with no foreign key among the loaded tables: loads, saying so once', { timeout: 90_000 }, async () => {
  const dir = await exported('nofk_src', 'nofk_dst', 'CREATE TABLE app.items (id int PRIMARY KEY, v text); CREATE TABLE app.tags (id int PRIMARY KEY, tag text);',
    `INSERT INTO app.items SELECT g, 'v' FROM generate_series(1, 30) g; INSERT INTO app.tags SELECT g, 't' FROM generate_series(1, 3) g;`);
  const r = await runTandem(['import', 'data', '--export-dir', dir, '--parallel-jobs', '2', ...tgtFlags('nofk_dst')], env());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.stdout + r.stderr).match(/cannot set session_replication_role \(permission denied to set parameter "session_replication_role"\); no loaded table has a foreign key, so the load goes on/g)?.length, 1, r.stdout + r.stderr);
  assert.deepEqual(await server.sql('nofk_dst', 'SELECT (SELECT count(*)::int FROM app.items) AS items, (SELECT count(*)::int FROM app.tags) AS tags'), [{ items: 30, tags: 3 }]);
});

test('import data of a live migration: a target user who may not SET session_replication_role is refused before the snapshot loads; one without REPLICATION is warned once at the start that a cutover with --prepare-for-fall-back would stop there (measured before: found out only at that cutover, with the application stopped)', { timeout: 120_000 }, async () => {
  await server.createDatabase('live_src');
  await server.createDatabase('live_dst');
  await server.sql('live_src', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, v text); INSERT INTO app.items SELECT g, 'v' FROM generate_series(1, 10) g;`);
  await server.sql('postgres', 'ALTER DATABASE live_dst OWNER TO tgt');
  const dir = newExportDir();
  const SF = sourceFlags(server, 'live_src', 'app');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...tgtFlags('live_dst')]]) {
    const r = await runTandem(args, env());
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env());
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    const refused = await runTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('live_dst')], env());
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^error \[TANDEM_PRIVILEGE\]: User tgt may not SET session_replication_role = replica on the target .*"import schema --post-snapshot-import" creates while changes stream.* Nothing was written\.$/m);
    assert.match(refused.stderr, /fix: As a superuser: GRANT SET ON PARAMETER session_replication_role TO tgt;/);
    assert.deepEqual(await server.sql('live_dst', `SELECT (SELECT count(*)::int FROM app.items) AS items, (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'ybvoyager_metadata') AS metadata`),
      [{ items: 0, metadata: 0 }], 'nothing was loaded');

    await server.sql('postgres', 'GRANT SET ON PARAMETER session_replication_role TO tgt');
    const REPLICATION_WARNING = /User tgt on the target lacks the REPLICATION attribute \(or superuser\): a fall-back streams the target's changes, so "initiate cutover to target --prepare-for-fall-back true" would stop there, with the application already stopped\. Give it now, as a superuser on the target: ALTER ROLE tgt WITH REPLICATION;/g;
    const im = startTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('live_dst')], env());
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    await im.kill();
    assert.equal(im.output().match(REPLICATION_WARNING)?.length, 1, im.output());
    assert.deepEqual(await server.sql('live_dst', 'SELECT count(*)::int AS n FROM app.items'), [{ n: 10 }]);

    // The cutover with fall-back is refused before it starts, not when it reaches the target's stream
    // (measured before: accepted; the importer then stopped there with the application stopped).
    const initiate = (withPassword: boolean) => runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'],
      withPassword ? env() : { SOURCE_DB_PASSWORD: server.password });
    let cut = await initiate(true);
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stderr, /^error \[TANDEM_PRIVILEGE\]: The target may not stream its changes for a fall-back: User tgt lacks the REPLICATION attribute \(or superuser\); as a superuser on the target: ALTER ROLE tgt WITH REPLICATION; The cutover prepared for fall-back starts the target's change stream and would stop there, with the application stopped\. Nothing was changed\./m);
    cut = await initiate(false);
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stderr, /The target may not stream its changes for a fall-back, as import data last found \(asking the target again failed: .*\): User tgt lacks the REPLICATION attribute/);
    assert.match(cut.stderr, /with TARGET_DB_PASSWORD set \(so that it can check\), or restart import data to target/);
    // The grants run: REPLICATION given since, the table's ownership lost: the cutover named the
    // REPLICATION it no longer lacked. What is missing now is named.
    await server.sql('postgres', 'ALTER ROLE tgt REPLICATION');
    await server.sql('live_dst', 'ALTER TABLE app.items OWNER TO postgres');
    cut = await initiate(true);
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stderr, /^error \[TANDEM_PRIVILEGE\]: The target may not stream its changes for a fall-back: User tgt neither owns nor is a member of the owner of app\.items/m);
    assert.doesNotMatch(cut.stderr, /REPLICATION attribute/);
    await server.sql('live_dst', 'ALTER TABLE app.items OWNER TO tgt');
    await server.sql('postgres', 'ALTER ROLE tgt NOREPLICATION');
    const status = await runTandem(['cutover', 'status', '--export-dir', dir, '--output-format', 'json'], env());
    assert.equal(JSON.parse(status.stdout)[0].status, 'NOT_INITIATED');

    // With REPLICATION: no such warning (the resumed import checks again).
    await server.sql('postgres', 'ALTER ROLE tgt REPLICATION');
    const again = startTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('live_dst')], env());
    await again.waitFor(/Applying the changes captured on the source/, 60_000);
    await again.kill();
    assert.doesNotMatch(again.output(), /lacks the REPLICATION attribute/);
  } finally {
    await killAll();
    await server.sql('postgres', 'REVOKE SET ON PARAMETER session_replication_role FROM tgt; ALTER ROLE tgt NOREPLICATION');
  }
});

// The docs-claims-2 run: a target user with REPLICATION who does not own the migrated tables was not
// warned, the cutover with fall-back was accepted and stopped at "must be owner of table" while
// creating the fall-back's publication, with the application stopped.
test('import data of a live migration: a target user with REPLICATION who does not own the migrated tables is warned at the start, and the cutover with fall-back is refused before anything changes', { timeout: 120_000 }, async () => {
  await server.createDatabase('own_src');
  await server.createDatabase('own_dst');
  await server.sql('own_src', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, v text); INSERT INTO app.items SELECT g, 'v' FROM generate_series(1, 10) g;`);
  const dir = newExportDir();
  const SF = sourceFlags(server, 'own_src', 'app');
  // The schema imported by the superuser: it owns the tables; tgt may write them and stream.
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...targetFlags(server, 'own_dst')]]) {
    const r = await runTandem(args, { SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: server.password });
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  await server.sql('own_dst', `GRANT CREATE ON DATABASE own_dst TO tgt; GRANT USAGE, CREATE ON SCHEMA app TO tgt; GRANT ALL ON ALL TABLES IN SCHEMA app TO tgt;
    GRANT SET ON PARAMETER session_replication_role TO tgt; ALTER ROLE tgt REPLICATION;`);
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env());
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    const im = startTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('own_dst')], env());
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    assert.match(im.output(), /WARNING: User tgt neither owns nor is a member of the owner of app\.items \(owner postgres\): a publication lists only tables its creator owns\. A fall-back streams the target's changes through a publication of the migrated tables, so "initiate cutover to target --prepare-for-fall-back true" would stop there/);
    await im.kill();
    const cut = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], env());
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stderr, /^error \[TANDEM_PRIVILEGE\]: The target may not stream its changes for a fall-back: User tgt neither owns .*app\.items.* Nothing was changed\./m);
    const status = await runTandem(['cutover', 'status', '--export-dir', dir, '--output-format', 'json'], env());
    assert.equal(JSON.parse(status.stdout)[0].status, 'NOT_INITIATED');
    // Owned when import data starts again (it records nothing missing), lost again while it streams:
    // the importer's own look, again every minute (here every 300 ms), sees it, and the cutover is
    // refused (the grants run: accepted, and the cutover stopped midway with the application stopped).
    await server.sql('own_dst', 'ALTER TABLE app.items OWNER TO tgt');
    const im2 = startTandem(['import', 'data', '--export-dir', dir, ...tgtFlags('own_dst')], { ...env(), TANDEM_STREAM_CHECK_MS: '300' });
    await im2.waitFor(/Applying the changes captured on the source/, 60_000);
    assert.doesNotMatch(im2.output(), /neither owns/);
    await server.sql('own_dst', 'ALTER TABLE app.items OWNER TO postgres');
    await im2.waitFor(/WARNING: A fall-back could not stream the target's changes now: User tgt neither owns .*app\.items.* Until it is fixed, "initiate cutover to target --prepare-for-fall-back true" is refused \(this is looked at again every minute\)\./, 30_000);
    await im2.kill();
    const lost = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], env());
    assert.equal(lost.code, 1, lost.stdout + lost.stderr);
    assert.match(lost.stderr, /^error \[TANDEM_PRIVILEGE\]: The target may not stream its changes for a fall-back: User tgt neither owns .*app\.items/m);
    // Owned now: accepted (asked again).
    await server.sql('own_dst', 'ALTER TABLE app.items OWNER TO tgt');
    const ok = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], env());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  } finally {
    await killAll();
    await server.sql('postgres', 'REVOKE SET ON PARAMETER session_replication_role FROM tgt; ALTER ROLE tgt NOREPLICATION');
  }
});

// The fix-verify-47 run: a PostgreSQL target at wal_level = replica was never looked at, and the
// cutover with fall-back was accepted and stopped at the target's slot, the application stopped.
test('import data of a live migration into a PostgreSQL target at wal_level = replica: warned at the start, and the cutover with fall-back is refused before anything changes, naming wal_level', { timeout: 120_000 }, async () => {
  const replicaOnly = await startPg15({ wal_level: 'replica' });
  try {
    await server.createDatabase('wal_src');
    await replicaOnly.createDatabase('wal_dst');
    await server.sql('wal_src', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, v text); INSERT INTO app.items SELECT g, 'v' FROM generate_series(1, 10) g;`);
    const dir = newExportDir();
    const SF = sourceFlags(server, 'wal_src', 'app');
    const TF = targetFlags(replicaOnly, 'wal_dst');
    const e = { SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: replicaOnly.password };
    for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...TF]]) {
      const r = await runTandem(args, e);
      assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
    }
    startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], e);
    const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], e);
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    assert.match(im.output(), /wal_level is 'replica', but live migration needs 'logical'\. A fall-back streams the target's changes, so "initiate cutover to target --prepare-for-fall-back true" would stop there, with the application already stopped\. Fix it now: Run ALTER SYSTEM SET wal_level = 'logical';/);
    const cut = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], e);
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stderr, /^error \[TANDEM_PREREQUISITE\]: The target may not stream its changes for a fall-back: wal_level is 'replica', but live migration needs 'logical'\./m);
    const status = await runTandem(['cutover', 'status', '--export-dir', dir, '--output-format', 'json'], e);
    assert.equal(JSON.parse(status.stdout)[0].status, 'NOT_INITIATED');
  } finally {
    await killAll();
    await replicaOnly.stop();
  }
});
