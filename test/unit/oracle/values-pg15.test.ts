/**
 * The PostgreSQL side of the Oracle value conversions, against a real PostgreSQL 15: the text Tandem
 * produces from Oracle values is accepted by the target column types, and what the server stores and
 * prints is exactly what Tandem predicts (the canonical text the verification compares).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { oracleToPgText } from '../../../src/adapters/oracle/values/oracle-to-pg.js';
import { parseOracleDateTime, oracleTimestampTzBind, oracleTimestampBind, oracleDateBind } from '../../../src/adapters/oracle/values/datetime-text.js';
import {
  parseOracleDaySecond, pgIntervalFromDaySecondValue, oracleDaySecondBind, oracleYearMonthBind, parseOracleYearMonth,
} from '../../../src/adapters/oracle/values/interval-text.js';
import { pgTimestampOutput } from '../../../src/core/values/datetime-text.js';
import { pgIntervalFromMonths, pgIntervalOutput } from '../../../src/core/values/interval-text.js';
import { float4Text, float8Text } from '../../../src/core/values/float-text.js';
import { roundDecimal } from '../../../src/core/values/decimal-text.js';

let server: PgServer;
let client: pg.Client;

before(async () => {
  server = await startPg15();
  client = await server.client();
  await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3");
});
after(async () => {
  await client?.end();
  await server?.stop();
});

/** Casts every text through `type` on the server and returns `::text` of each, in order. */
async function viaServer(texts: string[], type: string): Promise<string[]> {
  const r = await client.query(`SELECT x::${type}::text AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n`, [texts]);
  return r.rows.map((row) => row.t as string);
}

const ORACLE_TIMESTAMPS = [
  ' 2024-01-15 10:30:00.000000000', ' 2024-01-15 10:30:00.123456789', ' 2024-01-15 10:30:00.123456500', ' 2024-01-15 10:30:00.123457500',
  ' 2024-12-31 23:59:59.999999600', ' 2024-02-29 23:59:59.999999500', ' 1999-12-31 23:59:59.500000000', ' 1999-12-31 23:59:59.499999999',
  ' 2000-01-01 00:00:00.500000000', ' 1582-10-15 00:00:00.000000001', '-0044-03-15 12:00:00.000000000', '-4712-01-01 00:00:00.999999999',
  ' 9999-12-31 23:59:59.999999000', ' 0001-01-01 00:00:00.000000500', ' 1970-01-01 00:00:00.000000499', ' 1969-12-31 23:59:59.999999501',
];

test('TIMESTAMP text with nine digits is accepted and PostgreSQL stores exactly what pgTimestampOutput predicts, for every typmod', async () => {
  const texts = ORACLE_TIMESTAMPS.map((t) => oracleToPgText('timestamp', t)!);
  for (const p of [0, 1, 3, 5, 6]) {
    const got = await viaServer(texts, `timestamp(${p})`);
    const expected = ORACLE_TIMESTAMPS.map((t) => pgTimestampOutput(parseOracleDateTime(t), p));
    assert.deepEqual(got, expected, `timestamp(${p})`);
  }
  // Spot-check the predictions themselves with literals.
  const six = await viaServer(texts.slice(0, 3), 'timestamp(6)');
  assert.deepEqual(six, ['2024-01-15 10:30:00', '2024-01-15 10:30:00.123457', '2024-01-15 10:30:00.123456']);
});

test('DATE text (time of day, BC years) round-trips through timestamp(0)', async () => {
  const dates = [' 2024-01-15 10:30:59', '-0044-03-15 12:00:00', ' 0001-01-01 00:00:00', ' 9999-12-31 23:59:59', '-4712-01-01 00:00:00'];
  const texts = dates.map((d) => oracleToPgText('date', d)!);
  assert.deepEqual(await viaServer(texts, 'timestamp(0)'), texts);
  assert.deepEqual(texts, ['2024-01-15 10:30:59', '0044-03-15 12:00:00 BC', '0001-01-01 00:00:00', '9999-12-31 23:59:59', '4712-01-01 00:00:00 BC']);
  // …and back into Oracle's bind format with the sign of the year.
  assert.deepEqual(texts.map((t) => oracleDateBind(t).text), ['2024-01-15 10:30:59', '-0044-03-15 12:00:00', '0001-01-01 00:00:00', '9999-12-31 23:59:59', '-4712-01-01 00:00:00']);
});

