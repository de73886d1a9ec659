import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeDecimal, roundDecimal } from '../../../src/core/values/decimal-text.js';
import { float4Text, float8Text, parsePgFloatText } from '../../../src/core/values/float-text.js';
import { civilFromDays, daysFromCivil, pgFractionMicros } from '../../../src/core/values/civil-time.js';
import { parsePgDateTime } from '../../../src/core/values/datetime-text.js';
import { parsePgInterval, pgIntervalOutput } from '../../../src/core/values/interval-text.js';
import { ValueConversionError } from '../../../src/core/values/value-conversion-error.js';
import { canonicalValue } from '../../../src/core/verify/canonical-value.js';

/** PostgreSQL's value text, shared by every engine (Oracle's spellings: test/unit/oracle/values.test.ts). */

test('roundDecimal rounds half away from zero and prints exactly the scale', () => {
  assert.equal(roundDecimal('1.5', 2), '1.50');
  assert.equal(roundDecimal('1', 3), '1.000');
  assert.equal(roundDecimal('0.005', 2), '0.01');
  assert.equal(roundDecimal('0.004', 2), '0.00');
  assert.equal(roundDecimal('-0.5', 0), '-1');
  assert.equal(roundDecimal('-0.4', 0), '0');
  assert.equal(roundDecimal('9.96', 1), '10.0');
  assert.equal(roundDecimal('1250', -2), '1300');
  assert.equal(roundDecimal('0.0009', 2), '0.00');
});

test('floats print as PostgreSQL prints them: shortest exact digits, its thresholds for exponents', () => {
  assert.equal(float8Text(0.1), '0.1');
  assert.equal(float8Text(1e15), '1e+15');
  assert.equal(float8Text(123456789012345), '123456789012345');
  assert.equal(float8Text(0.0001), '0.0001');
  assert.equal(float8Text(0.00001), '1e-05');
  assert.equal(float8Text(-1.5e-7), '-1.5e-07');
  assert.equal(float8Text(1.7976931348623157e308), '1.7976931348623157e+308');
  assert.equal(float8Text(5e-324), '5e-324');
  assert.equal(float8Text(Infinity), 'Infinity');
  assert.equal(float8Text(-Infinity), '-Infinity');
  assert.equal(float8Text(NaN), 'NaN');
  assert.equal(float8Text(-0), '-0');
  // A float32 widened to a double prints as the float32 it is.
  assert.equal(float4Text(Math.fround(0.1)), '0.1');
  assert.equal(float4Text(Math.fround(3.4028235e38)), '3.4028235e+38');
  assert.equal(float4Text(100000), '100000');
  assert.equal(float4Text(1000000), '1e+06');
  assert.equal(float4Text(Math.fround(1.4e-45)), '1e-45');
  assert.equal(float4Text(Math.fround(16777216)), '1.6777216e+07');
});

test('civil day arithmetic is the proleptic Gregorian calendar', () => {
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.equal(daysFromCivil(2000, 3, 1), 11017);
  assert.equal(daysFromCivil(0, 2, 29), -719469); // 1 BC was a leap year
  assert.deepEqual(civilFromDays(-719469), { year: 0, month: 2, day: 29 });
  assert.deepEqual(civilFromDays(2932896), { year: 9999, month: 12, day: 31 });
  // PostgreSQL reads extra fraction digits as a double and rounds half to even.
  assert.equal(pgFractionMicros('123456789'), 123457);
  assert.equal(pgFractionMicros('9999996'), 1000000);
  assert.equal(pgFractionMicros('0000005'), 0);
  assert.equal(pgFractionMicros('0000015'), 2);
});

test('intervals: PostgreSQL text in the postgres style and ISO 8601, and its output form', () => {
  assert.deepEqual(parsePgInterval('1 year 2 mons 3 days -04:05:06.5'), { months: 14, days: 3, micros: -14706500000n });
  assert.deepEqual(parsePgInterval('-1 days +02:00:00'), { months: 0, days: -1, micros: 7200000000n });
  assert.deepEqual(parsePgInterval('P1Y2M3DT4H5M6.5S'), { months: 14, days: 3, micros: 14706500000n });
  assert.equal(pgIntervalOutput({ months: 0, days: -1, micros: 7200000000n }), '-1 days +02:00:00');
  assert.equal(pgIntervalOutput({ months: -14, days: 0, micros: 0n }), '-1 years -2 mons');
  assert.equal(pgIntervalOutput({ months: 0, days: 0, micros: 360000000000n }), '100:00:00');
});

test('text that is not a value throws ValueConversionError, whose message never holds the value', () => {
  const refused: (() => unknown)[] = [
    () => normalizeDecimal('secret'),
    () => parsePgFloatText('secret'),
    () => parsePgDateTime('secret'),
    () => parsePgDateTime('infinity'),
    () => parsePgDateTime('2023-02-29 00:00:00'),
    () => parsePgInterval('secret'),
    () => parsePgInterval('1 secret'),
    () => canonicalValue('numeric', 'secret'),
  ];
  for (const f of refused) assert.throws(f, (e: unknown) => e instanceof ValueConversionError && e.name === 'ValueConversionError' && !e.message.includes('secret'));
});

test('floats read as PostgreSQL\'s float input reads them; Oracle\'s own spellings are not PostgreSQL text', () => {
  assert.equal(parsePgFloatText('1.5E+000'), 1.5);
  assert.equal(parsePgFloatText(' -Infinity '), -Infinity);
  assert.equal(parsePgFloatText('inf'), Infinity);
  assert.equal(parsePgFloatText('+inf'), Infinity);
  assert.ok(Number.isNaN(parsePgFloatText('NaN')));
  for (const oracleOnly of ['~', '-~', 'BINARY_DOUBLE_INFINITY', 'binary_float_nan']) assert.throws(() => parsePgFloatText(oracleOnly), ValueConversionError, oracleOnly);
});
