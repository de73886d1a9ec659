import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotFileWriter } from '../../../src/core/snapshot-file-writer.js';
import type { SnapshotFilePart } from '../../../src/core/engine/snapshot.js';

/** One CopyData message holding `row` (its text). */
function message(row: string): Buffer {
  const body = Buffer.from(row, 'utf8');
  const m = Buffer.alloc(5 + body.length);
  m[0] = 0x64;
  m.writeUInt32BE(body.length + 4, 1);
  body.copy(m, 5);
  return m;
}

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sfw-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('rows cut anywhere come out as whole rows in parts that end at the row reaching partBytes, each reported after it is on disk, with its row index', () => withDir(async (dir) => {
  // Ten rows of 5 + 4 bytes each ("r0\t\n"…): 9 bytes per message.
  const rows = Array.from({ length: 10 }, (_, i) => message(`r${i}\t\n`));
  const all = Buffer.concat(rows);
  const parts: SnapshotFilePart[] = [];
  const seenOnDisk: string[] = [];
  const w = new SnapshotFileWriter({
    pathOf: (n) => join(dir, `t.0.${n}.txt`),
    rowIndexStep: 2,
    // Part 0 ends at the row reaching 20 bytes (3 rows = 27), later parts at 40 (5 rows = 45).
    partBytes: (n) => (n === 0 ? 20 : 40),
    onPart: (p) => {
      parts.push(p);
      seenOnDisk.push(readFileSync(join(dir, `t.0.${p.partNo}.txt`)).toString('hex'));
    },
  });
  // Cut inside a header (byte 2), inside a body (byte 12), on a boundary (27), in the last row.
  for (const [a, b] of [[0, 2], [2, 12], [12, 27], [27, 85], [85, 90]] as const) await w.write(all.subarray(a, b));
  assert.deepEqual(await w.finish(), { rows: 10, parts: 3 });
  assert.deepEqual(parts, [
    { partNo: 0, rows: 3, bytes: 27, rowIndex: [[0, 18, 2], [18, 27, 1]] },
    { partNo: 1, rows: 5, bytes: 45, rowIndex: [[0, 18, 2], [18, 36, 2], [36, 45, 1]] },
    { partNo: 2, rows: 2, bytes: 18, rowIndex: [[0, 18, 2]] },
  ]);
  assert.deepEqual(readdirSync(dir).sort(), ['t.0.0.txt', 't.0.1.txt', 't.0.2.txt']);
  assert.deepEqual(readFileSync(join(dir, 't.0.0.txt')), Buffer.concat(rows.slice(0, 3)));
  assert.deepEqual(readFileSync(join(dir, 't.0.1.txt')), Buffer.concat(rows.slice(3, 8)));
  assert.deepEqual(readFileSync(join(dir, 't.0.2.txt')), Buffer.concat(rows.slice(8)));
  // Each part was complete on disk when it was reported.
  assert.deepEqual(seenOnDisk, [Buffer.concat(rows.slice(0, 3)).toString('hex'), Buffer.concat(rows.slice(3, 8)).toString('hex'), Buffer.concat(rows.slice(8)).toString('hex')]);
}));

test('an empty chunk gives one empty part; a chunk whose last row ends a part gives no empty extra part', () => withDir(async (dir) => {
  const parts: SnapshotFilePart[] = [];
  const empty = new SnapshotFileWriter({ pathOf: (n) => join(dir, `e.${n}`), rowIndexStep: 1000, partBytes: 100, onPart: (p) => parts.push(p) });
  assert.deepEqual(await empty.finish(), { rows: 0, parts: 1 });
  assert.deepEqual(parts, [{ partNo: 0, rows: 0, bytes: 0, rowIndex: [] }]);
  assert.equal(readFileSync(join(dir, 'e.0')).length, 0);

  const exactParts: SnapshotFilePart[] = [];
  const exact = new SnapshotFileWriter({ pathOf: (n) => join(dir, `x.${n}`), rowIndexStep: 1000, partBytes: 8, onPart: (p) => exactParts.push(p) });
  await exact.write(Buffer.concat([message('a\t\n'), message('bc\n')]));
  assert.deepEqual(await exact.finish(), { rows: 2, parts: 2 });
  assert.deepEqual(exactParts, [
    { partNo: 0, rows: 1, bytes: 8, rowIndex: [[0, 8, 1]] },
    { partNo: 1, rows: 1, bytes: 8, rowIndex: [[0, 8, 1]] },
  ]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('x.')).sort(), ['x.0', 'x.1']);
}));

