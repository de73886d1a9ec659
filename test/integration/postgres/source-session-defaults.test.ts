/**
 * A source server whose session defaults print values differently (extra_float_digits 0, SQL-style
 * dates in DMY order, sql_standard intervals, an Indian time zone, escaped bytea; a target with
 * array_nulls off): the snapshot and
 * the change stream both read values in one canonical text form, so the target holds exactly the
 * source's values, on a target with odd defaults of its own too. Before the stream set extra_float_digits, such a server streamed
 * 0.30000000000000004 as 0.3 (measured: a silent difference the early verification flagged).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startLiveMigration, killAll, eventually, tail } from '../../helpers/live-process.js';

let src: PgServer;
let dst: PgServer;

before(async () => {
  const odd = { extra_float_digits: '0', DateStyle: "'SQL, DMY'", IntervalStyle: 'sql_standard', TimeZone: "'Asia/Kolkata'", bytea_output: 'escape' };
  // The target parses what it is given whatever its own defaults: it gets the same odd ones.
  // array_nulls off on the target: its array input reads an unquoted NULL as the text 'NULL'.
  [src, dst] = await Promise.all([startPg15(odd), startPg15({ ...odd, TimeZone: "'America/St_Johns'", array_nulls: 'off' })]);
  await src.createDatabase('src');
  await dst.createDatabase('dst');
  await src.sql('src', `CREATE SCHEMA app;
    CREATE TABLE app.v (id int PRIMARY KEY, f8 float8, f4 real, ts timestamptz, tsn timestamp, d date, iv interval, b bytea, ta text[]);`);
});
after(async () => {
  await killAll();
  await Promise.all([src?.stop(), dst?.stop()]);
});

const ROW = (id: number) => `(${id}, 0.1::float8 + 0.2::float8, 1.1::real * 3, '2024-03-05 01:02:03.456789+00', '2024-03-05 23:59:59.5', '2024-03-05',
  '1 year 2 mons 3 days 04:05:06.7', '\\x00ff5c27', ARRAY['a', NULL, 'NULL'])`;
/** Every column as text in fixed settings, on either server. */
const CANON = `SET extra_float_digits = 3; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = postgres; SET TimeZone = 'UTC'; SET bytea_output = hex;
  SELECT id, f8::text, f4::text, ts::text, tsn::text, d::text, iv::text, b::text, ta::text, ta[2] IS NULL AS null_kept FROM app.v ORDER BY id`;

test('snapshot and streamed rows from a server with other session defaults arrive exactly (floats, dates, intervals, time zones, bytea)', { timeout: 120_000 }, async () => {
  await src.sql('src', `INSERT INTO app.v VALUES ${ROW(1)}`);
  const env = { SOURCE_DB_PASSWORD: src.password, TARGET_DB_PASSWORD: dst.password, TANDEM_METRICS_INTERVAL_MS: '3600000' };
  const { im } = await startLiveMigration(sourceFlags(src, 'src', 'app'), targetFlags(dst, 'dst'), env);
  await src.sql('src', `INSERT INTO app.v VALUES ${ROW(2)}; UPDATE app.v SET f8 = f8 * 3, f4 = f4 / 3 WHERE id = 1`);
  const expected = await src.sql('src', CANON);
  assert.equal(expected[1].f8, '0.30000000000000004', 'the source holds the inexact sum');
  await eventually(async () => {
    const got = await dst.sql('dst', CANON);
    return JSON.stringify(got) === JSON.stringify(expected) ? true : `target ${JSON.stringify(got)}\nsource ${JSON.stringify(expected)}\n${tail(im.output(), 500)}`;
  }, 30_000, 300);
  assert.doesNotMatch(im.output(), /differs between the source and the target/);
});
