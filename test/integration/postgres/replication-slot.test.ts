/** Slots, exported snapshots and publications on a throw-away PostgreSQL 15. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15 } from '../../helpers/pg-server.js';
import type { PgServer } from '../../helpers/pg-server.js';
import { TandemError } from '../../../src/core/errors.js';
import { parseLsn } from '../../../src/adapters/postgres/replication/lsn.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { createPublication, dropPublication, publicationTables } from '../../../src/adapters/postgres/replication/publication.js';
import { checkReplicationPrerequisites } from '../../../src/adapters/postgres/replication/replication-prerequisites.js';

const DB = 'slots';
let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase(DB);
  await server.sql(DB, `
    CREATE SCHEMA ybvoyager_metadata;
    CREATE TABLE ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo (migration_uuid uuid, channel_no int);
    CREATE TABLE public.items (id int PRIMARY KEY, name text);
    CREATE TABLE "Mixed Case" (id int PRIMARY KEY);
    CREATE TABLE public.measurements (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE public.measurements_2024 PARTITION OF public.measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO items VALUES (1, 'before the slot'), (2, 'also before');`);
});

after(async () => {
  await server?.stop();
});

function config() {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: DB };
}

test('prerequisite check passes on a logical server', async () => {
  const c = await server.client(DB);
  try {
    const s = await checkReplicationPrerequisites(c);
    assert.equal(s.walLevel, 'logical');
    assert.ok(s.serverVersionNum >= 150000);
  } finally {
    await c.end();
  }
});

test('IDENTIFY_SYSTEM', async () => {
  const rc = await ReplicationConnection.open(config());
  try {
    const id = await rc.identifySystem();
    assert.match(id.systemId, /^\d+$/);
    assert.equal(id.timeline, 1);
    assert.equal(id.dbName, DB);
    assert.ok(id.xLogPos > 0n);
  } finally {
    await rc.close();
  }
});

test('slot with exported snapshot: readers see exactly the rows committed before the slot', async () => {
  const rc = await ReplicationConnection.open(config());
  const reader1 = await server.client(DB);
  const reader2 = await server.client(DB);
  try {
    const slot = await rc.createSlotWithSnapshot('tandem_snap');
    assert.equal(slot.slotName, 'tandem_snap');
    assert.match(slot.snapshotName, /^[0-9A-F]+-[0-9A-F]+-\d+$/);
    assert.ok(slot.consistentPoint > 0n);
    // Committed after the slot: the snapshot must not see it.
    await server.sql(DB, `INSERT INTO items VALUES (3, 'after the slot')`);
    // The connection holds the snapshot and refuses to do anything that would end it.
    await assert.rejects(rc.identifySystem(), /holds an exported snapshot/);
    for (const reader of [reader1, reader2]) {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query(`SET TRANSACTION SNAPSHOT '${slot.snapshotName}'`);
    }
    slot.release();
    await rc.close(); // the snapshot lives on in the readers' transactions
    for (const reader of [reader1, reader2]) {
      const { rows } = await reader.query('SELECT id FROM items ORDER BY id');
      assert.deepEqual(rows.map((r) => r.id), [1, 2]);
      await reader.query('COMMIT');
    }
    const now = await server.sql(DB, 'SELECT count(*)::int AS n FROM items');
    assert.equal(now[0].n, 3);
    const slots = await server.sql(DB, `SELECT plugin, slot_type, confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 'tandem_snap'`);
    assert.deepEqual(slots, [{ plugin: 'pgoutput', slot_type: 'logical', lsn: slots[0].lsn }]);
    assert.equal(parseLsn(slots[0].lsn), slot.consistentPoint);
  } finally {
    await reader1.end();
    await reader2.end();
    await rc.close();
  }
});

test('an exported snapshot is gone once its connection is used or closed', async () => {
  const rc = await ReplicationConnection.open(config());
  const reader = await server.client(DB);
  try {
    const slot = await rc.createSlotWithSnapshot('tandem_snap_gone');
    slot.release();
    await rc.close();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await assert.rejects(reader.query(`SET TRANSACTION SNAPSHOT '${slot.snapshotName}'`), /invalid snapshot identifier/);
    await reader.query('ROLLBACK');
  } finally {
    await reader.end();
    await rc.close();
  }
});

test('slot without snapshot, exists, drop, duplicate and invalid names', async () => {
  const rc = await ReplicationConnection.open(config());
  try {
    assert.equal(await rc.slotExists('tandem_nosnap'), false);
    const slot = await rc.createSlot('tandem_nosnap');
    assert.equal(slot.slotName, 'tandem_nosnap');
    assert.ok(slot.consistentPoint > 0n);
    assert.equal(await rc.slotExists('tandem_nosnap'), true);
    await assert.rejects(rc.createSlot('tandem_nosnap'), (e: unknown) =>
      e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /already exists/.test(e.message) && /pg_drop_replication_slot/.test(e.hint ?? ''));
    await rc.dropSlot('tandem_nosnap', { wait: true });
    assert.equal(await rc.slotExists('tandem_nosnap'), false);
    await assert.rejects(rc.dropSlot('tandem_nosnap'), (e: unknown) => e instanceof TandemError && /does not exist/.test(e.message));
    await assert.rejects(rc.createSlot('Bad-Name; DROP'), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE');
  } finally {
    await rc.close();
  }
});

test('publication lists the tables, never the metadata schema, with partition root on PG13+', async () => {
  const c = await server.client(DB);
  try {
    await createPublication(c, 'tandem_pub', [
      { schema: 'public', name: 'items' },
      { schema: 'public', name: 'Mixed Case' },
      { schema: 'public', name: 'measurements' },
    ]);
    const { rows } = await c.query(`SELECT puballtables, pubviaroot FROM pg_publication WHERE pubname = 'tandem_pub'`);
    assert.deepEqual(rows, [{ puballtables: false, pubviaroot: true }]);
    assert.deepEqual(await publicationTables(c, 'tandem_pub'), [
      { schema: 'public', name: 'Mixed Case' },
      { schema: 'public', name: 'items' },
      { schema: 'public', name: 'measurements' },
    ]);
    await assert.rejects(
      createPublication(c, 'tandem_bad', [{ schema: 'ybvoyager_metadata', name: 'ybvoyager_import_data_event_channels_metainfo' }]),
      (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE',
    );
    assert.equal(await publicationTables(c, 'tandem_bad'), undefined);
    await dropPublication(c, 'tandem_pub');
    await dropPublication(c, 'tandem_pub');
    assert.equal(await publicationTables(c, 'tandem_pub'), undefined);
  } finally {
    await c.end();
  }
});

test('a database that limits idle transactions to 100 ms: the exported snapshot outlives a slow reader (measured before: "invalid snapshot identifier", found by CI under load)', async () => {
  await server.createDatabase('limited');
  await server.sql('limited', "ALTER DATABASE limited SET idle_in_transaction_session_timeout = '100ms'");
  const rc = await ReplicationConnection.open({ ...config(), database: 'limited' });
  const reader = await server.client('limited');
  try {
    const slot = await rc.createSlotWithSnapshot('tandem_limited');
    // Longer than the database's limit before the reader attaches.
    await new Promise((r) => setTimeout(r, 600));
    await reader.query('SET idle_in_transaction_session_timeout = 0; BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query(`SET TRANSACTION SNAPSHOT '${slot.snapshotName}'`);
    await reader.query('COMMIT');
    slot.release();
  } finally {
    await reader.end();
    await rc.close();
    await server.sql('limited', "SELECT pg_drop_replication_slot('tandem_limited') FROM pg_replication_slots WHERE slot_name = 'tandem_limited'").catch(() => {});
  }
});
