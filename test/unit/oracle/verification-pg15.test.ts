/**
 * Cross-engine verification: Oracle rows (as the AS OF SCN query returns them) and their copy in a
 * real PostgreSQL 15 give the same row count and checksum, whether the PostgreSQL side is computed
 * by the server (the existing PostgreSQL fingerprint) or by Tandem from the rows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { FramedCopyIn } from '../../../src/adapters/postgres/copy-in-framed.js';
import { fingerprintTable } from '../../../src/adapters/postgres/table-fingerprint.js';
import { OracleCopyRowEncoder } from '../../../src/adapters/oracle/snapshot/copy-text-row.js';
import { copiedColumns } from '../../../src/adapters/oracle/snapshot/snapshot-sql.js';
import { pgTypeFor } from '../../../src/adapters/oracle/values/type-map.js';
import { canonicalValue, parsePgType } from '../../../src/core/verify/canonical-value.js';
import { canonicalRowText, oracleCanonicalRow, pgCanonicalExpression, quoteNullable, RowFingerprint } from '../../../src/adapters/oracle/verify/row-fingerprint.js';
import type { OracleTable } from '../../../src/adapters/oracle/values/oracle-type.js';

const TABLE: OracleTable = {
  schema: 'SHOP', name: 'V', primaryKey: ['ID'],
  columns: [
    { name: 'ID', nullable: false, type: { dataType: 'NUMBER', precision: 10, scale: 0 } },
    { name: 'AMOUNT', nullable: true, type: { dataType: 'NUMBER', precision: 8, scale: 2 } },
    { name: 'RATIO', nullable: true, type: { dataType: 'NUMBER' } },
    { name: 'F', nullable: true, type: { dataType: 'BINARY_FLOAT' } },
    { name: 'D', nullable: true, type: { dataType: 'BINARY_DOUBLE' } },
    { name: 'CODE', nullable: true, type: { dataType: 'CHAR', charLength: 5 } },
    { name: 'NAME', nullable: true, type: { dataType: 'VARCHAR2', charLength: 50 } },
    { name: 'BODY', nullable: true, type: { dataType: 'CLOB' } },
    { name: 'BORN', nullable: true, type: { dataType: 'DATE' } },
    { name: 'SEEN', nullable: true, type: { dataType: 'TIMESTAMP(9)', scale: 9 } },
    { name: 'AT_TZ', nullable: true, type: { dataType: 'TIMESTAMP(3) WITH TIME ZONE', scale: 3 } },
    { name: 'YM', nullable: true, type: { dataType: 'INTERVAL YEAR(2) TO MONTH' } },
    { name: 'DS', nullable: true, type: { dataType: 'INTERVAL DAY(2) TO SECOND(9)', scale: 9 } },
    { name: 'BIN', nullable: true, type: { dataType: 'RAW', dataLength: 8 } },
  ],
};

const ROWS: Record<string, unknown>[] = [
  { C0: '1', C1: '1234.5', C2: '1.50', C3: Math.fround(0.1), C4: 1e21, C5: 'ab   ', C6: "O'Brien \\ back", C7: 'line1\nline2', C8: ' 2024-01-15 10:30:59',
    C9: ' 2024-12-31 23:59:59.999999600', C10: ' 2024-07-01 09:00:00.123500000 +05:30', C11: '-01-02', C12: '+01 02:03:04.123456789', C13: Buffer.from([0xde, 0xad]) },
  { C0: '2', C1: null, C2: '-.000001', C3: NaN, C4: -0, C5: null, C6: '', C7: '', C8: '-0044-03-15 00:00:00', C9: null, C10: null, C11: null, C12: null, C13: null },
  { C0: '3', C1: '-0.5', C2: '1E+30', C3: -Infinity, C4: 5e-324, C5: 'xyzzy', C6: 'tab\there', C7: null, C8: null,
    C9: ' 1999-12-31 23:59:59.500000000', C10: ' 2000-01-01 00:00:00.000500000 -00:30', C11: '+00-00', C12: '-00 00:00:00.0000005', C13: Buffer.alloc(0) },
];

let server: PgServer;
let client: pg.Client;
let pgTypes: string[];
const columns = copiedColumns(TABLE);
const names = columns.map((c) => c.name);

before(async () => {
  server = await startPg15();
  client = await server.client();
  await client.query(`CREATE TABLE v (${columns.map((c) => `"${c.name}" ${pgTypeFor(c.type)}`).join(', ')})`);
  const enc = new OracleCopyRowEncoder(TABLE);
  const copy = new FramedCopyIn(`COPY v (${names.map((n) => `"${n}"`).join(', ')}) FROM STDIN`, async (send) => {
    for (const r of ROWS) await send(enc.encode(r));
  });
  client.query(copy as never);
  await copy.done;
  const r = await client.query(`SELECT format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a WHERE a.attrelid = 'v'::regclass AND a.attnum > 0 ORDER BY a.attnum`);
  pgTypes = r.rows.map((x) => x.t as string);
});
after(async () => {
  await client?.end();
  await server?.stop();
});

test('canonical values: what PostgreSQL prints in the target type, and idempotent on its own output', () => {
  assert.equal(canonicalValue('numeric(8,2)', '1234.5'), '1234.50');
  assert.equal(canonicalValue('numeric', '1.50'), '1.5');
  assert.equal(canonicalValue('bigint', '007'), '7');
  assert.equal(canonicalValue('character(5)', 'ab   '), 'ab');
  assert.equal(canonicalValue('real', '0.1'), '0.1');
  assert.equal(canonicalValue('double precision', '1e+21'), '1e+21');
  assert.equal(canonicalValue('timestamp(0) without time zone', '2024-01-15 10:30:59.5'), '2024-01-15 10:31:00');
  assert.equal(canonicalValue('timestamp(3) with time zone', '2024-07-01 09:00:00.1235+05:30'), '2024-07-01 03:30:00.124+00');
  assert.equal(canonicalValue('interval day to second(3)', '1 day 02:03:04.1235'), '1 day 02:03:04.124');
  assert.equal(canonicalValue('boolean', 't'), 'true');
  assert.equal(canonicalValue('bytea', '\\xDEAD'), '\\xdead');
  assert.equal(canonicalValue('text', null), null);
  assert.deepEqual(parsePgType('character varying(50)'), { kind: 'text' });
  assert.deepEqual(parsePgType('timestamp(6) without time zone'), { kind: 'timestamp', mod: 6 });
  assert.equal(quoteNullable("it's"), "'it''s'");
  assert.equal(quoteNullable('a\\b'), "E'a\\\\b'");
  assert.equal(canonicalRowText(['1', null, '']), "'1',NULL,''");
});

test('the target types are the type map\'s', () => {
  assert.deepEqual(pgTypes, [
    'bigint', 'numeric(8,2)', 'numeric', 'real', 'double precision', 'character(5)', 'character varying(50)', 'text',
    'timestamp(0) without time zone', 'timestamp(6) without time zone', 'timestamp(3) with time zone', 'interval year to month',
    'interval day to second(6)', 'bytea',
  ]);
});

test('Oracle rows and their PostgreSQL copy have the same fingerprint: server-side on PostgreSQL, client-side on Oracle', async () => {
  const oracle = new RowFingerprint();
  for (const r of ROWS) oracle.add(oracleCanonicalRow(r, columns, pgTypes));
  const server15 = await fingerprintTable(client, 'public', 'v', names);
  assert.equal(server15.rows, 3);
  assert.deepEqual(oracle.result(), { rows: server15.rows, checksum: server15.checksum });
});

test('the PostgreSQL side computed by Tandem from its rows gives the same fingerprint', async () => {
  await client.query('BEGIN');
  await client.query("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'");
  const r = await client.query({ text: `SELECT ${names.map((n) => `"${n}"::text`).join(', ')} FROM v`, rowMode: 'array' });
  await client.query('COMMIT');
  const pgSide = new RowFingerprint();
  for (const row of r.rows as (string | null)[][]) pgSide.add(row.map((v, i) => canonicalValue(pgTypes[i]!, v)));
  const oracle = new RowFingerprint();
  for (const o of ROWS) oracle.add(oracleCanonicalRow(o, columns, pgTypes));
  assert.deepEqual(pgSide.result(), oracle.result());
});

test('after a write on the target with trailing zeros in an unconstrained numeric, trim_scale keeps the server-side fingerprint equal to Oracle\'s', async () => {
  await client.query(`UPDATE v SET "RATIO" = '2.500' WHERE "ID" = 1`);
  const oracleRows = ROWS.map((r) => (r.C0 === '1' ? { ...r, C2: '2.5' } : r));
  const oracle = new RowFingerprint();
  for (const r of oracleRows) oracle.add(oracleCanonicalRow(r, columns, pgTypes));
  const exprs = names.map((n, i) => `quote_nullable(${pgCanonicalExpression(`t."${n}"`, pgTypes[i]!)})`).join(" || ',' || ");
  await client.query('BEGIN');
  await client.query("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'");
  const r = await client.query(`SELECT count(*)::int AS rows, coalesce(sum(('x' || substr(md5(${exprs}), 1, 15))::bit(60)::bigint), 0)::text AS checksum FROM v t`);
  await client.query('COMMIT');
  assert.deepEqual({ rows: r.rows[0].rows, checksum: r.rows[0].checksum }, oracle.result());
  // The plain ::text fingerprint sees the difference in scale.
  const plain = await fingerprintTable(client, 'public', 'v', names);
  assert.equal(plain.rows, oracle.result().rows);
  assert.notEqual(plain.checksum, oracle.result().checksum);
});
