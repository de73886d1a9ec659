/**
 * Names in --source-db-schema and --table-list as YugabyteDB Voyager takes them (issue 12 item 3): an
 * unquoted name is found exactly as typed first, then folded to lower case; quoted names keep working;
 * only a real ambiguity is refused, naming the candidates.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir } from '../../helpers/cli.js';

let pg: PgServer;
let env: Record<string, string>;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password };
  await pg.createDatabase('names');
  await pg.sql('names', `
    CREATE SCHEMA "CaseSensitiveSchema";
    CREATE TABLE "CaseSensitiveSchema"."MixedTable" (id int PRIMARY KEY, v text);
    INSERT INTO "CaseSensitiveSchema"."MixedTable" SELECT g, 'v' || g FROM generate_series(1, 10) g;
    CREATE TABLE public.items (id int PRIMARY KEY);
    INSERT INTO public.items SELECT generate_series(1, 5);
    CREATE TABLE public.other (id int PRIMARY KEY);
    CREATE SCHEMA "Sales"; CREATE SCHEMA "SALES";`);
});
after(async () => pg?.stop());

const source = (schemas: string) => ['--source-db-type', 'postgresql', '--source-db-host', pg.host, '--source-db-port', String(pg.port),
  '--source-db-user', pg.user, '--source-db-name', 'names', '--source-db-schema', schemas];

test('an unquoted mixed-case schema and table are found as typed (export schema and export data)', async () => {
  const dir = newExportDir();
  const schema = await runTandem(['export', 'schema', '--export-dir', dir, ...source('public,CaseSensitiveSchema')], env);
  assert.equal(schema.code, 0, schema.stderr);
  assert.match(schema.stdout, /schemas public, CaseSensitiveSchema\)/);
  assert.match(readFileSync(join(dir, 'schema', 'tables', 'tables.sql'), 'utf8'), /"CaseSensitiveSchema"\."MixedTable"/);
  const data = await runTandem(['export', 'data', '--export-dir', dir, ...source('public,CaseSensitiveSchema'), '--table-list', 'CaseSensitiveSchema.MixedTable,ITEMS'], env);
  assert.equal(data.code, 0, data.stderr);
  assert.match(data.stdout, /CaseSensitiveSchema\.MixedTable\s+\|\s+10/);
  assert.match(data.stdout, /public\.items\s+\|\s+5/);
  assert.doesNotMatch(data.stdout, /public\.other/);
});

test('quoted names keep working, and folding still finds lower-case names', async () => {
  const dir = newExportDir();
  const r = await runTandem(['export', 'schema', '--export-dir', dir, ...source('PUBLIC,"CaseSensitiveSchema"')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /schemas public, CaseSensitiveSchema\)/);
});

test('a real ambiguity is refused naming the candidates, and a missing schema names the ones there are, before any file is written', async () => {
  const dir = newExportDir();
  const amb = await runTandem(['export', 'schema', '--export-dir', dir, ...source('public,sales')], env);
  assert.equal(amb.code, 2, amb.stderr);
  assert.match(amb.stderr, /error \[TANDEM_USAGE\]: --source-db-schema: sales could mean schemas "SALES" or "Sales"\.|error \[TANDEM_USAGE\]: --source-db-schema: sales could mean schemas "Sales" or "SALES"\./);
  assert.match(amb.stderr, /fix: Quote the one you mean/);
  assert.equal(existsSync(join(dir, 'schema', 'tables')), false);
  const missing = await runTandem(['export', 'schema', '--export-dir', dir, ...source('public,"casesensitiveschema"')], env);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /error \[TANDEM_UNKNOWN_SCHEMA\]: Schema\(s\) not found: "casesensitiveschema"\./);
  assert.match(missing.stderr, /Schemas there: .*CaseSensitiveSchema/);
});
