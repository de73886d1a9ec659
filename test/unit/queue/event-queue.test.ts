import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChangeEvent, UnnumberedChangeEvent } from '../../../src/core/change-event.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { TandemError } from '../../../src/core/errors.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { EventQueueReader } from '../../../src/core/queue/event-queue-reader.js';
import { listSegments, readQueueState } from '../../../src/core/queue/queue-tables.js';
import { inserts, pos, tempQueue } from './queue-fixtures.js';

async function readAll(reader: EventQueueReader, after = 0, batchSize = 1000): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for await (const batch of reader.read(after, { batchSize })) out.push(...batch);
  return out;
}

test('append and read round-trip: multi-byte text, NULL vs empty string vs absent column', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  const events: UnnumberedChangeEvent[] = [
    { op: 'c', schema: 'public', table: 'straße', key: { id: '1' }, after: { id: '1', name: 'Zoë 😀 日本語', note: null, empty: '' }, position: pos(1), txId: '7' },
    { op: 'u', schema: 'public', table: 'straße', key: { id: '1' }, after: { name: 'line\nbreak "quoted" \\ back' }, position: pos(1), txId: '7' },
    { op: 'd', schema: 'public', table: 'straße', key: { id: '1' }, position: pos(2), txId: '8' },
    { op: 't', schema: 'public', table: 'other', key: {}, position: pos(2), txId: '8' },
  ];
  const r = await w.append(events, pos(2));
  assert.deepEqual(r, { firstVsn: 1, lastVsn: 4 });
  const got = await readAll(new EventQueueReader(q.queueDir, q.meta));
  assert.deepEqual(got, events.map((e, i) => ({ vsn: i + 1, ...e })));
  assert.equal(got[0]!.after!.note, null);
  assert.equal(got[0]!.after!.empty, '');
  assert.ok(!('note' in got[1]!.after!), 'an absent column stays absent');
  assert.ok(!('after' in got[2]!));
  const counts = EventQueueWriter.exportedCounts(q.meta);
  assert.deepEqual(counts.get('public.straße'), { inserts: 1, updates: 1, deletes: 1 });
  // one JSON object per line, vsn first
  const lines = readFileSync(join(q.queueDir, 'segment.1.ndjson'), 'utf8').split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '');
  assert.match(lines[0]!, /^\{"vsn":1,"op":"c"/);
  await w.close();
});

test('lines cut by the reader\'s 1 MiB reads: multi-byte text on every byte boundary, a line longer than a read', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  const events: UnnumberedChangeEvent[] = [];
  // Lines of odd lengths full of 2-, 3- and 4-byte characters: chunk edges fall inside characters.
  for (let i = 0; i < 12_000; i++) {
    events.push({ op: 'c', schema: 'public', table: 'straße', key: { id: String(i) }, after: { id: String(i), t: 'é😀日'.repeat(1 + (i % 17)) + 'x'.repeat(i % 7) }, position: pos(1), txId: '1' });
    if (i === 6000) events.push({ op: 'u', schema: 'public', table: 'straße', key: { id: '1' }, after: { t: 'Ω'.repeat(1_500_000) }, position: pos(1), txId: '1' });
  }
  await w.append(events, pos(1));
  await w.close();
  const expected = events.map((e, i) => ({ vsn: i + 1, ...e }));
  const got = await readAll(new EventQueueReader(q.queueDir, q.meta));
  assert.equal(got.length, expected.length);
  assert.deepEqual(got, expected);
  assert.deepEqual(await readAll(new EventQueueReader(q.queueDir, q.meta), 5999), expected.slice(5999));
});

test('vsn continues across reopen; position is kept; an empty append records only the position', async () => {
  const q = tempQueue();
  let w = EventQueueWriter.open(q.queueDir, q.meta);
  assert.equal(w.lastVsn, 0);
  assert.equal(w.lastPosition, undefined);
  await w.append(inserts(3), pos(10));
  await w.append([], pos(11));
  assert.equal(w.lastPosition, pos(11));
  await assert.rejects(w.append(inserts(1), pos(5)), /backwards/);
  await w.close();
  w = EventQueueWriter.open(q.queueDir, q.meta);
  assert.equal(w.lastVsn, 3);
  assert.equal(w.lastPosition, pos(11));
  assert.deepEqual(await w.append(inserts(2, 4), pos(12)), { firstVsn: 4, lastVsn: 5 });
  await w.close();
  // another connection (as another process would) sees the same state
  const other = MetaStore.open(q.metaPath);
  assert.deepEqual(readQueueState(other), { lastVsn: 5, lastPositions: { source: pos(12) } });
  assert.deepEqual((await readAll(new EventQueueReader(q.queueDir, other))).map((e) => e.vsn), [1, 2, 3, 4, 5]);
  other.close();
});

