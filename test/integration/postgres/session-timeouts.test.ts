/**
 * Timeouts a database sets for its applications (`ALTER DATABASE … SET statement_timeout`, the
 * same for a role) apply to every session that does not set its own. Tandem's sessions set theirs
 * (as pg_dump does): a snapshot's COPY of a big table, a batch being loaded, a slow catalog read or
 * the snapshot's idle exporting transaction are not cut off by the application's limits.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startLiveMigration, killAll, eventually, tail } from '../../helpers/live-process.js';

let src: PgServer;
let dst: PgServer;
/** The test's own reads, free of the databases' limits. */
const free = (sql: string) => `SET statement_timeout = 0; ${sql}`;

before(async () => {
  [src, dst] = await Promise.all([startPg15(), startPg15()]);
  await Promise.all([src.createDatabase('src'), dst.createDatabase('dst')]);
  await src.sql('src', `CREATE SCHEMA app; CREATE TABLE app.big (id int PRIMARY KEY, pad text);
    INSERT INTO app.big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g;`);
  for (const [server, db] of [[src, 'src'], [dst, 'dst']] as const) {
    await server.sql(db, ['statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout'].map((s) => `ALTER DATABASE ${db} SET ${s} = '100ms'`).join('; '));
  }
});
after(async () => {
  await killAll();
  await Promise.all([src?.stop(), dst?.stop()]);
});

test('a source and a target whose databases limit statements, idle transactions and lock waits to 100 ms: a live migration of a 400,000-row table runs through (measured before: export data ended in an internal error, "canceling statement due to statement timeout")', { timeout: 180_000 }, async () => {
  assert.deepEqual(await src.sql('src', 'SHOW statement_timeout'), [{ statement_timeout: '100ms' }], 'a new session of the source gets the limit');
  const env = { SOURCE_DB_PASSWORD: src.password, TARGET_DB_PASSWORD: dst.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const { dir, ex, im } = await startLiveMigration(sourceFlags(src, 'src', 'app'), targetFlags(dst, 'dst'), env);
  await src.sql('src', free("UPDATE app.big SET pad = 'changed' WHERE id % 1000 = 0; DELETE FROM app.big WHERE id > 399990"));
  const count = (server: PgServer, db: string) => server.sql(db, free("SELECT count(*)::int AS n, count(*) FILTER (WHERE pad = 'changed')::int AS c FROM app.big"));
  await eventually(async () => {
    const [a, b] = await Promise.all([count(src, 'src'), count(dst, 'dst')]);
    return JSON.stringify(a) === JSON.stringify(b) ? true : `source ${JSON.stringify(a)} target ${JSON.stringify(b)}\n${tail(im.output(), 800)}`;
  }, 60_000, 500);
  assert.equal(ex.exited() || im.exited(), false, tail(ex.output() + im.output()));
  const r = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
});
