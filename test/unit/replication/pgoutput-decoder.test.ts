import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePgoutputMessage, PgoutputDecodeError } from '../../../src/adapters/postgres/replication/pgoutput-decoder.js';
import { UNCHANGED_TOAST } from '../../../src/adapters/postgres/replication/pgoutput-messages.js';
import { Bytes, EPOCH_2000 } from './fixtures.js';

const T = 1_000_000n; // 2000-01-01 00:00:01 in server µs

test('Begin', () => {
  const b = new Bytes().char('B').u64(0x16b374d848n).i64(T).u32(4242).build();
  assert.deepEqual(decodePgoutputMessage(b), { tag: 'begin', finalLsn: 0x16b374d848n, commitTime: T + EPOCH_2000, xid: 4242 });
});

test('Commit', () => {
  const b = new Bytes().char('C').byte(0).u64(0x100n).u64(0x130n).i64(T).build();
  assert.deepEqual(decodePgoutputMessage(b), {
    tag: 'commit', flags: 0, commitLsn: 0x100n, endLsn: 0x130n, commitTime: T + EPOCH_2000,
  });
});

test('Origin', () => {
  const b = new Bytes().char('O').u64(0x55n).cstring('pg_16400').build();
  assert.deepEqual(decodePgoutputMessage(b), { tag: 'origin', originLsn: 0x55n, originName: 'pg_16400' });
});

test('Relation with key flags, type oids and typmods', () => {
  const b = new Bytes().char('R').u32(16384).cstring('public').cstring('accounts').char('d').u16(3)
    .byte(1).cstring('id').u32(20).i32(-1)
    .byte(0).cstring('balance').u32(1700).i32(((30 << 16) | 10) + 4)
    .byte(0).cstring('naïve').u32(25).i32(-1)
    .build();
  assert.deepEqual(decodePgoutputMessage(b), {
    tag: 'relation', relationId: 16384, schema: 'public', name: 'accounts', replicaIdentity: 'd',
    columns: [
      { isKey: true, name: 'id', typeOid: 20, typeMod: -1 },
      { isKey: false, name: 'balance', typeOid: 1700, typeMod: ((30 << 16) | 10) + 4 },
      { isKey: false, name: 'naïve', typeOid: 25, typeMod: -1 },
    ],
  });
});

test('Type', () => {
  const b = new Bytes().char('Y').u32(16390).cstring('public').cstring('mood').build();
  assert.deepEqual(decodePgoutputMessage(b), { tag: 'type', typeOid: 16390, schema: 'public', name: 'mood' });
});

test('Insert keeps text exactly, tells NULL from empty string, binary as Buffer', () => {
  const b = new Bytes().char('I').u32(16384).char('N')
    .tuple(['1', '', null, '12345678901234567890.0123456789', '2024-02-29 23:59:59.123456+00', 'Grüße 👋', Buffer.from([0, 255])])
    .build();
  const m = decodePgoutputMessage(b);
  assert.deepEqual(m, {
    tag: 'insert', relationId: 16384,
    newTuple: ['1', '', null, '12345678901234567890.0123456789', '2024-02-29 23:59:59.123456+00', 'Grüße 👋', Buffer.from([0, 255])],
  });
});

test('Update without old tuple, with unchanged TOAST marker distinct from NULL', () => {
  const b = new Bytes().char('U').u32(7).char('N').tuple(['1', { unchanged: true }, null]).build();
  const m = decodePgoutputMessage(b);
  assert.deepEqual(m, { tag: 'update', relationId: 7, newTuple: ['1', UNCHANGED_TOAST, null] });
  assert.ok(m.tag === 'update' && m.newTuple[1] === UNCHANGED_TOAST && m.newTuple[1] !== null);
});

