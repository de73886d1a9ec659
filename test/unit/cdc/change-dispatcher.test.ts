/** ChangeDispatcher with an in-memory target: order, barriers, conflicts, restart, backpressure, stop, errors. */
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { ChangeDispatcher } from '../../../src/workflow/cdc/change-dispatcher.js';
import type { DispatchProgress } from '../../../src/workflow/cdc/change-dispatcher.js';
import { channelOf } from '../../../src/workflow/cdc/channel-hash.js';
import { FakeChangeTarget, replay } from './fake-change-target.js';
import { channelsBehind } from '../../../src/workflow/cdc/queue-applier.js';

const UUID = '00000000-0000-0000-0000-000000000001';

function ev(vsn: number, op: ChangeEvent['op'], table: string, id: number | string, after?: Record<string, string | null>, txId = String(vsn)): ChangeEvent {
  return { vsn, op, schema: 'public', table, key: op === 't' ? {} : { id: String(id) }, after, position: String(vsn), txId };
}

async function* chunks(events: readonly ChangeEvent[], size = 7): AsyncGenerator<ChangeEvent[]> {
  for (let i = 0; i < events.length; i += size) {
    yield events.slice(i, i + size);
    await new Promise((r) => setImmediate(r));
  }
}

/** A random valid history on t1 (unique u) and t2: inserts, updates, deletes, PK updates, unique swaps, truncates. */
function randomHistory(n: number, seed: number): ChangeEvent[] {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
  const rows = { t1: new Map<string, string>(), t2: new Map<string, string>() }; // id -> u
  const out: ChangeEvent[] = [];
  let vsn = 0;
  let nextId = 1;
  let nextU = 1;
  while (out.length < n) {
    const table = rnd() < 0.7 ? 't1' : 't2';
    const m = rows[table];
    const ids = [...m.keys()];
    const r = rnd();
    if (ids.length < 5 || r < 0.3) {
      const id = String(nextId++);
      const u = `u${nextU++}`;
      m.set(id, u);
      out.push(ev(++vsn, 'c', table, id, { id, u, v: String(vsn) }));
    } else if (r < 0.55) {
      const id = pick(ids);
      out.push(ev(++vsn, 'u', table, id, { id, v: String(vsn) }));
    } else if (r < 0.65) {
      const id = pick(ids);
      const u = `u${nextU++}`;
      m.set(id, u);
      out.push(ev(++vsn, 'u', table, id, { id, u }));
    } else if (r < 0.75) {
      const id = pick(ids);
      m.delete(id);
      out.push(ev(++vsn, 'd', table, id));
    } else if (r < 0.82) {
      const id = pick(ids);
      const to = String(nextId++);
      m.set(to, m.get(id)!);
      m.delete(id);
      out.push(ev(++vsn, 'u', table, id, { id: to }));
    } else if (r < 0.995) {
      // Swap the unique values of two rows in one transaction, as three updates.
      const a = pick(ids);
      const b = pick(ids.filter((x) => x !== a));
      if (!b) continue;
      const ua = m.get(a)!;
      const ub = m.get(b)!;
      const tx = `swap${vsn}`;
      out.push(ev(++vsn, 'u', table, a, { id: a, u: `tmp${vsn}` }, tx));
      out.push(ev(++vsn, 'u', table, b, { id: b, u: ua }, tx));
      out.push(ev(++vsn, 'u', table, a, { id: a, u: ub }, tx));
      m.set(a, ub);
      m.set(b, ua);
    } else {
      m.clear();
      out.push(ev(++vsn, 't', table, ''));
    }
  }
  return out;
}