test('positions are kept per exporter: the target exporter continues the queue with positions of its own, each ordered only among its own', async () => {
  const q = tempQueue();
  let w = EventQueueWriter.open(q.queueDir, q.meta); // the source's exporter
  await w.append(inserts(2), 'FFFF000000000010');
  await w.close();
  // After a cutover the target's exporter appends positions of another database: lower as text, and fine.
  w = EventQueueWriter.open(q.queueDir, q.meta, { exporter: 'target' });
  assert.equal(w.lastVsn, 2);
  assert.equal(w.lastPosition, undefined, 'the source\'s position is not the target\'s');
  assert.deepEqual(await w.append(inserts(1, 3), '0000000000000005'), { firstVsn: 3, lastVsn: 3 });
  await w.append([], '0000000000000006');
  await assert.rejects(w.append(inserts(1, 4), '0000000000000004'), /target exporter went backwards: 0000000000000004 after 0000000000000006/);
  await w.close();
  assert.deepEqual(readQueueState(q.meta), { lastVsn: 3, lastPositions: { source: 'FFFF000000000010', target: '0000000000000006' } });
  w = EventQueueWriter.open(q.queueDir, q.meta, { exporter: 'target' });
  assert.equal(w.lastPosition, '0000000000000006');
  await w.close();
  w = EventQueueWriter.open(q.queueDir, q.meta);
  assert.equal(w.lastPosition, 'FFFF000000000010');
  await w.close();
  assert.deepEqual((await readAll(new EventQueueReader(q.queueDir, q.meta))).map((e) => e.vsn), [1, 2, 3]);
});

test('an export dir of an earlier Tandem: its single last position is the target\'s when it starts with T, else the source\'s', async () => {
  const legacy = (last: string) => {
    const q = tempQueue();
    q.meta.db.exec(`CREATE TABLE queue_state (id INTEGER PRIMARY KEY CHECK (id = 1), last_vsn INTEGER NOT NULL, last_position TEXT, updated_at TEXT NOT NULL);
                    INSERT INTO queue_state VALUES (1, 7, '${last}', '2026-11-01T00:00:00.000Z');`);
    return q;
  };
  const afterCutover = legacy('T0000000000A1B2C3');
  assert.deepEqual(readQueueState(afterCutover.meta), { lastVsn: 7, lastPositions: { target: '0000000000A1B2C3' } });
  let w = EventQueueWriter.open(afterCutover.queueDir, afterCutover.meta, { exporter: 'target' });
  assert.equal(w.lastPosition, '0000000000A1B2C3');
  assert.deepEqual(await w.append(inserts(1, 8), '0000000000A1B2D0'), { firstVsn: 8, lastVsn: 8 });
  await w.close();
  assert.deepEqual(readQueueState(afterCutover.meta), { lastVsn: 8, lastPositions: { target: '0000000000A1B2D0' } });

  const beforeCutover = legacy('00000016B374D848');
  assert.deepEqual(readQueueState(beforeCutover.meta), { lastVsn: 7, lastPositions: { source: '00000016B374D848' } });
  w = EventQueueWriter.open(beforeCutover.queueDir, beforeCutover.meta, { exporter: 'target' });
  assert.equal(w.lastPosition, undefined, 'the target\'s exporter has not appended yet');
  await w.close();
  w = EventQueueWriter.open(beforeCutover.queueDir, beforeCutover.meta);
  assert.equal(w.lastPosition, '00000016B374D848');
  await assert.rejects(w.append(inserts(1, 8), '00000016B374D840'), /backwards/);
  await w.close();
});

test('concurrent appends are serialised and numbered without gaps', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  const results = await Promise.all([1, 2, 3, 4].map((i) => w.append(inserts(10), pos(i))));
  assert.deepEqual(results.map((r) => r.firstVsn), [1, 11, 21, 31]);
  assert.deepEqual((await readAll(new EventQueueReader(q.queueDir, q.meta))).map((e) => e.vsn), Array.from({ length: 40 }, (_, i) => i + 1));
  await w.close();
});

