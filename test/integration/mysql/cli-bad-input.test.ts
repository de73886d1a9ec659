/**
 * Bad input from a MySQL/MariaDB source through the built CLI: each refused with one clear
 * TandemError and its fix, before anything changes (the export dir holds no state, the source has
 * no Tandem database, the binlog has no Tandem write): statement binlog, a user without the
 * replication privileges, one without privileges on the metadata database, a table without a primary key, zero dates in a NOT NULL column, a
 * database that does not exist, a wrong password, two target schemas.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, type CliResult } from '../../helpers/cli.js';
import { exportDirState } from '../../helpers/export-dir-state.js';

let maria: MariaDbServer;
const WEAK_PW = 'weak-pw-4711';

before(async () => {
  maria = await startMariaDb();
  for (const d of ['shop', 'nopk', 'zeros']) await maria.createDatabase(d);
  await maria.sql('shop', 'CREATE TABLE t (id int PRIMARY KEY, v varchar(10)); INSERT INTO t VALUES (1, \'a\')');
  await maria.sql('nopk', 'CREATE TABLE keyed (id int PRIMARY KEY); CREATE TABLE loose (v int); INSERT INTO loose VALUES (1)');
  await maria.sql('zeros', "SET SESSION sql_mode = ''; CREATE TABLE d (id int PRIMARY KEY, born date NOT NULL, seen datetime NULL); INSERT INTO d VALUES (1, '0000-00-00', NULL), (2, '2024-01-01', '0000-00-00 00:00:00'), (3, '2024-00-10', NULL); "
    + "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; INSERT INTO d VALUES (4, '2023-02-29', '2024-02-30 10:00:00'), (5, '2024-02-29', '2024-02-29 23:59:59'), (6, '2024-12-31', '2023-04-31 00:00:00')");
  await maria.sql(undefined, `CREATE USER 'weak'@'%' IDENTIFIED BY '${WEAK_PW}'; GRANT SELECT ON shop.* TO 'weak'@'%'`);
});
after(async () => {
  await maria?.stop();
});

const flags = (database: string, user = maria.user) => ['--source-db-type', 'mysql', '--source-db-host', maria.host, '--source-db-port', String(maria.port),
  '--source-db-user', user, '--source-db-name', database];
const liveExport = (dir: string, database: string, user?: string) => ['export', 'data', '--export-dir', dir, ...flags(database, user), '--export-type', 'snapshot-and-changes'];

/** What the source holds that a refused command must leave alone: Tandem's database, and the binlog's end. */
async function sourceState(): Promise<unknown> {
  const dbs = await maria.sql(undefined, "SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ybvoyager_metadata'");
  const [status] = await maria.sql(undefined, 'SHOW MASTER STATUS');
  return { dbs, binlog: `${status.File}:${status.Position}` };
}

async function expectRefused(what: string, args: string[], code: string, env: Record<string, string> = { SOURCE_DB_PASSWORD: maria.password }): Promise<CliResult> {
  const dir = args[args.indexOf('--export-dir') + 1]!;
  const before = { dir: exportDirState(dir), source: await sourceState() };
  const r = await runTandem(args, env);
  const out = `${what}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.notEqual(r.code, 0, out);
  assert.notEqual(r.code, 70, `an internal error: ${out}`);
  assert.match(r.stderr, new RegExp(`^error \\[${code}\\]: \\S`, 'm'), out);
  assert.equal(r.stderr.match(/^error/gm)?.length, 1, `one error message: ${out}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `a stack trace: ${out}`);
  for (const pw of [maria.password, WEAK_PW]) assert.ok(!(r.stdout + r.stderr).includes(pw), `a password in the output: ${out}`);
  assert.deepEqual({ dir: exportDirState(dir), source: await sourceState() }, before, `${what} changed something`);
  return r;
}

