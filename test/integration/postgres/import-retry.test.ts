/**
 * `import data` when its connections to the target are cut while it loads (the backend terminated,
 * as a restart or a network cut would): it reconnects, retries the batch and finishes by itself,
 * and every table ends equal to the source with each batch recorded once.
 *
 * No race decides where a cut lands: the failpoint `import.before-batch-commit` pauses the importer
 * after a batch's rows are sent and recorded and before its COMMIT, and logs the hit first. The test
 * waits for a hit, then terminates the backend that sits idle in that batch's transaction.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPg15, type PgServer, type StoppablePgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail, sleep } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

let pg: PgServer;
let env: Record<string, string>;
const DDL = 'CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text, n numeric); CREATE TABLE app.tags (id int PRIMARY KEY, tag text);';
/** 3000 + 2000 rows in batches of 1000. */
const BATCHES = 5;
/** How long the importer stands still inside each batch's transaction: the time the test has to cut it. */
const PAUSE_MS = 1000;
const CUTS = 2;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst', 'dst2'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', `${DDL} INSERT INTO app.items SELECT g, repeat('n', g % 50), g / 3.0 FROM generate_series(1, 3000) g;
    INSERT INTO app.tags SELECT g, 'tag ' || g FROM generate_series(1, 2000) g;`);
  await Promise.all(['dst', 'dst2'].map((d) => pg.sql(d, DDL)));
});

after(async () => {
  await killAll();
  await pg?.stop();
});

const hitsIn = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

test('connections cut inside a batch while import data loads: it reconnects, retries and ends with exactly the source rows', { timeout: 120_000 }, async (t) => {
  const dir = newExportDir();
  const ex = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(ex.code, 0, ex.stderr);
  const log = join(dir, 'failpoints.log');
  const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--parallel-jobs', '2', ...targetFlags(pg, 'dst')],
    { ...env, TANDEM_FAILPOINTS: `import.before-batch-commit=pause:${PAUSE_MS}`, TANDEM_FAILPOINT_LOG: log });
  let cuts = 0;
  let seen = 0;
  while (cuts < CUTS && !im.exited()) {
    if (hitsIn(log) === seen) {
      await sleep(10);
      continue;
    }
    seen = hitsIn(log);
    // The importer is paused inside the batch it just logged: its backend is idle in that transaction,
    // the batch's rows and record sent, its COMMIT not.
    const r = await pg.sql('dst', `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = 'dst' AND application_name = 'tandem' AND state = 'idle in transaction'
        AND query LIKE 'INSERT INTO %ybvoyager_import_data_batches_metainfo_v3%' AND pid <> pg_backend_pid()`);
    cuts += r[0].n;
  }
  const code = await im.done;
  assert.equal(code, 0, tail(im.output()));
  // Usually one per hit; two when the other connection had also sent its batch's record (its COMMIT
  // waits for the paused event loop): a cut inside a batch as well.
  assert.ok(cuts >= CUTS, `cut ${cuts} batch(es) in flight`);
  // Each batch reached its COMMIT once, and each cut batch once more.
  assert.equal(hitsIn(log), BATCHES + cuts, `failpoint hits: ${readFileSync(log, 'utf8')}`);
  t.diagnostic(`${cuts} connections cut; ${(im.output().match(/retrying/g) ?? []).length} retries`);
  assert.equal((im.output().match(/the connection was lost .*reconnecting \(waiting up to 5 minutes for the target\)/g) ?? []).length, cuts, tail(im.output()));
  assert.match(im.output(), /Import of the snapshot is complete/);
  assert.deepEqual(await tableChecksums(pg, 'dst', ['app']), await tableChecksums(pg, 'src', ['app']));
  const batches = await pg.sql('dst', `SELECT count(*)::int AS n, count(DISTINCT (data_file_name, batch_number))::int AS d
    FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3`);
  assert.deepEqual(batches[0], { n: BATCHES, d: BATCHES }, 'every batch recorded once');
});

