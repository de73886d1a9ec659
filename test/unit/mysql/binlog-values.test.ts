import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDecimal, decimalBinarySize } from '../../../src/adapters/mysql/capture/binlog-decimal.js';
import { decodeDate, decodeDatetime2, decodeTime2, decodeTimestamp2, decodeTimeOld, decodeDatetimeOld, decodeYear } from '../../../src/adapters/mysql/capture/binlog-temporal.js';
import { formatDouble, formatFixed, formatFloat } from '../../../src/adapters/mysql/capture/binlog-float-text.js';
import { compileRowDecoder, decodeRows, isFullImage, type CatalogColumn } from '../../../src/adapters/mysql/capture/binlog-row-decoder.js';
import { BinlogEventDecoder } from '../../../src/adapters/mysql/capture/binlog-event-decoder.js';
import type { TableMapEvent } from '../../../src/adapters/mysql/capture/binlog-event-types.js';
import { TandemError } from '../../../src/core/errors.js';
import { LE, bitmap, formatDescription, rowsEvent, tableMap } from './binlog-fixtures.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('DECIMAL: sizes and digits exactly, signs, leading-zero groups, negative zero fraction', () => {
  assert.equal(decimalBinarySize(10, 2), 5);
  assert.equal(decimalBinarySize(65, 30), 30);
  assert.equal(decimalBinarySize(5, 0), 3);
  assert.equal(decimalBinarySize(18, 9), 8);
  // DECIMAL(10,2) 1234567.89: int part 8 digits (4 bytes) = 01234567, fraction 2 digits (1 byte) = 89; sign bit set.
  assert.equal(decodeDecimal(hex('80 12 d6 87 59'), 0, 10, 2), '1234567.89');
  // the same negative: every byte inverted
  assert.equal(decodeDecimal(hex('7f ed 29 78 a6'), 0, 10, 2), '-1234567.89');
  // DECIMAL(10,2) 0.50 and -0.50
  assert.equal(decodeDecimal(hex('80 00 00 00 32'), 0, 10, 2), '0.50');
  assert.equal(decodeDecimal(hex('7f ff ff ff cd'), 0, 10, 2), '-0.50');
  // DECIMAL(5,0) 99999: 5 digits in 3 bytes
  assert.equal(decodeDecimal(hex('81 86 9f'), 0, 5, 0), '99999');
  // DECIMAL(18,9): -0.000000001 = int 0 (4 bytes), fraction 000000001 (4 bytes), inverted
  assert.equal(decodeDecimal(hex('7f ff ff ff ff ff ff fe'), 0, 18, 9), '-0.000000001');
  // DECIMAL(65,30) with 35 integer digits and 30 fraction digits, from a real MariaDB row
  assert.equal(
    decodeDecimal(hex('7f439eb1ca484078caf1cb3fd0f8a086f8a432eaff439eb1ca484078fc84'), 0, 65, 30),
    '-12345678901234567890123456789012345.123456789012345678901234567891',
  );
  // DECIMAL(4,4): no integer digits at all
  assert.equal(decodeDecimal(hex('a4 d3'), 0, 4, 4), '0.9427');
  assert.equal(decodeDecimal(hex('ff 80 7b 2d'), 1, 5, 2), '123.45');
});

test('DATE, YEAR, old TIME and DATETIME', () => {
  assert.equal(decodeDate(new LE().u24(29 | (2 << 5) | (2024 << 9)).build(), 0), '2024-02-29');
  assert.equal(decodeDate(Buffer.alloc(3), 0), '0000-00-00');
  assert.equal(decodeYear(0), '0000');
  assert.equal(decodeYear(124), '2024');
  assert.equal(decodeTimeOld(new LE().u24(0x1000000 - 8385959).build(), 0), '-838:59:59');
  assert.equal(decodeTimeOld(new LE().u24(123456).build(), 0), '12:34:56');
  assert.equal(decodeDatetimeOld(new LE().u64(20240229235959n).build(), 0), '2024-02-29 23:59:59');
});

