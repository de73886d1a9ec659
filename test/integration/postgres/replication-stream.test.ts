/** WalStream against a throw-away PostgreSQL 15: values, TOAST, acknowledgement, failures. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPg15 } from '../../helpers/pg-server.js';
import type { PgServer } from '../../helpers/pg-server.js';
import { TandemError } from '../../../src/core/errors.js';
import { parseLsn } from '../../../src/adapters/postgres/replication/lsn.js';
import type { Lsn } from '../../../src/adapters/postgres/replication/lsn.js';
import { UNCHANGED_TOAST } from '../../../src/adapters/postgres/replication/pgoutput-messages.js';
import type { CommitMessage, TupleValue } from '../../../src/adapters/postgres/replication/pgoutput-messages.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { createPublication } from '../../../src/adapters/postgres/replication/publication.js';
import { WalStream } from '../../../src/adapters/postgres/replication/wal-stream.js';
import type { WalEvent } from '../../../src/adapters/postgres/replication/wal-stream.js';

const DB = 'stream';
let server: PgServer;

before(async () => {
  // A short wal_sender_timeout makes the server ask for replies every second: the stream must answer.
  server = await startPg15({ wal_sender_timeout: '2s' });
  await server.createDatabase(DB);
  await server.sql(DB, `
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
    CREATE TABLE all_types (
      id int PRIMARY KEY, n numeric(30,10), ts timestamptz, tm time, iv interval, b bytea, ia int[], ta text[],
      jb jsonb, js json, u uuid, m mood, d positive_int, txt text, big text);
    CREATE TABLE other (id bigint PRIMARY KEY, v text);
    CREATE TABLE parted (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE ack_test (id int PRIMARY KEY);
    CREATE TABLE ybvoyager_metadata_like (id int PRIMARY KEY);`);
  const c = await server.client(DB);
  try {
    await createPublication(c, 'pub_types', [
      { schema: 'public', name: 'all_types' }, { schema: 'public', name: 'other' }, { schema: 'public', name: 'parted' },
    ]);
    await createPublication(c, 'pub_ack', [{ schema: 'public', name: 'ack_test' }]);
  } finally {
    await c.end();
  }
});

after(async () => {
  await server?.stop();
});

function connection() {
  return { host: server.host, port: server.port, user: server.user, password: server.password, database: DB };
}

async function createSlot(name: string): Promise<Lsn> {
  const rc = await ReplicationConnection.open(connection());
  try {
    return (await rc.createSlot(name)).consistentPoint;
  } finally {
    await rc.close();
  }
}

/** Reads events until `count` commits were seen (or fails after `ms`). */
async function readCommits(it: AsyncIterator<WalEvent>, count: number, ms = 20_000): Promise<WalEvent[]> {
  const out: WalEvent[] = [];
  let commits = 0;
  const deadline = Date.now() + ms;
  while (commits < count) {
    const r = await Promise.race([it.next(), sleep(deadline - Date.now(), undefined, { ref: false }).then(() => assert.fail(`timed out after ${out.length} events`))]);
    if (r.done) assert.fail('stream ended');
    out.push(r.value);
    if (r.value.message.tag === 'commit') commits++;
  }
  return out;
}

/** Runs each statement in its own transaction (one multi-statement query would be a single one). */
async function exec(...statements: string[]): Promise<void> {
  const c = await server.client(DB);
  try {
    for (const st of statements) await c.query(st);
  } finally {
    await c.end();
  }
}

async function slotFlushLsn(name: string): Promise<Lsn> {
  const rows = await server.sql(DB, `SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1`, [name]);
  return parseLsn(rows[0].lsn);
}

/** Row values by column name, for readable assertions. */
function named(ev: WalEvent, which: 'new' | 'old' = 'new'): Record<string, TupleValue> {
  const m = ev.message;
  const tuple = m.tag === 'insert' ? m.newTuple : m.tag === 'update' ? (which === 'new' ? m.newTuple : m.oldTuple) : m.tag === 'delete' ? m.oldTuple : undefined;
  assert.ok(tuple && ev.relation, `no tuple in ${m.tag}`);
  return Object.fromEntries(ev.relation.columns.map((c, i) => [c.name, tuple[i]!]));
}

