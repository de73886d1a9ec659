import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TARGET_DB_VERSION, analyzeSchema } from '../../../src/analyze/index.js';
import type { AnalysisResult } from '../../../src/analyze/index.js';

const ids = (r: AnalysisResult): string[] => r.issues.map((i) => i.ruleId);

test('the default target version is 2024.2.0.0 and is reported', async () => {
  assert.equal(DEFAULT_TARGET_DB_VERSION, '2024.2.0.0');
  const r = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY);' }]);
  assert.equal(r.targetDbVersion, '2024.2.0.0');
  assert.ok(!Number.isNaN(Date.parse(r.analyzedAt)));
});

test('PG11-only rules fire for 2024.2 and 2.20 but not for 2025.1 or 2.25', async () => {
  const sql = [
    'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a + 1) STORED, c text COMPRESSION pglz, m int4multirange, UNIQUE NULLS NOT DISTINCT (a));',
    'CREATE VIEW v WITH (security_invoker = on) AS SELECT 1 AS x;',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1;',
  ].join('\n');
  const pg11Rules = ['stored-generated-column', 'multirange-datatype', 'unique-nulls-not-distinct', 'security-invoker-view', 'sql-standard-function-body'];
  for (const version of ['2024.2.0.0', '2.20.1.0', '2024.1.3.0']) {
    const found = ids(await analyzeSchema([{ path: 'a.sql', sql }], { targetDbVersion: version }));
    for (const id of pg11Rules) assert.ok(found.includes(id), `${id} missing for ${version}`);
  }
  for (const version of ['2025.1.0.0', '2.25.1.0', '2025.2.1.0']) {
    const r = await analyzeSchema([{ path: 'a.sql', sql }], { targetDbVersion: version });
    for (const id of pg11Rules) assert.ok(!ids(r).includes(id), `${id} reported for ${version}`);
  }
});

test('issues carry the version range they apply to', async () => {
  const r = await analyzeSchema(
    [{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a) STORED, x xml);' }],
  );
  assert.equal(r.issues.find((i) => i.ruleId === 'stored-generated-column')?.appliesTo, 'YugabyteDB < 2025.1 (PG11-based)');
  assert.equal(r.issues.find((i) => i.ruleId === 'xml-datatype')?.appliesTo, 'all versions');
});

test('UNLOGGED tables are reported before 2024.2 only', async () => {
  const files = [{ path: 'a.sql', sql: 'CREATE UNLOGGED TABLE t (id int PRIMARY KEY);' }];
  assert.ok(ids(await analyzeSchema(files, { targetDbVersion: '2024.1.0.0' })).includes('unlogged-table'));
  assert.ok(!ids(await analyzeSchema(files, { targetDbVersion: '2024.2.0.0' })).includes('unlogged-table'));
  assert.ok(!ids(await analyzeSchema(files, { targetDbVersion: '2025.1.0.0' })).includes('unlogged-table'));
});

test('an invalid target version is a usage error', async () => {
  await assert.rejects(analyzeSchema([], { targetDbVersion: 'latest' }), (e: unknown) => (e as { code?: string }).code === 'TANDEM_USAGE');
});

test('partitioned tables are recognised across files; partitions of a table with a PK are not flagged', async () => {
  // A primary key added to a partitioned table fails before 2024.1 / 2.23.
  const r = await analyzeSchema([
    { path: 'schema/tables/table.sql', sql: 'CREATE TABLE public.sales (id int, d date, amount numeric) PARTITION BY RANGE (d);\nCREATE TABLE public.sales_2024 PARTITION OF public.sales FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');\nCREATE TABLE public.log (msg text);' },
    { path: 'schema/tables/constraints.sql', sql: '\n\nALTER TABLE ONLY public.sales ADD CONSTRAINT sales_pkey PRIMARY KEY (id, d);' },
  ], { targetDbVersion: '2.20.1.0' });
  const addPk = r.issues.filter((i) => i.ruleId === 'alter-add-primary-key-partitioned');
  assert.equal(addPk.length, 1);
  assert.equal(addPk[0]?.objectName, 'public.sales');
  assert.equal(addPk[0]?.file, 'schema/tables/constraints.sql');
  assert.equal(addPk[0]?.line, 3);
  const noPk = r.issues.filter((i) => i.ruleId === 'table-without-primary-key').map((i) => i.objectName);
  assert.deepEqual(noPk, ['public.log']);
});