test('crash: a torn tail beyond the committed size is never read and is truncated on reopen', async () => {
  const q = tempQueue();
  let w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(5), pos(1));
  await w.close();
  const file = join(q.queueDir, 'segment.1.ndjson');
  const committed = statSync(file).size;
  // what a crash between write and commit leaves: whole uncommitted lines plus half a line
  appendFileSync(file, '{"vsn":6,"op":"c","schema":"public","table":"t","key":{"id":"6"},"position":"x","txId":"1"}\n{"vsn":7,"op":"c","sch');
  const reader = new EventQueueReader(q.queueDir, q.meta);
  assert.deepEqual((await readAll(reader)).map((e) => e.vsn), [1, 2, 3, 4, 5], 'the reader stops at the committed size');
  w = EventQueueWriter.open(q.queueDir, q.meta);
  assert.equal(statSync(file).size, committed, 'reopen truncates to the committed size');
  assert.equal(w.lastVsn, 5);
  await w.append(inserts(2, 6), pos(2));
  assert.deepEqual((await readAll(reader)).map((e) => e.vsn), [1, 2, 3, 4, 5, 6, 7]);
  await w.close();
});

test('crash: a segment file that no commit recorded is removed on open', async () => {
  const q = tempQueue();
  let w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 100 });
  await w.append(inserts(2), pos(1)); // closes segment 1 (over 100 bytes)
  await w.close();
  const orphan = join(q.queueDir, 'segment.2.ndjson');
  writeFileSync(orphan, '{"vsn":3,"op":"c"');
  w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 100 });
  assert.equal(existsSync(orphan), false);
  await w.append(inserts(1, 3), pos(2));
  assert.deepEqual((await readAll(new EventQueueReader(q.queueDir, q.meta))).map((e) => e.vsn), [1, 2, 3]);
  await w.close();
});

test('a missing or shortened committed segment file is an error, not silent loss', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(3), pos(1));
  await w.close();
  writeFileSync(join(q.queueDir, 'segment.1.ndjson'), '');
  assert.throws(() => EventQueueWriter.open(q.queueDir, q.meta), (e: unknown) => e instanceof TandemError && /committed bytes/.test(e.message));
  await assert.rejects(readAll(new EventQueueReader(q.queueDir, q.meta)), (e: unknown) => e instanceof TandemError && /before its committed size/.test(e.message));
});

test('rotation: segments close at the size limit and the reader crosses them, from any start', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 1000 });
  for (let i = 0; i < 30; i++) await w.append(inserts(4, i * 4 + 1), pos(i));
  const segments = listSegments(q.meta);
  assert.ok(segments.length > 5, `expected several segments, got ${segments.length}`);
  assert.ok(segments.slice(0, -1).every((s) => s.status === 'closed'));
  assert.equal(segments.reduce((n, s) => n + s.eventCount, 0), 120);
  for (let i = 1; i < segments.length; i++) assert.equal(segments[i]!.firstVsn, segments[i - 1]!.lastVsn! + 1);
  const reader = new EventQueueReader(q.queueDir, q.meta);
  assert.deepEqual((await readAll(reader, 0, 7)).map((e) => e.vsn), Array.from({ length: 120 }, (_, i) => i + 1));
  for (const after of [1, 37, 59, 119, 120]) {
    const got = await readAll(reader, after, 13);
    assert.deepEqual(got.map((e) => e.vsn), Array.from({ length: 120 - after }, (_, i) => after + i + 1), `after ${after}`);
  }
  await w.close();
});

test('follow mode sees later appends across rotation and ends when the signal fires', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 500 });
  await w.append(inserts(2), pos(0));
  const ac = new AbortController();
  const seen: number[] = [];
  const done = (async () => {
    const reader = new EventQueueReader(q.queueDir, MetaStore.open(q.metaPath));
    for await (const batch of reader.read(0, { follow: true, signal: ac.signal, pollMs: 20 })) {
      seen.push(...batch.map((e) => e.vsn));
      if (seen.length >= 50) ac.abort();
    }
  })();
  for (let i = 0; i < 16; i++) {
    await new Promise((r) => setTimeout(r, 5));
    await w.append(inserts(3, w.lastVsn + 1), pos(i + 1));
  }
  await done;
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i + 1));
  assert.ok(listSegments(q.meta).length > 2);
  await w.close();
});