test('TIMESTAMP WITH TIME ZONE text (offsets, regions, BC) is accepted; the instant is what pgTimestampOutput predicts', async () => {
  const oracle = [
    ' 2024-01-15 10:30:00.000000000 +05:30', ' 2024-01-15 10:30:00.123456789 -08:00', ' 2024-01-01 01:00:00.000000000 +05:00',
    ' 2024-03-10 12:00:00.999999999 +00:00', '-0044-03-15 12:00:00.000000000 +01:00', ' 2024-06-30 23:59:59.999999900 -00:30',
  ];
  const texts = oracle.map((t) => oracleToPgText('timestamp_tz', t)!);
  assert.deepEqual(await viaServer(texts, 'timestamptz'), oracle.map((t) => pgTimestampOutput(parseOracleDateTime(t), 6, true)));
  const regions = await viaServer([oracleToPgText('timestamp_tz', ' 2024-07-01 09:00:00.000000000 Europe/Paris')!, oracleToPgText('timestamp_tz', ' 2024-01-01 09:00:00.000000000 America/New_York')!], 'timestamptz');
  assert.deepEqual(regions, ['2024-07-01 07:00:00+00', '2024-01-01 14:00:00+00']);
  // LogMiner may print the region upper case (TZR); PostgreSQL matches zone names without regard to case.
  assert.deepEqual(await viaServer([oracleToPgText('timestamp_tz', ' 2024-07-01 09:00:00.000000000 EUROPE/PARIS')!], 'timestamptz'), ['2024-07-01 07:00:00+00']);
  // The server's own output goes back into Oracle's TO_TIMESTAMP_TZ format unchanged in meaning.
  const printed = await viaServer(texts, 'timestamptz');
  assert.deepEqual(printed.map(oracleTimestampTzBind).slice(0, 2), ['2024-01-15 05:00:00.0 +00:00', '2024-01-15 18:30:00.123457 +00:00']);
  assert.equal(oracleTimestampBind(printed[4]!.replace('+00', '')), '-0044-03-15 11:00:00.0');
});

test('INTERVAL DAY TO SECOND text round-trips; nine-digit fractions are rounded as pgIntervalOutput predicts', async () => {
  const oracle = ['+01 02:03:04.500000', '-01 02:03:04.500000', '+00 00:00:00.000000', '-00 00:00:01.000000001', '+999999999 23:59:59.999999999',
    '+00 23:59:59.9999996', '-03 00:00:00', '+12 00:00:00.000001'];
  const texts = oracle.map((t) => oracleToPgText('interval_ds', t)!);
  const expected = oracle.map((t) => pgIntervalOutput(pgIntervalFromDaySecondValue(parseOracleDaySecond(t))));
  assert.deepEqual(await viaServer(texts, 'interval'), expected);
  assert.deepEqual(expected, ['1 day 02:03:04.5', '-1 days -02:03:04.5', '00:00:00', '-00:00:01', '999999999 days 24:00:00', '24:00:00', '-3 days', '12 days 00:00:00.000001']);
  // PostgreSQL's output back to TO_DSINTERVAL text: the same duration (compared by the server). The
  // fifth value rounded up to a billion days, beyond INTERVAL DAY(9): left out.
  const fits = expected.filter((_, i) => i !== 4);
  const back = fits.map(oracleDaySecondBind).map((t) => oracleToPgText('interval_ds', t)!);
  assert.deepEqual(fits.map(oracleDaySecondBind).slice(0, 2), ['1 02:03:04.500000', '-1 02:03:04.500000']);
  const eq = await client.query('SELECT bool_and(a::interval = b::interval) AS ok FROM unnest($1::text[], $2::text[]) AS u(a, b)', [back, fits]);
  assert.equal(eq.rows[0].ok, true);
});

