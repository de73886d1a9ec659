/**
 * Exports the sample database from PostgreSQL 15 and 18 sources, writes the schema dir, imports it
 * into fresh PostgreSQL 15 databases (pre-snapshot, then post-snapshot) and compares the catalogs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { exportPostgresSchema } from '../../../src/adapters/postgres/schema-export/export-postgres-schema.js';
import type { SchemaObject } from '../../../src/core/schema-object.js';
import { isTandemError } from '../../../src/core/errors.js';
import { applySchemaStatements } from '../../../src/adapters/postgres/schema-applier.js';
import { assertSchemaApplied } from '../../../src/workflow/schema/schema-apply-report.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';
import { startEmbeddedPg18, startPg15, type PgServer } from '../../helpers/pg-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE_SQL_PATH = join(here, '../../../../test/fixtures/sample-db.sql');
const SAMPLE_SCHEMAS = ['shop', 'analytics', 'Ops'];

let pg15: PgServer;
let pg18: PgServer;
let workDir: string;
let targetCount = 0;

before(async () => {
  [pg15, pg18] = await Promise.all([startPg15(), startEmbeddedPg18()]);
  workDir = await mkdtemp(join(tmpdir(), 'tandem-schema-it-'));
  const sample = await readFile(SAMPLE_SQL_PATH, 'utf8');
  for (const server of [pg15, pg18]) {
    await server.createDatabase('sample');
    await server.sql('sample', sample);
  }
});

after(async () => {
  await Promise.all([pg15?.stop(), pg18?.stop()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function withClient<T>(server: PgServer, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await server.client(database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function exportTo(server: PgServer, database: string, schemas: string[], includeGrants = false) {
  const schemaDir = join(workDir, `schema-${server.version}-${database}`);
  const objects = await withClient(server, database, (c) => exportPostgresSchema(c, { schemas, includeGrants }));
  const files = await writeSchemaFiles(schemaDir, objects);
  return { schemaDir, objects, files };
}

async function freshTarget(): Promise<string> {
  const name = `target_${++targetCount}`;
  await pg15.createDatabase(name);
  return name;
}

async function importSchema(database: string, schemaDir: string, postSnapshot: boolean, ignoreExist = false) {
  const statements = await readSchemaStatements(schemaDir, { postSnapshot });
  return withClient(pg15, database, (c) => applySchemaStatements(c, statements, { ignoreExist, continueOnError: false }));
}

/** Every catalog fact the import must reproduce, one sorted line each, names schema-qualified. */
async function catalogSnapshot(server: PgServer, database: string, schemas: string[], withViewText: boolean) {
  return withClient(server, database, async (c) => {
    await c.query("SELECT set_config('search_path', '', false)");
    const { rows } = await c.query<{ line: string }>(`
      WITH rels AS (
        SELECT c.*, format('%I.%I', n.nspname, c.relname) AS qname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1)
      )
      SELECT line FROM (
        SELECT 'relation ' || qname || ' ' || relkind::text || ' ' || relpersistence::text
               || coalesce(' partition by ' || pg_get_partkeydef(oid), '') || coalesce(' ' || pg_get_expr(relpartbound, oid), '')
               || coalesce(' inherits ' || (SELECT string_agg(inhparent::regclass::text, ',' ORDER BY inhseqno)
                                            FROM pg_inherits WHERE inhrelid = rels.oid AND relkind IN ('r', 'p')), '')
               || coalesce(' options ' || array_to_string(reloptions, ','), '')
               || ' rls=' || relrowsecurity || ' force=' || relforcerowsecurity || ' replident=' || relreplident::text AS line
        FROM rels WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'f')
      UNION ALL
        SELECT 'column ' || r.qname || '.' || quote_ident(a.attname) || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
               || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
               || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text || ' collation=' || a.attcollation
               || ' local=' || a.attislocal
        FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE r.relkind IN ('r', 'p', 'v', 'm', 'c')
      UNION ALL
        SELECT 'constraint ' || coalesce(r.qname, co.contypid::regtype::text) || ' ' || quote_ident(co.conname) || ' '
               || pg_get_constraintdef(co.oid) || ' validated=' || co.convalidated || ' local=' || co.conislocal
        FROM pg_constraint co LEFT JOIN rels r ON r.oid = co.conrelid
        JOIN pg_namespace n ON n.oid = co.connamespace
        WHERE n.nspname = ANY($1) AND co.contype <> 'n'
      UNION ALL
        SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid
        FROM pg_index i JOIN rels r ON r.oid = i.indrelid
      UNION ALL
        SELECT 'view ' || qname || CASE WHEN $2 THEN ' ' || pg_get_viewdef(oid) ELSE '' END FROM rels WHERE relkind IN ('v', 'm')
      UNION ALL
        SELECT 'routine ' || p.oid::regprocedure || ' ' || p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '-')
               || ' ' || l.lanname || ' ' || p.provolatile::text || ' ' || md5(p.prosrc)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = ANY($1)
      UNION ALL
        SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN rels r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
      UNION ALL
        SELECT 'sequence ' || r.qname || ' ' || format_type(s.seqtypid, NULL) || ' ' || s.seqstart || ' ' || s.seqincrement
               || ' ' || s.seqmin || ' ' || s.seqmax || ' ' || s.seqcache || ' ' || s.seqcycle
        FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid
      UNION ALL
        SELECT 'depends ' || r.qname || ' on ' || d.refobjid::regclass || '.' || d.refobjsubid || ' ' || d.deptype::text
        FROM pg_depend d JOIN rels r ON r.oid = d.objid AND d.classid = 'pg_class'::regclass
        WHERE r.relkind = 'S' AND d.refclassid = 'pg_class'::regclass
      UNION ALL
        SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text || ' ' || format_type(t.typbasetype, t.typtypmod)
               || ' notnull=' || t.typnotnull || ' default=' || coalesce(t.typdefault, '-')
               || coalesce(' labels=' || (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'd', 'c', 'r')
      UNION ALL
        SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' = ' || d.description
        FROM pg_description d
        WHERE (pg_identify_object(d.classoid, d.objoid, d.objsubid)).schema = ANY($1)
           OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (SELECT oid FROM pg_namespace WHERE nspname = ANY($1)))
      UNION ALL
        SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text
               || ' ' || cmd || ' ' || coalesce(qual, '-') || ' ' || coalesce(with_check, '-')
        FROM pg_policies WHERE schemaname = ANY($1)
      ) facts ORDER BY line COLLATE "C"`, [schemas, withViewText]);
    return rows.map((r) => r.line);
  });
}

