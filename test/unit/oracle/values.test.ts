import { test } from 'node:test';
import assert from 'node:assert/strict';
import { significantDigits } from '../../../src/core/values/decimal-text.js';
import { pgTimestampOutput } from '../../../src/core/values/datetime-text.js';
import { oracleNumberText } from '../../../src/adapters/oracle/values/number-text.js';
import { parseFloatText } from '../../../src/adapters/oracle/values/float-text.js';
import { oracleDateBind, oracleTimestampBind, oracleTimestampTzBind, parseOracleDateTime } from '../../../src/adapters/oracle/values/datetime-text.js';
import { oracleDaySecondBind, oracleYearMonthBind } from '../../../src/adapters/oracle/values/interval-text.js';
import { parseBytea } from '../../../src/adapters/oracle/values/binary-text.js';
import { oracleToPgText } from '../../../src/adapters/oracle/values/oracle-to-pg.js';
import { bindExpression, pgTextToOracle } from '../../../src/adapters/oracle/values/pg-to-oracle.js';
import { readFileSync } from 'node:fs';
import { oracleTypeFamily, type OracleColumnType } from '../../../src/adapters/oracle/values/oracle-type.js';
import { pgTypeFor } from '../../../src/adapters/oracle/values/type-map.js';
import { parseOracleType } from '../../../src/adapters/oracle/schema/oracle-type.js';
import { tokenizeOracle } from '../../../src/adapters/oracle/schema/oracle-tokenizer.js';
import { TokenCursor } from '../../../src/adapters/oracle/schema/token-cursor.js';
import { mapOracleType } from '../../../src/adapters/oracle/schema/type-mapping.js';
import { OracleValueError } from '../../../src/adapters/oracle/values/value-error.js';
import { ValueConversionError } from '../../../src/core/values/value-conversion-error.js';

test('NUMBER text: every shape Oracle prints becomes one plain decimal, digit for digit', () => {
  const cases: [string, string][] = [
    ['.5', '0.5'], ['-.05', '-0.05'], ['0', '0'], ['-0', '0'], ['007', '7'], ['1.500', '1.5'], ['+3', '3'],
    ['1.0E+3', '1000'], ['1.5e-7', '0.00000015'], ['-1E+125', '-1' + '0'.repeat(125)],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001',
      '0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001'],
    ['9999999999999999999999999999999999999.9', '9999999999999999999999999999999999999.9'],
  ];
  for (const [input, expected] of cases) assert.equal(oracleNumberText(input), expected, input);
  for (const bad of ['', '.', 'abc', '1.2.3', '1e', '--1']) assert.throws(() => oracleNumberText(bad), OracleValueError, bad);
  assert.equal(significantDigits('1200'), 2);
  assert.equal(significantDigits('0.0012'), 2);
});

test('Oracle\'s float text: TO_CHAR\'s and Oracle\'s own spellings of infinity and NaN', () => {
  assert.equal(parseFloatText('1.5E+000'), 1.5);
  assert.equal(parseFloatText('Inf'), Infinity);
  assert.equal(parseFloatText('-Inf'), -Infinity);
  assert.ok(Number.isNaN(parseFloatText('Nan')));
  assert.equal(parseFloatText('-~'), -Infinity);
  assert.throws(() => parseFloatText('1,5'), OracleValueError);
  assert.equal(parseFloatText('~'), Infinity);
  assert.ok(Number.isNaN(parseFloatText('BINARY_DOUBLE_NAN')));
});