test('channelOf is stable, independent of key property order, and spreads rows', () => {
  const a: ChangeEvent = { vsn: 1, op: 'u', schema: 's', table: 't', key: { a: '1', b: 'x' }, position: '', txId: '' };
  const b: ChangeEvent = { ...a, key: { b: 'x', a: '1' } };
  assert.equal(channelOf(a, 16), channelOf(b, 16));
  assert.equal(channelOf(a, 16), channelOf({ ...a }, 16));
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => channelOf(ev(i, 'c', 't', i), 8)), [1, 2, 3, 4, 5].map((i) => channelOf(ev(i + 100, 'u', 't', i), 8)));
  assert.notEqual(channelOf({ ...a, key: { a: null } }, 1000), channelOf({ ...a, key: { a: '' } }, 1000));
  assert.equal(channelOf(ev(1, 't', 'x', ''), 8), 0);
  const counts = new Array(4).fill(0);
  for (let i = 0; i < 4000; i++) counts[channelOf(ev(1, 'c', 'accounts', i), 4)]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `uneven: ${counts}`);
});

test('channelOf is pinned: a changed hash would send a restarted migration\'s rows to other channels', () => {
  // FNV-1a (32 bit) as documented in channel-hash.ts, computed by hand outside this code base.
  const accounts = [1, 2, 3, 4, 5, 6].map((i) => ev(1, 'c', 'accounts', i));
  assert.deepEqual(accounts.map((e) => channelOf(e, 4)), [1, 0, 3, 2, 1, 0]);
  assert.deepEqual(accounts.map((e) => channelOf(e, 2 ** 32)), [784325729, 733992872, 750770491, 834658586, 851436205, 801103348]);
  const composite: ChangeEvent = { vsn: 1, op: 'u', schema: 's', table: 't', key: { b: 'x', a: '1' }, position: '', txId: '' };
  assert.equal(channelOf(composite, 2 ** 32), 2557243611);
  assert.equal(channelOf({ ...composite, key: { a: null } }, 2 ** 32), 3203034649);
  assert.equal(channelOf({ ...composite, key: { a: '' } }, 2 ** 32), 3152701792);
});

test('every event is applied exactly once, per channel in vsn order, in batches of at most batchSize', async () => {
  const events = randomHistory(3000, 7);
  const target = new FakeChangeTarget({ uniqueTables: ['t1'] });
  const marks: number[] = [];
  const d = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4, batchSize: 50, onProgress: (p) => marks.push(p.lowWatermark) });
  const summary = await d.run(chunks(events, 13));
  assert.equal(summary.applied, events.length);
  assert.equal(target.committedVsns.size, events.length);
  assert.deepEqual(target.rows, replay(events));
  for (const c of target.commits) {
    assert.ok(c.vsns.length <= 50);
    assert.deepEqual(c.vsns, [...c.vsns].sort((x, y) => x - y));
  }
  assert.ok(target.maxRunning > 1, 'channels ran in parallel');
  for (let i = 1; i < marks.length; i++) assert.ok(marks[i]! >= marks[i - 1]!, 'low-watermark never goes back');
  assert.equal(summary.lowWatermark, events[events.length - 1]!.vsn);
});

test('barriers: a primary-key update and a truncate run alone after everything before them', async () => {
  const events = [
    ev(1, 'c', 't2', 1, { id: '1' }), ev(2, 'c', 't2', 2, { id: '2' }), ev(3, 'c', 't2', 3, { id: '3' }),
    ev(4, 'u', 't2', 1, { id: '10' }), ev(5, 'u', 't2', 10, { id: '10', v: 'x' }), ev(6, 'c', 't2', 4, { id: '4' }),
    ev(7, 't', 't2', ''), ev(8, 'c', 't2', 5, { id: '5' }),
  ];
  const target = new FakeChangeTarget();
  await new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4 }).run(chunks(events, 3));
  const order = target.commits.map((c) => c.vsns);
  const at = (v: number) => order.findIndex((vs) => vs.includes(v));
  assert.deepEqual(order[at(4)], [4]);
  assert.deepEqual(order[at(7)], [7]);
  for (const v of [1, 2, 3]) assert.ok(at(v) < at(4));
  for (const v of [5, 6]) assert.ok(at(v) > at(4) && at(v) < at(7));
  assert.ok(at(8) > at(7));
  assert.deepEqual([...target.rows.keys()], ['public.t2#5']);
});

