/**
 * An export dir put back from an earlier copy while its stream went on: the slot has confirmed
 * changes the copy's queue never held, and a restart from the copy would silently start after them
 * (measured before: 998 and 1,368 committed transactions skipped; the pg-chaos run). The exporter
 * now refuses before it reads anything. A slot moved on by idle keepalives (positions the exporter
 * recorded first) is no such case: its restart streams.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { newExportDir, runTandem, sourceFlags } from '../../helpers/cli.js';
import { metaValue } from '../../helpers/export-dir-state.js';
import { eventually, killAll, startTandem } from '../../helpers/live-process.js';

let s: PgServer;

before(async () => {
  // A short wal_sender_timeout: keepalives come often, so an idle slot moves on within seconds.
  s = await startPg15({ wal_sender_timeout: '2s' });
  await s.createDatabase('db');
  await s.sql('db', 'CREATE TABLE migrated (id int PRIMARY KEY, v text); INSERT INTO migrated VALUES (1, \'a\'); CREATE TABLE other (id serial PRIMARY KEY, v text);');
});
after(async () => {
  await killAll();
  await s?.stop();
});

const queuedVsn = (dir: string): number => {
  const db = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
  try {
    return (db.prepare('SELECT last_vsn FROM queue_state WHERE id = 1').get() as { last_vsn: number } | undefined)?.last_vsn ?? 0;
  } finally {
    db.close();
  }
};

test('a restart from an earlier copy of the export dir is refused (the slot confirmed changes it never queued); restarts of the real one, also after idle keepalives moved the slot on, stream', { timeout: 180_000 }, async () => {
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password };
  const args = ['export', 'data', 'from', 'source', '--export-dir', dir, ...sourceFlags(s, 'db'), '--table-list', 'migrated', '--export-type', 'snapshot-and-changes'];
  let ex = startTandem(args, env);
  await ex.waitFor(/Streaming changes/, 60_000);
  await s.sql('db', "INSERT INTO migrated SELECT g, 'x' FROM generate_series(2, 20) g");
  await eventually(async () => (queuedVsn(dir) >= 19 ? true : `queued ${queuedVsn(dir)}`), 30_000, 100);
  // Quiet migrated tables, WAL from another one: the keepalives' positions are recorded, then confirmed.
  for (let i = 0; i < 10; i++) await s.sql('db', "INSERT INTO other (v) SELECT repeat('x', 200) FROM generate_series(1, 2000)");
  await eventually(async () => (metaValue(dir, 'source_stream_idle_confirmed') !== undefined ? true : 'no idle position recorded yet'), 30_000, 200);
  assert.equal(await ex.kill('SIGINT'), 0);
  const slot = async () => (await s.sql('db', "SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name LIKE 'tandem_%'"))[0].c as string;
  const copy = `${dir}-copy`;
  cpSync(dir, copy, { recursive: true });

  // The real export dir restarts (the slot is past its last queued transaction, by idle positions it recorded).
  ex = startTandem(args, env);
  await ex.waitFor(/Streaming changes/, 60_000);
  const queuedBefore = queuedVsn(dir);
  await s.sql('db', "INSERT INTO migrated SELECT g, 'y' FROM generate_series(21, 70) g");
  await eventually(async () => (queuedVsn(dir) >= queuedBefore + 50 ? true : `queued ${queuedVsn(dir)}`), 30_000, 100);
  assert.equal(await ex.kill('SIGINT'), 0);
  const confirmed = await slot();

  // Put back the earlier copy: the 50 inserts are in no queue of it, and the slot will not send them again.
  rmSync(dir, { recursive: true, force: true });
  cpSync(copy, dir, { recursive: true });
  rmSync(copy, { recursive: true, force: true });
  const refused = await runTandem(args, env);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`error \\[TANDEM_EXPORT_DIR\\]: The replication slot tandem_\\w+ on \\S+ has confirmed changes up to ${confirmed.replace('/', '\\/')}, but this export dir knows of them only up to [0-9A-F]+\\/[0-9A-F]+: the export dir is older than the stream`));
  assert.match(refused.stderr, /fix: Put back the export dir as it was last/);
  assert.equal(await slot(), confirmed, 'nothing was read or confirmed');
});
