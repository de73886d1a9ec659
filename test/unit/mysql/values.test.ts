import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isImpossibleDate, isZeroDate, mysqlToPg } from '../../../src/adapters/mysql/values/mysql-to-pg.js';
import { byteaToBuffer, intervalToTime, pgToMySql, timestamptzToUtc } from '../../../src/adapters/mysql/values/pg-to-mysql.js';
import type { MySqlValueKind, MySqlValueType } from '../../../src/adapters/mysql/values/value-type.js';
import { TandemError } from '../../../src/core/errors.js';

const t = (kind: MySqlValueKind, extra: Partial<MySqlValueType> = {}): MySqlValueType => ({ kind, column: 't.c', nullable: true, ...extra });

test('mysqlToPg: numbers, text and JSON pass as text; NULL stays NULL; empty string stays empty', () => {
  assert.equal(mysqlToPg('18446744073709551615', t('integer')), '18446744073709551615');
  assert.equal(mysqlToPg(-9223372036854775808n, t('integer')), '-9223372036854775808');
  assert.equal(mysqlToPg(42, t('integer')), '42');
  assert.equal(mysqlToPg('-99999999999999999999999999999999999.999999999999999999999999999999', t('decimal')), '-99999999999999999999999999999999999.999999999999999999999999999999');
  assert.equal(mysqlToPg('0.10000000149011612', t('float')), '0.10000000149011612');
  assert.equal(mysqlToPg('5e-324', t('double')), '5e-324');
  assert.equal(mysqlToPg('', t('text')), '');
  assert.equal(mysqlToPg(null, t('text')), null);
  assert.equal(mysqlToPg('日本語 😀', t('text')), '日本語 😀');
  assert.equal(mysqlToPg('{"b":1, "a":[1.50]}', t('json')), '{"b":1, "a":[1.50]}');
  assert.equal(mysqlToPg('{"a": "\\\\u0000"}', t('jsonb')), '{"a": "\\\\u0000"}'); // an escaped backslash, not a NUL
});

test('mysqlToPg: BIT as n binary digits, binary strings as \\x hex', () => {
  assert.equal(mysqlToPg(Buffer.from([0x05]), t('bit', { bitLength: 3 })), '101');
  assert.equal(mysqlToPg(Buffer.from([0x02, 0x01]), t('bit', { bitLength: 10 })), '1000000001');
  assert.equal(mysqlToPg(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), t('bit', { bitLength: 64 })), '1'.repeat(64));
  assert.equal(mysqlToPg(Buffer.from([0x00]), t('bit', { bitLength: 1 })), '0');
  assert.equal(mysqlToPg('5', t('bit', { bitLength: 4 })), '0101');
  assert.equal(mysqlToPg(Buffer.from([0x00, 0xff, 0x5c]), t('binary')), '\\x00ff5c');
  assert.equal(mysqlToPg(Buffer.alloc(0), t('binary')), '\\x');
});

test('mysqlToPg: dates and times; TIMESTAMP gets +00; TIME beyond 24 h and negative stays as interval text; YEAR 0000 is 0', () => {
  assert.equal(mysqlToPg('2024-02-29', t('date')), '2024-02-29');
  assert.equal(mysqlToPg('2024-02-29 12:34:56.000001', t('datetime')), '2024-02-29 12:34:56.000001');
  assert.equal(mysqlToPg('2038-01-19 03:14:07.999', t('timestamp')), '2038-01-19 03:14:07.999+00');
  assert.equal(mysqlToPg('-838:59:59.999999', t('time')), '-838:59:59.999999');
  assert.equal(mysqlToPg('0000', t('year')), '0');
  assert.equal(mysqlToPg('2155', t('year')), '2155');
});

test('zero dates: NULL in a nullable column, a TANDEM_DATA error naming the column in a NOT NULL one', () => {
  for (const zero of ['0000-00-00', '2024-00-10', '2024-05-00', '0000-01-01']) {
    assert.equal(isZeroDate(zero), true, zero);
    assert.equal(mysqlToPg(zero, t('date')), null);
  }
  assert.equal(isZeroDate('2024-01-01'), false);
  assert.equal(isZeroDate('1000-01-01 00:00:00'), false);
  assert.equal(mysqlToPg('0000-00-00 00:00:00', t('timestamp')), null);
  assert.equal(mysqlToPg('2024-00-10 10:00:00', t('datetime')), null);
  assert.throws(() => mysqlToPg('0000-00-00', t('date', { column: 'orders.placed', nullable: false })),
    (e: TandemError) => e.code === 'TANDEM_DATA' && e.message === 'orders.placed: a zero date (0000-00-00, or a zero month or day) in a NOT NULL column.');
});

