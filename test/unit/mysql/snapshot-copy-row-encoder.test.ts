import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyRowEncoder } from '../../../src/adapters/mysql/snapshot/copy-row-encoder.js';
import { readLengthEncoded } from '../../../src/adapters/mysql/snapshot/raw-row-query.js';
import { mysqlRowToCopyText } from '../../../src/adapters/mysql/values/copy-text-row.js';
import type { MySqlValueKind, MySqlValueType } from '../../../src/adapters/mysql/values/value-type.js';
import { TandemError } from '../../../src/core/errors.js';

const t = (kind: MySqlValueKind, extra: Partial<MySqlValueType> = {}): MySqlValueType => ({ kind, column: `t.${kind}`, nullable: true, ...extra });

/** A text-protocol row packet: each field a length-encoded string, 0xFB for NULL. */
function packet(values: readonly (string | Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
    let head: Buffer;
    if (b.length < 0xfb) head = Buffer.from([b.length]);
    else if (b.length < 0x10000) head = Buffer.from([0xfc, b.length & 0xff, b.length >> 8]);
    else if (b.length < 0x1000000) head = Buffer.from([0xfd, b.length & 0xff, (b.length >> 8) & 0xff, b.length >> 16]);
    else throw new Error('test: too long');
    parts.push(head, b);
  }
  return Buffer.concat(parts);
}

function encode(types: MySqlValueType[], values: (string | Buffer | null)[]): Buffer {
  const enc = new CopyRowEncoder(types);
  const src = Buffer.concat([Buffer.from('junk'), packet(values), Buffer.from('more')]);
  const start = 4;
  const end = src.length - 4;
  const out = Buffer.alloc(enc.bound(end - start) + 3, 0xee);
  const pos = enc.encode(src, start, end, out, 3);
  assert.ok(pos <= out.length);
  assert.equal(out[0], 0xee);
  return out.subarray(3, pos);
}

/** The general path: mysqlRowToCopyText, framed. */
function general(types: MySqlValueType[], values: (string | Buffer | null)[]): Buffer {
  const row = Buffer.from(mysqlRowToCopyText(values, types), 'utf8');
  const head = Buffer.alloc(5);
  head[0] = 0x64;
  head.writeUInt32BE(row.length + 4, 1);
  return Buffer.concat([head, row]);
}

test('length-encoded integers: 1, 3, 4 and 9 bytes', () => {
  assert.deepEqual(readLengthEncoded(Buffer.from([0xfa]), 0), [250, 1]);
  assert.deepEqual(readLengthEncoded(Buffer.from([0xfc, 0x34, 0x12]), 0), [0x1234, 3]);
  assert.deepEqual(readLengthEncoded(Buffer.from([0xfd, 0x56, 0x34, 0x12]), 0), [0x123456, 4]);
  assert.deepEqual(readLengthEncoded(Buffer.from([0xfe, 1, 0, 0, 0, 1, 0, 0, 0]), 0), [2 ** 32 + 1, 9]);
});

test('a row: CopyData framing, tabs, \\N, escapes, +00 on TIMESTAMP, hex bytea, bits, YEAR 0000', () => {
  const types = [t('integer'), t('text'), t('text'), t('binary'), t('timestamp'), t('bit', { bitLength: 10 }), t('year'), t('date')];
  const row = encode(types, ['-5', 'a\tb\\c\nd\re', null, Buffer.from([0x00, 0xff, 0x5c]), '2038-01-19 03:14:07.999', Buffer.from([0x02, 0x01]), '0000', '0000-00-00']);
  const text = '-5\ta\\tb\\\\c\\nd\\re\t\\N\t\\\\x00ff5c\t2038-01-19 03:14:07.999+00\t1000000001\t0\t\\N\n';
  const expected = Buffer.concat([Buffer.from([0x64]), Buffer.alloc(4), Buffer.from(text, 'utf8')]);
  expected.writeUInt32BE(Buffer.byteLength(text) + 4, 1);
  assert.deepEqual(row, expected);
});

