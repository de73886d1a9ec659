/**
 * What public MySQL schemas (sakila's views, mysqldump and phpMyAdmin dumps, cacti, world_x) showed
 * the conversion getting wrong, in a fixture of our own: views with IF() on a TINYINT flag, a
 * GROUP BY that leaves selected columns out, GROUP_CONCAT, DATE_FORMAT, TO_DAYS / DATEDIFF,
 * INTERVAL arithmetic and TIMESTAMPDIFF, CONVERT … USING and COLLATE, flags
 * compared with FALSE, a selected comparison, JSON paths and SUBSTR; an index whose `<table>_<index>` name is another
 * table's; a generated column that is a comparison; a view that calls a stored function (employees); BIT columns
 * compared with numbers in a view and a CHECK, and `+` on text (Northwind). A real MariaDB holds it; the export is applied
 * to PostgreSQL 15 as `import schema` does (both phases, with the rows copied in between through
 * the snapshot's converters), and every view must give the rows MariaDB gives, written here.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql, type MySqlSession } from '../../../src/adapters/mysql/connection.js';
import { mysqlIdent, readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { convertMySqlSchema, generatedOnTarget, type MySqlSchemaConversion } from '../../../src/adapters/mysql/schema/convert-schema.js';
import { mysqlSelectExpression, valueTypeOf } from '../../../src/adapters/mysql/schema/type-map.js';
import { mysqlRowToCopyText } from '../../../src/adapters/mysql/values/copy-text-row.js';
import { quoteIdent } from '../../../src/core/sql-names.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';
import { applySchemaStatements } from '../../../src/adapters/postgres/schema-applier.js';

const FIXTURE = `
CREATE TABLE region (id int PRIMARY KEY, code char(3) NOT NULL, name varchar(40) NOT NULL);
CREATE TABLE branch (id smallint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, region_id int NOT NULL, city varchar(40) NOT NULL,
  opened date, active tinyint(1) NOT NULL DEFAULT 1, KEY realm (region_id), CONSTRAINT branch_region FOREIGN KEY (region_id) REFERENCES region (id));
CREATE TABLE branch_realm (id int PRIMARY KEY);
CREATE TABLE sale (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, branch_id smallint unsigned NOT NULL, amount decimal(8,2) NOT NULL,
  sold_at datetime NOT NULL, returned_on date, is_void tinyint(1) NOT NULL DEFAULT 0, doc json, tag varchar(10),
  big_sale tinyint(1) AS (amount > 100) STORED, lat decimal(9,6) AS (json_unquote(json_extract(doc, '$.geo.lat'))) STORED,
  items int unsigned AS (json_length(json_extract(doc, '$.items'))) VIRTUAL, doc_version int AS (json_extract(doc, '$.v')) STORED,
  KEY sale_branch (branch_id));
INSERT INTO region VALUES (1, 'NTH', 'North'), (2, 'STH', 'South');
INSERT INTO branch VALUES (1, 1, 'oslo', '2020-03-01', 1), (2, 1, 'bergen', NULL, 0), (3, 2, 'roma', '2021-07-15', 1);
INSERT INTO branch_realm VALUES (1);
INSERT INTO sale (id, branch_id, amount, sold_at, returned_on, is_void, doc, tag) VALUES
  (1, 1, 50.00, '2024-01-05 10:00:00', NULL, 0, '{"buyer": {"name": "Ann"}, "items": ["pen", "ink"], "geo": {"lat": 59.913868}, "v": 3}', 'b'),
  (2, 1, 70.50, '2024-01-20 12:30:00', '2024-01-25', 0, '{"buyer": {"name": "Bo"}, "items": ["map"], "geo": {"lat": -33.5}}', 'a'),
  (3, 3, 120.00, '2024-02-02 09:15:00', '2024-03-01', 0, '{"buyer": {}, "items": []}', 'a'),
  (4, 3, 10.00, '2024-02-03 08:00:00', NULL, 1, NULL, NULL);
CREATE VIEW branch_list AS SELECT b.id AS id, CONCAT(g.name, ', ', b.city) AS place, IF(b.active, 'open', 'closed') AS state
  FROM branch b JOIN region g ON g.id = b.region_id;
CREATE VIEW sales_by_branch AS SELECT CONCAT(g.name, ',', b.city) AS branch, SUM(s.amount) AS total
  FROM sale s JOIN branch b ON s.branch_id = b.id JOIN region g ON b.region_id = g.id GROUP BY s.branch_id ORDER BY g.code, b.city;
CREATE VIEW tags_by_branch AS SELECT b.city AS city, GROUP_CONCAT(DISTINCT s.tag ORDER BY s.tag SEPARATOR '|') AS tags, COUNT(*) AS n
  FROM sale s JOIN branch b ON b.id = s.branch_id GROUP BY b.id;
CREATE VIEW monthly AS SELECT DATE_FORMAT(s.sold_at, '%Y-%m') AS month, COUNT(*) AS n, ROUND(AVG(s.amount), 2) AS mean
  FROM sale s WHERE s.is_void = false GROUP BY DATE_FORMAT(s.sold_at, '%Y-%m');
CREATE VIEW returns_late AS SELECT s.id AS id, TO_DAYS(s.returned_on) - TO_DAYS(s.sold_at) AS days, DATEDIFF(s.returned_on, s.sold_at) AS diff,
  JSON_UNQUOTE(JSON_EXTRACT(s.doc, '$.buyer.name')) AS buyer, JSON_UNQUOTE(JSON_EXTRACT(s.doc, '$.items[0]')) AS first_item
  FROM sale s WHERE s.returned_on IS NOT NULL;
CREATE VIEW sale_dates AS SELECT s.id AS id, DAYOFWEEK(s.sold_at) AS dow, DAYOFYEAR(s.sold_at) AS doy, QUARTER(s.sold_at) AS q, DATE(s.sold_at) AS day,
  DATE_FORMAT(s.sold_at, '%d %M %Y %H:%i:%s %p %W %a %b %j %e %c %k %l|%y') AS label FROM sale s;
CREATE VIEW due AS SELECT s.id AS id, DATE_ADD(s.sold_at, INTERVAL 30 DAY) AS due_at, s.sold_at - INTERVAL 1 MONTH AS prev,
  TIMESTAMPDIFF(HOUR, s.sold_at, '2024-02-03 12:00:00') AS hours, '2024-02-03 10:00:00' + INTERVAL 90 MINUTE AS fixed FROM sale s;
CREATE VIEW north AS SELECT g.id AS id, CONVERT(g.name USING utf8mb4) AS name FROM region g WHERE g.code = 'NTH' COLLATE utf8mb4_general_ci;
CREATE VIEW flags AS SELECT b.id AS id, (b.opened IS NULL) AS unopened, b.active = 1 AS on_duty FROM branch b;
CREATE VIEW initials AS SELECT b.id AS id, CONCAT(UCASE(SUBSTR(b.city, 1, 1)), LCASE(SUBSTR(b.city, 2, LENGTH(b.city)))) AS city FROM branch b;
CREATE FUNCTION branch_code(b_id int) RETURNS varchar(50) READS SQL DATA
  RETURN (SELECT CONCAT(g.code, '-', b.id) FROM branch b JOIN region g ON g.id = b.region_id WHERE b.id = b_id);
CREATE VIEW branch_codes AS SELECT b.id AS id, branch_code(b.id) AS code FROM branch b;
CREATE TABLE gadget (id int PRIMARY KEY, name varchar(20) NOT NULL, retired bit(1) NOT NULL DEFAULT b'0', grade bit(3) NOT NULL DEFAULT b'0',
  CONSTRAINT grade_max CHECK (grade <= 5));
INSERT INTO gadget VALUES (1, 'lamp', b'0', 3), (2, 'fan', b'1', 5), (3, 'radio', b'0', 0);
CREATE VIEW gadgets_in_use AS SELECT g.id AS id, g.name AS name FROM gadget g WHERE g.retired = 0 AND 1 < g.grade;
CREATE VIEW gadgets_retired AS SELECT g.id AS id, IF(g.grade, 'graded', 'ungraded') AS graded FROM gadget g WHERE g.retired OR NOT (g.grade);
CREATE VIEW gadget_labels AS SELECT g.id AS id, g.name + ' ' + g.id AS label FROM gadget g;
CREATE VIEW open_branch_codes AS SELECT c.id AS id, c.code AS code FROM branch_codes c JOIN branch b ON b.id = c.id WHERE b.active = 1;
`;

/** Each view's rows as both servers must give them (text, sorted). */
const VIEW_ROWS: Record<string, string[][]> = {
  branch_list: [['1', 'North, oslo', 'open'], ['2', 'North, bergen', 'closed'], ['3', 'South, roma', 'open']],
  sales_by_branch: [['North,oslo', '120.50'], ['South,roma', '130.00']],
  tags_by_branch: [['oslo', 'a|b', '2'], ['roma', 'a', '2']],
  monthly: [['2024-01', '2', '60.25'], ['2024-02', '1', '120.00']],
  returns_late: [['2', '5', '5', 'Bo', 'map'], ['3', '28', '28', '∅', '∅']],
  initials: [['1', 'Oslo'], ['2', 'Bergen'], ['3', 'Roma']],
  flags: [['1', '0', '1'], ['2', '1', '0'], ['3', '0', '1']],
  north: [['1', 'North']],
  // Northwind's views compare a BIT column with 0.
  gadgets_in_use: [['1', 'lamp']],
  // … and use one alone as a condition.
  gadgets_retired: [['2', 'graded'], ['3', 'ungraded']],
  due: [
    // A string plus an INTERVAL: MySQL reads the string as a date (the literal is cast on PostgreSQL).
    ['1', '2024-02-04 10:00:00', '2023-12-05 10:00:00', '698', '2024-02-03 11:30:00'], ['2', '2024-02-19 12:30:00', '2023-12-20 12:30:00', '335', '2024-02-03 11:30:00'],
    ['3', '2024-03-03 09:15:00', '2024-01-02 09:15:00', '26', '2024-02-03 11:30:00'], ['4', '2024-03-04 08:00:00', '2024-01-03 08:00:00', '4', '2024-02-03 11:30:00'],
  ],
  sale_dates: [
    ['1', '6', '5', '1', '2024-01-05', '05 January 2024 10:00:00 AM Friday Fri Jan 005 5 1 10 10|24'],
    ['2', '7', '20', '1', '2024-01-20', '20 January 2024 12:30:00 PM Saturday Sat Jan 020 20 1 12 12|24'],
    ['3', '6', '33', '1', '2024-02-02', '02 February 2024 09:15:00 AM Friday Fri Feb 033 2 2 9 9|24'],
    ['4', '7', '34', '1', '2024-02-03', '03 February 2024 08:00:00 AM Saturday Sat Feb 034 3 2 8 8|24'],
  ],
};

