/**
 * `import data` builds each table's secondary indexes (schema/indexes) as soon as the table is
 * loaded (`--build-indexes`, on by default), and `import schema --post-snapshot-import` then
 * builds only the rest: here one that failed while loading (reported by the post-snapshot import,
 * as before). A crash right after an index was built and
 * recorded resumes without building it twice; a post-snapshot import started while `import data`
 * still builds waits for it; `--build-indexes false` leaves them all to the post-snapshot import.
 * PostgreSQL 15, through the CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { eventually, startTandem } from '../../helpers/live-process.js';
import Database from 'better-sqlite3';
import { readTableIndexes } from '../../../src/workflow/schema/schema-statements-reader.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

let pg15: PgServer;
const dirs: string[] = [];

const SOURCE_SQL = `CREATE SCHEMA app;
  CREATE TABLE app.orders (id int PRIMARY KEY, account int NOT NULL, placed date NOT NULL, note text);
  INSERT INTO app.orders SELECT g, g % 500, DATE '2024-01-01' + g % 300, md5(g::text) FROM generate_series(1, 30000) g;
  CREATE INDEX orders_account ON app.orders (account);
  CREATE INDEX orders_placed_note ON app.orders (placed DESC, lower(note)) WHERE account > 10;
  CREATE TABLE app.events (id bigint PRIMARY KEY, kind smallint NOT NULL, at timestamptz NOT NULL);
  INSERT INTO app.events SELECT g, g % 7, '2024-01-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 60000) g;
  CREATE INDEX events_kind ON app.events (kind, at);
  CREATE TABLE app.empty (id int PRIMARY KEY, v text);
  CREATE INDEX empty_v ON app.empty (v);
  CREATE TABLE app.readings (sensor int NOT NULL, at date NOT NULL, v numeric, PRIMARY KEY (sensor, at)) PARTITION BY RANGE (at);
  CREATE TABLE app.readings_1 PARTITION OF app.readings FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
  CREATE TABLE app.readings_2 PARTITION OF app.readings FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
  INSERT INTO app.readings SELECT g % 50, DATE '2024-01-01' + g / 50, g FROM generate_series(0, 18000) g;
  CREATE INDEX readings_v ON app.readings (v);`;

before(async () => {
  pg15 = await startPg15();
  await pg15.createDatabase('src');
  await pg15.sql('src', SOURCE_SQL);
});

after(async () => {
  await pg15?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function tandem(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runTandem(args, { SOURCE_DB_PASSWORD: pg15.password, TARGET_DB_PASSWORD: pg15.password, ...env });
}

async function ok(args: string[]): Promise<CliResult> {
  const r = await tandem(args);
  assert.equal(r.code, 0, `tandem ${args.slice(0, 2).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The secondary indexes (not the keys) of schema app, with their definitions. */