test('every kind writes exactly what the general converters write (mysqlRowToCopyText)', () => {
  const long = 'é'.repeat(200); // 400 bytes: a 3-byte length
  const huge = 'x\\'.repeat(40000); // 80000 bytes: a 4-byte length
  const cases: [MySqlValueType, (string | Buffer | null)[]][] = [
    [t('integer'), ['0', '-9223372036854775808', '18446744073709551615', null]],
    [t('decimal'), ['-99999999999999999999999999999999999.999999999999999999999999999999', '0.00', '0.000000000000000000000000000001']],
    [t('float'), ['-3.4028234663852886e38', '0.10000000149011612', '16777216']],
    [t('double'), ['1.7976931348623157e308', '-0', '5e-324']],
    [t('bit', { bitLength: 1 }), [Buffer.from([0]), Buffer.from([1])]],
    [t('bit', { bitLength: 64 }), [Buffer.from('8000000000000001', 'hex'), Buffer.alloc(8, 0xff)]],
    [t('text'), ['', 'ab  ', '日本語 ✓ 😀', 'tab\there\nnew line\\back\rcr', '\\N not null', long, huge, 'Ünïcödé — “quotes”']],
    [t('json'), ['{"a": 12345678901234567890.123456789, "b": "é\\n\\u00e9"}', '""', '[]']],
    [t('jsonb'), ['{"a": "x\\ty"}', 'null']],
    [t('binary'), [Buffer.alloc(0), Buffer.from([0x0a, 0x0d, 0x09]), Buffer.from('deadbeef', 'hex'), Buffer.alloc(300, 0x5c)]],
    [t('date'), ['1000-01-01', '9999-12-31', '0000-00-00', '2024-00-10', '2024-05-00', '2024-02-30', '2023-02-29', '2024-02-29', '2023-04-30']],
    [t('datetime'), ['2024-02-29 12:34:56.000001', '1000-01-01 00:00:00.000000', '0000-00-00 00:00:00', '2023-04-31 10:00:00.000000', '2023-01-31 23:59:59']],
    [t('timestamp'), ['1970-01-01 00:00:01', '2038-01-19 03:14:07.999', '0000-00-00 00:00:00']],
    [t('time'), ['-838:59:59.999999', '838:59:59', '-00:00:00.000001', '00:00:00']],
    [t('year'), ['0000', '1901', '2155']],
  ];
  for (const [type, values] of cases) {
    for (const v of values) {
      assert.deepEqual(encode([type, t('integer')], [v, '7']), general([type, t('integer')], [v, '7']), `${type.kind} ${String(v).slice(0, 40)}`);
    }
  }
});

test('values PostgreSQL cannot hold stop the row with TANDEM_DATA naming the column, never the value', () => {
  assert.throws(() => encode([t('text', { column: 'shop.notes' })], ['secret\0value']),
    (e: TandemError) => e instanceof TandemError && e.code === 'TANDEM_DATA' && e.message.startsWith('shop.notes:') && !e.message.includes('secret'));
  assert.throws(() => encode([t('date', { column: 'shop.born', nullable: false })], ['0000-00-00']),
    (e: TandemError) => e instanceof TandemError && e.code === 'TANDEM_DATA' && e.message.startsWith('shop.born: a zero date'));
  assert.throws(() => encode([t('jsonb', { column: 'shop.doc' })], ['{"a": "\\u0000"}']),
    (e: TandemError) => e instanceof TandemError && e.code === 'TANDEM_DATA' && e.message.startsWith('shop.doc:'));
});

test('a packet with fewer or more fields than the SELECT is an internal error', () => {
  assert.throws(() => encode([t('integer'), t('integer')], ['1']), /fewer fields/);
  assert.throws(() => encode([t('integer')], ['1', '2']), /more fields/);
});