let maria: MariaDbServer;
let pgServer: PgServer;
let session: MySqlSession;
let target: pg.Client;
let catalog: MySqlCatalog;
let conversion: MySqlSchemaConversion;
let exportDir: string;

const textTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;
const text = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? '∅' : String(v)))).sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
  await maria.createDatabase('shop');
  await maria.sql('shop', FIXTURE);
  await pgServer.createDatabase('target');
  session = await connectMySql({ role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: [], sslMode: 'disable' });
  catalog = await readMySqlCatalog(session.connection, session.server, 'shop');
  conversion = convertMySqlSchema(catalog);
  exportDir = mkdtempSync(join(tmpdir(), 'tandem-mysql-patterns-'));
  await writeSchemaFiles(join(exportDir, 'schema'), conversion.objects);
  target = new pg.Client({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password, database: 'target', types: textTypes });
  await target.connect();
});

after(async () => {
  await target?.end();
  await session?.connection.end();
  await Promise.all([maria?.stop(), pgServer?.stop()]);
  if (exportDir) rmSync(exportDir, { recursive: true, force: true });
});

test('every view converts but those that call a stored function (and those that read them); the changed ones carry their caveat', () => {
  // employees' v_full_departments calls its stored function current_manager(): PostgreSQL has no
  // such function until someone has rewritten it, so the view is left to that person too.
  assert.deepEqual(conversion.notes.filter((n) => n.rule === 'mysql-view-not-converted').map((n) => `${n.objectName}: ${n.detail}`), [
    'public.branch_codes: the query did not convert: it uses the stored function branch_code(), which is converted by hand: create it on the target first, then this view',
    // Northwind's Invoices view: MySQL adds the numbers the names start with.
    'public.gadget_labels: the query did not convert: it uses the + operator on text: MySQL adds the numbers the strings start with (usually 0), PostgreSQL has no such operator (to join text, CONCAT() converts)',
    'public.open_branch_codes: it reads the view branch_codes, which did not convert: convert that one first',
  ]);
  assert.deepEqual(conversion.notes.filter((n) => n.rule === 'mysql-routine').map((n) => n.objectName), ['public.branch_code']);
  assert.deepEqual(conversion.notes.filter((n) => n.rule === 'mysql-view-caveat').map((n) => `${n.objectName}: ${n.detail.replace(/:.*/, '')}`), [
    'public.due: date arithmetic',
    'public.initials: upper()/lower()',
    'public.monthly: avg()',
    'public.north: COLLATE utf8mb4_general_ci left out',
    'public.returns_late: JSON paths',
    'public.sales_by_branch: GROUP BY completed with g.name, b.city, g.code',
    'public.sales_by_branch: ORDER BY',
    'public.tags_by_branch: ORDER BY',
    'public.tags_by_branch: group_concat(DISTINCT … ORDER BY …)',
    'public.tags_by_branch: group_concat',
  ]);
});