test('DATETIME2 with every fsp width', () => {
  // 2024-02-29 23:59:59: ym = 2024*13+2, ymd = ym<<5 | 29, hms = 23<<12 | 59<<6 | 59
  const packed = (((2024 * 13 + 2) * 32 + 29) * 2 ** 17 + ((23 << 12) | (59 << 6) | 59)) + 0x8000000000;
  const base = Buffer.alloc(5);
  base.writeUIntBE(packed, 0, 5);
  assert.equal(decodeDatetime2(base, 0, 0), '2024-02-29 23:59:59');
  assert.equal(decodeDatetime2(Buffer.concat([base, hex('32')]), 0, 1), '2024-02-29 23:59:59.5');
  assert.equal(decodeDatetime2(Buffer.concat([base, hex('2706')]), 0, 3), '2024-02-29 23:59:59.999');
  assert.equal(decodeDatetime2(Buffer.concat([base, hex('000001')]), 0, 6), '2024-02-29 23:59:59.000001');
  assert.equal(decodeDatetime2(Buffer.concat([base, hex('0186a0')]), 0, 5), '2024-02-29 23:59:59.10000');
  const zero = Buffer.alloc(5);
  zero.writeUIntBE(0x8000000000, 0, 5);
  assert.equal(decodeDatetime2(zero, 0, 0), '0000-00-00 00:00:00');
});

test('TIMESTAMP2: UTC, fractions, the zero timestamp', () => {
  assert.equal(decodeTimestamp2(hex('7fffffff'), 0, 0), '2038-01-19 03:14:07');
  assert.equal(decodeTimestamp2(hex('00000001 00 00 01'), 0, 6), '1970-01-01 00:00:01.000001');
  assert.equal(decodeTimestamp2(hex('665b0d40 32'), 0, 2), '2024-06-01 12:00:00.50');
  assert.equal(decodeTimestamp2(hex('00000000'), 0, 0), '0000-00-00 00:00:00');
  assert.equal(decodeTimestamp2(hex('00000000 0000'), 0, 3), '0000-00-00 00:00:00.000');
});

test('TIME2: negative values, a fraction borrowing from the seconds, beyond 24 hours', () => {
  const t = (h: number, m: number, s: number) => (h << 12) | (m << 6) | s;
  const int3 = (v: number) => {
    const b = Buffer.alloc(3);
    b.writeUIntBE(v + 0x800000, 0, 3);
    return b;
  };
  assert.equal(decodeTime2(int3(t(838, 59, 59)), 0, 0), '838:59:59');
  assert.equal(decodeTime2(int3(-t(838, 59, 59)), 0, 0), '-838:59:59');
  assert.equal(decodeTime2(int3(t(100, 0, 0)), 0, 0), '100:00:00');
  // -12:30:00.5 at fsp 1: int part -(12:30:00) - 1, fraction byte 256 - 50
  assert.equal(decodeTime2(Buffer.concat([int3(-t(12, 30, 0) - 1), hex('ce')]), 0, 1), '-12:30:00.5');
  assert.equal(decodeTime2(Buffer.concat([int3(t(12, 30, 0)), hex('32')]), 0, 1), '12:30:00.5');
  // 100:00:00.0001 at fsp 4: fraction 1 (2 bytes, hundreds of microseconds)
  assert.equal(decodeTime2(Buffer.concat([int3(t(100, 0, 0)), hex('0001')]), 0, 4), '100:00:00.0001');
  assert.equal(decodeTime2(Buffer.concat([int3(-t(0, 0, 1)), hex('ffff')]), 0, 4), '-00:00:00.0001');
  // fsp 6: the whole 6-byte packed value, offset 0x800000000000
  const six = Buffer.alloc(6);
  six.writeUIntBE(0x800000000000 - 1, 0, 6);
  assert.equal(decodeTime2(six, 0, 6), '-00:00:00.000001');
  six.writeUIntBE(0x800000000000 + t(23, 59, 59) * 2 ** 24 + 999999, 0, 6);
  assert.equal(decodeTime2(six, 0, 6), '23:59:59.999999');
});

