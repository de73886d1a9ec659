/**
 * CopyOutStream's protocol parser against a scripted server reply cut into chunks of every size from
 * 1 byte up, so that message headers, the binary header inside the first row, 2-byte messages and
 * part boundaries all straddle chunk edges. (Real servers are covered by the integration tests; a
 * socket's chunking cannot be steered there.) Also checks that the bytes after CopyDone go back to
 * node-postgres untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { CopyOutStream, type CopyOutItem, type CopyPart } from '../../../src/adapters/postgres/copy-out-stream.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, CopyBatchPlanner, copyDataMessage } from '../../../src/core/copy-batch-planner.js';

function message(type: string, payload: Buffer): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.write(type, 0, 'latin1');
  out.writeUInt32BE(payload.length + 4, 1);
  payload.copy(out, 5);
  return out;
}

/** A binary row: field count, then each field's length and bytes. */
function binaryRow(fields: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(2)];
  parts[0]!.writeInt16BE(fields.length);
  for (const f of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(f.length);
    parts.push(len, f);
  }
  return Buffer.concat(parts);
}

class FakeSocket extends EventEmitter {
  constructor(private readonly chunks: Buffer[]) {
    super();
  }
  read(): Buffer | null {
    return this.chunks.shift() ?? null;
  }
  pause(): void {}
  /** Like a socket: what was not read comes as 'data' once resumed. */
  resume(): void {
    for (let c = this.chunks.shift(); c; c = this.chunks.shift()) this.emit('data', c);
  }
}

/** Runs the parser over `reply` cut into `size`-byte chunks; returns its files, parts and what went back to pg. */
async function run(reply: Buffer, size: number, binary: boolean, partBytes?: number): Promise<{ files: Buffer[]; parts: CopyPart[]; rest: Buffer; stream: CopyOutStream }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < reply.length; i += size) chunks.push(Buffer.from(reply.subarray(i, i + size)));
  const socket = new FakeSocket(chunks);
  const back: Buffer[] = [];
  socket.on('data', (b: Buffer) => back.push(b)); // node-postgres' own handler
  const stream = new CopyOutStream('COPY t TO STDOUT', { binary, rowIndexStep: 2, partBytes });
  stream.submit({ stream: socket as never, query: () => {} });
  const files: Buffer[] = [];
  const parts: CopyPart[] = [];
  let current: Buffer[] = [];
  const consumed = (async () => {
    for await (const item of stream as AsyncIterable<CopyOutItem>) {
      if (Buffer.isBuffer(item)) current.push(item);
      else {
        files.push(Buffer.concat(current));
        parts.push(item.partEnd);
        current = [];
      }
    }
  })();
  // node-postgres reads CommandComplete from what it got back and tells the stream.
  for (let i = 0; i < 100 && Buffer.concat(back).indexOf('COPY') < 0; i++) await new Promise((r) => setImmediate(r));
  stream.handleCommandComplete({ text: 'COPY 5' });
  await consumed;
  return { files, parts, rest: Buffer.concat(back), stream };
}

const rows = [
  binaryRow([Buffer.from('first row, which carries the header')]),
  binaryRow([]), // a table without columns has 2-byte rows, like the trailer
  binaryRow([Buffer.alloc(300, 0x61), Buffer.from('x')]),
  binaryRow([Buffer.from([0xff, 0xff])]),
  binaryRow([Buffer.from('last')]),
];
const TAIL = Buffer.concat([message('C', Buffer.from('COPY 5\0')), message('Z', Buffer.from('I'))]);

test('binary: every chunking gives the same files, parts and row index; the header and trailer are cut off; notices are skipped', async () => {
  const reply = Buffer.concat([
    message('H', Buffer.from([1, 0, 0])),
    message('d', Buffer.concat([BINARY_COPY_HEADER, rows[0]!])),
    message('d', rows[1]!),
    message('N', Buffer.from('SNOTICE\0Mhello\0\0')),
    message('d', rows[2]!),
    message('d', rows[3]!),
    message('d', rows[4]!),
    message('d', BINARY_COPY_TRAILER),
    message('c', Buffer.alloc(0)),
    TAIL,
  ]);
  const want = Buffer.concat(rows.map(copyDataMessage));
  for (const partBytes of [undefined, 1, 60]) {
    for (let size = 1; size <= reply.length; size++) {
      const { files, parts, rest, stream } = await run(reply, size, true, partBytes);
      const label = `chunks of ${size}, partBytes ${partBytes}`;
      assert.ok(Buffer.concat(files).equals(want), label);
      assert.equal(stream.rows, 5, label);
      assert.ok(rest.equals(TAIL), `${label}: node-postgres gets exactly the bytes after CopyDone`);
      assert.equal(parts.reduce((s, p) => s + p.rows, 0), 5);
      if (partBytes === 1) assert.deepEqual(parts.map((p) => p.rows), [1, 1, 1, 1, 1], label);
      parts.forEach((p, k) => {
        assert.equal(p.bytes, files[k]!.length, label);
        const planner = new CopyBatchPlanner(2);
        planner.push(files[k]!);
        assert.deepEqual(p.rowIndex, planner.finish().map((b) => [b.startOffset, b.endOffset, b.rows]), label);
      });
    }
  }
});

test('binary: a header extension is cut off too; an empty result is one empty part', async () => {
  const ext = Buffer.from('extension!');
  const header = Buffer.concat([BINARY_COPY_HEADER.subarray(0, 15), Buffer.from([0, 0, 0, ext.length]), ext]);
  const reply = Buffer.concat([message('d', Buffer.concat([header, rows[2]!])), message('d', BINARY_COPY_TRAILER), message('c', Buffer.alloc(0)), TAIL]);
  for (let size = 1; size <= 40; size++) {
    const { files } = await run(reply, size, true);
    assert.ok(Buffer.concat(files).equals(copyDataMessage(rows[2]!)), `chunks of ${size}`);
  }
  const empty = Buffer.concat([message('H', Buffer.from([1, 0, 0])), message('d', Buffer.concat([BINARY_COPY_HEADER, BINARY_COPY_TRAILER])), message('c', Buffer.alloc(0)), TAIL]);
  for (let size = 1; size <= 12; size++) {
    const { files, parts } = await run(empty, size, true);
    assert.deepEqual(parts, [{ partNo: 0, rows: 0, bytes: 0, rowIndex: [] }]);
    assert.equal(Buffer.concat(files).length, 0);
  }
});

test('text: rows pass through whatever the chunking, empty rows included', async () => {
  const text = ['1\ta\n', '\n', '2\t\\N\n'].map((r) => Buffer.from(r));
  const reply = Buffer.concat([message('H', Buffer.from([0, 0, 0])), ...text.map((r) => message('d', r)), message('c', Buffer.alloc(0)), TAIL]);
  for (let size = 1; size <= reply.length; size++) {
    const { files, stream } = await run(reply, size, false);
    assert.ok(Buffer.concat(files).equals(Buffer.concat(text.map(copyDataMessage))), `chunks of ${size}`);
    assert.equal(stream.rows, 3);
  }
});
