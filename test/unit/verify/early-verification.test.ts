import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { EarlyVerification, earlyFindingText } from '../../../src/workflow/verify/early-verification.js';
import { compareDatabases, type ComparedTable, type FingerprintingSide, type SideFingerprint, type TableComparison } from '../../../src/workflow/verify/table-comparison.js';

const table = (key: string): ComparedTable => {
  const [schema, name] = key.split('.') as [string, string];
  return { key, schema, name, columns: ['id'] };
};

/** A side answering from a mutable map, counting scans per table. */
function side(label: string, data: Map<string, SideFingerprint>, scans: Map<string, number>): FingerprintingSide {
  return {
    label,
    async fingerprint(t) {
      scans.set(`${label}:${t.key}`, (scans.get(`${label}:${t.key}`) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1));
      return data.get(t.key)!;
    },
  };
}

const change = (key: string, vsn: number): ChangeEvent => {
  const [schema, table] = key.split('.') as [string, string];
  return { vsn, op: 'u', schema, table, key: { id: '1' }, after: { id: '1' }, position: 'p', txId: '1' };
};

const until = async (what: string, cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function setup(left: Map<string, SideFingerprint>, right: Map<string, SideFingerprint>, quietMs = 30) {
  const scans = new Map<string, number>();
  const state = { queued: 0, applied: 0, passes: [] as TableComparison[][], closed: 0 };
  const ev = new EarlyVerification({
    open: async () => ({
      left: side('source', left, scans), right: side('target', right, scans), tables: ['s.a', 's.b', 's.c'].map(table),
      close: async () => { state.closed++; },
    }),
    queuedVsn: () => state.queued,
    appliedVsn: () => state.applied,
    quietMs,
    checkMs: 5,
    onPass: (r) => state.passes.push([...r]),
  });
  return { ev, scans, state };
}

const fp = (rows: number, checksum: string): SideFingerprint => ({ rows, checksum });

test('quiet tables are compared early; a match holds only while its table has no later event', async () => {
  const data = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')], ['s.c', fp(3, '30')]]);
  const { ev, scans, state } = setup(data, new Map(data));
  ev.start();
  await until('the first pass', () => state.passes.length >= 1);
  assert.deepEqual(state.passes[0]!.map((r) => [r.table, r.match]), [['s.a', true], ['s.b', true], ['s.c', true]]);
  // s.a changes after its comparison (vsn 7 > the vsn 0 it was compared at); s.c gets an event at or below it? none.
  state.queued = 7;
  state.applied = 7;
  ev.note([change('s.a', 7)]);
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()].sort(), ['s.b', 's.c']);
  assert.equal(scans.get('source:s.b'), 1, 'an unchanged table is compared once');
  assert.equal(state.closed, 1);
});

test('a mismatch found early is told once found again after the queue moved on (the table unchanged), and never passed on as still valid', async () => {
  const left = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')], ['s.c', fp(3, '30')]]);
  const right = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '21')], ['s.c', fp(3, '30')]]);
  const { ev, scans, state } = setup(left, right);
  ev.start();
  await until('the first pass', () => state.passes.length >= 1);
  assert.deepEqual(state.passes[0]!.map((r) => [r.table, r.match]), [['s.a', true], ['s.c', true]], 'a first mismatch is not told');
  // The queue does not move: s.b is not compared again (nothing new to learn).
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(scans.get('source:s.b'), 1);
  assert.equal(state.passes.length, 1);
  // The stream delivers other tables' changes: s.b, still unchanged, is compared again and told.
  state.queued = 3;
  state.applied = 3;
  ev.note([change('s.a', 3)]);
  await until('the mismatch told', () => state.passes.flat().some((r) => r.table === 's.b'));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match).map((r) => r.table), ['s.b']);
  assert.equal(scans.get('source:s.b'), 2);
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()].sort(), ['s.c']);
});

test('a mismatch that was only a delay (the exporter behind: the table\'s change arrives after the first comparison) is never told', async () => {
  const left = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')], ['s.c', fp(3, '30')]]);
  const right = new Map([['s.a', fp(1, '10')], ['s.b', fp(1, '19')], ['s.c', fp(3, '30')]]);
  const { ev, scans, state } = setup(left, right);
  ev.start();
  await until('the first pass', () => state.passes.length >= 1);
  assert.equal(scans.get('source:s.b'), 1);
  // The source's change of s.b reaches the target through the stream.
  right.set('s.b', fp(2, '20'));
  state.queued = 4;
  state.applied = 4;
  ev.note([change('s.b', 4)]);
  await until('s.b compared again', () => state.passes.flat().some((r) => r.table === 's.b'));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match), [], 'no mismatch was told');
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()].sort(), ['s.a', 's.b', 's.c']);
});

