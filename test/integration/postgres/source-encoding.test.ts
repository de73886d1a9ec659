/**
 * A PostgreSQL source whose database is not UTF8 (LATIN1), migrating to a UTF8 target, with a
 * fall-back. Measured before: every row arrived intact, yet the cutover's verification (and `tandem
 * compare`) reported a MISMATCH, because md5 hashed the row text in each server's own encoding; and a
 * character LATIN1 lacks, written on the target after the cutover, stopped the fall-back with a hint
 * about a column's type changed on the source, which was wrong. Now the checksum hashes UTF-8 on
 * both sides, `export data` warns that a fall-back can carry only LATIN1's characters (and
 * `initiate cutover --prepare-for-fall-back true` says it again), and the fall-back's error says what
 * happened and that the stream cannot go past it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { eventually, killAll, startTandem, tail } from '../../helpers/live-process.js';
import { cutoverStatus } from '../../helpers/live-process.js';

let s: PgServer;
let t: PgServer;

before(async () => {
  [s, t] = await Promise.all([startPg15(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([s?.stop(), t?.stop()]);
});

const rows = async (server: PgServer, db: string) => (await server.sql(db, 'SELECT id, v FROM app.t ORDER BY id')).map((r) => `${r.id}:${r.v}`);

test('LATIN1 source: rows and verification match, the fall-back risk is said twice, and a character LATIN1 lacks stops the fall-back with the truth', { timeout: 180_000 }, async () => {
  await s.sql('postgres', "CREATE DATABASE lat ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  await t.createDatabase('dst');
  await s.sql('lat', `CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, v text, c varchar(5));
    INSERT INTO app.t VALUES (1, 'café', 'ÿé'), (2, 'naïve Ærø', NULL), (3, 'plain', 'x');`);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password, TANDEM_METRICS_INTERVAL_MS: '1000' };
  const SF = sourceFlags(s, 'lat', 'app');
  const TF = targetFlags(t, 'dst');
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...TF]]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    assert.match(ex.output(), /WARNING: The source database's encoding is LATIN1, and YugabyteDB stores UTF-8: if the migration falls back, only characters LATIN1 has can be written back\./);
    await s.sql('lat', "INSERT INTO app.t VALUES (4, 'Straße µ ½', 'ñ'); UPDATE app.t SET v = v || ' ¿' WHERE id = 1");
    await eventually(async () => ((await rows(t, 'dst')).join() === (await rows(s, 'lat')).join() ? true : 'waiting for the stream'), 30_000);
    assert.deepEqual(await rows(t, 'dst'), ['1:café ¿', '2:naïve Ærø', '3:plain', '4:Straße µ ½']);

    // The comparison reads both sides' rows as UTF-8: the same characters, the same checksum.
    const compare = await runTandem(['compare', '--export-dir', dir], env);
    assert.equal(compare.code, 0, compare.stdout + compare.stderr);
    assert.match(compare.stdout, /app\.t .*MATCH/);

    const init = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    assert.match(init.stderr + init.stdout, /WARNING: when export data started: The source database's encoding is LATIN1/);
    await eventually(async () => {
      if (im.exited() && (await im.done) !== 0) throw new Error(tail(im.output()));
      const st = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target') as { status: string; detail: Record<string, any> };
      return st.status === 'COMPLETED' ? true : st.status;
    }, 60_000);
    const toTarget = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target') as { detail: Record<string, any> };
    assert.equal(toTarget.detail.verification?.match, true, JSON.stringify(toTarget.detail));

    // After the cutover: LATIN1's characters go back; € (not in ISO 8859-1) cannot.
    await ex.waitFor(/Applying the changes captured on the target to the source/, 30_000);
    await t.sql('dst', "UPDATE app.t SET v = 'back: Ü' WHERE id = 3");
    await eventually(async () => ((await rows(s, 'lat')).includes('3:back: Ü') ? true : 'waiting for the fall-back'), 30_000);
    await t.sql('dst', "INSERT INTO app.t VALUES (5, 'price in €', NULL)");
    const code = await ex.done;
    assert.equal(code, 1, tail(ex.output()));
    const out = ex.output();
    assert.match(out, /error \[TANDEM_DATA\]: Applying changes on channel \d+ failed: INSERT of app\.t in events \d+\.\.\d+: invalid value \[SQLSTATE 22P05\]/);
    assert.match(out, /fix: A value of app\.t holds a character that \S+ cannot store \(its encoding is LATIN1\), so this change can never be written there: a database's encoding cannot be changed/);
    assert.doesNotMatch(out, /was the column's type changed/);
    assert.ok(!out.includes('price in'), 'the value is not shown');
    assert.deepEqual(await rows(s, 'lat'), ['1:café ¿', '2:naïve Ærø', '3:back: Ü', '4:Straße µ ½'], 'nothing of the failed batch was written');
  } finally {
    await ex.kill();
    await im.kill();
  }
});

test('a UTF8 source is not warned about', { timeout: 60_000 }, async () => {
  await s.createDatabase('u8');
  await s.sql('u8', 'CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, v text)');
  const r = await runTandem(['export', 'data', '--export-dir', newExportDir(), ...sourceFlags(s, 'u8', 'app'), '--export-type', 'snapshot-only'], { SOURCE_DB_PASSWORD: s.password });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /encoding/);
  const live = startTandem(['export', 'data', '--export-dir', newExportDir(), ...sourceFlags(s, 'u8', 'app'), '--export-type', 'snapshot-and-changes'], { SOURCE_DB_PASSWORD: s.password });
  try {
    await live.waitFor(/Streaming changes/, 30_000);
    assert.doesNotMatch(live.output(), /encoding/);
  } finally {
    await live.kill();
  }
});
