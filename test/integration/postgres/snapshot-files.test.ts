/**
 * The snapshot files through the built CLI: a big table is written as several files (4 MB first,
 * growing) that together hold every row; a damaged file stops `import data` with TANDEM_DATA before
 * that batch commits, and once the file is whole again the rerun completes; an export dir whose
 * files have another layout is refused before the target is touched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

let pg: PgServer;
let env: Record<string, string>;
let dir: string;
const DDL = 'CREATE SCHEMA app; CREATE TABLE app.wide (id int PRIMARY KEY, t text); CREATE TABLE app.small (id int PRIMARY KEY, v text);';

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['src', 'dst', 'dst2'].map((d) => pg.createDatabase(d)));
  // About 14 MB: files of 4 MB, 8 MB and the rest.
  await pg.sql('src', `${DDL}
    INSERT INTO app.wide SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 100000) g;
    INSERT INTO app.small SELECT g, 'v' || g FROM generate_series(1, 500) g;`);
  await pg.sql('dst', DDL);
  await pg.sql('dst2', DDL);
  dir = newExportDir();
  const r = await runTandem(['export', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await pg?.stop();
});

function snapshotFiles(): string[] {
  const data = join(dir, 'data');
  return readdirSync(data).filter((d) => d.startsWith('snapshot-')).flatMap((d) => readdirSync(join(data, d)).map((f) => join(data, d, f))).sort();
}

test('a big table is written as several files of growing size; a damaged file stops the import before its batch commits; the repaired rerun completes', async () => {
  const wide = snapshotFiles().filter((f) => f.includes('app.wide.'));
  assert.ok(wide.length >= 3, `app.wide in several files: ${wide.join(', ')}`);
  const first = wide.find((f) => f.endsWith('app.wide.0.0.bin'))!;
  assert.ok(statSync(first).size >= 4 << 20 && statSync(first).size < (4 << 20) + 1024, 'the first file is cut at 4 MB');

  // Damage the type byte of a row in the middle of the second file.
  const second = wide.find((f) => f.endsWith('app.wide.0.1.bin'))!;
  const original = readFileSync(second);
  let at = 0;
  while (at < original.length / 2) at += 1 + original.readUInt32BE(at + 1);
  const damaged = Buffer.from(original);
  damaged[at] = 0x51; // 'Q': a Query message, were it sent as it is
  writeFileSync(second, damaged);
  const args = ['import', 'data', '--export-dir', dir, '--batch-size', '1000000', '--parallel-jobs', '1', ...targetFlags(pg, 'dst')];
  let r = await runTandem(args, env);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /^error \[TANDEM_DATA\]: .*app\.wide\.0\.1\.bin is damaged: byte 0x51 at offset \d+ where a row should start/m);
  assert.match(r.stderr, /Export the data again/);
  const loaded = await pg.sql('dst', 'SELECT count(*)::int AS n FROM app.wide');
  const firstRows = (await pg.sql('dst', 'SELECT count(*)::int AS n FROM app.wide WHERE id <= 100000'))[0].n;
  assert.equal(loaded[0].n, firstRows);
  assert.ok(loaded[0].n < 100000, `the damaged file's batch did not commit (${loaded[0].n} rows loaded)`);
  // The connection was not confused: nothing but rows reached the target.
  assert.equal((await pg.sql('dst', "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'app'"))[0].n, 2);

  writeFileSync(second, original);
  r = await runTandem(args, env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await tableChecksums(pg, 'dst', ['app']), await tableChecksums(pg, 'src', ['app']));
});

test('snapshot files of another layout are refused before the target is touched', async () => {
  const other = newExportDir();
  const r0 = await runTandem(['export', 'data', '--export-dir', other, ...sourceFlags(pg, 'src', 'app')], env);
  assert.equal(r0.code, 0, r0.stderr);
  const db = new Database(join(other, 'metainfo', 'meta.db'));
  try {
    const n = db.prepare("UPDATE kv SET value_json = ? WHERE key = 'snapshot_file_layout'").run(JSON.stringify('raw-copy-v0')).changes;
    assert.equal(n, 1, 'the export recorded its layout');
  } finally {
    db.close();
  }
  const r = await runTandem(['import', 'data', '--export-dir', other, ...targetFlags(pg, 'dst2')], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error \[TANDEM_DATA\]: The snapshot files in this export dir have the layout raw-copy-v0; this Tandem reads copydata-rows-v1\./m);
  assert.match(r.stderr, /Export the data again/);
  assert.equal((await pg.sql('dst2', "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'ybvoyager_metadata'"))[0].n, 0, 'nothing created on the target');
});
