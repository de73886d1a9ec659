/**
 * Every column type through a real MariaDB 10.11 binlog: what the capture decodes must be exactly
 * what `SELECT` returns through mysql2 on a Tandem connection for the same rows (strings as
 * strings, bytes as bytes, NULL as NULL), and after the value converters exactly what the snapshot
 * path produces.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { connectMySql, type MySqlSession } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog, mysqlIdent } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';
import { mysqlSelectExpression, valueTypeOf } from '../../../src/adapters/mysql/schema/type-map.js';
import { mysqlToPg } from '../../../src/adapters/mysql/values/mysql-to-pg.js';
import { captureTablesFromCatalog, catalogConverters } from '../../../src/adapters/mysql/capture/capture-catalog.js';
import type { CaptureTable } from '../../../src/adapters/mysql/capture/capture-table.js';
import type { AssembledTransaction } from '../../../src/adapters/mysql/capture/transaction-assembler.js';
import { TandemError } from '../../../src/core/errors.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS, ZERO_DATES_SQL } from './every-type-fixture.js';
import { captureUntil, eventCount, positionNow, sourceConfig } from './binlog-helpers.js';

let maria: MariaDbServer;
let source: MySqlSession;
let catalog: MySqlCatalog;
let start: string;
let expectedRows = 0;

/** MariaDB's own fractional temporal format (tables created with mysql56_temporal_format=OFF). */
const OLD_TEMPORAL = `
SET GLOBAL mysql56_temporal_format = OFF;
CREATE TABLE old_temporal (id int PRIMARY KEY, t3 time(3), t1 time(1), dt6 datetime(6), dt4 datetime(4), ts2 timestamp(2) NULL, ts5 timestamp(5) NULL,
  t0 time, dt0 datetime, ts0 timestamp NULL);
SET GLOBAL mysql56_temporal_format = ON;
`;
const OLD_TEMPORAL_ROWS = `
SET SESSION time_zone = '+00:00';
INSERT INTO old_temporal VALUES
  (1, '-12:30:00.5', '838:59:59.9', '2024-02-29 23:59:59.123456', '1000-01-01 00:00:00.0001', '2024-06-01 12:00:00.5', '1970-01-01 00:00:01.00001', '-838:59:59', '9999-12-31 23:59:59', '2038-01-19 03:14:07'),
  (2, '-00:00:00.001', '-00:00:00.1', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00', '00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`;

/** Numbers the fixture does not cover: ZEROFILL, FLOAT(M,D)/DOUBLE(M,D), DECIMAL edge layouts, TIME/DATETIME fsp 1–5. */
const NUMBERS = `
CREATE TABLE numbers (id int PRIMARY KEY, z int(5) unsigned zerofill, zb bigint(12) zerofill, fmd float(7,3), dmd double(12,4),
  d44 decimal(4,4), d650 decimal(65,0), d3030 decimal(30,30), d1 decimal(1,0), d109 decimal(10,9), d189 decimal(18,9), d199 decimal(19,9),
  t1 time(1), t2 time(2), t3 time(3), t4 time(4), t5 time(5), dt1 datetime(1), dt2 datetime(2), dt5 datetime(5), ts1 timestamp(1) NULL, ts4 timestamp(4) NULL);
`;
const NUMBERS_ROWS = `
SET SESSION time_zone = '+00:00';
INSERT INTO numbers VALUES
  (1, 42, 7, 1234.567, -12345678.1234, 0.9999, -99999999999999999999999999999999999999999999999999999999999999999, 0.123456789012345678901234567890, -9, -9.999999999, 123456789.123456789, 9999999999.999999999,
   '-00:00:00.1', '-838:59:59.99', '12:34:56.789', '-100:00:00.0001', '00:00:00.00001', '2024-01-01 00:00:00.1', '2024-01-01 00:00:00.99', '2024-01-01 00:00:00.00001', '2024-01-01 00:00:00.9', '2024-01-01 00:00:00.0001'),
  (2, 0, 0, -0.001, 0, -0.0001, 0, -0.000000000000000000000000000001, 0, 0.000000001, -0.000000001, -1000000000,
   '00:00:00', '23:59:59.5', '-00:00:00.001', '00:00:00', '-00:00:00.00001', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
`;