const secondary = async (db: string) => (await pg15.sql(db, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'app' AND indexname NOT LIKE '%_pkey' ORDER BY indexname"))
  .map((r) => `${String(r.indexname)}: ${String(r.indexdef)}`);
const names = (defs: string[]) => defs.map((d) => d.split(':')[0]);

/** Schema exported and imported, data exported: ready for `import data`. */
async function prepared(targetDb: string): Promise<string> {
  const dir = newExportDir();
  dirs.push(dir);
  await pg15.createDatabase(targetDb);
  await ok(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  await ok(['import', 'schema', '--export-dir', dir, ...targetFlags(pg15, targetDb)]);
  await ok(['export', 'data', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  return dir;
}

test('import data builds each loaded table\'s indexes; the post-snapshot import builds the rest and reports a failed one', async () => {
  const dir = await prepared('tgt_default');
  // An index the user added to the exported schema that cannot be built.
  await appendFile(join(dir, 'schema', 'indexes', 'indexes.sql'), '\nCREATE INDEX orders_missing ON app.orders (no_such_column);\n');
  const loaded = await ok(['import', 'data', '--export-dir', dir, ...targetFlags(pg15, 'tgt_default')]);
  assert.match(loaded.stdout, /6 secondary index\(es\) of schema\/indexes are built as their tables finish loading/);
  assert.match(loaded.stdout, /Built 5 secondary index\(es\) as their tables finished loading; 1 could not be built now/);
  // Every table's indexes are there (the partitioned table's on its partitions too), as on the source.
  const source = await secondary('src');
  assert.deepEqual(names(await secondary('tgt_default')), ['empty_v', 'events_kind', 'orders_account', 'orders_placed_note', 'readings_1_v_idx', 'readings_2_v_idx', 'readings_v']);
  assert.deepEqual(await secondary('tgt_default'), source);

  const post = await tandem(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_default')]);
  assert.notEqual(post.code, 0, 'the index that cannot be built fails the post-snapshot import');
  assert.match(post.stdout, /5 index\(es\) were already built by "import data"/);
  assert.match(post.stdout + post.stderr, /no_such_column/);
  assert.match(post.stdout, /\| INDEX +\| +0 \| +5 \| +1 \|/);
  assert.deepEqual(await secondary('tgt_default'), source);
});

test('a crash right after an index is built resumes without building it twice', async () => {
  const dir = await prepared('tgt_crash');
  const killed = await tandem(['import', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...targetFlags(pg15, 'tgt_crash')], { TANDEM_FAILPOINTS: 'import.after-index-built=kill@2' });
  assert.notEqual(killed.code, 0, 'the armed failpoint stopped the import');
  assert.equal((await secondary('tgt_crash')).length, 2, 'two indexes were built before the crash');
  const resumed = await ok(['import', 'data', '--export-dir', dir, ...targetFlags(pg15, 'tgt_crash')]);
  assert.match(resumed.stdout, /3 secondary index\(es\) of schema\/indexes are built as their tables finish loading/);
  assert.match(resumed.stdout, /Built 3 secondary index\(es\) as their tables finished loading\.\n/);
  const post = await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_crash')]);
  assert.match(post.stdout, /5 index\(es\) were already built by "import data"/);
  assert.match(post.stdout, /\| INDEX +\| +0 \| +5 \| +0 \|/);
  assert.deepEqual(await secondary('tgt_crash'), await secondary('src'));
  const count = await pg15.sql('tgt_crash', 'SELECT (SELECT count(*) FROM app.orders) + (SELECT count(*) FROM app.events) + (SELECT count(*) FROM app.readings) AS n');
  assert.equal(Number(count[0]!.n), 30000 + 60000 + 18001);
});

test('--build-indexes false leaves every index to the post-snapshot import', async () => {
  const dir = await prepared('tgt_off');
  const loaded = await ok(['import', 'data', '--export-dir', dir, '--build-indexes', 'false', ...targetFlags(pg15, 'tgt_off')]);
  assert.doesNotMatch(loaded.stdout, /secondary index/);
  assert.deepEqual(await secondary('tgt_off'), []);
  const post = await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_off')]);
  assert.match(post.stdout, /\| INDEX +\| +5 \| +0 \| +0 \|/);
  assert.doesNotMatch(post.stdout, /already built by "import data"/);
  assert.deepEqual(await secondary('tgt_off'), await secondary('src'));
});

test('a post-snapshot import started while import data still builds indexes waits for it, then builds only the rest', async () => {
  const dir = await prepared('tgt_concurrent');
  const logDir = mkdtempSync(join(tmpdir(), 'tandem-index-pause-'));
  dirs.push(logDir);
  const hitLog = join(logDir, 'failpoints.log');
  // The importer stops for 1.5 s after each of its 5 index builds (7.5 s in all), holding its lock,
  // its snapshot not done: the post-snapshot import starts within the first pause.
  const importing = startTandem(['import', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...targetFlags(pg15, 'tgt_concurrent')], {
    TARGET_DB_PASSWORD: pg15.password, TANDEM_FAILPOINTS: 'import.after-index-built=pause:1500', TANDEM_FAILPOINT_LOG: hitLog,
  });
  await eventually(async () => (existsSync(hitLog) ? true : 'no index built yet'), 60_000, 50);
  const post = await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_concurrent')]);
  assert.equal(await importing.done, 0, importing.output());
  assert.match(post.stdout, /"import data" is still loading the snapshot and builds each table's indexes as the table finishes; waiting/);
  assert.match(post.stdout, /5 index\(es\) were already built by "import data"/);
  assert.match(post.stdout, /\| INDEX +\| +0 \| +5 \| +0 \|/);
  assert.deepEqual(await secondary('tgt_concurrent'), await secondary('src'));
});

test('an index a killed build had started and the server committed anyway counts as built, in import data and in the post-snapshot import', async () => {
  // As if an importer died while its backend went on to commit the index: recorded as started only.
  const orphan = async (dir: string, db: string, table: string) => {
    // The statement exactly as import data reads (and records) it.
    const sql = (await readTableIndexes(join(dir, 'schema'))).find((i) => i.table === table)!.statement.sql;
    const meta = new Database(join(dir, 'metainfo', 'meta.db'));
    meta.prepare("INSERT INTO kv (key, value_json) VALUES ('indexes_started_by_import', ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json").run(JSON.stringify([sql]));
    meta.close();
    await pg15.sql(db, sql);
  };

  const dir = await prepared('tgt_orphan');
  await orphan(dir, 'tgt_orphan', 'events');
  const loaded = await ok(['import', 'data', '--export-dir', dir, ...targetFlags(pg15, 'tgt_orphan')]);
  assert.match(loaded.stdout, /Built 5 secondary index\(es\) as their tables finished loading\.\n/);
  const post = await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_orphan')]);
  assert.match(post.stdout, /5 index\(es\) were already built by "import data"/);
  assert.deepEqual(await secondary('tgt_orphan'), await secondary('src'));

  const late = await prepared('tgt_orphan_late');
  await ok(['import', 'data', '--export-dir', late, '--build-indexes', 'false', ...targetFlags(pg15, 'tgt_orphan_late')]);
  await orphan(late, 'tgt_orphan_late', 'events');
  const post2 = await ok(['import', 'schema', '--export-dir', late, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_orphan_late')]);
  assert.match(post2.stdout, /\| INDEX +\| +4 \| +1 \| +0 \|/);
  assert.deepEqual(await secondary('tgt_orphan_late'), await secondary('src'));
  // Anything else of that name is still "already exists" without --ignore-exist.
  const other = await prepared('tgt_clash');
  await ok(['import', 'data', '--export-dir', other, '--build-indexes', 'false', ...targetFlags(pg15, 'tgt_clash')]);
  await pg15.sql('tgt_clash', 'CREATE INDEX events_kind ON app.events (at)');
  const clash = await tandem(['import', 'schema', '--export-dir', other, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt_clash')]);
  assert.notEqual(clash.code, 0);
  assert.match(clash.stdout + clash.stderr, /events_kind" already exists/);
});