test('decodes every kind of change and keeps text values exactly', async () => {
  const start = await createSlot('slot_types');
  // Not compressible enough to stay inline: stored out of line in the TOAST table.
  const bigRows = await server.sql(DB, `SELECT string_agg(md5(i::text) || 'ü', '') AS v FROM generate_series(1, 3000) i`);
  const big: string = bigRows[0].v;
  await exec(
    `INSERT INTO all_types VALUES (1, 12345678901234567890.0123456789, '2024-02-29 23:59:59.123456+02', '23:59:59.999999',
      '1 year 2 mons 3 days 04:05:06.789', '\\x00ff10', '{1,2,NULL,-3}', '{a,"b c","","with \\"quote\\"",NULL}',
      '{"b": [1, 2.50], "a": "x"}', '{ "keep" :  "spacing" }', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', 42,
      'Grüße, 世界 👋', (SELECT string_agg(md5(i::text) || 'ü', '') FROM generate_series(1, 3000) i))`,
    `INSERT INTO all_types (id, txt, n) VALUES (2, '', -0.0000000001)`,
    `UPDATE all_types SET txt = 'changed' WHERE id = 1`,
    `UPDATE all_types SET id = 20 WHERE id = 2`,
    `DELETE FROM all_types WHERE id = 20`,
    `BEGIN; INSERT INTO other VALUES (1, 'one'); UPDATE all_types SET m = 'sad' WHERE id = 1; INSERT INTO other VALUES (2, NULL); COMMIT;`,
    `INSERT INTO parted VALUES (7, '2024-06-01')`,
    `TRUNCATE other`,
  );
  const stream = new WalStream({ connection: connection(), slotName: 'slot_types', publicationNames: ['pub_types'], startLsn: start });
  await stream.start();
  try {
    const it = stream[Symbol.asyncIterator]();
    const events = await readCommits(it, 8);
    // Relation and Type messages come before a table's first change in a session and after cache
    // invalidations (TRUNCATE, partitions send parent and child); the rest is fixed.
    const core = events.filter((e) => e.message.tag !== 'relation' && e.message.tag !== 'type');
    assert.deepEqual(core.map((e) => e.message.tag), [
      'begin', 'insert', 'commit',
      'begin', 'insert', 'commit',
      'begin', 'update', 'commit',
      'begin', 'update', 'commit',
      'begin', 'delete', 'commit',
      'begin', 'insert', 'update', 'insert', 'commit',
      'begin', 'insert', 'commit',
      'begin', 'truncate', 'commit',
    ]);
    // Commit positions only grow; each Begin's final LSN is its Commit's commit LSN. (A Begin's own
    // XLogData LSN is the transaction's first record, which may precede the previous commit.)
    let begin: Lsn = -1n;
    let lastEnd: Lsn = 0n;
    for (const e of events) {
      if (e.message.tag === 'begin') begin = e.message.finalLsn;
      if (e.message.tag === 'commit') {
        assert.equal(e.message.commitLsn, begin);
        assert.ok(e.message.endLsn > e.message.commitLsn);
        assert.ok(e.message.endLsn > lastEnd);
        lastEnd = e.message.endLsn;
      }
    }
    const rel = events.find((e) => e.message.tag === 'relation')!.message;
    assert.ok(rel.tag === 'relation');
    assert.equal(rel.schema, 'public');
    assert.equal(rel.name, 'all_types');
    assert.equal(rel.replicaIdentity, 'd');
    assert.deepEqual(rel.columns.map((c) => [c.name, c.isKey]), [
      ['id', true], ['n', false], ['ts', false], ['tm', false], ['iv', false], ['b', false], ['ia', false], ['ta', false],
      ['jb', false], ['js', false], ['u', false], ['m', false], ['d', false], ['txt', false], ['big', false],
    ]);
    assert.equal(rel.columns[1]!.typeOid, 1700);
    assert.equal(rel.columns[1]!.typeMod, ((30 << 16) | 10) + 4);
    assert.equal(rel.columns[2]!.typeOid, 1184);
    // Enum and domain types are user types: pgoutput describes them in Type messages.
    const types = events.filter((e) => e.message.tag === 'type').map((e) => e.message.tag === 'type' && e.message.name);
    assert.ok(types.includes('mood'), `type messages: ${types}`);

    const inserts = events.filter((e) => e.message.tag === 'insert');
    assert.deepEqual(named(inserts[0]!), {
      id: '1', n: '12345678901234567890.0123456789', ts: '2024-02-29 21:59:59.123456+00', tm: '23:59:59.999999',
      iv: '1 year 2 mons 3 days 04:05:06.789', b: '\\x00ff10', ia: '{1,2,NULL,-3}', ta: '{a,"b c","","with \\"quote\\"",NULL}',
      jb: '{"a": "x", "b": [1, 2.50]}', js: '{ "keep" :  "spacing" }', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', m: 'happy',
      d: '42', txt: 'Grüße, 世界 👋', big,
    });
    assert.equal(big.length, 3000 * 33);
    const second = named(inserts[1]!);
    assert.equal(second.txt, '');
    assert.equal(second.n, '-0.0000000001');
    assert.equal(second.ts, null);
    assert.equal(second.big, null);

    const updates = events.filter((e) => e.message.tag === 'update');
    // Default replica identity, TOASTed column untouched: 'u', not NULL and not the value.
    const toastUpdate = named(updates[0]!);
    assert.equal(toastUpdate.txt, 'changed');
    assert.equal(toastUpdate.big, UNCHANGED_TOAST);
    assert.equal(updates[0]!.message.tag === 'update' && updates[0]!.message.oldTuple, undefined);
    // Primary key change: the old key comes as 'K' with only key columns set.
    const pkUpdate = updates[1]!.message;
    assert.ok(pkUpdate.tag === 'update');
    assert.equal(pkUpdate.oldKind, 'K');
    assert.equal(named(updates[1]!, 'old').id, '2');
    assert.equal(named(updates[1]!, 'old').txt, null);
    assert.equal(named(updates[1]!).id, '20');
    assert.equal(named(updates[1]!).txt, '');

    const del = events.find((e) => e.message.tag === 'delete')!;
    assert.ok(del.message.tag === 'delete');
    assert.equal(del.message.oldKind, 'K');
    assert.equal(named(del).id, '20');

    // One transaction across two tables, in statement order.
    const multi = core.slice(15, 20);
    assert.deepEqual(multi.map((e) => [e.message.tag, e.relation?.name]), [
      ['begin', undefined], ['insert', 'other'], ['update', 'all_types'], ['insert', 'other'], ['commit', undefined],
    ]);
    assert.deepEqual(named(multi[1]!), { id: '1', v: 'one' });
    assert.equal(named(multi[2]!).m, 'sad');
    assert.equal(named(multi[2]!).big, UNCHANGED_TOAST);
    assert.deepEqual(named(multi[3]!), { id: '2', v: null });

    // publish_via_partition_root: the partition's row arrives as the parent.
    const partedInsert = core[21]!;
    assert.equal(partedInsert.relation?.name, 'parted');
    assert.deepEqual(named(partedInsert), { id: '7', at: '2024-06-01' });

    const trunc = core[24]!;
    assert.ok(trunc.message.tag === 'truncate');
    assert.deepEqual(trunc.relations?.map((r) => r.name), ['other']);
    assert.equal(trunc.message.cascade, false);
  } finally {
    await stream.stop();
  }
});

