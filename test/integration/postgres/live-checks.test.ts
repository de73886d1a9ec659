/**
 * Bad input for a live migration through the built CLI. Each case: a non-zero exit, one
 * `error [CODE]` line (plus its fix), and nothing changed: no replication slot and no publication
 * on the source, and the export dir's files and meta.db rows as they were.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { exportDirState } from '../../helpers/export-dir-state.js';
import { runTandem, newExportDir, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startTandem, killAll, tail, sleep } from '../../helpers/live-process.js';

const PLAIN_PW = 'plain-role-pw-5150';

let good: PgServer; // wal_level logical, one replication slot
let replica: PgServer; // wal_level replica
let env: Record<string, string>;

const DDL = `CREATE SCHEMA app;
  CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE app.notes (id int PRIMARY KEY, body text);
  INSERT INTO app.items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
  INSERT INTO app.notes SELECT g, 'note ' || g FROM generate_series(1, 10) g;`;

before(async () => {
  [good, replica] = await Promise.all([
    startPg15({ max_replication_slots: '1' }),
    startPg15({ wal_level: 'replica' }),
  ]);
  env = { SOURCE_DB_PASSWORD: good.password, TARGET_DB_PASSWORD: good.password, TANDEM_METRICS_INTERVAL_MS: '60000' };
  await Promise.all([good.createDatabase('src'), good.createDatabase('nopk'), good.createDatabase('dst'), replica.createDatabase('src')]);
  await Promise.all([good.sql('src', DDL), replica.sql('src', DDL), good.sql('dst', DDL.split('INSERT')[0]!)]);
  await good.sql('nopk', `${DDL}
    CREATE TABLE app.log_lines (at timestamptz, line text);
    CREATE TABLE app."Heap Table" (v int);
    INSERT INTO app.log_lines VALUES (now(), 'x');`);
  await good.sql('postgres', `CREATE ROLE plain LOGIN PASSWORD '${PLAIN_PW}'`);
  await good.sql('src', `GRANT USAGE ON SCHEMA app TO plain; GRANT SELECT ON ALL TABLES IN SCHEMA app TO plain; GRANT CREATE ON DATABASE src TO plain;`);
});

after(async () => {
  await killAll();
  await Promise.all([good?.stop(), replica?.stop()]);
});

async function replicationObjects(s: PgServer, db: string): Promise<unknown> {
  const slots = await s.sql('postgres', `SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'tandem%' ORDER BY 1`);
  const pubs = await s.sql(db, `SELECT pubname FROM pg_publication ORDER BY 1`);
  return { slots: slots.map((r) => r.slot_name), pubs: pubs.map((r) => r.pubname) };
}

function assertCleanFailure(r: CliResult, code: string, what: string): void {
  const out = `${what}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.notEqual(r.code, 0, out);
  assert.notEqual(r.code, 70, `an internal error: ${out}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+/, `a stack trace: ${out}`);
  assert.match(r.stderr, new RegExp(`^error \\[${code}\\]: \\S`, 'm'), out);
  assert.equal(r.stderr.match(/^error/gm)?.length, 1, `one error message: ${out}`);
  for (const pw of [good.password, PLAIN_PW]) assert.ok(!(r.stdout + r.stderr).includes(pw), `a password in the output: ${out}`);
}

/** Runs a command that must fail with `code`, leaving the source's replication objects and `dir` alone. */
async function expectFailure(what: string, args: string[], code: string,
  opts: { server: PgServer; db: string; dir: string; env?: Record<string, string>; streaming?: boolean }): Promise<CliResult> {
  // A streaming exporter records its position in meta.db whenever it likes (idle progress, and the
  // idle positions its slot may confirm): those records are its own, not the failed command's.
  const state = () => exportDirState(opts.dir, opts.streaming ? { ignoreTables: ['queue_state', 'queue_positions'], ignoreKeys: ['source_stream_idle_confirmed', 'source_queued_commit_ms'] } : {});
  const before = { repl: await replicationObjects(opts.server, opts.db), dir: state() };
  const r = await runTandem(args, opts.env ?? env);
  assertCleanFailure(r, code, what);
  assert.deepEqual({ repl: await replicationObjects(opts.server, opts.db), dir: state() }, before, `${what} changed something`);
  return r;
}

const liveExport = (s: PgServer, db: string, dir: string, user?: string) => {
  const flags = sourceFlags(s, db, 'app');
  if (user) flags[flags.indexOf('--source-db-user') + 1] = user;
  return ['export', 'data', 'from', 'source', '--export-dir', dir, ...flags, '--export-type', 'snapshot-and-changes'];
};

