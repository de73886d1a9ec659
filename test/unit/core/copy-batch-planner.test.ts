import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BINARY_COPY_HEADER, BINARY_COPY_SIGNATURE, BINARY_COPY_TRAILER, CopyBatchPlanner, planCopyBatches, type PlannedBatch,
} from '../../../src/core/copy-batch-planner.js';

/** One binary COPY tuple: field count, then per field a length word (-1 = NULL) and the bytes. */
function tuple(fields: (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(fields.length);
  parts.push(n);
  for (const f of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(f === null ? -1 : f.length);
    parts.push(len);
    if (f) parts.push(f);
  }
  return Buffer.concat(parts);
}

function header(extension?: Buffer): Buffer {
  if (!extension) return BINARY_COPY_HEADER;
  const h = Buffer.alloc(8);
  h.writeUInt32BE(extension.length, 4);
  return Buffer.concat([BINARY_COPY_SIGNATURE, h, extension]);
}

/** Tuples of varying shape: NULLs, empty values, long values, a zero-field tuple. */
function sampleTuples(count: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const id = Buffer.alloc(8);
    id.writeBigInt64BE(BigInt(i));
    const text = Buffer.from('x'.repeat((i * 37) % 300));
    if (i % 11 === 10) out.push(tuple([]));
    else out.push(tuple([id, i % 3 === 0 ? null : text, i % 5 === 0 ? Buffer.alloc(0) : Buffer.from([i & 0xff]), i % 7 === 0 ? Buffer.from([0xff, 0xff, 0xff, 0xff]) : null]));
  }
  return out;
}

/** The batches a correct planner must find: rows grouped by `size`, offsets at tuple boundaries. */
function expectedBatches(rowLengths: number[], firstOffset: number, size: number): PlannedBatch[] {
  const out: PlannedBatch[] = [];
  let offset = firstOffset;
  for (let i = 0; i < rowLengths.length; i += size) {
    const group = rowLengths.slice(i, i + size);
    const len = group.reduce((a, b) => a + b, 0);
    out.push({ batchNo: out.length + 1, startOffset: offset, endOffset: offset + len, rows: group.length });
    offset += len;
  }
  return out;
}

function planInChunks(format: 'binary' | 'text', data: Buffer, batchSize: number, chunkSize: number): PlannedBatch[] {
  const p = new CopyBatchPlanner(format, batchSize);
  for (let i = 0; i < data.length; i += chunkSize) p.push(data.subarray(i, i + chunkSize));
  return p.finish();
}

test('binary: batch boundaries and row counts do not depend on how the bytes are chunked', () => {
  const tuples = sampleTuples(40);
  const file = Buffer.concat([BINARY_COPY_HEADER, ...tuples, BINARY_COPY_TRAILER]);
  for (const batchSize of [1, 3, 7, 40, 1000]) {
    const want = expectedBatches(tuples.map((t) => t.length), BINARY_COPY_HEADER.length, batchSize);
    // Every chunk size from 1 byte up puts chunk boundaries inside the signature, the field count
    // and length words, and the values.
    for (let chunk = 1; chunk <= 64; chunk++) {
      assert.deepEqual(planInChunks('binary', file, batchSize, chunk), want, `batch ${batchSize}, chunk ${chunk}`);
    }
    assert.deepEqual(planInChunks('binary', file, batchSize, file.length), want);
  }
});

test('binary: each batch, wrapped in header and trailer, is a valid COPY stream with its rows', () => {
  const tuples = sampleTuples(25);
  const file = Buffer.concat([BINARY_COPY_HEADER, ...tuples, BINARY_COPY_TRAILER]);
  const batches = planInChunks('binary', file, 4, 13);
  assert.equal(batches.reduce((s, b) => s + b.rows, 0), 25);
  assert.equal(batches[batches.length - 1]!.endOffset, file.length - 2, 'the trailer is left out');
  for (const b of batches) {
    const body = Buffer.concat([BINARY_COPY_HEADER, file.subarray(b.startOffset, b.endOffset), BINARY_COPY_TRAILER]);
    assert.deepEqual(planInChunks('binary', body, 1000, 5), [{ batchNo: 1, startOffset: 19, endOffset: 19 + b.endOffset - b.startOffset, rows: b.rows }]);
  }
});