test('without acknowledge a restarted stream redelivers; after acknowledge it does not', async () => {
  const start = await createSlot('slot_ack');
  await exec('INSERT INTO ack_test VALUES (1)', 'INSERT INTO ack_test VALUES (2)');
  const open = async () => {
    const s = new WalStream({ connection: connection(), slotName: 'slot_ack', publicationNames: ['pub_ack'], startLsn: start, statusIntervalMs: 200 });
    await s.start();
    return s;
  };
  const ids = (evs: WalEvent[]) => evs.filter((e) => e.message.tag === 'insert').map((e) => named(e).id);
  const commitOf = (evs: WalEvent[]) => (evs.at(-1)!.message as CommitMessage).endLsn;

  // 1. Read both transactions, acknowledge nothing; the server asks for replies (wal_sender_timeout 2s).
  let s = await open();
  let evs = await readCommits(s[Symbol.asyncIterator](), 2);
  assert.deepEqual(ids(evs), ['1', '2']);
  await sleep(2500); // keepalives answered, periodic status sent: neither may move the slot
  assert.equal(await slotFlushLsn('slot_ack'), start);
  await s.stop();

  // 2. Everything again; acknowledge the first transaction only.
  s = await open();
  let it = s[Symbol.asyncIterator]();
  evs = await readCommits(it, 1);
  assert.deepEqual(ids(evs), ['1']);
  const firstEnd = commitOf(evs);
  s.acknowledge(firstEnd);
  assert.equal(s.acknowledgedLsn, firstEnd);
  s.acknowledge(start); // lower: ignored
  assert.equal(s.acknowledgedLsn, firstEnd);
  evs = await readCommits(it, 1);
  assert.deepEqual(ids(evs), ['2']);
  await s.stop();
  assert.equal(await slotFlushLsn('slot_ack'), firstEnd);

  // 3. From the old start: the server resumes at the slot's confirmed position, so only row 2.
  s = await open();
  it = s[Symbol.asyncIterator]();
  evs = await readCommits(it, 1);
  assert.deepEqual(ids(evs), ['2']);
  s.acknowledge(commitOf(evs));
  await s.stop();

  // 4. Nothing left to redeliver; a new change arrives alone.
  await server.sql(DB, `INSERT INTO ack_test VALUES (3)`);
  s = await open();
  evs = await readCommits(s[Symbol.asyncIterator](), 1);
  assert.deepEqual(ids(evs), ['3']);
  await s.stop();
});

