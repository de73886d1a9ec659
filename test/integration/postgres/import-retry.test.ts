/**
 * `import data` when its connections to the target are cut while it loads (the backend terminated,
 * as a restart or a network cut would): it reconnects, retries the batch and finishes by itself,
 * and every table ends equal to the source with each batch recorded once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail } from '../../helpers/live-process.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

let pg: PgServer;
let env: Record<string, string>;
const DDL = 'CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, note text, n numeric);';

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', `${DDL} INSERT INTO app.items SELECT g, repeat('n', g % 50), g / 3.0 FROM generate_series(1, 400000) g;`);
  await pg.sql('dst', DDL);
});

after(async () => {
  await killAll();
  await pg?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('connections cut while import data loads: it reconnects, retries and ends with exactly the source rows', { timeout: 180_000 }, async (t) => {
  const dir = newExportDir();
  const ex = await runTandem(['export', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(ex.code, 0, ex.stderr);
  const im = startTandem(['import', 'data', '--export-dir', dir, '--batch-size', '2000', '--parallel-jobs', '2', ...targetFlags(pg, 'dst')], env);
  let cuts = 0;
  let ended = false;
  void im.done.then(() => (ended = true));
  for (let round = 0; round < 40 && cuts < 4 && !ended; round++) {
    await sleep(150);
    // Only backends in the middle of a COPY: a cut then always hits a batch in flight.
    const r = await pg.sql('dst', `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = 'dst' AND application_name = 'tandem' AND query LIKE 'COPY%' AND state = 'active' AND pid <> pg_backend_pid()`);
    cuts += r[0].n;
  }
  const code = await im.done;
  assert.equal(code, 0, tail(im.output()));
  assert.ok(cuts >= 2, `cut ${cuts} connection(s) while the import ran`);
  t.diagnostic(`${cuts} connections cut; ${(im.output().match(/retrying/g) ?? []).length} retries`);
  assert.match(im.output(), /the connection was lost .*retrying \(1\/5\)/);
  assert.match(im.output(), /Import of the snapshot is complete/);
  assert.deepEqual(await tableChecksums(pg, 'dst', ['app']), await tableChecksums(pg, 'src', ['app']));
  const dup = await pg.sql('dst', `SELECT count(*)::int AS n FROM (SELECT data_file_name, batch_number FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3
    GROUP BY 1, 2 HAVING count(*) > 1) d`);
  assert.equal(dup[0].n, 0, 'every batch recorded once');
});