test('wal_level = replica: TANDEM_PREREQUISITE naming wal_level and how to change it', async () => {
  const dir = newExportDir();
  const r = await expectFailure('live export, wal_level replica', liveExport(replica, 'src', dir), 'TANDEM_PREREQUISITE', { server: replica, db: 'src', dir });
  assert.match(r.stderr, /wal_level is 'replica'/);
  assert.match(r.stderr, /fix: .*wal_level\s*=\s*'?logical/i);
  // The same dir is still usable: a snapshot-only export from it works.
  const ok = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(replica, 'src', 'app')], env);
  assert.equal(ok.code, 0, ok.stderr);
});

test('a user without REPLICATION: TANDEM_PRIVILEGE naming the ALTER ROLE', async () => {
  const dir = newExportDir();
  const r = await expectFailure('live export as plain', liveExport(good, 'src', dir, 'plain'), 'TANDEM_PRIVILEGE',
    { server: good, db: 'src', dir, env: { ...env, SOURCE_DB_PASSWORD: PLAIN_PW } });
  assert.match(r.stderr, /"plain" lacks the REPLICATION attribute/);
  assert.match(r.stderr, /fix: .*ALTER ROLE "plain" WITH REPLICATION/);
});

test('max_replication_slots exhausted: TANDEM_PREREQUISITE, the other slot untouched', async () => {
  await good.sql('src', `SELECT pg_create_logical_replication_slot('someone_elses', 'pgoutput')`);
  try {
    const dir = newExportDir();
    const r = await expectFailure('live export, no free slot', liveExport(good, 'src', dir), 'TANDEM_PREREQUISITE', { server: good, db: 'src', dir });
    assert.match(r.stderr, /No free replication slot: 1 of max_replication_slots = 1/);
    assert.match(r.stderr, /fix: .*max_replication_slots/);
    const left = await good.sql('postgres', `SELECT slot_name FROM pg_replication_slots`);
    assert.deepEqual(left.map((x) => x.slot_name), ['someone_elses']);
  } finally {
    await good.sql('postgres', `SELECT pg_drop_replication_slot('someone_elses')`);
  }
});

test('tables without a primary key: refused before anything starts, naming the tables and the ways out', async () => {
  const dir = newExportDir();
  const r = await expectFailure('live export, tables without PK', liveExport(good, 'nopk', dir), 'TANDEM_PREREQUISITE', { server: good, db: 'nopk', dir });
  assert.match(r.stderr, /primary key/);
  assert.match(r.stderr, /app\.log_lines/);
  assert.match(r.stderr, /app\."?Heap Table"?/);
  assert.doesNotMatch(r.stderr, /app\.items|app\.notes/, 'only the tables without a key are named');
  assert.match(r.stderr, /ADD PRIMARY KEY/);
  assert.match(r.stderr, /--exclude-table-list/);
  assert.match(r.stderr, /snapshot-only/);
  // One way out works: leaving them out. Checked up to the stream, then stopped.
  const ex = startTandem([...liveExport(good, 'nopk', dir), '--exclude-table-list', 'log_lines,"Heap Table"'], env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
  } finally {
    await ex.kill('SIGINT');
  }
  const pub = await good.sql('nopk', `SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables ORDER BY 1`);
  assert.deepEqual(pub.map((x) => x.t), ['app.items', 'app.notes']);
  const slots = await good.sql('postgres', `SELECT slot_name FROM pg_replication_slots WHERE database = 'nopk'`);
  assert.equal(slots.length, 1);
  await good.sql('postgres', `SELECT pg_drop_replication_slot($1)`, [slots[0]!.slot_name]);
});

test('a replica identity index other than the primary key: refused before anything starts (deletes would come without the key)', async () => {
  await good.createDatabase('ident');
  await good.sql('ident', `${DDL}
    CREATE TABLE app.codes (id int PRIMARY KEY, code text NOT NULL UNIQUE);
    ALTER TABLE app.codes REPLICA IDENTITY USING INDEX codes_code_key;
    CREATE TABLE app.by_pk (id int PRIMARY KEY);
    ALTER TABLE app.by_pk REPLICA IDENTITY USING INDEX by_pk_pkey;
    -- A partition's own setting: its changes are logged with it, then published through the root.
    CREATE TABLE app.parted (id int, at date, code text NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE app.parted_2024 PARTITION OF app.parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE UNIQUE INDEX parted_2024_code ON app.parted_2024 (code);
    ALTER TABLE app.parted_2024 REPLICA IDENTITY USING INDEX parted_2024_code;`);
  const dir = newExportDir();
  const r = await expectFailure('live export, identity index', liveExport(good, 'ident', dir), 'TANDEM_PREREQUISITE', { server: good, db: 'ident', dir });
  assert.match(r.stderr, /REPLICA IDENTITY is an index other than the primary key .*: app\.codes \(index codes_code_key\), app\.parted_2024 \(index parted_2024_code\)\./);
  assert.doesNotMatch(r.stderr, /by_pk/, 'the primary key\'s own index as the identity is fine');
  assert.match(r.stderr, /fix: ALTER TABLE … REPLICA IDENTITY DEFAULT;/);
});

