/**
 * Schema export from a real MariaDB: the catalog as read, the DDL written with the export's file
 * writer, read back and applied by the import's reader (both phases) to PostgreSQL 15 without an
 * error, and every object that did not convert as it is reported by analyze-schema's note rules.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { connectMySql } from '../../../src/adapters/mysql/connection.js';
import { readMySqlCatalog } from '../../../src/adapters/mysql/catalog.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';
import { convertMySqlSchema, type MySqlSchemaConversion } from '../../../src/adapters/mysql/schema/convert-schema.js';
import { indexedColumnStatistics } from '../../../src/adapters/mysql/mysql-schema-export.js';
import { readAutoIncrementCounters, setMySqlAutoIncrementSql, setPgIdentitySql } from '../../../src/adapters/mysql/sequences.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';
import { analyzeSchema } from '../../../src/analyze/index.js';
import { conversionNoteIssues } from '../../../src/analyze/rules/mysql-conversion-notes.js';

const FIXTURE = `
CREATE TABLE \`Customer\` (\`CustomerId\` int NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(100) NOT NULL,
  doc json, note varchar(20) DEFAULT 'a\\\\b', e enum('it''s','back\\\\slash','x,y') DEFAULT 'x,y', secret int INVISIBLE,
  vat_id varchar(100) AS (ucase(email)) VIRTUAL, UNIQUE KEY email_uq (email)) AUTO_INCREMENT = 42 COMMENT 'who buys';
CREATE TABLE hist (id int PRIMARY KEY, v int) WITH SYSTEM VERSIONING;
CREATE TABLE legacy (id int PRIMARY KEY, body text, name varchar(20) CHARACTER SET latin1, FULLTEXT KEY body_ft (body)) ENGINE = MyISAM;
CREATE TABLE places (id int PRIMARY KEY, pos point NOT NULL, label varchar(20), SPATIAL KEY pos_sp (pos), KEY label_idx (label) COMMENT 'find by label');
CREATE TABLE events_log (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (YEAR(at)) (PARTITION p0 VALUES LESS THAN (2020), PARTITION p1 VALUES LESS THAN MAXVALUE);
CREATE SEQUENCE invoice_seq START WITH 100 INCREMENT BY 5;
CREATE SEQUENCE ticket_seq INCREMENT BY 0;
CREATE TABLE orders (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id int NOT NULL, ref varchar(36) DEFAULT (uuid()), invoice_no bigint DEFAULT nextval(invoice_seq),
  code varchar(10) NOT NULL, placed date NOT NULL DEFAULT '0000-00-00', wait time DEFAULT '-00:30:00',
  code_hash varchar(32) AS (md5(code)) STORED,
  changed datetime(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  CONSTRAINT code_format CHECK (code REGEXP '^[A-Z]+$'), CONSTRAINT customer_positive CHECK (customer_id > 0),
  KEY code_idx (code), CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES \`Customer\` (\`CustomerId\`) ON DELETE RESTRICT);
CREATE TABLE shipments (id int PRIMARY KEY, order_code varchar(10), CONSTRAINT ship_code FOREIGN KEY (order_code) REFERENCES orders (code));
CREATE VIEW customer_orders AS SELECT c.email AS email, o.id AS order_id FROM \`Customer\` c JOIN orders o ON o.customer_id = c.\`CustomerId\`;
CREATE VIEW codes AS SELECT code REGEXP '^[A-Z]+$' AS well_formed FROM orders;
CREATE VIEW halves AS SELECT id / 2 AS half FROM orders;
CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.code = UPPER(NEW.code);
CREATE PROCEDURE purge_orders() DELETE FROM orders WHERE placed < '2000-01-01';
CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO CALL purge_orders();
`;

let maria: MariaDbServer;

/** The catalog of one MariaDB database, as export schema reads it. */
async function catalogOf(database: string): Promise<MySqlCatalog> {
  const { connection, server } = await connectMySql({ role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database, schemas: [], sslMode: 'disable' });
  try {
    return await readMySqlCatalog(connection, server, database);
  } finally {
    await connection.end();
  }
}
let pgServer: PgServer;
let catalog: MySqlCatalog;
let conversion: MySqlSchemaConversion;
let exportDir: string;

