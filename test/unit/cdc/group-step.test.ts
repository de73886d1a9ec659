/**
 * groupStep: when the stream exporter appends its pending transactions to the queue. A live
 * stream's appends are spaced at least GROUPING.minAppendIntervalMs apart (each costs fsyncs, a
 * wake-up and a transaction on the other side); a transaction after a quiet spell goes at once; a
 * backlog's groups grow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUPING, groupStep, freshSource, holdGroup, valueTooLargeError } from '../../../src/workflow/cdc/stream-exporter.js';

const quietSpell = { sinceAppendMs: 60_000, sinceGroupMs: 0, lastAppendEvents: 20 };

test('a transaction after a quiet spell is appended as soon as the socket is empty', () => {
  assert.equal(groupStep({ pendingEvents: 2, socketEmpty: true, ...quietSpell }), 'append');
});

test('the first append of a connection is not held (no append yet: the time since it is large)', () => {
  assert.equal(groupStep({ pendingEvents: 1, socketEmpty: true, sinceAppendMs: Date.now() - 0, sinceGroupMs: 0, lastAppendEvents: 20 }), 'append');
});

test('soon after an append, a live group is held for the rest of the interval, however small', () => {
  const d = groupStep({ pendingEvents: 2, socketEmpty: true, sinceAppendMs: 7, sinceGroupMs: 0, lastAppendEvents: 20 });
  assert.deepEqual(d, { holdMs: GROUPING.minAppendIntervalMs - 7 });
  // Also while more is arriving: nothing that arrives could make it go sooner.
  assert.deepEqual(groupStep({ pendingEvents: 2, socketEmpty: false, sinceAppendMs: 7, sinceGroupMs: 50, lastAppendEvents: 20 }), { holdMs: GROUPING.minAppendIntervalMs - 7 });
  // Just before the interval ends it is still held (at least 1 ms, so the hold is a real timer).
  assert.deepEqual(groupStep({ pendingEvents: 2, socketEmpty: true, sinceAppendMs: GROUPING.minAppendIntervalMs - 0.5, sinceGroupMs: 0, lastAppendEvents: 20 }), { holdMs: 1 });
  // Once the interval is over, it goes.
  assert.equal(groupStep({ pendingEvents: 2, socketEmpty: true, sinceAppendMs: GROUPING.minAppendIntervalMs, sinceGroupMs: 20, lastAppendEvents: 20 }), 'append');
});

test('after a backlog-sized append the next group is not held: a backlog must not wait', () => {
  assert.equal(groupStep({ pendingEvents: 300, socketEmpty: true, sinceAppendMs: 3, sinceGroupMs: 0, lastAppendEvents: GROUPING.behindGroup }), 'append');
  assert.deepEqual(groupStep({ pendingEvents: 300, socketEmpty: false, sinceAppendMs: 3, sinceGroupMs: 0, lastAppendEvents: 5000 }), { waitMs: GROUPING.idleWaitMs });
  // One event fewer in the last append: a live stream's, held.
  assert.deepEqual(groupStep({ pendingEvents: 300, socketEmpty: true, sinceAppendMs: 3, sinceGroupMs: 0, lastAppendEvents: GROUPING.behindGroup - 1 }), { holdMs: GROUPING.minAppendIntervalMs - 3 });
});

test('a steady stream whose socket never runs dry is appended once it has gathered for maxGroupMs (since its first transaction or its last hold)', () => {
  assert.deepEqual(groupStep({ pendingEvents: 40, socketEmpty: false, sinceAppendMs: 100, sinceGroupMs: GROUPING.maxGroupMs - 1, lastAppendEvents: 20 }), { waitMs: GROUPING.idleWaitMs });
  assert.equal(groupStep({ pendingEvents: 40, socketEmpty: false, sinceAppendMs: 100, sinceGroupMs: GROUPING.maxGroupMs, lastAppendEvents: 20 }), 'append');
});

test('a backlog (a large group when the socket runs dry) waits briefly for the next batch instead of appending', () => {
  assert.deepEqual(groupStep({ pendingEvents: GROUPING.behindGroup, socketEmpty: true, ...quietSpell }), { waitMs: GROUPING.behindWaitMs });
  assert.deepEqual(groupStep({ pendingEvents: GROUPING.behindGroup + 500, socketEmpty: false, ...quietSpell }), { waitMs: GROUPING.idleWaitMs });
  // One event fewer is a live group: appended.
  assert.equal(groupStep({ pendingEvents: GROUPING.behindGroup - 1, socketEmpty: true, ...quietSpell }), 'append');
});

test('other settings are honoured (the decision is made from its arguments only)', () => {
  const c = { ...GROUPING, minAppendIntervalMs: 100 };
  assert.deepEqual(groupStep({ pendingEvents: 5, socketEmpty: true, sinceAppendMs: 30, sinceGroupMs: 30, lastAppendEvents: 20 }, c), { holdMs: 70 });
  assert.equal(groupStep({ pendingEvents: 5, socketEmpty: true, sinceAppendMs: 30, sinceGroupMs: 30, lastAppendEvents: 20 }, { ...GROUPING, minAppendIntervalMs: 0 }), 'append');
});

test('a live group that grew past behindGroup (after a slow fsync or a hold) appends once it has gathered maxBehindGroupMs, even while batches keep coming', () => {
  const big = { pendingEvents: GROUPING.behindGroup + 200, sinceAppendMs: 200, lastAppendEvents: 30 };
  assert.deepEqual(groupStep({ ...big, socketEmpty: true, sinceGroupMs: GROUPING.maxBehindGroupMs - 1 }), { waitMs: GROUPING.behindWaitMs });
  assert.equal(groupStep({ ...big, socketEmpty: true, sinceGroupMs: GROUPING.maxBehindGroupMs }), 'append');
  assert.equal(groupStep({ ...big, socketEmpty: false, sinceGroupMs: GROUPING.maxBehindGroupMs + 50 }), 'append');
});

test('a large group of fresh transactions (the source sent them soon after their commit) goes as a live one; an old one is a backlog\'s', () => {
  const big = { pendingEvents: GROUPING.behindGroup + 200, sinceAppendMs: 200, lastAppendEvents: 30 };
  // Fresh: appended once the socket is empty, or after maxGroupMs while it is not; never gathered towards maxBehindGroupMs.
  assert.equal(groupStep({ ...big, socketEmpty: true, sinceGroupMs: 0, sourceBehindMs: 40 }), 'append');
  assert.deepEqual(groupStep({ ...big, socketEmpty: false, sinceGroupMs: GROUPING.maxGroupMs - 1, sourceBehindMs: 40 }), { waitMs: GROUPING.idleWaitMs });
  assert.equal(groupStep({ ...big, socketEmpty: false, sinceGroupMs: GROUPING.maxGroupMs, sourceBehindMs: GROUPING.backlogBehindMs - 1 }), 'append');
  // Soon after an append it is held like any live group.
  assert.deepEqual(groupStep({ ...big, sinceAppendMs: 5, socketEmpty: true, sinceGroupMs: 0, sourceBehindMs: 40 }), { holdMs: GROUPING.minAppendIntervalMs - 5 });
  // Sent a second or more after its commit: a backlog, whose group grows.
  assert.deepEqual(groupStep({ ...big, socketEmpty: true, sinceGroupMs: 0, sourceBehindMs: GROUPING.backlogBehindMs }), { waitMs: GROUPING.behindWaitMs });
  assert.deepEqual(groupStep({ ...big, socketEmpty: false, sinceGroupMs: GROUPING.maxGroupMs, sourceBehindMs: 3_600_000 }), { waitMs: GROUPING.idleWaitMs });
  // An engine that does not tell: judged by size alone, as before.
  assert.deepEqual(groupStep({ ...big, socketEmpty: true, sinceGroupMs: 0 }), { waitMs: GROUPING.behindWaitMs });
  // A small group is live whatever its age.
  assert.equal(groupStep({ pendingEvents: 10, socketEmpty: true, sinceAppendMs: 200, sinceGroupMs: 0, lastAppendEvents: 30, sourceBehindMs: 3_600_000 }), 'append');
});

test('the source is not read during a hold only while its newest transaction is fresh: a backlog\'s groups must grow during it', () => {
  assert.equal(freshSource(0), true);
  assert.equal(freshSource(GROUPING.backlogBehindMs - 1), true);
  assert.equal(freshSource(GROUPING.backlogBehindMs), false);
  assert.equal(freshSource(60_000), false);
  // An engine that cannot tell (Oracle) is read during the hold, as before.
  assert.equal(freshSource(undefined), false);
  assert.equal(freshSource(400, { ...GROUPING, backlogBehindMs: 300 }), false);
});

/** A stream that records, in order, its pause and resume calls and when each came (ms after `t0`). */
function recordingStream(calls: string[], at: number[] = [], t0 = Date.now()) {
  return {
    pauseReading: () => { calls.push('pause'); at.push(Date.now() - t0); },
    resumeReading: () => { calls.push('resume'); at.push(Date.now() - t0); },
  };
}