test('a table whose only key is UNIQUE NOT NULL, as its replica identity: the fix says to make that key the primary key, which REPLICA IDENTITY DEFAULT or FULL alone does not (measured before: the pg-chaos run followed it in vain)', async () => {
  await good.createDatabase('keyless');
  await good.sql('keyless', `${DDL}
    CREATE TABLE app.products (sku text NOT NULL UNIQUE, name text);
    ALTER TABLE app.products REPLICA IDENTITY USING INDEX products_sku_key;`);
  const dir = newExportDir();
  const r = await expectFailure('live export, keyless identity', liveExport(good, 'keyless', dir), 'TANDEM_PREREQUISITE', { server: good, db: 'keyless', dir });
  assert.match(r.stderr, /Live migration needs a primary key on every table; these have none: app\.products\./);
  assert.match(r.stderr, /a unique key on NOT NULL columns can become it: DROP CONSTRAINT <the unique key>, ADD PRIMARY KEY \(<its columns>\) in one ALTER TABLE/);
  assert.match(r.stderr, /On a table without a primary key, add one \(ALTER TABLE … DROP CONSTRAINT <the unique key>, ADD PRIMARY KEY \(<its columns>\)/);
  // The fix as written runs on PostgreSQL 15 (the key becomes primary; the identity follows it).
  await good.sql('keyless', 'ALTER TABLE app.products DROP CONSTRAINT products_sku_key, ADD PRIMARY KEY (sku); ALTER TABLE app.products REPLICA IDENTITY DEFAULT');
});

test('an unlogged table: refused before anything starts (its changes are never in the WAL), with the ways out', async () => {
  await good.createDatabase('unlogged');
  await good.sql('unlogged', `${DDL} CREATE UNLOGGED TABLE app.scratch (id int PRIMARY KEY); INSERT INTO app.scratch VALUES (1);`);
  const dir = newExportDir();
  const r = await expectFailure('live export, unlogged table', liveExport(good, 'unlogged', dir), 'TANDEM_PREREQUISITE', { server: good, db: 'unlogged', dir });
  assert.match(r.stderr, /Unlogged tables write no WAL, so their changes cannot be streamed: app\.scratch\./);
  assert.match(r.stderr, /fix: ALTER TABLE … SET LOGGED; .*--exclude-table-list app\.scratch.*--export-type snapshot-only/);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
});

test('initiate cutover to target before a live export exists: TANDEM_EXPORT_DIR', async () => {
  // An export dir with nothing in it.
  const empty = newExportDir();
  let r = await expectFailure('cutover in an empty dir', ['initiate', 'cutover', 'to', 'target', '--export-dir', empty], 'TANDEM_EXPORT_DIR', { server: good, db: 'src', dir: empty });
  // An offline (snapshot-only) export.
  const offline = newExportDir();
  const ok = await runTandem(['export', 'data', '--export-dir', offline, ...sourceFlags(good, 'src', 'app')], env);
  assert.equal(ok.code, 0, ok.stderr);
  r = await expectFailure('cutover after an offline export', ['initiate', 'cutover', 'to', 'target', '--export-dir', offline], 'TANDEM_EXPORT_DIR', { server: good, db: 'src', dir: offline });
  assert.match(r.stderr, /this export dir holds an offline \(snapshot-only\) export/);
  assert.match(r.stderr, /fix: Start a live migration in a new, empty export dir: .*snapshot-and-changes/);
});

test('initiate cutover to target names the command that is not running, and only that one', async () => {
  const dir = newExportDir();
  const ex = startTandem(liveExport(good, 'src', dir), env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`"import data to target" is not running; start it \\(tandem import data to target --export-dir ${dir}\\) and it carries out the cutover\\.`));
    assert.doesNotMatch(r.stdout + r.stderr, /"export data from source" is not running/);
    assert.equal(await Promise.race([ex.done, sleep(30_000).then(() => 'still running')]), 0, tail(ex.output()));
  } finally {
    await ex.kill('SIGINT');
  }
  const slots = await good.sql('postgres', `SELECT slot_name FROM pg_replication_slots WHERE database = 'src'`);
  for (const s of slots) await good.sql('postgres', `SELECT pg_drop_replication_slot($1)`, [s.slot_name]);
});

