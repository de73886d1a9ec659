/**
 * `import schema` killed or stopped partway is resumed by rerunning the same command, without
 * `--ignore-exist`: what an earlier run applied is this migration's own and is found done, while an
 * object of the same name that the target had before still stops the import as "already exists".
 *
 * Three exported schemas, one per source engine: the PostgreSQL sample database plus partitions, a
 * foreign key, CHECK and UNIQUE constraints and comments (exported from PostgreSQL 15); the shop
 * schema on MariaDB with an enum, a JSON column and foreign keys; and the Oracle shop DDL files (no
 * server needed). For each, `import schema` into PostgreSQL 15 is killed again and again (failpoint
 * `schema.after-statement`, each run further along), before the data and after it (indexes built
 * on two connections), and the target's schema must come out as pg_dump prints a clean import's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { newExportDir, runTandem, sourceFlags, targetFlags, type CliResult } from '../../helpers/cli.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { SHOP_SCHEMA } from '../../helpers/mariadb-workload.js';

const SAMPLE_SQL = new URL('../../../../test/fixtures/sample-db.sql', import.meta.url);
const ORACLE_SHOP = new URL('../../../../test/fixtures/oracle/scripts/shop', import.meta.url).pathname;

const EXTRA_SQL = `
  CREATE TABLE shop.events (id bigint NOT NULL, at date NOT NULL, kind text CHECK (kind <> ''), PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
  CREATE TABLE shop.events_2025 PARTITION OF shop.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE INDEX events_kind ON shop.events (kind);
  CREATE TABLE shop.tags (id int PRIMARY KEY, label text NOT NULL, CONSTRAINT tags_label_key UNIQUE (label));
  CREATE TABLE shop.event_tags (event_id bigint NOT NULL, at date NOT NULL, tag_id int NOT NULL REFERENCES shop.tags (id),
    FOREIGN KEY (event_id, at) REFERENCES shop.events (id, at));
  CREATE INDEX event_tags_tag ON shop.event_tags (tag_id);
  COMMENT ON TABLE shop.tags IS 'labels of events';
  COMMENT ON COLUMN shop.tags.label IS 'unique';
`;

const MARIADB_EXTRA = `
  CREATE TABLE tags (id int NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, UNIQUE KEY tags_label (label), CHECK (label <> ''));
  CREATE TABLE order_tags (order_id bigint NOT NULL, tag_id int NOT NULL, PRIMARY KEY (order_id, tag_id),
    KEY order_tags_tag (tag_id), CONSTRAINT order_tags_tag_fk FOREIGN KEY (tag_id) REFERENCES tags (id));
  CREATE VIEW paid_orders AS SELECT id, total FROM orders WHERE status = 'paid';
`;

let pg: PgServer;
let my: MariaDbServer;
/** The PostgreSQL sample's export dir (the other engines' are made by their tests). */
let dir: string;
const dirs: string[] = [];

before(async () => {
  [pg, my] = await Promise.all([startPg15(), startMariaDb()]);
  await pg.createDatabase('src');
  await pg.sql('src', await readFile(SAMPLE_SQL, 'utf8'));
  await pg.sql('src', EXTRA_SQL);
  dir = await exportSchema(sourceFlags(pg, 'src', 'shop,analytics,Ops'));
});