before(async () => {
  [maria, pgServer] = await Promise.all([startMariaDb(), startPg15()]);
  await maria.createDatabase('shop');
  await maria.sql('shop', FIXTURE);
  await pgServer.createDatabase('target');
  catalog = await catalogOf('shop');
  conversion = convertMySqlSchema(catalog);
  exportDir = mkdtempSync(join(tmpdir(), 'tandem-mysql-schema-'));
});

after(async () => {
  await Promise.all([maria?.stop(), pgServer?.stop()]);
  if (exportDir) rmSync(exportDir, { recursive: true, force: true });
});

test('the catalog reads MariaDB as it is: JSON alias, escaped defaults and members, invisible and generated columns, sequences, stored programs', () => {
  assert.deepEqual(catalog.tables.map((t) => t.name), ['Customer', 'events_log', 'hist', 'legacy', 'orders', 'places', 'shipments']);
  const customer = catalog.tables[0]!;
  const col = (name: string) => customer.columns.find((c) => c.name === name)!;
  assert.equal(customer.autoIncrement, '42');
  assert.equal(customer.comment, 'who buys');
  assert.equal(col('doc').isJson, true);
  assert.deepEqual(customer.checks, []); // MariaDB's automatic json_valid() check is not a user CHECK
  assert.deepEqual(col('note').default, { kind: 'literal', value: 'a\\b' });
  assert.deepEqual(col('e').members, ["it's", 'back\\slash', 'x,y']);
  assert.deepEqual(col('e').default, { kind: 'literal', value: 'x,y' });
  assert.equal(col('secret').invisible, true);
  assert.deepEqual(col('vat_id').generated, { stored: false, expression: 'ucase(`email`)' });
  const orders = catalog.tables.find((t) => t.name === 'orders')!;
  const ocol = (name: string) => orders.columns.find((c) => c.name === name)!;
  assert.deepEqual(ocol('ref').default, { kind: 'expression', sql: 'uuid()' });
  assert.deepEqual(ocol('invoice_no').default, { kind: 'expression', sql: 'nextval(`shop`.`invoice_seq`)' });
  assert.deepEqual(ocol('changed').default, { kind: 'current_timestamp', precision: 6 });
  assert.equal(ocol('changed').onUpdateCurrentTimestamp, true);
  assert.deepEqual(orders.checks.map((c) => c.name), ['code_format', 'customer_positive']);
  assert.deepEqual(orders.foreignKeys.map((f) => `${f.name}:${f.columns}->${f.refTable}(${f.refColumns}) ${f.onDelete}`), ['orders_customer:customer_id->Customer(CustomerId) RESTRICT']);
  assert.equal(catalog.tables.find((t) => t.name === 'legacy')!.engine, 'MyISAM');
  assert.equal(catalog.tables.find((t) => t.name === 'events_log')!.partitioned, true);
  assert.equal(catalog.tables.find((t) => t.name === 'hist')!.systemVersioned, true);
  assert.deepEqual(catalog.tables.find((t) => t.name === 'hist')!.columns.map((c) => c.name), ['id', 'v']);
  assert.deepEqual(catalog.sequences.map((s) => `${s.name} ${s.nextValue} +${s.increment}`), ['invoice_seq 100 +5', 'ticket_seq 1 +0']);
  assert.deepEqual(catalog.views.map((v) => v.name), ['codes', 'customer_orders', 'halves']);
  assert.deepEqual([...catalog.triggers, ...catalog.routines, ...catalog.events].map((o) => `${o.kind} ${o.name} ${o.createSql !== null}`),
    ['TRIGGER orders_bi true', 'PROCEDURE purge_orders true', 'FUNCTION twice true', 'EVENT nightly true']);
});