test('a write that fails (the directory is gone) rejects, and finish rejects too; nothing is reported', () => withDir(async (dir) => {
  const parts: SnapshotFilePart[] = [];
  const w = new SnapshotFileWriter({ pathOf: (n) => join(dir, 'missing', `p.${n}`), rowIndexStep: 10, partBytes: 1 << 20, onPart: (p) => parts.push(p) });
  w.push(message('x\n'));
  await assert.rejects(w.finish(), { code: 'ENOENT' });
  assert.deepEqual(parts, []);
}));

test('bytes that are not CopyData messages are refused', () => withDir(async (dir) => {
  const w = new SnapshotFileWriter({ pathOf: (n) => join(dir, `b.${n}`), rowIndexStep: 10, partBytes: 100, onPart: () => {} });
  assert.throws(() => w.push(Buffer.from('x\n')), /0x78 where a CopyData message should start/);
  await w.abort();
}));

test('pushRows (row ends known to the producer) cuts parts and indexes exactly as push does', () => withDir(async (dir) => {
  const rows = Array.from({ length: 10 }, (_, i) => message(`r${i}\t\n`));
  const viaPush: SnapshotFilePart[] = [];
  const viaRows: SnapshotFilePart[] = [];
  const opts = (name: string, out: SnapshotFilePart[]) => ({ pathOf: (n: number) => join(dir, `${name}.${n}`), rowIndexStep: 2, partBytes: (n: number) => (n === 0 ? 20 : 40), onPart: (p: SnapshotFilePart) => out.push(p) });
  const a = new SnapshotFileWriter(opts('a', viaPush));
  await a.write(Buffer.concat(rows));
  await a.finish();
  const b = new SnapshotFileWriter(opts('b', viaRows));
  // Two buffers of whole rows: 4 rows, then 6.
  b.pushRows(Buffer.concat(rows.slice(0, 4)), new Uint32Array([9, 18, 27, 36]), 4);
  b.pushRows(Buffer.concat(rows.slice(4)), [9, 18, 27, 36, 45, 54], 6);
  assert.deepEqual(await b.finish(), { rows: 10, parts: 3 });
  assert.deepEqual(viaRows, viaPush);
  for (let n = 0; n < 3; n++) assert.deepEqual(readFileSync(join(dir, `b.${n}`)), readFileSync(join(dir, `a.${n}`)));
  const c = new SnapshotFileWriter(opts('c', []));
  assert.throws(() => c.pushRows(Buffer.concat(rows.slice(0, 2)), [9], 1), /whole CopyData messages/);
  await c.abort();
}));

test('a part whose report throws (meta.db full or busy) fails the writer: the next write and finish reject with that error, and no rejection goes unhandled', () => withDir(async (dir) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const reported: number[] = [];
    const w = new SnapshotFileWriter({
      pathOf: (n) => join(dir, `f.${n}`), rowIndexStep: 10, partBytes: 8,
      onPart: (p) => {
        if (p.partNo === 0) throw full;
        reported.push(p.partNo);
      },
    });
    // Part 0 ends with the first row; its report runs once its fsync is done, while rows go on.
    await w.write(Buffer.concat([message('a\t\n'), message('bc\n')]));
    for (let i = 0; i < 50 && unhandled.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (await w.write(message('cd\n')).then(() => false, (e) => { assert.equal(e, full); return true; })) break;
    }
    await assert.rejects(w.finish(), (e) => e === full);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
    assert.deepEqual(reported, [], 'no part after the failed one is reported');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}));