/** Text in many character sets; every value is valid in its column's set. */
const CHARSETS = `
CREATE TABLE charsets (id int PRIMARY KEY,
  latin1 varchar(20) CHARACTER SET latin1, latin2 varchar(20) CHARACTER SET latin2, ascii varchar(20) CHARACTER SET ascii,
  cp1250 varchar(20) CHARACTER SET cp1250, cp1251 varchar(20) CHARACTER SET cp1251, cp1256 varchar(20) CHARACTER SET cp1256,
  cp1257 varchar(20) CHARACTER SET cp1257, greek varchar(20) CHARACTER SET greek, hebrew varchar(20) CHARACTER SET hebrew,
  latin5 varchar(20) CHARACTER SET latin5, latin7 varchar(20) CHARACTER SET latin7, koi8r varchar(20) CHARACTER SET koi8r,
  koi8u varchar(20) CHARACTER SET koi8u, cp866 varchar(20) CHARACTER SET cp866, macroman varchar(20) CHARACTER SET macroman,
  tis620 varchar(20) CHARACTER SET tis620, gbk varchar(20) CHARACTER SET gbk, gb2312 varchar(20) CHARACTER SET gb2312,
  big5 varchar(20) CHARACTER SET big5, sjis varchar(20) CHARACTER SET sjis, cp932 varchar(20) CHARACTER SET cp932,
  ujis varchar(20) CHARACTER SET ujis, eucjpms varchar(20) CHARACTER SET eucjpms, euckr varchar(20) CHARACTER SET euckr,
  ucs2 varchar(20) CHARACTER SET ucs2, utf16 varchar(20) CHARACTER SET utf16, utf16le varchar(20) CHARACTER SET utf16le,
  utf32 varchar(20) CHARACTER SET utf32, utf8mb3 varchar(20) CHARACTER SET utf8mb3, utf8mb4 char(5) CHARACTER SET utf8mb4,
  t_latin1 text CHARACTER SET latin1, c_ucs2 char(3) CHARACTER SET ucs2);
`;
const CHARSETS_ROWS = `
INSERT INTO charsets VALUES (1,
  'café €‚ƒ„…†‡ˆ‰Š‹ŒŽ', 'Łódź ąę', 'plain ascii', 'Čeština ž', 'Привет мир', 'مرحبا', 'Ąžuolas', 'Καλημέρα', 'שלום',
  'İstanbul ğş', 'Rīga ņ', 'Привет', 'Україна ї', 'Привет', 'Ωπ∂ƒ©', 'สวัสดี', '中文简体', '中文', '中文繁體', '日本語カナ', '①日本',
  '日本語', '日本語', '한국어', 'Ünï', 'Ünï 😀', 'Ünï 😀', 'Ünï 😀', 'Ünïcödé', '😀a b', 'Grüße', 'a');
INSERT INTO charsets (id, utf8mb4, c_ucs2) VALUES (2, '', '');
`;

before(async () => {
  maria = await startMariaDb();
  await maria.createDatabase('shop');
  await maria.sql('shop', EVERY_TYPE_DDL + OLD_TEMPORAL + NUMBERS + CHARSETS + 'CREATE TABLE zero_nullable (id int PRIMARY KEY, d date NULL, dt datetime NULL, ts timestamp NULL DEFAULT NULL)');
  start = await positionNow(maria, 'shop');
  await maria.sql('shop', EVERY_TYPE_ROWS + OLD_TEMPORAL_ROWS + NUMBERS_ROWS + CHARSETS_ROWS
    + ZERO_DATES_SQL.split('\n').filter((l) => !/CREATE TABLE|zero_not_null/.test(l)).join('\n'));
  source = await connectMySql(sourceConfig(maria, 'shop'));
  catalog = await readMySqlCatalog(source.connection, source.server, 'shop');
  const [counts] = await source.connection.query(
    "SELECT (SELECT count(*) FROM every_type) + (SELECT count(*) FROM old_temporal) + (SELECT count(*) FROM numbers) + (SELECT count(*) FROM charsets) + (SELECT count(*) FROM zero_nullable) AS n");
  expectedRows = Number((counts as Array<{ n: string }>)[0]!.n);
});