test('partitions of a table without a primary key are flagged', async () => {
  const r = await analyzeSchema([
    { path: 'a.sql', sql: 'CREATE TABLE p (id int, d date) PARTITION BY RANGE (d);\nCREATE TABLE p1 PARTITION OF p FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');' },
  ]);
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'table-without-primary-key').map((i) => i.objectName).sort(), ['p', 'p1']);
});

test('a table without a primary key but with a unique key on NOT NULL columns: the issue names that key as the one to declare PRIMARY KEY (the reference\'s advice)', async () => {
  const r = await analyzeSchema([
    { path: 'schema/tables/table.sql', sql: [
      'CREATE TABLE public.a (code text NOT NULL, region int, note text);',
      'CREATE TABLE public.b (code text, region int NOT NULL, CONSTRAINT b_code_region UNIQUE (code, region));',
      'CREATE TABLE public.c (x int);',
      'CREATE TABLE public.d (k int GENERATED ALWAYS AS IDENTITY, v text, UNIQUE (k));',
    ].join('\n') },
    { path: 'schema/tables/INDEXES_table.sql', sql: 'CREATE UNIQUE INDEX a_code_region ON public.a USING btree (code, region);\nCREATE UNIQUE INDEX a_code ON public.a USING btree (code) WHERE (note IS NULL);' },
    { path: 'schema/tables/constraints.sql', sql: 'ALTER TABLE ONLY public.a ALTER COLUMN region SET NOT NULL;' },
  ]);
  const byTable = new Map(r.issues.filter((i) => i.ruleId === 'table-without-primary-key').map((i) => [i.objectName, /^Table without a primary key(?: \((.*)\))?$/.exec(i.title)?.[1]]));
  assert.deepEqual([...byTable.keys()].sort(), ['public.a', 'public.b', 'public.c', 'public.d']);
  assert.equal(byTable.get('public.a'), 'its unique key a_code_region (code, region) is on NOT NULL columns: declare those columns the PRIMARY KEY in its CREATE TABLE instead');
  assert.equal(byTable.get('public.b'), undefined, 'code may be NULL');
  assert.equal(byTable.get('public.c'), undefined);
  assert.equal(byTable.get('public.d'), 'its unique key (k) is on NOT NULL columns: declare those columns the PRIMARY KEY in its CREATE TABLE instead');
});

test('the statistics rules need the source\'s statistics: files analyzed without them get no advice on skewed indexes', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY, status text, gone timestamptz);\nCREATE INDEX t_s ON t (status);\nCREATE INDEX t_g ON t (gone);' }]);
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'low-cardinality-index' || i.ruleId === 'mostly-null-index'), []);
  const withStats = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY, status text, gone timestamptz);\nCREATE INDEX t_s ON t (status);\nCREATE INDEX t_g ON t (gone);' }], {
    statistics: [{ table: 'public.t', column: 'status', rows: 1e6, distinct: 2, nullFraction: 0 }, { table: 'public.t', column: 'gone', rows: 1e6, distinct: 5000, nullFraction: 0.5 }],
  });
  assert.deepEqual(withStats.issues.filter((i) => i.ruleId === 'low-cardinality-index' || i.ruleId === 'mostly-null-index').map((i) => `${i.objectName}: ${i.title}`), [
    't_s: Index led by a column with few distinct values (column status: about 2 distinct values in 1,000,000 rows, per the source\'s statistics)',
    't_g: Index led by a column that is mostly NULL (column gone: 50% of 1,000,000 rows NULL, per the source\'s statistics)',
  ]);
});

test('key and index type checks resolve column types, domains, arrays and user types', async () => {
  const sql = [
    'CREATE DOMAIN public.doc AS jsonb;',
    'CREATE TYPE public.pair AS (a int, b int);',
    'CREATE TABLE public.t (id int PRIMARY KEY, d public.doc, tags text[], p public.pair, r tstzrange, ok text);',
    'CREATE INDEX t_d ON public.t (d);',
    'CREATE INDEX t_tags ON public.t (tags);',
    'CREATE INDEX t_p ON public.t (p);',
    'CREATE UNIQUE INDEX t_r ON public.t (r);',
    'CREATE INDEX t_ok ON public.t (ok);',
    'CREATE INDEX t_tags_gin ON public.t USING gin (tags);',
  ].join('\n');
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const flagged = r.issues.filter((i) => i.ruleId === 'index-on-unsupported-type').map((i) => i.objectName).sort();
  assert.deepEqual(flagged, ['public.t_d', 'public.t_p', 'public.t_r', 'public.t_tags']);
});