function countOf(objects: readonly SchemaObject[], type: SchemaObject['type']): number {
  return objects.filter((o) => o.type === type).length;
}

for (const sourceVersion of [15, 18] as const) {
  test(`the sample database exported from PostgreSQL ${sourceVersion} imports into PostgreSQL 15 with the same catalog`, async () => {
    const source = sourceVersion === 15 ? pg15 : pg18;
    const { schemaDir, objects, files } = await exportTo(source, 'sample', SAMPLE_SCHEMAS);
    assert.deepEqual(
      Object.fromEntries(files.map((f) => [f.file, f.count])),
      {
        'schemas/schemas.sql': 3, 'types/types.sql': 1, 'domains/domains.sql': 2, 'sequences/sequences.sql': 3,
        'sequences/sequence_owned_by.sql': 2, 'tables/tables.sql': 8, 'partitions/partitions.sql': 4,
        'uniques/uniques.sql': 2, 'indexes/indexes.sql': 6, 'foreign_keys/foreign_keys.sql': 5, 'views/views.sql': 2,
        'mviews/mviews.sql': 1, 'functions/functions.sql': 2, 'triggers/triggers.sql': 1, 'comments/comments.sql': 3,
      },
    );
    assert.equal(countOf(objects, 'GRANT'), 0);
    const tablesSql = await readFile(join(schemaDir, 'tables/tables.sql'), 'utf8');
    assert.match(tablesSql, /^-- TABLE Ops\.AuditLog\nCREATE TABLE "Ops"\."AuditLog" \(\n {4}"Id" bigint GENERATED BY DEFAULT AS IDENTITY/m);
    assert.match(tablesSql, /\)\nPARTITION BY RANGE \(occurred_at\);/);

    const target = await freshTarget();
    const pre = await importSchema(target, schemaDir, false);
    assertSchemaApplied(pre);
    assert.equal(pre.failed + pre.skipped + pre.notExecuted, 0);
    const afterPre = await pg15.sql(target, `
      SELECT (SELECT count(*)::int FROM pg_indexes WHERE indexname IN ('customers_city_idx', 'orders_open_idx')) AS plain,
             (SELECT count(*)::int FROM pg_indexes WHERE indexname IN ('customers_email_lower_uq', 'products_sku_key')) AS uniques,
             (SELECT count(*)::int FROM pg_trigger WHERE NOT tgisinternal) AS triggers,
             (SELECT relispopulated FROM pg_class WHERE oid = 'analytics.monthly_orders'::regclass) AS populated`);
    assert.deepEqual(afterPre[0], { plain: 0, uniques: 2, triggers: 0, populated: false });

    const post = await importSchema(target, schemaDir, true);
    assertSchemaApplied(post);
    assert.deepEqual(post.results.map((r) => r.statement.objectType),
      ['INDEX', 'INDEX', 'INDEX', 'INDEX', 'INDEX', 'INDEX', 'TRIGGER', 'MVIEW']);

    const sameVersion = sourceVersion === 15;
    const [sourceFacts, targetFacts] = await Promise.all([
      catalogSnapshot(source, 'sample', SAMPLE_SCHEMAS, sameVersion),
      catalogSnapshot(pg15, target, SAMPLE_SCHEMAS, sameVersion),
    ]);
    assert.ok(sourceFacts.length > 150, `only ${sourceFacts.length} catalog facts`);
    assert.deepEqual(targetFacts, sourceFacts);

    // A rerun with --ignore-exist skips what is there and fails nothing.
    const rerunPre = await importSchema(target, schemaDir, false, true);
    const rerunPost = await importSchema(target, schemaDir, true, true);
    assertSchemaApplied(rerunPre);
    assertSchemaApplied(rerunPost);
    assert.ok(rerunPre.skipped > 20, `skipped ${rerunPre.skipped}`);
    for (const r of [...rerunPre.results, ...rerunPost.results]) {
      if (r.status === 'skipped') assert.match(r.sqlState, /^42(P07|710|P06|723)$/);
    }
    assert.deepEqual(await catalogSnapshot(pg15, target, SAMPLE_SCHEMAS, sameVersion), sourceFacts);
  });
}

