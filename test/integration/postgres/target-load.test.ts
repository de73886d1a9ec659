/**
 * The snapshot import follows the target's own report of its load (YugabyteDB's
 * `yb_servers_metrics()`, 2.21 and later). YugabyteDB cannot run here, so the target database gets a
 * stand-in `yb_servers_metrics()` written in PL/pgSQL: the columns YugabyteDB documents (uuid,
 * metrics as JSON of strings, status, error), the values read from a table the test sets, and each
 * call counted. What runs for real: Tandem's SQL (finding the function and calling it), the
 * reading loop on its own session, the tuner's response, and a whole `import data` that starts with
 * fewer connections on a busy target and still loads every row.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { eventually, startTandem, killAll, tail, sleep } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';
import { PgTargetDatabase } from '../../../src/adapters/postgres/pg-target-database.js';
import { ThroughputTuner } from '../../../src/core/parallelism.js';
import { TargetLoadWatch } from '../../../src/workflow/target-load-watch.js';

let pg: PgServer;
let env: Record<string, string>;
const DDL = 'CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text); CREATE TABLE app.tags (id int PRIMARY KEY, tag text);';

/** The stand-in: one tablet server whose CPU share and memory the test sets in `standin.reading`. */
const STAND_IN = `
CREATE SCHEMA standin;
CREATE TABLE standin.reading (cpu text NOT NULL, soft_limit_breached boolean NOT NULL DEFAULT false, calls int NOT NULL DEFAULT 0, delay_s float8 NOT NULL DEFAULT 0);
INSERT INTO standin.reading (cpu) VALUES ('0.93');
CREATE FUNCTION public.yb_servers_metrics() RETURNS TABLE (uuid text, metrics jsonb, status text, error text) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE standin.reading SET calls = calls + 1;
  PERFORM pg_sleep(delay_s) FROM standin.reading;
  RETURN QUERY SELECT 'bf98c74dd7044b34943c5bff7bd3d0d1'::text,
    jsonb_build_object('memory_free', '0', 'memory_total', '17179869184', 'cpu_usage_user', r.cpu, 'cpu_usage_system', '0',
      'memory_available', '8589934592', 'tserver_root_memory_limit', '11166914969', 'tserver_root_memory_soft_limit', '9491877723',
      'tserver_root_memory_consumption', CASE WHEN r.soft_limit_breached THEN '9491877724' ELSE '52346880' END),
    'OK'::text, ''::text
  FROM standin.reading r;
END $$;`;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'busy', 'plain', 'watch', 'midway', 'slow'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', `${DDL} INSERT INTO app.items SELECT g, repeat('n', g % 50) FROM generate_series(1, 10000) g;
    INSERT INTO app.tags SELECT g, 'tag ' || g FROM generate_series(1, 10000) g;`);
  await Promise.all(['busy', 'plain', 'midway'].map((d) => pg.sql(d, DDL)));
  await Promise.all(['busy', 'watch', 'midway', 'slow'].map((d) => pg.sql(d, STAND_IN)));
  await pg.sql('slow', 'UPDATE standin.reading SET delay_s = 3');
  await pg.sql('midway', "UPDATE standin.reading SET cpu = '0.20'");
});

after(async () => {
  await killAll();
  await pg?.stop();
});

const calls = async (db: string) => (await pg.sql(db, 'SELECT calls FROM standin.reading'))[0].calls as number;

test('the reading loop: a busy node takes a connection away at each reading, down to one; calm again, the throughput decides', { timeout: 60_000 }, async () => {
  const plain = new PgTargetDatabase(targetDbConfig(pg, 'plain'), () => {});
  try {
    assert.equal(await plain.targetLoad(), undefined, 'PostgreSQL without the function reports no load');
  } finally {
    await plain.close();
  }
  assert.equal(await TargetLoadWatch.start(() => new PgTargetDatabase(targetDbConfig(pg, 'plain'), () => {}), new ThroughputTuner({ initial: 2, max: 2 }), 20), undefined);

  const clock = { t: 0 };
  const tuner = new ThroughputTuner({ initial: 4, max: 4, holdWindows: 0, now: () => clock.t });
  const watch = await TargetLoadWatch.start(() => new PgTargetDatabase(targetDbConfig(pg, 'watch'), () => {}), tuner, 20);
  assert.ok(watch, 'the stand-in is found');
  try {
    assert.equal(tuner.active, 3, 'the first reading (93% CPU) is taken at start');
    await eventually(async () => (tuner.active === 1 ? true : `${tuner.active} workers`), 10_000, 20);
    const busyCalls = await calls('watch');
    await eventually(async () => ((await calls('watch')) >= busyCalls + 2 ? true : 'no new reading'), 10_000, 20);
    assert.equal(tuner.active, 1, 'stays at the minimum while busy');
    // Windows whose rate would pay for another worker: none is added while the target is busy.
    for (let i = 0; i < 3; i++) {
      clock.t += 2000;
      tuner.record(1000 * (i + 1));
    }
    assert.equal(tuner.active, 1);

    await pg.sql('watch', "UPDATE standin.reading SET cpu = '0.20'");
    const calmFrom = await calls('watch');
    await eventually(async () => ((await calls('watch')) >= calmFrom + 2 ? true : 'no new reading'), 10_000, 20);
    for (let i = 0; i < 3; i++) {
      clock.t += 2000;
      tuner.record(2000 * (i + 1));
    }
    assert.ok(tuner.active > 1, `calm: the tuner adds workers again (${tuner.active})`);

    // The tablet server over its memory soft limit is busy too.
    await pg.sql('watch', 'UPDATE standin.reading SET soft_limit_breached = true');
    const before = tuner.active;
    await eventually(async () => (tuner.active < before ? true : `${tuner.active} workers`), 10_000, 20);
    assert.ok(watch.busyReadings >= 4);
  } finally {
    await watch.stop();
  }
  const stoppedAt = await calls('watch');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await calls('watch'), stoppedAt, 'no reading after stop');

  // A reading that fails (the function gone) ends the watch; the tuner goes by throughput alone again.
  await pg.sql('watch', "UPDATE standin.reading SET cpu = '0.99', soft_limit_breached = false");
  const tuner2 = new ThroughputTuner({ initial: 2, max: 2, holdWindows: 0, now: () => clock.t });
  const watch2 = await TargetLoadWatch.start(() => new PgTargetDatabase(targetDbConfig(pg, 'watch'), () => {}), tuner2, 20);
  assert.ok(watch2);
  try {
    assert.equal(tuner2.active, 1);
    await pg.sql('watch', 'DROP FUNCTION public.yb_servers_metrics()');
    await eventually(async () => {
      clock.t += 2000;
      tuner2.record(1000 * tuner2.active);
      return tuner2.active === 2 ? true : 'still held at one worker';
    }, 10_000, 20);
  } finally {
    await watch2.stop();
  }
  assert.equal((await pg.sql('watch', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'watch' AND pid <> pg_backend_pid()"))[0].n, 0, 'its session is closed');
});

test('a cluster slow to report its load does not hold up the load: its reading counts when it comes, and stop ends one in progress', { timeout: 60_000 }, async () => {
  const open = () => new PgTargetDatabase(targetDbConfig(pg, 'slow'), () => {});
  const tuner = new ThroughputTuner({ initial: 2, max: 2 });
  const started = Date.now();
  const watch = await TargetLoadWatch.start(open, tuner, 60_000, 100);
  assert.ok(watch, 'the function exists; its answer is late');
  try {
    assert.ok(Date.now() - started < 2_500, `start waited ${Date.now() - started} ms for a reading that takes 3 s`);
    assert.equal(tuner.active, 2, 'nothing read yet');
    await eventually(async () => (tuner.active === 1 ? true : `${tuner.active} workers`), 15_000, 50);
  } finally {
    await watch.stop();
  }
  const other = await TargetLoadWatch.start(open, new ThroughputTuner({ initial: 2, max: 2 }), 60_000, 100);
  assert.ok(other);
  const stopping = Date.now();
  await other.stop();
  assert.ok(Date.now() - stopping < 2_500, `stop waited ${Date.now() - stopping} ms for the reading in progress`);
});

test('import data on a target that reports itself busy starts with one connection and loads every row', { timeout: 120_000 }, async (t) => {
  if (availableParallelism() < 2) {
    t.skip('one core: Tandem starts with one loading connection anyway, so there is none to take away');
    return;
  }
  const dir = newExportDir();
  const ex = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(ex.code, 0, ex.stderr);
  const im = await runTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--log-level', 'debug', ...targetFlags(pg, 'busy')], env);
  assert.equal(im.code, 0, im.stderr);
  assert.deepEqual(await tableChecksums(pg, 'busy', ['app']), await tableChecksums(pg, 'src', ['app']));
  const log = readFileSync(join(dir, 'logs', 'import-data.log'), 'utf8');
  assert.match(log, /the target reports its load; read every 5000 ms/);
  assert.match(log, /the target is busy \(node bf98c74d at 93% CPU \(limit 70%\)\): 1 loading connection\(s\) \(was 2\)/);
  // The first reading came before the first batch: the second connection never loaded one.
  assert.match(log, /connection 0 loaded/);
  assert.doesNotMatch(log, /connection 1 loaded/);
  assert.ok((await calls('busy')) >= 1);
  // The user is told too, at the start and in the summary.
  assert.match(im.stdout, /Following the target's own load report \(read every 5 s\): while a node is over its CPU or memory limit, each reading gives up a loading connection \(busy now: 1 to start with\)\./);
  assert.match(im.stdout, /The target reported itself busy in \d+ of \d+ readings of its load; the import gave up loading connections then/);

  // The same import into a database without the function: no load read, no change.
  const dir2 = newExportDir();
  assert.equal((await runTandem(['export', 'data', '--export-dir', dir2, ...sourceFlags(pg, 'src', 'app')], env)).code, 0);
  const im2 = await runTandem(['import', 'data', '--export-dir', dir2, '--batch-size', '1000', '--log-level', 'debug', ...targetFlags(pg, 'plain')], env);
  assert.equal(im2.code, 0, im2.stderr);
  assert.deepEqual(await tableChecksums(pg, 'plain', ['app']), await tableChecksums(pg, 'src', ['app']));
  const log2 = readFileSync(join(dir2, 'logs', 'import-data.log'), 'utf8');
  assert.doesNotMatch(log2, /target reports its load|target is busy/);
  assert.doesNotMatch(im2.stdout, /Following the target's own load|reported itself busy/);
});

test('a target that becomes busy while loading: a connection stops between two batches and another carries on with the rest of its file', { timeout: 120_000 }, async (t) => {
  if (availableParallelism() < 2) {
    t.skip('one core: Tandem loads on one connection anyway, so there is none to take away');
    return;
  }
  const dir = newExportDir();
  assert.equal((await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env)).code, 0);
  const hits = join(dir, 'failpoints.log');
  // 10 batches per table, each held 150 ms before its COMMIT: each connection's file takes seconds.
  const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--log-level', 'debug', ...targetFlags(pg, 'midway')],
    { ...env, TANDEM_TARGET_LOAD_POLL_MS: '50', TANDEM_FAILPOINTS: 'import.before-batch-commit=pause:150', TANDEM_FAILPOINT_LOG: hits });
  while (!(existsSync(hits) && readFileSync(hits, 'utf8').length > 0) && !im.exited()) await sleep(10);
  // The first batch is on its way: the cluster turns busy.
  await pg.sql('midway', "UPDATE standin.reading SET cpu = '0.95'");
  assert.equal(await im.done, 0, tail(im.output()));
  assert.deepEqual(await tableChecksums(pg, 'midway', ['app']), await tableChecksums(pg, 'src', ['app']));
  const batches = await pg.sql('midway', `SELECT count(*)::int AS n, count(DISTINCT (data_file_name, batch_number))::int AS d
    FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3`);
  assert.deepEqual(batches[0], { n: 20, d: 20 }, 'every batch recorded once');
  const log = readFileSync(join(dir, 'logs', 'import-data.log'), 'utf8').split('\n');
  const busyAt = log.findIndex((l) => /the target is busy \(node bf98c74d at 95% CPU \(limit 70%\)\): 1 loading connection\(s\) \(was 2\)/.test(l));
  assert.ok(busyAt > 0, 'the busy reading is logged');
  const stop = log.findIndex((l) => /connection 1 stops \(1 loading connection\(s\) now\); the rest of \S+ \(from batch \d+\) goes back to the queue/.test(l));
  assert.ok(stop > busyAt, `connection 1 stops after the reading: ${log.filter((l) => /stops|busy/.test(l)).join(' | ')}`);
  // Between the reading and its stop, connection 1 finished at most the batch it was in.
  assert.ok(log.slice(busyAt, stop).filter((l) => /connection 1 loaded/.test(l)).length <= 1);
  assert.equal(log.slice(stop).filter((l) => /connection 1 loaded/.test(l)).length, 0, 'and loads nothing after');
  const file = /the rest of (\S+) \(from batch (\d+)\)/.exec(log[stop]!)!;
  assert.ok(log.slice(stop).some((l) => l.includes(`connection 0 loaded ${file[1]} batch ${file[2]} `)), 'connection 0 carries on where it stopped');
});
