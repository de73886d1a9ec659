import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyBatchPlanner, copyDataMessage, mergeIndexedBatches, planCopyBatches, type PlannedBatch } from '../../../src/core/copy-batch-planner.js';

/** Rows of varying size as a snapshot file holds them: one CopyData message each (empty rows too). */
function sampleRows(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => copyDataMessage(Buffer.from(i % 11 === 10 ? '' : `${i}\t${'x'.repeat((i * 37) % 300)}\n`)));
}

/** The batches a correct planner must find: rows grouped by `size`, offsets at message boundaries. */
function expectedBatches(rowLengths: number[], size: number): PlannedBatch[] {
  const out: PlannedBatch[] = [];
  let offset = 0;
  for (let i = 0; i < rowLengths.length; i += size) {
    const group = rowLengths.slice(i, i + size);
    const len = group.reduce((a, b) => a + b, 0);
    out.push({ batchNo: out.length + 1, startOffset: offset, endOffset: offset + len, rows: group.length });
    offset += len;
  }
  return out;
}

function planInChunks(data: Buffer, batchSize: number, chunkSize: number): PlannedBatch[] {
  const p = new CopyBatchPlanner(batchSize);
  for (let i = 0; i < data.length; i += chunkSize) p.push(data.subarray(i, i + chunkSize));
  return p.finish();
}

test('copyDataMessage frames a payload as a CopyData message', () => {
  assert.deepEqual([...copyDataMessage(Buffer.from('ab'))], [0x64, 0, 0, 0, 6, 0x61, 0x62]);
  assert.deepEqual([...copyDataMessage(Buffer.alloc(0))], [0x64, 0, 0, 0, 4]);
});

test('batch boundaries and row counts do not depend on how the bytes are chunked', () => {
  const rows = sampleRows(40);
  const file = Buffer.concat(rows);
  for (const batchSize of [1, 3, 7, 40, 1000]) {
    const want = expectedBatches(rows.map((r) => r.length), batchSize);
    // Every chunk size from 1 byte up puts chunk boundaries inside the message headers and the rows.
    for (let chunk = 1; chunk <= 64; chunk++) assert.deepEqual(planInChunks(file, batchSize, chunk), want, `batch ${batchSize}, chunk ${chunk}`);
    assert.deepEqual(planInChunks(file, batchSize, file.length), want);
  }
});

test('an empty file has no batches', () => {
  assert.deepEqual(planInChunks(Buffer.alloc(0), 10, 1), []);
  assert.deepEqual(new CopyBatchPlanner(10).finish(), []);
});

test('a truncated file throws, wherever it is cut inside a message', () => {
  const rows = sampleRows(6);
  const file = Buffer.concat(rows);
  const boundaries = new Set(rows.reduce<number[]>((acc, r) => [...acc, (acc[acc.length - 1] ?? 0) + r.length], [0]));
  for (let cut = 1; cut < file.length; cut++) {
    if (boundaries.has(cut)) {
      assert.equal(planInChunks(file.subarray(0, cut), 2, 5).reduce((s, b) => s + b.rows, 0), [...boundaries].filter((b) => b > 0 && b <= cut).length);
    } else {
      assert.throws(() => planInChunks(file.subarray(0, cut), 2, 5), /truncated/, `cut at ${cut}`);
    }
  }
});

test('anything but a CopyData message is refused as damage, with its offset', () => {
  const rows = sampleRows(3);
  const bad = Buffer.concat([rows[0]!, Buffer.from([0x51, 0, 0, 0, 4]), rows[1]!]);
  assert.throws(() => planInChunks(bad, 1, 100), new RegExp(`damaged: byte 0x51 at offset ${rows[0]!.length}`));
  assert.throws(() => planInChunks(bad, 1, 1), new RegExp(`damaged: byte 0x51 at offset ${rows[0]!.length}`));
  const shortLength = Buffer.from([0x64, 0, 0, 0, 3]);
  assert.throws(() => planInChunks(shortLength, 1, 2), /message length 3/);
  assert.throws(() => new CopyBatchPlanner(0), /at least 1/);
});

test('mergeIndexedBatches joins row-index entries into batches of about batchSize rows', () => {
  const index = [0, 1, 2, 3, 4].map((i) => ({ batchNo: i + 1, startOffset: i * 100, endOffset: (i + 1) * 100, rows: 10 }));
  assert.deepEqual(mergeIndexedBatches(index, 25), [
    { batchNo: 1, startOffset: 0, endOffset: 300, rows: 30 }, { batchNo: 2, startOffset: 300, endOffset: 500, rows: 20 }]);
  assert.deepEqual(mergeIndexedBatches(index, 1).length, 5);
  assert.deepEqual(mergeIndexedBatches([], 10), []);
});

test('planCopyBatches reads a file from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-planner-'));
  const rows = sampleRows(100);
  const path = join(dir, 't.bin');
  writeFileSync(path, Buffer.concat(rows));
  assert.deepEqual(await planCopyBatches(path, 30), expectedBatches(rows.map((r) => r.length), 30));
});