test('without --ignore-exist a rerun stops at the first existing object and reports where', async () => {
  const { schemaDir } = await exportTo(pg15, 'sample', SAMPLE_SCHEMAS);
  const target = await freshTarget();
  assertSchemaApplied(await importSchema(target, schemaDir, false));
  const rerun = await importSchema(target, schemaDir, false);
  assert.equal(rerun.failed, 1);
  const failure = rerun.results.find((r) => r.status === 'failed');
  assert.ok(failure && failure.status === 'failed');
  assert.equal(failure.statement.file, 'types/types.sql');
  assert.equal(failure.sqlState, '42710');
  assert.equal(rerun.notExecuted, rerun.results.length - rerun.applied - 1);
  assert.throws(() => assertSchemaApplied(rerun), (e: unknown) => {
    assert.ok(isTandemError(e));
    assert.equal(e.code, 'TANDEM_SCHEMA_IMPORT');
    assert.match(e.message, /types\/types\.sql:4 \[42710\] type "order_status" already exists/);
    return true;
  });
  // continueOnError goes on past failures.
  const statements = await readSchemaStatements(schemaDir, { postSnapshot: false });
  const progress: number[] = [];
  const all = await withClient(pg15, target, (c) => applySchemaStatements(c, statements, {
    ignoreExist: false, continueOnError: true, onProgress: (done, total) => progress.push(total - done),
  }));
  assert.equal(all.notExecuted, 0);
  assert.equal(progress.length, statements.length);
  assert.equal(progress.at(-1), 0);
  assert.ok(all.failed > 20, `failed ${all.failed}`);
});

