/**
 * Whether a trigger (or rewrite rule) fires, through the schema export: measured before, a trigger disabled on the
 * source came back enabled on the target (and would fire for the application's writes after the
 * cutover), and ENABLE ALWAYS / ENABLE REPLICA came back as ordinary triggers without a word. Now a
 * disabled trigger is created disabled; ALWAYS and REPLICA triggers, which would fire in Tandem's
 * own writing sessions (session_replication_role = replica) and repeat what the source's trigger
 * did, are created ordinary (ALWAYS) or disabled (REPLICA) and named with the statement that sets
 * them after the cutover; and a live export warns that they would fire for a fall-back's writes on
 * the source (where the writer refuses them: change-apply.test.ts). Rules have the same modes
 * and get the same treatment (measured before: ENABLE ALWAYS / REPLICA rules were created as they
 * were, and would have rewritten Tandem's own writes on the target).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newExportDir, runTandem, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startTandem, killAll } from '../../helpers/live-process.js';
import { PgTargetDatabase } from '../../../src/adapters/postgres/pg-target-database.js';

let pg: PgServer;

before(async () => {
  pg = await startPg15();
  await pg.createDatabase('src');
  await pg.sql('src', `CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, v int);
    CREATE TABLE app.p (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE app.p_2024 PARTITION OF app.p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE FUNCTION app.bump() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.v := NEW.v + 1000; RETURN NEW; END$$;
    CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
    CREATE TRIGGER t_disabled BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.bump();
    CREATE TRIGGER t_always BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.bump();
    CREATE TRIGGER t_replica BEFORE DELETE ON app.t FOR EACH ROW EXECUTE FUNCTION app.bump();
    CREATE TRIGGER t_plain AFTER INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.bump();
    CREATE TRIGGER p_always AFTER INSERT ON app.p FOR EACH ROW EXECUTE FUNCTION app.noop();
    ALTER TABLE app.t DISABLE TRIGGER t_disabled; ALTER TABLE app.t ENABLE ALWAYS TRIGGER t_always;
    ALTER TABLE app.t ENABLE REPLICA TRIGGER t_replica; ALTER TABLE app.p ENABLE ALWAYS TRIGGER p_always;
    CREATE TABLE app.log (n serial PRIMARY KEY, what text);
    CREATE RULE r_always AS ON INSERT TO app.t DO ALSO INSERT INTO app.log (what) VALUES ('inserted');
    CREATE RULE r_replica AS ON DELETE TO app.t DO INSTEAD NOTHING;
    CREATE RULE r_disabled AS ON UPDATE TO app.log DO INSTEAD NOTHING;
    CREATE RULE r_plain AS ON DELETE TO app.log DO INSTEAD NOTHING;
    ALTER TABLE app.t ENABLE ALWAYS RULE r_always; ALTER TABLE app.t ENABLE REPLICA RULE r_replica; ALTER TABLE app.log DISABLE RULE r_disabled;`);
});
after(async () => {
  await killAll();
  await pg?.stop();
});

const modes = async (db: string) => (await pg.sql(db, `SELECT c.relname || '.' || t.tgname AS trg, t.tgenabled AS mode FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE NOT t.tgisinternal ORDER BY 1`)).map((r) => `${r.trg}=${r.mode}`);
const ruleModes = async (db: string) => (await pg.sql(db, `SELECT c.relname || '.' || r.rulename AS rule, r.ev_enabled AS mode FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
  WHERE r.rulename <> '_RETURN' AND c.relnamespace = 'app'::regnamespace ORDER BY 1`)).map((r) => `${r.rule}=${r.mode}`);

test('export schema keeps a disabled trigger disabled and names ENABLE ALWAYS / REPLICA triggers, created so they do not fire for Tandem\'s writes', { timeout: 60_000 }, async () => {
  await pg.createDatabase('dst');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  const exported = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(exported.code, 0, exported.stderr);
  const warning = exported.stderr.split('\n').find((l) => l.startsWith('WARNING: not exported')) ?? '';
  for (const set of ['ALTER TABLE app.p ENABLE ALWAYS TRIGGER p_always', 'ALTER TABLE app.t ENABLE ALWAYS TRIGGER t_always', 'ALTER TABLE app.t ENABLE REPLICA TRIGGER t_replica']) {
    assert.ok(warning.includes(`trigger firing mode (set it after the cutover: as it is, it would fire for every row Tandem writes) ${set}`), `${set} in: ${warning}`);
  }
  assert.doesNotMatch(warning, /p_2024|t_disabled|t_plain/, 'a partition\'s clone, a disabled and an ordinary trigger are not named');
  for (const set of ['ALTER TABLE app.t ENABLE ALWAYS RULE r_always', 'ALTER TABLE app.t ENABLE REPLICA RULE r_replica']) {
    assert.ok(warning.includes(`rule firing mode (set it after the cutover: as it is, it would rewrite every write Tandem makes) ${set}`), `${set} in: ${warning}`);
  }
  assert.doesNotMatch(warning, /r_disabled|r_plain/, 'a disabled and an ordinary rule are not named');
  for (const extra of [[], ['--post-snapshot-import', 'true']]) {
    const r = await runTandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst'), ...extra], env);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(await modes('src'), ['p.p_always=A', 'p_2024.p_always=A', 't.t_always=A', 't.t_disabled=D', 't.t_plain=O', 't.t_replica=R']);
  assert.deepEqual(await modes('dst'), ['p.p_always=O', 'p_2024.p_always=O', 't.t_always=O', 't.t_disabled=D', 't.t_plain=O', 't.t_replica=D']);
  assert.deepEqual(await ruleModes('src'), ['log.r_disabled=D', 'log.r_plain=O', 't.r_always=A', 't.r_replica=R']);
  assert.deepEqual(await ruleModes('dst'), ['log.r_disabled=D', 'log.r_plain=O', 't.r_always=O', 't.r_replica=D']);
});

test('a live export warns that ENABLE ALWAYS / REPLICA triggers on the source would fire for a fall-back\'s writes', { timeout: 60_000 }, async () => {
  const ex = startTandem(['export', 'data', '--export-dir', newExportDir(), ...sourceFlags(pg, 'src', 'app'), '--export-type', 'snapshot-and-changes'], { SOURCE_DB_PASSWORD: pg.password });
  try {
    await ex.waitFor(/Streaming changes/, 30_000);
    assert.match(ex.output(), /WARNING: Triggers and rules that fire even for replicated rows: p_always on app\.p \(ENABLE ALWAYS\), t_always on app\.t \(ENABLE ALWAYS\), t_replica on app\.t \(ENABLE REPLICA\), rule r_always on app\.t \(ENABLE ALWAYS\), rule r_replica on app\.t \(ENABLE REPLICA\)\. If the migration falls back, they would fire for every row Tandem writes back to the source/);
  } finally {
    await ex.kill();
  }
});

// The docs-claims-2 run: the snapshot load fired the target's ENABLE ALWAYS / REPLICA triggers for
// every row (only the change writer refused them, after the load; an offline import never did).
test('import data refuses, before loading anything, a target table with a trigger or rule set to fire in replica sessions; once it is set back, the load runs', { timeout: 60_000 }, async () => {
  await pg.createDatabase('dst_fire');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  for (const args of [['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], ['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst_fire')]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  await pg.sql('src', 'INSERT INTO app.log (what) SELECT g::text FROM generate_series(1, 5) g');
  const exported = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(exported.code, 0, exported.stderr);
  // A DBA sets the exported (ordinary) trigger to fire always on the target before the load.
  await pg.sql('dst_fire', 'CREATE TABLE public.fired (n int); CREATE FUNCTION public.count_it() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO public.fired VALUES (1); RETURN NEW; END$$;'
    + ' CREATE TRIGGER log_fire AFTER INSERT ON app.log FOR EACH ROW EXECUTE FUNCTION public.count_it(); ALTER TABLE app.log ENABLE ALWAYS TRIGGER log_fire;');
  const refused = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst_fire')], env);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /Triggers on postgres@127\.0\.0\.1:\d+\/dst_fire fire for the rows Tandem writes \(ENABLE ALWAYS or ENABLE REPLICA.*log_fire on app\.log.*Nothing was written\./);
  assert.match(refused.stderr, /ALTER TABLE app\.log DISABLE TRIGGER log_fire;/);
  assert.deepEqual(await pg.sql('dst_fire', 'SELECT (SELECT count(*)::int FROM app.log) AS rows, (SELECT count(*)::int FROM public.fired) AS fired'), [{ rows: 0, fired: 0 }]);
  await pg.sql('dst_fire', 'ALTER TABLE app.log ENABLE TRIGGER log_fire');
  // On one partition only (a partitioned table's trigger, set to fire always on that partition's clone): refused too (the fix-verify run).
  await pg.sql('dst_fire', 'CREATE TRIGGER p_fire AFTER INSERT ON app.p FOR EACH ROW EXECUTE FUNCTION public.count_it(); ALTER TABLE app.p_2024 ENABLE ALWAYS TRIGGER p_fire');
  const partition = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst_fire')], env);
  assert.equal(partition.code, 1, partition.stdout + partition.stderr);
  assert.match(partition.stderr, /p_fire on app\.p_2024 \(ALWAYS\)/);
  assert.doesNotMatch(partition.stderr, /p_fire on app\.p \(/, 'the parent\'s own trigger, in its ordinary mode, is not named');
  await pg.sql('dst_fire', 'DROP TRIGGER p_fire ON app.p');
  // A rule set to fire always: a change written would run it, the load's COPY runs none. Refused
  // where changes are written too, and not for an offline load (measured before: refused; the 48th session's runs).
  await pg.sql('dst_fire', 'CREATE RULE log_noted AS ON INSERT TO app.log DO ALSO INSERT INTO public.fired VALUES (2); ALTER TABLE app.log ENABLE ALWAYS RULE log_noted;');
  const db = new PgTargetDatabase({ type: 'postgresql', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'dst_fire', schemas: ['app'], role: 'target' }, () => {});
  try {
    const log = [{ schema: 'app', name: 'log', columns: ['n', 'what'] }];
    const live = await db.checkTables(log, new Set(), true);
    assert.match(String(live.refusals?.map((r) => r.error.message)), /log_noted on app\.log \(ALWAYS\)/);
    assert.equal((await db.checkTables(log, new Set(), false)).refusals, undefined);
    // Loaded through a staging table (a column retyped on the target), the load's INSERT … SELECT
    // runs the rule: refused then too (the fix-verify-49 run: it fired for every loaded row).
    await pg.sql('dst_fire', 'ALTER TABLE app.log ALTER COLUMN n TYPE bigint');
    const staged = await db.checkTables([{ ...log[0]!, binaryTypes: ['integer', 'text'] }], new Set(), false);
    assert.deepEqual(staged.castWhileLoading?.map((c) => c.table), ['app.log']);
    assert.match(String(staged.refusals?.map((r) => r.error.message)), /log_noted on app\.log \(ALWAYS\)/);
    await pg.sql('dst_fire', 'ALTER TABLE app.log ALTER COLUMN n TYPE integer');
  } finally {
    await db.close();
  }
  const loaded = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst_fire')], env);
  assert.equal(loaded.code, 0, loaded.stderr);
  assert.deepEqual(await pg.sql('dst_fire', 'SELECT (SELECT count(*)::int FROM app.log) AS rows, (SELECT count(*)::int FROM public.fired) AS fired'), [{ rows: 5, fired: 0 }]);
});
