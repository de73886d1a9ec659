import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TandemError } from '../../../src/core/errors.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { EventQueueReader } from '../../../src/core/queue/event-queue-reader.js';
import { QueueConsumers } from '../../../src/core/queue/queue-consumers.js';
import { SegmentArchiver, filesystemUsedPercent } from '../../../src/core/queue/segment-archiver.js';
import { listSegments } from '../../../src/core/queue/queue-tables.js';
import { inserts, pos, tempQueue } from './queue-fixtures.js';

/** A queue with closed segments of 10 events each (vsn 1..10, 11..20, …) and an open last one. */
async function queueWithSegments(closed: number) {
  const q = tempQueue();
  const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 500 });
  for (let i = 0; i < closed; i++) await w.append(inserts(10, i * 10 + 1), pos(i));
  await w.append(inserts(1, closed * 10 + 1), pos(closed)); // stays open (under 500 bytes)
  await w.close();
  const segs = listSegments(q.meta);
  assert.equal(segs.length, closed + 1);
  assert.equal(segs.at(-1)!.status, 'open');
  return q;
}

test('consumers: register keeps the watermark, it never moves back, min over all', () => {
  const q = tempQueue();
  assert.equal(QueueConsumers.minAppliedVsn(q.meta), undefined);
  QueueConsumers.register(q.meta, 'target');
  assert.equal(QueueConsumers.appliedVsn(q.meta, 'target'), 0);
  QueueConsumers.setAppliedVsn(q.meta, 'target', 50);
  QueueConsumers.setAppliedVsn(q.meta, 'target', 40);
  QueueConsumers.register(q.meta, 'target');
  assert.equal(QueueConsumers.appliedVsn(q.meta, 'target'), 50);
  QueueConsumers.register(q.meta, 'source', 20);
  assert.equal(QueueConsumers.minAppliedVsn(q.meta), 20);
  assert.deepEqual(QueueConsumers.list(q.meta).map((c) => [c.name, c.appliedVsn]), [['source', 20], ['target', 50]]);
  QueueConsumers.unregister(q.meta, 'source');
  assert.equal(QueueConsumers.minAppliedVsn(q.meta), 50);
  assert.equal(QueueConsumers.appliedVsn(q.meta, 'nobody'), undefined);
});

test('archive: nothing moves without a registered consumer', async () => {
  const q = await queueWithSegments(3);
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  const r = await new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest }).runOnce();
  assert.deepEqual(r.actions, []);
  assert.equal(r.minAppliedVsn, undefined);
  assert.ok(listSegments(q.meta).every((s) => s.status === 'closed' || s.status === 'open'));
});

test('archive: moves only closed segments every consumer has applied, never the open one', async () => {
  const q = await queueWithSegments(4);
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  const original = readFileSync(join(q.queueDir, 'segment.1.ndjson'));
  QueueConsumers.setAppliedVsn(q.meta, 'target', 25);
  QueueConsumers.setAppliedVsn(q.meta, 'source', 19); // the slowest one decides
  const archiver = new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest });
  const r = await archiver.runOnce();
  assert.deepEqual(r.actions.map((a) => a.segment.segmentNo), [1]);
  assert.equal(r.actions[0]!.bytesFreed, original.length);
  assert.deepEqual(readFileSync(join(dest, 'segment.1.ndjson')), original);
  assert.equal(existsSync(join(q.queueDir, 'segment.1.ndjson')), false);
  assert.equal(existsSync(join(q.queueDir, 'segment.2.ndjson')), true);
  const seg1 = listSegments(q.meta)[0]!;
  assert.equal(seg1.status, 'archived');
  assert.equal(seg1.archivedTo, join(dest, 'segment.1.ndjson'));

  // consumers far ahead of everything: all closed segments go, the open one stays
  QueueConsumers.setAppliedVsn(q.meta, 'source', 1000);
  QueueConsumers.setAppliedVsn(q.meta, 'target', 1000);
  const r2 = await archiver.runOnce();
  assert.deepEqual(r2.actions.map((a) => a.segment.segmentNo), [2, 3, 4]);
  const last = listSegments(q.meta).at(-1)!;
  assert.equal(last.status, 'open');
  assert.equal(existsSync(join(q.queueDir, last.fileName)), true);
  assert.deepEqual((await new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest }).runOnce()).actions, []);
});

