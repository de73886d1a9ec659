/**
 * ChangeDispatcher + PgChangeTarget on PostgreSQL 15: a random history run on a source database
 * (inserts, updates of some or all columns, deletes, primary-key moves, unique swaps inside one
 * transaction, truncates, foreign keys) is captured as change events, applied with 4 channels to a
 * target, interrupted and re-applied, and the tables compared row by row.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, targetDbConfig } from '../../helpers/pg-server.js';
import type { PgServer } from '../../helpers/pg-server.js';
import { tableChecksums } from '../../helpers/table-checksum.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { PgChangeTarget } from '../../../src/adapters/postgres/change-applier.js';
import type { AppliedTable } from '../../../src/core/apply/batch-plan.js';
import { ChangeDispatcher } from '../../../src/workflow/cdc/change-dispatcher.js';
import { channelOf } from '../../../src/workflow/cdc/channel-hash.js';

const MIGRATION = '0b7f3c52-2f55-4a43-8f57-4c8f6f2d1a01';
const DDL = `
  CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL UNIQUE, balance numeric(12,2), note text);
  CREATE TABLE orders (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts, amount numeric(12,2), placed timestamptz);
  CREATE TABLE items (a int, b text, qty int, tags text[], code text UNIQUE, PRIMARY KEY (a, b));
  CREATE TABLE bookings (id int PRIMARY KEY, during int4range NOT NULL, EXCLUDE USING gist (during WITH &&));`;
const TABLES: AppliedTable[] = [
  { schema: 'public', name: 'accounts', primaryKey: ['id'], columns: ['id', 'email', 'balance', 'note'] },
  { schema: 'public', name: 'orders', primaryKey: ['id'], columns: ['id', 'account_id', 'amount', 'placed'] },
  { schema: 'public', name: 'items', primaryKey: ['a', 'b'], columns: ['a', 'b', 'qty', 'tags', 'code'] },
  { schema: 'public', name: 'bookings', primaryKey: ['id'], columns: ['id', 'during'] },
];
const byName = new Map(TABLES.map((t) => [t.name, t]));

let server: PgServer;

before(async () => {
  server = await startPg15();
});

after(async () => {
  await server?.stop();
});

const config = (database: string) => targetDbConfig(server, database);

const qi = (n: string) => `"${n.replace(/"/g, '""')}"`;

/** Executes row statements on the source and records the change events a capture would emit. */
class SourceRecorder {
  readonly events: ChangeEvent[] = [];
  private tx = 0;
  constructor(private readonly client: pg.Client) {}

  async transaction(fn: () => Promise<void>): Promise<void> {
    this.tx++;
    await this.client.query('BEGIN');
    await fn();
    await this.client.query('COMMIT');
  }

  /** `sql` must change exactly one row; `carried` = columns an update event carries (default all). */
  async row(table: string, op: 'c' | 'u' | 'd', sql: string, params: unknown[], oldKey?: Record<string, string>, carried?: string[]): Promise<void> {
    const t = byName.get(table)!;
    const r = await this.client.query(`${sql} RETURNING ${t.columns.map((c) => `${qi(c)}::text AS ${qi(c)}`).join(', ')}`, params);
    assert.equal(r.rowCount, 1, sql);
    const row = r.rows[0] as Record<string, string | null>;
    const key = oldKey ?? Object.fromEntries(t.primaryKey.map((k) => [k, row[k]!]));
    const vsn = this.events.length + 1;
    const base = { vsn, schema: 'public', table, key, position: String(vsn).padStart(12, '0'), txId: String(this.tx) };
    if (op === 'd') this.events.push({ ...base, op });
    else this.events.push({ ...base, op, after: carried ? Object.fromEntries(carried.map((c) => [c, row[c] ?? null])) : row });
  }

  async truncate(table: string): Promise<void> {
    await this.client.query(`TRUNCATE ${qi(table)}`);
    const vsn = this.events.length + 1;
    this.events.push({ vsn, op: 't', schema: 'public', table, key: {}, position: String(vsn).padStart(12, '0'), txId: String(this.tx) });
  }
}

