/**
 * `import data` started a moment before `export data` (two terminals, a script): it waits for the
 * export to start, says so, then loads every row exactly once. With no export ever started it gives
 * up after `--wait-for-export` seconds with a clear error and a non-zero exit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

let pg: PgServer;
let env: Record<string, string>;
const DDL = 'CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text); CREATE TABLE app.tags (id int PRIMARY KEY, tag text NOT NULL);';

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst1', 'dst2', 'dst3', 'dst4'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', `${DDL} INSERT INTO app.items SELECT g, 'note ' || g FROM generate_series(1, 5000) g;
    INSERT INTO app.tags SELECT g, 'tag ' || (g % 7) FROM generate_series(1, 1200) g;`);
  await Promise.all(['dst1', 'dst2', 'dst3', 'dst4'].map((d) => pg.sql(d, DDL)));
});

after(async () => {
  await killAll();
  await pg?.stop();
});

/** Every batch of the snapshot recorded once on the target, and the rows equal to the source. */
async function assertExactlyOnce(db: string): Promise<void> {
  assert.deepEqual(await tableChecksums(pg, db, ['app']), await tableChecksums(pg, 'src', ['app']));
  const counts = await pg.sql(db, `SELECT (SELECT count(*) FROM app.items)::int AS items, (SELECT count(*) FROM app.tags)::int AS tags`);
  assert.deepEqual(counts[0], { items: 5000, tags: 1200 });
  const dup = await pg.sql(db, `SELECT count(*)::int AS n FROM (SELECT data_file_name, batch_number FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3
    GROUP BY 1, 2 HAVING count(*) > 1) d`);
  assert.equal(dup[0].n, 0, 'every batch recorded once');
}

for (const [fresh, db] of [[false, 'dst1'], [true, 'dst2']] as const) {
  test(`import data started before export data ${fresh ? 'in a new, empty export dir' : 'after export schema'} waits for it and loads every row once`, { timeout: 120_000 }, async () => {
    const dir = newExportDir();
    if (!fresh) {
      const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
      assert.equal(schema.code, 0, schema.stderr);
    }
    const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', ...targetFlags(pg, db)], env);
    // The importer is waiting (not failed) before the exporter starts: no race decides the order.
    await im.waitFor(/Waiting for "export data" to start in this export dir… \(up to 600 s, see --wait-for-export/, 30_000);
    assert.equal(im.exited(), false, tail(im.output()));
    const ex = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
    assert.equal(ex.code, 0, ex.stderr);
    assert.equal(await im.done, 0, tail(im.output()));
    assert.match(im.output(), /Import of the snapshot is complete/);
    await assertExactlyOnce(db);
  });
}

test('an offline export killed before it finished: import data started then waits for it to be run again, follows the new snapshot and loads every row once (measured before: it exited at once, although the README says it waits; the new-user run)', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  const exportArgs = ['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')];
  const killed = await runTandem(exportArgs, { ...env, TANDEM_FAILPOINTS: 'snapshot.after-file-before-record=kill' });
  assert.equal(killed.signal, 'SIGKILL', `the exporter was not killed:\n${killed.stdout}\n${killed.stderr}`);
  const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '1000', '--wait-for-export', '60', ...targetFlags(pg, 'dst4')], env);
  await im.waitFor(/"export data" stopped before it finished; waiting for it to be run again in this export dir \(up to 60 s, see --wait-for-export; Ctrl-C to stop\)/, 30_000);
  assert.equal(im.exited(), false, tail(im.output()));
  const ex = await runTandem(exportArgs, env);
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(await im.done, 0, tail(im.output()));
  assert.match(im.output(), /Import of the snapshot is complete/);
  await assertExactlyOnce('dst4');
});

test('Ctrl-C while a command has no stop of its own (import data waiting for its export): it says it stopped and that a rerun goes on (measured before: no line at all)', { timeout: 60_000 }, async () => {
  const dir = newExportDir();
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(schema.code, 0, schema.stderr);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst3')], env);
  await im.waitFor(/Waiting for "export data" to start in this export dir/, 30_000);
  assert.equal(await im.kill('SIGINT'), 130, tail(im.output()));
  assert.match(im.output(), /Interrupted \(SIGINT\): "tandem import data" stopped\. What it had finished is recorded; run the same command again to go on\./);
});