test('a user edit of the schema files is what gets imported; a broken file is a parse error', async () => {
  const { schemaDir } = await exportTo(pg15, 'sample', SAMPLE_SCHEMAS);
  const indexFile = join(schemaDir, 'indexes/indexes.sql');
  const original = await readFile(indexFile, 'utf8');
  const edited = original.replace(/^CREATE INDEX customers_city_idx .*;$/m, '-- dropped by the user: customers_city_idx');
  assert.notEqual(edited, original);
  await writeFile(indexFile, edited + '\nCREATE INDEX orders_note_idx ON shop.orders (note);\n');
  const target = await freshTarget();
  assertSchemaApplied(await importSchema(target, schemaDir, false));
  assertSchemaApplied(await importSchema(target, schemaDir, true));
  const rows = await pg15.sql(target,
    "SELECT indexname FROM pg_indexes WHERE indexname IN ('customers_city_idx', 'orders_note_idx', 'orders_open_idx') ORDER BY 1");
  assert.deepEqual(rows.map((r) => r.indexname), ['orders_note_idx', 'orders_open_idx']);

  await writeFile(join(schemaDir, 'tables/tables.sql'), (await readFile(join(schemaDir, 'tables/tables.sql'), 'utf8'))
    .replace('    full_name text NOT NULL,', '    full_name text NOT NULL,,'));
  await assert.rejects(readSchemaStatements(schemaDir, { postSnapshot: false }), (e: unknown) => {
    assert.ok(isTandemError(e));
    assert.equal(e.code, 'TANDEM_SCHEMA_PARSE');
    assert.match(e.message, /^tables\/tables\.sql at line \d+: syntax error at or near ","/);
    return true;
  });
});

