/**
 * Verification across engines against a real MariaDB 10.11 and PostgreSQL 15: the every-type table
 * migrated by the snapshot gives the same row count and checksum on the MySQL side (computed by
 * Tandem from the rows) as PostgreSQL's own server-side fingerprint; one changed value, a NULL
 * where '' was, a changed microsecond and a missing row each make it differ, and the first
 * differing keys name the rows (integer, text and composite keys, in one order on both engines).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { convertMySqlSchema, generatedOnTarget } from '../../../src/adapters/mysql/schema/convert-schema.js';
import { MySqlSnapshotSource } from '../../../src/adapters/mysql/snapshot/mysql-snapshot-source.js';
import { MySqlComparisonSide } from '../../../src/adapters/mysql/verify/mysql-comparison-side.js';
import { firstDifferingKeys, keyOrderOf, type KeyedRow, type KeyedRowSource, type KeyOrder } from '../../../src/core/verify/differing-keys.js';
import { fingerprintTable, listFingerprintColumns } from '../../../src/adapters/postgres/table-fingerprint.js';
import { PgFingerprintSide } from '../../../src/adapters/postgres/pg-fingerprint-side.js';
import { canonicalRowText } from '../../../src/core/row-fingerprint.js';
import { bucketOf, bucketTotal } from '../../../src/core/verify/key-buckets.js';
import type { ComparedTable } from '../../../src/core/engine/verification.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { EVERY_TYPE_DDL, EVERY_TYPE_ROWS } from './every-type-fixture.js';
import { exportChunks, loadParts } from './snapshot-kit.js';

let maria: MariaDbServer;
let pgServer: PgServer;
let target: pg.Client;
let catalog: MySqlCatalog;
let side: MySqlComparisonSide;
let dir: string;

const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;
const config: () => MySqlDbConfig = () => ({
  role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: [], sslMode: 'disable',
});

const KEYS_DDL = `
CREATE TABLE names (name varchar(30) NOT NULL PRIMARY KEY, n int) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO names VALUES ('a', 1), ('B', 2), ('é', 3), ('Z', 4), ('😀', 5), ('a b', 6), ('ab', 7), ('Ω', 8), ('_x', 9), ('x9', 10), ('0', 11);
CREATE TABLE pairs (a bigint unsigned NOT NULL, b varchar(10) NOT NULL, v decimal(8,3), PRIMARY KEY (a, b));
INSERT INTO pairs SELECT seq DIV 10, CONCAT(CHAR(65 + seq % 10), seq % 3), seq / 7 FROM seq_1_to_300;
INSERT INTO pairs VALUES (18446744073709551615, 'max', 1.5), (9007199254740993, 'x', 2);
`;

/** The target's side as rows in the portable order, from the server's col::text (for the test; see the report). */
function pgKeyed(client: pg.Client, label: string): KeyedRowSource {
  return {
    label,
    async *rowsByKey(table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncGenerator<KeyedRow> {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL TimeZone = 'UTC'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'");
      try {
        // t."k": a bare name in ORDER BY would mean the select list's "k" (its text).
        const order = key.map((k, i) => (orders[i] === 'text' ? `t."${k}"::text COLLATE "C"` : `t."${k}"`)).join(', ');
        const r = await client.query({ text: `SELECT ${table.columns.map((c) => `t."${c}"::text`).join(', ')} FROM "${table.schema}"."${table.name}" t ORDER BY ${order}`, rowMode: 'array' });
        const at = key.map((k) => table.columns.indexOf(k));
        for (const row of r.rows as (string | null)[][]) yield { key: at.map((i) => row[i]!), text: canonicalRowText(row) };
      } finally {
        await client.query('COMMIT');
      }
    },
  };
}

async function compared(name: string): Promise<ComparedTable> {
  const cols = await listFingerprintColumns(target, [{ schema: 'public', name }]);
  return { key: `public.${name}`, schema: 'public', name, columns: cols.get(`public.${name}`)! };
}

async function both(name: string): Promise<{ mysql: { rows: number; checksum: string }; pg: { rows: number; checksum: string } }> {
  const t = await compared(name);
  return { mysql: counted(await side.fingerprint(t)), pg: counted(await fingerprintTable(target, 'public', name, [...t.columns])) };
}

/** The rows and checksum only: each side's read time differs. */
function counted(f: { rows: number; checksum: string; readAtMs?: number }): { rows: number; checksum: string } {
  assert.equal(typeof f.readAtMs, 'number', 'the side tells when its snapshot was taken');
  return { rows: f.rows, checksum: f.checksum };
}

async function differing(name: string, key: string[]): Promise<unknown[]> {
  const t = await compared(name);
  const types = await target.query(`SELECT attname, format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'public.${name}'::regclass AND attnum > 0`);
  const orders = key.map((k) => keyOrderOf(types.rows.find((r) => r.attname === k)!.t));
  return firstDifferingKeys(side, pgKeyed(target, 'target'), t, key, orders, 5);
}

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
  await maria.createDatabase('shop');
  await maria.sql('shop', EVERY_TYPE_DDL + EVERY_TYPE_ROWS + KEYS_DDL);
  const s = await connectMySql(config());
  try {
    catalog = await readMySqlCatalog(s.connection, s.server, 'shop');
  } finally {
    await s.connection.end();
  }
  await pgServer.createDatabase('target');
  target = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', types: textTypes });
  await target.connect();
  for (const o of convertMySqlSchema(catalog).objects) await target.query(o.sql);
  dir = mkdtempSync(join(tmpdir(), 'tandem-mysql-verify-'));
  const tables: TableInfo[] = ['every_type', 'names', 'pairs'].map((name) => {
    const t = catalog.tables.find((x) => x.name === name)!;
    const skip = generatedOnTarget(catalog, t);
    return { schema: 'public', name, columns: t.columns.filter((c) => !skip.includes(c.name)).map((c) => c.name), primaryKey: t.primaryKey, estimatedRows: 0, estimatedBytes: 0 };
  });
  const source = new MySqlSnapshotSource(config());
  const session = await source.open(tables, 2);
  try {
    await loadParts(target, await exportChunks(session.readers, await source.planChunks(tables, 2), dir), 'public');
  } finally {
    await session.close();
  }
  side = new MySqlComparisonSide(config(), 'source', 2);
  await side.open();
});

