/**
 * The streaming exporter's warning before the change queue fills the export dir's disk: what it
 * counts (queued bytes, and what `archive changes` could free now) and when it speaks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { QueueConsumers } from '../../../src/core/queue/queue-consumers.js';
import { CommandLock } from '../../../src/core/lock.js';
import { queueSpace, queueSpaceWarning, type QueueSpace } from '../../../src/workflow/cdc/queue-space.js';
import { tempQueue, inserts, pos } from '../queue/queue-fixtures.js';

test('queueSpace counts the segments still in the export dir, and as freeable the closed ones every importer has applied', async () => {
  const q = tempQueue();
  const metainfo = join(q.root, 'metainfo');
  try {
    const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 500 });
    for (let i = 0; i < 4; i++) await w.append(inserts(10, i * 10 + 1), pos(i)); // four closed segments of 10 events
    await w.append(inserts(1, 41), pos(4)); // the open one
    await w.close();
    let s = queueSpace(q.meta, metainfo, 50);
    assert.ok(s.queuedBytes > 2000, String(s.queuedBytes));
    assert.equal(s.freeableBytes, 0, 'no importer registered: nothing can be freed');
    assert.equal(s.archiverRunning, false);

    QueueConsumers.setAppliedVsn(q.meta, 'target', 25);
    s = queueSpace(q.meta, metainfo, 50);
    const perSegment = s.queuedBytes / 4.1; // four segments of 10 events and one of 1, the same sizes per event
    assert.ok(Math.abs(s.freeableBytes - 2 * perSegment) < perSegment / 2, `two segments freeable: ${s.freeableBytes} of ${s.queuedBytes}`);

    const lock = new CommandLock(metainfo, 'archive-changes');
    lock.acquire();
    try {
      assert.equal(queueSpace(q.meta, metainfo, 50).archiverRunning, true);
    } finally {
      lock.release();
    }
  } finally {
    q.meta.close();
  }
});

test('queueSpaceWarning speaks from 80% and again at every 5 more points, and says how to free the queue', () => {
  const space = (usedPercent: number, archiverRunning = false): QueueSpace => ({ usedPercent, queuedBytes: 12.5 * 1024 ** 3, freeableBytes: 11 * 1024 ** 3, archiverRunning });
  assert.deepEqual(queueSpaceWarning(space(79.9), undefined, '/exp'), { warnedAt: undefined });
  const first = queueSpaceWarning(space(81), undefined, '/exp');
  assert.equal(first.warnedAt, 80);
  assert.equal(first.message, 'the export dir\'s disk is 81% full; the change queue holds 12.5 GB in it, 11.0 GB of that in closed segments every importer has applied (what "archive changes" can free; the segment being written is freed only once it is full and closed). '
    + 'Start "tandem archive changes --export-dir /exp --move-to <dir on another disk>" (or --delete-changes-without-archiving true) to free it as the importers apply it. '
    + 'If the disk fills, streaming pauses until there is room again (nothing is lost).');
  assert.equal(queueSpaceWarning(space(84), 80, '/exp').message, undefined, 'not again within the same 5 points');
  const again = queueSpaceWarning(space(86, true), 80, '/exp');
  assert.equal(again.warnedAt, 85);
  assert.match(again.message!, /^the export dir's disk is 86% full while "archive changes" runs; .* The rest waits for the importers to apply it\./);
  // Below the threshold the count starts over.
  assert.deepEqual(queueSpaceWarning(space(60), 85, '/exp'), { warnedAt: undefined });
  assert.equal(queueSpaceWarning(space(80), undefined, '/exp').warnedAt, 80);
});