test('binary: a header extension area is skipped, whatever its length', () => {
  const tuples = sampleTuples(9);
  for (const extLen of [1, 4, 19, 40]) {
    const h = header(Buffer.alloc(extLen, 0xab));
    const file = Buffer.concat([h, ...tuples, BINARY_COPY_TRAILER]);
    const want = expectedBatches(tuples.map((t) => t.length), h.length, 4);
    for (const chunk of [1, 2, 7, 19, 23, file.length]) {
      assert.deepEqual(planInChunks('binary', file, 4, chunk), want, `extension ${extLen}, chunk ${chunk}`);
    }
  }
});

test('binary: an empty table (header and trailer only) and an empty file have no batches', () => {
  assert.deepEqual(planInChunks('binary', Buffer.concat([BINARY_COPY_HEADER, BINARY_COPY_TRAILER]), 10, 1), []);
  assert.deepEqual(new CopyBatchPlanner('binary', 10).finish(), []);
});

test('binary: a truncated file throws, wherever it is cut', () => {
  const tuples = sampleTuples(6);
  const file = Buffer.concat([BINARY_COPY_HEADER, ...tuples, BINARY_COPY_TRAILER]);
  for (let cut = 1; cut < file.length; cut++) {
    assert.throws(() => planInChunks('binary', file.subarray(0, cut), 2, 5), /truncated|signature/, `cut at ${cut}`);
  }
});

test('binary: a bad signature or data after the trailer throws', () => {
  const bad = Buffer.from(BINARY_COPY_HEADER);
  bad[0] = 0x51;
  assert.throws(() => planInChunks('binary', Buffer.concat([bad, BINARY_COPY_TRAILER]), 1, 100), /signature/);
  const extra = Buffer.concat([BINARY_COPY_HEADER, tuple([Buffer.from('a')]), BINARY_COPY_TRAILER, Buffer.from([0])]);
  assert.throws(() => planInChunks('binary', extra, 1, 100), /after its trailer/);
});

test('text: batches end after a newline, whatever the chunking', () => {
  const rows = Array.from({ length: 30 }, (_, i) => Buffer.from(`${i}\t${'v'.repeat(i % 9)}\\n escaped\t\\N\n`));
  const file = Buffer.concat(rows);
  for (const batchSize of [1, 4, 30, 99]) {
    const want = expectedBatches(rows.map((r) => r.length), 0, batchSize);
    for (let chunk = 1; chunk <= 40; chunk++) assert.deepEqual(planInChunks('text', file, batchSize, chunk), want, `batch ${batchSize}, chunk ${chunk}`);
  }
  assert.deepEqual(planInChunks('text', Buffer.alloc(0), 5, 1), []);
});

test('text: a file that ends inside a row throws instead of loading half a row', () => {
  const file = Buffer.from('1\ta\n2\tb\n3\tc\n');
  for (let cut = 1; cut < file.length; cut++) {
    if (file[cut - 1] === 0x0a) continue;
    for (const batchSize of [1, 2, 10]) {
      assert.throws(() => planInChunks('text', file.subarray(0, cut), batchSize, 3), /newline/, `cut at ${cut}, batch ${batchSize}`);
    }
  }
});

test('planCopyBatches reads a file from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-planner-'));
  const tuples = sampleTuples(100);
  const bin = join(dir, 't.bin');
  writeFileSync(bin, Buffer.concat([BINARY_COPY_HEADER, ...tuples, BINARY_COPY_TRAILER]));
  assert.deepEqual(await planCopyBatches(bin, 'binary', 30), expectedBatches(tuples.map((t) => t.length), 19, 30));
  const txt = join(dir, 't.txt');
  writeFileSync(txt, 'a\nb\nc\n');
  assert.deepEqual(await planCopyBatches(txt, 'text', 2), [
    { batchNo: 1, startOffset: 0, endOffset: 4, rows: 2 }, { batchNo: 2, startOffset: 4, endOffset: 6, rows: 1 }]);
});