test('INTERVAL YEAR TO MONTH text round-trips both ways', async () => {
  const oracle = ['+02-03', '-02-03', '+01-00', '+00-01', '-00-11', '+00-00', '+178000000-00'];
  const texts = oracle.map((t) => oracleToPgText('interval_ym', t)!);
  assert.deepEqual(await viaServer(texts, 'interval year to month'), texts);
  assert.deepEqual(texts.map((t) => oracleYearMonthBind(t)), ['2-3', '-2-3', '1-0', '0-1', '-0-11', '0-0', '178000000-0']);
  assert.deepEqual(oracle.map((t) => pgIntervalFromMonths(parseOracleYearMonth(t))), texts);
});

test('NUMBER digits survive numeric and the integer types; numeric(p,s) prints what roundDecimal predicts', async () => {
  const oracle = ['.5', '-.05', '12345678901234567890123456789012345678', '-1E+125', '1.5e-7', '0', '123.456', '-0.0000001'];
  const texts = oracle.map((t) => oracleToPgText('number', t)!);
  assert.deepEqual(await viaServer(texts, 'numeric'), texts);
  assert.deepEqual(await viaServer(texts.map((t) => roundDecimal(t, 2)), 'numeric(200,2)'), texts.map((t) => roundDecimal(t, 2)));
  assert.deepEqual(await viaServer(texts, 'numeric(200,3)'), texts.map((t) => roundDecimal(t, 3)));
  assert.deepEqual(await viaServer(['32767', '-2147483648', '9223372036854775807'], 'bigint'), ['32767', '-2147483648', '9223372036854775807']);
});

test('BINARY_DOUBLE and BINARY_FLOAT text is what PostgreSQL prints for the same IEEE value (3000 random values each)', async () => {
  let seed = 0x9e3779b9;
  const rnd = () => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const buf = new DataView(new ArrayBuffer(8));
  const doubles: number[] = [0.1, 1e15, 1e16, 123456789012345680, 1e-5, 5e-324, 2.2250738585072014e-308, -0, Infinity, -Infinity, NaN];
  const floats: number[] = [0.1, 1e6, 999999, 16777216, 3.4028235e38, 1.4e-45, 1.17549435e-38, 33554430, -0, Infinity, NaN];
  while (doubles.length < 3000) {
    buf.setUint32(0, rnd() * 0x100000000); buf.setUint32(4, rnd() * 0x100000000);
    const d = buf.getFloat64(0);
    if (Number.isFinite(d)) doubles.push(d);
    buf.setUint32(0, rnd() * 0x100000000);
    const f = buf.getFloat32(0);
    if (Number.isFinite(f)) floats.push(f);
    // Powers of two and their neighbours, where the rounding interval is lopsided.
    const e = Math.floor(rnd() * 250) - 125;
    floats.push(Math.fround(2 ** e), Math.fround(2 ** e * (1 + 2 ** -23)), Math.fround(2 ** e * (1 - 2 ** -24)));
  }
  const d8 = doubles.map(float8Text);
  assert.deepEqual(await viaServer(d8, 'float8'), d8);
  const f4 = floats.slice(0, 4000).map(float4Text);
  assert.deepEqual(await viaServer(f4, 'float4'), f4);
});

test('RAW/BLOB bytes as bytea hex round-trip', async () => {
  const texts = [Buffer.from([]), Buffer.from([0, 1, 0xfe, 0xff]), Buffer.alloc(3000, 0xab)].map((b) => oracleToPgText('blob', b)!);
  assert.deepEqual(await viaServer(texts, 'bytea'), texts);
});
