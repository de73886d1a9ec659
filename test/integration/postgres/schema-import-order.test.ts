/**
 * Dependencies that cross the fixed object-type order of `import schema`: a view reading a
 * materialized view, a domain CHECK calling a function (which itself reads a table: two retry
 * passes), a `BEGIN ATOMIC` function reading a table, a column of another table's row type, a
 * function and an aggregate's support function taking a table's row type. Each is created on a
 * PostgreSQL 15 source, exported and imported through the built CLI into a fresh database, and
 * must exist and work there. A statement that cannot be applied at all still fails, reported with
 * its statement and error; the object-type filters still decide what is imported. The applier
 * itself is also driven with hand-written files for what the export never writes: SET, BEGIN …
 * COMMIT, DO, and a failure that stops the run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { applySchemaStatements } from '../../../src/adapters/postgres/schema-applier.js';
import type { SchemaApplyResult, SchemaStatement } from '../../../src/core/engine/target.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

const SOURCE_SQL = `
  CREATE SCHEMA app;
  CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);
  CREATE MATERIALIZED VIEW app.mv_totals AS SELECT count(*)::int AS n, sum(price) AS total FROM app.items;
  CREATE VIEW app.v_over_mv AS SELECT n, total, total / nullif(n, 0) AS average FROM app.mv_totals;

  CREATE FUNCTION app.is_even(v int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT v % 2 = 0';
  CREATE DOMAIN app.even_int AS int CHECK (app.is_even(VALUE));

  CREATE FUNCTION app.item_names() RETURNS SETOF text LANGUAGE sql STABLE
  BEGIN ATOMIC
    SELECT name FROM app.items ORDER BY id;
  END;

  CREATE TABLE app.codes (code text PRIMARY KEY);
  CREATE FUNCTION app.known_code(c text) RETURNS bool LANGUAGE sql STABLE
  BEGIN ATOMIC
    SELECT EXISTS (SELECT 1 FROM app.codes WHERE code = c);
  END;
  CREATE DOMAIN app.code_ref AS text CHECK (app.known_code(VALUE));

  CREATE TABLE app.people (id int PRIMARY KEY, name text NOT NULL);
  -- Named to sort before app.people in tables/tables.sql.
  CREATE TABLE app.a_shipments (id int PRIMARY KEY, recipient app.people NOT NULL, pieces app.even_int);

  CREATE FUNCTION app.label(p app.people) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT p.id || ':' || p.name$$;
  CREATE FUNCTION app.add_name(acc text, p app.people) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$SELECT CASE WHEN acc = '' THEN p.name ELSE acc || ',' || p.name END$$;
  CREATE AGGREGATE app.names_of(app.people) (SFUNC = app.add_name, STYPE = text, INITCOND = '');
`;

/** A view on a table the test removes from the export file: nothing can create it. */
const BROKEN_SQL = `
  CREATE SCHEMA app;
  CREATE TABLE app.kept (id int PRIMARY KEY);
  CREATE TABLE app.gone (id int);
  CREATE VIEW app.v_gone AS SELECT id FROM app.gone;
  CREATE VIEW app.v_kept AS SELECT id FROM app.kept;
`;

let pg15: PgServer;
const exportDirs: string[] = [];
let targets = 0;

before(async () => {
  pg15 = await startPg15();
  await pg15.createDatabase('src');
  await pg15.sql('src', SOURCE_SQL);
  await pg15.createDatabase('broken');
  await pg15.sql('broken', BROKEN_SQL);
});

after(async () => {
  await pg15?.stop();
  await Promise.all(exportDirs.map((d) => rm(d, { recursive: true, force: true })));
});

function tandem(args: string[]): Promise<CliResult> {
  return runTandem(args, { SOURCE_DB_PASSWORD: pg15.password, TARGET_DB_PASSWORD: pg15.password });
}