after(async () => {
  await side?.close();
  await target?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all([maria?.stop(), pgServer?.stop()]);
});

test('every type migrated MariaDB → PostgreSQL: the MySQL side\'s count and checksum equal PostgreSQL\'s own fingerprint (generated columns too)', async () => {
  const t = await compared('every_type');
  assert.ok(t.columns.includes('gen_total') && t.columns.includes('gen_label'));
  const r = await both('every_type');
  assert.equal(r.mysql.rows, 6);
  assert.deepEqual(r.mysql, r.pg);
  assert.deepEqual(await differing('every_type', ['id']), []);
  // Text keys (utf8mb4_general_ci on MariaDB, "C" order on both for the merge) and a composite key with BIGINT UNSIGNED.
  for (const name of ['names', 'pairs']) {
    const x = await both(name);
    assert.deepEqual(x.mysql, x.pg, name);
  }
  assert.deepEqual(await differing('names', ['name']), []);
  assert.deepEqual(await differing('pairs', ['a', 'b']), []);
});

test('one changed value, a NULL where \'\' was, a changed microsecond, a missing row: each makes the fingerprints differ and its key is named', async () => {
  const cases: [string, string, unknown[]][] = [
    ['UPDATE public.every_type SET dec65 = dec65 + 0.000000000000000000000000000001 WHERE id = 5', 'UPDATE public.every_type SET dec65 = dec65 - 0.000000000000000000000000000001 WHERE id = 5',
      [{ key: { id: '5' }, kind: 'changed' }]],
    ["UPDATE public.every_type SET vc = NULL WHERE id = 6", "UPDATE public.every_type SET vc = '' WHERE id = 6",
      [{ key: { id: '6' }, kind: 'changed' }]],
    ["UPDATE public.every_type SET dtm6 = dtm6 + interval '1 microsecond' WHERE id = 5", "UPDATE public.every_type SET dtm6 = dtm6 - interval '1 microsecond' WHERE id = 5",
      [{ key: { id: '5' }, kind: 'changed' }]],
    ['CREATE TABLE public.saved AS SELECT * FROM public.every_type WHERE id = 3; DELETE FROM public.every_type WHERE id = 3',
      'INSERT INTO public.every_type OVERRIDING SYSTEM VALUE SELECT id, ti, tiu, tb, si, siu, mi, miu, i, iu, bi, biu, dec65, decu, f, d, fu, b1, b10, b64, ch, vc, tt, tx, mt, lt, bn, vb, tbl, bl, mbl, lbl, dt, dtm, dtm6, ts, ts3, tm, tm6, y, j, e, st, g, pt, u, i4, i6, lat FROM public.saved; DROP TABLE public.saved',
      [{ key: { id: '3' }, kind: 'missing', presentOn: 'source' }]],
  ];
  const equal = await both('every_type');
  for (const [change, undo, keys] of cases) {
    await target.query(change);
    try {
      const r = await both('every_type');
      assert.notDeepEqual(r.mysql, r.pg, change);
      assert.deepEqual(r.mysql, equal.mysql, 'the MySQL side did not move');
      assert.deepEqual(await differing('every_type', ['id']), keys, change);
    } finally {
      await target.query(undo);
    }
  }
  assert.deepEqual(await both('every_type'), equal);
});