test('a follow reader sees what a writer in another process appends', async () => {
  const q = tempQueue();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./queue-writer-child.js', import.meta.url)), q.queueDir, q.metaPath, '20', '25', '10'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const ac = new AbortController();
  const seen: ChangeEvent[] = [];
  const timer = setTimeout(() => ac.abort(), 20_000);
  for await (const batch of new EventQueueReader(q.queueDir, q.meta).read(0, { follow: true, signal: ac.signal, pollMs: 20 })) {
    seen.push(...batch);
    if (seen.length >= 500) ac.abort();
  }
  clearTimeout(timer);
  assert.equal(await exited, 0, stderr);
  assert.equal(seen.length, 500);
  assert.deepEqual(seen.map((e) => e.vsn), Array.from({ length: 500 }, (_, i) => i + 1));
  assert.deepEqual(seen.map((e) => e.key.id), Array.from({ length: 500 }, (_, i) => String(i + 1)));
  assert.ok(listSegments(q.meta).length > 1, 'the child rotated segments while we followed');
});

test('a follow reader is woken by the writer\'s commit, not by its poll', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(1), pos(0));
  const ac = new AbortController();
  const arrivals: number[] = [];
  let appendedAt = 0;
  const reader = new EventQueueReader(q.queueDir, MetaStore.open(q.metaPath));
  const timer = setTimeout(() => ac.abort(), 30_000);
  // A 60 s poll: only the commit's notification can deliver the second append in time.
  for await (const batch of reader.read(0, { follow: true, signal: ac.signal, pollMs: 60_000 })) {
    for (const e of batch) arrivals.push(e.vsn);
    if (arrivals.length === 1) {
      setTimeout(() => {
        appendedAt = Date.now();
        void w.append(inserts(1, 2), pos(1));
      }, 50);
    }
    if (arrivals.length >= 2) ac.abort();
  }
  clearTimeout(timer);
  const lagMs = Date.now() - appendedAt;
  assert.deepEqual(arrivals, [1, 2]);
  assert.ok(lagMs < 10_000, `the second event arrived ${lagMs} ms after its append`);
  await w.close();
});

test('reading a segment that archive changes moved or deleted fails and names it', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 200 });
  for (let i = 0; i < 4; i++) await w.append(inserts(2, i * 2 + 1), pos(i));
  await w.close();
  q.meta.db.prepare("UPDATE queue_segments SET status = 'archived', archived_to = '/backup/segment.1.ndjson' WHERE segment_no = 1").run();
  q.meta.db.prepare("UPDATE queue_segments SET status = 'deleted' WHERE segment_no = 2").run();
  const reader = new EventQueueReader(q.queueDir, q.meta);
  await assert.rejects(readAll(reader, 0), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR' && /segment 1 .*moved to \/backup\/segment\.1\.ndjson/.test(e.message));
  await assert.rejects(readAll(reader, 2), (e: unknown) => e instanceof TandemError && /segment 2 .*deleted/.test(e.message));
  assert.deepEqual((await readAll(reader, 4)).map((e) => e.vsn), [5, 6, 7, 8], 'what is still needed reads fine');
});

test('bounded memory: reading 1,000,000 events keeps the heap small', { timeout: 120_000 }, async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 16 * 1024 * 1024 });
  const N = 1_000_000;
  const BATCH = 10_000;
  for (let i = 0; i < N; i += BATCH) await w.append(inserts(BATCH, i + 1), pos(i));
  await w.close();
  let count = 0;
  let maxHeap = 0;
  let last = 0;
  for await (const batch of new EventQueueReader(q.queueDir, q.meta).read(0, { batchSize: 1000 })) {
    for (const e of batch) if (e.vsn !== ++last) assert.fail(`vsn ${e.vsn} after ${last - 1}`);
    count += batch.length;
    if (count % 50_000 === 0) maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
  }
  assert.equal(count, N);
  assert.ok(maxHeap < 100 * 1024 * 1024, `heap reached ${(maxHeap / 1048576).toFixed(1)} MB`);
});

test('an event passed in with an old vsn is renumbered, not duplicated', async () => {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta);
  await w.append(inserts(2), pos(1));
  const numbered = { vsn: 1, ...inserts(1, 3)[0]! } as UnnumberedChangeEvent;
  assert.deepEqual(await w.append([numbered], pos(2)), { firstVsn: 3, lastVsn: 3 });
  const got = await readAll(new EventQueueReader(q.queueDir, q.meta));
  assert.deepEqual(got.map((e) => [e.vsn, e.key.id]), [[1, '1'], [2, '2'], [3, '3']]);
  assert.equal(readFileSync(join(q.queueDir, 'segment.1.ndjson'), 'utf8').split('"vsn"').length - 1, 3);
  await w.close();
});
