/**
 * The source goes away while `export data --export-type snapshot-and-changes` copies its snapshot
 * (found by an exploratory run: a `pg_ctl restart` one second in ended in an internal error). The
 * export stops with TANDEM_CONNECT, saying that the snapshot was interrupted and a rerun starts it
 * over. No race: a failpoint pauses the exporter after its first snapshot file while the test stops
 * and starts the source.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type StoppablePgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags } from '../../helpers/cli.js';

let pg: StoppablePgServer;

before(async () => {
  pg = await startPg15();
  await pg.createDatabase('src');
  // About 14 MB: the first snapshot file (4 MB) is closed while the COPY goes on.
  await pg.sql('src', `CREATE SCHEMA app; CREATE TABLE app.wide (id int PRIMARY KEY, t text); CREATE TABLE app.small (id int PRIMARY KEY);
    INSERT INTO app.wide SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 100000) g;
    INSERT INTO app.small SELECT generate_series(1, 10);`);
});

after(async () => {
  await pg?.stop();
});

test('the source restarted during the snapshot: export data stops with TANDEM_CONNECT (exit 1) and says a rerun starts the snapshot over', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', 'app');
  const env = { SOURCE_DB_PASSWORD: pg.password };
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  assert.equal(schema.code, 0, schema.stderr);
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-fp-')), 'hits');
  const exporting = runTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', '--parallel-jobs', '1'], {
    ...env, TANDEM_FAILPOINTS: 'snapshot.after-file-before-record=pause:6000@1', TANDEM_FAILPOINT_LOG: hitLog,
  });
  const deadline = Date.now() + 60_000;
  while (!(existsSync(hitLog) && readFileSync(hitLog, 'utf8').includes('snapshot.after-file-before-record'))) {
    assert.ok(Date.now() < deadline, 'the exporter never closed a snapshot file');
    await new Promise((r) => setTimeout(r, 50));
  }
  // The exporter is paused (its event loop too): the source goes down and comes back meanwhile.
  pg.halt();
  pg.resume();
  const r = await exporting;
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|This is a bug/);
  assert.match(r.stderr, /error \[TANDEM_CONNECT\]: The source database .*src.* went away during the snapshot/);
  assert.match(r.stderr, /rerun the same command: it starts the snapshot over/);
});