test('a unique value swapped between rows in different channels never fails the import', async () => {
  // Rows 1 and 2 sit in different channels; three updates swap their unique values.
  const [a, b] = pairInTwoChannels();
  const events: ChangeEvent[] = [ev(1, 'c', 't1', a, { id: String(a), u: 'A' }), ev(2, 'c', 't1', b, { id: String(b), u: 'B' })];
  let vsn = 2;
  for (let round = 0; round < 30; round++) {
    const [ua, ub] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    events.push(ev(++vsn, 'u', 't1', a, { id: String(a), u: 'tmp' }, `tx${round}`));
    events.push(ev(++vsn, 'u', 't1', b, { id: String(b), u: ua }, `tx${round}`));
    events.push(ev(++vsn, 'u', 't1', a, { id: String(a), u: ub }, `tx${round}`));
  }
  const target = new FakeChangeTarget({ uniqueTables: ['t1'] });
  await new ChangeDispatcher(target, { migrationUuid: UUID, channels: 2, batchSize: 4 }).run(chunks(events, 5));
  assert.deepEqual(target.rows, replay(events));
  assert.equal(target.committedVsns.size, events.length);
});

test('without knowing the unique keys, a channel running ahead can take a value too early (why the tracker exists)', async () => {
  // Channel x commits "row a takes B" (vsn 5) while "row b takes B" (vsn 2) is still pending in
  // channel y: vsn 2 can then never apply. Forced here by making channel y slow.
  const [a, b] = pairInTwoChannels();
  const events = [ev(1, 'c', 't1', a, { id: String(a), u: 'A' }), ev(2, 'c', 't1', b, { id: String(b), u: 'B' }),
    ev(3, 'u', 't1', b, { id: String(b), u: 'C' }), ev(4, 'u', 't1', a, { id: String(a), u: 'B' })];
  const slowChannel = channelOf(events[1]!, 2);
  for (const known of [false, true]) {
    const target = new FakeChangeTarget({ uniqueTables: ['t1'], maxDelayMs: 0 });
    if (!known) target.uniqueKeys = () => [];
    const apply = target.applyBatch.bind(target);
    target.applyBatch = async (ch, batch) => {
      if (ch === slowChannel) await new Promise((r) => setTimeout(r, 30));
      return apply(ch, batch);
    };
    const run = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 2 }).run(chunks(events, 4));
    if (known) {
      await run;
      assert.deepEqual(target.rows, replay(events));
    } else {
      await assert.rejects(run, /duplicate unique value/);
    }
  }
});

function pairInTwoChannels(): [number, number] {
  for (let i = 2; ; i++) if (channelOf(ev(1, 'c', 't1', 1), 2) !== channelOf(ev(1, 'c', 't1', i), 2)) return [1, i];
}

test('random histories with swaps, PK moves and truncates end in the source state', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const events = randomHistory(2000, seed);
    const target = new FakeChangeTarget({ uniqueTables: ['t1', 't2'] });
    await new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4, batchSize: 20 }).run(chunks(events, 11));
    assert.deepEqual(target.rows, replay(events), `seed ${seed}`);
  }
});