test('initiate cutover to source before the cutover to target completed: TANDEM_EXPORT_DIR', async () => {
  const dir = newExportDir();
  const ex = startTandem(liveExport(good, 'src', dir), env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    const r = await expectFailure('cutover to source while streaming', ['initiate', 'cutover', 'to', 'source', '--export-dir', dir], 'TANDEM_EXPORT_DIR', { server: good, db: 'src', dir, streaming: true });
    assert.match(r.stderr, /needs a completed cutover to target \(it is NOT_INITIATED\)/);
    assert.match(r.stderr, /fix: /);
    const st = await runTandem(['cutover', 'status', '--export-dir', dir, '--output-format', 'json'], env);
    assert.equal(st.code, 0, st.stderr);
    for (const row of JSON.parse(st.stdout) as { status: string }[]) assert.equal(row.status, 'NOT_INITIATED', st.stdout);
  } finally {
    const code = await ex.kill('SIGINT');
    assert.equal(code, 0, tail(ex.output()));
  }
  // `import data` waits for an exporter that has not started, up to --wait-for-export, then fails.
  const fresh = newExportDir();
  const r = await runTandem(['import', 'data', '--export-dir', fresh, '--wait-for-export', '1', ...targetFlags(good, 'dst')], env);
  assertCleanFailure(r, 'TANDEM_EXPORT_DIR', 'plain import data before any export');
  const slots = await good.sql('postgres', `SELECT slot_name FROM pg_replication_slots WHERE database = 'src'`);
  for (const s of slots) await good.sql('postgres', `SELECT pg_drop_replication_slot($1)`, [s.slot_name]);
});

test('restarting a streaming export: --start-clean and changed table flags are refused before anything changes; the same command line resumes', { timeout: 240_000 }, async () => {
  // Publications left by the earlier tests would blur the check of which tables this one streams.
  for (const p of await good.sql('src', `SELECT pubname FROM pg_publication`)) await good.sql('src', `DROP PUBLICATION "${p.pubname}"`);
  const dir = newExportDir();
  const first = startTandem([...liveExport(good, 'src', dir), '--exclude-table-list', 'notes'], env);
  try {
    await first.waitFor(/Streaming changes/, 60_000);
  } finally {
    assert.equal(await first.kill('SIGINT'), 0, tail(first.output()));
  }
  try {
    let r = await expectFailure('restart with --start-clean', [...liveExport(good, 'src', dir), '--exclude-table-list', 'notes', '--start-clean', 'true', '--yes'],
      'TANDEM_EXPORT_DIR', { server: good, db: 'src', dir });
    assert.match(r.stderr, /already streaming changes; --start-clean cannot take a new snapshot/);
    assert.match(r.stderr, /fix: .*new export dir.*empty the target tables.*tandem end migration --export-dir/);
    r = await expectFailure('restart with another --exclude-table-list', [...liveExport(good, 'src', dir), '--exclude-table-list', 'items'],
      'TANDEM_USAGE', { server: good, db: 'src', dir });
    assert.match(r.stderr, /streams the tables chosen with --exclude-table-list notes; a restart cannot change them \(given: --exclude-table-list items\)/);
    r = await expectFailure('restart with a --table-list', [...liveExport(good, 'src', dir), '--table-list', 'items,notes'],
      'TANDEM_USAGE', { server: good, db: 'src', dir });
    assert.match(r.stderr, /given: --table-list items,notes\)/);
    // The same flags (spelled differently) and no flags at all both resume the stream.
    for (const flags of [['--exclude-table-list', 'notes , notes'], []]) {
      const again = startTandem([...liveExport(good, 'src', dir), ...flags], env);
      try {
        await again.waitFor(/Streaming changes/, 60_000);
      } finally {
        assert.equal(await again.kill('SIGINT'), 0, tail(again.output()));
      }
    }
    const pub = await good.sql('src', `SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables ORDER BY 1`);
    assert.deepEqual(pub.map((x) => x.t), ['app.items'], 'notes is still left out');
  } finally {
    const slots = await good.sql('postgres', `SELECT slot_name FROM pg_replication_slots WHERE database = 'src'`);
    for (const s of slots) await good.sql('postgres', `SELECT pg_drop_replication_slot($1)`, [s.slot_name]);
    for (const p of await good.sql('src', `SELECT pubname FROM pg_publication`)) await good.sql('src', `DROP PUBLICATION "${p.pubname}"`);
  }
});