/** A seeded random history; the JS model mirrors the source so every statement is valid there. */
async function randomHistory(rec: SourceRecorder, transactions: number, seed: number): Promise<void> {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
  const accounts = new Map<number, string>(); // id -> email
  const orders = new Map<number, number>(); // id -> account
  const items = new Map<string, [number, string]>(); // key -> [a, b]
  let next = 1;
  const referenced = (id: number) => [...orders.values()].includes(id);
  for (let t = 0; t < transactions; t++) {
    await rec.transaction(async () => {
      const ops = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < ops; k++) {
        const r = rnd();
        const accIds = [...accounts.keys()];
        if (accIds.length < 8 || r < 0.15) {
          const id = next++;
          const email = `user${id}@example.com`;
          accounts.set(id, email);
          await rec.row('accounts', 'c', 'INSERT INTO accounts VALUES ($1, $2, $3, $4)', [id, email, (rnd() * 1000).toFixed(2), rnd() < 0.1 ? 'ü'.repeat(3000) : null]);
        } else if (r < 0.3) {
          const id = pick(accIds);
          // Some captures carry only the changed columns (YugabyteDB's CHANGE replica identity).
          await rec.row('accounts', 'u', 'UPDATE accounts SET balance = balance + $2 WHERE id = $1', [id, (rnd() * 10).toFixed(2)], undefined, rnd() < 0.5 ? ['id', 'balance'] : undefined);
        } else if (r < 0.38) {
          const id = pick(accIds);
          const email = `moved${next++}@example.com`;
          accounts.set(id, email);
          await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2, note = NULL WHERE id = $1', [id, email], undefined, ['id', 'email', 'note']);
        } else if (r < 0.5) {
          // Swap two emails: three updates in one source transaction.
          const a = pick(accIds);
          const b = pick(accIds.filter((x) => x !== a));
          const ea = accounts.get(a)!;
          const eb = accounts.get(b)!;
          await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [a, `swap${next++}`], undefined, ['id', 'email']);
          await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [b, ea], undefined, ['id', 'email']);
          await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [a, eb], undefined, ['id', 'email']);
          accounts.set(a, eb);
          accounts.set(b, ea);
        } else if (r < 0.55) {
          const id = pick(accIds);
          if (referenced(id)) continue;
          const to = next++;
          accounts.set(to, accounts.get(id)!);
          accounts.delete(id);
          await rec.row('accounts', 'u', 'UPDATE accounts SET id = $2 WHERE id = $1', [id, to], { id: String(id) });
        } else if (r < 0.6) {
          const id = pick(accIds);
          if (referenced(id)) continue;
          accounts.delete(id);
          await rec.row('accounts', 'd', 'DELETE FROM accounts WHERE id = $1', [id], { id: String(id) });
        } else if (r < 0.72) {
          const id = next++;
          const acc = pick(accIds);
          orders.set(id, acc);
          await rec.row('orders', 'c', `INSERT INTO orders VALUES ($1, $2, $3, '2024-01-01 00:00:00.123456+00'::timestamptz + $4::int * interval '1.000001 second')`, [id, acc, (rnd() * 100).toFixed(2), id]);
        } else if (r < 0.78 && orders.size) {
          const id = pick([...orders.keys()]);
          orders.delete(id);
          await rec.row('orders', 'd', 'DELETE FROM orders WHERE id = $1', [id], { id: String(id) });
        } else if (r < 0.9 || items.size < 3) {
          const a = Math.floor(rnd() * 50);
          const b = pick(['x', 'y', 'zé']);
          if (items.has(`${a}|${b}`)) {
            await rec.row('items', 'u', 'UPDATE items SET qty = qty + 1, tags = tags || $3::text WHERE a = $1 AND b = $2', [a, b, `t${next++}`], undefined, rnd() < 0.5 ? ['a', 'b', 'qty', 'tags'] : undefined);
          } else {
            items.set(`${a}|${b}`, [a, b]);
            await rec.row('items', 'c', 'INSERT INTO items VALUES ($1, $2, 1, $3, $4)', [a, b, '{"a b",NULL}', `code${next++}`]);
          }
        } else if (r < 0.96) {
          const [a, b] = pick([...items.values()]);
          const to = 100 + next++;
          if (items.has(`${to}|${b}`)) continue;
          items.delete(`${a}|${b}`);
          items.set(`${to}|${b}`, [to, b]);
          await rec.row('items', 'u', 'UPDATE items SET a = $3 WHERE a = $1 AND b = $2', [a, b, to], { a: String(a), b });
        } else if (r < 0.995) {
          const [a, b] = pick([...items.values()]);
          items.delete(`${a}|${b}`);
          await rec.row('items', 'd', 'DELETE FROM items WHERE a = $1 AND b = $2', [a, b], { a: String(a), b });
        } else {
          items.clear();
          await rec.truncate('items');
        }
      }
    });
  }
}