test("Update with old key 'K' and old row 'O'", () => {
  const k = new Bytes().char('U').u32(7).char('K').tuple(['1', null]).char('N').tuple(['2', 'x']).build();
  assert.deepEqual(decodePgoutputMessage(k), {
    tag: 'update', relationId: 7, oldKind: 'K', oldTuple: ['1', null], newTuple: ['2', 'x'],
  });
  const o = new Bytes().char('U').u32(7).char('O').tuple(['1', 'a']).char('N').tuple(['1', 'b']).build();
  assert.deepEqual(decodePgoutputMessage(o), {
    tag: 'update', relationId: 7, oldKind: 'O', oldTuple: ['1', 'a'], newTuple: ['1', 'b'],
  });
});

test("Delete with 'K' and 'O'", () => {
  const k = new Bytes().char('D').u32(9).char('K').tuple(['5', null]).build();
  assert.deepEqual(decodePgoutputMessage(k), { tag: 'delete', relationId: 9, oldKind: 'K', oldTuple: ['5', null] });
  const o = new Bytes().char('D').u32(9).char('O').tuple(['5', 'v']).build();
  assert.deepEqual(decodePgoutputMessage(o), { tag: 'delete', relationId: 9, oldKind: 'O', oldTuple: ['5', 'v'] });
});

test('Truncate with options', () => {
  const b = new Bytes().char('T').u32(2).byte(3).u32(10).u32(11).build();
  assert.deepEqual(decodePgoutputMessage(b), {
    tag: 'truncate', cascade: true, restartIdentity: true, relationIds: [10, 11],
  });
  const plain = new Bytes().char('T').u32(1).byte(0).u32(10).build();
  assert.deepEqual(decodePgoutputMessage(plain), { tag: 'truncate', cascade: false, restartIdentity: false, relationIds: [10] });
});

test('logical Message', () => {
  const b = new Bytes().char('M').byte(1).u64(0x99n).cstring('tandem').u32(3).raw(Buffer.from('a\0b')).build();
  assert.deepEqual(decodePgoutputMessage(b), {
    tag: 'message', transactional: true, messageLsn: 0x99n, prefix: 'tandem', content: Buffer.from('a\0b'),
  });
});

test('protocol version 2 stream messages and xid-prefixed data messages', () => {
  assert.deepEqual(decodePgoutputMessage(new Bytes().char('S').u32(77).byte(1).build()), { tag: 'streamStart', xid: 77, firstSegment: true });
  assert.deepEqual(decodePgoutputMessage(new Bytes().char('E').build()), { tag: 'streamStop' });
  assert.deepEqual(decodePgoutputMessage(new Bytes().char('c').u32(77).byte(0).u64(1n).u64(2n).i64(T).build()), {
    tag: 'streamCommit', xid: 77, flags: 0, commitLsn: 1n, endLsn: 2n, commitTime: T + EPOCH_2000,
  });
  assert.deepEqual(decodePgoutputMessage(new Bytes().char('A').u32(77).u32(78).build()), { tag: 'streamAbort', xid: 77, subXid: 78 });
  const ins = new Bytes().char('I').u32(77).u32(16384).char('N').tuple(['1']).build();
  assert.deepEqual(decodePgoutputMessage(ins, { inStreamBlock: true }), { tag: 'insert', xid: 77, relationId: 16384, newTuple: ['1'] });
});

test('malformed messages fail with PgoutputDecodeError and no row data in the text', () => {
  const secret = 'credit-card-4111';
  const truncated = new Bytes().char('I').u32(1).char('N').u16(1).char('t').u32(100).raw(Buffer.from(secret)).build();
  assert.throws(() => decodePgoutputMessage(truncated), (e: unknown) =>
    e instanceof PgoutputDecodeError && !e.message.includes(secret));
  assert.throws(() => decodePgoutputMessage(Buffer.from('Z')), PgoutputDecodeError);
  assert.throws(() => decodePgoutputMessage(new Bytes().char('I').u32(1).char('X').build()), PgoutputDecodeError);
  assert.throws(() => decodePgoutputMessage(new Bytes().char('I').u32(1).char('N').u16(1).char('q').build()), PgoutputDecodeError);
  assert.throws(() => decodePgoutputMessage(new Bytes().char('E').byte(0).build()), /trailing/);
  assert.throws(() => decodePgoutputMessage(new Bytes().char('O').u64(1n).raw(Buffer.from('abc')).build()), /unterminated/);
});