test('Oracle date-time text: sign and BC years, every fractional digit, offsets and regions', () => {
  assert.deepEqual(parseOracleDateTime(' 2024-01-15 10:30:00'), { year: 2024, month: 1, day: 15, hour: 10, minute: 30, second: 0, fraction: '', zone: undefined });
  assert.equal(parseOracleDateTime('-0044-03-15 12:00:00').year, -43);
  assert.throws(() => parseOracleDateTime('2023-02-29 00:00:00'), OracleValueError);
  assert.throws(() => parseOracleDateTime('0000-01-01 00:00:00'), OracleValueError);
  assert.equal(oracleToPgText('date', ' 2024-01-15 10:30:59'), '2024-01-15 10:30:59');
  assert.equal(oracleToPgText('date', '-0044-03-15 12:00:00'), '0044-03-15 12:00:00 BC');
  assert.equal(oracleToPgText('date', '-4712-01-01 00:00:00'), '4712-01-01 00:00:00 BC');
  assert.equal(oracleToPgText('timestamp', '2024-01-15 10:30:00.123456789'), '2024-01-15 10:30:00.123456789');
  assert.equal(oracleToPgText('timestamp', '2024-01-15 10:30:00.500000000'), '2024-01-15 10:30:00.5');
  assert.equal(oracleToPgText('timestamp', '2024-01-15 10:30:00.000000000'), '2024-01-15 10:30:00');
  assert.equal(oracleToPgText('timestamp_tz', '2024-01-15 10:30:00.000000000 +05:30'), '2024-01-15 10:30:00+05:30');
  assert.equal(oracleToPgText('timestamp_tz', '2024-01-15 10:30:00.250000000 -08:00'), '2024-01-15 10:30:00.25-08');
  assert.equal(oracleToPgText('timestamp_tz', '2024-07-01 09:00:00.000000000 Europe/Paris'), '2024-07-01 09:00:00 Europe/Paris');
  assert.equal(oracleToPgText('timestamp_ltz', '2024-01-15 10:30:00.000001000'), '2024-01-15 10:30:00.000001+00');
  assert.throws(() => oracleToPgText('date', '15-JAN-24'), OracleValueError);
});

test('what PostgreSQL stores for a timestamp: rounding carries across seconds, days and years; typmod rounds half away from zero', () => {
  const f = (s: string) => parseOracleDateTime(s);
  assert.equal(pgTimestampOutput(f('2024-12-31 23:59:59.9999996')), '2025-01-01 00:00:00');
  assert.equal(pgTimestampOutput(f('2024-01-15 10:30:00.123456789')), '2024-01-15 10:30:00.123457');
  assert.equal(pgTimestampOutput(f('2024-01-15 10:30:00.5'), 0), '2024-01-15 10:30:01');
  // Half away from zero counted from PostgreSQL's epoch, 2000-01-01: half a second before it rounds down.
  assert.equal(pgTimestampOutput(f('1999-12-31 23:59:59.5'), 0), '1999-12-31 23:59:59');
  assert.equal(pgTimestampOutput(f('-0044-03-15 12:00:00')), '0044-03-15 12:00:00 BC');
  assert.equal(pgTimestampOutput(f('2024-01-15 10:30:00 +05:30'), 6, true), '2024-01-15 05:00:00+00');
  assert.equal(pgTimestampOutput(f('2024-01-01 01:00:00 +05:00'), 6, true), '2023-12-31 20:00:00+00');
});

test('PostgreSQL timestamps become Oracle bind text in one fixed format; a DATE drops the fraction and says so', () => {
  assert.deepEqual(oracleDateBind('2024-01-15 10:30:59'), { text: '2024-01-15 10:30:59', fractionDropped: false });
  assert.deepEqual(oracleDateBind('2024-01-15 10:30:59.25'), { text: '2024-01-15 10:30:59', fractionDropped: true });
  assert.deepEqual(oracleDateBind('0044-03-15 12:00:00 BC'), { text: '-0044-03-15 12:00:00', fractionDropped: false });
  assert.equal(oracleTimestampBind('2024-01-15 10:30:00'), '2024-01-15 10:30:00.0');
  assert.equal(oracleTimestampBind('2024-01-15 10:30:00.000123'), '2024-01-15 10:30:00.000123');
  assert.equal(oracleTimestampTzBind('2024-01-15 10:30:00.5+05:30'), '2024-01-15 10:30:00.5 +05:30');
  assert.equal(oracleTimestampTzBind('2024-01-15 10:30:00+00'), '2024-01-15 10:30:00.0 +00:00');
  // An offset with seconds (local mean time) cannot be written as TZH:TZM: the same instant in UTC.
  assert.equal(oracleTimestampTzBind('1850-01-01 00:00:00+00:09:21'), '1849-12-31 23:50:39.0 +00:00');
  assert.throws(() => oracleTimestampBind('infinity'), OracleValueError);
  assert.throws(() => oracleDateBind('10000-01-01 00:00:00'), OracleValueError);
});

