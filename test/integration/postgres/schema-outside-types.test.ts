/**
 * Types and domains that live in a schema not listed in --source-db-schema (typically `public`,
 * where sample databases keep their domains), and extensions kept in a schema of their own, that
 * exported tables, functions or domains use: export schema writes them too (with their schema), so
 * import schema can create the tables.
 * Through the built CLI against PostgreSQL 15.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';

let source: PgServer;
let target: PgServer;
let env: Record<string, string>;

before(async () => {
  [source, target] = await Promise.all([startPg15(), startPg15()]);
  env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
  await source.createDatabase('depot');
  await source.sql('depot', `
    CREATE DOMAIN public."Label" varchar(30) NOT NULL;
    CREATE DOMAIN public.unused_code char(4);
    CREATE SCHEMA common;
    CREATE TYPE common.crate_state AS ENUM ('packed', 'shipped');
    CREATE DOMAIN common.weight_kg AS numeric(8, 2) CHECK (VALUE > 0);
    CREATE DOMAIN common.heavy_kg AS common.weight_kg CHECK (VALUE >= 100);
    CREATE TYPE public.dimensions AS (w int, h int);
    CREATE SCHEMA extensions;
    CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
    CREATE SCHEMA depot;
    CREATE TABLE depot.crates (
      id int PRIMARY KEY,
      token uuid NOT NULL DEFAULT extensions.uuid_generate_v4(),
      title public."Label",
      state common.crate_state NOT NULL DEFAULT 'packed',
      mass common.heavy_kg,
      tags public."Label"[]);
    CREATE FUNCTION depot.area(d public.dimensions) RETURNS int LANGUAGE sql AS 'SELECT d.w * d.h';
    INSERT INTO depot.crates (id, title, state, mass, tags) SELECT g, 'crate ' || g, 'shipped', 100 + g, ARRAY['a' || g, 'b']::public."Label"[] FROM generate_series(1, 40) g;`);
  await target.createDatabase('depot_yb');
});
after(async () => Promise.all([source?.stop(), target?.stop()]));

test('the types and domains of other schemas that exported objects use are exported, imported and named', async () => {
  const dir = newExportDir();
  const ok = async (args: string[]) => {
    const r = await runTandem(args, env);
    assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const exported = await ok(['export', 'schema', '--export-dir', dir, ...sourceFlags(source, 'depot', 'depot')]);
  assert.match(exported.stdout, /Also exported 5 type\(s\) and domain\(s\) of schemas not in --source-db-schema, because exported objects use them: /);
  for (const name of ['public.Label', 'common.crate_state', 'common.weight_kg', 'common.heavy_kg', 'public.dimensions']) {
    assert.ok(exported.stdout.includes(name), `${name} named in:\n${exported.stdout}`);
  }
  assert.ok(!exported.stdout.includes('unused_code'), 'a type nothing exported uses stays out');
  assert.doesNotMatch(exported.stderr, /WARNING/, 'everything exported objects need was exported');
  const domains = readFileSync(join(dir, 'schema', 'domains', 'domains.sql'), 'utf8');
  assert.match(domains, /CREATE DOMAIN public\."Label" AS character varying\(30\) NOT NULL;/);
  assert.ok(domains.indexOf('common.weight_kg AS') < domains.indexOf('common.heavy_kg AS'), 'a domain over a domain comes after it');
  assert.doesNotMatch(domains, /unused_code/);
  const schemasSql = readFileSync(join(dir, 'schema', 'schemas', 'schemas.sql'), 'utf8');
  assert.match(schemasSql, /CREATE SCHEMA IF NOT EXISTS common;/);
  // An extension kept in a schema of its own, whose function a default calls, comes along with its schema.
  assert.match(schemasSql, /CREATE SCHEMA IF NOT EXISTS extensions;/);
  assert.match(schemasSql, /CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;/);

  await ok(['import', 'schema', '--export-dir', dir, ...targetFlags(target, 'depot_yb')]);
  await ok(['export', 'data', '--export-dir', dir, ...sourceFlags(source, 'depot', 'depot')]);
  await ok(['import', 'data', '--export-dir', dir, ...targetFlags(target, 'depot_yb')]);
  await ok(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(target, 'depot_yb')]);
  const compare = await ok(['compare', '--export-dir', dir]);
  assert.match(compare.stdout, /MATCH: all 1 table\(s\)/);

  const types = await target.sql('depot_yb', `
    SELECT string_agg(format('%s.%s:%s', n.nspname, t.typname, t.typtype), ',' ORDER BY n.nspname, t.typname) AS list
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE n.nspname IN ('public', 'common') AND (t.typtype IN ('d', 'e') OR c.relkind = 'c')`);
  assert.equal(types[0].list, 'common.crate_state:e,common.heavy_kg:d,common.weight_kg:d,public.Label:d,public.dimensions:c');
  const row = await target.sql('depot_yb', "SELECT title::text AS title, state::text AS state, mass::text AS mass, tags::text AS tags FROM depot.crates WHERE id = 7");
  assert.deepEqual(row[0], { title: 'crate 7', state: 'shipped', mass: '107.00', tags: '{a7,b}' });
  const fn = await target.sql('depot_yb', 'SELECT depot.area(ROW(3, 4)::public.dimensions) AS a');
  assert.equal(fn[0].a, 12);
  await target.sql('depot_yb', "INSERT INTO depot.crates (id, title) VALUES (99, 'made on the target')");
  const fresh = await target.sql('depot_yb', 'SELECT token IS NOT NULL AS ok FROM depot.crates WHERE id = 99');
  assert.equal(fresh[0].ok, true);
});

test('what exported objects need from an unlisted schema besides types and extensions is named before import schema fails on it', async () => {
  await source.createDatabase('branch');
  await source.sql('branch', `
    CREATE SCHEMA hq;
    CREATE TABLE hq.offices (id int PRIMARY KEY, city text);
    CREATE FUNCTION hq.next_code() RETURNS text LANGUAGE sql AS $$SELECT 'B-' || floor(random() * 1000)::text$$;
    CREATE SCHEMA branch;
    CREATE TABLE branch.desks (id int PRIMARY KEY, office_id int REFERENCES hq.offices, code text DEFAULT hq.next_code());
    CREATE VIEW branch.desk_cities AS SELECT d.id, o.city FROM branch.desks d JOIN hq.offices o ON o.id = d.office_id;`);
  const dir = newExportDir();
  const r = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(source, 'branch', 'branch')], env);
  assert.equal(r.code, 0, r.stderr);
  const warning = r.stderr.split('\n').filter((l) => l.startsWith('WARNING:'));
  assert.deepEqual(warning, ['WARNING: not exported (create them on the target by hand): '
    + 'object of a schema not in --source-db-schema function hq.next_code() (needed by default value for column code of table branch.desks); '
    + 'object of a schema not in --source-db-schema table hq.offices (needed by constraint desks_office_id_fkey on table branch.desks, view branch.desk_cities)']);
});

test('objects of listed schemas whose names need quoting (comma, quote, dot, space, upper case, unicode) are not taken for outside ones', async () => {
  // Measured before: pg_identify_object gives such a schema quoted ("x,y"), which matched no listed
  // name: a sequence a default of "x,y" uses was named "not exported" though it was, and a domain of
  // public that a column of "x,y" uses was not exported (import schema failed on the table).
  await source.createDatabase('quoted');
  await source.sql('quoted', `
    CREATE SCHEMA "x,y"; CREATE SCHEMA "Ünï"; CREATE SCHEMA "a.b ""q"" C"; CREATE SCHEMA "Other Schema";
    CREATE DOMAIN public."Code" AS text CHECK (VALUE <> '');
    CREATE TABLE "Other Schema".ref (id int PRIMARY KEY);
    CREATE SEQUENCE "x,y".desc_seq INCREMENT BY -1 START WITH -1 MAXVALUE -1;
    CREATE TABLE "x,y"."Desc" (id int PRIMARY KEY DEFAULT nextval('"x,y".desc_seq'), c public."Code");
    ALTER SEQUENCE "x,y".desc_seq OWNED BY "x,y"."Desc".id;
    CREATE FUNCTION "a.b ""q"" C"."F"() RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE TABLE "Ünï"."Ref" (id int PRIMARY KEY REFERENCES "x,y"."Desc", n int DEFAULT "a.b ""q"" C"."F"(), o int REFERENCES "Other Schema".ref);
    CREATE VIEW "a.b ""q"" C".v AS SELECT r.id, d.c FROM "Ünï"."Ref" r JOIN "x,y"."Desc" d USING (id);`);
  const dir = newExportDir();
  const r = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(source, 'quoted', '"x,y","Ünï","a.b ""q"" C"')], env);
  assert.equal(r.code, 0, r.stderr);
  const warning = r.stderr.split('\n').filter((l) => l.startsWith('WARNING:'));
  assert.deepEqual(warning, ['WARNING: not exported (create them on the target by hand): '
    + 'object of a schema not in --source-db-schema table "Other Schema".ref (needed by constraint Ref_o_fkey on table "Ünï"."Ref")']);
  assert.match(r.stdout, /Also exported 1 type\(s\) and domain\(s\) of schemas not in --source-db-schema, because exported objects use them: public\.Code /);
  assert.match(readFileSync(join(dir, 'schema', 'sequences', 'sequences.sql'), 'utf8'), /CREATE SEQUENCE "x,y"\.desc_seq/);

  // Everything but the named table of "Other Schema" imports (created by hand first, as told).
  await target.createDatabase('quoted_yb');
  await target.sql('quoted_yb', 'CREATE SCHEMA "Other Schema"; CREATE TABLE "Other Schema".ref (id int PRIMARY KEY)');
  const imported = await runTandem(['import', 'schema', '--export-dir', dir, ...targetFlags(target, 'quoted_yb')], env);
  assert.equal(imported.code, 0, imported.stdout + imported.stderr);
  const made = await target.sql('quoted_yb', `SELECT string_agg(format('%s.%s', n.nspname, c.relname), ',' ORDER BY n.nspname, c.relname) AS list
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('x,y', 'Ünï', 'a.b "q" C') AND c.relkind IN ('r', 'S', 'v')`);
  assert.equal(made[0].list, 'a.b "q" C.v,x,y.Desc,x,y.desc_seq,Ünï.Ref');
});

test('the summary says how many of the SCHEMA row are extensions, and the file keeps them after the schemas', async () => {
  // Measured before: "SCHEMA | 4" for two schemas, the two extensions of public counted as schemas without a word.
  await source.createDatabase('exts');
  await source.sql('exts', `CREATE EXTENSION hstore; CREATE EXTENSION citext;
    CREATE SCHEMA shop; CREATE SCHEMA "Ops";
    CREATE TABLE shop.items (id int PRIMARY KEY, attrs public.hstore, email public.citext);
    CREATE TABLE "Ops".log (id int PRIMARY KEY);`);
  const dir = newExportDir();
  const r = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(source, 'exts', 'shop,Ops')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| SCHEMA +\| +4 \| +schema\/schemas\/schemas\.sql \|/);
  assert.match(r.stdout, /^The SCHEMA row counts 2 schema\(s\) and 2 extension\(s\) \(CREATE EXTENSION IF NOT EXISTS citext, hstore, run right after the schemas\)\.$/m);
  const statements = readFileSync(join(dir, 'schema', 'schemas', 'schemas.sql'), 'utf8').split('\n').filter((l) => l.startsWith('CREATE '));
  assert.deepEqual(statements, ['CREATE SCHEMA IF NOT EXISTS "Ops";', 'CREATE SCHEMA IF NOT EXISTS shop;',
    'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;', 'CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;']);
});