test('statement binlog: TANDEM_PREREQUISITE with the setting to change', async () => {
  await maria.sql(undefined, "SET GLOBAL binlog_format = 'STATEMENT'");
  try {
    const r = await expectRefused('statement binlog', liveExport(newExportDir(), 'shop'), 'TANDEM_PREREQUISITE');
    assert.match(r.stderr, /binlog_format is STATEMENT, but change capture needs ROW/);
    assert.match(r.stderr, /SET GLOBAL binlog_format = 'ROW'/);
  } finally {
    await maria.sql(undefined, "SET GLOBAL binlog_format = 'ROW'");
  }
});

test('a user without the replication privileges: TANDEM_PRIVILEGE with the GRANTs', async () => {
  const r = await expectRefused('no replication privileges', liveExport(newExportDir(), 'shop', 'weak'), 'TANDEM_PRIVILEGE', { SOURCE_DB_PASSWORD: WEAK_PW });
  assert.match(r.stderr, /GRANT REPLICATION SLAVE ON \*\.\* TO 'weak'@'%';/);
  assert.match(r.stderr, /GRANT BINLOG MONITOR ON \*\.\* TO 'weak'@'%';/);
});

test('a user with replication privileges but none on ybvoyager_metadata: TANDEM_PRIVILEGE with its GRANT, nothing created', async () => {
  await maria.sql(undefined, `CREATE USER 'mig3'@'%' IDENTIFIED BY '${WEAK_PW}';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'mig3'@'%'; GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'mig3'@'%'`);
  const r = await expectRefused('no metadata privileges', liveExport(newExportDir(), 'shop', 'mig3'), 'TANDEM_PRIVILEGE', { SOURCE_DB_PASSWORD: WEAK_PW });
  assert.match(r.stderr, /may not use Tandem's metadata database ybvoyager_metadata \(CREATE, SELECT, INSERT, UPDATE, DELETE privileges missing\)/);
  assert.match(r.stderr, /GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON `ybvoyager_metadata`\.\* TO 'mig3'@'%';/);
  assert.doesNotMatch(r.stderr, /REPLICATION SLAVE|BINLOG MONITOR/);
});

test('a table without a primary key: refused for a live export, named offline', async () => {
  const r = await expectRefused('no primary key', liveExport(newExportDir(), 'nopk'), 'TANDEM_PREREQUISITE');
  assert.match(r.stderr, /Live migration needs a primary key on every table; these have none: nopk\.loose\./);
  const excluded = newExportDir();
  const ok = await runTandem(['export', 'data', '--export-dir', excluded, ...flags('nopk'), '--export-type', 'snapshot-only'], { SOURCE_DB_PASSWORD: maria.password });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /tables without a primary key \(fine offline, refused for live migration\): nopk\.loose/);
});

test('zero dates in a NOT NULL column: TANDEM_PREREQUISITE naming table, column and count, days their month lacks (ALLOW_INVALID_DATES) counted too; nullable ones are warned about (measured before: 2023-02-29 was not counted, and stopped the snapshot half-way)', async () => {
  const r = await expectRefused('zero dates', ['export', 'data', '--export-dir', newExportDir(), ...flags('zeros'), '--export-type', 'snapshot-only'], 'TANDEM_PREREQUISITE');
  assert.match(r.stderr, /Zero dates in NOT NULL columns of zeros: d\.born \(3 rows\)\./);
  assert.match(r.stderr, /zeros\.d\.seen: 3 zero date\(s\) will become NULL on the target/);
  // The hint's UPDATE finds exactly those rows (2024-02-29, a leap day, is a real date).
  const where = /WHERE (\(YEAR\(c\).*?\)\)\)\))\)/.exec(r.stderr)?.[1];
  assert.ok(where, r.stderr);
  const rows = await maria.sql('zeros', `SELECT id FROM d WHERE ${where.replace(/\bc\b/g, 'born')} ORDER BY id`);
  assert.deepEqual(rows.map((x: { id: number }) => Number(x.id)), [1, 3, 4]);
});

