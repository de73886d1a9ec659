/**
 * emitDurableMessage against a server with synchronous_commit off: after it returns, every commit
 * made before it is in flushed WAL (the only WAL logical decoding reads), and a slot peek sees it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig } from '../../helpers/pg-server.js';
import { emitDurableMessage } from '../../../src/adapters/postgres/logical-message.js';
import { PgChangeCapture } from '../../../src/adapters/postgres/pg-change-capture.js';

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

test('markers go through one kept connection; a kept connection that was killed is replaced once, not reported', async () => {
  const s = await startPg15();
  try {
    await s.createDatabase('db');
    await s.sql('db', "SELECT pg_create_logical_replication_slot('markers', 'test_decoding')");
    const capture = new PgChangeCapture(targetDbConfig(s, 'db'), { id: '00000000-0000-0000-0000-0000000000aa', side: 'target' });
    const markerBackends = async () => (await s.sql('db', "SELECT pid FROM pg_stat_activity WHERE datname = 'db' AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).map((r) => Number(r.pid));
    try {
      await capture.writeMarker('heartbeat');
      const first = await markerBackends();
      assert.equal(first.length, 1, 'one connection is kept after the first marker');
      // Two markers at once are serialised on it (their statements must not interleave).
      await Promise.all([capture.writeMarker('heartbeat'), capture.writeMarker('cutover_to_target')]);
      assert.deepEqual(await markerBackends(), first, 'the same connection wrote them');
      // The server ends it (idle timeout, restart): the next marker reconnects by itself.
      await s.sql('db', 'SELECT pg_terminate_backend($1)', [first[0]]);
      await capture.writeMarker('cutover_to_target');
      const second = await markerBackends();
      assert.equal(second.length, 1);
      assert.notEqual(second[0], first[0]);
      const messages = await s.sql('db', "SELECT data FROM pg_logical_slot_peek_changes('markers', NULL, NULL) WHERE data LIKE 'message:%'");
      assert.equal(messages.length, 4, `four messages decoded: ${messages.map((m) => m.data).join(' | ')}`);
    } finally {
      await capture.close();
    }
    assert.deepEqual(await markerBackends(), [], 'close ends the kept connection');
  } finally {
    await s.stop();
  }
});