test('PK on a column with an unorderable type is reported for the table, with the column', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE net (addr cidr PRIMARY KEY);' }]);
  const issue = r.issues.find((i) => i.ruleId === 'key-on-unsupported-type');
  assert.equal(issue?.objectType, 'TABLE');
  assert.match(issue?.title ?? '', /addr.*cidr/);
});

test('issue fields: file, 1-based line of the statement, trimmed statement, suggestion', async () => {
  const sql = '-- header comment\nSET search_path = public;\n\n/* the table */\nCREATE TABLE public.t (\n  id int PRIMARY KEY,\n  x xml\n);\n';
  const r = await analyzeSchema([{ path: 'schema/tables/table.sql', sql }]);
  const issue = r.issues.find((i) => i.ruleId === 'xml-datatype');
  assert.ok(issue);
  assert.equal(issue.file, 'schema/tables/table.sql');
  assert.equal(issue.line, 5);
  assert.equal(issue.statement, 'CREATE TABLE public.t (\n  id int PRIMARY KEY,\n  x xml\n)');
  assert.equal(issue.objectType, 'TABLE');
  assert.equal(issue.objectName, 'public.t');
  assert.equal(issue.category, 'unsupported_datatype');
  assert.ok(issue.suggestion.length > 20);
});

test('line numbers are right after multi-byte characters', async () => {
  const sql = "COMMENT ON SCHEMA public IS 'Grüße, 日本語';\nCREATE TABLE t (id int PRIMARY KEY, x xml);";
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const issue = r.issues.find((i) => i.ruleId === 'xml-datatype');
  assert.equal(issue?.line, 2);
  assert.equal(issue?.statement, 'CREATE TABLE t (id int PRIMARY KEY, x xml)');
});

test('very long statements are shortened', async () => {
  const cols = Array.from({ length: 400 }, (_, i) => `column_number_${i} text`).join(', ');
  const r = await analyzeSchema([{ path: 'a.sql', sql: `CREATE TABLE t (${cols}, x xml);` }]);
  const issue = r.issues.find((i) => i.ruleId === 'xml-datatype');
  assert.ok(issue !== undefined && issue.statement.length < 2100);
  assert.match(issue.statement, /more characters\)$/);
});

test('a file with a syntax error is reported and its other statements are still analysed', async () => {
  const bad = 'CREATE TABLE a (id int PRIMARY KEY, x xml);\nCREATE TABLE b (\n  id int,\n  oops oops oops\n);\nCREATE INDEX c_i ON a USING gist (x);\n';
  const good = 'CREATE TABLE g (id int PRIMARY KEY, l pg_lsn);';
  const r = await analyzeSchema([{ path: 'bad.sql', sql: bad }, { path: 'good.sql', sql: good }]);
  assert.equal(r.parseErrors.length, 1);
  assert.equal(r.parseErrors[0]?.file, 'bad.sql');
  assert.equal(r.parseErrors[0]?.line, 4);
  assert.match(r.parseErrors[0]?.message ?? '', /syntax error/);
  const found = ids(r);
  for (const id of ['xml-datatype', 'gist-index', 'pg-lsn-datatype']) assert.ok(found.includes(id), `${id} missing`);
  const gist = r.issues.find((i) => i.ruleId === 'gist-index');
  assert.equal(gist?.line, 6);
});

test('BEGIN ATOMIC bodies survive the statement-by-statement fallback', async () => {
  const sql = 'CREATE TABLE broken (;\nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + 1;\n  SELECT a + 2;\nEND;\nCREATE TABLE x (id int PRIMARY KEY, d xml);';
  const r = await analyzeSchema([{ path: 'a.sql', sql }], { targetDbVersion: '2.20.0.0' });
  assert.equal(r.parseErrors.length, 1);
  assert.equal(r.parseErrors[0]?.line, 1);
  const fn = r.issues.find((i) => i.ruleId === 'sql-standard-function-body');
  assert.equal(fn?.line, 2);
  assert.equal(r.issues.find((i) => i.ruleId === 'xml-datatype')?.line, 7);
});

