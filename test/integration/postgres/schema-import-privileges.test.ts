/**
 * import schema as a migration user that lacks CREATE (PostgreSQL 15): on the database (CREATE
 * SCHEMA), or on the public schema, which PostgreSQL 15 no longer opens to every user. The failure
 * is TANDEM_PRIVILEGE with the GRANT that fixes it, and the progress line shows what really ran.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { newExportDir, runTandem, sourceFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';

/** Eight statements in each schema's files: the schema, a sequence, three tables, two views, an index. */
const objects = (s: string) => `
  CREATE SEQUENCE ${s}.order_no;
  CREATE TABLE ${s}.customers (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE ${s}.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES ${s}.customers, total numeric);
  CREATE TABLE ${s}.notes (id int PRIMARY KEY, body text);
  CREATE VIEW ${s}.big_orders AS SELECT id, total FROM ${s}.orders WHERE total > 100;
  CREATE VIEW ${s}.named_orders AS SELECT o.id, c.name FROM ${s}.orders o JOIN ${s}.customers c ON c.id = o.customer_id;
  CREATE INDEX notes_body ON ${s}.notes (body);
`;

const MIGRATION_USER = 'shop_migrator';
const MIGRATION_PASSWORD = 'migrator-pw';

let pg15: PgServer;
const exportDirs: string[] = [];

before(async () => {
  pg15 = await startPg15();
  await pg15.createDatabase('shop');
  await pg15.sql('shop', `CREATE SCHEMA shop; ${objects('shop')} ${objects('public')}`);
  await pg15.sql('postgres', `CREATE ROLE ${MIGRATION_USER} LOGIN PASSWORD '${MIGRATION_PASSWORD}'`);
});

after(async () => {
  await pg15?.stop();
  await Promise.all(exportDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function exportSchema(schemas: string): Promise<string> {
  const dir = newExportDir();
  exportDirs.push(dir);
  const r = await runTandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, 'shop', schemas)], { SOURCE_DB_PASSWORD: pg15.password });
  assert.equal(r.code, 0, `export schema failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

/** import schema as the migration user, who may connect to `database` and nothing more. */
function importSchemaAsMigrator(dir: string, database: string): Promise<CliResult> {
  return runTandem(['import', 'schema', '--export-dir', dir, '--target-db-host', pg15.host, '--target-db-port', String(pg15.port),
    '--target-db-user', MIGRATION_USER, '--target-db-name', database], { TARGET_DB_PASSWORD: MIGRATION_PASSWORD });
}

test('without CREATE on the database, CREATE SCHEMA fails as TANDEM_PRIVILEGE with the GRANT, and the progress stops at what ran', async () => {
  const dir = await exportSchema('shop');
  await pg15.createDatabase('shop_off');
  let r = await importSchemaAsMigrator(dir, 'shop_off');
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^schema objects +\[####\.{26}\]  13% 1\/8 statements run, 1 failed, 7 not run$/m);
  assert.doesNotMatch(r.stdout, /statements done/);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: 1 schema statement\(s\) failed:\n\s+schemas\/schemas\.sql:\d+ \[42501\] permission denied for database shop_off\n\s+CREATE SCHEMA IF NOT EXISTS shop\n7 later statement\(s\) were not run\./);
  assert.match(r.stderr, /fix: As the object's owner or a superuser: GRANT CREATE ON DATABASE shop_off TO shop_migrator; then rerun the same import schema/);
  assert.doesNotMatch(r.stderr, /Fix the files under schema/);

  // The GRANT the hint names is all it takes.
  await pg15.sql('shop_off', `GRANT CREATE ON DATABASE shop_off TO ${MIGRATION_USER}`);
  r = await importSchemaAsMigrator(dir, 'shop_off');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^schema objects +\[#{30}\] 100% 8\/8 statements done$/m);
  assert.match(r.stdout, /8 statement\(s\) applied, 0 already done/);
});

test('without CREATE on PostgreSQL 15\'s public schema, CREATE SEQUENCE fails as TANDEM_PRIVILEGE with the GRANT on the schema', async () => {
  const dir = await exportSchema('public');
  await pg15.createDatabase('shop_public');
  // CREATE on the database (CREATE SCHEMA IF NOT EXISTS public needs it), not on its public schema.
  await pg15.sql('shop_public', `GRANT CREATE ON DATABASE shop_public TO ${MIGRATION_USER}`);
  let r = await importSchemaAsMigrator(dir, 'shop_public');
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^schema objects +\[########\.{22}\]  25% 2\/8 statements run, 1 failed, 6 not run$/m);
  assert.match(r.stderr, /^error \[TANDEM_PRIVILEGE\]: 1 schema statement\(s\) failed:\n\s+sequences\/sequences\.sql:\d+ \[42501\] permission denied for schema public\n/);
  assert.match(r.stderr, /fix: As the object's owner or a superuser: GRANT CREATE ON SCHEMA public TO shop_migrator; then rerun the same import schema/);

  await pg15.sql('shop_public', `GRANT CREATE ON SCHEMA public TO ${MIGRATION_USER}`);
  r = await importSchemaAsMigrator(dir, 'shop_public');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^schema objects +\[#{30}\] 100% 8\/8 statements done$/m);
});