test('pg_terminate_backend surfaces as an error; a new stream resumes from the acknowledged LSN', async () => {
  await server.sql(DB, `CREATE TABLE term_test (id int PRIMARY KEY); CREATE PUBLICATION pub_term FOR TABLE term_test;`);
  const start = await createSlot('slot_term');
  await exec('INSERT INTO term_test VALUES (1)', 'INSERT INTO term_test VALUES (2)');
  const s = new WalStream({ connection: connection(), slotName: 'slot_term', publicationNames: ['pub_term'], startLsn: start });
  await s.start();
  const it = s[Symbol.asyncIterator]();
  const first = await readCommits(it, 1);
  s.acknowledge((first.at(-1)!.message as CommitMessage).endLsn);
  await sleep(200); // let the status update reach the server before we cut the connection
  const pending = it.next().then(() => it.next()).then(() => it.next()).then(() => it.next()).then(() => it.next());
  pending.catch(() => {}); // asserted below; keeps the rejection from counting as unhandled meanwhile
  const killed = await server.sql(DB, `SELECT pg_terminate_backend(active_pid) AS ok FROM pg_replication_slots WHERE slot_name = 'slot_term'`);
  assert.deepEqual(killed, [{ ok: true }]);
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(!(e instanceof TandemError), 'a cut connection is retryable, not a user error');
    return true;
  });
  await assert.rejects(it.next());
  await s.stop();

  // Resume: the slot may still look active for a moment after the walsender died.
  let resumed: WalStream | undefined;
  for (let attempt = 0; !resumed; attempt++) {
    const r = new WalStream({ connection: connection(), slotName: 'slot_term', publicationNames: ['pub_term'], startLsn: s.acknowledgedLsn });
    try {
      await r.start();
      resumed = r;
    } catch (e) {
      if (attempt > 20) throw e;
      await sleep(250);
    }
  }
  try {
    const evs = await readCommits(resumed[Symbol.asyncIterator](), 1);
    assert.deepEqual(evs.filter((e) => e.message.tag === 'insert').map((e) => named(e).id), ['2']);
  } finally {
    await resumed.stop();
  }
});