test('psql meta-commands in pg_dump output do not break parsing', async () => {
  const sql = '\\restrict abc123\nCREATE TABLE t (id int PRIMARY KEY, x xml);\n\\unrestrict abc123\n';
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  assert.deepEqual(r.parseErrors, []);
  assert.equal(r.issues.find((i) => i.ruleId === 'xml-datatype')?.line, 2);
});

test('PL/pgSQL bodies are scanned statement by statement, including assignments and dynamic forms', async () => {
  const sql = `CREATE OR REPLACE FUNCTION public.work() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v bigint;
BEGIN
  v := pg_try_advisory_lock(7);
  IF lo_unlink(v::oid) = 1 THEN
    NOTIFY jobs, 'done';
  END IF;
  SELECT ctid INTO v FROM public.jobs LIMIT 1;
  RETURN NEW;
END
$fn$;`;
  const r = await analyzeSchema([{ path: 'schema/functions/function.sql', sql }]);
  const byRule = new Map(r.issues.map((i) => [i.ruleId, i]));
  for (const id of ['advisory-lock', 'large-object-function', 'listen-notify', 'system-column']) {
    const issue = byRule.get(id);
    assert.ok(issue, `${id} missing`);
    assert.equal(issue.category, 'unsupported_plpgsql');
    assert.equal(issue.objectType, 'FUNCTION');
    assert.equal(issue.objectName, 'public.work');
  }
});

test('application-level constructs in views are unsupported_feature, not plpgsql', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v AS SELECT ctid FROM t;' }]);
  const issue = r.issues.find((i) => i.ruleId === 'system-column');
  assert.equal(issue?.category, 'unsupported_feature');
  assert.equal(issue?.objectType, 'VIEW');
});

test('DO blocks are scanned too', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: "DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$;" }]);
  assert.ok(ids(r).includes('advisory-lock'));
});

test('extension names are reported, bundled ones are allowed', async () => {
  const r = await analyzeSchema([
    { path: 'a.sql', sql: 'CREATE EXTENSION pg_trgm; CREATE EXTENSION fuzzystrmatch; CREATE EXTENSION tablefunc; CREATE EXTENSION pg_stat_statements; CREATE EXTENSION postgres_fdw; CREATE EXTENSION timescaledb;' },
  ]);
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'unsupported-extension').map((i) => i.objectName), ['timescaledb']);
});

test('policies name the roles that must exist; PUBLIC and CURRENT_USER need nothing', async () => {
  const r = await analyzeSchema([
    { path: 'a.sql', sql: 'CREATE TABLE t (id int PRIMARY KEY); CREATE POLICY p1 ON t TO reporting, auditor USING (true); CREATE POLICY p2 ON t TO CURRENT_USER USING (true);' },
  ]);
  const issues = r.issues.filter((i) => i.ruleId === 'policy-with-roles');
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.category, 'migration_caveat');
  assert.match(issues[0]?.title ?? '', /reporting, auditor/);
});

test('hotspot advice is in the performance category and does not make objects invalid', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: 'CREATE TABLE ev (id int PRIMARY KEY, at timestamp); CREATE INDEX ev_at ON ev (at ASC);' }]);
  const issue = r.issues.find((i) => i.ruleId === 'timestamp-range-sharded-hotspot');
  assert.equal(issue?.category, 'performance');
  const index = r.summary.find((s) => s.objectType === 'INDEX');
  assert.deepEqual(index, { objectType: 'INDEX', total: 1, invalid: 0, names: ['ev_at'] });
});

test('summary counts created objects per type and the invalid ones', async () => {
  const sql = [
    'CREATE TABLE a (id int PRIMARY KEY, x xml);',
    'CREATE TABLE b (id int PRIMARY KEY);',
    'CREATE INDEX b_g ON b USING brin (id);',
    'CREATE SEQUENCE s;',
    'CREATE VIEW v AS SELECT 1 AS one;',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
    'CREATE TRIGGER tr AFTER INSERT ON b FOR EACH ROW EXECUTE FUNCTION f();',
  ].join('\n');
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const byType = Object.fromEntries(r.summary.map((s) => [s.objectType, s]));
  assert.deepEqual(byType['TABLE'], { objectType: 'TABLE', total: 2, invalid: 1, names: ['a', 'b'] });
  assert.deepEqual(byType['INDEX'], { objectType: 'INDEX', total: 1, invalid: 1, names: ['b_g'] });
  assert.equal(byType['SEQUENCE']?.total, 1);
  assert.equal(byType['VIEW']?.invalid, 0);
  assert.equal(byType['FUNCTION']?.total, 1);
  assert.deepEqual(byType['TRIGGER']?.names, ['tr ON b']);
});