/** Catalog features the sample database does not have. */
const FEATURES_SQL = `
  DO $$ BEGIN CREATE ROLE tandem_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
  CREATE EXTENSION citext WITH SCHEMA public;
  CREATE SCHEMA extra;
  CREATE EXTENSION hstore WITH SCHEMA extra;
  COMMENT ON SCHEMA extra IS 'More catalog features';
  CREATE TYPE extra.address AS (street text, city text COLLATE "C", zip varchar(10));
  CREATE TYPE extra.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
  CREATE TYPE extra.span AS RANGE (subtype = int8, multirange_type_name = extra.spans);
  CREATE DOMAIN extra.small_positive AS integer NOT NULL DEFAULT 1 CONSTRAINT small_positive_check CHECK (VALUE > 0);
  CREATE DOMAIN extra.tiny_positive AS extra.small_positive CHECK (VALUE < 10);
  COMMENT ON DOMAIN extra.tiny_positive IS 'domain over a domain';
  CREATE TABLE extra."order" (
    "select" int PRIMARY KEY, addr extra.address, during tsrange, fr extra.floatrange, frs extra.floatmultirange, sps extra.spans, name public.citext,
    h extra.hstore, qty extra.tiny_positive, code text COLLATE "C", "Mixed Case" text DEFAULT 'it''s',
    EXCLUDE USING gist (during WITH &&));
  CREATE UNLOGGED TABLE extra.scratch (id int PRIMARY KEY, note text) WITH (fillfactor = 70);
  CREATE TABLE extra.base (id int PRIMARY KEY, created timestamptz DEFAULT now(), kind text NOT NULL,
    CONSTRAINT base_kind_check CHECK (kind <> ''));
  CREATE TABLE extra.child (extra_col int) INHERITS (extra.base);
  ALTER TABLE extra.child ADD CONSTRAINT child_extra_check CHECK (extra_col > 0) NOT VALID;
  ALTER TABLE extra.child ALTER COLUMN created SET DEFAULT '2020-01-01 00:00:00+00';
  ALTER TABLE extra.child ADD PRIMARY KEY (id);
  CREATE TABLE extra.measurements (region text NOT NULL, id bigint NOT NULL, at date NOT NULL, v numeric,
    PRIMARY KEY (region, id)) PARTITION BY LIST (region);
  CREATE TABLE extra.measurements_eu PARTITION OF extra.measurements FOR VALUES IN ('eu', 'ch') PARTITION BY HASH (id);
  CREATE TABLE extra.measurements_eu_0 PARTITION OF extra.measurements_eu FOR VALUES WITH (MODULUS 2, REMAINDER 0);
  CREATE TABLE extra.measurements_eu_1 PARTITION OF extra.measurements_eu FOR VALUES WITH (MODULUS 2, REMAINDER 1);
  CREATE TABLE extra.measurements_us PARTITION OF extra.measurements FOR VALUES IN ('us');
  CREATE INDEX measurements_at_idx ON extra.measurements (at);
  CREATE UNIQUE INDEX measurements_uq ON extra.measurements (region, id, at);
  CREATE INDEX measurements_us_v_idx ON extra.measurements_us (v);
  COMMENT ON INDEX extra.measurements_at_idx IS 'index comment';
  CREATE TABLE extra.gen (a int PRIMARY KEY, b int GENERATED ALWAYS AS (a * 2) STORED,
    c int REFERENCES extra.base DEFERRABLE INITIALLY DEFERRED, UNIQUE NULLS NOT DISTINCT (c));
  ALTER TABLE extra.scratch REPLICA IDENTITY FULL;
  ALTER TABLE extra.scratch ENABLE ROW LEVEL SECURITY;
  ALTER TABLE extra.scratch FORCE ROW LEVEL SECURITY;
  CREATE TABLE extra.forced (id int PRIMARY KEY); ALTER TABLE extra.forced FORCE ROW LEVEL SECURITY;
  CREATE POLICY scratch_read ON extra.scratch FOR SELECT TO tandem_reader USING (id > 0);
  CREATE POLICY scratch_all ON extra.scratch AS RESTRICTIVE TO PUBLIC USING (true) WITH CHECK (note IS NOT NULL);
  CREATE PROCEDURE extra.bump(p int) LANGUAGE plpgsql AS $$ BEGIN UPDATE extra.scratch SET id = id + p; END $$;
  CREATE FUNCTION extra.log_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
  CREATE FUNCTION extra.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
  CREATE FUNCTION extra.add(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
  COMMENT ON FUNCTION extra.log_change() IS 'trigger body';
  COMMENT ON PROCEDURE extra.bump(int) IS 'procedure comment';
  CREATE TRIGGER scratch_log BEFORE INSERT OR UPDATE ON extra.scratch FOR EACH ROW WHEN (NEW.id > 0)
    EXECUTE FUNCTION extra.log_change();
  CREATE TRIGGER measurements_log AFTER INSERT ON extra.measurements FOR EACH ROW EXECUTE FUNCTION extra.log_change();
  COMMENT ON TRIGGER scratch_log ON extra.scratch IS 'trigger comment';
  COMMENT ON CONSTRAINT base_kind_check ON extra.base IS 'constraint comment';
  CREATE MATERIALIZED VIEW extra.base_kinds AS SELECT kind, count(*) AS n FROM extra.base GROUP BY kind;
  CREATE UNIQUE INDEX base_kinds_kind ON extra.base_kinds (kind);
  CREATE VIEW extra.v_child WITH (security_barrier) AS SELECT id, kind FROM extra.child WHERE id > 0 WITH CHECK OPTION;
  CREATE VIEW extra.v_child_kinds AS SELECT kind FROM extra.v_child;
  COMMENT ON COLUMN extra.v_child.kind IS 'view column comment';
  GRANT USAGE ON SCHEMA extra TO tandem_reader;
  GRANT SELECT, INSERT ON extra.scratch TO tandem_reader WITH GRANT OPTION;
  GRANT EXECUTE ON PROCEDURE extra.bump(int) TO tandem_reader;
`;