after(async () => {
  await Promise.all([pg?.stop(), my?.stop()]);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function tandem(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runTandem(args, { SOURCE_DB_PASSWORD: args.includes('mysql') ? my.password : pg.password, TARGET_DB_PASSWORD: pg.password, ...env });
}

async function exportSchema(source: string[]): Promise<string> {
  const exportDir = newExportDir();
  dirs.push(exportDir);
  const r = await tandem(['export', 'schema', '--export-dir', exportDir, ...source]);
  assert.equal(r.code, 0, `export schema failed:\n${r.stdout}\n${r.stderr}`);
  return exportDir;
}

/** `import schema` into `database` of a copy of the export dir (each target its own migration). */
function importSchema(exportDir: string, database: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return tandem(['import', 'schema', '--export-dir', exportDir, ...targetFlags(pg, database), ...extra], env);
}

function copyOf(exportDir: string): string {
  const copy = newExportDir();
  dirs.push(copy);
  execFileSync('cp', ['-a', `${exportDir}/.`, copy]);
  return copy;
}

/** The target's schema as pg_dump 15 prints it (the objects of this migration only). */
function schemaOf(database: string): string {
  return execFileSync('/usr/lib/postgresql/15/bin/pg_dump', ['--schema-only', '--no-owner', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, database],
    { env: { ...process.env, PGPASSWORD: pg.password }, encoding: 'utf8' })
    // Comments, and the random key of pg_dump's \restrict lines, differ from dump to dump.
    .split('\n').filter((l) => !/^(--|\\restrict |\\unrestrict )/.test(l)).join('\n');
}

/**
 * Runs `import schema` killed after the `step`-th statement, then the `2·step`-th, and so on (each
 * rerun runs every statement again, so each gets further), until a run finishes; returns the kills
 * and the finishing run.
 */
async function killUntilDone(exportDir: string, database: string, step: number, extra: string[] = []): Promise<{ kills: number; last: CliResult }> {
  for (let kills = 0; ; kills++) {
    const r = await importSchema(exportDir, database, extra, { TANDEM_FAILPOINTS: `schema.after-statement=kill@${(kills + 1) * step}` });
    if (r.signal === null) {
      assert.equal(r.code, 0, `run ${kills + 1} failed:\n${r.stdout}\n${r.stderr}`);
      return { kills, last: r };
    }
    assert.equal(r.signal, 'SIGKILL', `run ${kills + 1} ended by ${r.signal}:\n${r.stdout}\n${r.stderr}`);
    assert.ok(kills < 100, 'import schema makes progress between kills');
  }
}

/**
 * Imports the export dir's schema into a fresh database twice: once cleanly, once killed after every
 * `step`-th statement until a run finishes (then the post-snapshot part, killed after every second
 * statement); the two must be equal.
 */
async function resumedEqualsClean(name: string, exportDir: string, step: number): Promise<void> {
  const clean = copyOf(exportDir);
  const resumed = copyOf(exportDir);
  await pg.createDatabase(`${name}_clean`);
  await pg.createDatabase(`${name}_resumed`);
  const pre = await importSchema(clean, `${name}_clean`);
  assert.equal(pre.code, 0, `clean import failed:\n${pre.stdout}\n${pre.stderr}`);
  const created = Number(/: (\d+) statement\(s\) applied, 0 already done\./.exec(pre.stdout)?.[1]);
  assert.ok(created >= 4 * step, `the schema has enough statements to kill between (${pre.stdout})`);

  const first = await killUntilDone(resumed, `${name}_resumed`, step);
  assert.ok(first.kills >= Math.floor(created / step) - 1, `killed about every ${step}th statement (${first.kills} kills for ${created})`);
  assert.match(first.last.stdout, /^\d+ statement\(s\) that an earlier run of import schema had applied were found done\.$/m);
  assert.match(first.last.stdout, /: \d+ statement\(s\) applied( \(\d+ of them run again: an earlier run of import schema had applied them\))?, \d+ already done\./);
  // A rerun that finds nothing missing: whatever it applies is said as run again (measured before:
  // "4 statement(s) applied" with nothing missing; the newuser-50 run).
  const rerun = await importSchema(clean, `${name}_clean`);
  assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
  const said = /: (\d+) statement\(s\) applied(?: \((\d+) of them run again: an earlier run of import schema had applied them\))?, (\d+) already done\./.exec(rerun.stdout);
  assert.ok(said, rerun.stdout);
  assert.equal(Number(said[2] ?? 0), Number(said[1]), `every statement the rerun applied is said as run again: ${said[0]}`);
  assert.equal(Number(said[1]) + Number(said[3]), created, 'every statement is applied again or found done');

  const post = ['--post-snapshot-import', 'true', '--parallel-jobs', '2'];
  const cleanPost = await importSchema(clean, `${name}_clean`, post);
  assert.equal(cleanPost.code, 0, `clean post-snapshot import failed:\n${cleanPost.stdout}\n${cleanPost.stderr}`);
  const postCreated = Number(/: (\d+) statement\(s\) applied, 0 already done\./.exec(cleanPost.stdout)?.[1]);
  const second = await killUntilDone(resumed, `${name}_resumed`, 2, post);
  assert.ok(second.kills >= Math.floor(postCreated / 2) - 1, `the post-snapshot import was killed after every 2nd statement (${second.kills} for ${postCreated})`);

  assert.equal(schemaOf(`${name}_resumed`), schemaOf(`${name}_clean`), 'the resumed target has the schema of a clean import');
  console.log(`${name}: import schema killed ${first.kills} times before the data (${created} statements), ${second.kills} after it (${postCreated}); schema equal to a clean import`);
}

test('import schema killed again and again is resumed by rerunning it, before and after the data, without --ignore-exist: PostgreSQL source', async () => {
  await resumedEqualsClean('pg', dir, 4);
});

test('the same for a MariaDB source\'s converted schema', async () => {
  await my.createDatabase('shop');
  await my.sql('shop', SHOP_SCHEMA + MARIADB_EXTRA);
  const exportDir = await exportSchema(['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port),
    '--source-db-user', my.user, '--source-db-name', 'shop']);
  await resumedEqualsClean('mariadb', exportDir, 2);
});

test('the same for an Oracle source\'s converted schema (from its DDL files: no Oracle server)', async () => {
  const exportDir = await exportSchema(['--source-db-type', 'oracle', '--source-db-schema', 'shop', '--source-ddl-files', ORACLE_SHOP]);
  await resumedEqualsClean('oracle', exportDir, 3);
});

test('a table the target had before still stops the rerun; what the stopped run created is found done', async () => {
  const exportDir = copyOf(dir);
  {
    await pg.createDatabase('occupied');
    await pg.sql('occupied', `CREATE SCHEMA shop; CREATE TABLE shop.tags (id int PRIMARY KEY, label text NOT NULL UNIQUE);
                              INSERT INTO shop.tags VALUES (7, 'there before')`);
    const first = await importSchema(exportDir, 'occupied');
    assert.notEqual(first.code, 0);
    assert.match(first.stderr, /relation "tags" already exists/);
    // Statements before it ran and created their objects.
    const before = await pg.sql('occupied', `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                             WHERE n.nspname IN ('shop', 'analytics', 'Ops') AND c.relkind IN ('r', 'p')`);
    assert.ok(before[0].n > 1, 'the first run created tables before it stopped');

    // The rerun finds its own objects done and stops on the foreign one again.
    const second = await importSchema(exportDir, 'occupied');
    assert.notEqual(second.code, 0);
    const failures = /(\d+) schema statement\(s\) failed/.exec(second.stderr);
    assert.equal(failures?.[1], '1', `only the foreign table fails:\n${second.stderr}`);
    assert.match(second.stderr, /CREATE TABLE shop\.tags/);
    assert.match(second.stdout, /statement\(s\) that an earlier run of import schema had applied were found done\./);
    assert.deepEqual(await pg.sql('occupied', 'SELECT id, label FROM shop.tags'), [{ id: 7, label: 'there before' }], 'the foreign table is left as it was');

    // Accepting the target's own table is the user's decision.
    const third = await importSchema(exportDir, 'occupied', ['--ignore-exist', 'true']);
    assert.equal(third.code, 0, `import with --ignore-exist failed:\n${third.stdout}\n${third.stderr}`);
  }
});
