/**
 * NOT VALID constraints through the built CLI: a PostgreSQL 15 source has a CHECK, a foreign key
 * and a domain CHECK added NOT VALID while old rows break them. An offline migration (export
 * schema, analyze-schema, import schema, export data, import data, import schema
 * --post-snapshot-import) must carry every row, and leave the three constraints on the target NOT
 * VALID (never validated by Tandem) and enforced for new rows, with their comments. A constraint
 * the source had validated stays an ordinary constraint of its CREATE TABLE / CREATE DOMAIN. From
 * PostgreSQL 18, a NOT NULL can be NOT VALID too (its column still says attnotnull): same path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startEmbeddedPg18, startPg15, type PgServer } from '../../helpers/pg-server.js';
import { tableChecksums } from '../../helpers/table-checksum.js';

const SOURCE_SQL = `
  CREATE SCHEMA app;
  CREATE DOMAIN app.positive AS int CONSTRAINT positive_checked CHECK (VALUE > -1000);
  CREATE TABLE app.customers (id int PRIMARY KEY, name text NOT NULL);
  INSERT INTO app.customers VALUES (1, 'Ann'), (2, 'Bob');
  CREATE TABLE app.orders (
    id int PRIMARY KEY,
    customer_id int,
    qty int CONSTRAINT qty_small CHECK (qty < 1000),
    weight app.positive
  );
  -- Old rows: order 11's customer does not exist, order 12 has a negative quantity, order 13 a negative weight.
  INSERT INTO app.orders VALUES (10, 1, 5, 1), (11, 99, 2, 2), (12, 2, -3, 3), (13, 1, 1, -7);
  ALTER TABLE app.orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
  ALTER TABLE app.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id) NOT VALID;
  ALTER DOMAIN app.positive ADD CONSTRAINT positive_value CHECK (VALUE > 0) NOT VALID;
  COMMENT ON CONSTRAINT qty_positive ON app.orders IS 'new orders only';
  COMMENT ON CONSTRAINT positive_value ON DOMAIN app.positive IS 'new weights only';
  -- Validated later on the source: an ordinary constraint from then on.
  ALTER TABLE app.customers ADD CONSTRAINT name_not_empty CHECK (name <> '') NOT VALID;
  ALTER TABLE app.customers VALIDATE CONSTRAINT name_not_empty;
`;

let pg15: PgServer;
const exportDirs: string[] = [];

before(async () => {
  pg15 = await startPg15();
  await pg15.createDatabase('src');
  await pg15.sql('src', SOURCE_SQL);
});

after(async () => {
  await pg15?.stop();
  await Promise.all(exportDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tandem(args: string[], server: PgServer = pg15): Promise<CliResult> {
  const r = await runTandem(args, { SOURCE_DB_PASSWORD: server.password, TARGET_DB_PASSWORD: server.password });
  assert.equal(r.code, 0, `tandem ${args.slice(0, 3).join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Every CHECK and foreign key of schema app (tables and domains) with its validation state. */
async function constraintStates(database: string): Promise<string[]> {
  const rows = await pg15.sql(database, `
    SELECT line FROM (
      SELECT coalesce(nullif(c.conrelid, 0)::regclass::text, c.contypid::regtype::text) || ' ' || c.conname || ' '
             || pg_get_constraintdef(c.oid) || ' validated=' || c.convalidated
             || coalesce(' comment=' || obj_description(c.oid, 'pg_constraint'), '') AS line
      FROM pg_constraint c WHERE c.connamespace = 'app'::regnamespace AND c.contype IN ('c', 'f')) lines
    ORDER BY line COLLATE "C"`);
  return rows.map((r) => r.line as string);
}

