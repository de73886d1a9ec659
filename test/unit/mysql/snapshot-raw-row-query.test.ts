import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { rawRowQuery } from '../../../src/adapters/mysql/snapshot/raw-row-query.js';

/** A MySQL packet: 3-byte length, sequence id, payload. */
function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}
const lenenc = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const EOF = Buffer.from([0xfe, 0x00, 0x00, 0x22, 0x00]);

/** A response of `rows` (each a list of text fields) to a 2-column SELECT, framed as the server sends it. */
function response(rows: string[][]): Buffer {
  let seq = 1;
  const out = [packet(seq++, Buffer.from([2])), packet(seq++, Buffer.from('def-a')), packet(seq++, Buffer.from('def-b')), packet(seq++, EOF)];
  for (const r of rows) out.push(packet(seq++ & 0xff, Buffer.concat(r.map(lenenc))));
  out.push(packet(seq++ & 0xff, EOF));
  return Buffer.concat(out);
}

/** A stand-in for mysql2's core connection: its packet parser gets what the query hands back. */
function fakeConnection() {
  const stream = new EventEmitter() as EventEmitter & { pause(): void; resume(): void; paused: boolean };
  stream.paused = false;
  stream.pause = () => { stream.paused = true; };
  stream.resume = () => { stream.paused = false; };
  let command: { execute(p: unknown, c: unknown): boolean } | undefined;
  const handedBack: Buffer[] = [];
  const core = {
    stream, sequenceId: 0, clientEncoding: 'utf8', written: [] as Buffer[],
    writePacket(p: { buffer: Buffer; writeHeader(n: number): void }) { p.writeHeader(0); core.written.push(p.buffer); },
    _resetSequenceId() { core.sequenceId = 0; },
    addCommand(cmd: { execute(p: unknown, c: unknown): boolean }) { command = cmd; cmd.execute(undefined, core); },
  };
  // mysql2's own data handler: parses one packet and gives it to the command.
  stream.on('data', (bytes: Buffer) => {
    handedBack.push(bytes);
    const len = bytes.readUIntLE(0, 3);
    const pk = { buffer: bytes, offset: 4, end: 4 + len, isError: () => bytes[4] === 0xff, asError: () => Object.assign(new Error('server error'), { errno: bytes.readUInt16LE(5) }) };
    assert.equal(core.sequenceId, bytes[3], 'the sequence id mysql2 expects');
    command!.execute(pk, core);
  });
  return { connection: { connection: core } as never, stream, core, handedBack };
}

test('rows arrive whole and in order however the socket cuts the bytes (every cut point, and byte by byte); the last EOF goes back to mysql2', async () => {
  const rows = [['1', 'a'], ['22', ''], ['333', 'é😀'], ['4', 'x'.repeat(300)]];
  const bytes = response(rows);
  const cuts = [...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1]), Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)];
  for (const cut of cuts) {
    const f = fakeConnection();
    const got: Buffer[] = [];
    const q = rawRowQuery(f.connection, 'SELECT a, b FROM t', (buf, s, e) => got.push(Buffer.from(buf.subarray(s, e))));
    assert.equal(f.core.written[0]!.subarray(4).toString(), '\x03SELECT a, b FROM t');
    let prev = 0;
    for (const c of [...cut, bytes.length]) {
      f.stream.emit('data', bytes.subarray(prev, c));
      prev = c;
    }
    assert.equal(await q.done, 4);
    assert.deepEqual(got.map((g) => g.toString('hex')), rows.map((r) => Buffer.concat(r.map(lenenc)).toString('hex')));
    // Only the final EOF packet reached mysql2's parser.
    assert.deepEqual(Buffer.concat(f.handedBack), bytes.subarray(bytes.length - 9));
  }
});

test('a row of 16 MB or more (several packets) is joined; an ERR packet fails the query through mysql2', async () => {
  const big = Buffer.alloc(0xffffff + 10, 0x61);
  const payload = Buffer.concat([Buffer.from([0xfd]), Buffer.from([(big.length) & 0xff, (big.length >> 8) & 0xff, (big.length >> 16) & 0xff]), big, lenenc('z')]);
  const parts = [payload.subarray(0, 0xffffff), payload.subarray(0xffffff)];
  const bytes = Buffer.concat([packet(1, Buffer.from([2])), packet(2, Buffer.from('a')), packet(3, Buffer.from('b')), packet(4, EOF),
    packet(5, parts[0]!), packet(6, parts[1]!), packet(7, EOF)]);
  const f = fakeConnection();
  const got: number[] = [];
  const q = rawRowQuery(f.connection, 'SELECT a, b FROM t', (buf, s, e) => got.push(e - s));
  for (let i = 0; i < bytes.length; i += 65536) f.stream.emit('data', bytes.subarray(i, Math.min(bytes.length, i + 65536)));
  assert.equal(await q.done, 1);
  assert.deepEqual(got, [payload.length]);

  const e = fakeConnection();
  const err = Buffer.concat([Buffer.from([0xff, 0x25, 0x05]), Buffer.from('#70100Query execution was interrupted')]);
  const q2 = rawRowQuery(e.connection, 'SELECT a, b FROM t', () => {});
  e.stream.emit('data', Buffer.concat([packet(1, Buffer.from([2])), packet(2, Buffer.from('a')), packet(3, Buffer.from('b')), packet(4, EOF), packet(5, Buffer.concat([lenenc('1'), lenenc('2')])), packet(6, err)]));
  await assert.rejects(q2.done, { errno: 1317 });
});

test('a row handler that throws fails the query; the rest of the result is dropped, not handed to mysql2', async () => {
  const f = fakeConnection();
  const q = rawRowQuery(f.connection, 'SELECT a, b FROM t', () => { throw new Error('bad row'); });
  f.stream.emit('data', response([['1', 'a'], ['2', 'b']]));
  await assert.rejects(q.done, /bad row/);
  assert.deepEqual(f.handedBack, []);
});