test('differing keys in key order on text and composite keys, stopping at the limit; a row only on the target', async () => {
  await target.query(`UPDATE public.names SET n = n + 100 WHERE name IN ('é', 'Ω', 'B'); INSERT INTO public.names VALUES ('b', 0)`);
  await target.query(`UPDATE public.pairs SET v = v + 1 WHERE (a, b) IN ((18446744073709551615, 'max'), (9007199254740993, 'x'), (3, 'A0'))`);
  try {
    // Code point order: 'B' (U+0042) < 'b' < 'é' < 'Ω'.
    assert.deepEqual(await differing('names', ['name']), [
      { key: { name: 'B' }, kind: 'changed' }, { key: { name: 'b' }, kind: 'missing', presentOn: 'target' },
      { key: { name: 'é' }, kind: 'changed' }, { key: { name: 'Ω' }, kind: 'changed' },
    ]);
    assert.deepEqual(await differing('pairs', ['a', 'b']), [
      { key: { a: '3', b: 'A0' }, kind: 'changed' }, { key: { a: '9007199254740993', b: 'x' }, kind: 'changed' },
      { key: { a: '18446744073709551615', b: 'max' }, kind: 'changed' },
    ]);
    await target.query('UPDATE public.pairs SET v = v + 1 WHERE a < 10');
    const t = await compared('pairs');
    const first = await firstDifferingKeys(side, pgKeyed(target, 'target'), t, ['a', 'b'], ['numeric', 'text'], 2);
    assert.deepEqual(first, [{ key: { a: '0', b: 'B1' }, kind: 'changed' }, { key: { a: '0', b: 'C2' }, kind: 'changed' }]);
    // The side still works after a merge that stopped early.
    const again = await both('names');
    assert.notDeepEqual(again.mysql, again.pg);
  } finally {
    await target.query(`UPDATE public.names SET n = n - 100 WHERE name IN ('é', 'Ω', 'B'); DELETE FROM public.names WHERE name = 'b'`);
  }
});

test('a TIME the target holds with days (an application wrote \'2 days 03:00:00\' for 51:00:00): equal to MySQL\'s when the comparison counts days as hours, as a MySQL migration\'s does (measured before: a MISMATCH that never cleared)', async () => {
  const fold = (c: string) => `${c} - make_interval(days => extract(day from ${c})::int) + extract(day from ${c})::int * interval '24 hours'`;
  const equal = await both('every_type');
  assert.deepEqual(equal.mysql, equal.pg);
  const days = await target.query("UPDATE public.every_type SET tm = justify_hours(tm), tm6 = justify_hours(tm6) WHERE tm IS NOT NULL RETURNING tm::text");
  try {
    assert.ok(days.rows.some((r) => / days? /.test(String(r.tm))), `no TIME of the fixture holds a day: ${JSON.stringify(days.rows)}`);
    const t = { ...(await compared('every_type')), intervalDaysAsHours: true };
    const pgSide = new PgFingerprintSide('target', {
      type: 'postgresql', role: 'target', host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', schemas: ['public'],
    }, 1);
    await pgSide.open();
    try {
      assert.deepEqual(counted(await pgSide.fingerprint(t)), equal.mysql);
      assert.deepEqual(await firstDifferingKeys(side, pgSide, t, ['id'], ['numeric'], 5), []);
      // Without it (a PostgreSQL source's comparison) the text differs: what the user saw.
      assert.notDeepEqual(await pgSide.fingerprint({ ...t, intervalDaysAsHours: false }), equal.mysql);
      // A real difference still shows: one microsecond more.
      await target.query("UPDATE public.every_type SET tm6 = tm6 + interval '1 microsecond' WHERE id = (SELECT min(id) FROM public.every_type WHERE tm6 IS NOT NULL)");
      assert.notDeepEqual(await pgSide.fingerprint(t), equal.mysql);
      await target.query("UPDATE public.every_type SET tm6 = tm6 - interval '1 microsecond' WHERE id = (SELECT min(id) FROM public.every_type WHERE tm6 IS NOT NULL)");
    } finally {
      await pgSide.close();
    }
  } finally {
    await target.query(`UPDATE public.every_type SET tm = ${fold('tm')}, tm6 = ${fold('tm6')} WHERE tm IS NOT NULL`);
  }
  assert.deepEqual(await both('every_type'), equal);
});