test('both import phases apply without a failure, with the rows copied in between through the snapshot converters', async () => {
  const pre = await applySchemaStatements(target, await readSchemaStatements(join(exportDir, 'schema'), { postSnapshot: false }), { ignoreExist: false, continueOnError: true });
  assert.deepEqual(pre.results.filter((r) => r.status !== 'applied').map((r) => `${r.statement.sql}: ${'message' in r ? r.message : r.status}`), []);
  await target.query('SET session_replication_role = replica');
  for (const table of catalog.tables) {
    const skip = generatedOnTarget(catalog, table);
    const columns = table.columns.filter((c) => !skip.includes(c.name));
    const types = columns.map((c) => valueTypeOf(table.name, c, session.server.flavor));
    const [rows] = await session.connection.query({ sql: `SELECT ${columns.map((c) => mysqlSelectExpression(c, mysqlIdent(c.name))).join(', ')} FROM ${mysqlIdent(table.name)}`, rowsAsArray: true });
    const lines = (rows as (string | Buffer | null)[][]).map((r) => mysqlRowToCopyText(r, types));
    await pipeline(Readable.from(lines), target.query(copyFrom(`COPY public.${quoteIdent(table.name)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`)));
  }
  await target.query('SET session_replication_role = DEFAULT');
  const post = await applySchemaStatements(target, await readSchemaStatements(join(exportDir, 'schema'), { postSnapshot: true }), { ignoreExist: false, continueOnError: true });
  assert.deepEqual(post.results.filter((r) => r.status !== 'applied').map((r) => `${r.statement.sql}: ${'message' in r ? r.message : r.status}`), []);
  // branch.realm would be branch_realm, a table's name: it got another one.
  const indexes = await target.query("SELECT indexname FROM pg_indexes WHERE tablename = 'branch' ORDER BY 1");
  assert.deepEqual(indexes.rows.map((r) => r.indexname), ['branch_pkey', 'branch_realm_idx']);
});