test('the exported files apply to PostgreSQL 15 in both import phases without an error', async () => {
  const schemaDir = join(exportDir, 'schema');
  await writeSchemaFiles(schemaDir, conversion.objects);
  const client = await pgServer.client('target');
  try {
    for (const postSnapshot of [false, true]) {
      for (const s of await readSchemaStatements(schemaDir, { postSnapshot })) {
        try {
          await client.query(s.sql);
        } catch (e) {
          assert.fail(`${s.file}:${s.line}: ${(e as Error).message}\n${s.sql}`);
        }
      }
    }
    const tables = await client.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1");
    assert.deepEqual(tables.rows.map((r) => r.relname), ['Customer', 'events_log', 'hist', 'legacy', 'orders', 'places', 'shipments']);
    const views = await client.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'v' ORDER BY 1");
    assert.deepEqual(views.rows.map((r) => r.relname), ['customer_orders', 'halves']);
    const triggers = await client.query('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1');
    assert.deepEqual(triggers.rows.map((r) => r.tgname), ['orders_mysql_on_update']);
    // An index's comment is kept, as the table's and the columns' are (it was dropped without a note).
    const indexComment = await client.query("SELECT obj_description('public.places_label_idx'::regclass, 'pg_class') AS c");
    assert.equal(indexComment.rows[0].c, 'find by label');
    // The identity continues at the source's counter; the sequence keeps its next value.
    const next = await client.query("INSERT INTO public.\"Customer\" (email) VALUES ('a@b.c') RETURNING \"CustomerId\", e, note, vat_id");
    assert.deepEqual(next.rows[0], { CustomerId: 42, e: 'x,y', note: 'a\\b', vat_id: 'A@B.C' });
    const seq = await client.query("SELECT nextval('public.invoice_seq') AS a, nextval('public.invoice_seq') AS b");
    assert.deepEqual(seq.rows[0], { a: '100', b: '105' });
    // MariaDB's CACHE 1000 (its default) is the server's; PostgreSQL's is each session's (each new
    // connection skipped 1000 ids: the mysql-live-edges-2 run). INCREMENT BY 0, which PostgreSQL refuses, is 1.
    const cache = await client.query("SELECT sequencename AS s, cache_size::int AS c, increment_by::int AS i FROM pg_sequences WHERE schemaname = 'public' AND sequencename IN ('invoice_seq', 'ticket_seq') ORDER BY 1");
    assert.deepEqual(cache.rows, [{ s: 'invoice_seq', c: 1, i: 5 }, { s: 'ticket_seq', c: 1, i: 1 }]);
  } finally {
    await client.end();
  }
});

test('analyze-schema parses every file and reports each MySQL object that needs a hand', async () => {
  const files = listSql(exportDir).map((p) => ({ path: relative(exportDir, p), sql: readFileSync(p, 'utf8') }));
  const analysis = await analyzeSchema(files);
  assert.deepEqual(analysis.parseErrors, []);
  const issues = conversionNoteIssues(files);
  assert.deepEqual([...new Set(issues.map((i) => `${i.ruleId} ${i.objectName}`))].sort(), [
    'mysql-auto-increment-sequence public.orders.id',
    'mysql-case-insensitive-key public.Customer.email_uq',
    'mysql-charset public.legacy.name',
    'mysql-check-not-converted public.orders.code_format',
    'mysql-default-not-converted public.orders.ref',
    'mysql-event public.nightly',
    'mysql-expression-caveat public.Customer.vat_id',
    'mysql-foreign-key-not-converted public.shipments.ship_code',
    'mysql-fulltext-index public.legacy.body_ft',
    'mysql-generated-not-converted public.orders.code_hash',
    'mysql-invisible-column public.Customer.secret',
    'mysql-mixed-case-name public.Customer',
    'mysql-non-transactional-table public.legacy',
    'mysql-on-update-timestamp public.orders.orders_mysql_on_update',
    'mysql-partitioned-table public.events_log',
    'mysql-routine public.purge_orders',
    'mysql-routine public.twice',
    'mysql-sequence-increment-0 public.ticket_seq',
    'mysql-spatial-column public.places.pos',
    'mysql-spatial-index public.places.pos_sp',
    'mysql-system-versioned-table public.hist',
    'mysql-trigger public.orders.orders_bi',
    'mysql-view-caveat public.halves',
    'mysql-view-not-converted public.codes',
    'mysql-virtual-generated public.Customer.vat_id',
    'mysql-zero-date-default public.orders.placed',
  ]);
  assert.equal(issues.length, conversion.notes.length);
  const trigger = issues.find((i) => i.ruleId === 'mysql-trigger')!;
  assert.equal(trigger.file, 'schema/triggers/triggers.sql');
  assert.equal(trigger.category, 'unsupported_plpgsql');
  assert.match(trigger.statement, /^-- MySQL definition:\n-- CREATE DEFINER=`root`@`127\.0\.0\.1` TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW\.code = UPPER\(NEW\.code\)$/);
  const view = issues.find((i) => i.ruleId === 'mysql-view-not-converted')!;
  assert.equal(view.title, 'MySQL view that did not convert (the query did not convert: it uses the word regexp)');
  // A note the user deleted is no longer reported.
  const edited = files.map((f) => ({ ...f, sql: f.sql.replace(/^-- tandem-note .*"mysql-event".*$/m, '') }));
  assert.equal(conversionNoteIssues(edited).some((i) => i.ruleId === 'mysql-event'), false);
});