for (const sourceVersion of [15, 18] as const) {
  test(`catalog features beyond the sample survive export from PostgreSQL ${sourceVersion} and import`, async () => {
    const source = sourceVersion === 15 ? pg15 : pg18;
    await source.createDatabase('features');
    await source.sql('features', FEATURES_SQL);
    await pg15.sql('postgres', FEATURES_SQL.split('\n')[1]!); // the role, cluster-wide on the target
    const { schemaDir, objects } = await exportTo(source, 'features', ['extra'], true);
    const byType = (type: SchemaObject['type']) => objects.filter((o) => o.type === type).map((o) => o.name);
    assert.deepEqual(byType('SCHEMA'), ['extra', 'citext', 'hstore']);
    assert.deepEqual(byType('TYPE'), ['floatrange', 'span', 'address']); // nothing from hstore
    // A multirange type's name is said where it is not PostgreSQL's default (measured before: left out, the schema-pg-53 run).
    assert.deepEqual(objects.filter((o) => o.type === 'TYPE' && o.name !== 'address').map((o) => /MULTIRANGE_TYPE_NAME = [\w.]+/.exec(o.sql)?.[0] ?? ''), ['', 'MULTIRANGE_TYPE_NAME = extra.spans']);
    assert.deepEqual(byType('DOMAIN'), ['small_positive', 'tiny_positive']);
    assert.deepEqual(byType('FUNCTION'), ['add', 'add', 'log_change']);
    assert.deepEqual(byType('PROCEDURE'), ['bump']);
    assert.deepEqual(byType('TABLE'), ['base', 'child', 'forced', 'gen', 'measurements', 'order', 'scratch']);
    assert.deepEqual(byType('PARTITION'), ['measurements_eu', 'measurements_eu_0', 'measurements_eu_1', 'measurements_us']);
    assert.deepEqual(byType('UNIQUE'), ['gen_c_key', 'order_during_excl', 'measurements_uq']);
    assert.deepEqual(byType('INDEX'), ['base_kinds_kind', 'measurements_at_idx', 'measurements_us_v_idx']);
    assert.deepEqual(byType('VIEW'), ['v_child', 'v_child_kinds']);
    assert.deepEqual(byType('TRIGGER'), ['measurements_log', 'scratch_log']);
    assert.deepEqual(byType('POLICY'), ['forced', 'scratch', 'scratch_all', 'scratch_read']);
    assert.deepEqual(objects.filter((o) => o.type === 'GRANT').map((o) => o.sql), [
      'GRANT USAGE ON SCHEMA extra TO tandem_reader;',
      'GRANT INSERT, SELECT ON TABLE extra.scratch TO tandem_reader WITH GRANT OPTION;',
      'GRANT EXECUTE ON PROCEDURE extra.bump(IN p integer) TO PUBLIC;',
      'GRANT EXECUTE ON PROCEDURE extra.bump(IN p integer) TO tandem_reader;',
    ]);

    const target = await freshTarget();
    assertSchemaApplied(await importSchema(target, schemaDir, false));
    assertSchemaApplied(await importSchema(target, schemaDir, true));
    const sameVersion = sourceVersion === 15;
    const [sourceFacts, targetFacts] = await Promise.all([
      catalogSnapshot(source, 'features', ['extra'], sameVersion),
      catalogSnapshot(pg15, target, ['extra'], sameVersion),
    ]);
    assert.deepEqual(targetFacts, sourceFacts);
    const grants = await pg15.sql(target, `
      SELECT has_table_privilege('tandem_reader', 'extra.scratch', 'INSERT WITH GRANT OPTION') AS t,
             has_schema_privilege('tandem_reader', 'extra', 'USAGE') AS s,
             has_function_privilege('tandem_reader', 'extra.bump(int)', 'EXECUTE') AS f`);
    assert.deepEqual(grants[0], { t: true, s: true, f: true });
  });
}

test('exporting a schema that does not exist names it', async () => {
  await withClient(pg15, 'sample', async (c) => {
    await assert.rejects(exportPostgresSchema(c, { schemas: ['shop', 'ops'] }), (e: unknown) => {
      assert.ok(isTandemError(e));
      assert.equal(e.code, 'TANDEM_UNKNOWN_SCHEMA');
      assert.match(e.message, /: ops\.$/);
      return true;
    });
    // The session's search_path is left as it was.
    assert.ok((await exportPostgresSchema(c, { schemas: ['shop'] })).length > 10);
    const { rows } = await c.query("SELECT current_setting('search_path') AS p");
    assert.equal(rows[0].p, '"$user", public');
  });
});