async function* chunks(events: readonly ChangeEvent[], size: number): AsyncGenerator<ChangeEvent[]> {
  for (let i = 0; i < events.length; i += size) yield events.slice(i, i + size);
}

test('a unique value swapped between rows in different channels applies and ends as on the source', async () => {
  await server.createDatabase('swap_src');
  await server.createDatabase('swap_tgt');
  await server.sql('swap_src', DDL);
  await server.sql('swap_tgt', DDL);
  const src = await server.client('swap_src');
  const rec = new SourceRecorder(src);
  // Two accounts whose rows hash to different channels.
  let b = 2;
  const ev1 = (id: number): ChangeEvent => ({ vsn: 1, op: 'c', schema: 'public', table: 'accounts', key: { id: String(id) }, position: '', txId: '' });
  while (channelOf(ev1(1), 4) === channelOf(ev1(b), 4)) b++;
  try {
    await rec.transaction(async () => {
      await rec.row('accounts', 'c', 'INSERT INTO accounts VALUES ($1, $2, 0, NULL)', [1, 'a@x']);
      await rec.row('accounts', 'c', 'INSERT INTO accounts VALUES ($1, $2, 0, NULL)', [b, 'b@x']);
    });
    for (let i = 0; i < 50; i++) {
      await rec.transaction(async () => {
        const [ea, eb] = i % 2 === 0 ? ['a@x', 'b@x'] : ['b@x', 'a@x'];
        await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [1, 'tmp'], undefined, ['id', 'email']);
        await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [b, ea], undefined, ['id', 'email']);
        await rec.row('accounts', 'u', 'UPDATE accounts SET email = $2 WHERE id = $1', [1, eb], undefined, ['id', 'email']);
      });
    }
  } finally {
    await src.end();
  }
  const target = new PgChangeTarget(config('swap_tgt'), { tables: TABLES });
  try {
    await new ChangeDispatcher(target, { migrationUuid: MIGRATION, channels: 4, batchSize: 7 }).run(chunks(rec.events, 10));
  } finally {
    await target.close();
  }
  assert.deepEqual(await tableChecksums(server, 'swap_tgt', ['public']), await tableChecksums(server, 'swap_src', ['public']));
});

