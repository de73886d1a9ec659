import { fileURLToPath } from 'node:url';
/**
 * Bad input through the built CLI: every mistake a user can make ends with a non-zero exit, one
 * `error [TANDEM_…]` line (plus its fix), no stack trace, no password, and nothing changed: not the
 * export dir's files, not meta.db, not the target database.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startPg15, freePort, type PgServer } from '../../helpers/pg-server.js';
import { exportDirState } from '../../helpers/export-dir-state.js';
import { runTandem, newExportDir, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';
import type { ErrorCode } from '../../../src/core/errors.js';

const WEAK_PW = 'weak-role-pw-4711';
const WRONG_PW = 'wrong-pw-0815-zz';

let pg: PgServer;
let env: Record<string, string>;
/** An export dir holding a complete export of srcdb; no import has started from it. */
let doneDir: string;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password, TARGET_DB_PASSWORD: pg.password };
  await Promise.all(['srcdb', 'dstdb', 'otherdb'].map((d) => pg.createDatabase(d)));
  const ddl = `CREATE SCHEMA app;
    CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE app.secret (id int PRIMARY KEY, v text);`;
  await pg.sql('srcdb', `${ddl}
    INSERT INTO app.items SELECT g, 'item ' || g FROM generate_series(1, 200) g;
    INSERT INTO app.secret SELECT g, md5(g::text) FROM generate_series(1, 20) g;`);
  await pg.sql('dstdb', ddl);
  await pg.sql('postgres', `
    CREATE ROLE weak LOGIN PASSWORD '${WEAK_PW}';
    CREATE ROLE nousage LOGIN PASSWORD '${WEAK_PW}';
    CREATE ROLE noins LOGIN PASSWORD '${WEAK_PW}';
    CREATE ROLE nopriv LOGIN PASSWORD '${WEAK_PW}';`);
  // weak: reads app.items only. nousage: may SELECT the tables, but not enter the schema.
  await pg.sql('srcdb', `GRANT USAGE ON SCHEMA app TO weak; GRANT SELECT ON app.items TO weak;
    GRANT SELECT ON ALL TABLES IN SCHEMA app TO nousage;`);
  // noins: may read the target tables but not INSERT. nopriv: nothing at all on them.
  await pg.sql('dstdb', `GRANT USAGE ON SCHEMA app TO noins, nopriv; GRANT SELECT ON ALL TABLES IN SCHEMA app TO noins;`);
  doneDir = newExportDir();
  const r = await runTandem(['export', 'data', '--export-dir', doneDir, '--parallel-jobs', '2', ...sourceFlags(pg, 'srcdb', 'app')], env);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await pg?.stop();
});

/** What a failed command must leave alone in an export dir; modification times count too. */
const dirState = (dir: string) => exportDirState(dir, { mtimes: true });

/** Schemas, tables and row counts of a database. */
async function dbState(db: string): Promise<unknown> {
  return pg.sql(db, `SELECT n.nspname AS s, c.relname AS t, c.relkind AS k,
      CASE WHEN c.relkind = 'r' THEN (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text END AS n
    FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'S')
    WHERE n.nspname !~ '^(pg_|information_schema)' ORDER BY 1, 2`);
}

function assertCleanFailure(r: CliResult, code: ErrorCode | 'unknown command', what: string, exit?: number): void {
  const out = `${what}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  assert.notEqual(r.code, 0, out);
  if (exit !== undefined) assert.equal(r.code, exit, out);
  assert.notEqual(r.code, 70, `an internal error: ${out}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+/, `a stack trace: ${out}`);
  if (code === 'unknown command') assert.match(r.stderr, /^error \[TANDEM_USAGE\]: unknown command "[^"]*"\n {2}fix: Use one of the commands below\.\n/, out);
  else {
    assert.match(r.stderr, new RegExp(`^error \\[${code}\\]: \\S`, 'm'), out); // after a warning, if any
    assert.equal(r.stderr.match(/^error/gm)?.length, 1, `one error message: ${out}`);
  }
  for (const pw of [pg.password, WEAK_PW, WRONG_PW]) {
    assert.ok(!(r.stdout + r.stderr).includes(pw), `a password in the output: ${out}`);
  }
}