test('nothing is compared before every queued event is applied; a table is compared only once quiet', async () => {
  const data = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')], ['s.c', fp(3, '30')]]);
  // Quiet means 600 ms without a change: the busy table's changes, 5 ms apart, never leave such a
  // gap even on a loaded machine (with 30 ms, a stalled timer let it be compared now and then).
  const { ev, scans, state } = setup(data, new Map(data), 600);
  state.queued = 5;
  state.applied = 3;
  ev.start();
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(scans.size, 0, 'the importer is behind: the target does not hold the queued changes yet');
  state.applied = 5;
  await until('the first pass', () => state.passes.length >= 1);
  // s.b keeps changing: it is never quiet for 600 ms, so it is not compared.
  const busy = setInterval(() => {
    state.queued++;
    state.applied = state.queued;
    ev.note([change('s.b', state.queued)]);
  }, 5);
  try {
    const before = scans.get('source:s.b') ?? 0;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(scans.get('source:s.b') ?? 0, before, 'a busy table is not scanned again');
  } finally {
    clearInterval(busy);
  }
  const valid = await ev.finish();
  assert.ok(!valid.has('s.b'), 's.b changed after its comparison');
  assert.deepEqual([...valid.keys()].sort(), ['s.a', 's.c']);
});

test('compareDatabases scans only the tables without a still-valid match', async () => {
  const scans = new Map<string, number>();
  const data = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')]]);
  const right = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '99')]]);
  const earlier: TableComparison = { table: 's.a', leftRows: 1, rightRows: 1, leftChecksum: '10', rightChecksum: '10', match: true };
  const stale: TableComparison = { table: 's.b', leftRows: 2, rightRows: 2, leftChecksum: '20', rightChecksum: '20', match: true };
  const r = await compareDatabases({
    left: side('source', data, scans), right: side('target', right, scans), tables: [table('s.a'), table('s.b')],
    stillValid: new Map([['s.a', earlier]]),
  });
  assert.equal(scans.get('source:s.a'), undefined);
  assert.equal(scans.get('source:s.b'), 1);
  assert.deepEqual(r.summary.mismatched, ['s.b']);
  assert.equal(r.results[0], earlier);
  // A mismatch passed as "still valid" is ignored: the table is scanned.
  const r2 = await compareDatabases({
    left: side('source', data, scans), right: side('target', right, scans), tables: [table('s.b')],
    stillValid: new Map([['s.b', { ...stale, match: false }]]),
  });
  assert.equal(scans.get('source:s.b'), 2);
  assert.deepEqual(r2.summary.mismatched, ['s.b']);
});

test('a comparison that fails on a lost connection is never told as a difference: said once as "could not compare", the sides reopened, the table compared again', async () => {
  const data = new Map([['s.a', fp(1, '10')]]);
  const scans = new Map<string, number>();
  let broken = true;
  let opens = 0;
  let closes = 0;
  const passes: TableComparison[][] = [];
  const failed: TableComparison[] = [];
  const lost: FingerprintingSide = {
    label: 'target',
    async fingerprint(t) {
      if (broken) throw new Error('Client has encountered a connection error and is not queryable');
      return data.get(t.key)!;
    },
  };
  const ev = new EarlyVerification({
    open: async () => {
      opens++;
      return { left: side('source', data, scans), right: lost, tables: [table('s.a')], close: async () => { closes++; } };
    },
    queuedVsn: () => 0,
    appliedVsn: () => 0,
    quietMs: 10,
    checkMs: 5,
    retryMs: 40,
    onPass: (r) => passes.push([...r]),
    onCompareFailed: (r) => failed.push(r),
  });
  ev.start();
  await until('the failed comparison', () => failed.length >= 1);
  // While the target stays away, the table is tried again without being told again.
  await until('another try', () => (scans.get('source:s.a') ?? 0) >= 3);
  assert.equal(failed.length, 1, 'told once per failure');
  assert.equal(passes.length, 0, 'a failed comparison is not a finding');
  broken = false;
  await until('the comparison once the target is back', () => passes.length >= 1);
  assert.deepEqual(passes[0]!.map((r) => [r.table, r.match]), [['s.a', true]]);
  assert.ok(opens >= 2, `the sides were reopened after the failure (${opens} opens)`);
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()], ['s.a']);
  assert.ok(closes >= 2);
});