// Measured before (the pg-schema-50 run): a set-based UPDATE checked the exclusion constraint in
// another order than the source's statements and failed with 23P01, stopping the import for good.
test('ranges moved past each other under an exclusion constraint apply in the source\'s order and end as on the source', async () => {
  await server.createDatabase('excl_src');
  await server.createDatabase('excl_tgt');
  await server.sql('excl_src', DDL);
  await server.sql('excl_tgt', DDL);
  const src = await server.client('excl_src');
  const rec = new SourceRecorder(src);
  try {
    await rec.transaction(async () => {
      await rec.row('bookings', 'c', 'INSERT INTO bookings VALUES ($1, $2)', [3, '[1,2)']);
      await rec.row('bookings', 'c', 'INSERT INTO bookings VALUES ($1, $2)', [13, '[3,4)']);
      await rec.row('bookings', 'c', 'INSERT INTO bookings VALUES ($1, $2)', [50, '[50,51)']);
    });
    for (let i = 0; i < 20; i++) {
      // Row 3 is parked out of the way, row 13 takes its range, row 3 takes row 13's: valid at every statement.
      const [from, to] = [3, 13];
      const [a, b] = i % 2 === 0 ? ['[1,2)', '[3,4)'] : ['[3,4)', '[1,2)'];
      await rec.transaction(async () => {
        await rec.row('bookings', 'u', 'UPDATE bookings SET during = $2 WHERE id = $1', [from, '[100,101)']);
        await rec.row('bookings', 'u', 'UPDATE bookings SET during = $2 WHERE id = $1', [to, a]);
        await rec.row('bookings', 'u', 'UPDATE bookings SET during = $2 WHERE id = $1', [from, b]);
      });
    }
  } finally {
    await src.end();
  }
  const target = new PgChangeTarget(config('excl_tgt'), { tables: TABLES });
  try {
    // One channel, a batch per transaction: row 3's two updates fold into one, and one set-based
    // UPDATE moves both rows, checking the constraint for the first row while the other still holds its range.
    const stats = await new ChangeDispatcher(target, { migrationUuid: MIGRATION, channels: 1, batchSize: 3 }).run(chunks(rec.events, 10));
    assert.ok(stats.serialEvents > 0, 'a batch met the constraint and was applied in the source\'s order');
    // Across channels, its takers are ordered as a unique key's are, as a whole (ranges cannot be compared by value).
    assert.deepEqual(target.uniqueKeys().filter((k) => k.table === 'bookings').map((k) => ({ columns: k.columns, byValue: k.byValue })), [{ columns: ['during'], byValue: false }]);
  } finally {
    await target.close();
  }
  assert.deepEqual(await tableChecksums(server, 'excl_tgt', ['public']), await tableChecksums(server, 'excl_src', ['public']));
});

// A DEFERRABLE INITIALLY DEFERRED exclusion constraint lets a transaction swap two ranges directly,
// the source checking it at COMMIT only; replayed in another order or split across transactions, the
// middle of the swap has two rows overlapping. Measured before: untested (docs said so).
test('ranges swapped directly under a DEFERRABLE exclusion constraint, with 4 channels and small batches, end as on the source', async () => {
  const deferred = DDL.replace('EXCLUDE USING gist (during WITH &&))', 'EXCLUDE USING gist (during WITH &&) DEFERRABLE INITIALLY DEFERRED)');
  assert.notEqual(deferred, DDL);
  await server.createDatabase('excl_d_src');
  await server.createDatabase('excl_d_tgt');
  await server.sql('excl_d_src', deferred);
  await server.sql('excl_d_tgt', deferred);
  const src = await server.client('excl_d_src');
  const rec = new SourceRecorder(src);
  try {
    await rec.transaction(async () => {
      for (let id = 1; id <= 8; id++) await rec.row('bookings', 'c', 'INSERT INTO bookings VALUES ($1, $2)', [id, `[${id * 10},${id * 10 + 5})`]);
    });
    for (let i = 0; i < 30; i++) {
      // Two rows exchange their ranges, the first taking the second's while it still holds it.
      const a = 1 + (i % 8);
      const b = 1 + ((i * 3 + 1) % 8);
      if (a === b) continue;
      const { ra, rb } = (await src.query('SELECT (SELECT during::text FROM bookings WHERE id = $1) AS ra, (SELECT during::text FROM bookings WHERE id = $2) AS rb', [a, b])).rows[0];
      await rec.transaction(async () => {
        await rec.row('bookings', 'u', 'UPDATE bookings SET during = $2 WHERE id = $1', [a, rb]);
        await rec.row('bookings', 'u', 'UPDATE bookings SET during = $2 WHERE id = $1', [b, ra]);
      });
    }
  } finally {
    await src.end();
  }
  const target = new PgChangeTarget(config('excl_d_tgt'), { tables: TABLES });
  try {
    await new ChangeDispatcher(target, { migrationUuid: MIGRATION, channels: 4, batchSize: 3 }).run(chunks(rec.events, 7));
  } finally {
    await target.close();
  }
  assert.deepEqual(await tableChecksums(server, 'excl_d_tgt', ['public']), await tableChecksums(server, 'excl_d_src', ['public']));
  // The target holds no two overlapping ranges (its constraint is checked again by a scan).
  assert.deepEqual(await server.sql('excl_d_tgt', 'SELECT count(*)::int AS n FROM bookings x JOIN bookings y ON x.id < y.id AND x.during && y.during'), [{ n: 0 }]);
});