test('deferrable foreign keys are fine, deferrable unique constraints are not', async () => {
  const sql = [
    'CREATE TABLE p (id int PRIMARY KEY, code text, CONSTRAINT p_code UNIQUE (code) DEFERRABLE);',
    'CREATE TABLE c (id int PRIMARY KEY, pid int);',
    'CREATE INDEX c_pid ON c (pid);',
    'ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED;',
  ].join('\n');
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const issues = r.issues.filter((i) => i.ruleId === 'deferrable-constraint');
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.objectName, 'p');
  assert.equal(issues[0]?.line, 1);
});

test('an empty input gives an empty result', async () => {
  const r = await analyzeSchema([]);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.summary, []);
  assert.deepEqual(r.parseErrors, []);
});

test('keys and indexes on bit, varbit, interval, macaddr and jsonb columns are reported, in every form', async () => {
  const sql = [
    'CREATE TABLE app.k (b bit(3), vb varbit, iv interval, m macaddr, j jsonb, bv bit varying(8), ok int);',
    'ALTER TABLE ONLY app.k ADD CONSTRAINT k_pkey PRIMARY KEY (b);',
    'CREATE TABLE app.u (id int PRIMARY KEY, iv interval UNIQUE, m macaddr, CONSTRAINT u_m UNIQUE (m));',
    'CREATE TABLE app.p (j jsonb PRIMARY KEY);',
    'CREATE INDEX k_vb ON app.k USING btree (vb);',
    'CREATE UNIQUE INDEX k_bv ON app.k (bv);',
    'CREATE INDEX k_j ON app.k USING hash (j);',
    'CREATE INDEX k_ok ON app.k (ok);',
  ].join('\n');
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const found = r.issues.filter((i) => i.ruleId === 'key-on-unsupported-type' || i.ruleId === 'index-on-unsupported-type')
    .map((i) => `${i.ruleId} ${i.objectName} ${i.title.replace(/^.*\((column [^)]*\)).*$/, '$1')}`).sort();
  assert.deepEqual(found, [
    'index-on-unsupported-type app.k_bv column bv (type varbit)',
    'index-on-unsupported-type app.k_j column j (type jsonb)',
    'index-on-unsupported-type app.k_vb column vb (type varbit)',
    'key-on-unsupported-type app.k column b (type bit)',
    'key-on-unsupported-type app.p column j (type jsonb)',
    'key-on-unsupported-type app.u column iv (type interval)',
    'key-on-unsupported-type app.u column m (type macaddr)',
  ]);
});