test('import data killed right after a batch commits (before meta.db hears of it): the rerun finds the batch recorded and loads the rest once', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  const ex = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(ex.code, 0, ex.stderr);
  const log = join(dir, 'failpoints.log');
  const args = ['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--parallel-jobs', '1', ...targetFlags(pg, 'dst2')];
  const killed = await runTandem(args, { TANDEM_FAILPOINTS: 'import.after-batch-commit=kill@2', TANDEM_FAILPOINT_LOG: log, ...env });
  assert.equal(killed.signal, 'SIGKILL', `${killed.stdout}\n${killed.stderr}`);
  assert.equal(readFileSync(log, 'utf8'), 'import.after-batch-commit\n');
  const committed = await pg.sql('dst2', 'SELECT count(*)::int AS n FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3');
  assert.equal(committed[0].n, 2, 'the second batch committed before the kill');
  const rerun = await runTandem(args, env);
  assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
  assert.deepEqual(await tableChecksums(pg, 'dst2', ['app']), await tableChecksums(pg, 'src', ['app']));
  const batches = await pg.sql('dst2', `SELECT count(*)::int AS n, count(DISTINCT (data_file_name, batch_number))::int AS d
    FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3`);
  assert.deepEqual(batches[0], { n: BATCHES, d: BATCHES }, 'every batch recorded once');
});

// The server-restarts run: a target restarted for 25 s while the snapshot loaded stopped import data
// after 6 attempts (about 12 s), each after the first saying "not queryable" (the dead connection's
// words). The change import waits 5 minutes for the same outage; the snapshot load now does too.
test('the target down for longer than the old 12 s while the snapshot loads: import data waits, reconnects and ends with exactly the source rows', { timeout: 120_000 }, async () => {
  let down: StoppablePgServer | undefined;
  try {
    // Commits must survive the immediate stop (the test servers' default synchronous_commit=off loses the last ones).
    down = await startPg15({ synchronous_commit: 'on' });
    const server = down;
    const env2 = { SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: server.password };
    await Promise.all(['src', 'dst'].map((d) => server.createDatabase(d)));
    await server.sql('src', `${DDL} INSERT INTO app.items SELECT g, repeat('n', g % 50), g / 3.0 FROM generate_series(1, 3000) g;
      INSERT INTO app.tags SELECT g, 'tag ' || g FROM generate_series(1, 2000) g;`);
    await server.sql('dst', DDL);
    const dir = newExportDir();
    const ex = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(server, 'src', 'app')], env2);
    assert.equal(ex.code, 0, ex.stderr);
    const log = join(dir, 'failpoints.log');
    const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--parallel-jobs', '1', ...targetFlags(server, 'dst')],
      { ...env2, TANDEM_FAILPOINTS: 'import.before-batch-commit=pause:2000@2', TANDEM_FAILPOINT_LOG: log });
    // The second batch's rows are sent and recorded, its COMMIT not: the importer stands still there.
    while (hitsIn(log) < 1 && !im.exited()) await sleep(10);
    assert.equal(im.exited(), false, tail(im.output()));
    server.halt();
    await sleep(16_000);
    server.resume();
    const code = await im.done;
    assert.equal(code, 0, tail(im.output()));
    assert.equal((im.output().match(/the connection was lost .*reconnecting \(waiting up to 5 minutes for the target\)/g) ?? []).length, 1, tail(im.output()));
    assert.match(im.output(), /Import of the snapshot is complete/);
    assert.deepEqual(await tableChecksums(server, 'dst', ['app']), await tableChecksums(server, 'src', ['app']));
    const batches = await server.sql('dst', `SELECT count(*)::int AS n, count(DISTINCT (data_file_name, batch_number))::int AS d
      FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3`);
    assert.deepEqual(batches[0], { n: BATCHES, d: BATCHES }, 'every batch recorded once');
  } finally {
    await killAll();
    await down?.stop();
  }
});