test('the first open failing because a database cannot be reached (restarting) is tried again, not given up; one refused (a password) gives up at once', async () => {
  const { TandemError } = await import('../../../src/core/errors.js');
  const data = new Map([['s.a', fp(1, '10')]]);
  const scans = new Map<string, number>();
  const run = async (failure: () => Error, failures: number) => {
    let opens = 0;
    const passes: TableComparison[][] = [];
    const unavailable: string[] = [];
    const ev = new EarlyVerification({
      open: async () => {
        if (++opens <= failures) throw failure();
        return { left: side('source', data, scans), right: side('target', data, scans), tables: [table('s.a')], close: async () => {} };
      },
      queuedVsn: () => 0,
      appliedVsn: () => 0,
      quietMs: 10,
      checkMs: 5,
      retryMs: 20,
      onPass: (r) => passes.push([...r]),
      onUnavailable: (reason) => unavailable.push(reason),
    });
    ev.start();
    return { ev, passes, unavailable, opens: () => opens };
  };
  // Refused connections twice (a target restarting), then back: compared, nothing said.
  const down = await run(() => new TandemError('TANDEM_CONNECT', 'Cannot reach the target database (ECONNREFUSED).'), 2);
  await until('the comparison once the target is back', () => down.passes.length >= 1);
  assert.deepEqual(down.unavailable, []);
  assert.equal(down.opens(), 3);
  await down.ev.finish();
  // A reset read (a raw driver error with a network code): the same.
  const reset = await run(() => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 1);
  await until('the comparison after the reset', () => reset.passes.length >= 1);
  assert.deepEqual(reset.unavailable, []);
  await reset.ev.finish();
  // A refused password is the same every time: said once, given up.
  const refused = await run(() => new TandemError('TANDEM_AUTH', 'The password for user "u" was rejected.'), 99);
  await until('the refusal to be said', () => refused.unavailable.length >= 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(refused.opens(), 1, 'not tried again');
  assert.equal(refused.passes.length, 0);
  await refused.ev.finish();
});

test('the importer\'s text for an early result: a comparison that failed says "could not compare", never "differs"', () => {
  const failedText = earlyFindingText({ table: 'app.big', match: false, error: 'target: Client has encountered a connection error and is not queryable' } as TableComparison, 'source and the target', '/x');
  assert.equal(failedText, 'could not compare app.big while streaming (target: Client has encountered a connection error and is not queryable); it is compared again (and at the cutover, if need be).');
  const differs = earlyFindingText({ table: 'app.big', match: false, leftRows: 3, rightRows: 2 } as TableComparison, 'source and the target', '/x');
  assert.equal(differs, 'app.big differs between the source and the target (rows: source 3, target 2), found while streaming; the cutover compares it again. Run "tandem compare --export-dir /x" for details.');
});

/**
 * With commit times (PostgreSQL, MySQL): the read side's scan tells its clock (readAtMs), the queue
 * the latest commit time it holds. `clock` is the read database's clock.
 */
function timedSetup(left: Map<string, SideFingerprint>, right: Map<string, SideFingerprint>) {
  const scans = new Map<string, number>();
  const state = { queued: 0, applied: 0, clock: 1_000, queuedCommitMs: 900 as number | undefined, passes: [] as TableComparison[][] };
  const timedSide: FingerprintingSide = {
    label: 'source',
    async fingerprint(t) {
      scans.set(`source:${t.key}`, (scans.get(`source:${t.key}`) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1));
      return { ...left.get(t.key)!, readAtMs: state.clock };
    },
  };
  const ev = new EarlyVerification({
    open: async () => ({ left: timedSide, right: side('target', right, scans), tables: ['s.a', 's.b'].map(table), close: async () => {} }),
    queuedVsn: () => state.queued,
    appliedVsn: () => state.applied,
    queuedCommitMs: () => state.queuedCommitMs,
    quietMs: 30,
    checkMs: 5,
    onPass: (r) => state.passes.push([...r]),
  });
  return { ev, scans, state };
}

/** s.a equal on both sides, s.b as given on the target; started, and finished when the test ends (a failed wait must not leave the loop running). */
function startTimed(t: { after(fn: () => unknown): void }, targetB: SideFingerprint) {
  const left = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')]]);
  const right = new Map([['s.a', fp(1, '10')], ['s.b', targetB]]);
  const setup = timedSetup(left, right);
  setup.ev.start();
  t.after(() => setup.ev.finish());
  return { ...setup, right };
}

test('with commit times, a mismatch while the exporter works through a backlog is not told when the queue moves on by other tables\' changes only (measured before: told, the pg-chaos run)', async (t) => {
  // The source's s.b holds a change the stream has not delivered yet (the exporter behind).
  const { ev, scans, state, right } = startTimed(t, fp(1, '19'));
  await until('the first pass', () => state.passes.length >= 1);
  assert.equal(scans.get('source:s.b'), 1);
  // The backlog delivers a little: other tables' changes, committed before the scan (900 < 1000).
  // The found-twice rule told s.b here, compared again with the queue moved on and s.b unchanged.
  state.clock = 1_500;
  state.queued = 3;
  state.applied = 3;
  state.queuedCommitMs = 950;
  ev.note([change('s.a', 3)]);
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match), [], 'not told while the queue is behind the scan');
  assert.equal(scans.get('source:s.b'), 1, 'not compared again: it waits for the queue to catch up with its scan');
  // Then s.b's change arrives (committed before the scan) and is applied: compared again, it matches.
  right.set('s.b', fp(2, '20'));
  state.queued = 4;
  state.applied = 4;
  state.queuedCommitMs = 1_100;
  ev.note([change('s.b', 4)]);
  await until('s.b compared again', () => (scans.get('source:s.b') ?? 0) >= 2);
  await until('s.b told as a match', () => state.passes.flat().some((r) => r.table === 's.b' && r.match));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match), [], 'no mismatch was ever told');
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()].sort(), ['s.a', 's.b']);
});