test('every form of ALTER VIEW, CREATE/ALTER CONVERSION, multi-object DROP and storage parameters is reported', async () => {
  const sql = [
    'CREATE VIEW app.v AS SELECT 1 AS a;',
    'ALTER VIEW app.v OWNER TO app_owner;',
    'ALTER VIEW app.v SET SCHEMA other;',
    'ALTER VIEW app.v ALTER COLUMN a SET DEFAULT 2;',
    'ALTER VIEW app.v RENAME COLUMN a TO b;',
    "CREATE CONVERSION app.c FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;",
    'ALTER CONVERSION app.c RENAME TO c2;',
    'ALTER CONVERSION app.c2 OWNER TO app_owner;',
    'DROP VIEW app.v1, app.v2;',
    'DROP SEQUENCE app.s1, app.s2;',
    'DROP COLLATION app.c1, app.c2;',
    'DROP FOREIGN TABLE app.f1, app.f2;',
    'CREATE TABLE app.t (id int, e text);',
    'ALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id) WITH (fillfactor = 80);',
    'ALTER TABLE ONLY app.t ADD CONSTRAINT t_e UNIQUE (e) WITH (fillfactor = 70, deduplicate_items = off);',
    'CREATE INDEX t_e_idx ON app.t (e);',
    'ALTER INDEX app.t_e_idx SET (fillfactor = 50);',
    "ALTER DOMAIN app.d ADD CONSTRAINT d_pos CHECK (VALUE > 0) NOT VALID;",
  ].join('\n');
  const r = await analyzeSchema([{ path: 'a.sql', sql }]);
  const wanted = new Set(['alter-view', 'create-conversion', 'drop-multiple-objects', 'index-storage-parameters', 'not-valid-constraint', 'alter-table-storage-parameters']);
  const found = r.issues.filter((i) => wanted.has(i.ruleId)).map((i) => `${i.line} ${i.ruleId} ${i.objectType} ${i.objectName} ${i.title}`);
  assert.deepEqual(found, [
    '2 alter-view VIEW app.v ALTER VIEW',
    '3 alter-view VIEW app.v ALTER VIEW',
    '4 alter-view VIEW app.v ALTER VIEW',
    '5 alter-view VIEW app.v ALTER VIEW',
    '6 create-conversion CONVERSION app.c CREATE / ALTER CONVERSION',
    '7 create-conversion CONVERSION app.c CREATE / ALTER CONVERSION (ALTER)',
    '8 create-conversion CONVERSION app.c2 CREATE / ALTER CONVERSION (ALTER)',
    '9 drop-multiple-objects VIEW app.v1, app.v2 DROP of several objects in one statement',
    '10 drop-multiple-objects SEQUENCE app.s1, app.s2 DROP of several objects in one statement',
    '11 drop-multiple-objects COLLATION app.c1, app.c2 DROP of several objects in one statement',
    '12 drop-multiple-objects FOREIGN TABLE app.f1, app.f2 DROP of several objects in one statement',
    '14 index-storage-parameters TABLE app.t Storage parameters on an index or constraint (t_pkey: fillfactor)',
    '15 index-storage-parameters TABLE app.t Storage parameters on an index or constraint (t_e: fillfactor, deduplicate_items)',
    '17 index-storage-parameters INDEX app.t_e_idx Storage parameters on an index or constraint (ALTER INDEX: fillfactor)',
    '18 not-valid-constraint DOMAIN app.d Constraint added NOT VALID (old rows may break it) (d_pos)',
  ], 'ALTER INDEX … SET is reported once, as an index, not as ALTER TABLE');
});

test('--target-db-version decides what is reported, release by release, as YugabyteDB documents the fixes', async () => {
  const sql = [
    'CREATE TABLE p (id int, d date, body text COMPRESSION lz4) PARTITION BY RANGE (d);',
    'ALTER TABLE ONLY p ADD CONSTRAINT p_pkey PRIMARY KEY (id, d);',
    "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
    'CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(1); END $$;',
    'CREATE UNLOGGED TABLE u (id int PRIMARY KEY);',
  ].join('\n');
  const rules = ['alter-add-primary-key-partitioned', 'column-compression', 'non-deterministic-collation', 'advisory-lock', 'unlogged-table'];
  const reported = async (version: string) => {
    const found = ids(await analyzeSchema([{ path: 'a.sql', sql }], { targetDbVersion: version }));
    return rules.filter((r) => found.includes(r));
  };
  assert.deepEqual(await reported('2.20.1.0'), rules);
  assert.deepEqual(await reported('2.23.0.0'), ['column-compression', 'non-deterministic-collation', 'advisory-lock', 'unlogged-table']);
  assert.deepEqual(await reported('2024.1.3.0'), ['column-compression', 'non-deterministic-collation', 'advisory-lock', 'unlogged-table']);
  assert.deepEqual(await reported('2024.2.0.0'), ['column-compression', 'non-deterministic-collation', 'advisory-lock']);
  assert.deepEqual(await reported('2.25.1.0'), ['column-compression', 'non-deterministic-collation', 'advisory-lock']);
  assert.deepEqual(await reported('2025.1.0.0'), ['column-compression', 'non-deterministic-collation']);
});