test('AUTO_INCREMENT counters: read from MariaDB, set on MariaDB, restored into the identity on PostgreSQL', async () => {
  const { connection, server } = await connectMySql({ role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'shop', schemas: [], sslMode: 'disable' });
  try {
    await connection.query('INSERT INTO `Customer` (email) VALUES (?), (?)', ['x@y.z', 'y@y.z']);
    assert.deepEqual(await readAutoIncrementCounters(connection, catalog), [
      { table: 'Customer', column: 'CustomerId', nextValue: '44' }, { table: 'orders', column: 'id', nextValue: '1' },
    ]);
    await connection.query(setMySqlAutoIncrementSql('shop', 'orders', '5000'));
    const after = await readAutoIncrementCounters(connection, { ...catalog, server });
    assert.equal(after.find((c) => c.table === 'orders')!.nextValue, '5000');
  } finally {
    await connection.end();
  }
  const client = await pgServer.client('target');
  try {
    await client.query(setPgIdentitySql('public', 'Customer', 'CustomerId'), ['44']);
    await client.query(setPgIdentitySql('public', 'orders', 'id'), ['5000']);
    const a = await client.query("INSERT INTO public.\"Customer\" (email) VALUES ('n@b.c') RETURNING \"CustomerId\"");
    assert.equal(a.rows[0].CustomerId, 44);
    // Never below what the target holds: 42 was used there, so 10 would be wrong.
    await client.query(setPgIdentitySql('public', 'Customer', 'CustomerId'), ['10']);
    const b = await client.query("INSERT INTO public.\"Customer\" (email) VALUES ('m@b.c') RETURNING \"CustomerId\"");
    assert.equal(b.rows[0].CustomerId, 45);
    const o = await client.query("INSERT INTO public.orders (customer_id, code, placed) VALUES (42, 'AB', '2024-01-01') RETURNING id");
    assert.equal(o.rows[0].id, '5000');
  } finally {
    await client.end();
  }
});

function listSql(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listSql(p) : name.endsWith('.sql') ? [p] : [];
  });
}