/** Runs a command that must fail with `code` and change nothing in `dirs` and the target database. */
async function expectFailure(what: string, args: string[], code: ErrorCode | 'unknown command', opts: { env?: Record<string, string>; dirs?: string[]; exit?: number } = {}): Promise<CliResult> {
  const dirs = opts.dirs ?? [doneDir];
  const before = { dirs: dirs.map(dirState), target: await dbState('dstdb') };
  const r = await runTandem(args, opts.env ?? env);
  assertCleanFailure(r, code, what, opts.exit);
  assert.deepEqual({ dirs: dirs.map(dirState), target: await dbState('dstdb') }, before, `${what} changed something`);
  for (const d of dirs) {
    for (const f of existsSync(join(d, 'logs')) ? readdirSync(join(d, 'logs')) : []) {
      for (const pw of [pg.password, WEAK_PW, WRONG_PW]) assert.ok(!readFileSync(join(d, 'logs', f), 'utf8').includes(pw), `password in logs/${f}`);
    }
  }
  return r;
}

const exportArgs = (dir: string, extra: string[] = [], db = 'srcdb', schema = 'app') =>
  ['export', 'data', '--export-dir', dir, ...sourceFlags(pg, db, schema), ...extra];
const importArgs = (dir: string, extra: string[] = []) => ['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'dstdb'), ...extra];
/** Re-exporting over the complete export: a failure must not delete the files it would replace. */
const reExport = (extra: string[] = [], db = 'srcdb', schema = 'app') => exportArgs(doneDir, ['--start-clean', 'true', ...extra], db, schema);

test('unreachable host: TANDEM_CONNECT for export and import', async () => {
  const port = String(await freePort());
  const fresh = newExportDir();
  const r = await expectFailure('export, nothing listening', [...exportArgs(fresh), '--source-db-port', port], 'TANDEM_CONNECT', { dirs: [doneDir, fresh] });
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(r.stderr, /fix: .*--source-db-port/);
  await expectFailure('import, nothing listening', [...importArgs(doneDir), '--target-db-port', port], 'TANDEM_CONNECT');
});

test('wrong password: TANDEM_AUTH, by environment or flag, and the password is never echoed', async () => {
  await expectFailure('export, wrong env password', reExport(), 'TANDEM_AUTH', { env: { ...env, SOURCE_DB_PASSWORD: WRONG_PW } });
  const byFlag = await expectFailure('export, wrong flag password', [...reExport(), '--source-db-password', WRONG_PW], 'TANDEM_AUTH');
  // A password on the command line is in ps for everyone while the command runs: said, with the alternatives.
  assert.match(byFlag.stderr, /WARNING: --source-db-password is visible to every user of this machine \(ps\) while the command runs; set SOURCE_DB_PASSWORD instead, or leave it out to be asked\./);
  await expectFailure('import, wrong password', [...importArgs(doneDir), '--target-db-password', WRONG_PW], 'TANDEM_AUTH');
  await expectFailure('export, unknown user', [...reExport(), '--source-db-user', 'nobody'], 'TANDEM_AUTH');
  await expectFailure('export, no password at all', reExport(), 'TANDEM_AUTH', { env: { SOURCE_DB_PASSWORD: '' } });
});

test('a database that does not exist: TANDEM_DB_MISSING', async () => {
  const fresh = newExportDir();
  await expectFailure('export from a missing database', exportArgs(fresh, [], 'nosuchdb'), 'TANDEM_DB_MISSING', { dirs: [doneDir, fresh] });
});

test('missing privileges: TANDEM_PRIVILEGE naming the table, before anything is written', async () => {
  const user = (args: string[], u: string) => args.map((a, i) => (args[i - 1] === '--source-db-user' || args[i - 1] === '--target-db-user' ? u : a));
  const weakEnv = { SOURCE_DB_PASSWORD: WEAK_PW, TARGET_DB_PASSWORD: WEAK_PW };
  let r = await expectFailure('export without SELECT on app.secret', user(reExport(), 'weak'), 'TANDEM_PRIVILEGE', { env: weakEnv });
  assert.match(r.stderr, /app\.secret/);
  assert.match(r.stderr, /GRANT SELECT/);
  // SELECT on the tables but no USAGE on their schema: still refused before the export dir changes.
  r = await expectFailure('export without USAGE on schema app', user(reExport(), 'nousage'), 'TANDEM_PRIVILEGE', { env: weakEnv });
  assert.match(r.stderr, /app\./);
  // The tables weak can read export fine: a fresh dir with --table-list items succeeds.
  const ok = newExportDir();
  const good = await runTandem(user(exportArgs(ok, ['--table-list', 'items']), 'weak'), weakEnv);
  assert.equal(good.code, 0, good.stderr);

  r = await expectFailure('import without INSERT', user(importArgs(doneDir), 'noins'), 'TANDEM_PRIVILEGE', { env: weakEnv });
  assert.match(r.stderr, /lacks INSERT or SELECT on: .*app\.items/);
  // The fix runs as typed: the tables and the user, no placeholder.
  assert.match(r.stderr, /As the tables' owner or a superuser: GRANT INSERT, SELECT, UPDATE, DELETE ON (\S+, )*app\.items(, \S+)* TO noins; then rerun/);
  // With what it will need next, in the same run: CREATE for Tandem's metadata schema.
  assert.match(r.stderr, /User noins cannot create the schema ybvoyager_metadata on the target\..*fix: .*GRANT CREATE ON DATABASE dstdb TO noins;/s);
  r = await expectFailure('import without any privilege', user(importArgs(doneDir), 'nopriv'), 'TANDEM_PRIVILEGE', { env: weakEnv });
  assert.match(r.stderr, /app\.items/);
});

test('unknown table or schema: TANDEM_UNKNOWN_TABLE / TANDEM_UNKNOWN_SCHEMA naming it', async () => {
  let r = await expectFailure('export, unknown table', reExport(['--table-list', 'items,nosuch']), 'TANDEM_UNKNOWN_TABLE');
  assert.match(r.stderr, /nosuch/);
  assert.match(r.stderr, /app\.items/, 'the hint lists the tables that exist');
  r = await expectFailure('export, excluded table unknown', reExport(['--exclude-table-list', 'Items2']), 'TANDEM_UNKNOWN_TABLE');
  assert.match(r.stderr, /Items2/);
  r = await expectFailure('export, mixed-case name needs quotes', reExport(['--table-list', '"Items"']), 'TANDEM_UNKNOWN_TABLE');
  assert.match(r.stderr, /Items/);
  r = await expectFailure('import, unknown table', importArgs(doneDir, ['--table-list', 'app.nosuch']), 'TANDEM_UNKNOWN_TABLE');
  assert.match(r.stderr, /app\.nosuch/);
  r = await expectFailure('export, unknown schema', reExport([], 'srcdb', 'app,"App2"'), 'TANDEM_UNKNOWN_SCHEMA');
  assert.match(r.stderr, /App2/);
  assert.match(r.stderr, /app/);
  const fresh = newExportDir();
  await expectFailure('export into a fresh dir, unknown schema', exportArgs(fresh, [], 'srcdb', 'nosuchschema'), 'TANDEM_UNKNOWN_SCHEMA', { dirs: [doneDir, fresh] });
  // The fresh dir did not become a half-started migration: export data there still starts from scratch.
  const meta = dirState(fresh) as { meta: Record<string, unknown[]> };
  assert.deepEqual(meta.meta.step_status ?? [], []);
  assert.deepEqual(meta.meta.snapshot_tables ?? [], []);
});

test('an export dir that belongs to another migration, or that does not exist', async () => {
  let r = await expectFailure('export of another database into a used dir', reExport([], 'otherdb'), 'TANDEM_EXPORT_DIR');
  assert.match(r.stderr, /srcdb/);
  r = await expectFailure('export again without --start-clean', exportArgs(doneDir), 'TANDEM_EXPORT_DIR');
  assert.match(r.stderr, /already complete/);
  const missing = join(tmpdir(), `tandem-no-such-dir-${process.pid}`);
  for (const args of [exportArgs(missing), importArgs(missing), ['export', 'data', 'status', '--export-dir', missing]]) {
    r = await expectFailure(`${args.slice(0, 2).join(' ')} into a missing dir`, args, 'TANDEM_EXPORT_DIR', { dirs: [doneDir, missing] });
    assert.equal(existsSync(missing), false, 'a missing export dir is not created');
  }
  // A directory full of someone else's files is not taken over.
  const foreign = newExportDir();
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  await expectFailure('export into a foreign dir', exportArgs(foreign), 'TANDEM_EXPORT_DIR', { dirs: [doneDir, foreign] });
  // A file instead of a directory.
  await expectFailure('export dir is a file', exportArgs(join(foreign, 'notes.txt')), 'TANDEM_EXPORT_DIR', { dirs: [doneDir, foreign] });
});

test('import data before export data: TANDEM_EXPORT_DIR saying what to run first', async () => {
  const fresh = newExportDir();
  // It waits for an export to start (the two may be started together), then gives up.
  let r = await expectFailure('import from an empty dir', importArgs(fresh, ['--wait-for-export', '1']), 'TANDEM_EXPORT_DIR', { dirs: [doneDir, fresh] });
  assert.match(r.stderr, /export (schema|data)/);
  assert.deepEqual(readdirSync(fresh), [], 'an empty dir stays empty');
  // A dir where only a failed export ran.
  const port = String(await freePort());
  const started = await runTandem([...exportArgs(fresh), '--source-db-port', port], env);
  assertCleanFailure(started, 'TANDEM_CONNECT', 'export to nowhere');
  r = await expectFailure('import after a failed export', importArgs(fresh, ['--wait-for-export', '1']), 'TANDEM_EXPORT_DIR', { dirs: [doneDir, fresh] });
  assert.match(r.stderr, /tandem export data/);
});

test('target tables that already hold rows: TANDEM_TARGET_NOT_EMPTY, and nothing loaded', async () => {
  await pg.sql('dstdb', "INSERT INTO app.secret VALUES (999, 'already here')");
  try {
    const r = await expectFailure('import into a non-empty table', importArgs(doneDir), 'TANDEM_TARGET_NOT_EMPTY');
    assert.match(r.stderr, /app\.secret/);
    assert.doesNotMatch(r.stderr, /already here/, 'row values never appear');
    assert.deepEqual(await pg.sql('dstdb', 'SELECT count(*)::int AS n FROM app.items'), [{ n: 0 }]);
  } finally {
    await pg.sql('dstdb', 'DELETE FROM app.secret');
  }
});

test('a target column the source lacks that refuses NULL and has no default: TANDEM_PREREQUISITE naming it, nothing loaded', async () => {
  // `extra`, `strict` and `stricter` would refuse every row (the last two through their domain, NOT NULL itself or over
  // one that is: INSERT refuses their NULL, COPY would load it). The others take a default (their own, their
  // domain's, or the one a domain took from its base domain when it was created), an identity, an expression or NULL.
  await pg.sql('dstdb', `CREATE DOMAIN app.stamp AS timestamptz DEFAULT now(); CREATE DOMAIN app.restamp AS app.stamp;
    CREATE DOMAIN app.strict_int AS int NOT NULL; CREATE DOMAIN app.stricter_int AS app.strict_int; CREATE DOMAIN app.lenient_int AS app.strict_int DEFAULT 1;
    ALTER TABLE app.items ADD COLUMN extra int NOT NULL, ADD COLUMN with_default int NOT NULL DEFAULT 0,
    ADD COLUMN ident int GENERATED ALWAYS AS IDENTITY, ADD COLUMN computed int GENERATED ALWAYS AS (id * 2) STORED, ADD COLUMN nullable int,
    ADD COLUMN stamped app.stamp NOT NULL, ADD COLUMN restamped app.restamp NOT NULL, ADD COLUMN strict app.strict_int,
    ADD COLUMN stricter app.stricter_int, ADD COLUMN lenient app.lenient_int, ADD COLUMN strict_default app.strict_int DEFAULT 2`);
  try {
    const r = await expectFailure('import into a table with a required extra column', importArgs(doneDir), 'TANDEM_PREREQUISITE');
    assert.match(r.stderr, /columns that refuse NULL \(NOT NULL, or of a NOT NULL domain\) and have no default, which the source does not export: app\.items \(extra, strict, stricter\)\./);
    assert.match(r.stderr, /ALTER TABLE app\.items ALTER COLUMN extra SET DEFAULT/);
    assert.doesNotMatch(r.stderr, /with_default|ident|computed|nullable|stamped|lenient|strict_default/);
    assert.deepEqual(await pg.sql('dstdb', 'SELECT (SELECT count(*)::int FROM app.items) AS items, (SELECT count(*)::int FROM app.secret) AS secret'), [{ items: 0, secret: 0 }]);
  } finally {
    await pg.sql('dstdb', `ALTER TABLE app.items DROP COLUMN extra, DROP COLUMN with_default, DROP COLUMN ident, DROP COLUMN computed, DROP COLUMN nullable,
      DROP COLUMN stamped, DROP COLUMN restamped, DROP COLUMN strict, DROP COLUMN stricter, DROP COLUMN lenient, DROP COLUMN strict_default;
      DROP DOMAIN app.restamp; DROP DOMAIN app.stamp; DROP DOMAIN app.lenient_int; DROP DOMAIN app.stricter_int; DROP DOMAIN app.strict_int`);
  }
});

test('a target column retyped to a type the binary snapshot cannot be cast into: TANDEM_PREREQUISITE naming it and the ALTER, nothing loaded', async () => {
  // integer has no assignment cast to interval; text -> varchar loads as it is.
  await pg.sql('dstdb', 'ALTER TABLE app.items ALTER COLUMN id TYPE interval USING make_interval(secs => id), ALTER COLUMN name TYPE varchar(50)');
  try {
    const r = await expectFailure('import into a column of another type', importArgs(doneDir), 'TANDEM_PREREQUISITE');
    assert.match(r.stderr, /cannot be loaded into: app\.items \(id: integer on the source, interval here\): the target cannot cast them \(column "id" is of type interval but expression is of type integer\)\./);
    assert.match(r.stderr, /ALTER TABLE app\.items ALTER COLUMN id TYPE integer/);
    assert.doesNotMatch(r.stderr, /name:/);
    assert.deepEqual(await pg.sql('dstdb', 'SELECT (SELECT count(*)::int FROM app.items) AS items, (SELECT count(*)::int FROM app.secret) AS secret'), [{ items: 0, secret: 0 }]);
  } finally {
    await pg.sql('dstdb', 'ALTER TABLE app.items ALTER COLUMN id TYPE int USING extract(epoch FROM id)::int, ALTER COLUMN name TYPE text');
  }
});

test('a column retyped after its table loaded (as the hint says) does not stop the import of the other tables', async () => {
  await pg.createDatabase('retypedb');
  await pg.sql('retypedb', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL); CREATE TABLE app.secret (id int PRIMARY KEY, v text);`);
  const dir = newExportDir();
  cpSync(doneDir, dir, { recursive: true });
  const load = (extra: string[]) => runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'retypedb'), ...extra], env);
  let r = await load(['--table-list', 'app.secret']);
  assert.equal(r.code, 0, r.stderr);
  await pg.sql('retypedb', 'ALTER TABLE app.secret ALTER COLUMN id TYPE interval USING make_interval(secs => id)');
  r = await load([]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await pg.sql('retypedb', 'SELECT (SELECT count(*)::int FROM app.items) AS items, (SELECT count(*)::int FROM app.secret) AS secret'), [{ items: 200, secret: 20 }]);
});

test('a nullable target column the snapshot does not fill, with no default: a warning naming it, and the import goes on (measured before: silent; a generated column made plain by hand stayed NULL)', async () => {
  await pg.createDatabase('unfilleddb');
  await pg.sql('unfilleddb', `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL, label text, tagged text DEFAULT 'x',
    doubled int GENERATED ALWAYS AS (id * 2) STORED); CREATE TABLE app.secret (id int PRIMARY KEY, v text);`);
  const dir = newExportDir();
  cpSync(doneDir, dir, { recursive: true });
  const r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'unfilleddb')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /WARNING: Target column\(s\) that the source's data does not fill, with no default or generation expression: app\.items \(label\)\. They stay NULL in every migrated row\./);
  assert.doesNotMatch(r.stderr, /tagged|doubled/);
  assert.deepEqual(await pg.sql('unfilleddb', 'SELECT count(*)::int AS n, count(label)::int AS labelled FROM app.items'), [{ n: 200, labelled: 0 }]);
});

// The schema-fidelity run: analyze-schema advised a target without stored generated columns to make
// one an ordinary column filled by a trigger; the snapshot leaves a generated column's values out
// and the load runs with triggers off, so every row held NULL there, and import data said nothing
// but the warning about unfilled columns.
test('a column generated on the source but ordinary on the target: import data refuses before writing, naming it; once generated again, the rows load with its values', async () => {
  await Promise.all(['gensrc', 'gentgt'].map((d) => pg.createDatabase(d)));
  await pg.sql('gensrc', `CREATE SCHEMA gen; CREATE TABLE gen.g (id int PRIMARY KEY, name text, slug text GENERATED ALWAYS AS (lower(name)) STORED);
    INSERT INTO gen.g (id, name) VALUES (1, 'ABC'), (2, 'Def');`);
  await pg.sql('gentgt', `CREATE SCHEMA gen; CREATE TABLE gen.g (id int PRIMARY KEY, name text, slug text);`);
  const dir = newExportDir();
  let r = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'gensrc', 'gen')], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'gentgt')], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /error \[TANDEM_PREREQUISITE\]: Columns generated on the source are ordinary columns on the target: gen\.g \(slug\)\. The snapshot and the change stream leave a generated column's values out .* Nothing was written\./);
  assert.match(r.stderr, /fix: Give each its generation expression back on the target \(ALTER TABLE gen\.g DROP COLUMN slug, ADD COLUMN slug <type> GENERATED ALWAYS AS \(<expression>\) STORED;/);
  assert.doesNotMatch(r.stderr, /does not fill/, 'one finding, not a warning beside it');
  assert.deepEqual(await pg.sql('gentgt', 'SELECT count(*)::int AS n FROM gen.g'), [{ n: 0 }]);
  await pg.sql('gentgt', 'ALTER TABLE gen.g DROP COLUMN slug, ADD COLUMN slug text GENERATED ALWAYS AS (lower(name)) STORED');
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'gentgt')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await pg.sql('gentgt', 'SELECT id, slug FROM gen.g ORDER BY id'), [{ id: 1, slug: 'abc' }, { id: 2, slug: 'def' }]);
  // The other way (the fix-verify run): a column the source exports made generated on the target
  // failed the load at that table, after the others, with the server's words only.
  await pg.createDatabase('gentgt2');
  await pg.sql('gentgt2', `CREATE SCHEMA gen; CREATE TABLE gen.g (id int PRIMARY KEY, name text GENERATED ALWAYS AS ('x') STORED, slug text GENERATED ALWAYS AS (lower(id::text)) STORED);`);
  const dir2 = newExportDir();
  r = await runTandem(['export', 'data', '--export-dir', dir2, ...sourceFlags(pg, 'gensrc', 'gen')], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'data', '--export-dir', dir2, ...targetFlags(pg, 'gentgt2')], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /error \[TANDEM_PREREQUISITE\]: Columns the source exports are generated on the target: gen\.g \(name\)\. A generated column takes no value/);
  assert.match(r.stderr, /fix: Make each an ordinary column on the target, as on the source \(ALTER TABLE gen\.g ALTER COLUMN name DROP EXPRESSION;\)/);
});

test('a value too large for a btree entry of the target: the load error says so and how to index it instead (measured before: the server\'s words only; the schema-fidelity run)', async () => {
  await Promise.all(['bigsrc', 'bigtgt'].map((d) => pg.createDatabase(d)));
  await pg.sql('bigsrc', `CREATE SCHEMA lu; CREATE TABLE lu.lu (id int PRIMARY KEY, body text);
    INSERT INTO lu.lu SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 400) g;`);
  await pg.sql('bigtgt', 'CREATE SCHEMA lu; CREATE TABLE lu.lu (id int PRIMARY KEY, body text); CREATE UNIQUE INDEX lu_body ON lu.lu (body);');
  const dir = newExportDir();
  let r = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'bigsrc', 'lu')], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'bigtgt')], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /index row (requires|size)/);
  assert.match(r.stderr, /fix: A value of "lu"\."lu" is too large for an index entry on the target: .*md5\(<column>\)\) keeps a UNIQUE rule.*then rerun import data: it loads this batch again\./);
});

test('a CHECK of the target that a source row breaks: the load error names it and how to go on (measured before: the server\'s words only; the schema-mysql-53 run)', async () => {
  await Promise.all(['chksrc', 'chktgt'].map((d) => pg.createDatabase(d)));
  await pg.sql('chksrc', `CREATE SCHEMA ck; CREATE TABLE ck.checks (id int PRIMARY KEY, status text); INSERT INTO ck.checks VALUES (1, 'new'), (2, 'DONE');`);
  await pg.sql('chktgt', `CREATE SCHEMA ck; CREATE TABLE ck.checks (id int PRIMARY KEY, status text CONSTRAINT chk_status CHECK (status IN ('new', 'done')));`);
  const dir = newExportDir();
  let r = await runTandem(['export', 'data', '--export-dir', dir, ...sourceFlags(pg, 'chksrc', 'ck')], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'chktgt')], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /error \[TANDEM_DATA\]: Loading ck\.checks .* violates check constraint "chk_status" \[SQLSTATE 23514, constraint chk_status\]/);
  assert.match(r.stderr, /fix: CHECK constraint chk_status of "ck"\."checks" on the target refuses a row the source holds: .*\(ALTER TABLE "ck"\."checks" DROP CONSTRAINT "chk_status";\) and add it back after the load, .*then rerun import data: it loads this batch again\./);
  assert.doesNotMatch(r.stderr, /DONE/, 'no row value in the message');
  await pg.sql('chktgt', 'ALTER TABLE ck.checks DROP CONSTRAINT chk_status');
  r = await runTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pg, 'chktgt')], env);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await pg.sql('chktgt', 'SELECT id, status FROM ck.checks ORDER BY id'), [{ id: 1, status: 'new' }, { id: 2, status: 'DONE' }]);
});

test('malformed flags: TANDEM_USAGE with exit code 2', async () => {
  const fresh = newExportDir();
  const dirs = [doneDir, fresh];
  let r = await expectFailure('bad --export-type', exportArgs(fresh, ['--export-type', 'everything']), 'TANDEM_USAGE', { dirs, exit: 2 });
  assert.match(r.stderr, /snapshot-only/);
  r = await expectFailure('missing --export-dir', ['export', 'data', ...sourceFlags(pg, 'srcdb', 'app')], 'TANDEM_USAGE', { dirs, exit: 2 });
  assert.match(r.stderr, /--export-dir is required/);
  r = await expectFailure('bad boolean', exportArgs(fresh, ['--start-clean', 'maybe']), 'TANDEM_USAGE', { dirs, exit: 2 });
  assert.match(r.stderr, /--start-clean .*"maybe"/);
  await expectFailure('bad boolean, re-export', reExport(['--start-clean', 'maybe']), 'TANDEM_USAGE', { exit: 2 });
  r = await expectFailure('bad --batch-size', importArgs(doneDir, ['--batch-size', '0']), 'TANDEM_USAGE', { dirs, exit: 2 });
  r = await expectFailure('bad --parallel-jobs', importArgs(doneDir, ['--parallel-jobs', 'many']), 'TANDEM_USAGE', { dirs, exit: 2 });
  r = await expectFailure('bad port', [...importArgs(doneDir), '--target-db-port', 'x'], 'TANDEM_USAGE', { dirs, exit: 2 });
  // Out of range: was an internal error with a stack trace (65536), or the driver's default port 5432 (0).
  for (const port of ['0', '65536']) {
    r = await expectFailure(`port ${port}`, [...importArgs(doneDir), '--target-db-port', port], 'TANDEM_USAGE', { dirs, exit: 2 });
    assert.match(r.stderr, new RegExp(`--target-db-port takes a port from 1 to 65535, not ${port}\\.`));
  }
  // An empty table list (an unset shell variable) was taken for every table.
  r = await expectFailure('empty --table-list', exportArgs(fresh, ['--table-list', '']), 'TANDEM_USAGE', { dirs, exit: 2 });
  assert.match(r.stderr, /--table-list is empty\./);
  // An empty schema list (measured before: "Exported 0 objects", exit 0).
  r = await expectFailure('empty --source-db-schema', ['export', 'schema', '--export-dir', fresh, ...sourceFlags(pg, 'srcdb', 'app'), '--source-db-schema', ' , '], 'TANDEM_USAGE', { dirs, exit: 2 });
  assert.match(r.stderr, /--source-db-schema is empty\./);
  r = await expectFailure('unterminated quote', reExport(['--table-list', '"items']), 'TANDEM_USAGE', { exit: 2 });
  assert.match(r.stderr, /unterminated quote/);
  r = await expectFailure('bad config file', [...exportArgs(fresh), '--config-file', join(fresh, 'nope.yaml')], 'TANDEM_CONFIG', { dirs });
  const cfg = join(tmpdir(), `tandem-bad-config-${process.pid}.yaml`);
  writeFileSync(cfg, 'export-data:\n  paralel-jobs: 3\n');
  r = await expectFailure('unknown config key', [...exportArgs(fresh), '--config-file', cfg], 'TANDEM_CONFIG', { dirs });
  assert.match(r.stderr, /paralel-jobs/);
  // The queue's segment size (a test knob read when streaming starts) is checked before anything else.
  const knob = { ...env, TANDEM_QUEUE_SEGMENT_BYTES: 'lots' };
  r = await expectFailure('bad TANDEM_QUEUE_SEGMENT_BYTES', exportArgs(fresh, ['--export-type', 'snapshot-and-changes']), 'TANDEM_USAGE', { dirs, env: knob });
  assert.match(r.stderr, /TANDEM_QUEUE_SEGMENT_BYTES must be a positive whole number of bytes, not "lots"/);
  await expectFailure('bad TANDEM_QUEUE_SEGMENT_BYTES, import', importArgs(doneDir), 'TANDEM_USAGE', { dirs, env: knob });
  r = await runTandem(['export', 'data', '--no-such-flag', 'x', '--export-dir', fresh]);
  assert.equal(r.code, 2, r.stderr);
  // The one-line format of every other failure (docs/errors.md), with the command's help as the fix.
  assert.equal(r.stderr, "error [TANDEM_USAGE]: unknown option '--no-such-flag'\n  fix: See the flags of this command: tandem export data --help\n");
});

test('a source type that is no source (yugabytedb, the target; no longer offered by --help): a usage error before anything changes', async () => {
  const fresh = newExportDir();
  for (const type of ['yugabytedb']) {
    const args = exportArgs(fresh).map((a, i, all) => (all[i - 1] === '--source-db-type' ? type : a));
    const r = await expectFailure(`export from ${type}`, args, 'TANDEM_USAGE', { dirs: [doneDir, fresh], exit: 2 });
    assert.match(r.stderr, new RegExp(`--source-db-type must be one of postgresql, mysql, oracle; got "${type}"\\.`));
  }
});

test('unknown command: exit 2 with the list of commands', async () => {
  for (const words of [['migrate', 'everything'], ['export', 'tables']]) {
    const r = await expectFailure(`tandem ${words.join(' ')}`, words, 'unknown command', { exit: 2 });
    assert.match(r.stderr, /Commands:/);
    assert.match(r.stderr, /import data/);
  }
  // The first word of several commands: the commands it begins, by their next word.
  const r = await expectFailure('tandem import', ['import'], 'TANDEM_USAGE', { exit: 2 });
  assert.match(r.stderr, /^error \[TANDEM_USAGE\]: unknown command "import"\. Did you mean one of "import schema", "import data"\?/);
});

test('--help on every command exits 0 and lists each of its flags; tandem version works', async () => {
  const results = await Promise.all(COMMANDS.map((c) => runTandem([...c.words, '--help'])));
  COMMANDS.forEach((c, i) => {
    const r = results[i]!;
    const name = c.words.join(' ');
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`tandem ${name}`));
    for (const o of c.options) assert.ok(r.stdout.includes(`--${o.name}`), `${name} --help lists --${o.name}`);
  });
  const top = await runTandem(['--help']);
  assert.equal(top.code, 0);
  for (const c of COMMANDS) assert.ok(top.stdout.includes(c.words.join(' ')), c.words.join(' '));
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const args of [['version'], ['--version']]) {
    const v = await runTandem(args);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^tandem ${pkg.version.replace(/\./g, '\\.')} `));
    assert.equal(v.stderr, '');
  }
});

