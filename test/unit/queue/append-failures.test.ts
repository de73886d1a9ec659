/**
 * A queue append that fails at its write or at its meta.db commit leaves nothing behind (the tail
 * is cut back, nothing is recorded), and the writer goes on where it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TandemError } from '../../../src/core/errors.js';
import { resetFailpoints } from '../../../src/core/failpoint.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { listSegments, readQueueState } from '../../../src/core/queue/queue-tables.js';
import { inserts, pos, tempQueue } from './queue-fixtures.js';

/** Arms failpoints while `run` runs. */
function withFailpoints<T>(spec: string, run: () => Promise<T>): Promise<T> {
  process.env.TANDEM_FAILPOINTS = spec;
  resetFailpoints();
  return run().finally(() => {
    delete process.env.TANDEM_FAILPOINTS;
    resetFailpoints();
  });
}

test('a failed write records nothing and cuts the tail back; the writer goes on', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(2), pos(1));
  const file = join(q.queueDir, 'segment.1.ndjson');
  const committed = statSync(file).size;
  await w.close();

  await withFailpoints('queue.after-append-before-commit=error', async () => {
    const w2 = EventQueueWriter.open(q.queueDir, q.meta);
    await assert.rejects(w2.append(inserts(3, 3), pos(2)), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.code, 'TANDEM_EXPORT_DIR');
      assert.match(e.message, /Could not write the change queue file .*segment\.1\.ndjson: failpoint queue\.after-append-before-commit/);
      return true;
    });
    assert.equal(statSync(file).size, committed, 'the written bytes are cut back');
    assert.equal(readQueueState(q.meta).lastVsn, 2);
    assert.equal(w2.lastPosition, pos(1));
    await w2.close();
  });

  const w3 = EventQueueWriter.open(q.queueDir, q.meta);
  assert.deepEqual(await w3.append(inserts(3, 3), pos(2)), { firstVsn: 3, lastVsn: 5 });
  const vsns = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { vsn: number }).vsn);
  assert.deepEqual(vsns, [1, 2, 3, 4, 5]);
  await w3.close();
});

test('a failed commit rolls back, cuts the tail back, and the next append lands where it would have', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(2), pos(1));
  const file = join(q.queueDir, 'segment.1.ndjson');
  const committed = statSync(file).size;
  // Refuse the counts of one table: the append's transaction fails after its bytes are durable.
  q.meta.db.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON queue_table_counts WHEN NEW.table_key = 'public.boom'
                  BEGIN SELECT RAISE(ABORT, 'boom is refused'); END`);
  const boom = inserts(2, 10).map((e) => ({ ...e, table: 'boom' }));
  await assert.rejects(w.append(boom, pos(2)), /boom is refused/);
  assert.equal(statSync(file).size, committed);
  assert.equal(readQueueState(q.meta).lastVsn, 2);
  assert.equal(listSegments(q.meta)[0]!.committedBytes, committed);
  assert.deepEqual(await w.append(inserts(1, 3), pos(2)), { firstVsn: 3, lastVsn: 3 });
  assert.equal(listSegments(q.meta)[0]!.committedBytes, statSync(file).size);
  assert.equal(listSegments(q.meta)[0]!.eventCount, 3);
  await w.close();
});

test('appends not awaited one by one keep their order, fill and close segments, and survive a reopen', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 2000 });
  // Not awaited one by one: the writer serialises them.
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => w.append(inserts(5, i * 5 + 1), pos(i + 1))));
  assert.deepEqual(results.map((r) => r.firstVsn), Array.from({ length: 40 }, (_, i) => i * 5 + 1));
  await w.close();
  const segments = listSegments(q.meta);
  assert.ok(segments.length > 3, `${segments.length} segments`);
  let expected = 1;
  for (const s of segments) {
    const lines = readFileSync(join(q.queueDir, s.fileName), 'utf8').trimEnd().split('\n');
    assert.equal(statSync(join(q.queueDir, s.fileName)).size, s.committedBytes);
    for (const l of lines) assert.equal((JSON.parse(l) as { vsn: number }).vsn, expected++);
  }
  assert.equal(expected, 201);
  const again = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 2000 });
  assert.equal(again.lastVsn, 200);
  assert.equal(again.lastPosition, pos(40));
  await again.close();
});