test('each view gives the rows MariaDB gives', async () => {
  for (const [view, expected] of Object.entries(VIEW_ROWS)) {
    const [mysqlRows] = await session.connection.query({ sql: `SELECT * FROM ${mysqlIdent(view)}`, rowsAsArray: true });
    assert.deepEqual(text(mysqlRows as unknown[][]), expected, `MariaDB ${view}`);
    const pgRows = await target.query({ text: `SELECT * FROM public.${view}`, rowMode: 'array' });
    assert.deepEqual(text(pgRows.rows), expected, `PostgreSQL ${view}`);
  }
});

test('generated columns: a comparison, JSON text into DECIMAL and JSON into INT are computed by PostgreSQL as MySQL stores them', async () => {
  const { rows } = await target.query({ text: 'SELECT id, big_sale, lat, doc_version FROM public.sale ORDER BY id', rowMode: 'array' });
  assert.deepEqual(rows, [['1', '0', '59.913868', '3'], ['2', '0', '-33.500000', null], ['3', '1', null, null], ['4', '0', null, null]]);
  const [mysqlRows] = await session.connection.query({ sql: 'SELECT id, big_sale, lat, doc_version FROM sale ORDER BY id', rowsAsArray: true });
  assert.deepEqual(mysqlRows, rows);
  // json_length() does not convert: the column is filled from the source, as MariaDB computed it.
  assert.deepEqual(generatedOnTarget(catalog, catalog.tables.find((t) => t.name === 'sale')!), ['big_sale', 'lat', 'doc_version']);
  const items = await target.query({ text: 'SELECT items FROM public.sale ORDER BY id', rowMode: 'array' });
  assert.deepEqual(items.rows, [['2'], ['1'], ['0'], [null]]);
});