test('a second import data while one runs on the same export dir: TANDEM_LOCKED', async () => {
  let holder: ChildProcess | undefined;
  const metainfo = join(doneDir, 'metainfo');
  try {
    // Another process holds the import's lock, as a running import data would.
    const lockModule = fileURLToPath(new URL('../../../src/core/lock.js', import.meta.url));
    holder = spawn(process.execPath, ['--input-type=module', '-e',
      `import { CommandLock } from ${JSON.stringify(lockModule)}; new CommandLock(${JSON.stringify(metainfo)}, 'import-data').acquire(); process.stdout.write('held'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => holder!.stdout!.once('data', r));
    const r = await expectFailure('import while locked', importArgs(doneDir), 'TANDEM_LOCKED');
    assert.match(r.stderr, new RegExp(`pid ${holder.pid}\\b`));
    // The holder may be what the importer became after a cutover prepared for fall-back: both named.
    assert.match(r.stderr, /"import data to target" \(or "export data from target", which it becomes after a cutover prepared for fall-back\) is already running/);
  } finally {
    holder?.kill('SIGKILL');
  }
  // Once the holder is gone (killed: its lock went with it), the import runs; this also shows that
  // none of the failures above left anything behind that blocks a correct run.
  await new Promise((r) => holder!.once('exit', r));
  const r = await runTandem(importArgs(doneDir, ['--batch-size', '50']), env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join(metainfo, 'import-data.pid')), false);
  assert.deepEqual(await pg.sql('dstdb', 'SELECT (SELECT count(*) FROM app.items)::int AS i, (SELECT count(*) FROM app.secret)::int AS s'), [{ i: 200, s: 20 }]);
});
