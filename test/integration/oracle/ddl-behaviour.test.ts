/**
 * The converted DDL must not only load but behave as the Oracle DDL did: rows are written into the
 * converted tables on a real PostgreSQL 15 and read back through the converted views. Expected
 * values are Oracle's results for the same rows, worked out by hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import { convertOracleDdl } from '../../../src/adapters/oracle/schema/convert-oracle-ddl.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { importLikeTandem } from './ddl-load-kit.js';

let server: PgServer;
let client: pg.Client;

before(async () => {
  server = await startPg15({ TimeZone: 'UTC' });
  await server.createDatabase('behaviour');
  client = await server.client('behaviour');
  const ddl = await readFile(new URL('../../../../test/fixtures/oracle/behaviour.sql', import.meta.url), 'utf8');
  const result = await convertOracleDdl(ddl, { schema: 'CHECKS' });
  assert.deepEqual(result.manual.map((m) => m.name), []);
  const outcome = await importLikeTandem(client, result.objects);
  assert.deepEqual(outcome.failed.map((f) => f.statement.sql), []);
  await client.query('SET search_path = checks');
  await client.query(`INSERT INTO readings (reading_id, taken_at, later_at, kind, small_count, hundreds, tiny, a, b, label)
    VALUES (NULL, '2024-02-29 10:30:00', '2024-03-31 22:30:00', NULL, 9999, 1234567, 0.000994, 7, 2, 'abcdef')`);
  await client.query(`INSERT INTO readings (reading_id, taken_at, later_at, kind, a, b, label)
    VALUES (7, '2024-01-15 08:00:00', '2024-03-20 20:00:00', 'PHONE', 9, 4, NULL)`);
});

after(async () => {
  await client?.end();
  await server?.stop();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await client.query(sql)).rows;
}

async function sqlState(sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

test('column types: DATE keeps its time of day as timestamp(0), NUMBER by precision and scale', async () => {
  const cols = await rows(`SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_attribute a WHERE a.attrelid = 'checks.readings'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`);
  assert.deepEqual(cols, [
    { column: 'reading_id', type: 'bigint' },
    { column: 'taken_at', type: 'timestamp(0) without time zone' },
    { column: 'later_at', type: 'timestamp(0) without time zone' },
    { column: 'kind', type: 'character varying(8)' },
    { column: 'small_count', type: 'smallint' },
    { column: 'hundreds', type: 'numeric(10,-2)' },
    { column: 'tiny', type: 'numeric(2,5)' },
    { column: 'a', type: 'integer' },
    { column: 'b', type: 'integer' },
    { column: 'label', type: 'character varying(20)' },
    { column: 'guid_raw', type: 'bytea' },
    { column: 'guid_text', type: 'character varying(32)' },
    { column: 'doubled', type: 'numeric' },
  ]);
});

test('values: identity and DEFAULT ON NULL fill explicit NULLs, negative scale rounds, SYS_GUID fits RAW and VARCHAR2 columns, the virtual column computes', async () => {
  const r = await rows(`SELECT reading_id, kind, taken_at::text, hundreds::text, tiny::text, length(guid_raw) AS raw_len,
      guid_text ~ '^[0-9A-F]{32}$' AS hex_text, doubled FROM readings ORDER BY reading_id DESC`);
  assert.deepEqual(r, [
    { reading_id: '5201', kind: 'EMAIL', taken_at: '2024-02-29 10:30:00', hundreds: '1234600', tiny: '0.00099', raw_len: 16, hex_text: true, doubled: '14' },
    { reading_id: '7', kind: 'PHONE', taken_at: '2024-01-15 08:00:00', hundreds: null, tiny: null, raw_len: 16, hex_text: true, doubled: '18' },
  ]);
});

test('a CHECK constraint rejects what Oracle rejects', async () => {
  assert.equal(await sqlState(`INSERT INTO readings (taken_at, kind) VALUES ('2024-01-01', 'FAX')`), '23514');
});

test('expressions: DECODE matches NULL, || treats NULL as empty, date arithmetic in days, exact division, SUBSTR, TRUNC, LAST_DAY, ADD_MONTHS, MONTHS_BETWEEN', async () => {
  const r = await rows(`SELECT reading_id, decoded, nvl2_label, glued, doubled_label, plus_hour::text, days_between::text, ratio::text,
      tail, head, month_start::text, month_end::text, next_month::text, round(months, 6)::text AS months
    FROM reading_calc ORDER BY reading_id DESC`);
  assert.deepEqual(r, [
    {
      reading_id: '5201', decoded: 'other', nvl2_label: 'has', glued: 'aabcdefb', doubled_label: 'abcdefabcdef',
      plus_hour: '2024-02-29 11:30:00', days_between: '31.5000000000000000', ratio: '3.5000000000000000', tail: 'def', head: 'ab',
      month_start: '2024-02-01 00:00:00', month_end: '2024-02-29 10:30:00', next_month: '2024-03-31 10:30:00', months: '1.000000',
    },
    {
      reading_id: '7', decoded: 'none', nvl2_label: 'not', glued: 'ab', doubled_label: null,
      plus_hour: '2024-01-15 09:00:00', days_between: '65.5000000000000000', ratio: '2.2500000000000000', tail: null, head: null,
      month_start: '2024-01-01 00:00:00', month_end: '2024-01-31 08:00:00', next_month: '2024-02-15 08:00:00', months: '2.177419',
    },
  ]);
});

test('an Oracle (+) outer join keeps parents without children; ON DELETE CASCADE removes the children', async () => {
  await client.query(`INSERT INTO parents VALUES (1, 'p1'), (2, 'p2'); INSERT INTO children VALUES (10, 1, 'c1')`);
  assert.deepEqual(await rows('SELECT id, name, label FROM parent_children ORDER BY id'), [
    { id: 1, name: 'p1', label: 'c1' },
    { id: 2, name: 'p2', label: null },
  ]);
  await client.query('DELETE FROM parents WHERE id = 1');
  assert.deepEqual(await rows('SELECT count(*)::int AS n FROM children'), [{ n: 0 }]);
});

test('CONNECT BY walks the tree with LEVEL; WHERE ROWNUM <= 2 returns two rows', async () => {
  await client.query(`INSERT INTO nodes VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 1, 'c')`);
  assert.deepEqual(await rows('SELECT id, name, depth FROM node_tree ORDER BY id'), [
    { id: 1, name: 'root', depth: 1 },
    { id: 2, name: 'a', depth: 2 },
    { id: 3, name: 'b', depth: 3 },
    { id: 4, name: 'c', depth: 2 },
  ]);
  assert.deepEqual(await rows('SELECT count(*)::int AS n FROM first_two_nodes'), [{ n: 2 }]);
});

test('range partitions with TO_DATE bounds receive the rows Oracle would put in them', async () => {
  await client.query(`INSERT INTO events VALUES (1, '2023-12-31 23:59:59', 'N'), (2, '2024-01-01 00:00:00', 'N'), (3, '2031-05-01', 'S')`);
  assert.deepEqual(await rows('SELECT event_id, tableoid::regclass::text AS part FROM events ORDER BY event_id'), [
    { event_id: '1', part: 'events_p2023' },
    { event_id: '2', part: 'events_p2024' },
    { event_id: '3', part: 'events_pmax' },
  ]);
});

test('JSON in a BLOB: IS JSON rejects invalid documents, JSON_TABLE yields one row per array element', async () => {
  await client.query(`INSERT INTO docs VALUES (1, convert_to('{"items":[{"name":"bolt","qty":3},{"name":"nut","qty":10}]}', 'UTF8'))`);
  assert.equal(await sqlState(`INSERT INTO docs VALUES (2, convert_to('{not json', 'UTF8'))`), '22P02');
  assert.deepEqual(await rows('SELECT doc_id, item, qty, pos FROM doc_items ORDER BY pos'), [
    { doc_id: 1, item: 'bolt', qty: 3, pos: '1' },
    { doc_id: 1, item: 'nut', qty: 10, pos: '2' },
  ]);
});

test('object types: attributes read through the view, a VARRAY longer than its limit is rejected', async () => {
  await client.query(`INSERT INTO shapes VALUES (1, ROW(1.5, 2.25), ARRAY['a', 'b'])`);
  assert.deepEqual(await rows('SELECT shape_id, x::text, y::text FROM shape_points'), [{ shape_id: 1, x: '1.50', y: '2.25' }]);
  assert.equal(await sqlState(`INSERT INTO shapes VALUES (2, NULL, ARRAY['a', 'b', 'c', 'd', 'e'])`), '23514');
});

test('sequences start where Oracle left them and count in their direction', async () => {
  assert.deepEqual(await rows(`SELECT nextval('up_seq')::int AS a, nextval('up_seq')::int AS b, nextval('down_seq')::int AS c, nextval('down_seq')::int AS d`), [
    { a: 41, b: 43, c: -5, d: -10 },
  ]);
});