// The schema-fidelity run: each was said to be covered, with "Drop this one".
test('redundant-index: only an index of the same method whose leading keys order, collate and compare the same covers another', async () => {
  const redundant = async (sql: string) => (await analyzeSchema([{ path: 'a.sql', sql }])).issues.filter((i) => i.ruleId === 'redundant-index').map((i) => `${i.objectName}: ${i.title}`);
  const base = 'CREATE TABLE docs (id int PRIMARY KEY, tags text[], name text, a int, b int);';
  assert.deepEqual(await redundant(`${base} CREATE UNIQUE INDEX docs_tags_uq ON docs (tags); CREATE INDEX docs_tags_gin ON docs USING gin (tags);`), []);
  assert.deepEqual(await redundant(`${base} CREATE INDEX docs_id_desc ON docs (id DESC);`), []);
  assert.deepEqual(await redundant(`${base} CREATE INDEX docs_id_asc ON docs (id ASC);`), [], 'range-sharded on YugabyteDB, where the key is HASH');
  assert.deepEqual(await redundant(`${base} CREATE INDEX t_pat ON docs (name text_pattern_ops); CREATE INDEX t_coll ON docs ((name COLLATE "C") DESC);`), []);
  assert.deepEqual(await redundant(`${base} CREATE INDEX t_c ON docs (name COLLATE "C"); CREATE INDEX t_plain ON docs (name);`), []);
  // What is redundant still is.
  assert.deepEqual(await redundant(`${base} CREATE INDEX d_ab ON docs (a, b); CREATE INDEX d_a ON docs (a);`), ['d_a: Redundant index (covered by d_ab (a, b))']);
  assert.deepEqual(await redundant(`${base} CREATE INDEX d_id ON docs (id);`), ['d_id: Redundant index (covered by the primary key (id))']);
  assert.deepEqual(await redundant(`${base} CREATE INDEX d_x ON docs (b DESC, a); CREATE INDEX d_y ON docs (b DESC);`), ['d_y: Redundant index (covered by d_x (b, a))']);
});

// The schema-fidelity run: only table columns of these types were reported.
test('xml in a domain or a composite type, and an lsm index keyed on a json value expression, are reported too', async () => {
  const r = await analyzeSchema([{ path: 'a.sql', sql: `CREATE DOMAIN a2.xd AS xml; CREATE TYPE a2.withxml AS (a int, b xml);
    CREATE TABLE a2.k4 (id int PRIMARY KEY, d jsonb); CREATE INDEX k4_expr ON a2.k4 ((d -> 'a')); CREATE INDEX k4_path ON a2.k4 ((d #> '{a,b}'));
    CREATE INDEX k4_text ON a2.k4 ((d ->> 'a')); CREATE INDEX k4_gin ON a2.k4 USING gin ((d -> 'a'));` }]);
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'xml-datatype').map((i) => `${i.objectType} ${i.objectName}: ${i.title}`),
    ['DOMAIN a2.xd: xml column (over xml)', 'TYPE a2.withxml: xml column (attribute b xml)']);
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'index-on-unsupported-type').map((i) => `${i.objectName}: ${i.title}`), [
    "a2.k4_expr: Index on a column type YugabyteDB cannot order (expression with -> (a json/jsonb value))",
    "a2.k4_path: Index on a column type YugabyteDB cannot order (expression with #> (a json/jsonb value))",
  ]);
});

test('columns of the schema\'s own multirange types are multirange columns too: a name given by MULTIRANGE_TYPE_NAME and PostgreSQL\'s default names (measured before: only the built-in ones were flagged; the schema-pg-53 run)', async () => {
  const r = await analyzeSchema([
    { path: 'schema/types/types.sql', sql: [
      'CREATE TYPE m.daterng AS RANGE (SUBTYPE = date, MULTIRANGE_TYPE_NAME = m.periods);',
      'CREATE TYPE m.plain AS RANGE (SUBTYPE = int8);',
      'CREATE TYPE m.floatrange AS RANGE (SUBTYPE = float8);',
      'CREATE TYPE app."Span" AS RANGE (SUBTYPE = int4);',
      'CREATE TYPE "Other Sch"."R R" AS RANGE (SUBTYPE = int4, MULTIRANGE_TYPE_NAME = "Other Sch"."M R");',
    ].join('\n') },
    { path: 'schema/tables/table.sql', sql: 'CREATE TABLE m.a (id int PRIMARY KEY, p m.periods, q m.plain_multirange, f m.floatmultirange, d datemultirange, r m.daterng, s m.plain, sp app."Span_multirange", mr "Other Sch"."M R");' },
  ], { targetDbVersion: '2024.2.0.0' });
  assert.deepEqual(r.issues.filter((i) => i.ruleId === 'multirange-datatype').map((i) => i.title).sort(),
    ['column d datemultirange', 'column f floatmultirange', 'column mr m r', 'column p periods', 'column q plain_multirange', 'column sp span_multirange'].map((c) => `Multirange column (${c})`));
});