after(async () => {
  await source?.connection.end();
  await maria?.stop();
});

const TABLES = ['every_type', 'old_temporal', 'numbers', 'charsets', 'zero_nullable'];

function tableOf(name: string): MySqlTable {
  const t = catalog.tables.find((x) => x.name === name);
  assert.ok(t, name);
  return t;
}

/** SELECT every column the way the snapshot reads it (FLOAT as CAST AS DOUBLE), by id. */
async function selectRows(table: MySqlTable): Promise<Map<string, Array<string | Buffer | null>>> {
  const [rows] = await source.connection.query({
    sql: `SELECT ${table.columns.map((c) => mysqlSelectExpression(c, mysqlIdent(c.name))).join(', ')} FROM ${mysqlIdent(table.name)} ORDER BY 1`,
    rowsAsArray: true,
  });
  return new Map((rows as Array<Array<string | Buffer | null>>).map((r) => [String(r[0]), r]));
}

/** Inserted rows by table and id, from the captured events. */
function inserted(txs: readonly AssembledTransaction[]): Map<string, Record<string, string | null>> {
  const out = new Map<string, Record<string, string | null>>();
  for (const t of txs) for (const e of t.events) if (e.op === 'c') out.set(`${e.table}/${String(e.key.id).replace(/^text:/, '')}`, e.after as Record<string, string | null>);
  return out;
}

const tag = (v: string | Buffer | null): string | null => (v === null ? null : Buffer.isBuffer(v) ? `bytes:${v.toString('hex')}` : `text:${v}`);

test('every type: the binlog decodes to exactly what SELECT returns through mysql2 (text, bytes, NULL)', async () => {
  const tables: CaptureTable[] = captureTablesFromCatalog(catalog, TABLES).map((t) => ({ ...t, omitColumns: [] }));
  const txs = await captureUntil({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_101, tables, converters: () => (v) => tag(v) }, start,
    (all) => eventCount(all) >= expectedRows);
  assert.equal(eventCount(txs), expectedRows);
  const got = inserted(txs);
  let compared = 0;
  for (const name of TABLES) {
    const table = tableOf(name);
    for (const [id, row] of await selectRows(table)) {
      const expected: Record<string, string | null> = {};
      table.columns.forEach((c, i) => { expected[c.name] = tag(row[i]!); });
      assert.deepEqual(got.get(`${name}/${id}`), expected, `${name} row ${id}`);
      compared++;
    }
  }
  assert.equal(compared, expectedRows);
});

test('every type, converted: the binlog path gives the PostgreSQL text the snapshot converters give', async () => {
  const tables = captureTablesFromCatalog(catalog, TABLES);
  const txs = await captureUntil({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_102, tables, converters: catalogConverters(catalog) }, start,
    (all) => eventCount(all) >= expectedRows);
  const got = inserted(txs);
  // every_type's generated columns are computed by the target, so neither path writes them.
  assert.deepEqual(tables.find((t) => t.table === 'every_type')!.omitColumns, ['gen_total', 'gen_label']);
  for (const name of TABLES) {
    const table = tableOf(name);
    const omit = new Set(tables.find((t) => t.table === name)!.omitColumns ?? []);
    for (const [id, row] of await selectRows(table)) {
      const expected: Record<string, string | null> = {};
      table.columns.forEach((c, i) => {
        if (!omit.has(c.name)) expected[c.name] = mysqlToPg(row[i]!, valueTypeOf(table.name, c, source.server.flavor));
      });
      assert.deepEqual(got.get(`${name}/${id}`), expected, `${name} row ${id}`);
    }
  }
  // A few literals, so that the comparison above is not between two equal mistakes.
  assert.deepEqual(pick(got.get('every_type/4')!, ['biu', 'dec65', 'tm6', 'b64', 'u', 'i6', 'ts3']), {
    biu: '18446744073709551615', dec65: '99999999999999999999999999999999999.999999999999999999999999999999', tm6: '838:59:59.999999',
    b64: '1'.repeat(64), u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', i6: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', ts3: '2038-01-19 03:14:07.999+00',
  });
  assert.deepEqual(pick(got.get('old_temporal/1')!, ['t3', 'dt6', 'ts2', 't0']), {
    t3: '-12:30:00.500', dt6: '2024-02-29 23:59:59.123456', ts2: '2024-06-01 12:00:00.50+00', t0: '-838:59:59',
  });
  // FLOAT(7,3) is read as a DOUBLE by both paths (every digit of the float), DOUBLE(12,4) with its 4 decimals.
  assert.deepEqual(pick(got.get('numbers/1')!, ['z', 'fmd', 'dmd', 'd650', 'd3030']), {
    z: '00042', fmd: '1234.5670166015625', dmd: '-12345678.1234', d650: '-99999999999999999999999999999999999999999999999999999999999999999', d3030: '0.123456789012345678901234567890',
  });
  assert.deepEqual(pick(got.get('zero_nullable/1')!, ['d', 'dt', 'ts']), { d: null, dt: null, ts: null });
  assert.equal(got.get('charsets/1')!.cp1251, 'Привет мир');
  assert.equal(got.get('charsets/1')!.latin1, 'café €‚ƒ„…†‡ˆ‰Š‹ŒŽ');
});