test('a slow consumer pauses the socket: the buffer stays at the high-water mark', async () => {
  await exec('CREATE TABLE bulk (id int PRIMARY KEY, filler text)', 'CREATE PUBLICATION pub_bulk FOR TABLE bulk');
  const start = await createSlot('slot_bulk');
  await exec(`INSERT INTO bulk SELECT i, repeat('x', 200) FROM generate_series(1, 50000) i`);
  // A paused socket cannot answer the server's keepalive requests, and this file's 2 s
  // wal_sender_timeout is on the server's command line (ALTER SYSTEM cannot change it): status
  // updates every 200 ms keep the stream alive however long a busy machine stretches the pause.
  const s = new WalStream({ connection: connection(), slotName: 'slot_bulk', publicationNames: ['pub_bulk'], startLsn: start, highWaterMark: 16, statusIntervalMs: 200 });
  await s.start();
  try {
    const it = s[Symbol.asyncIterator]();
    let inserts = 0;
    let maxBuffered = 0;
    const readInsert = async () => {
      for (;;) {
        const r = await it.next();
        assert.ok(!r.done);
        maxBuffered = Math.max(maxBuffered, s.bufferedMessages);
        if (r.value.message.tag === 'insert') {
          assert.equal(r.value.message.newTuple[0], String(++inserts));
          return;
        }
      }
    };
    for (let i = 0; i < 10; i++) await readInsert();
    await sleep(1000); // a consumer busy elsewhere: the server has ~12 MB waiting for us
    // pg-copy-streams parses the socket chunk it has read to the end, so the bound is the
    // high-water mark plus one socket read (64 KiB) of messages, not the backlog.
    const bound = 16 + Math.ceil(65536 / 200);
    assert.ok(s.bufferedMessages <= bound, `buffered ${s.bufferedMessages}`);
    assert.ok(s.received < 20);
    // It still delivers everything, in order, once the consumer reads again.
    while (inserts < 50000) await readInsert();
    assert.ok(maxBuffered <= bound, `max buffered ${maxBuffered}`);
  } finally {
    await s.stop();
  }
});

test('a dropped or missing slot is a TandemError naming the slot', async () => {
  const s = new WalStream({ connection: connection(), slotName: 'no_such_slot', publicationNames: ['pub_ack'], startLsn: 0n });
  await assert.rejects(s.start(), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /no_such_slot/.test(e.message));
  await s.stop();
});

test('pauseReading leaves what the server sends in the connection; resumeReading reads all of it, in order; stop while paused ends at once', async () => {
  await exec('CREATE TABLE pause_test (id int PRIMARY KEY)', 'CREATE PUBLICATION pub_pause FOR TABLE pause_test');
  const start = await createSlot('slot_pause');
  const s = new WalStream({ connection: connection(), slotName: 'slot_pause', publicationNames: ['pub_pause'], startLsn: start });
  await s.start();
  let stopped = false;
  try {
    const it = s[Symbol.asyncIterator]();
    const ids = (evs: WalEvent[]) => evs.filter((e) => e.message.tag === 'insert').map((e) => Number(named(e).id));
    await exec('INSERT INTO pause_test VALUES (1)');
    assert.deepEqual(ids(await readCommits(it, 1)), [1]);

    s.pauseReading();
    const held = s.bufferedMessages; // read before the pause (the keepalive that follows a commit, say)
    const statements = Array.from({ length: 100 }, (_, i) => `INSERT INTO pause_test VALUES (${i + 2})`);
    await exec(...statements);
    const [{ end }] = await server.sql(DB, 'SELECT pg_current_wal_lsn()::text AS end');
    // The server has sent every one of them (its own account), and none was read: they wait in the connection.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await server.sql(DB, `SELECT r.sent_lsn::text AS sent FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = 'slot_pause'`);
      const sent = rows[0]?.sent ? parseLsn(rows[0].sent) : 0n;
      if (sent >= parseLsn(end)) break;
      assert.ok(Date.now() < deadline, `the server did not send up to ${end} (sent ${sent})`);
      await sleep(50);
    }
    assert.equal(s.bufferedMessages, held, 'messages were read while reading was paused');

    s.resumeReading();
    assert.deepEqual(ids(await readCommits(it, 100)), statements.map((_, i) => i + 2));

    // Paused again, with more waiting: stop still reads the server's end of the COPY instead of timing out.
    s.pauseReading();
    await exec('INSERT INTO pause_test VALUES (500)');
    const t0 = Date.now();
    await s.stop();
    stopped = true;
    assert.ok(Date.now() - t0 < 4000, `stop took ${Date.now() - t0} ms (it waits 5 s for a COPY end it cannot read)`);
  } finally {
    if (!stopped) await s.stop();
  }
});