test('the target refuses what a fall-back could not write back unchanged: a SET out of MySQL\'s order or repeated, a TIMESTAMP past MySQL\'s range, a DATETIME or DATE before year 1 or past year 9999 or infinite, a DOUBLE or FLOAT NaN or infinite, a BINARY(n) of another length, a TIME past ±838:59:59.999999 or with months', async () => {
  await maria.createDatabase('kept');
  await maria.sql('kept', "CREATE TABLE k (id int PRIMARY KEY, s set('a','b','c d','ü','x.y','(p)'), ts timestamp(6) NULL, bn binary(4), vb varbinary(8), dt datetime(6), d date, f double, r float, tm time(6))");
  const kept = await catalogOf('kept');
  // Every subset of the members, written to MariaDB in reverse order: what MariaDB stores is its canonical form.
  const members = ['a', 'b', 'c d', 'ü', 'x.y', '(p)'];
  const subsets = Array.from({ length: 1 << members.length }, (_, bits) => members.filter((_, i) => bits & (1 << i)).reverse().join(','));
  await maria.sql('kept', `INSERT INTO k (id, s) VALUES ${subsets.map((s, i) => `(${i}, '${s}')`).join(', ')}`);
  const stored = (await maria.sql('kept', 'SELECT id, s FROM k ORDER BY id')).map((r: { id: number; s: string }) => r.s);
  assert.equal(stored.length, 64);
  await pgServer.createDatabase('kept');
  const client = await pgServer.client('kept');
  try {
    for (const o of convertMySqlSchema(kept).objects.filter((x) => x.type === 'TABLE')) await client.query(o.sql);
    for (const [i, s] of stored.entries()) await client.query('INSERT INTO public.k (id, s) VALUES ($1, $2)', [i, s]);
    const refused = async (sets: string, values: unknown[]) => {
      await assert.rejects(client.query(`UPDATE public.k SET ${sets} WHERE id = 1`, values), (e: { code?: string; constraint?: string }) => {
        assert.equal(e.code, '23514', `${sets} ${JSON.stringify(values)}`);
        return true;
      });
    };
    for (const s of ['ü,a', 'a,a', 'b,', ',a', 'x_y', 'A', 'a,b,c d,ü,x.y,(p),a']) await refused('s = $1', [s]);
    await client.query('UPDATE public.k SET ts = $1, bn = $2, vb = $3 WHERE id = 1', ['2038-01-19 03:14:07.999999+00', Buffer.from('abcd'), Buffer.alloc(8)]);
    // MariaDB holds a fraction of 1970's first second (the mysql-fallback-49 run: refused here).
    await client.query("UPDATE public.k SET ts = '1970-01-01 00:00:00.000001+00' WHERE id = 1");
    for (const ts of ['2038-01-19 03:14:08+00', '2040-01-01 00:00:00+00', '1970-01-01 00:00:00+00']) await refused('ts = $1', [ts]);
    for (const bn of [Buffer.from('a'), Buffer.from('abcde'), Buffer.alloc(0)]) await refused('bn = $1', [bn]);
    await refused('vb = $1', [Buffer.alloc(9)]);
    // The extremes MariaDB holds are taken (years 1 to 9999: its year 0 is a zero date, NULL here);
    // what it cannot hold is refused, a BC date too, which the fall-back could not write (measured
    // before: 44 BC was taken here and stopped the fall-back for good).
    await client.query("UPDATE public.k SET dt = '9999-12-31 23:59:59.999999', d = '9999-12-31', f = 1.7976931348623157e308, r = -3.4e38 WHERE id = 1");
    await client.query("UPDATE public.k SET dt = '0001-01-01 00:00:00', d = '0001-01-01' WHERE id = 1");
    for (const dt of ['10000-01-01 00:00:00', 'infinity', '-infinity', '0001-01-01 00:00:00 BC', '0044-03-15 12:00:00 BC']) await refused('dt = $1', [dt]);
    for (const d of ['10000-01-01', 'infinity', '-infinity', '0001-01-01 BC']) await refused('d = $1', [d]);
    for (const f of ['NaN', 'Infinity', '-Infinity']) {
      await refused('f = $1', [f]);
      await refused('r = $1', [f]);
    }
    // TIME (an interval here): MariaDB's extremes and days counted as hours are taken; more hours, or
    // a month, are refused (measured before: taken, and the fall-back stopped on them; the mysql-hostile run).
    for (const tm of ['838:59:59.999999', '-838:59:59.999999', '34 days 22:59:59', '-00:00:00.000001']) await client.query('UPDATE public.k SET tm = $1 WHERE id = 1', [tm]);
    for (const tm of ['839:00:00', '-839:00:00', '900:00:00', '35 days', '1 month 2 hours', '1 year', '1 month -30 days']) await refused('tm = $1', [tm]);
  } finally {
    await client.end();
  }
});