test('NOT VALID checks, foreign keys and domain checks are created after the data, still NOT VALID', async () => {
  const dir = newExportDir();
  exportDirs.push(dir);
  await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  const notValid = await readFile(join(dir, 'schema', 'constraints', 'not_valid_constraints.sql'), 'utf8');
  assert.match(notValid, /^ALTER TABLE app\.orders ADD CONSTRAINT qty_positive CHECK \(\(qty > 0\)\) NOT VALID;\nCOMMENT ON CONSTRAINT qty_positive ON app\.orders IS 'new orders only';$/m);
  assert.match(notValid, /^ALTER TABLE app\.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY \(customer_id\) REFERENCES app\.customers\(id\) NOT VALID;$/m);
  assert.match(notValid, /^ALTER DOMAIN app\.positive ADD CONSTRAINT positive_value CHECK \(\(VALUE > 0\)\) NOT VALID;\nCOMMENT ON CONSTRAINT positive_value ON DOMAIN app\.positive IS 'new weights only';$/m);
  const tables = await readFile(join(dir, 'schema', 'tables', 'tables.sql'), 'utf8');
  assert.doesNotMatch(tables, /NOT VALID|qty_positive/);
  assert.match(tables, /CONSTRAINT name_not_empty CHECK \(\(name <> ''::text\)\)/, 'a validated constraint stays in CREATE TABLE');
  const domains = await readFile(join(dir, 'schema', 'domains', 'domains.sql'), 'utf8');
  assert.match(domains, /^CREATE DOMAIN app\.positive AS integer CONSTRAINT positive_checked CHECK \(\(VALUE > '-1000'::integer\)\);$/m);
  const foreignKeys = await readFile(join(dir, 'schema', 'foreign_keys', 'foreign_keys.sql'), 'utf8').catch(() => '');
  assert.doesNotMatch(foreignKeys, /orders_customer_fk/);
  const comments = await readFile(join(dir, 'schema', 'comments', 'comments.sql'), 'utf8').catch(() => '');
  assert.doesNotMatch(comments, /qty_positive|positive_value/, 'the comments travel with their NOT VALID constraint');

  await tandem(['analyze-schema', '--export-dir', dir, '--output-format', 'json']);
  const report = JSON.parse(await readFile(join(dir, 'reports', 'schema_analysis_report.json'), 'utf8'));
  const notValidIssues = (report.issues as { ruleId: string; objectName: string }[])
    .filter((i) => i.ruleId === 'not-valid-constraint').map((i) => i.objectName).sort();
  assert.deepEqual(notValidIssues, ['app.orders', 'app.orders', 'app.positive']);

  await pg15.createDatabase('tgt');
  await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg15, 'tgt')]);
  assert.deepEqual(await constraintStates('tgt'), [
    "app.customers name_not_empty CHECK ((name <> ''::text)) validated=true",
    "app.orders qty_small CHECK ((qty < 1000)) validated=true",
    "app.positive positive_checked CHECK ((VALUE > '-1000'::integer)) validated=true",
  ], 'before the data, only the validated constraints exist');

  await tandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg15, 'src', 'app')]);
  await tandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg15, 'tgt')]);
  await tandem(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg15, 'tgt')]);

  const expected = [
    "app.customers name_not_empty CHECK ((name <> ''::text)) validated=true",
    'app.orders orders_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers(id) NOT VALID validated=false',
    'app.orders qty_positive CHECK ((qty > 0)) NOT VALID validated=false comment=new orders only',
    "app.orders qty_small CHECK ((qty < 1000)) validated=true",
    "app.positive positive_checked CHECK ((VALUE > '-1000'::integer)) validated=true",
    'app.positive positive_value CHECK ((VALUE > 0)) NOT VALID validated=false comment=new weights only',
  ];
  assert.deepEqual(await constraintStates('src'), expected);
  assert.deepEqual(await constraintStates('tgt'), expected);
  const [source, target] = await Promise.all([tableChecksums(pg15, 'src', ['app']), tableChecksums(pg15, 'tgt', ['app'])]);
  assert.equal(target.get('app.orders')?.split(':')[0], '4', 'every old row, including those breaking the constraints');
  assert.deepEqual(target, source);

  // The constraints hold for new rows on the target.
  for (const [row, code] of [['(20, 1, -1, 1)', '23514'], ['(21, 77, 1, 1)', '23503'], ['(22, 1, 1, -2)', '23514']] as const) {
    await assert.rejects(pg15.sql('tgt', `INSERT INTO app.orders VALUES ${row}`), (e: { code?: string }) => e.code === code, row);
  }
  await pg15.sql('tgt', 'INSERT INTO app.orders VALUES (23, 2, 1, 1)');
});

test('from PostgreSQL 18: a NOT NULL added NOT VALID over NULL rows is created after the data, still NOT VALID', async () => {
  const pg18 = await startEmbeddedPg18();
  try {
    await pg18.createDatabase('src');
    await pg18.sql('src', `
      CREATE SCHEMA app;
      CREATE TABLE app.contacts (id int PRIMARY KEY, email text, phone text NOT NULL);
      INSERT INTO app.contacts VALUES (1, 'a@example.com', '1'), (2, NULL, '2');
      ALTER TABLE app.contacts ADD CONSTRAINT email_required NOT NULL email NOT VALID;`);
    const dir = newExportDir();
    exportDirs.push(dir);
    await tandem(['export', 'schema', '--export-dir', dir, ...sourceFlags(pg18, 'src', 'app')], pg18);
    const tables = await readFile(join(dir, 'schema', 'tables', 'tables.sql'), 'utf8');
    assert.match(tables, /^ {4}email text,$/m);
    assert.match(tables, /^ {4}phone text NOT NULL,$/m);
    const notValid = await readFile(join(dir, 'schema', 'constraints', 'not_valid_constraints.sql'), 'utf8');
    assert.match(notValid, /^ALTER TABLE app\.contacts ADD CONSTRAINT email_required NOT NULL email NOT VALID;$/m);
    await pg18.createDatabase('tgt');
    await tandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg18, 'tgt')], pg18);
    await tandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg18, 'src', 'app')], pg18);
    await tandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg18, 'tgt')], pg18);
    await tandem(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg18, 'tgt')], pg18);
    const [state] = await pg18.sql('tgt', `
      SELECT (SELECT count(*)::int FROM app.contacts) AS rows,
        (SELECT convalidated FROM pg_constraint WHERE conname = 'email_required') AS validated`);
    assert.deepEqual(state, { rows: 2, validated: false });
    await assert.rejects(pg18.sql('tgt', "INSERT INTO app.contacts VALUES (3, NULL, '3')"), (e: { code?: string }) => e.code === '23502');
  } finally {
    await pg18.stop();
  }
});