test('a reader that still needs an archived segment gets an error naming where it went', async () => {
  const q = await queueWithSegments(3);
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  QueueConsumers.setAppliedVsn(q.meta, 'target', 20);
  await new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest }).runOnce();
  const reader = new EventQueueReader(q.queueDir, q.meta);
  await assert.rejects(async () => { for await (const _ of reader.read(5)) { /* drain */ } },
    (e: unknown) => e instanceof TandemError && e.message.includes('segment 1') && e.message.includes(join(dest, 'segment.1.ndjson')));
  const rest: number[] = [];
  for await (const b of reader.read(20)) rest.push(...b.map((e) => e.vsn));
  assert.deepEqual(rest, Array.from({ length: 11 }, (_, i) => 21 + i));
});

test('delete policy: deletes applied segments only while the filesystem is over the threshold', async () => {
  const q = await queueWithSegments(4);
  QueueConsumers.setAppliedVsn(q.meta, 'target', 1000);
  let used = 60;
  const fsUsedPercent = async () => used;
  const below = await new SegmentArchiver(q.queueDir, q.meta, { kind: 'delete', fsUtilizationThreshold: 70 }, { fsUsedPercent }).runOnce();
  assert.deepEqual(below.actions, []);
  assert.equal(below.eligible, 4);
  assert.equal(below.fsUsedPercent, 60);

  // over the threshold: each deletion frees 5 points, so two deletions bring it down to 70
  used = 80;
  const archiver = new SegmentArchiver(q.queueDir, q.meta, { kind: 'delete', fsUtilizationThreshold: 70 }, {
    fsUsedPercent: async () => used,
  });
  const freed: number[] = [];
  const r = await archiver.runOnce((a) => { freed.push(a.bytesFreed); used -= 5; });
  assert.deepEqual(r.actions.map((a) => [a.segment.segmentNo, a.action]), [[1, 'deleted'], [2, 'deleted']]);
  assert.ok(freed.every((b) => b > 0));
  assert.equal(existsSync(join(q.queueDir, 'segment.1.ndjson')), false);
  assert.equal(existsSync(join(q.queueDir, 'segment.3.ndjson')), true);
  assert.deepEqual(listSegments(q.meta).map((s) => s.status), ['deleted', 'deleted', 'closed', 'closed', 'open']);
});

test('a file left behind by a crash after meta.db was updated is removed by the next pass', async () => {
  const q = await queueWithSegments(2);
  q.meta.db.prepare("UPDATE queue_segments SET status = 'deleted' WHERE segment_no = 1").run();
  assert.equal(existsSync(join(q.queueDir, 'segment.1.ndjson')), true);
  await new SegmentArchiver(q.queueDir, q.meta, { kind: 'delete', fsUtilizationThreshold: 70 }).runOnce();
  assert.equal(existsSync(join(q.queueDir, 'segment.1.ndjson')), false);
});

test('archive copies only the committed bytes of a segment', async () => {
  const q = await queueWithSegments(2);
  const file = join(q.queueDir, 'segment.1.ndjson');
  const committed = statSync(file).size;
  writeFileSync(file, '{"vsn":999,"op":"c"', { flag: 'a' }); // junk that no commit recorded
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  QueueConsumers.setAppliedVsn(q.meta, 'target', 10);
  await new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest }).runOnce();
  assert.equal(statSync(join(dest, 'segment.1.ndjson')).size, committed);
});

test('filesystemUsedPercent reads the filesystem of a path', async () => {
  const p = await filesystemUsedPercent(tmpdir());
  assert.ok(p >= 0 && p <= 100, String(p));
});

test('archive: an archive dir removed while archive changes runs is TANDEM_USAGE naming it, the segment kept in the export dir as not yet moved (measured before: an internal error, exit 70)', async () => {
  const q = await queueWithSegments(2);
  const dest = join(mkdtempSync(join(tmpdir(), 'tandem-archive-')), 'gone');
  QueueConsumers.setAppliedVsn(q.meta, 'target', 25);
  const archiver = new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest });
  await assert.rejects(archiver.runOnce(), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE'
    && e.message === `The archive directory ${dest} no longer exists (it was removed while archive changes ran): segment.1.ndjson stays in the export dir, not yet moved (nothing is lost).`
    && e.hint === `Create it again (mkdir -p ${dest}) or name another directory with --move-to, then rerun archive changes.`);
  assert.equal(listSegments(q.meta)[0]!.status, 'closed');
  assert.ok(existsSync(join(q.queueDir, 'segment.1.ndjson')));
});