test('mysqlToPg refuses what PostgreSQL cannot store, naming the column and not the value', () => {
  assert.throws(() => mysqlToPg('a\0secret', t('text', { column: 'users.name' })),
    (e: TandemError) => e.code === 'TANDEM_DATA' && e.message.startsWith('users.name: a value holds a NUL character') && !e.message.includes('secret'));
  // The row stays in the binlog: a rerun of the stream meets it again, so only a new snapshot gets past it.
  assert.throws(() => mysqlToPg('a\0b', t('text')), (e: TandemError) => /^In the snapshot: remove the NUL characters on the source \(UPDATE … SET c = REPLACE\(c, CHAR\(0\), ''\)\), then rerun export data: it takes a new snapshot\. /.test(e.hint ?? '')
    && /In the change stream the row stays in the binlog as written, so removing the characters on the source does not get past it .*start the migration again from a new snapshot \(a new export dir, the target's tables emptied\)/.test(e.hint ?? ''));
  assert.throws(() => mysqlToPg('{"a": "\\u0000"}', t('jsonb')), (e: TandemError) => e.code === 'TANDEM_DATA');
});

test('pgToMySql: PostgreSQL text back into MySQL values', () => {
  assert.equal(pgToMySql(null, t('text')), null);
  assert.equal(pgToMySql('', t('text')), '');
  assert.equal(pgToMySql('18446744073709551615', t('integer')), '18446744073709551615');
  assert.equal(pgToMySql('1.6777216e+07', t('float')), '16777216');
  assert.deepEqual(pgToMySql('101', t('bit', { bitLength: 3 })), Buffer.from([0x05]));
  assert.deepEqual(pgToMySql('1000000001', t('bit', { bitLength: 10 })), Buffer.from([0x02, 0x01]));
  assert.deepEqual(pgToMySql('\\x00ff', t('binary')), Buffer.from([0x00, 0xff]));
  assert.deepEqual(pgToMySql('\\x', t('binary')), Buffer.alloc(0));
  assert.equal(pgToMySql('2024-02-29 18:04:56.001+05:30', t('timestamp')), '2024-02-29 12:34:56.001');
  assert.equal(pgToMySql('0', t('year')), '0000');
  assert.equal(pgToMySql('2024', t('year')), '2024');
  assert.equal(pgToMySql('838:59:59.999999', t('time')), '838:59:59.999999');
  assert.equal(pgToMySql('2024-02-29 12:34:56', t('datetime')), '2024-02-29 12:34:56');
});

test('pgToMySql: a real goes to a FLOAT as the float\'s exact double text (PostgreSQL\'s shortest text of FLT_MAX is a double above it, which MySQL refuses); a DOUBLE keeps its text', () => {
  assert.equal(pgToMySql('3.4028235e+38', t('float')), '3.4028234663852886e+38');
  assert.equal(pgToMySql('-3.4028235e+38', t('float')), '-3.4028234663852886e+38');
  assert.equal(pgToMySql('0.1', t('float')), '0.10000000149011612');
  assert.equal(pgToMySql('1e-45', t('float')), '1.401298464324817e-45');
  assert.equal(pgToMySql('-0', t('float')), '-0');
  assert.equal(pgToMySql('1e+300', t('float')), '1e+300', 'no float (a double precision column on the target): left to MySQL, which refuses it');
  assert.equal(pgToMySql('3.4028235e+38', t('double')), '3.4028235e+38');
  assert.equal(pgToMySql('0.1', t('double')), '0.1');
});

test('pgToMySql: timestamptz text into a DATETIME (the source column changed from TIMESTAMP) is its UTC time without an offset, as for TIMESTAMP; timestamp text passes', () => {
  assert.equal(pgToMySql('2040-01-01 05:30:00.123456+05:30', t('datetime')), '2040-01-01 00:00:00.123456');
  assert.equal(pgToMySql('2030-01-01 00:00:00+00', t('datetime')), '2030-01-01 00:00:00');
  assert.equal(pgToMySql('1000-01-01 00:00:00-03', t('datetime')), '1000-01-01 03:00:00');
  assert.equal(pgToMySql('9999-12-31 23:59:59.999999', t('datetime')), '9999-12-31 23:59:59.999999');
  assert.throws(() => pgToMySql('infinity', t('datetime')), (e: TandemError) => e.code === 'TANDEM_DATA');
});

test('bytea in the escape format too', () => {
  assert.deepEqual(byteaToBuffer('a\\000\\\\b\\377'), Buffer.from([0x61, 0x00, 0x5c, 0x62, 0xff]));
});

test('timestamptz with any offset becomes the UTC instant, fractions kept', () => {
  assert.equal(timestamptzToUtc('2024-01-01 00:30:00+01', t('timestamp')), '2023-12-31 23:30:00');
  assert.equal(timestamptzToUtc('2038-01-19 08:44:07.999999+05:30', t('timestamp')), '2038-01-19 03:14:07.999999');
  assert.equal(timestamptzToUtc('1970-01-01 00:00:01-03', t('timestamp')), '1970-01-01 03:00:01');
  assert.equal(timestamptzToUtc('1900-01-01 00:00:00+00:09:21', t('timestamp')), '1899-12-31 23:50:39');
  assert.equal(timestamptzToUtc('0099-03-01 00:00:00+00', t('timestamp')), '0099-03-01 00:00:00');
  for (const bad of ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC']) {
    assert.throws(() => timestamptzToUtc(bad, t('timestamp')), (e: TandemError) => e.code === 'TANDEM_DATA');
  }
});

test('interval text (IntervalStyle postgres) becomes MySQL TIME text', () => {
  const cases: [string, string][] = [
    ['838:59:59', '838:59:59'], ['-838:59:59', '-838:59:59'], ['-00:00:00.000001', '-00:00:00.000001'], ['00:00:00', '00:00:00'],
    ['-12:30:00', '-12:30:00'], ['1 day 02:00:00', '26:00:00'], ['-1 days +02:00:00', '-22:00:00'], ['3 days', '72:00:00'],
    ['-1 days -02:00:00.5', '-26:00:00.5'], ['01:02:03.100000', '01:02:03.1'],
  ];
  for (const [pg, my] of cases) assert.equal(intervalToTime(pg, t('time')), my, pg);
  for (const bad of ['1 mon', '1 year 2 days', 'P1D', '']) {
    assert.throws(() => intervalToTime(bad, t('time')), (e: TandemError) => e.code === 'TANDEM_DATA', bad);
  }
});

test('pgToMySql refuses what MySQL cannot store', () => {
  for (const [v, kind] of [['NaN', 'double'], ['Infinity', 'float'], ['-Infinity', 'double'], ['NaN', 'decimal'], ['infinity', 'date'], ['2024-01-01 BC', 'date'], ['infinity', 'datetime']] as const) {
    assert.throws(() => pgToMySql(v, t(kind)), (e: TandemError) => e.code === 'TANDEM_DATA', `${kind} ${v}`);
  }
});

test('pgToMySql refuses a character the column\'s character set cannot store, naming the column and the fix, never the value', () => {
  const check = (charset: string, text: string) => pgToMySql(text, t('text', { column: 'people.name', charset }));
  assert.equal(check('latin1', 'café €'), 'café €');
  assert.equal(check('utf8mb3', '中文'), '中文');
  assert.equal(check('latin2', 'any ł 😀'), 'any ł 😀', 'a set Tandem does not know is left to MySQL\'s own check');
  for (const [charset, text] of [['latin1', 'Ā'], ['utf8mb3', 'x 😀'], ['utf8', '😀'], ['ascii', 'é'], ['ucs2', '𝄞']] as const) {
    assert.throws(() => check(charset, text), (e: TandemError) => e.code === 'TANDEM_DATA'
      && e.message === `people.name: a character that the column's character set ${charset} cannot store, written on the target.`
      && /ALTER TABLE `people` MODIFY `name` <its type as in SHOW CREATE TABLE> CHARACTER SET utf8mb4; then rerun import data to source: it resumes with this change\./.test(e.hint ?? '')
      && !e.message.includes(text) && !(e.hint ?? '').includes(text), `${charset}`);
  }
  assert.equal(pgToMySql('😀', t('text')), '😀', 'utf8mb4 (no charset recorded): anything');
});

test('a day its month does not have (ALLOW_INVALID_DATES) is an impossible date: NULL in a nullable column, TANDEM_DATA naming the column in a NOT NULL one; leap days and month ends are kept', () => {
  for (const bad of ['2024-02-30', '2023-02-29', '1900-02-29', '2023-04-31 10:00:00', '2023-11-31 00:00:00.000']) assert.equal(isImpossibleDate(bad), true, bad);
  for (const good of ['2024-02-29', '2000-02-29', '2023-01-31', '2023-04-30 23:59:59', '9999-12-31', '2024-02-28']) assert.equal(isImpossibleDate(good), false, good);
  assert.equal(mysqlToPg('2024-02-30 10:00:00', { kind: 'datetime', column: 't.dt', nullable: true }), null);
  assert.throws(() => mysqlToPg('2023-04-31', { kind: 'date', column: 't.d', nullable: false }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /^t\.d: a day its month does not have \(2023-04-31, stored under ALLOW_INVALID_DATES\) in a NOT NULL column/.test(e.message));
});