test('intervals: Oracle text to PostgreSQL output form and back', () => {
  assert.equal(oracleToPgText('interval_ym', '+02-03'), '2 years 3 mons');
  assert.equal(oracleToPgText('interval_ym', '-000000002-03'), '-2 years -3 mons');
  assert.equal(oracleToPgText('interval_ym', '+01-00'), '1 year');
  assert.equal(oracleToPgText('interval_ym', '+00-01'), '1 mon');
  assert.equal(oracleToPgText('interval_ym', '+00-00'), '00:00:00');
  assert.equal(oracleToPgText('interval_ds', '+01 02:03:04.500000'), '1 day 02:03:04.5');
  assert.equal(oracleToPgText('interval_ds', '-01 02:03:04.500000'), '-1 days -02:03:04.5');
  assert.equal(oracleToPgText('interval_ds', '-00 00:00:01.000000001'), '-00:00:01.000000001');
  assert.equal(oracleToPgText('interval_ds', '+000000003 00:00:00.000000000'), '3 days');
  assert.equal(oracleToPgText('interval_ds', '-03 00:00:00'), '-3 days');
  assert.equal(oracleToPgText('interval_ds', '+00 00:00:00'), '00:00:00');
  assert.throws(() => oracleToPgText('interval_ds', '+01 25:00:00'), OracleValueError);

  assert.equal(oracleYearMonthBind('2 years 3 mons'), '2-3');
  assert.equal(oracleYearMonthBind('-2 years -3 mons'), '-2-3');
  assert.equal(oracleYearMonthBind('1 year -1 mons'), '0-11');
  assert.throws(() => oracleYearMonthBind('1 year 2 days'), OracleValueError);
  assert.equal(oracleDaySecondBind('1 day 02:03:04.5'), '1 02:03:04.500000');
  assert.equal(oracleDaySecondBind('-1 days -02:03:04.5'), '-1 02:03:04.500000');
  assert.equal(oracleDaySecondBind('1 day -01:00:00'), '0 23:00:00.000000');
  assert.equal(oracleDaySecondBind('00:00:00'), '0 00:00:00.000000');
  assert.throws(() => oracleDaySecondBind('1 mon'), OracleValueError);
});

test('binary values: RAW and BLOB bytes or LogMiner hex become bytea hex; bytea hex and escape forms read back', () => {
  assert.equal(oracleToPgText('raw', Buffer.from([0x0a, 0xff, 0x00])), '\\x0aff00');
  assert.equal(oracleToPgText('blob', new Uint8Array([])), '\\x');
  assert.equal(oracleToPgText('raw', '0AFF00'), '\\x0aff00');
  assert.throws(() => oracleToPgText('raw', '0AF'), OracleValueError);
  assert.deepEqual(parseBytea('\\x0aff00'), Buffer.from([0x0a, 0xff, 0x00]));
  assert.deepEqual(parseBytea('a\\\\b\\001'), Buffer.from([0x61, 0x5c, 0x62, 0x01]));
});