async function exportSchema(database: string): Promise<string> {
  const dir = newExportDir();
  exportDirs.push(dir);
  const r = await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, database, 'app')]);
  assert.equal(r.code, 0, `export schema failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

async function freshTarget(): Promise<string> {
  const name = `target_${++targets}`;
  await pg15.createDatabase(name);
  return name;
}

function importSchema(dir: string, database: string, extra: string[] = []): Promise<CliResult> {
  return tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg15, database), ...extra]);
}

/** Runs SQL on the target and expects it to fail with the given SQLSTATE. */
async function assertRejected(database: string, sql: string, sqlState: string): Promise<void> {
  await assert.rejects(pg15.sql(database, sql), (e: unknown) => {
    assert.equal((e as { code?: string }).code, sqlState, `${sql}: ${(e as Error).message}`);
    return true;
  });
}

test('objects whose dependencies cross the import order are created and work on the target', async () => {
  const dir = await exportSchema('src');
  // The files really are in the order that made these fail before.
  const functions = await readFile(join(dir, 'schema/functions/functions.sql'), 'utf8');
  assert.match(functions, /BEGIN ATOMIC/);
  const tables = await readFile(join(dir, 'schema/tables/tables.sql'), 'utf8');
  assert.ok(tables.indexOf('CREATE TABLE app.a_shipments') < tables.indexOf('CREATE TABLE app.people'), tables);

  const target = await freshTarget();
  const pre = await importSchema(dir, target);
  assert.equal(pre.code, 0, `import schema failed:\n${pre.stdout}\n${pre.stderr}`);
  assert.match(pre.stdout, /^9 statements waited for objects created later; all applied\.$/m);
  assert.match(pre.stdout, /Schema imported into .*: 15 statement\(s\) applied, 0 already done\./);

  // Every wait is in the command's log with its SQLSTATE; code_ref waited a second pass, for known_code.
  const logText = await readFile(join(dir, 'logs/import-schema.log'), 'utf8');
  const waits = [...logText.matchAll(/ INFO (\S+):\d+ waits for an object created later \((.*?)\) \[(\w+)\] .*?: (CREATE (?:OR REPLACE )?\w+ \S+)/g)]
    .map((m) => `${m[2]} ${m[1]} ${m[3]} ${m[4]}`);
  assert.deepEqual(waits, [
    'first run domains/domains.sql 42883 CREATE DOMAIN app.code_ref',
    'first run domains/domains.sql 42883 CREATE DOMAIN app.even_int',
    'first run functions/functions.sql 42704 CREATE FUNCTION app.add_name(acc',
    'first run functions/functions.sql 42P01 CREATE FUNCTION app.item_names()',
    'first run functions/functions.sql 42P01 CREATE FUNCTION app.known_code(c',
    'first run functions/functions.sql 42704 CREATE FUNCTION app.label(p',
    'first run tables/tables.sql 42704 CREATE TABLE app.a_shipments',
    'first run aggregates/aggregates.sql 42883 CREATE AGGREGATE app.names_of(app.people)',
    'first run views/views.sql 42P01 CREATE VIEW app.v_over_mv',
    'retry pass 1 domains/domains.sql 42883 CREATE DOMAIN app.code_ref',
  ]);

  // The view over the materialized view reads it once the data is in and it is refreshed.
  await pg15.sql(target, `INSERT INTO app.items VALUES (1, 'pen', 2.50), (2, 'ink', 7.50), (3, 'pad', 5.00)`);
  const post = await importSchema(dir, target, ['--post-snapshot-import', 'true']);
  assert.equal(post.code, 0, `post-snapshot import failed:\n${post.stdout}\n${post.stderr}`);
  assert.doesNotMatch(post.stdout, /waited for objects/);
  assert.deepEqual(await pg15.sql(target, 'SELECT n, total::text, average::text FROM app.v_over_mv'),
    [{ n: 3, total: '15.00', average: '5.0000000000000000' }]);

  // The domain CHECKs call their functions.
  assert.deepEqual(await pg15.sql(target, 'SELECT 4::app.even_int AS v'), [{ v: 4 }]);
  await assertRejected(target, 'SELECT 3::app.even_int', '23514');
  await pg15.sql(target, `INSERT INTO app.codes VALUES ('A1')`);
  assert.deepEqual(await pg15.sql(target, `SELECT 'A1'::app.code_ref AS c`), [{ c: 'A1' }]);
  await assertRejected(target, `SELECT 'Z9'::app.code_ref`, '23514');

  // The BEGIN ATOMIC function returns the table's rows (and depends on the table, as on the source).
  assert.deepEqual((await pg15.sql(target, 'SELECT app.item_names() AS name')).map((r) => r.name), ['pen', 'ink', 'pad']);
  await assertRejected(target, 'DROP TABLE app.items RESTRICT', '2BP01');

  // The table with a column of another table's row type takes a row and keeps its column constraints.
  await pg15.sql(target, `INSERT INTO app.people VALUES (1, 'Ann'), (2, 'Bob')`);
  await pg15.sql(target, `INSERT INTO app.a_shipments SELECT 10, p, 2 FROM app.people p WHERE id = 2`);
  assert.deepEqual(await pg15.sql(target, 'SELECT (recipient).name, pieces FROM app.a_shipments'), [{ name: 'Bob', pieces: 2 }]);
  await assertRejected(target, 'INSERT INTO app.a_shipments VALUES (11, NULL, 2)', '23502');
  await assertRejected(target, `INSERT INTO app.a_shipments VALUES (12, ROW(1, 'Ann'), 3)`, '23514');

  // The function and the aggregate over the row type compute.
  assert.deepEqual(await pg15.sql(target, `SELECT app.label(p) AS l FROM app.people p ORDER BY id`), [{ l: '1:Ann' }, { l: '2:Bob' }]);
  assert.deepEqual(await pg15.sql(target, `SELECT app.names_of(p ORDER BY id) AS names FROM app.people p`), [{ names: 'Ann,Bob' }]);

  // A rerun with --ignore-exist finds everything there: nothing waits, nothing fails.
  const rerun = await importSchema(dir, target, ['--ignore-exist', 'true']);
  assert.equal(rerun.code, 0, `rerun failed:\n${rerun.stdout}\n${rerun.stderr}`);
  assert.doesNotMatch(rerun.stdout, /waited for objects/);
});

test('the object-type filters bound the retries: a view whose materialized view is filtered out fails', async () => {
  const dir = await exportSchema('src');
  const target = await freshTarget();
  const r = await importSchema(dir, target, ['--exclude-object-type-list', 'MVIEW']);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /1 schema statement\(s\) failed:\n\s+views\/views\.sql:\d+ \[42P01\] relation "app\.mv_totals" does not exist\n\s+CREATE VIEW app\.v_over_mv/);
  assert.match(r.stdout, /statements waited for objects created later; \d+ applied, 1 not\./);
  const rows = await pg15.sql(target, `SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
    WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('m', 'v') ORDER BY 1`);
  assert.deepEqual(rows, []);
  // What waited and could be applied, was.
  assert.deepEqual(await pg15.sql(target, `SELECT app.names_of(p) AS names FROM (VALUES (ROW(1, 'Ann')::app.people)) v(p)`),
    [{ names: 'Ann' }]);
});

/** Exports database broken and removes app.gone's block (its comment line up to the next object's) from tables.sql. */
async function exportWithoutGone(): Promise<string> {
  const dir = await exportSchema('broken');
  const tablesFile = join(dir, 'schema/tables/tables.sql');
  const tables = await readFile(tablesFile, 'utf8');
  const edited = tables.replace(/-- TABLE app\.gone\n[\s\S]*?(?=\n-- TABLE |$)/, '');
  assert.notEqual(edited, tables);
  assert.doesNotMatch(edited, /app\.gone/);
  await writeFile(tablesFile, edited);
  return dir;
}

test('a statement whose object exists nowhere still fails with its statement and error', async () => {
  for (const extra of [[], ['--continue-on-error', 'true']]) {
    const dir = await exportWithoutGone();
    const target = await freshTarget();
    const r = await importSchema(dir, target, extra);
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^error \[TANDEM_SCHEMA_IMPORT\]: 1 schema statement\(s\) failed:\n\s+views\/views\.sql:\d+ \[42P01\] relation "app\.gone" does not exist\n\s+CREATE VIEW app\.v_gone/);
    assert.match(r.stdout, /1 statement waited for objects created later; 0 applied, 1 not\./);
    assert.doesNotMatch(r.stdout, /Schema imported into/);
    // Everything else was applied.
    const rows = await pg15.sql(target, `SELECT relname FROM pg_catalog.pg_class
      WHERE relnamespace = 'app'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1`);
    assert.deepEqual(rows.map((x) => x.relname), ['kept', 'v_kept']);
    const logText = await readFile(join(dir, 'logs/import-schema.log'), 'utf8');
    assert.match(logText, /views\/views\.sql:\d+ waits for an object created later \(first run\) \[42P01\] relation "app\.gone" does not exist: CREATE VIEW app\.v_gone/);
  }
});

/** Writes hand-written schema files into a new schema dir and reads their statements. */
async function statementsOf(files: Record<string, string>): Promise<SchemaStatement[]> {
  const schemaDir = await mkdtemp(join(tmpdir(), 'tandem-order-'));
  exportDirs.push(schemaDir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(schemaDir, file)), { recursive: true });
    await writeFile(join(schemaDir, file), text);
  }
  return readSchemaStatements(schemaDir, { postSnapshot: false });
}

/** Writes hand-written schema files into a new schema dir and applies them to a fresh database. */
async function applyFiles(files: Record<string, string>, continueOnError: boolean): Promise<{ result: SchemaApplyResult; database: string }> {
  const statements = await statementsOf(files);
  const database = await freshTarget();
  const client = await pg15.client(database);
  try {
    return { result: await applySchemaStatements(client, statements, { ignoreExist: false, continueOnError }), database };
  } finally {
    await client.end();
  }
}

/** Each result as `status [SQLSTATE] waited=passes: first words of the statement`. */
const summary = (result: SchemaApplyResult) => result.results.map((r) =>
  `${r.status}${'sqlState' in r ? ` [${r.sqlState}]` : ''}${r.waitedPasses === undefined ? '' : ` waited=${r.waitedPasses}`}: `
  + r.statement.sql.split(/\s+/).slice(0, 4).join(' '));

test('a statement set aside is retried under the search_path it first ran under', async () => {
  const { result, database } = await applyFiles({
    'schemas/schemas.sql': 'CREATE SCHEMA s1; CREATE SCHEMA s2;',
    'functions/functions.sql': `
      SET search_path = s1;
      CREATE FUNCTION f_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;
      SET search_path = s2;
      CREATE FUNCTION f_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) + 100 FROM t; END;
      RESET search_path;`,
    'tables/tables.sql': 'CREATE TABLE s1.t (id int); CREATE TABLE s2.t (id int); INSERT INTO s1.t VALUES (1), (2);',
  }, false);
  assert.deepEqual(summary(result), [
    'applied: CREATE SCHEMA s1', 'applied: CREATE SCHEMA s2', 'applied: SET search_path = s1',
    'applied waited=1: CREATE FUNCTION f_count() RETURNS', 'applied: SET search_path = s2',
    'applied waited=1: CREATE FUNCTION f_count() RETURNS', 'applied: RESET search_path',
    'applied: CREATE TABLE s1.t (id', 'applied: CREATE TABLE s2.t (id', 'applied: INSERT INTO s1.t VALUES',
  ]);
  assert.equal(result.waited, 2);
  assert.deepEqual(await pg15.sql(database, 'SELECT s1.f_count()::int AS a, s2.f_count()::int AS b'), [{ a: 2, b: 100 }]);
});

test('inside BEGIN … COMMIT, in DO, and after a failure that stops the run, statements are not set aside', async () => {
  const files = {
    'functions/functions.sql': `
      BEGIN;
      CREATE FUNCTION f_in_block() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;
      COMMIT;
      DO $$ BEGIN PERFORM 1 FROM t; END $$;
      CREATE FUNCTION f_waits() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;`,
    'tables/tables.sql': 'CREATE TABLE bad (a int, a int); CREATE TABLE t (id int);',
  };
  // Without --continue-on-error the first failure stops the run: what waited is not executed.
  const stopped = await applyFiles({
    'functions/functions.sql': files['functions/functions.sql'].replace(/[\s\S]*DO \$\$.*\$\$;/, ''),
    'tables/tables.sql': files['tables/tables.sql'],
  }, false);
  assert.deepEqual(summary(stopped.result), [
    'not-executed waited=0: CREATE FUNCTION f_waits() RETURNS', 'failed [42701]: CREATE TABLE bad (a', 'not-executed: CREATE TABLE t (id',
  ]);
  assert.equal(stopped.result.waited, 1);
  assert.deepEqual(await pg15.sql(stopped.database, `SELECT count(*)::int AS n FROM pg_catalog.pg_class WHERE relname = 't'`), [{ n: 0 }]);
  // With it, the block's failure and DO's are final; f_waits waits for t and is created.
  const all = await applyFiles(files, true);
  assert.deepEqual(summary(all.result), [
    'applied: BEGIN', 'failed [42P01]: CREATE FUNCTION f_in_block() RETURNS', 'applied: COMMIT',
    'failed [42P01]: DO $$ BEGIN PERFORM', 'applied waited=1: CREATE FUNCTION f_waits() RETURNS',
    'failed [42701]: CREATE TABLE bad (a', 'applied: CREATE TABLE t (id',
  ]);
  assert.equal(all.result.waited, 1);
  assert.deepEqual(await pg15.sql(all.database, `SELECT proname FROM pg_catalog.pg_proc WHERE proname LIKE 'f\\_%' ORDER BY 1`),
    [{ proname: 'f_waits' }]);
});

// The pg-schema run: "import schema" rerun right after a kill -9 of the previous run failed once
// with a duplicate key on CREATE EXTENSION IF NOT EXISTS: the killed run's server session was still
// creating it. Here another session holds the same creation uncommitted, as that one did.
test('a statement an earlier run had started, failing because another session creates the same object at that moment, is tried again until that session is done', async () => {
  const statements = await statementsOf({ 'schemas/schemas.sql': 'CREATE SCHEMA IF NOT EXISTS raced; CREATE TABLE raced.t (id int);' });
  const [createSchema] = statements;
  const database = await freshTarget();
  const killedRun = await pg15.client(database);
  const client = await pg15.client(database);
  try {
    const pid = Number((await client.query('SELECT pg_backend_pid() AS p')).rows[0].p);
    await killedRun.query('BEGIN');
    await killedRun.query('CREATE SCHEMA IF NOT EXISTS raced');
    const apply = (startedBefore: boolean) => applySchemaStatements(client, statements, {
      ignoreExist: false, continueOnError: false, concurrentCreationWaitMs: 50,
      ...(startedBefore ? { ignoreExistFor: new Set([createSchema!.sql]) } : {}),
    });
    /** Lets the other session commit once this one waits for its lock (so the race is certain, not won by timing). */
    const commitOnceBlocked = async (other: pg.Client, sql: string) => {
      for (;;) {
        const waiting = await pg15.sql(database, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid]);
        if (waiting[0]!.n === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.query(sql);
    };
    const [result] = await Promise.all([apply(true), commitOnceBlocked(killedRun, 'COMMIT')]);
    assert.deepEqual(summary(result), ['applied: CREATE SCHEMA IF NOT', 'applied: CREATE TABLE raced.t (id']);
    // A statement no earlier run had started is not tried again: the error is the user's to see.
    await pg15.sql(database, 'DROP SCHEMA raced CASCADE');
    await killedRun.query('BEGIN');
    await killedRun.query('CREATE SCHEMA IF NOT EXISTS raced');
    const [fresh] = await Promise.all([apply(false), commitOnceBlocked(killedRun, 'COMMIT')]);
    assert.deepEqual(summary(fresh), ['failed [23505]: CREATE SCHEMA IF NOT', 'not-executed: CREATE TABLE raced.t (id']);
  } finally {
    await killedRun.end();
    await client.end();
  }
});

// The schema-fidelity run: a BEGIN ATOMIC function reading a table, called by that table's DEFAULT,
// stopped import schema with the function's "relation does not exist" alone; the table's own error
// ("function does not exist") was hidden as "not run".
test('statements that wait for each other to the end each fail with their own error, and the fix names the cycle', async () => {
  const { result } = await applyFiles({
    'tables/tables.sql': 'CREATE TABLE c7_t (id int PRIMARY KEY, v bigint DEFAULT c7_cnt());',
    'functions/functions.sql': 'CREATE FUNCTION c7_cnt() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM c7_t; END;',
  }, false);
  assert.deepEqual(summary(result), ['failed [42P01] waited=1: CREATE FUNCTION c7_cnt() RETURNS', 'failed [42883] waited=1: CREATE TABLE c7_t (id']);
  const { assertSchemaApplied } = await import('../../../src/workflow/schema/schema-apply-report.js');
  assert.throws(() => assertSchemaApplied(result), (e: unknown) => {
    const err = e as { message: string; hint?: string };
    assert.match(err.message, /^2 schema statement\(s\) failed:\n {2}functions\/functions\.sql:1 \[42P01\] relation "c7_t" does not exist\n.*\n {2}tables\/tables\.sql:1 \[42883\] function c7_cnt\(\) does not exist/);
    assert.match(err.hint ?? '', /^The 2 statements that waited to the end may need one another's objects \(a cycle: a table whose DEFAULT or CHECK calls a function whose body reads that table\)/);
    return true;
  });
});
