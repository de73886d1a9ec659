import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Connection } from 'pg';
import { decodeCopyDataEnvelope, encodeStandbyStatusUpdate } from '../../../src/adapters/postgres/replication/copy-data-envelope.js';
import { createCopyBothStream } from '../../../src/adapters/postgres/replication/copy-both-stream.js';
import { decodePgoutputMessage } from '../../../src/adapters/postgres/replication/pgoutput-decoder.js';
import { Bytes, EPOCH_2000, protocolMessage, xlogData } from './fixtures.js';

test("decodes 'w' XLogData", () => {
  const payload = new Bytes().char('B').u64(0x10n).i64(0n).u32(1).build();
  const b = new Bytes().char('w').u64(0x16b374d848n).u64(0x16b374d900n).i64(5n).raw(payload).build();
  const m = decodeCopyDataEnvelope(b);
  assert.equal(m.kind, 'xlogData');
  assert.ok(m.kind === 'xlogData');
  assert.equal(m.walStart, 0x16b374d848n);
  assert.equal(m.walEnd, 0x16b374d900n);
  assert.equal(m.sendTime, 5n + EPOCH_2000);
  assert.deepEqual(m.payload, payload);
});

test("decodes 'k' keepalive with and without reply request", () => {
  const k1 = new Bytes().char('k').u64(0xabcn).i64(7n).byte(1).build();
  assert.deepEqual(decodeCopyDataEnvelope(k1), { kind: 'keepalive', walEnd: 0xabcn, sendTime: 7n + EPOCH_2000, replyRequested: true });
  const k0 = new Bytes().char('k').u64(0xabcn).i64(7n).byte(0).build();
  assert.equal((decodeCopyDataEnvelope(k0) as { replyRequested: boolean }).replyRequested, false);
  assert.throws(() => decodeCopyDataEnvelope(Buffer.from('k123')), /truncated/);
  assert.throws(() => decodeCopyDataEnvelope(Buffer.from('x')), /unknown/);
});

test("encodes 'r' standby status update with write = flush = apply", () => {
  const b = encodeStandbyStatusUpdate(0x16b374d848n, EPOCH_2000 + 42n, true);
  const expected = new Bytes().char('r').u64(0x16b374d848n).u64(0x16b374d848n).u64(0x16b374d848n).i64(42n).byte(1).build();
  assert.deepEqual(b, expected);
});

/**
 * The socket can split a CopyData message anywhere and join several in one chunk. This feeds the
 * real CopyBoth stream, as configured by WalStream, every possible split and checks that each read
 * is exactly one whole replication message.
 */
test('CopyBoth stream yields whole messages whatever the socket chunking', async () => {
  const payloads = [
    new Bytes().char('B').u64(0x200n).i64(0n).u32(9).build(),
    new Bytes().char('I').u32(16384).char('N').tuple(['1', 'ünïcødé', null, { unchanged: true }]).build(),
    new Bytes().char('C').byte(0).u64(0x200n).u64(0x230n).i64(0n).build(),
  ];
  const copyData = [
    xlogData(0x100n, 0x300n, payloads[0]!),
    new Bytes().char('k').u64(0x300n).i64(0n).byte(1).build(),
    xlogData(0x180n, 0x300n, payloads[1]!),
    xlogData(0x200n, 0x300n, payloads[2]!),
  ];
  const wire = Buffer.concat([
    protocolMessage('W', new Bytes().byte(0).u16(0).build()), // CopyBothResponse
    ...copyData.map((p) => protocolMessage('d', p)),
  ]);
  const expected = copyData.map((p) => decodeCopyDataEnvelope(p));
  for (let split = 1; split < wire.length; split++) {
    const chunks = await feed([wire.subarray(0, split), wire.subarray(split)]);
    assert.equal(chunks.length, copyData.length, `split at ${split}`);
    assert.deepEqual(chunks.map((c) => decodeCopyDataEnvelope(c)), expected, `split at ${split}`);
  }
  // One byte at a time, the worst case.
  const bytewise = await feed([...wire].map((b) => Buffer.from([b])));
  assert.deepEqual(bytewise, copyData);
  const insert = decodeCopyDataEnvelope(bytewise[2]!);
  assert.ok(insert.kind === 'xlogData');
  assert.equal(decodePgoutputMessage(insert.payload).tag, 'insert');
});

/** Runs a CopyBoth stream over a fake pg connection whose socket delivers `chunks`. */
async function feed(chunks: Buffer[]): Promise<Buffer[]> {
  const socket = new PassThrough();
  socket.on('data', () => {}); // pg's own listener, which pg-copy-streams takes over
  const connection = { stream: socket, query: () => {} } as unknown as Connection;
  const stream = createCopyBothStream('START_REPLICATION', 2);
  stream.submit(connection);
  const got: Buffer[] = [];
  const done = (async () => {
    for await (const c of stream) {
      got.push(c as Buffer);
      if (got.length === 4) return;
    }
  })();
  for (const c of chunks) {
    socket.write(c);
    await new Promise((r) => setImmediate(r));
  }
  await done;
  return got;
}