test('a random history applies with 4 channels, survives an interruption and re-application, and counts every event once', async () => {
  await server.createDatabase('rnd_src');
  await server.createDatabase('rnd_tgt');
  await server.sql('rnd_src', DDL);
  await server.sql('rnd_tgt', DDL);
  const src = await server.client('rnd_src');
  const rec = new SourceRecorder(src);
  try {
    await randomHistory(rec, 1500, 42);
  } finally {
    await src.end();
  }
  const events = rec.events;
  const expected = await tableChecksums(server, 'rnd_src', ['public']);

  // First run: stopped after some commits (a "crash" with channels at different points).
  const controller = new AbortController();
  let commits = 0;
  const t1 = new PgChangeTarget(config('rnd_tgt'), { tables: TABLES });
  let first;
  try {
    first = await new ChangeDispatcher(t1, {
      migrationUuid: MIGRATION, channels: 4, batchSize: 40, signal: controller.signal,
      onProgress: () => { if (++commits === 25) controller.abort(); },
    }).run(chunks(events, 64));
  } finally {
    await t1.close();
  }
  assert.equal(first.stopped, true);
  assert.ok(first.applied > 0 && first.applied < events.length, `applied ${first.applied} of ${events.length}`);

  // Second run: a new target and dispatcher get the whole stream again.
  const t2 = new PgChangeTarget(config('rnd_tgt'), { tables: TABLES });
  let second;
  try {
    second = await new ChangeDispatcher(t2, { migrationUuid: MIGRATION, channels: 4, batchSize: 40 }).run(chunks(events, 64));
  } finally {
    await t2.close();
  }
  assert.equal(first.applied + second.applied, events.length);
  assert.equal(second.lowWatermark, events.length);
  assert.deepEqual(await tableChecksums(server, 'rnd_tgt', ['public']), expected);

  // Third run: everything is skipped, nothing changes.
  const t3 = new PgChangeTarget(config('rnd_tgt'), { tables: TABLES });
  try {
    const third = await new ChangeDispatcher(t3, { migrationUuid: MIGRATION, channels: 4 }).run(chunks(events, 64));
    assert.equal(third.applied, 0);
    assert.equal(third.skipped, events.length);
  } finally {
    await t3.close();
  }
  assert.deepEqual(await tableChecksums(server, 'rnd_tgt', ['public']), expected);

  // Metadata: per table and op, the channels' counts add up to the events, each counted once.
  const want = new Map<string, { n: number; i: number; u: number; d: number }>();
  for (const e of events) {
    const k = `public.${e.table}`;
    const c = want.get(k) ?? { n: 0, i: 0, u: 0, d: 0 };
    c.n++;
    if (e.op === 'c') c.i++;
    if (e.op === 'u') c.u++;
    if (e.op === 'd') c.d++;
    want.set(k, c);
  }
  const got = await server.sql('rnd_tgt', `SELECT table_name, sum(total_events)::int AS n, sum(num_inserts)::int AS i, sum(num_updates)::int AS u, sum(num_deletes)::int AS d
    FROM ybvoyager_metadata.ybvoyager_imported_event_count_by_table WHERE migration_uuid = $1 GROUP BY 1 ORDER BY 1`, [MIGRATION]);
  assert.deepEqual(got, [...want].sort(([a], [b]) => a.localeCompare(b)).map(([table_name, c]) => ({ table_name, ...c })));
  const channels = await server.sql('rnd_tgt', `SELECT sum(num_inserts)::int AS i, sum(num_updates)::int AS u, sum(num_deletes)::int AS d, count(*)::int AS n
    FROM ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo WHERE migration_uuid = $1`, [MIGRATION]);
  const total = [...want.values()].reduce((a, c) => ({ i: a.i + c.i, u: a.u + c.u, d: a.d + c.d }), { i: 0, u: 0, d: 0 });
  assert.deepEqual(channels, [{ ...total, n: 4 }]);
});