test('generated columns and CHECKs compute on PostgreSQL what MariaDB computed: 64-bit integer arithmetic, exact division (NULL by zero), ROUND of a double, CONCAT_WS (found by an exploratory run: an overflow stopped the load, 0.00 for 0.78, 2.3 for 2.2, import schema failed)', async () => {
  await maria.createDatabase('gen');
  await maria.sql('gen', `CREATE TABLE g (id int PRIMARY KEY, n int, m int, len smallint unsigned, price decimal(8,2), f double, r float,
    name varchar(20) COLLATE utf8mb4_general_ci, code varchar(10) COLLATE utf8mb4_bin,
    prod bigint AS (n * m) STORED, sumint bigint AS (n + 2147483647) STORED, hours decimal(5,2) AS (len / 60) STORED,
    ratio decimal(12,6) AS (price / n) STORED, sevenths decimal(20,8) AS (len / 7) STORED, quotient decimal(16,4) AS (n / m) STORED,
    dq double AS (len / 7) STORED, pq decimal(30,12) AS (price * n / 7) STORED, nested decimal(30,20) AS (len / 3 / 7) STORED,
    rf double AS (round(f, 1)) STORED, rr double AS (round(r, 2)) STORED,
    cw varchar(120) AS (concat_ws('-', name, n, m)) STORED, cwc varchar(120) AS (concat_ws(code, name, n)) STORED,
    CONSTRAINT hours_exact CHECK (len / 60 * 60 >= len - 0.01))`);
  // sql_mode '' for a division by zero: NULL in MariaDB (strict mode refuses the row).
  await maria.sql('gen', `SET SESSION sql_mode = ''; INSERT INTO g (id, n, m, len, price, f, r, name, code) VALUES
    (1, 2147483647, 2, 47, 12.34, 2.25, 1.005, 'ABC', '+'),
    (2, 5, 0, 59, -0.05, -0.05, 0.125, NULL, NULL),
    (3, -7, 3, 1, 99999.99, 2.35, 2.675, 'x', ''),
    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (5, -2147483648, -1, 59999, 0.01, 1e300, -1.5, 'ü', 'é')`);
  const converted = convertMySqlSchema(await catalogOf('gen'));
  assert.deepEqual(converted.notes.filter((n) => n.rule === 'mysql-generated-not-converted' || n.rule === 'mysql-check-not-converted').map((n) => `${n.objectName}: ${n.detail}`), [], 'every expression converts');
  const generated = ['prod', 'sumint', 'hours', 'ratio', 'sevenths', 'quotient', 'dq', 'pq', 'nested', 'rf', 'rr', 'cw', 'cwc'];
  const rows = await maria.sql('gen', `SELECT id, n, m, len, price, f, r, name, code, ${generated.join(', ')} FROM g ORDER BY id`);
  await pgServer.createDatabase('gen');
  const client = await pgServer.client('gen');
  try {
    for (const o of converted.objects.filter((x) => x.type === 'TABLE')) await client.query(o.sql);
    for (const row of rows) {
      await client.query('INSERT INTO public.g (id, n, m, len, price, f, r, name, code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [row.id, row.n, row.m, row.len, row.price, row.f, row.r, row.name, row.code]);
    }
    const onTarget = (await client.query(`SELECT id, ${generated.join(', ')} FROM public.g ORDER BY id`)).rows;
    const text = (v: unknown) => (v === null ? 'NULL' : typeof v === 'number' || /^-?[\d.]+(e[+-]?\d+)?$/i.test(String(v)) ? String(Number(v)) : String(v));
    for (const [i, row] of rows.entries()) {
      for (const c of generated) assert.equal(text(onTarget[i][c]), text(row[c]), `row ${row.id}, column ${c}`);
    }
  } finally {
    await client.end();
  }
});

test('the index statistics MariaDB keeps reach analyze-schema under the converted names: an index led by a column of few values is advised on', async () => {
  await maria.createDatabase('skew');
  await maria.sql('skew', `CREATE TABLE Orders (id int PRIMARY KEY, status varchar(10) NOT NULL, email varchar(40), KEY orders_status (status), KEY orders_email (email, status));
    INSERT INTO Orders SELECT seq, ELT(1 + seq % 3, 'new', 'paid', 'sent'), CONCAT('u', seq, '@example.com') FROM seq_1_to_20000;
    ANALYZE TABLE Orders`);
  const { connection } = await connectMySql({ role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'skew', schemas: [], sslMode: 'disable' });
  let statistics;
  try {
    statistics = await indexedColumnStatistics(connection, 'skew', 'public');
  } finally {
    await connection.end();
  }
  const status = statistics.find((s) => s.column === 'status')!;
  assert.equal(status.table, 'public.Orders');
  assert.ok(status.distinct >= 1 && status.distinct <= 10, `InnoDB's estimate: ${status.distinct}`);
  assert.ok(status.rows > 10_000, `rows ${status.rows}`);
  assert.equal(status.nullFraction, null);
  assert.ok(statistics.find((s) => s.column === 'email')!.distinct > 1000);
  const converted = convertMySqlSchema(await catalogOf('skew'));
  const dir = mkdtempSync(join(tmpdir(), 'tandem-skew-'));
  try {
    await writeSchemaFiles(dir, converted.objects);
    const files = listSql(dir).map((p) => ({ path: relative(dir, p), sql: readFileSync(p, 'utf8') }));
    const result = await analyzeSchema(files, { statistics });
    assert.deepEqual(result.issues.filter((i) => i.ruleId === 'low-cardinality-index').map((i) => i.objectName), ['public.Orders_orders_status']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
