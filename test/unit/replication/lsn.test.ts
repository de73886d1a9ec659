import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLsn, lsnToPosition, parseLsn, positionToLsn } from '../../../src/adapters/postgres/replication/lsn.js';

test('parseLsn and formatLsn round-trip the server text form', () => {
  assert.equal(parseLsn('16/B374D848'), 0x16b374d848n);
  assert.equal(parseLsn('0/0'), 0n);
  assert.equal(parseLsn('FFFFFFFF/FFFFFFFF'), (1n << 64n) - 1n);
  assert.equal(parseLsn('0/1a'), 0x1an);
  assert.equal(formatLsn(0x16b374d848n), '16/B374D848');
  assert.equal(formatLsn(0n), '0/0');
  assert.equal(formatLsn(0x100000000n), '1/0');
  for (const s of ['0/1', '1/0', 'A/B0C0D0E0', 'FFFFFFFF/FFFFFFFF']) assert.equal(formatLsn(parseLsn(s)), s);
});

test('parseLsn rejects malformed text', () => {
  for (const s of ['', '16', '16/', '/1', 'G/1', '1/123456789', '1/2/3']) {
    assert.throws(() => parseLsn(s), RangeError, s);
  }
  assert.throws(() => formatLsn(-1n), RangeError);
  assert.throws(() => formatLsn(1n << 64n), RangeError);
});

test('lsnToPosition is fixed-width and sorts as text like the numbers', () => {
  assert.equal(lsnToPosition('16/B374D848'), '00000016B374D848');
  assert.equal(lsnToPosition(0n), '0000000000000000');
  assert.equal(positionToLsn('00000016B374D848'), 0x16b374d848n);
  const lsns = ['0/0', '0/9', '0/A', '0/10', '1/0', '9/FFFFFFFF', 'A/0', 'FF/1', '100/0', 'FFFFFFFF/FFFFFFFF'].map(parseLsn);
  const positions = lsns.map((l) => lsnToPosition(l));
  const shuffled = [...positions].reverse().sort();
  assert.deepEqual(shuffled, positions);
  for (const l of lsns) assert.equal(positionToLsn(lsnToPosition(l)), l);
  assert.throws(() => positionToLsn('16/B374D848'), RangeError);
  assert.throws(() => positionToLsn('00000016b374d848'), RangeError);
});
