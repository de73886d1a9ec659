/**
 * Row-level security on the source that applies to the migrating user: every read sees only the
 * rows its policies allow, so the snapshot copied half a table and the verification compared the
 * same half: MATCH (measured before the check: 5 of 10 rows migrated, compare exit 0). Now export
 * data refuses such tables before anything is exported (policies on a partition too), and every
 * comparison read runs with row_security off, so one that policies would filter fails instead.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { exportDirState } from '../../helpers/export-dir-state.js';
import { beginComparisonRead, fingerprintTable } from '../../../src/adapters/postgres/table-fingerprint.js';

const MIG_PW = 'mig-role-pw-2718';
let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase('src');
  await server.sql('src', `CREATE SCHEMA app;
    CREATE TABLE app.t (id int PRIMARY KEY, tenant text);
    INSERT INTO app.t SELECT g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 10) g;
    ALTER TABLE app.t ENABLE ROW LEVEL SECURITY; CREATE POLICY only_a ON app.t USING (tenant = 'a');
    CREATE TABLE app.m (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE app.m_2024 PARTITION OF app.m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO app.m SELECT g, date '2024-01-01' + g FROM generate_series(1, 10) g;
    ALTER TABLE app.m_2024 ENABLE ROW LEVEL SECURITY; CREATE POLICY none ON app.m_2024 USING (false);
    CREATE TABLE app.open (id int PRIMARY KEY); INSERT INTO app.open VALUES (1);
    CREATE ROLE mig LOGIN PASSWORD '${MIG_PW}' REPLICATION;
    GRANT USAGE ON SCHEMA app TO mig; GRANT SELECT ON ALL TABLES IN SCHEMA app TO mig;`);
});
after(async () => {
  await server?.stop();
});

const migFlags = () => sourceFlags(server, 'src', 'app').map((a) => (a === server.user ? 'mig' : a));

test('export data refuses tables the user reads through row-level security (a partition\'s too), naming them and the fix, before anything is exported', { timeout: 60_000 }, async () => {
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: MIG_PW };
  const before = exportDirState(dir);
  const r = await runTandem(['export', 'data', '--export-dir', dir, ...migFlags()], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: User mig reads app\.m_2024, app\.t through row-level security: the snapshot \(and the verification\) would see only the rows its policies allow\./m);
  assert.match(r.stderr, /fix: As a superuser: ALTER ROLE mig BYPASSRLS;/);
  assert.doesNotMatch(r.stderr, /app\.open/);
  assert.ok(!r.stderr.includes(MIG_PW));
  const after = exportDirState(dir);
  assert.deepEqual(after, before, 'nothing exported');

  // With the fix, every row.
  await server.sql('postgres', 'ALTER ROLE mig BYPASSRLS');
  try {
    const ok = await runTandem(['export', 'data', '--export-dir', newExportDir(), ...migFlags()], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /\| app\.t \s*\|\s*10 \|/);
    assert.match(ok.stdout, /\| app\.m \s*\|\s*10 \|/);
  } finally {
    await server.sql('postgres', 'ALTER ROLE mig NOBYPASSRLS');
  }
});

test('a comparison read that row-level security would filter fails instead of counting a subset', async () => {
  const c = new pg.Client({ host: server.host, port: server.port, user: 'mig', password: MIG_PW, database: 'src' });
  await c.connect();
  try {
    await beginComparisonRead(c);
    await assert.rejects(fingerprintTable(c, 'app', 't', ['id', 'tenant']), (e: { code?: string; message?: string }) =>
      e.code === '42501' && /row-level security/.test(e.message ?? ''));
    await c.query('ROLLBACK');
    await beginComparisonRead(c);
    const fp = await fingerprintTable(c, 'app', 'open', ['id']);
    assert.equal(fp.rows, 1, 'a table without policies reads as before');
    await c.query('ROLLBACK');
  } finally {
    await c.end();
  }
});

test('import data refuses target tables the target user writes through row-level security (FORCE): the emptiness check and the apply would see only what policies allow', { timeout: 60_000 }, async () => {
  await server.createDatabase('src2');
  await server.createDatabase('dst2');
  await server.sql('src2', `CREATE SCHEMA app; CREATE TABLE app.f (id int PRIMARY KEY, tenant text);
    INSERT INTO app.f SELECT g, 'b' FROM generate_series(1, 5) g;
    ALTER TABLE app.f ENABLE ROW LEVEL SECURITY; ALTER TABLE app.f FORCE ROW LEVEL SECURITY; CREATE POLICY only_a ON app.f USING (tenant = 'a');`);
  await server.sql('postgres', `CREATE ROLE tgt LOGIN PASSWORD '${MIG_PW}'; ALTER DATABASE dst2 OWNER TO tgt`);
  const dir = newExportDir();
  const SF = sourceFlags(server, 'src2', 'app');
  const TF = targetFlags(server, 'dst2').map((a) => (a === server.user ? 'tgt' : a));
  const env = { SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: MIG_PW };
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...TF], ['export', 'data', '--export-dir', dir, ...SF]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  assert.deepEqual(await server.sql('dst2', `SELECT relforcerowsecurity AS f, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'f'`), [{ f: true, owner: 'tgt' }]);
  const r = await runTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: User tgt writes app\.f on the target through row-level security/m);
  assert.match(r.stderr, /fix: As a superuser on the target: ALTER ROLE tgt BYPASSRLS;/);
  assert.deepEqual(await server.sql('dst2', 'SELECT count(*)::int AS n FROM app.f'), [{ n: 0 }]);
  await server.sql('postgres', 'ALTER ROLE tgt BYPASSRLS');
  const ok = await runTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(await server.sql('dst2', 'SELECT count(*)::int AS n FROM app.f'), [{ n: 5 }]);
});
