/**
 * The stream exporter's account of a transaction handed over in parts: which of its events the
 * queue does not hold yet, on the first pass and when the source replays it after a crash or a
 * reconnection (cut into parts elsewhere), and when its record is cleared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransactionParts, alreadyQueued, type QueuedParts } from '../../../src/workflow/cdc/transaction-parts.js';
import type { CapturedTransaction } from '../../../src/core/engine/change-capture.js';
import type { UnnumberedChangeEvent } from '../../../src/core/change-event.js';

const ev = (id: number): UnnumberedChangeEvent => ({ op: 'u', schema: 'app', table: 't', key: { id: String(id) }, after: { id: String(id) }, position: '', txId: '' });
const ids = (events: readonly UnnumberedChangeEvent[]) => events.map((e) => Number(e.key.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** The transaction `txId` with events `from`..`to`, a part unless `last`. */
function tx(txId: string, from: number, to: number, last = false): CapturedTransaction {
  return { events: range(from, to).map(ev), position: last ? '0000000200' : '0000000100', txId, markers: [], ...(!last && { continues: true as const }) };
}

test('a part is queued when its position is strictly before the reached one (it may equal the transaction before it); a whole one at or before', () => {
  assert.equal(alreadyQueued(tx('7', 1, 2), '0000000100'), false, 'a part at the previous transaction\'s end is not queued yet');
  assert.equal(alreadyQueued(tx('7', 1, 2), '0000000200'), true, 'its whole transaction is queued');
  assert.equal(alreadyQueued(tx('7', 1, 2, true), '0000000200'), true);
  assert.equal(alreadyQueued(tx('7', 1, 2, true), '0000000199'), false);
  assert.equal(alreadyQueued(tx('7', 1, 2), undefined), false);
});

test('first pass: every event is new; each part is recorded after the queue\'s position then; the last part clears the record once its group commits', () => {
  const p = new TransactionParts(undefined);
  p.streamStarted();
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 3))), [1, 2, 3]);
  const r1 = p.partRecord(tx('7', 1, 3), 'A', 3);
  assert.deepEqual(r1, { txId: '7', after: 'A', events: 3 });
  p.partQueued(r1);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 4, 6))), [4, 5, 6]);
  const r2 = p.partRecord(tx('7', 4, 6), 'A', 3);
  assert.deepEqual(r2, { txId: '7', after: 'A', events: 6 });
  p.partQueued(r2);
  assert.equal(p.clearsRecord, false);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 7, 8, true))), [7, 8]);
  assert.equal(p.clearsRecord, true, 'the group holding the last part clears the record');
  // The next transactions may arrive before that group commits.
  assert.deepEqual(ids(p.unqueuedEvents({ ...tx('8', 9, 9, true), position: '0000000300' })), [9]);
  p.lastPartQueued();
  assert.equal(p.record, undefined);
  assert.equal(p.clearsRecord, false);
});

test('replayed after a crash, cut into other parts: the events the queue holds are skipped, the rest queued once', () => {
  const held: QueuedParts = { txId: '7', after: 'A', events: 5 };
  const p = new TransactionParts(held);
  p.streamStarted();
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 4))), [], 'held whole');
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 5, 8))), [6, 7, 8], 'held in part');
  assert.deepEqual(p.partRecord(tx('7', 5, 8), 'A', 3), { txId: '7', after: 'A', events: 8 });
  p.partQueued({ txId: '7', after: 'A', events: 8 });
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 9, 10, true))), [9, 10]);
});

test('replayed when the crash came after every part but before the last: the last part is all new, and may be empty', () => {
  const p = new TransactionParts({ txId: '7', after: 'A', events: 6 });
  p.streamStarted();
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 6))), []);
  assert.deepEqual(ids(p.unqueuedEvents({ ...tx('7', 7, 6, true), events: [] })), []);
  assert.equal(p.clearsRecord, true);
});

test('a reconnection in the middle replays from the first event again: counting starts over', () => {
  const p = new TransactionParts(undefined);
  p.streamStarted();
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 3))), [1, 2, 3]);
  p.partQueued(p.partRecord(tx('7', 1, 3), 'A', 3));
  // Events 4..6 were seen but their append failed (the connection dropped): not recorded.
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 4, 6))), [4, 5, 6]);
  p.streamStarted();
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 2))), []);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 3, 6))), [4, 5, 6]);
});

test('a reconnection after the last part was pending but not queued: the record stands and the replay skips what it holds', () => {
  const p = new TransactionParts({ txId: '7', after: 'A', events: 3 });
  p.streamStarted();
  p.unqueuedEvents(tx('7', 1, 3));
  p.unqueuedEvents(tx('7', 4, 5, true));
  assert.equal(p.clearsRecord, true);
  p.streamStarted();
  assert.equal(p.clearsRecord, false);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 5, true))), [4, 5]);
});

test('another transaction where the queue holds the first parts of one is a bug, never guessed at', () => {
  const p = new TransactionParts({ txId: '7', after: 'A', events: 3 });
  p.streamStarted();
  assert.throws(() => p.unqueuedEvents(tx('9', 1, 2)), /holds the first 3 events of source transaction 7, but the stream went on with transaction 9/);
});

test('a checkpoint (no events, no markers) where the queue holds the first parts of a transaction is skipped, not taken for another transaction', () => {
  const checkpoint: CapturedTransaction = { events: [], position: '0000000150', txId: '', markers: [] };
  const p = new TransactionParts({ txId: '7', after: 'A', events: 3 });
  p.streamStarted();
  assert.equal(p.skipsPositionOnly(checkpoint), true, 'an Oracle replay may come to a checkpoint the first pass did not take');
  assert.equal(p.skipsPositionOnly({ ...checkpoint, markers: ['cutover_to_target'] }), false, 'a marker is never skipped');
  assert.equal(p.skipsPositionOnly(tx('9', 1, 2, true)), false, 'another transaction with events is still a bug (unqueuedEvents says so)');
  assert.equal(p.skipsPositionOnly({ ...tx('7', 1, 3), events: [] }), false);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 1, 4))), [4]);
  assert.deepEqual(ids(p.unqueuedEvents(tx('7', 5, 5, true))), [5]);
  assert.equal(p.skipsPositionOnly(checkpoint), false, 'once the last part is pending, positions move again');
  assert.equal(new TransactionParts(undefined).skipsPositionOnly(checkpoint), false, 'nothing held: a checkpoint moves the position');
});