test('with commit times, a real mismatch is told once the queue holds a commit after the scan, everything up to it is applied, and none of it is to the table', async (t) => {
  const { ev, scans, state } = startTimed(t, fp(2, '21'));
  await until('the first pass', () => state.passes.length >= 1);
  // Caught up in time (a commit at 1001 > the scan's 1000), but not yet applied: not told.
  state.queued = 5;
  state.queuedCommitMs = 1_001;
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match), []);
  // Applied, with no change to s.b among vsns 1..5: told, from the first comparison (not scanned again).
  state.applied = 5;
  ev.note([change('s.a', 5)]);
  await until('the mismatch told', () => state.passes.flat().some((r) => !r.match));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match).map((r) => r.table), ['s.b']);
  assert.equal(scans.get('source:s.b'), 1);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(state.passes.flat().filter((r) => !r.match).length, 1, 'told once');
  const valid = await ev.finish();
  assert.deepEqual([...valid.keys()], ['s.a'], 'a mismatch is never passed on as still valid');
});

test('with commit times, a mismatch whose table changes before the queue catches up is not told: compared again at its next quiet moment', async (t) => {
  const { ev, scans, state } = startTimed(t, fp(2, '21'));
  await until('the first pass', () => state.passes.length >= 1);
  // s.b's change (vsn 2) is among those up to the caught-up vsn: the first result proves nothing.
  state.queued = 2;
  state.applied = 2;
  state.queuedCommitMs = 1_200;
  state.clock = 1_300;
  ev.note([change('s.b', 2)]);
  await until('s.b compared again', () => (scans.get('source:s.b') ?? 0) >= 2);
  assert.deepEqual(state.passes.flat().filter((r) => !r.match), [], 'the first result was not told');
  // The second comparison (still different) is proven in its turn.
  state.queued = 3;
  state.applied = 3;
  state.queuedCommitMs = 1_301;
  ev.note([change('s.a', 3)]);
  await until('the mismatch told', () => state.passes.flat().some((r) => !r.match));
  assert.deepEqual(state.passes.flat().filter((r) => !r.match).map((r) => r.table), ['s.b']);
  await ev.finish();
});

// The scale-51 run: with the exporter down every table looked quiet, and the importer scanned them
// all on both databases, each scan a mismatch (the source went on changing).
test('while nothing can reach the queue (its exporter is down), no table is scanned; once it runs again, they are', async () => {
  const data = new Map([['s.a', fp(1, '10')], ['s.b', fp(2, '20')], ['s.c', fp(3, '30')]]);
  const scans = new Map<string, number>();
  let down = true;
  const passes: TableComparison[][] = [];
  const ev = new EarlyVerification({
    open: async () => ({ left: side('source', data, scans), right: side('target', new Map(data), scans), tables: ['s.a', 's.b', 's.c'].map(table), close: async () => {} }),
    queuedVsn: () => 0,
    appliedVsn: () => 0,
    quietMs: 10,
    checkMs: 5,
    paused: () => down,
    onPass: (r) => passes.push([...r]),
  });
  ev.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(scans.size, 0, 'no scan while the exporter is down');
  down = false;
  await until('a pass once it runs', () => passes.length >= 1);
  assert.deepEqual(passes[0]!.map((r) => [r.table, r.match]), [['s.a', true], ['s.b', true], ['s.c', true]]);
  await ev.finish();
});