test('the exporter\'s hold stops reading the source only for a fresh group, reads again before it ends, and always reads again', async () => {
  const never = new AbortController().signal;
  const c = { ...GROUPING, readAheadMs: 15 };
  // Fresh: the reads stop as the hold begins and start again readAheadMs before its end (what
  // waited in the connection is read by then and goes with the group).
  const calls: string[] = [];
  const at: number[] = [];
  const t0 = Date.now();
  const fresh = holdGroup(recordingStream(calls, at, t0), 5, 50, never, c);
  assert.deepEqual(calls, ['pause']);
  assert.equal(await fresh, true);
  const ended = Date.now() - t0;
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.ok(at[1]! >= 50 - 15 - 1 && at[1]! < ended, `resumed at ${at[1]} ms of a hold that ended at ${ended} ms`);
  assert.ok(ended - at[1]! >= 14, `read for ${ended - at[1]!} ms before the hold ended`);
  assert.ok(ended >= 49, `the hold lasted ${ended} ms`);
  const stream = recordingStream(calls);
  // Behind (a backlog), or an engine that does not tell: read during the hold, which still lasts.
  for (const behind of [GROUPING.backlogBehindMs, 60_000, undefined]) {
    calls.length = 0;
    const t1 = Date.now();
    assert.equal(await holdGroup(stream, behind, 20, never, c), false);
    assert.ok(Date.now() - t1 >= 19, `the hold lasted ${Date.now() - t1} ms`);
    assert.deepEqual(calls, [], `sourceBehindMs ${behind}`);
  }
  // A hold no longer than the read-ahead is not worth stopping the reads for.
  assert.equal(await holdGroup(stream, 5, 15, never, c), false);
  assert.deepEqual(calls, []);
  // A stream that cannot pause is read during a fresh group's hold too.
  assert.equal(await holdGroup({}, 5, 30, never, c), false);
  // Aborted (Ctrl-C) during the hold: it ends at once and the reads resume, so stop() can read the server's end.
  const abort = new AbortController();
  const t2 = Date.now();
  const held = holdGroup(stream, 5, 60_000, abort.signal, c);
  setTimeout(() => abort.abort(), 10);
  assert.equal(await held, true);
  assert.ok(Date.now() - t2 < 5_000, 'the abort ended the hold');
  assert.deepEqual(calls, ['pause', 'resume']);
});

test('a value too large for one string stops the stream with TANDEM_UNSUPPORTED instead of reconnecting for ever; other errors are left to the reconnection', () => {
  // The errors Node.js itself raises (the exploratory run's 300 MB bytea: ERR_STRING_TOO_LONG).
  const caught = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected an error');
  };
  const tooLong = caught(() => Buffer.allocUnsafe(0x1fffffe8 + 1).toString('latin1'));
  const e = valueTooLargeError(tooLong, 'source');
  assert.equal(e?.code, 'TANDEM_UNSUPPORTED');
  assert.match(e!.message, /^A change on the source holds a value too large for Tandem to carry \(Cannot create a string longer than 0x1fffffe8 characters\): .*a bytea of more than about 256 MB\)\. The stream cannot get past it/);
  assert.match(e!.hint ?? '', /--exclude-table-list.*new snapshot/);
  assert.equal(valueTooLargeError(caught(() => 'x'.repeat(2 ** 30)), 'target')?.code, 'TANDEM_UNSUPPORTED');
  assert.equal(valueTooLargeError(new Error('Connection terminated unexpectedly'), 'source'), undefined);
  assert.equal(valueTooLargeError(caught(() => new Array(-1)), 'source'), undefined, 'another RangeError');
});
