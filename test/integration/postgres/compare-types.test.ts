import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startPg15, startEmbeddedPg18, type PgServer } from '../../helpers/pg-server.js';
import { fingerprintTable, listFingerprintColumns } from '../../../src/adapters/postgres/table-fingerprint.js';

const LIMIT = { timeout: 180_000 };

const DDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN short_text AS varchar(20) CHECK (VALUE <> 'x');
CREATE TYPE pair AS (a int, b text);
CREATE TABLE every_type (
  id int PRIMARY KEY,
  i2 smallint, i8 bigint, num numeric, num_scaled numeric(20,6), f4 real, f8 double precision, cash money,
  t text, c char(5), vc varchar(10), by bytea, b boolean,
  d date, tm time, ttz timetz, ts timestamp, tstz timestamptz, iv interval,
  u uuid, j json, jb jsonb, ip inet, net cidr, mac macaddr, bits bit(4), vbits varbit,
  tsv tsvector, r int4range, tr tstzrange, mr int4multirange, pt point, bx box,
  m mood, ms mood[], dom short_text, comp pair, grid int[][], ta text[], jba jsonb[],
  doubled bigint GENERATED ALWAYS AS (i8 * 2) STORED
);
CREATE TABLE parent (id int, v text);
CREATE TABLE child (extra int) INHERITS (parent);
CREATE TABLE parted (id int, k text) PARTITION BY LIST (k);
CREATE TABLE parted_a PARTITION OF parted FOR VALUES IN ('a');
CREATE TABLE parted_rest PARTITION OF parted DEFAULT;
`;

const ROWS = [
  `(1, 1, 4611686018427387903, 'NaN', 1.5, 0.1, 1e-7, 12.34, E'quote '' back\\\\ nl\\n tab\\t', 'ab', 'héllo', '\\x00ff10', true,
    'infinity', '23:59:59.999999', '12:00+05:30', '2024-02-29 12:34:56.789', '2024-06-30 23:59:59.999999+02', '1 year 2 mons -3 days 04:05:06.7',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": [1, 2]}', '{"b": 1, "a": {"x": null}}', '192.168.0.1/24', '10.0.0.0/8',
    '08:00:2b:01:02:03', B'1010', B'110', 'fat cats ate rats', '[1,5)', '[2024-01-01 00:00+00,2024-02-01 00:00+00)', '{[1,3), [5,7)}',
    '(1.5,-2.25)', '((0,0),(1,1))', 'happy', '{sad,happy}', 'short', '(1,"x, y")', '{{1,2},{3,NULL}}', '{a,NULL,"",NULL}', ARRAY['{"k": 1}'::jsonb])`,
  `(2, -32768, -1, -0.000001, -123456.000001, '-0', 'Infinity', -0.01, '', '', '', '\\x', false,
    '0001-01-01 BC', '00:00', '00:00:00-12', '1999-12-31 23:59:59', '1970-01-01 00:00:00+00', '-00:00:00.000001',
    '00000000-0000-0000-0000-000000000000', '[]', '[]', '::1', '::/0', 'ff:ff:ff:ff:ff:ff', B'0000', B'', '', 'empty', 'empty', '{}',
    '(0,0)', '((1,1),(0,0))', 'sad', '{}', '', '(,)', '{}', '{}', '{}')`,
  `(3, ${Array(39).fill('NULL').join(', ')})`,
  `(4, 1, 2, 3, 4, 3.4028235e38, 2.2250738585072014e-308, 0, 'NULL', 'NULL', 'NULL', '\\x4e554c4c', NULL,
    '2024-01-01', '12:00', '12:00+00', '2024-01-01 00:00', '2024-01-01 00:00+00', '0',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', 'null', 'null', '10.1.2.3', '10.1.2.0/24', '00:00:00:00:00:00', B'1111', B'1', 'a:1 b:2', '(,)', '(,)', '{}',
    '(1e300,-1e-300)', '((2,2),(1,1))', 'ok', '{ok,NULL}', 'NULL', '(2,NULL)', '{{NULL}}', '{"a,b","c\\"d"}', '{NULL}')`,
];

let a: PgServer;
let b: PgServer;
let ca: pg.Client;
let cb: pg.Client;

before(async () => {
  [a, b] = await Promise.all([startPg15(), startEmbeddedPg18()]);
  await Promise.all([a.createDatabase('typesdb'), b.createDatabase('typesdb')]);
  // Server b: other session defaults that change many text forms, and the rows in another order.
  await b.sql('postgres', `ALTER DATABASE typesdb SET timezone = 'America/St_Johns'; ALTER DATABASE typesdb SET DateStyle = 'German, DMY';
    ALTER DATABASE typesdb SET IntervalStyle = 'sql_standard'; ALTER DATABASE typesdb SET extra_float_digits = -10;
    ALTER DATABASE typesdb SET bytea_output = 'escape'`);
  const insert = (rows: string[]) => `INSERT INTO every_type VALUES ${rows.join(',\n')};
    INSERT INTO parent VALUES (1, 'p'); INSERT INTO child VALUES (2, 'c', 9);
    INSERT INTO parted VALUES (1, 'a'), (2, 'b'), (3, NULL);`;
  // The same literal data read under each server's own settings: both load in UTC/ISO so the values are equal.
  await a.sql('typesdb', `SET timezone = 'UTC'; ${DDL} ${insert(ROWS)}`);
  await b.sql('typesdb', `SET timezone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; ${DDL} ${insert([...ROWS].reverse())}`);
  [ca, cb] = await Promise.all([a.client('typesdb'), b.client('typesdb')]);
});

after(async () => {
  await Promise.all([ca?.end(), cb?.end()]);
  await Promise.all([a?.stop(), b?.stop()]);
});

async function both(table: string, columns?: string[]) {
  const cols = columns ?? (await listFingerprintColumns(ca, [{ schema: 'public', name: table }])).get(`public.${table}`)!;
  // The rows and checksum only: each side's read time differs.
  return (await Promise.all([fingerprintTable(ca, 'public', table, cols), fingerprintTable(cb, 'public', table, cols)])).map(({ rows, checksum }) => ({ rows, checksum }));
}

test('every type gives the same fingerprint on PostgreSQL 15 and 18 despite other settings and row order', LIMIT, async () => {
  const cols = (await listFingerprintColumns(ca, [{ schema: 'public', name: 'every_type' }])).get('public.every_type')!;
  assert.equal(cols.length, 41);
  assert.equal(cols.at(-1), 'doubled', 'generated columns are compared too');
  const [fa, fb] = await both('every_type');
  assert.equal(fa.rows, 4);
  assert.deepEqual(fb, fa);
  assert.match(fa.checksum, /^\d+$/);
});

test('each column on its own also matches (no type is hidden by another)', LIMIT, async () => {
  const cols = (await listFingerprintColumns(ca, [{ schema: 'public', name: 'every_type' }])).get('public.every_type')!;
  for (const c of cols) {
    const [fa, fb] = await both('every_type', [c]);
    assert.deepEqual(fb, fa, c);
  }
});

test('inheritance parents are read with ONLY; partitioned roots include every partition', LIMIT, async () => {
  const [pa, pb] = await both('parent');
  assert.equal(pa.rows, 1);
  assert.deepEqual(pb, pa);
  const [ra, rb] = await both('parted');
  assert.equal(ra.rows, 3);
  assert.deepEqual(rb, ra);
});

test('one changed value, NULL vs empty, a moved separator and a swap all change the checksum', LIMIT, async () => {
  await ca.query('CREATE TABLE probe (a text, b text)');
  const sum = async (rows: string) => {
    await ca.query('TRUNCATE probe');
    if (rows) await ca.query(`INSERT INTO probe VALUES ${rows}`);
    return (await fingerprintTable(ca, 'public', 'probe', ['a', 'b'])).checksum;
  };
  const base = await sum(`('x', 'y'), ('p', 'q')`);
  const variants = [
    `('x', 'y'), ('p', 'q ')`, // whitespace
    `('x', 'q'), ('p', 'y')`, // values swapped between rows
    `('x,', 'y'), ('p', 'q')`, // a separator inside a value…
    `('x', ',y'), ('p', 'q')`, // …moved into the next one
    `('x', NULL), ('p', 'q')`,
    `('x', ''), ('p', 'q')`,
    `('x', 'NULL'), ('p', 'q')`,
  ];
  const seen = new Set([base]);
  for (const v of variants) {
    const s = await sum(v);
    assert.ok(!seen.has(s), `variant ${v} must differ`);
    seen.add(s);
  }
  assert.equal(await sum(`('p', 'q'), ('x', 'y')`), base, 'row order does not matter');
  assert.equal(await sum(''), '0');
});

test('a missing table is a TANDEM_UNKNOWN_TABLE error and leaves the connection usable', LIMIT, async () => {
  await assert.rejects(fingerprintTable(ca, 'public', 'nope', ['id']), (e: any) => e.code === 'TANDEM_UNKNOWN_TABLE' && /public\.nope/.test(e.message));
  await assert.rejects(fingerprintTable(ca, 'public', 'parent', ['no_such_column']), (e: any) => e.code === '42703');
  const [fa] = await both('parent');
  assert.equal(fa.rows, 1);
});

test('unbounded bpchar values that differ only in their stored trailing spaces differ, directly and through a domain, in the checksum and in the first differing keys; char(n) compares as before (measured before: MATCH, the pg-fidelity run)', LIMIT, async () => {
  // A domain over a domain over bpchar too (the pg-values-roundtrip run: MATCH, one level only was looked through).
  const ddl = `CREATE DOMAIN padded AS bpchar; CREATE DOMAIN padded2 AS padded; CREATE DOMAIN fixed AS char(4); CREATE DOMAIN fixed2 AS fixed;
    CREATE TABLE bp (id int PRIMARY KEY, v bpchar, d padded, c char(4), a bpchar[], dd padded2, f fixed2);`;
  await Promise.all([ca.query(ddl), cb.query(ddl)]);
  const load = async (c: pg.Client, rows: string) => {
    await c.query('TRUNCATE bp');
    await c.query(`INSERT INTO bp VALUES ${rows}`);
  };
  const sums = async () => (await both('bp')).map((f) => f.checksum);
  await load(ca, `(1, 'ab   ', 'x ', 'ab', ARRAY['q '::bpchar], 'y  ', 'ab')`);
  await load(cb, `(1, 'ab   ', 'x ', 'ab', ARRAY['q '::bpchar], 'y  ', 'ab')`);
  let [sa, sb] = await sums();
  assert.equal(sb, sa, 'equal rows, equal checksums');
  for (const [column, value] of [['v', "'ab'"], ['d', "'x'"], ['dd', "'y'"]] as const) {
    await cb.query(`UPDATE bp SET ${column} = ${value} WHERE id = 1`);
    [sa, sb] = await sums();
    assert.notEqual(sb, sa, `${column}: trailing spaces stripped on one side`);
    const { PgFingerprintSide } = await import('../../../src/adapters/postgres/pg-fingerprint-side.js');
    const { firstDifferingKeys } = await import('../../../src/core/verify/differing-keys.js');
    const side = (s: PgServer, label: string) => new PgFingerprintSide(label, { type: 'postgresql', role: 'target', host: s.host, port: s.port, user: s.user, password: s.password, database: 'typesdb', schemas: ['public'] }, 1);
    const [left, right] = [side(a, 'source'), side(b, 'target')];
    try {
      const table = { key: 'public.bp', schema: 'public', name: 'bp', columns: ['id', 'v', 'd', 'c', 'a', 'dd', 'f'] };
      assert.deepEqual((await firstDifferingKeys(left, right, table, ['id'], ['numeric'], 5)).map((k) => k.key), [{ id: '1' }]);
    } finally {
      await Promise.all([left.close(), right.close()]);
    }
    await load(cb, `(1, 'ab   ', 'x ', 'ab', ARRAY['q '::bpchar], 'y  ', 'ab')`);
  }
  // char(4) pads every value: its text compares as the other engines' CHAR does (trailing spaces not significant).
  await cb.query(`UPDATE bp SET c = 'ab  ', f = 'ab  ' WHERE id = 1`);
  [sa, sb] = await sums();
  assert.equal(sb, sa);
});

test('a comparison side warmed ahead opens its connections (no more than its limit, reading nothing), and its fingerprints then open none', LIMIT, async () => {
  const { PgFingerprintSide } = await import('../../../src/adapters/postgres/pg-fingerprint-side.js');
  const config = { type: 'postgresql' as const, role: 'target' as const, host: a.host, port: a.port, user: a.user, password: a.password, database: 'typesdb', schemas: ['public'] };
  const backends = async () => (await ca.query(`SELECT pid, state, query FROM pg_stat_activity WHERE application_name = 'tandem' AND datname = 'typesdb' ORDER BY pid`)).rows as { pid: number; query: string }[];
  const side = new PgFingerprintSide('source', config, 2);
  try {
    assert.deepEqual(await backends(), []);
    await side.warm(3);
    const warmed = await backends();
    assert.equal(warmed.length, 2, 'the side\'s limit, not the 3 asked for');
    // Nothing read yet: only the session's own settings, never a table.
    for (const b of warmed) assert.doesNotMatch(b.query, /every_type|parted|pg_attribute/);
    await side.warm(2);
    assert.equal((await backends()).length, 2, 'warming again opens nothing more');
    const cols = (await side.listColumns([{ schema: 'public', name: 'parted' }])).get('public.parted')!;
    const table = (name: string) => ({ key: `public.${name}`, schema: 'public', name, columns: cols });
    await Promise.all([side.fingerprint(table('parted')), side.fingerprint(table('parted'))]);
    assert.deepEqual((await backends()).map((b) => b.pid), warmed.map((b) => b.pid), 'the scans ran on the warmed connections');
  } finally {
    await side.close();
  }
  // A side that cannot connect fails its warm as its open would.
  const wrong = new PgFingerprintSide('source', { ...config, password: 'wrong' }, 2);
  try {
    await assert.rejects(wrong.warm(2), /password/);
  } finally {
    await wrong.close();
  }
});
