/**
 * Target columns retyped in the schema files (an integer widened to bigint, an array of them, an
 * enum kept as text, a varchar as text; the table also has a GENERATED ALWAYS identity column) while the snapshot holds the table in PostgreSQL's binary
 * COPY form, which only the same type reads: `import data` loads such a table through a staging
 * table of the source's types and inserts from it, cast as an INSERT casts. The rows must arrive
 * equal, value for value, and a rerun must find the batches recorded. (Pairs it cannot cast are
 * refused before anything loads: bad-input.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';

let pg: PgServer;
let env: Record<string, string>;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst'].map((d) => pg.createDatabase(d)));
  await pg.sql('src', `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE app.wide (id int PRIMARY KEY, n int, tags int[], m app.mood, label varchar(20), at timestamp, seq int GENERATED ALWAYS AS IDENTITY (START WITH 1000));
    INSERT INTO app.wide SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 2147483647 - g END, ARRAY[g, -g, NULL],
      (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::app.mood, 'label ' || g, timestamp '2020-02-29 12:00:00' + g * interval '1 minute'
      FROM generate_series(1, 25000) g;
    CREATE TABLE app.same (id int PRIMARY KEY, v text); INSERT INTO app.same SELECT g, md5(g::text) FROM generate_series(1, 100) g;`);
  await pg.sql('dst', `CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE app.wide (id bigint PRIMARY KEY, n bigint, tags bigint[], m text, label text, at timestamp(0), seq int GENERATED ALWAYS AS IDENTITY);
    CREATE TABLE app.same (id int PRIMARY KEY, v text);`);
});

after(async () => {
  await pg?.stop();
});

const rows = (db: string) => pg.sql(db, `SELECT count(*)::int AS n,
    md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s', id, n, tags, m, label, at, seq), ',' ORDER BY id)) AS h FROM app.wide`);

test('a binary snapshot loads into widened and retyped columns through a staging table, value for value', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  let r = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(r.code, 0, r.stderr);
  // Small batches: each batch makes its own staging table, dropped when its transaction ends.
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst'), '--batch-size', '5000'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /app\.wide \(id: integer on the source, bigint here, n: integer on the source, bigint here, tags: integer\[\] on the source, bigint\[\] here, m: app\.mood on the source, text here\): .*staging table/);
  assert.doesNotMatch(r.stdout, /app\.same \(/, 'a table of the same types loads directly');
  assert.deepEqual(await rows('dst'), await rows('src'));
  assert.deepEqual((await rows('dst'))[0], { n: 25000, h: (await rows('src'))[0]!.h });
  assert.deepEqual(await pg.sql('dst', 'SELECT count(*)::int AS n FROM app.same'), [{ n: 100 }]);
  const recorded = await pg.sql('dst', "SELECT count(*)::int AS batches, sum(rows_imported)::int AS rows FROM ybvoyager_metadata.ybvoyager_import_data_batches_metainfo_v3 WHERE table_name = 'wide'");
  assert.deepEqual(recorded, [{ batches: 5, rows: 25000 }]);
  // The staging table lived in the loading session's temp schema: nothing is left in the target's schemas.
  assert.deepEqual(await pg.sql('dst', "SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'tandem_stage_%' AND relpersistence = 'p'"), [{ n: 0 }]);
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dst')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /already imported/);
  assert.deepEqual(await rows('dst'), await rows('src'));
  // Tandem's own verification takes the retyped columns' values as equal (their text is).
  r = await runTandem(['compare', '--export-dir', dir], env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
});
