/**
 * MySQL 8's binary JSON, from byte fixtures written by hand after the documented format
 * (sql/json_binary.h). MariaDB has no binary JSON, so none of this runs against a live server here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJsonBinary, quote } from '../../../src/adapters/mysql/capture/binlog-json.js';
import { BinlogDecodeError } from '../../../src/adapters/mysql/capture/binlog-reader.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('scalars at the top level', () => {
  assert.equal(decodeJsonBinary(hex('04 00')), 'null');
  assert.equal(decodeJsonBinary(hex('04 01')), 'true');
  assert.equal(decodeJsonBinary(hex('04 02')), 'false');
  assert.equal(decodeJsonBinary(hex('05 ff ff')), '-1');
  assert.equal(decodeJsonBinary(hex('06 ff ff')), '65535');
  assert.equal(decodeJsonBinary(hex('07 00 00 00 80')), '-2147483648');
  assert.equal(decodeJsonBinary(hex('08 ff ff ff ff')), '4294967295');
  assert.equal(decodeJsonBinary(hex('09 00 00 00 00 00 00 00 80')), '-9223372036854775808');
  assert.equal(decodeJsonBinary(hex('0a ff ff ff ff ff ff ff ff')), '18446744073709551615');
  assert.equal(decodeJsonBinary(hex('0b 00 00 00 00 00 00 f8 3f')), '1.5');
  assert.equal(decodeJsonBinary(hex('0b 00 00 00 00 00 00 f0 3f')), '1.0'); // a double that prints as an integer keeps '.0'
  assert.equal(decodeJsonBinary(hex('0c 03 61 62 63')), '"abc"');
  assert.equal(decodeJsonBinary(Buffer.alloc(0)), 'null');
});

test('strings: variable-length lengths and escapes', () => {
  const long = 'x'.repeat(200); // length 200 = 0xc8 → 7-bit groups: 0x48|0x80, 0x01
  assert.equal(decodeJsonBinary(Buffer.concat([hex('0c c8 01'), Buffer.from(long)])), `"${long}"`);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('0c 0a'), Buffer.from('a"b\\c\n\t\u0001é')])), '"a\\"b\\\\c\\n\\t\\u0001é"');
  assert.equal(quote('\b\f\r'), '"\\b\\f\\r"');
});

test('a small object: keys as stored (by length, then bytes), inlined int16 and literal, a string by offset', () => {
  // {"a": 1, "c": "x", "bb": true}: count 3, size 31, 3 key entries (offset, length), 3 value entries
  // (type, inline value or offset), keys "a" (25), "c" (26), "bb" (27), the string at 29: [01 78].
  const body = hex(`
    0300 1f00
    1900 0100  1a00 0100  1b00 0200
    05 0100  0c 1d00  04 0100
    61 63 6262
    01 78`);
  assert.equal(body.length, 31);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('00'), body])), '{"a": 1, "c": "x", "bb": true}');
});

test('a small array with a nested object, an int32 by offset and an empty array', () => {
  // [7, {"k": null}, 100000, []]: count 4, size, 4 value entries, then the values.
  // 0: int16 7 inline; 1: object at 16; 2: int32 at 28; 3: empty array at 32
  const nested = hex('0100 0c00 0b00 0100 04 0000 6b'); // {"k": null}: 12 bytes
  const body = Buffer.concat([
    hex('0400 2400'),
    hex('05 0700  00 1000  07 1c00  02 2000'),
    nested,
    hex('a0860100'), // 100000
    hex('0000 0400'), // [] : count 0, size 4
  ]);
  assert.equal(body.length, 0x24);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('02'), body])), '[7, {"k": null}, 100000, []]');
});

test('the large form: 32-bit counts and offsets, int32 inlined', () => {
  // {"a": -5}: count, size, key entry (u32 offset, u16 length), value entry (type + u32), key
  const obj = hex('01000000 14000000  13000000 0100  07 fbffffff  61');
  assert.equal(obj.length, 0x14);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('01'), obj])), '{"a": -5}');
  // [true, "a"]: the string at offset 18
  const arr = hex('02000000 14000000  04 01000000  0c 12000000  01 61');
  assert.equal(arr.length, 0x14);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('03'), arr])), '[true, "a"]');
});

test('opaque values: DECIMAL digit for digit, DATE, DATETIME, TIME, other types as base64', () => {
  // DECIMAL(5,2) 123.45 → precision 5, scale 2, binary 80 7b 2d
  assert.equal(decodeJsonBinary(hex('0f f6 05 05 02 80 7b 2d')), '123.45');
  // DATETIME 2024-02-29 23:59:59.5: packed ((ym*32+d) << 17 | hms) << 24 | 500000
  const ymd = (2024 * 13 + 2) * 32 + 29;
  const hms = (23 << 12) | (59 << 6) | 59;
  const packed = ((BigInt(ymd) << 17n) | BigInt(hms)) << 24n | 500000n;
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(packed);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('0f 0c 08'), b])), '"2024-02-29 23:59:59.500000"');
  b.writeBigInt64LE((BigInt(ymd) << 17n) << 24n);
  assert.equal(decodeJsonBinary(Buffer.concat([hex('0f 0a 08'), b])), '"2024-02-29"');
  b.writeBigInt64LE(-((BigInt((12 << 12) | (30 << 6)) << 24n) | 1n));
  assert.equal(decodeJsonBinary(Buffer.concat([hex('0f 0b 08'), b])), '"-12:30:00.000001"');
  assert.equal(decodeJsonBinary(hex('0f fc 02 ab cd')), '"base64:type252:q80="');
});

test('malformed binary JSON is a decode error, never a guess', () => {
  assert.throws(() => decodeJsonBinary(hex('0d 00')), BinlogDecodeError);
  assert.throws(() => decodeJsonBinary(hex('04 07')), BinlogDecodeError);
  assert.throws(() => decodeJsonBinary(hex('0c 05 61')), BinlogDecodeError);
  assert.throws(() => decodeJsonBinary(hex('00 0100 ff00')), BinlogDecodeError);
});
