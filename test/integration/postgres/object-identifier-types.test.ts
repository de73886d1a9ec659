/**
 * Columns of the object-identifier types (regclass, regtype, regnamespace, regrole, regconfig…)
 * hold the OID of a catalog object. Measured before: the snapshot copied them with binary COPY, so a
 * regclass naming app.other arrived as 16391 (an OID that names nothing, or another object, on the
 * target), and `tandem compare` reported the table as a MISMATCH. Such tables are now copied as
 * text, where the value is the object's name; so are tables with a type that has no binary input or
 * output (aclitem).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { newExportDir, runTandem, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startLiveMigration, killAll, eventually, tail } from '../../helpers/live-process.js';

let s: PgServer;
let t: PgServer;

before(async () => {
  [s, t] = await Promise.all([startPg15(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([s?.stop(), t?.stop()]);
});

test('regclass, regtype, regnamespace, regrole and regconfig columns (and arrays of them) arrive as the same objects, by name', { timeout: 90_000 }, async () => {
  await Promise.all([s.createDatabase('src'), t.createDatabase('dst')]);
  // The target's catalog has other objects first, so the same names get other OIDs there.
  await t.sql('dst', 'CREATE TABLE filler_a (id int); CREATE TABLE filler_b (id int); CREATE SCHEMA filler_s;');
  await s.sql('src', `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('ok');
    CREATE TABLE app.other (id int PRIMARY KEY);
    CREATE TABLE app.refs (id int PRIMARY KEY, rc regclass, rt regtype, rn regnamespace, rr regrole, cfg regconfig, rcs regclass[], o oid);
    INSERT INTO app.refs VALUES (1, 'app.other', 'app.mood', 'app', 'postgres', 'english', '{app.other,app.refs}', 12345),
                                (2, 'app.refs', 'integer', 'public', NULL, 'simple', NULL, NULL);`);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password };
  for (const args of [['export', 'schema', ...sourceFlags(s, 'src', 'app')], ['import', 'schema', ...targetFlags(t, 'dst')],
    ['export', 'data', ...sourceFlags(s, 'src', 'app')], ['import', 'data', ...targetFlags(t, 'dst')], ['compare']]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  const read = 'SELECT id, rc::text, rt::text, rn::text, rr::text, cfg::text, rcs::text, o::text FROM app.refs ORDER BY id';
  const [src, dst] = await Promise.all([s.sql('src', read), t.sql('dst', read)]);
  assert.deepEqual(dst, src);
  assert.equal(dst[0].rc, 'app.other');
  assert.equal(dst[0].rcs, '{app.other,app.refs}');
  // The names resolve to the target's own objects.
  assert.deepEqual(await t.sql('dst', "SELECT rc = 'app.other'::regclass AS same_table, rt = 'app.mood'::regtype AS same_type FROM app.refs WHERE id = 1"), [{ same_table: true, same_type: true }]);
});

test('a type without binary input or output (aclitem) is copied as text (it ended export data with an internal error)', { timeout: 60_000 }, async () => {
  await Promise.all([s.createDatabase('src2'), t.createDatabase('dst2')]);
  await s.sql('src2', `CREATE SCHEMA app; CREATE TABLE app.acl (id int PRIMARY KEY, a aclitem, al aclitem[]);
    INSERT INTO app.acl VALUES (1, 'postgres=r/postgres', '{postgres=arw/postgres}')`);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password };
  for (const args of [['export', 'schema', ...sourceFlags(s, 'src2', 'app')], ['import', 'schema', ...targetFlags(t, 'dst2')],
    ['export', 'data', ...sourceFlags(s, 'src2', 'app')], ['import', 'data', ...targetFlags(t, 'dst2')], ['compare']]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}\n${r.stderr}`);
  }
  assert.deepEqual(await t.sql('dst2', 'SELECT a::text, al::text FROM app.acl'), [{ a: 'postgres=r/postgres', al: '{postgres=arw/postgres}' }]);
});

test('a source whose search_path holds the migrated schema: snapshot, streamed rows and compare name each object with its schema, so the target\'s own search_path cannot pick another (measured before: `app.other` arrived naming public.other, from the snapshot and the stream alike, silently; `app.mood` and `app.refs` failed the import)', { timeout: 120_000 }, async () => {
  await Promise.all([s.createDatabase('src3'), t.createDatabase('dst3')]);
  // On the source, app comes first for every session (the application's setting); the target holds
  // a table of the same name in public, which its sessions' search_path finds.
  await s.sql('src3', `ALTER DATABASE src3 SET search_path = app, public`);
  await t.sql('dst3', 'CREATE TABLE public.other (id int)');
  await s.sql('src3', `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('ok');
    CREATE TABLE app.other (id int PRIMARY KEY);
    CREATE TABLE app.refs (id int PRIMARY KEY, rc regclass, rt regtype, rcs regclass[]);
    INSERT INTO app.refs VALUES (1, 'app.other', 'app.mood', '{app.other,app.refs}'), (2, 'pg_class', 'integer', NULL);`);
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const { dir, ex, im } = await startLiveMigration(sourceFlags(s, 'src3', 'app'), targetFlags(t, 'dst3'), env);
  // Streamed: an insert and an update.
  await s.sql('src3', `INSERT INTO app.refs VALUES (3, 'app.other', 'app.mood', '{app.other}'); UPDATE app.refs SET rc = 'app.other' WHERE id = 2`);
  const same = "SELECT id, rc = 'app.other'::regclass AS rc_app, rt = 'app.mood'::regtype AS rt_app, rcs::text FROM app.refs ORDER BY id";
  await eventually(async () => {
    const rows = await t.sql('dst3', same);
    return rows.length === 3 && rows[2].rc_app === true && rows[1].rc_app === true ? true : JSON.stringify(rows);
  }, 30_000);
  assert.equal(ex.exited() || im.exited(), false, tail(ex.output() + im.output()));
  assert.deepEqual(await t.sql('dst3', same), [
    { id: 1, rc_app: true, rt_app: true, rcs: '{app.other,app.refs}' },
    { id: 2, rc_app: true, rt_app: false, rcs: null },
    { id: 3, rc_app: true, rt_app: true, rcs: '{app.other}' },
  ]);
  const r = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  // compare reads both sides with the same settings: a value naming public.other on the target differs.
  await t.sql('dst3', `ALTER TABLE app.refs DISABLE TRIGGER ALL; UPDATE app.refs SET rc = 'public.other' WHERE id = 1`);
  const differs = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(differs.code, 1, `${differs.stdout}\n${differs.stderr}`);
  assert.match(differs.stdout + differs.stderr, /app\.refs/);
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});