test('DOUBLE as the server prints it: shortest digits, plain within 1e-15..1e15, exponent beyond', () => {
  const cases: Array<[number, string]> = [
    [2.718281828459045, '2.718281828459045'], [0.1, '0.1'], [100, '100'], [-0.0000001, '-0.0000001'],
    [1e14, '100000000000000'], [1e15, '1e15'], [1.5e16, '1.5e16'], [123456789012345678, '1.2345678901234568e17'],
    [1e-15, '0.000000000000001'], [1e-16, '1e-16'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e308'],
    [0.000012345678901234567, '0.000012345678901234568'], [-123456789012345.6, '-123456789012345.6'], [0, '0'],
  ];
  for (const [v, text] of cases) assert.equal(formatDouble(v), text, String(v));
});

test('FLOAT as the server prints it: 6 significant digits of the float, ties to even', () => {
  const f = Math.fround;
  const cases: Array<[number, string]> = [
    [f(3.14), '3.14'], [f(1 / 3), '0.333333'], [f(16777217), '16777200'], [f(1234567), '1234570'],
    [f(1234565), '1234560'], [f(1234575), '1234580'], [f(100000.5), '100000'], [f(100001.5), '100002'],
    [f(1e15), '1e15'], [f(123456789012345678), '1.23457e17'], [f(3.4e38), '3.4e38'], [f(1.175494e-38), '1.17549e-38'],
    [f(9999999), '10000000'], [f(0.0000123456), '0.0000123456'], [f(-123.456), '-123.456'], [0, '0'],
  ];
  for (const [v, text] of cases) assert.equal(formatFloat(v), text, String(v));
});

test('FLOAT read as the snapshot reads it (CAST AS DOUBLE): every digit of the float', () => {
  const map = mapped([4, 4], new LE().u8(4).u8(4).build());
  const [r] = rowsOf(map, [{ name: 'a', floatAsDouble: true }, { name: 'b' }], new LE().u8(0).f32(3.14).f32(3.14).build());
  assert.deepEqual(r!.after, ['3.140000104904175', '3.14']);
});

test('FLOAT(M,D) / DOUBLE(M,D): exactly D decimals', () => {
  assert.equal(formatFixed(3.14, 2), '3.14');
  assert.equal(formatFixed(Math.fround(3.1416), 4), '3.1416');
  assert.equal(formatFixed(-0.5, 3), '-0.500');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  assert.equal(formatFixed(0.001, 2), '0.00');
  assert.equal(formatFixed(-0.001, 2), '0.00');
  assert.equal(formatFixed(12345.678, 1), '12345.7');
});

/** A decoder that has seen a table map, and the map. */
function mapped(types: number[], meta: Buffer, nullable?: boolean[]): TableMapEvent {
  const d = new BinlogEventDecoder();
  d.decode(formatDescription('8.0.36', 'NONE'));
  const ev = d.decode(tableMap(1, 'db', 't', types, meta, nullable ?? types.map(() => true)));
  assert.ok(ev.kind === 'tableMap');
  return ev;
}

function rowsOf(map: TableMapEvent, catalog: CatalogColumn[], images: Buffer, type = 30, opts: Parameters<typeof rowsEvent>[4] = {}) {
  const d = new BinlogEventDecoder();
  d.decode(formatDescription('8.0.36', 'NONE'));
  const ev = d.decode(rowsEvent(type, 1, map.columns.length, images, opts));
  assert.ok(ev.kind === 'rows');
  return decodeRows(ev, compileRowDecoder(map, catalog));
}

test('integers signed and unsigned, from the catalog; NULL distinct from 0; zerofill', () => {
  const map = mapped([1, 1, 2, 9, 9, 3, 3, 8, 8, 3], Buffer.alloc(0));
  const cat: CatalogColumn[] = [
    { name: 'a', unsigned: false }, { name: 'b', unsigned: true }, { name: 'c', unsigned: false }, { name: 'd', unsigned: false },
    { name: 'e', unsigned: true }, { name: 'f', unsigned: false }, { name: 'g', unsigned: true }, { name: 'h', unsigned: false },
    { name: 'i', unsigned: true }, { name: 'j', unsigned: true, zerofillWidth: 5 },
  ];
  const row = new LE().u8(0b0000_0000, 0b10) // 10 columns: the tenth NULL? no: bit 9 set = column j NULL
    .u8(0x80).u8(0xff).u16(0x8000).u24(0x800000).u24(0xffffff).u32(0x80000000).u32(0xffffffff)
    .i64(-9223372036854775808n).u64(18446744073709551615n).build();
  const [r] = rowsOf(map, cat, row);
  assert.deepEqual(r!.after, ['-128', '255', '-32768', '-8388608', '16777215', '-2147483648', '4294967295', '-9223372036854775808', '18446744073709551615', null]);
  const [z] = rowsOf(map, cat, new LE().u8(0, 0).u8(0, 0).u16(0).u24(0).u24(0).u32(0).u32(0).u64(0n).u64(0n).u32(42).build());
  assert.deepEqual(z!.after, ['0', '0', '0', '0', '0', '0', '0', '0', '0', '00042']);
});

test('strings: charsets, VARCHAR prefix sizes, CHAR > 255 bytes, BINARY padded with zero bytes, BLOB/TEXT, empty vs NULL', () => {
  // VARCHAR(10) latin1, VARCHAR(300) utf8mb4 (1200 bytes: 2-byte prefix), CHAR(255) utf8mb4, BINARY(4), VARBINARY(4), TEXT, BLOB, VARCHAR(4) ucs2
  const meta = new LE().u16(10).u16(1200).u8(0xce, 0xfc).u8(0xfe, 4).u16(4).u8(2).u8(2).u16(8).build();
  const map = mapped([15, 15, 254, 254, 15, 252, 252, 15], meta);
  const cat: CatalogColumn[] = [
    { name: 'lat', charset: 'latin1' }, { name: 'u', charset: 'utf8mb4' }, { name: 'c', charset: 'utf8mb4' }, { name: 'bn', charset: null },
    { name: 'vb', charset: 'binary' }, { name: 'tx', charset: 'utf8mb4' }, { name: 'bl', charset: null }, { name: 'uc', charset: 'ucs2' },
  ];
  const u = Buffer.from('Grüße 👋');
  const row = new LE().u8(0)
    .u8(5).u8(0x63, 0x61, 0x66, 0xe9, 0x80)
    .u16(u.length).raw(u)
    .u16(1).str('x')
    .u8(2).u8(0x61, 0x62)
    .u8(0)
    .u16(0)
    .u16(3).u8(0, 0xff, 0)
    .u8(4).u8(0x00, 0xe9, 0x20, 0xac)
    .build();
  const [r] = rowsOf(map, cat, row);
  assert.deepEqual(r!.after, ['café€', 'Grüße 👋', 'x', Buffer.from([0x61, 0x62, 0, 0]), Buffer.alloc(0), '', Buffer.from([0, 0xff, 0]), 'é€']);
});

test('BIT(n) as bytes, ENUM/SET as labels from the catalog, JSON binary as text, GEOMETRY as bytes', () => {
  const meta = new LE().u8(5, 1).u8(0xf7, 1).u8(0xf8, 1).u8(4).u8(4).build();
  const map = mapped([16, 254, 254, 245, 255], meta);
  const cat: CatalogColumn[] = [
    { name: 'b' }, { name: 'e', enumValues: ['a', 'b', 'c'] }, { name: 's', setValues: ['x', 'y', 'z'] }, { name: 'j' }, { name: 'g' },
  ];
  const json = hex('0001000c000b00010005010061');
  const geom = hex('00000000 0101000000 000000000000f03f 0000000000000040');
  const row = new LE().u8(0).u8(0x15, 0x55).u8(2).u8(0b101).u32(json.length).raw(json).u32(geom.length).raw(geom).build();
  const [r] = rowsOf(map, cat, row);
  assert.deepEqual(r!.after, [Buffer.from([0x15, 0x55]), 'b', 'x,z', '{"a": 1}', geom]);
  const [z] = rowsOf(map, cat, new LE().u8(0).u8(0, 0).u8(0).u8(0).u32(0).u32(0).build());
  assert.deepEqual(z!.after, [Buffer.from([0, 0]), '', '', 'null', Buffer.alloc(0)]);
});

test('optional metadata stands in for a missing catalog', () => {
  const meta = new LE().u16(10).u8(0xf7, 1).build();
  const opt = new LE().u8(1).packed(1).u8(0x80).u8(3).packed(1).packed(8).u8(6).packed(5).packed(2).packed(1).str('x').packed(1).str('y').build();
  const d = new BinlogEventDecoder();
  d.decode(formatDescription('8.0.36', 'NONE'));
  const map = d.decode(tableMap(1, 'db', 't', [1, 15, 254], meta, [true, true, true], opt));
  assert.ok(map.kind === 'tableMap');
  const ev = d.decode(rowsEvent(30, 1, 3, new LE().u8(0).u8(200).u8(1).u8(0xe9).u8(2).build()));
  assert.ok(ev.kind === 'rows');
  assert.deepEqual(decodeRows(ev, compileRowDecoder(map))[0]!.after, ['200', 'é', 'y']);
});

test('UPDATE before and after images; DELETE before image; several rows in one event', () => {
  const map = mapped([3, 15], new LE().u16(20).build());
  const cat: CatalogColumn[] = [{ name: 'id', unsigned: false }, { name: 'v', charset: 'utf8mb4' }];
  const img = (id: number, v: string | null) => (v === null ? new LE().u8(0b10).u32(id).build() : new LE().u8(0).u32(id).u8(v.length).str(v).build());
  const up = rowsOf(map, cat, Buffer.concat([img(1, 'a'), img(1, 'b'), img(2, null), img(3, '')]), 31);
  assert.deepEqual(up, [{ before: ['1', 'a'], after: ['1', 'b'] }, { before: ['2', null], after: ['3', ''] }]);
  const del = rowsOf(map, cat, Buffer.concat([img(5, 'x'), img(6, 'y')]), 32);
  assert.deepEqual(del, [{ before: ['5', 'x'] }, { before: ['6', 'y'] }]);
});

test('before images decoded for some columns only: the others are stepped over, whatever their size, and left out', () => {
  // BIGINT, DECIMAL(10,2), DATETIME2(6), VARCHAR(10) latin1, BLOB (2-byte length), then the INT key last.
  const map = mapped([8, 246, 18, 15, 252, 3], new LE().u8(10, 2).u8(6).u16(10).u8(2).build());
  const cat: CatalogColumn[] = [
    { name: 'big', unsigned: false }, { name: 'dec' }, { name: 'dt', fsp: 6 }, { name: 'lat', charset: 'latin1' }, { name: 'bl', charset: null }, { name: 'id', unsigned: false },
  ];
  const datetime = Buffer.alloc(8);
  datetime.writeUIntBE((((2024 * 13 + 2) * 32 + 29) * 2 ** 17 + ((23 << 12) | (59 << 6) | 59)) + 0x8000000000, 0, 5);
  datetime.writeUIntBE(1, 5, 3);
  const img = (id: number, text: string) => new LE().u8(0).i64(-123n).hex('80 12 d6 87 59').raw(datetime).u8(text.length).str(text, 'latin1').u16(3).hex('00ff10').u32(id).build();
  const d = new BinlogEventDecoder();
  d.decode(formatDescription('8.0.36', 'NONE'));
  const up = d.decode(rowsEvent(31, 1, 6, Buffer.concat([img(7, 'abc'), img(8, 'dé'), img(9, ''), img(10, 'x')])));
  const del = d.decode(rowsEvent(32, 1, 6, Buffer.concat([img(11, 'abc'), img(12, '')])));
  assert.ok(up.kind === 'rows' && del.kind === 'rows');
  const plan = compileRowDecoder(map, cat);
  const keyOnly = [false, false, false, false, false, true];
  const full = ['-123', '1234567.89', '2024-02-29 23:59:59.000001'];
  assert.deepEqual(decodeRows(up, plan)[0]!.before!.slice(0, 4), [...full, 'abc']);
  const partial = decodeRows(up, plan, keyOnly);
  assert.deepEqual(partial.map((r) => r.before![5]), ['7', '9']);
  assert.deepEqual(partial.map((r) => [0, 1, 2, 3, 4].filter((i) => i in r.before!)), [[], []]);
  assert.deepEqual(partial.map((r) => r.after!.slice(0, 4)), [[...full, 'dé'], [...full, 'x']]);
  assert.deepEqual(partial.map((r) => r.after![5]), ['8', '10']);
  assert.deepEqual(decodeRows(del, plan, keyOnly).map((r) => r.before![5]), ['11', '12']);
  // A value cut short is still an error when it is only stepped over.
  const cut = d.decode(rowsEvent(32, 1, 6, img(13, 'abc').subarray(0, 30)));
  assert.ok(cut.kind === 'rows');
  assert.throws(() => decodeRows(cut, plan, keyOnly), /truncated row image/);
});

test('a partial image (binlog_row_image=MINIMAL) is visible in the bitmap; absent columns are undefined', () => {
  assert.equal(isFullImage(bitmap(10), 10), true);
  assert.equal(isFullImage(bitmap(10, [0, 1, 2, 3, 4, 5, 6, 7, 9]), 10), false);
  const map = mapped([3, 15], new LE().u16(20).build());
  const cat: CatalogColumn[] = [{ name: 'id', unsigned: false }, { name: 'v', charset: 'utf8mb4' }];
  const [r] = rowsOf(map, cat, new LE().u8(0).u32(9).build(), 32, { present: bitmap(2, [0]) });
  assert.equal(r!.before![0], '9');
  assert.equal(1 in r!.before!, false);
});

test('catalog and binlog disagree: a clear TandemError, not garbage', () => {
  const map = mapped([3, 15], new LE().u16(20).build());
  assert.throws(() => compileRowDecoder(map, [{ name: 'id' }]), (e: unknown) => e instanceof TandemError && /2 columns for db\.t but the table had 1/.test(e.message));
  assert.throws(() => compileRowDecoder(map, [{ name: 'id', dataType: 'int', unsigned: false }, { name: 'v', dataType: 'int' }]),
    (e: unknown) => e instanceof TandemError && /v of db\.t is int in the catalog but VARCHAR in the binlog/.test(e.message));
  assert.throws(() => compileRowDecoder(map, [{ name: 'id', dataType: 'int', unsigned: false }, { name: 'v', dataType: 'inet6' }]),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /inet6/.test(e.message));
  assert.throws(() => compileRowDecoder(map, [{ name: 'id', unsigned: false }, { name: 'v', charset: 'dec8' }]),
    (e: unknown) => e instanceof TandemError && /character set dec8/.test(e.message));
});

test('a truncated row image is a decode error', () => {
  const map = mapped([3], Buffer.alloc(0));
  assert.throws(() => rowsOf(map, [{ name: 'id', unsigned: false }], new LE().u8(0).u16(1).build()), /truncated row image/);
});

test("MariaDB's own fractional temporal format (mysql56_temporal_format=OFF): the fsp comes from the catalog", () => {
  // A row written by MariaDB 10.11 for (id int, t time(3), dt datetime(6), ts timestamp(2), t0 time, d0 datetime, ts0 timestamp)
  // created with mysql56_temporal_format=OFF; the table map says TIME/DATETIME/TIMESTAMP without metadata.
  const map = mapped([3, 11, 12, 7, 11, 12, 7], Buffer.alloc(0));
  const cat: CatalogColumn[] = [
    { name: 'id', unsigned: false }, { name: 't', fsp: 3 }, { name: 'dt', fsp: 6 }, { name: 'ts', fsp: 2 }, { name: 't0' }, { name: 'd0' }, { name: 'ts0' },
  ];
  const [r] = rowsOf(map, cat, hex('80 01000000 00b158fe4c 01027ac70567e000 665b0d4032 590a80 f77cac8b68120000 ffffff7f'));
  assert.deepEqual(r!.after, ['1', '-12:30:00.500', '2024-02-29 23:59:59.123456', '2024-06-01 12:00:00.50', '-838:59:59', '2024-02-29 23:59:59', '2038-01-19 03:14:07']);
});

test('MariaDB UUID, INET4 and INET6 as the server prints them', () => {
  const meta = new LE().u8(0xfe, 16).u8(0xfe, 4).u8(0xfe, 16).build();
  const map = mapped([254, 254, 254], meta);
  const cat: CatalogColumn[] = [{ name: 'u', dataType: 'uuid' }, { name: 'i4', dataType: 'inet4' }, { name: 'i6', dataType: 'inet6' }];
  const row = (u: string, i4: string, i6: string) => new LE().u8(0).u8(16).hex(u).u8(4).hex(i4).u8(16).hex(i6).build();
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000001', '::1'], ['20010db8000000000000ff0000428329', '2001:db8::ff00:42:8329'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'], ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00010000000000010000000000000001', '1:0:0:1::1'], ['00010000000200030004000500060007', '1::2:3:4:5:6:7'],
    ['00000000000000000000000000000000', '::'], ['00010002000300040005000600070000', '1:2:3:4:5:6:7::'],
    ['00000000000100000000000100000000', '::1:0:0:1:0:0'], ['00000000000000000000000000010000', '::0.1.0.0'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'], ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
  ];
  for (const [bytes, text] of cases) {
    const [r] = rowsOf(map, cat, row('6ccd780cbaba102695645b8c656024db', '0a000001', bytes));
    assert.deepEqual(r!.after, ['6ccd780c-baba-1026-9564-5b8c656024db', '10.0.0.1', text], text);
  }
});
