/**
 * An Oracle source's schema through the built CLI without an Oracle server: `export schema
 * --source-db-type oracle --source-ddl-files <dir>` (no connection, no password), `analyze-schema`
 * listing the PL/SQL left for manual conversion, and `import schema` (both phases) into a real
 * PostgreSQL 15. Then the Oracle flags' checks that run before anything connects, through the CLI.
 * (The DBMS_METADATA path of `export schema` needs an Oracle server: see live-fallback-contract.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, freePort, type PgServer } from '../helpers/pg-server.js';
import { runTandem, newExportDir, targetFlags, type CliResult } from '../helpers/cli.js';
import { exportDirState } from '../helpers/export-dir-state.js';

const SHOP = new URL('../../../test/fixtures/oracle/scripts/shop', import.meta.url).pathname;

let pg: PgServer;

before(async () => {
  pg = await startPg15();
  await pg.createDatabase('shop_yb');
});

after(async () => {
  await pg?.stop();
});

function ok(r: CliResult, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('export schema from Oracle DDL files (no connection), analyze-schema, import schema into PostgreSQL 15: both phases', { timeout: 120_000 }, async () => {
  const dir = newExportDir();
  // No user, no host, no password: nothing connects.
  const exported = ok(await runTandem(['export', 'schema', '--export-dir', dir, '--source-db-type', 'oracle', '--source-db-schema', 'shop', '--source-ddl-files', SHOP]), 'export schema');
  assert.match(exported, /\| TABLE {7}\| +24 \| +schema\/tables\/tables\.sql \|/);
  assert.match(exported, /Exported 80 objects from the Oracle DDL in .*shop \(schema SHOP; no connection\)/);
  assert.match(exported, /Not converted, for you to convert by hand \(never run by import schema\): schema\/oracle_manual\/ \(plsql\/procedures\.sql, plsql\/triggers\.sql, conversion_notes\.txt\)\./);
  for (const f of ['tables/tables.sql', 'views/views.sql', 'indexes/indexes.sql', 'oracle_manual/plsql/triggers.sql', 'oracle_manual/conversion_notes.txt']) {
    assert.ok(existsSync(join(dir, 'schema', f)), f);
  }
  assert.match(readFileSync(join(dir, 'schema', 'oracle_manual', 'plsql', 'triggers.sql'), 'utf8'), /^-- TRIGGER shop\.order_items_line_bir \(06_code\.sql, line 13\)\n/);

  const analyzed = ok(await runTandem(['analyze-schema', '--export-dir', dir, '--output-format', 'json']), 'analyze-schema');
  assert.doesNotMatch(analyzed, /WARNING/, 'the Oracle PL/SQL is not parsed as PostgreSQL');
  const report = JSON.parse(readFileSync(join(dir, 'reports', 'schema_analysis_report.json'), 'utf8')) as { issues: { ruleId: string; objectType: string; objectName: string; category: string }[] };
  const manual = report.issues.filter((i) => i.ruleId === 'oracle-plsql').map((i) => `${i.category} ${i.objectType} ${i.objectName}`).sort();
  assert.deepEqual(manual, ['unsupported_plpgsql PROCEDURE shop.set_order_status', 'unsupported_plpgsql TRIGGER shop.order_items_line_bir']);
  assert.ok(report.issues.some((i) => i.ruleId === 'oracle-note-disabled-constraint' && i.objectName === 'shop.inventory.inventory_level_c'));

  const env = { TARGET_DB_PASSWORD: pg.password };
  const imported = ok(await runTandem(['import', 'schema', '--export-dir', dir, ...targetFlags(pg, 'shop_yb')], env), 'import schema');
  assert.match(imported, /Schema imported into .*: \d+ statement\(s\) applied, 0 already done\./);
  const post = ok(await runTandem(['import', 'schema', '--export-dir', dir, '--post-snapshot-import', 'true', ...targetFlags(pg, 'shop_yb')], env), 'import schema --post-snapshot-import');
  assert.match(post, /Schema \(indexes and triggers\) imported/);
  const tables = (await pg.sql('shop_yb', `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind IN ('r', 'p') ORDER BY 1`)).map((r) => r.relname);
  assert.deepEqual(tables, ['coupons', 'customers', 'inventory', 'order_items', 'orders', 'price_history', 'product_reviews', 'products', 'shipments', 'stores']);
  const views = (await pg.sql('shop_yb', `SELECT viewname FROM pg_views WHERE schemaname = 'shop' ORDER BY 1`)).map((r) => r.viewname);
  assert.equal(views.length, 9, views.join(', '));
  const indexes = Number((await pg.sql('shop_yb', `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'shop' AND indexname = 'coupons_code_upper_u'`))[0].n);
  assert.equal(indexes, 1, 'the function-based unique index');
  const fks = Number((await pg.sql('shop_yb', `SELECT count(*)::int AS n FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'shop' AND k.contype = 'f'`))[0].n);
  assert.ok(fks >= 10, `foreign keys: ${fks}`);
  // The PL/SQL trigger was not run: no trigger function of that name exists.
  assert.deepEqual(await pg.sql('shop_yb', `SELECT tgname FROM pg_trigger WHERE tgname = 'order_items_line_bir'`), []);
});

/** A refused command: one TANDEM error line, no stack, nothing changed in the export dir. */
async function refused(args: string[], code: string, message: RegExp, env: Record<string, string> = {}): Promise<CliResult> {
  const dir = newExportDir();
  const before = exportDirState(dir);
  const r = await runTandem([...args, '--export-dir', dir], env);
  const out = `tandem ${args.join(' ')}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.notEqual(r.code, 0, out);
  assert.notEqual(r.code, 70, `internal error: ${out}`);
  assert.match(r.stderr, new RegExp(`^error \\[${code}\\]: `, 'm'), out); // after the warning about a password given by flag
  assert.match(r.stderr, message, out);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, out);
  assert.ok(!(r.stdout + r.stderr).includes('s3cret-pw-9'), 'no password in the output');
  assert.deepEqual(exportDirState(dir), before, `the export dir changed: ${out}`);
  return r;
}

const ORA = ['--source-db-type', 'oracle', '--source-db-host', '127.0.0.1', '--source-db-user', 'c##ybvoyager', '--source-db-password', 's3cret-pw-9'];

test('Oracle flags: every wrong combination is refused before anything connects, naming what to fix', { timeout: 60_000 }, async () => {
  await refused(['export', 'data', ...ORA, '--source-db-name', 'ORCLPDB1', '--oracle-db-sid', 'ORCL', '--source-db-schema', 'HR'], 'TANDEM_USAGE',
    /Give only one of --source-db-name, --oracle-db-sid and --oracle-tns-alias \(got --source-db-name and --oracle-db-sid\)\./);
  await refused(['export', 'data', ...ORA, '--source-db-name', 'ORCLPDB1'], 'TANDEM_USAGE', /--source-db-schema is required for an Oracle source/);
  await refused(['export', 'data', ...ORA, '--source-db-name', 'ORCLPDB1', '--source-db-schema', 'HR,OE'], 'TANDEM_USAGE', /moves one schema at a time; --source-db-schema names 2 \(HR, OE\)/);
  await refused(['export', 'data', ...ORA, '--source-db-schema', 'HR'], 'TANDEM_USAGE', /Oracle needs the database: give --source-db-name \(service name\), --oracle-db-sid or --oracle-tns-alias\./);
  await refused(['export', 'data', ...ORA, '--source-db-name', 'ORCLPDB1', '--source-db-schema', 'HR', '--source-ssl-root-cert', '/etc/ca.pem'], 'TANDEM_USAGE', /--source-ssl-root-cert does not apply to Oracle\./);
  await refused(['export', 'schema', '--source-db-type', 'postgresql', '--source-db-host', '127.0.0.1', '--source-db-user', 'u', '--source-db-name', 'db', '--oracle-db-sid', 'ORCL'],
    'TANDEM_USAGE', /--oracle-db-sid applies to --source-db-type oracle, not postgresql\./);
  await refused(['export', 'schema', '--source-db-type', 'postgresql', '--source-db-schema', 'public', '--source-ddl-files', SHOP], 'TANDEM_USAGE',
    /--source-ddl-files is for sources whose schema comes as DDL text \(Oracle\); a PostgreSQL schema is read from the database\./);
  await refused(['export', 'schema', '--source-db-type', 'oracle', '--source-db-schema', 'HR', '--source-ddl-files', '/nonexistent/ddl'], 'TANDEM_USAGE', /The Oracle DDL path \/nonexistent\/ddl cannot be read \(ENOENT\)\./);
  // A TNS alias that tnsnames.ora does not define: the aliases there are named, nothing connects.
  const tns = mkdtempSync(join(tmpdir(), 'tandem-tns-'));
  writeFileSync(join(tns, 'tnsnames.ora'), 'ORCLPDB1 = (DESCRIPTION = (ADDRESS = (PROTOCOL = TCP)(HOST = 127.0.0.1)(PORT = 1))(CONNECT_DATA = (SERVICE_NAME = orclpdb1)))\n');
  const r = await refused(['export', 'data', ...ORA, '--oracle-tns-alias', 'NOPE', '--source-db-schema', 'HR'], 'TANDEM_USAGE', /TNS alias NOPE is not in tnsnames\.ora\./, { TNS_ADMIN: tns });
  assert.match(r.stderr, /fix: Aliases there: ORCLPDB1\./);
});

test('the thin driver is loaded and a listener that is not there is TANDEM_CONNECT with the fix, not a stack trace', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const r = await refused(['export', 'data', ...ORA, '--source-db-port', String(port), '--source-db-name', 'ORCLPDB1', '--source-db-schema', 'HR'], 'TANDEM_CONNECT',
    new RegExp(`127\\.0\\.0\\.1:${port}/ORCLPDB1`));
  assert.match(r.stderr, /fix: Check --source-db-host and --source-db-port \(Oracle listens on 1521 by default\)/);
});

test('--help lists the Oracle flags with their text', async () => {
  const r = await runTandem(['export', 'data', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--oracle-db-sid', '--oracle-tns-alias', '--oracle-home', '--oracle-cdb-name', '--oracle-cdb-sid', '--oracle-cdb-tns-alias', '--oracle-wallet-location', '--oracle-wallet-password', '--disable-triggers-and-fks']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  assert.match(r.stdout.replace(/\s+/g, ' '), /--oracle-wallet-password <value> Oracle only: the password of an encrypted ewallet\.pem \(or ORACLE_WALLET_PASSWORD\) \[env ORACLE_WALLET_PASSWORD\]/);
  const s = await runTandem(['export', 'schema', '--help']);
  assert.match(s.stdout.replace(/\s+/g, ' '), /--source-ddl-files <value> Oracle: convert the DDL in this \.sql file/);
});