test('character values pass unchanged; a NUL character is refused without showing the value', () => {
  assert.equal(oracleToPgText('varchar2', "it's \\ \t fine"), "it's \\ \t fine");
  assert.equal(oracleToPgText('char', 'ab  '), 'ab  ');
  assert.equal(oracleToPgText('clob', ''), ''); // EMPTY_CLOB() is not NULL
  assert.equal(oracleToPgText('varchar2', null), null);
  assert.throws(() => oracleToPgText('varchar2', 'secret\u0000value'), (e: unknown) => e instanceof OracleValueError && !String((e as Error).message).includes('secret'));
  assert.equal(oracleToPgText('number', '-.5'), '-0.5');
  assert.equal(oracleToPgText('binary_double', 0.1), '0.1');
  assert.equal(oracleToPgText('binary_float', Math.fround(0.1)), '0.1');
  assert.equal(oracleToPgText('binary_double', 'Nan'), 'NaN');
  assert.throws(() => oracleToPgText('number', 1.5), OracleValueError);
});

test('PostgreSQL text → Oracle binds: exact decimal text, numbers for IEEE types, losses reported', () => {
  assert.deepEqual(pgTextToOracle('number', '123.4500'), { value: '123.45' });
  assert.deepEqual(pgTextToOracle('number', 't'), { value: '1' });
  assert.deepEqual(pgTextToOracle('number', '1' + '0'.repeat(39) + '.5'), { value: '1' + '0'.repeat(39) + '.5', loss: 'number-rounded' });
  assert.throws(() => pgTextToOracle('number', 'NaN'), OracleValueError);
  assert.deepEqual(pgTextToOracle('binary_double', '1e+21'), { value: 1e21 });
  assert.deepEqual(pgTextToOracle('binary_float', '-Infinity'), { value: -Infinity });
  assert.deepEqual(pgTextToOracle('varchar2', ''), { value: null, loss: 'empty-string-as-null' });
  assert.deepEqual(pgTextToOracle('nvarchar2', 'é'), { value: 'é' });
  assert.deepEqual(pgTextToOracle('clob', ''), { value: null, emptyLob: true });
  assert.deepEqual(pgTextToOracle('blob', '\\x'), { value: null, emptyLob: true });
  assert.deepEqual(pgTextToOracle('raw', '\\x'), { value: null, loss: 'empty-string-as-null' });
  assert.deepEqual(pgTextToOracle('raw', '\\x0102'), { value: Buffer.from([1, 2]) });
  assert.deepEqual(pgTextToOracle('date', '2024-01-15 10:30:59.5'), { value: '2024-01-15 10:30:59', loss: 'fraction-dropped' });
  assert.deepEqual(pgTextToOracle('interval_ds', '-1 days -02:03:04.5'), { value: '-1 02:03:04.500000' });
  assert.deepEqual(pgTextToOracle('varchar2', null), { value: null });
  assert.equal(bindExpression('date', 'c1'), "TO_DATE(:c1, 'SYYYY-MM-DD HH24:MI:SS')");
  assert.equal(bindExpression('timestamp_tz', 'c2'), "TO_TIMESTAMP_TZ(:c2, 'SYYYY-MM-DD HH24:MI:SS.FF TZH:TZM')");
  assert.equal(bindExpression('clob', 'c3'), 'CASE WHEN :c3_e = 1 THEN EMPTY_CLOB() ELSE :c3 END');
  assert.equal(bindExpression('number', 'k1'), 'TO_NUMBER(:k1)');
  assert.equal(bindExpression('varchar2', 'c4'), ':c4');
});