test('import data with nothing ever exported gives up after --wait-for-export with a clear error', { timeout: 60_000 }, async () => {
  const dir = newExportDir();
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(schema.code, 0, schema.stderr);
  const started = Date.now();
  const r = await runTandem(['import', 'data', '--export-dir', dir, '--wait-for-export', '2', ...targetFlags(pg, 'dst3')], env);
  const elapsed = Date.now() - started;
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Waiting for "export data" to start in this export dir… \(up to 2 s/);
  assert.match(r.stderr, /^error \[TANDEM_EXPORT_DIR\]: "export data" did not start in this export dir within 2 s, so there is no exported data to import\./m);
  assert.match(r.stderr, /fix: Start "tandem export data" with this --export-dir .*--wait-for-export <seconds>/);
  assert.ok(elapsed >= 2000, `gave up after ${elapsed} ms, before the limit`);
  const rows = await pg.sql('dst3', 'SELECT count(*)::int AS n FROM app.items');
  assert.equal(rows[0].n, 0);
  // In a new, empty export dir the import sets nothing up itself: a mistyped dir stays as it was.
  const empty = newExportDir();
  const e = await runTandem(['import', 'data', 'to', 'target', '--export-dir', empty, '--wait-for-export', '1', ...targetFlags(pg, 'dst3')], env);
  assert.equal(e.code, 1, `${e.stdout}\n${e.stderr}`);
  assert.match(e.stdout, /Waiting for "export data from source" to start in this export dir… \(up to 1 s/);
  assert.match(e.stderr, /^error \[TANDEM_EXPORT_DIR\]: "export data from source" did not start in this export dir within 1 s/m);
  assert.deepEqual(readdirSync(empty), []);
});

test('import data about to wait for its export says at once that the target cannot be reached, and changes nothing', { timeout: 60_000 }, async () => {
  // A wrong password, in a new empty export dir and in one export schema set up: the error comes
  // before the wait (which would last 600 s by default), and the export dir stays as it was.
  const wrong = { ...env, TARGET_DB_PASSWORD: 'not-the-password' };
  const empty = newExportDir();
  const started = Date.now();
  const e = await runTandem(['import', 'data', '--export-dir', empty, ...targetFlags(pg, 'dst3')], wrong);
  assert.equal(e.code, 1, `${e.stdout}\n${e.stderr}`);
  assert.match(e.stderr, /^error \[TANDEM_[A-Z_]+\]: .*target/m);
  assert.doesNotMatch(e.stdout, /Waiting for "export data"/);
  assert.doesNotMatch(`${e.stdout}${e.stderr}`, /not-the-password/);
  assert.deepEqual(readdirSync(empty), []);

  const dir = newExportDir();
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(schema.code, 0, schema.stderr);
  // A port where nothing listens (1: never a PostgreSQL server).
  const flags = targetFlags(pg, 'dst3').map((f, i, all) => (all[i - 1] === '--target-db-port' ? '1' : f));
  const r = await runTandem(['import', 'data', '--export-dir', dir, ...flags], env);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^error \[TANDEM_CONNECT\]: Cannot reach the target database .*:1\//m);
  assert.match(r.stderr, /fix: Check --target-db-host and --target-db-port/);
  assert.doesNotMatch(r.stdout, /Waiting for "export data"/);
  assert.ok(Date.now() - started < 30_000, 'failed at once, not after a wait');
  const rows = await pg.sql('dst3', 'SELECT count(*)::int AS n FROM app.items');
  assert.equal(rows[0].n, 0);
});

test('Ctrl-C during a live export\'s snapshot: it names the slot and publication it leaves on the source and the ways to remove them (measured before: only "run the same command again"; the crash-resume run)', { timeout: 60_000 }, async () => {
  const dir = newExportDir();
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(schema.code, 0, schema.stderr);
  // Held inside the snapshot's copy (a synchronous pause: the signal is handled as it ends).
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app'), '--export-type', 'snapshot-and-changes'],
    { ...env, TANDEM_FAILPOINTS: 'snapshot.after-file-before-record=pause:3000@1' });
  await ex.waitFor(/copying its snapshot/, 30_000);
  assert.equal(await ex.kill('SIGINT'), 130, tail(ex.output()));
  const slots = (await pg.sql('src', "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'tandem%'")).map((r) => String(r.slot_name));
  assert.equal(slots.length, 1);
  const slot = slots[0]!;
  const publication = slot.replace(/^tandem_/, 'tandem_pub_');
  assert.ok(ex.output().includes(`Interrupted (SIGINT): "tandem export data" stopped. What it had finished is recorded; run the same command again to go on.\n`
    + `The replication slot ${slot} and publication ${publication} on the source, as far as they were created, stay there, keeping its WAL: running "tandem export data" again drops them and starts the snapshot over. `
    + `To give up instead, run "tandem end migration --export-dir ${dir}", or remove those that exist by hand: SELECT pg_drop_replication_slot('${slot}'); DROP PUBLICATION ${publication};`), tail(ex.output()));
  await pg.sql('src', `SELECT pg_drop_replication_slot('${slot}'); DROP PUBLICATION ${publication};`);
});