test('a name PostgreSQL would cut short: export data refuses it as export schema does, before anything changes (measured before: it streamed the table; the docs-claims run)', async () => {
  const long = `t${'é'.repeat(40)}`; // 81 bytes
  await maria.createDatabase('longn');
  await maria.sql('longn', `CREATE TABLE \`${long}\` (id int PRIMARY KEY); CREATE TABLE ok (id int PRIMARY KEY)`);
  for (const args of [liveExport(newExportDir(), 'longn'), ['export', 'data', '--export-dir', newExportDir(), ...flags('longn')]]) {
    const r = await expectRefused('a long name', args, 'TANDEM_UNSUPPORTED');
    assert.match(r.stderr, new RegExp(`1 name\\(s\\) in longn are longer than PostgreSQL's 63 bytes: ${long}\\.`));
    assert.match(r.stderr, /--exclude-table-list/);
  }
});

test('a database that does not exist, a wrong password, two target schemas', async () => {
  await expectRefused('missing database', liveExport(newExportDir(), 'nosuchdb'), 'TANDEM_DB_MISSING');
  await expectRefused('wrong password', liveExport(newExportDir(), 'shop'), 'TANDEM_AUTH', { SOURCE_DB_PASSWORD: 'wrong-pw' });
  const r = await expectRefused('two schemas', [...liveExport(newExportDir(), 'shop'), '--source-db-schema', 'a,b'], 'TANDEM_USAGE');
  assert.match(r.stderr, /A MySQL database becomes one PostgreSQL schema; --source-db-schema names 2 \(a, b\)\./);
});

test('a PostgreSQL source pointed at this MariaDB (the --source-db-type forgotten): TANDEM_CONNECT naming the port and the flag (measured before: an internal error with a stack trace)', async () => {
  const dir = newExportDir();
  const r = await expectRefused('postgresql at a MariaDB port', ['export', 'schema', '--export-dir', dir, '--source-db-type', 'postgresql', '--source-db-host', maria.host,
    '--source-db-port', String(maria.port), '--source-db-user', maria.user, '--source-db-name', 'shop'], 'TANDEM_CONNECT');
  assert.match(r.stderr, new RegExp(`The server at ${maria.host.replaceAll('.', '\\.')}:${maria.port} does not answer as PostgreSQL does \\(received invalid response: \\d+\\): another kind of server listens there\\.`));
  assert.match(r.stderr, /fix: Check --source-db-port and --source-db-type \(mysql for a MySQL or MariaDB server\)\./);
});

test('import schema --target-db-schema naming another schema than the exported one: TANDEM_USAGE (measured before: accepted, and everything went into public anyway)', async () => {
  const dir = newExportDir();
  const ex = await runTandem(['export', 'schema', '--export-dir', dir, ...flags('shop')], { SOURCE_DB_PASSWORD: maria.password });
  assert.equal(ex.code, 0, ex.stderr);
  const target = ['--target-db-host', '127.0.0.1', '--target-db-port', '1', '--target-db-user', 'nobody', '--target-db-name', 'nowhere'];
  const r = await expectRefused('another target schema', ['import', 'schema', '--export-dir', dir, ...target, '--target-db-schema', 'app'], 'TANDEM_USAGE', { TARGET_DB_PASSWORD: 'x' });
  assert.match(r.stderr, /--target-db-schema app: this migration's tables are in the target schema public \(chosen by export schema\), so the flag would be ignored\./);
  assert.match(r.stderr, /tandem export schema --start-clean true --source-db-schema app/);
  // Every command that takes the flag refuses it the same way (measured before: import data to
  // target accepted it and loaded into public).
  for (const command of [['import', 'data', 'to', 'target'], ['import', 'data']]) {
    const c = await expectRefused(`${command.join(' ')} with another target schema`, [...command, '--export-dir', dir, ...target, '--target-db-schema', 'app'], 'TANDEM_USAGE', { TARGET_DB_PASSWORD: 'x' });
    assert.match(c.stderr, /--target-db-schema app: this migration's tables are in the target schema public/);
  }
  // Repeating the migration's own target schema passes this check: the command goes on to connect (port 1: refused).
  const same = await runTandem(['import', 'schema', '--export-dir', dir, ...target, '--target-db-schema', 'public'], { TARGET_DB_PASSWORD: 'x' });
  assert.notEqual(same.code, 0);
  assert.doesNotMatch(same.stderr, /TANDEM_USAGE/);
  assert.match(same.stderr, /127\.0\.0\.1:1/);
});