test('type families and the type-map contract', () => {
  assert.equal(oracleTypeFamily({ dataType: 'TIMESTAMP(9) WITH LOCAL TIME ZONE' }), 'timestamp_ltz');
  assert.equal(oracleTypeFamily({ dataType: 'INTERVAL DAY(3) TO SECOND(2)' }), 'interval_ds');
  assert.equal(oracleTypeFamily({ dataType: 'BFILE' }), 'unsupported');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 4, scale: 0 }), 'smallint');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 10, scale: 0 }), 'bigint');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 19, scale: 0 }), 'numeric(19)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 5, scale: -2 }), 'numeric(5,-2)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 3, scale: 5 }), 'numeric(3,5)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: null, scale: 0 }), 'numeric(38)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER' }), 'numeric');
  assert.equal(pgTypeFor({ dataType: 'FLOAT', precision: 126 }), 'numeric');
  assert.equal(pgTypeFor({ dataType: 'VARCHAR2', charLength: 30, dataLength: 120, charUsed: 'C' }), 'varchar(30)');
  assert.equal(pgTypeFor({ dataType: 'DATE' }), 'timestamp(0)');
  assert.equal(pgTypeFor({ dataType: 'TIMESTAMP(9)' }), 'timestamp(6)');
  assert.equal(pgTypeFor({ dataType: 'TIMESTAMP(3) WITH TIME ZONE' }), 'timestamptz(3)');
  assert.equal(pgTypeFor({ dataType: 'INTERVAL DAY(2) TO SECOND(9)' }), 'interval day to second(6)');
  assert.equal(pgTypeFor({ dataType: 'SDO_GEOMETRY' }), undefined);
});

test('what core/values cannot read reaches Oracle\'s callers as an OracleValueError, a ValueConversionError', () => {
  assert.ok(new OracleValueError('x') instanceof ValueConversionError);
  const refused: [() => unknown, string][] = [
    [() => oracleToPgText('number', 'abc'), 'not a decimal number'],
    [() => oracleToPgText('binary_double', '1,5'), 'not a floating-point number'],
    [() => oracleToPgText('timestamp_tz', '2024-01-15 10:30:00 +25:00'), 'time-zone offset out of range'],
    [() => pgTextToOracle('number', 'abc'), 'not a decimal number'],
    [() => pgTextToOracle('date', 'yesterday'), 'not a PostgreSQL ISO timestamp'],
    [() => pgTextToOracle('timestamp', '2023-02-29 00:00:00'), 'not a valid date or time of day'],
    [() => pgTextToOracle('interval_ds', '1 fortnight'), 'unknown interval unit'],
    [() => pgTextToOracle('timestamp', '-infinity'), 'infinite timestamps cannot be stored in Oracle'],
  ];
  for (const [f, message] of refused) assert.throws(f, (e: unknown) => e instanceof OracleValueError && e.message === message, message);
});