function pick(r: Record<string, string | null>, keys: string[]): Record<string, string | null> {
  return Object.fromEntries(keys.map((k) => [k, r[k]!]));
}

test('FLOAT and DOUBLE: 2000 random values print exactly as SELECT prints them', async () => {
  await maria.sql('shop', 'CREATE TABLE floats (id int PRIMARY KEY, f float, d double)');
  const from = await positionNow(maria, 'shop');
  const view = new DataView(new ArrayBuffer(8));
  const values: string[] = [];
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 1; i <= 2000; i++) {
    view.setUint32(0, rnd());
    view.setUint32(4, rnd());
    let d = view.getFloat64(0);
    if (!Number.isFinite(d)) d = i * 1.5;
    // Spread floats over their whole range, and some doubles over "ordinary" magnitudes.
    const f = (rnd() / 2 ** 32 - 0.5) * 10 ** ((rnd() % 70) - 35);
    if (i % 3 === 0) d = (rnd() / 2 ** 32) * 10 ** ((rnd() % 40) - 20);
    values.push(`(${i}, ${f.toExponential()}, ${d.toExponential()})`);
  }
  for (let i = 0; i < values.length; i += 500) await maria.sql('shop', `INSERT INTO floats VALUES ${values.slice(i, i + 500).join(',')}`);
  const table: CaptureTable = { database: 'shop', table: 'floats', columns: [{ name: 'id', unsigned: false }, { name: 'f' }, { name: 'd' }], primaryKey: ['id'] };
  const exact: CaptureTable = { ...table, columns: [{ name: 'id', unsigned: false }, { name: 'f', floatAsDouble: true }, { name: 'd' }] };
  const [rows] = await source.connection.query({ sql: 'SELECT id, f, d, CAST(f AS DOUBLE) FROM floats ORDER BY id', rowsAsArray: true });
  for (const [t, col] of [[table, 1], [exact, 3]] as const) {
    const got = inserted(await captureUntil({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_103, tables: [t], converters: () => (v) => String(v) }, from, (all) => eventCount(all) >= 2000));
    let mismatches = 0;
    for (const r of rows as string[][]) {
      const after = got.get(`floats/${r[0]}`)!;
      if (after.f !== r[col] || after.d !== r[2]) {
        mismatches++;
        assert.fail(`row ${r[0]}: binlog f=${after.f} d=${after.d}, SELECT f=${r[col]} d=${r[2]}`);
      }
    }
    assert.equal(mismatches, 0);
  }
});

test('a column in a character set Tandem cannot decode stops capture with its name', async () => {
  await maria.sql('shop', 'CREATE TABLE odd (id int PRIMARY KEY, v varchar(10) CHARACTER SET dec8)');
  const oddCatalog = await readMySqlCatalog(source.connection, source.server, 'shop');
  const from = await positionNow(maria, 'shop');
  await maria.sql('shop', "INSERT INTO odd VALUES (1, 'x')");
  await assert.rejects(
    captureUntil({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_104, tables: captureTablesFromCatalog(oddCatalog, ['odd']) }, from, (all) => eventCount(all) >= 1),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_UNSUPPORTED' && /Column v of shop\.odd uses the character set dec8/.test(e.message),
  );
});