test('archive: a full archive dir is TANDEM_DISK naming the archive dir, not the export dir; the segment kept, its partial copy removed (measured before: "the export dir\'s disk is full", fix "run archive changes")', {
  skip: process.getuid?.() === 0 ? false : 'mounting a tiny tmpfs to fill needs root',
}, async () => {
  const q = await queueWithSegments(2);
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', dest]);
  try {
    writeFileSync(join(dest, 'filler'), Buffer.alloc(4096)); // the one page of the file system
    QueueConsumers.setAppliedVsn(q.meta, 'target', 25);
    const archiver = new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest });
    await assert.rejects(archiver.runOnce(), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DISK'
      && e.message === `The archive directory ${dest} is full (ENOSPC) while moving segment.1.ndjson there: segment.1.ndjson stays in the export dir, not yet moved (nothing is lost).`
      && e.hint === `Free space in ${dest} (or name another directory with --move-to), then rerun archive changes.`);
    assert.equal(listSegments(q.meta)[0]!.status, 'closed');
    assert.ok(existsSync(join(q.queueDir, 'segment.1.ndjson')));
    assert.ok(!existsSync(join(dest, 'segment.1.ndjson.partial')), 'no partial copy left');
  } finally {
    execFileSync('umount', [dest]);
  }
});

test('a segment whose file went first (a full disk) and whose run stopped before marking it: the next pass marks it, archived where its whole copy is, deleted otherwise', async () => {
  const q = await queueWithSegments(3);
  const dest = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  QueueConsumers.setAppliedVsn(q.meta, 'target', 1000);
  // Segment 1: copied whole, then removed, not marked (the full-disk order, stopped in between).
  const seg1 = listSegments(q.meta)[0]!;
  writeFileSync(join(dest, seg1.fileName), readFileSync(join(q.queueDir, seg1.fileName)).subarray(0, seg1.committedBytes));
  execFileSync('rm', [join(q.queueDir, seg1.fileName)]);
  const r = await new SegmentArchiver(q.queueDir, q.meta, { kind: 'archive', archiveDir: dest }).runOnce();
  assert.deepEqual(r.actions.map((a) => [a.segment.segmentNo, a.action, a.bytesFreed === 0]), [[1, 'archived', true], [2, 'archived', false], [3, 'archived', false]]);
  assert.equal(listSegments(q.meta)[0]!.archivedTo, join(dest, seg1.fileName));
  // The rerun given another archive directory (the copy is in the first one): recorded as gone, no error.
  const q3 = await queueWithSegments(2);
  QueueConsumers.setAppliedVsn(q3.meta, 'target', 1000);
  execFileSync('rm', [join(q3.queueDir, listSegments(q3.meta)[0]!.fileName)]);
  const elsewhere = mkdtempSync(join(tmpdir(), 'tandem-archive-'));
  const r3 = await new SegmentArchiver(q3.queueDir, q3.meta, { kind: 'archive', archiveDir: elsewhere }).runOnce();
  assert.deepEqual(r3.actions.map((a) => [a.segment.segmentNo, a.action]), [[1, 'deleted'], [2, 'archived']]);
  assert.deepEqual(listSegments(q3.meta).map((s) => s.status), ['deleted', 'archived', 'open']);
  // Delete policy: a closed segment without its file is marked deleted.
  const q2 = await queueWithSegments(2);
  QueueConsumers.setAppliedVsn(q2.meta, 'target', 1000);
  execFileSync('rm', [join(q2.queueDir, listSegments(q2.meta)[0]!.fileName)]);
  const r2 = await new SegmentArchiver(q2.queueDir, q2.meta, { kind: 'delete', fsUtilizationThreshold: 0 }, { fsUsedPercent: async () => 99 }).runOnce();
  assert.deepEqual(r2.actions.map((a) => [a.segment.segmentNo, a.action, a.bytesFreed]), [[1, 'deleted', 0], [2, 'deleted', r2.actions[1]!.bytesFreed]]);
  assert.ok(r2.actions[1]!.bytesFreed > 0);
  assert.deepEqual(listSegments(q2.meta).map((s) => s.status), ['deleted', 'deleted', 'open']);
});
