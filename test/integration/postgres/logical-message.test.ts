/**
 * emitDurableMessage against a server with synchronous_commit off: after it returns, every commit
 * made before it is in flushed WAL (the only WAL logical decoding reads), and a slot peek sees it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15 } from '../../helpers/pg-server.js';
import { emitDurableMessage } from '../../../src/adapters/postgres/logical-message.js';

test('a durable message flushes the WAL past every earlier asynchronous commit, so a slot peek sees them', async () => {
  const s = await startPg15({ synchronous_commit: 'off', wal_writer_delay: '10s', wal_writer_flush_after: '0' });
  try {
    await s.createDatabase('db');
    await s.sql('db', 'CREATE TABLE t (id int PRIMARY KEY)');
    await s.sql('db', "SELECT pg_create_logical_replication_slot('peek_me', 'test_decoding')");
    const c = await s.client('db');
    try {
      assert.equal((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit, 'off');
      await c.query('INSERT INTO t SELECT generate_series(1, 3)');
      const committed = (await c.query('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l as string;
      await emitDurableMessage(c, 'flush');
      const r = await c.query('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed', [committed]);
      assert.equal(r.rows[0].flushed, true, `WAL flushed past ${committed}`);
      const seen = await c.query("SELECT data FROM pg_logical_slot_peek_changes('peek_me', NULL, NULL) WHERE data LIKE 'table public.t: INSERT%'");
      assert.equal(seen.rows.length, 3, 'the peek sees all three asynchronous inserts');
      // Committed synchronously although the session default is off; the setting is not left behind.
      assert.equal((await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit, 'off');
    } finally {
      await c.end();
    }
  } finally {
    await s.stop();
  }
});