// Measured before (the oracle-review report, item 3): pgTypeFor gave bigint for NUMBER(10,-2) and
// numeric(5,5) for NUMBER(2,5), where the converter's DDL says numeric(10,-2) and numeric(2,5).
test('the type-map contract is the schema converter\'s: pgTypeFor on catalog columns gives the type the converter writes for the same DDL, on PostgreSQL 15 and 11', () => {
  /** The type as DDL writes it, and as ALL_TAB_COLS describes the column. */
  const SAME: [string, OracleColumnType][] = [
    ['NUMBER', { dataType: 'NUMBER', precision: null, scale: null }],
    ['NUMBER(4)', { dataType: 'NUMBER', precision: 4, scale: 0 }],
    ['NUMBER(9)', { dataType: 'NUMBER', precision: 9, scale: 0 }],
    ['NUMBER(18)', { dataType: 'NUMBER', precision: 18, scale: 0 }],
    ['NUMBER(19)', { dataType: 'NUMBER', precision: 19, scale: 0 }],
    ['NUMBER(*,0)', { dataType: 'NUMBER', precision: null, scale: 0 }],
    ['NUMBER(*,2)', { dataType: 'NUMBER', precision: null, scale: 2 }],
    ['NUMBER(8,2)', { dataType: 'NUMBER', precision: 8, scale: 2 }],
    ['NUMBER(5,5)', { dataType: 'NUMBER', precision: 5, scale: 5 }],
    ['NUMBER(2,5)', { dataType: 'NUMBER', precision: 2, scale: 5 }],
    ['NUMBER(2,-3)', { dataType: 'NUMBER', precision: 2, scale: -3 }],
    ['NUMBER(10,-2)', { dataType: 'NUMBER', precision: 10, scale: -2 }],
    ['FLOAT(126)', { dataType: 'FLOAT', precision: 126, scale: null }],
    ['BINARY_FLOAT', { dataType: 'BINARY_FLOAT' }],
    ['BINARY_DOUBLE', { dataType: 'BINARY_DOUBLE' }],
    ['CHAR(10 BYTE)', { dataType: 'CHAR', dataLength: 10, charLength: 10, charUsed: 'B' }],
    ['NCHAR(4)', { dataType: 'NCHAR', dataLength: 8, charLength: 4, charUsed: 'C' }],
    ['VARCHAR2(30 CHAR)', { dataType: 'VARCHAR2', dataLength: 120, charLength: 30, charUsed: 'C' }],
    ['NVARCHAR2(20)', { dataType: 'NVARCHAR2', dataLength: 40, charLength: 20, charUsed: 'C' }],
    ['CLOB', { dataType: 'CLOB' }],
    ['NCLOB', { dataType: 'NCLOB' }],
    ['LONG', { dataType: 'LONG' }],
    ['DATE', { dataType: 'DATE' }],
    ['TIMESTAMP(9)', { dataType: 'TIMESTAMP(9)', scale: 9 }],
    ['TIMESTAMP(3) WITH TIME ZONE', { dataType: 'TIMESTAMP(3) WITH TIME ZONE', scale: 3 }],
    ['TIMESTAMP WITH LOCAL TIME ZONE', { dataType: 'TIMESTAMP(6) WITH LOCAL TIME ZONE', scale: 6 }],
    ['INTERVAL YEAR(2) TO MONTH', { dataType: 'INTERVAL YEAR(2) TO MONTH', precision: 2 }],
    ['INTERVAL DAY(2) TO SECOND(9)', { dataType: 'INTERVAL DAY(2) TO SECOND(9)', precision: 2, scale: 9 }],
    ['RAW(16)', { dataType: 'RAW', dataLength: 16 }],
    ['LONG RAW', { dataType: 'LONG RAW' }],
    ['BLOB', { dataType: 'BLOB' }],
    ['ROWID', { dataType: 'ROWID' }],
    ['UROWID', { dataType: 'UROWID' }],
    ['XMLTYPE', { dataType: 'XMLTYPE' }],
  ];
  for (const major of [15, 11]) {
    for (const [ddl, catalog] of SAME) {
      const cursor = new TokenCursor(tokenizeOracle(ddl));
      const converter = mapOracleType(parseOracleType(cursor), { targetPgMajor: major }).pg;
      assert.equal(pgTypeFor(catalog, { targetPgMajor: major }), converter, `${ddl} on PostgreSQL ${major}`);
    }
  }
  // The rows the report found apart, written down.
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 10, scale: -2 }), 'numeric(10,-2)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 2, scale: 5 }), 'numeric(2,5)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 10, scale: -2 }, { targetPgMajor: 11 }), 'numeric(12)');
  assert.equal(pgTypeFor({ dataType: 'NUMBER', precision: 2, scale: 5 }, { targetPgMajor: 11 }), 'numeric(5,5)');
});

test('docs/oracle.md\'s type-map table says what pgTypeFor does for NUMBER', () => {
  const doc = readFileSync(new URL('../../../../docs/oracle.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('### Type-map contract'), doc.indexOf('## Snapshot at one SCN'));
  assert.match(table, /\| NUMBER\(p,s\), s < 0 or s > p \| numeric\(p,s\) /);
  assert.doesNotMatch(table, /NUMBER\(p,s<0\) \| smallint/);
  assert.doesNotMatch(table, /numeric\(max\(p,s\),s\)/);
});
