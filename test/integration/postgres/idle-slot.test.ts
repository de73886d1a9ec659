import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startPg15 } from '../../helpers/pg-server.js';
import { CLI_PATH, newExportDir, sourceFlags } from '../../helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('while the migrated tables are quiet, the exporter moves the slot on with WAL heartbeats (no WAL piles up)', async () => {
  // A short wal_sender_timeout makes the server send keepalives often.
  const s = await startPg15({ wal_sender_timeout: '2s' });
  const child = { proc: undefined as ReturnType<typeof spawn> | undefined };
  try {
    await s.createDatabase('db');
    await s.sql('db', 'CREATE TABLE migrated (id int PRIMARY KEY, v text); INSERT INTO migrated VALUES (1, \'a\'); CREATE TABLE other (id serial PRIMARY KEY, v text);');
    const dir = newExportDir();
    child.proc = spawn(process.execPath, [CLI_PATH, 'export', 'data', 'from', 'source', '--export-dir', dir, ...sourceFlags(s, 'db'),
      '--table-list', 'migrated', '--export-type', 'snapshot-and-changes'], { env: { ...process.env, SOURCE_DB_PASSWORD: s.password, TANDEM_NO_TTY: '1' }, stdio: 'ignore' });
    let slot: { confirmed: string }[] = [];
    for (let i = 0; i < 100 && slot.length === 0; i++) {
      await sleep(200);
      slot = await s.sql('db', "SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name LIKE 'tandem_%'");
    }
    assert.equal(slot.length, 1, 'the exporter created its slot');
    const before = slot[0]!.confirmed;
    // Plenty of WAL from a table that is not migrated.
    for (let i = 0; i < 20; i++) await s.sql('db', "INSERT INTO other (v) SELECT repeat('x', 200) FROM generate_series(1, 2000)");
    const written = (await s.sql('db', 'SELECT pg_current_wal_lsn()::text AS l'))[0].l as string;
    let moved = false;
    for (let i = 0; i < 60 && !moved; i++) {
      await sleep(500);
      const r = await s.sql('db', `SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name LIKE 'tandem_%'`, [written]);
      moved = r[0]?.ok === true;
    }
    assert.ok(moved, `the slot's confirmed position (was ${before}) reached ${written}`);
  } finally {
    child.proc?.kill('SIGKILL');
    await s.stop();
  }
});