test('a restart skips what each channel committed and applies the rest exactly once', async () => {
  const events = randomHistory(1500, 11);
  const target = new FakeChangeTarget({ uniqueTables: ['t1'] });
  const controller = new AbortController();
  let seenBatches = 0;
  const first = new ChangeDispatcher(target, {
    migrationUuid: UUID, channels: 4, batchSize: 25, signal: controller.signal,
    onProgress: () => { if (++seenBatches === 10) controller.abort(); },
  });
  const s1 = await first.run(chunks(events, 9));
  assert.equal(s1.stopped, true);
  assert.ok(s1.applied < events.length);
  assert.equal(target.running, 0, 'no batch runs after run() returns');
  assert.equal(target.committedVsns.size, s1.applied);
  // The low watermark is exact: every event up to it is committed, the next one is not.
  for (let v = 1; v <= s1.lowWatermark; v++) assert.ok(target.committedVsns.has(v) || !events.some((e) => e.vsn === v), `vsn ${v} <= watermark ${s1.lowWatermark} not committed`);
  assert.ok(events.some((e) => e.vsn === s1.lowWatermark + 1), 'the stop left events after the watermark');
  assert.ok(!target.committedVsns.has(s1.lowWatermark + 1), `vsn ${s1.lowWatermark + 1}, after the watermark, is committed: the watermark is too low`);
  // A new dispatcher on the same target state; the whole stream comes again.
  const restarted = new FakeChangeTarget({ uniqueTables: ['t1'], initial: target.lastApplied });
  restarted.rows = target.rows;
  for (const v of target.committedVsns) restarted.committedVsns.add(v);
  const s2 = await new ChangeDispatcher(restarted, { migrationUuid: UUID, channels: 4, batchSize: 25 }).run(chunks(events, 9));
  assert.equal(s2.applied + s1.applied, events.length);
  assert.equal(s2.skipped, s1.applied);
  assert.deepEqual(restarted.rows, replay(events));
  // What each channel committed, as the progress reports it, is exactly the database's progress rows.
  assert.deepEqual(s1.channelApplied, target.lastApplied.slice(0, 4));
  assert.deepEqual(s2.channelApplied, restarted.lastApplied.slice(0, 4));
  // A restart on that state is not behind; on the state before the second run it is, by channel.
  const rows = (applied: readonly number[]) => applied.map((v, channelNo) => ({ channelNo, lastAppliedVsn: v, inserts: 0, updates: 0, deletes: 0 }));
  assert.deepEqual(channelsBehind(s2.channelApplied, rows(s2.channelApplied)), []);
  assert.deepEqual(channelsBehind(undefined, rows([0, 0, 0, 0])), [], 'nothing recorded: nothing to compare');
  const behind = channelsBehind(s2.channelApplied, rows(s1.channelApplied));
  assert.ok(behind.length > 0);
  for (const b of behind) assert.ok(b.found === s1.channelApplied[b.channel] && b.recorded === s2.channelApplied[b.channel] && b.found < b.recorded);
});

test('backpressure keeps the events in flight bounded', async () => {
  const events = Array.from({ length: 5000 }, (_, i) => ev(i + 1, 'c', 't2', i + 1, { id: String(i + 1) }));
  const target = new FakeChangeTarget();
  let produced = 0;
  let maxGap = 0;
  async function* source() {
    for (let i = 0; i < events.length; i += 10) {
      maxGap = Math.max(maxGap, produced - target.committedVsns.size);
      produced += 10;
      yield events.slice(i, i + 10);
    }
  }
  await new ChangeDispatcher(target, { migrationUuid: UUID, channels: 3, batchSize: 20, maxInFlight: 100 }).run(source());
  assert.ok(maxGap <= 110, `in flight reached ${maxGap}`);
  assert.equal(target.committedVsns.size, events.length);
});

test('an error in one channel stops all and surfaces; other batches settle first', async () => {
  const events = Array.from({ length: 2000 }, (_, i) => ev(i + 1, 'c', 't2', i + 1, { id: String(i + 1) }));
  const target = new FakeChangeTarget({ maxDelayMs: 5 });
  const boom = new Error('disk full');
  target.failOn = (_ch, batch) => (batch.some((e) => e.vsn === 700) ? boom : undefined);
  const d = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4, batchSize: 30 });
  await assert.rejects(d.run(chunks(events, 50)), (e) => e === boom);
  assert.equal(target.running, 0);
  assert.ok(!target.committedVsns.has(700));
});

