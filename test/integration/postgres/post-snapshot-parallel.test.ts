/**
 * `import schema --post-snapshot-import true --parallel-jobs N` builds the secondary indexes on N
 * connections at once (then the rest on one): every index ends up as on the source; an index that
 * fails (duplicate rows on the target) is reported and fails the command while the others are
 * built, and a rerun with --ignore-exist after the fix completes it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

let pg15: PgServer;
const dirs: string[] = [];

const SOURCE_SQL = `CREATE SCHEMA app;
${Array.from({ length: 6 }, (_, i) => `
  CREATE TABLE app.t${i} (id int PRIMARY KEY, a int NOT NULL, b text, c timestamptz);
  INSERT INTO app.t${i} SELECT g, g % 97, md5(g::text), '2024-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 20000) g;
  CREATE INDEX t${i}_a ON app.t${i} (a);
  CREATE UNIQUE INDEX t${i}_b ON app.t${i} (b);
  CREATE INDEX t${i}_ac ON app.t${i} (a, c DESC) WHERE a > 10;`).join('\n')}
  CREATE INDEX t0_lower_b ON app.t0 (lower(b));
  CREATE INDEX t3_inv ON app.t3 ((1000 / (a + 1000)));`;

before(async () => {
  pg15 = await startPg15();
  await pg15.createDatabase('src');
  await pg15.sql('src', SOURCE_SQL);
});

after(async () => {
  await pg15?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, { SOURCE_DB_PASSWORD: pg15.password, TARGET_DB_PASSWORD: pg15.password });
}

async function ok(args: string[]): Promise<CliResult> {
  const r = await tandem(args);
  assert.equal(r.code, 0, `tandem ${args.slice(0, 2).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const indexes = async (db: string) => (await pg15.sql(db, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'app' ORDER BY indexname")).map((r) => String(r.indexdef));

async function migrateData(targetDb: string): Promise<string> {
  const dir = newExportDir();
  dirs.push(dir);
  await pg15.createDatabase(targetDb);
  await ok(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  await ok(['import', 'schema', '--export-dir', dir, ...targetFlags(pg15, targetDb)]);
  await ok(['export', 'data', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  // --build-indexes false: this file tests the post-snapshot import's own parallel index builds.
  await ok(['import', 'data', '--export-dir', dir, '--build-indexes', 'false', ...targetFlags(pg15, targetDb)]);
  // Before the post-snapshot import the target has only the primary keys and unique indexes.
  assert.equal((await indexes(targetDb)).filter((d) => !/_pkey |UNIQUE/.test(d)).length, 0);
  return dir;
}

test('the indexes are built on several connections and end up as on the source', async () => {
  const dir = await migrateData('tgt_parallel');
  const r = await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', '--parallel-jobs', '3', ...targetFlags(pg15, 'tgt_parallel')]);
  assert.match(r.stdout, /\| INDEX +\| +14 \| +0 \| +0 \|/);
  assert.deepEqual(await indexes('tgt_parallel'), await indexes('src'));
  assert.equal((await indexes('src')).length, 26);
});

test('a failing index is reported and fails the command, the others are built; a rerun after the fix completes it', async () => {
  const dir = await migrateData('tgt_failing');
  // A row on the target on which one index's expression fails (the application wrote it there, say).
  await pg15.sql('tgt_failing', "INSERT INTO app.t3 (id, a, b) VALUES (100000, -1000, 'x')");
  const failed = await tandem(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', '--parallel-jobs', '3', ...targetFlags(pg15, 'tgt_failing')]);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stdout + failed.stderr, /t3_inv/);
  assert.match(failed.stdout + failed.stderr, /division by zero/);
  const built = await indexes('tgt_failing');
  assert.ok(!built.some((d) => /t3_inv /.test(d)), 't3_inv is not there');
  assert.equal(built.filter((d) => !/_pkey |UNIQUE/.test(d)).length, 13, `the other indexes were built: ${built.join('\n')}`);

  await pg15.sql('tgt_failing', 'DELETE FROM app.t3 WHERE id = 100000');
  await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', '--ignore-exist', 'true', '--parallel-jobs', '3', ...targetFlags(pg15, 'tgt_failing')]);
  assert.deepEqual(await indexes('tgt_failing'), await indexes('src'));
});
