/**
 * Issue 8's queue rules: meta.db commits survive power loss (synchronous = FULL) before anything lets
 * a source forget; a marker and its record commit together or not at all; one writer per queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetaStore } from '../../../src/core/meta-store.js';
import { TandemError } from '../../../src/core/errors.js';
import { markerEvent } from '../../../src/core/change-event.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { readQueueState } from '../../../src/core/queue/queue-tables.js';
import { CutoverState } from '../../../src/workflow/cutover/cutover-state.js';
import { inserts, pos, tempQueue } from './queue-fixtures.js';

test('meta.db commits with synchronous = FULL (2) on every connection, so a commit is on disk when it returns', () => {
  const q = tempQueue();
  assert.equal(q.meta.db.pragma('synchronous', { simple: true }), 2);
  assert.equal(q.meta.db.pragma('journal_mode', { simple: true }), 'wal');
  const other = MetaStore.open(q.metaPath);
  assert.equal(other.db.pragma('synchronous', { simple: true }), 2);
  other.close();
});

test('a marker and its record commit together: when recording fails, the marker is not in the queue either', async () => {
  const q = tempQueue();
  CutoverState.request(q.meta, 'to_target', true);
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(3), pos(1));
  const committed = statSync(join(q.queueDir, 'segment.1.ndjson')).size;
  await assert.rejects(w.append([...inserts(2, 4), markerEvent('cutover_to_target', pos(2))], pos(2), () => {
    throw new Error('SQLITE_BUSY while recording the marker');
  }), /SQLITE_BUSY while recording the marker/);
  assert.equal(readQueueState(q.meta).lastVsn, 3, 'nothing of the append counts');
  assert.equal(statSync(join(q.queueDir, 'segment.1.ndjson')).size, committed, 'the tail is cut back');
  assert.equal(CutoverState.get(q.meta, 'to_target').markerVsn, undefined);
  // The source replays the transaction; the next append writes the marker once, recorded with it.
  const r = await w.append([...inserts(2, 4), markerEvent('cutover_to_target', pos(2))], pos(2), ({ lastVsn }) => CutoverState.setMarker(q.meta, 'to_target', lastVsn));
  assert.deepEqual(r, { firstVsn: 4, lastVsn: 6 });
  assert.equal(CutoverState.get(q.meta, 'to_target').markerVsn, 6);
  const markers = readFileSync(join(q.queueDir, 'segment.1.ndjson'), 'utf8').split('\n').filter((l) => l.includes('"op":"m"'));
  assert.equal(markers.length, 1);
  assert.match(markers[0]!, /^\{"vsn":6,"op":"m"/);
  await w.close();
});

test('one writer per queue: a second writer, in this process or another, gets TANDEM_LOCKED until the first closes', async () => {
  const q = tempQueue();
  const first = EventQueueWriter.open(q.queueDir, q.meta);
  assert.throws(() => EventQueueWriter.open(q.queueDir, q.meta), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_LOCKED');
    assert.match(e.message, /A change exporter \(the writer of this export dir's change queue\) is already running on this export dir \(pid \d+\)/);
    return true;
  });
  // Another process (as the other side's exporter would be) is refused too, and writes nothing.
  const child = spawn(process.execPath, [fileURLToPath(new URL('./queue-writer-child.js', import.meta.url)), q.queueDir, q.metaPath, '1', '5', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  assert.notEqual(code, 0);
  assert.match(stderr, /TANDEM_LOCKED|already running/);
  assert.equal(readQueueState(q.meta).lastVsn, 0);
  await first.append(inserts(2), pos(1));
  await first.close();
  const second = EventQueueWriter.open(q.queueDir, q.meta);
  assert.equal(second.lastVsn, 2);
  await second.close();
});