/** What `p` settles to, or 'still waiting' after `ms` (the timer cleared either way). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => { timer = setTimeout(() => resolve('still waiting'), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('an error while the live source waits for its next change ends the run at once, and a stop does too', async () => {
  // A quiet database: the source yields what it has, then waits for a change that never comes.
  async function* quiet(events: ChangeEvent[]): AsyncGenerator<ChangeEvent[]> {
    yield events;
    await new Promise(() => {});
  }
  const target = new FakeChangeTarget();
  const boom = new Error('column b of public.t2 is not in the target table');
  target.failOn = () => boom;
  const failing = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 2 }).run(quiet([ev(1, 'c', 't2', 1, { id: '1', b: '5' })]));
  const outcome = await within(failing.then(() => 'resolved', (e) => e), 5000);
  assert.equal(outcome, boom);

  const stop = new AbortController();
  const ok = new FakeChangeTarget();
  const stopped = new ChangeDispatcher(ok, { migrationUuid: UUID, channels: 2, signal: stop.signal })
    .run(quiet([ev(1, 'c', 't2', 1, { id: '1' })]));
  while (ok.committedVsns.size < 1) await sleep(5);
  stop.abort();
  const summary = await within(stopped, 5000);
  assert.notEqual(summary, 'still waiting');
  assert.equal((summary as { stopped: boolean }).stopped, true);
  assert.equal((summary as { lowWatermark: number }).lowWatermark, 1);
});

test('isBarrier: a marker waits for everything before it and goes to onBarrier', async () => {
  const events = [ev(1, 'c', 't2', 1, { id: '1' }), ev(2, 'c', 't2', 2, { id: '2' }), ev(3, 'c', 'marker', 'cutover', { id: 'cutover' }), ev(4, 'c', 't2', 3, { id: '3' })];
  const target = new FakeChangeTarget();
  let committedAtMarker = -1;
  const progress: DispatchProgress[] = [];
  await new ChangeDispatcher(target, {
    migrationUuid: UUID, channels: 2, isBarrier: (e) => e.table === 'marker',
    onBarrier: async () => { committedAtMarker = target.committedVsns.size; },
    onProgress: (p) => progress.push(p),
  }).run(chunks(events, 4));
  assert.equal(committedAtMarker, 2);
  assert.ok(!target.committedVsns.has(3));
  assert.equal(progress[progress.length - 1]!.lowWatermark, 4);
});

test('adaptive concurrency: a trickle that one channel keeps up with is applied one batch at a time, in larger batches', async () => {
  const events = Array.from({ length: 400 }, (_, i) => ev(i + 1, 'c', 't2', i + 1, { id: String(i + 1) }));
  const target = new FakeChangeTarget({ maxDelayMs: 1 });
  async function* trickle() {
    for (let i = 0; i < events.length; i += 4) {
      yield events.slice(i, i + 4);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const d = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4, batchSize: 200 });
  const summary = await d.run(trickle());
  assert.equal(summary.applied, events.length);
  assert.deepEqual(target.rows, replay(events));
  assert.equal(target.maxRunning, 1, 'one batch at a time');
  assert.equal(d.concurrency, 1);
  // The events of all four channels went through, each channel's in vsn order.
  assert.deepEqual(new Set(target.commits.map((c) => c.channel)), new Set([0, 1, 2, 3]));
  for (const c of target.commits) assert.deepEqual(c.vsns, [...c.vsns].sort((x, y) => x - y));
});

test('adaptive concurrency: a backlog gets every channel, and the count comes back down once it is drained', async () => {
  const backlog = Array.from({ length: 6000 }, (_, i) => ev(i + 1, 'c', 't2', i + 1, { id: String(i + 1) }));
  const target = new FakeChangeTarget({ maxDelayMs: 3 });
  const seen: number[] = [];
  let d: ChangeDispatcher | undefined;
  async function* source() {
    yield backlog;
    // Then a quiet stream: one event at a time, each applied before the next arrives.
    for (let i = 0; i < 20; i++) {
      const vsn = backlog.length + i + 1;
      while (target.committedVsns.size < vsn - 1) await new Promise((r) => setTimeout(r, 1));
      seen.push(d!.concurrency);
      yield [ev(vsn, 'c', 't2', vsn, { id: String(vsn) })];
    }
  }
  d = new ChangeDispatcher(target, { migrationUuid: UUID, channels: 4, batchSize: 100, onProgress: () => seen.push(d!.concurrency) });
  const summary = await d.run(source());
  assert.equal(summary.applied, backlog.length + 20);
  assert.equal(target.maxRunning, 4, 'every channel applied at once during the backlog');
  assert.equal(Math.max(...seen), 4);
  assert.equal(d.concurrency, 1, 'back to one once only single events arrive');
  assert.equal(target.committedVsns.size, backlog.length + 20);
});
