/**
 * A source slot the server invalidated while the exporter was stopped (it held more WAL than
 * max_slot_wal_keep_size allows): the restarted exporter stops at once with what happened and what
 * to do. It used to say that wal_level was not logical (the same SQLSTATE).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, killAll, tail } from '../../helpers/live-process.js';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import { PgChangeCapture } from '../../../src/adapters/postgres/pg-change-capture.js';
import type { DbConfig } from '../../../src/core/db-config.js';

let pg: PgServer;

before(async () => {
  pg = await startPg15({ max_slot_wal_keep_size: '32MB', max_wal_size: '64MB', min_wal_size: '32MB' });
  await pg.createDatabase('src');
  await pg.createDatabase('dst');
  await pg.sql('src', `CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY); INSERT INTO app.t SELECT generate_series(1, 100);
    CREATE TABLE public.other (id int, f text);`);
});
after(async () => {
  await killAll();
  await pg?.stop();
});

test('an invalidated slot: the restarted exporter names it and says the migration must start again; not wal_level', { timeout: 120_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const dir = newExportDir();
  const SF = sourceFlags(pg, 'src', 'app');
  for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'dst')]]) {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, r.stderr);
  }
  const exportArgs = ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  const ex = startTandem(exportArgs, env);
  await ex.waitFor(/Streaming changes/, 60_000);
  await ex.kill('SIGTERM');
  await pg.sql('src', 'INSERT INTO app.t VALUES (1000)');
  // Far more WAL than max_slot_wal_keep_size while nothing reads the slot; checkpoints invalidate it.
  for (let i = 0; i < 4; i++) await pg.sql('src', `INSERT INTO public.other SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g; CHECKPOINT; SELECT pg_switch_wal();`);
  await pg.sql('src', 'CHECKPOINT');
  assert.deepEqual(await pg.sql('src', 'SELECT wal_status FROM pg_replication_slots'), [{ wal_status: 'lost' }]);

  const r = await runTandem(exportArgs, env);
  assert.equal(r.code, 1, tail(r.stdout + r.stderr));
  assert.match(r.stderr, /error \[TANDEM_PREREQUISITE\]: Starting the change stream: the server refused replication slot tandem_\w+: .*invalidated because it exceeded the maximum reserved size\./);
  assert.match(r.stderr, /fix: .*wal_status = 'lost'.*start it again from a new snapshot/);
  assert.doesNotMatch(r.stderr, /wal_level/);
  // Recorded: the report says the counts stop there, and --start-clean's refusal gives the way out
  // instead of "rerun without it to resume".
  const report = await runTandem(['get', 'data-migration-report', '--export-dir', dir], env);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stderr, /WARNING: the source's change stream stopped for good at \S+ \(Starting the change stream: the server refused replication slot tandem_\w+: .*\): the source's changes since are counted nowhere, so FINAL_ROW_COUNT is not what the tables hold; run "tandem compare --export-dir [^"]+"\. This migration cannot go on from its change stream: start it again from a new snapshot \(tandem end migration --export-dir /);
  const clean = await runTandem([...exportArgs, '--start-clean', 'true'], env);
  assert.equal(clean.code, 1, clean.stderr);
  assert.match(clean.stderr, /fix: Its change stream stopped for good at .*start it again from a new snapshot/);
  assert.doesNotMatch(clean.stderr, /to resume streaming/);
});

test('a slot past max_slot_wal_keep_size before a checkpoint (wal_status unreserved), then invalidated: the retention check says each, with what to do', { timeout: 120_000 }, async () => {
  // No checkpoint comes by itself here (max_wal_size far above what is written), so the slot stays
  // unreserved until the test asks for one.
  const s = await startPg15({ max_slot_wal_keep_size: '32MB', max_wal_size: '2GB', checkpoint_timeout: '1h' });
  try {
    await s.createDatabase('src');
    await s.sql('src', 'CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY); CREATE TABLE public.other (id int, f text);');
    const env = { SOURCE_DB_PASSWORD: s.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
    const dir = newExportDir();
    const ex = startTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(s, 'src', 'app'), '--export-type', 'snapshot-and-changes'], env);
    await ex.waitFor(/Streaming changes/, 60_000);
    await ex.kill('SIGTERM');
    const meta = MetaStore.open(join(dir, 'metainfo', 'meta.db'));
    const id = meta.migrationUuid();
    meta.close();
    const db = { type: 'postgresql', host: s.host, port: s.port, user: s.user, password: s.password, database: 'src', schemas: ['app'], role: 'source' } as DbConfig;
    const capture = new PgChangeCapture(db, { id, side: 'source' });
    assert.equal(await capture.retentionWarning(), undefined, 'nothing to say yet');
    await s.sql('src', `INSERT INTO public.other SELECT g, repeat('x', 200) FROM generate_series(1, 300000) g; SELECT pg_switch_wal();`);
    assert.deepEqual(await s.sql('src', 'SELECT wal_status FROM pg_replication_slots'), [{ wal_status: 'unreserved' }]);
    assert.match(await capture.retentionWarning() ?? '', /holds more WAL than max_slot_wal_keep_size \(32MB\) allows \(wal_status unreserved\): the server invalidates it at its next checkpoint unless the export catches up.*Raise max_slot_wal_keep_size now/);
    await s.sql('src', 'CHECKPOINT');
    assert.deepEqual(await s.sql('src', 'SELECT wal_status FROM pg_replication_slots'), [{ wal_status: 'lost' }]);
    assert.match(await capture.retentionWarning() ?? '', /was invalidated by the server \(wal_status lost.*start it again from a new snapshot/);
    await capture.close?.();
  } finally {
    await s.stop();
  }
});