test('key ranges: every range of the every-type table reads the same on MariaDB (rows hashed here) and on PostgreSQL (by the server), the ranges add up to the whole fingerprint, a range read alone reads the same, and a changed row shows in its range only; an unsigned BIGINT key (numeric on PostgreSQL) is not cut into ranges', async () => {
  const t = await compared('every_type');
  const pgSide = new PgFingerprintSide('target', {
    type: 'postgresql', role: 'target', host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', schemas: ['public'],
  }, 1);
  await pgSide.open();
  try {
    const [mk, pk] = [await side.integerKeyRange(t), await pgSide.integerKeyRange(t)];
    assert.deepEqual(mk, pk, 'both sides name the same key column and extremes');
    assert.equal(mk?.column, 'id');
    const plan = { column: 'id', base: mk!.min!, width: '2' };
    const [m, p] = [await side.bucketFingerprints(t, plan), await pgSide.bucketFingerprints(t, plan)];
    assert.ok(m.buckets.size >= 3, `${m.buckets.size} ranges`);
    assert.deepEqual([...m.buckets].sort(), [...p.buckets].sort());
    assert.deepEqual(bucketTotal(m.buckets.values()), (await both('every_type')).mysql, 'the ranges add up to the whole fingerprint');
    const some = [...m.buckets.keys()].slice(0, 2);
    const [m2, p2] = [await side.bucketFingerprints(t, plan, [...some, '999']), await pgSide.bucketFingerprints(t, plan, [...some, '999'])];
    assert.deepEqual([...m2.buckets].sort(), [...m.buckets].filter(([b]) => some.includes(b)).sort(), 'a range read alone reads as in the whole reading; an empty range is left out');
    assert.deepEqual([...p2.buckets].sort(), [...m2.buckets].sort());
    const id = (await target.query('SELECT max(id)::text AS id FROM public.every_type')).rows[0].id as string;
    await target.query("UPDATE public.every_type SET tm6 = tm6 + interval '1 microsecond' WHERE id = (SELECT max(id) FROM public.every_type)");
    try {
      const after = await pgSide.bucketFingerprints(t, plan);
      const changed = [...after.buckets.keys()].filter((b) => after.buckets.get(b)!.checksum !== m.buckets.get(b)?.checksum);
      assert.deepEqual(changed, [bucketOf(plan, id)]);
    } finally {
      await target.query("UPDATE public.every_type SET tm6 = tm6 - interval '1 microsecond' WHERE id = (SELECT max(id) FROM public.every_type)");
    }
    // Keys far past the plan: PostgreSQL's bucket is the exact floor (a numeric quotient rounded
    // 999999999999999999 / 1e13 up to 100000: the ranges-mysql-52 run), as bucketOf's.
    await target.query(`CREATE TABLE public.far (id bigint PRIMARY KEY, v text);
      INSERT INTO public.far VALUES (999999999999999999, 'a'), (1000000000000000000, 'b'), (-1, 'c'), (-10000000000000, 'd'), (-10000000000001, 'e'), (9223372036854775807, 'f')`);
    const far: ComparedTable = { key: 'public.far', schema: 'public', name: 'far', columns: ['id', 'v'] };
    const farPlan = { column: 'id', base: '0', width: '10000000000000' };
    const farBuckets = (await pgSide.bucketFingerprints(far, farPlan)).buckets;
    const farIds = ['999999999999999999', '1000000000000000000', '-1', '-10000000000000', '-10000000000001', '9223372036854775807'];
    assert.deepEqual([...farBuckets.keys()].sort(), [...new Set(farIds.map((k) => bucketOf(farPlan, k)!))].sort());
    assert.deepEqual((await pgSide.bucketFingerprints(far, farPlan, farIds.map((k) => bucketOf(farPlan, k)!))).buckets, farBuckets, 'read by range, the same');
    // Many ranges on MariaDB: read in several statements, adjacent ones joined, as the whole reading gives them.
    await maria.sql('shop', 'CREATE TABLE many (id INT PRIMARY KEY, v INT); INSERT INTO many SELECT seq, seq * 7 FROM seq_1_to_3000');
    const s2 = new MySqlComparisonSide(config(), 'source', 1);
    await s2.open();
    try {
      const many: ComparedTable = { key: 'public.many', schema: 'public', name: 'many', columns: ['id', 'v'] };
      const unit = { column: 'id', base: '1', width: '1' };
      const all = (await s2.bucketFingerprints(many, unit)).buckets;
      assert.equal(all.size, 3000);
      // 1,000 apart (one statement holds 256) and 1,000 adjacent (one range).
      const picked = [...Array.from({ length: 1000 }, (_, i) => String(i * 2)), ...Array.from({ length: 1000 }, (_, i) => String(2000 + i))];
      const some = (await s2.bucketFingerprints(many, unit, picked)).buckets;
      assert.deepEqual([...some].sort(), [...all].filter(([b]) => picked.includes(b)).sort());
    } finally {
      await s2.close();
    }
    const pairs = await compared('pairs');
    assert.equal((await side.integerKeyRange(pairs))?.column, 'a');
    assert.equal(await pgSide.integerKeyRange(pairs), undefined, 'numeric(20,0) on PostgreSQL: not an integer key there');
  } finally {
    await pgSide.close();
  }
});
