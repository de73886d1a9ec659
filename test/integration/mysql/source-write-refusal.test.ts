/**
 * A MariaDB source the fall-back could not write into (a privilege taken away while streaming):
 * `export data` finds it, and `initiate cutover to target --prepare-for-fall-back true` is refused
 * with nothing changed, then accepted once the GRANT is back. The same rule as on PostgreSQL
 * (`test/integration/postgres/fallback-guards.test.ts`), through MySQL's `checkWritePrerequisites`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { metaValue } from '../../helpers/export-dir-state.js';
import { cutoverStatus, eventually, killAll, startLiveMigration, startTandem, tail, waitCutover, type TandemProcess } from '../../helpers/live-process.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
  await my.createDatabase('shopw');
  await my.sql('shopw', "CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  // Every privilege docs/mysql.md lists for a live migration with fall-back.
  await my.sql(undefined, `CREATE USER 'migw'@'%' IDENTIFIED BY 'migw-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER, TRIGGER, LOCK TABLES ON shopw.* TO 'migw'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR, PROCESS ON *.* TO 'migw'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE, DROP ON ybvoyager_metadata.* TO 'migw'@'%'`);
  await pgs.createDatabase('ybw');
  // A table with a trigger created by root (another DEFINER), and a user with the documented grants but not SET USER.
  await my.createDatabase('shopt');
  await my.sql('shopt', `CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, item INT);
    CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (item) VALUES (NEW.id);
    INSERT INTO items VALUES (1, 'one')`);
  await my.sql(undefined, `SET GLOBAL log_bin_trust_function_creators = 1;
    CREATE USER 'migt'@'%' IDENTIFIED BY 'migt-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER, TRIGGER, LOCK TABLES ON shopt.* TO 'migt'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR, PROCESS ON *.* TO 'migt'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE, DROP ON ybvoyager_metadata.* TO 'migt'@'%'`);
  await pgs.createDatabase('ybt');
  await my.createDatabase('shopg');
  await my.sql('shopg', `CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE counters (name VARCHAR(10) PRIMARY KEY, n INT);
    INSERT INTO items VALUES (1, 'one'); INSERT INTO counters VALUES ('ins', 0)`);
  await my.sql(undefined, `CREATE USER 'migg'@'%' IDENTIFIED BY 'migg-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER, TRIGGER, LOCK TABLES ON shopg.* TO 'migg'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR, PROCESS ON *.* TO 'migg'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE, DROP ON ybvoyager_metadata.* TO 'migg'@'%'`);
  await pgs.createDatabase('ybg');
  await my.createDatabase('shoph');
  await my.sql('shoph', `CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE counters (name VARCHAR(10) PRIMARY KEY, n INT);
    INSERT INTO items VALUES (1, 'one'); INSERT INTO counters VALUES ('ins', 0)`);
  await my.sql(undefined, `GRANT SELECT, INSERT, UPDATE, DELETE, ALTER, TRIGGER, LOCK TABLES ON shoph.* TO 'migg'@'%'`);
  await pgs.createDatabase('ybh');
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

/** Initiates the cutover to target with fall-back (accepted) and waits until import data completes it. */
async function cutOverWithFallBack(dir: string, env: Record<string, string>, im: TandemProcess): Promise<string> {
  const ok = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
  assert.equal(ok.code, 0, ok.stderr);
  await eventually(async () => {
    if (im.exited() && (await im.done) !== 0) throw new Error(`import data exited with ${await im.done}:\n${tail(im.output())}`);
    const st = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target');
    return st?.status === 'COMPLETED' ? true : JSON.stringify(st);
  }, 90_000, 300);
  return ok.stdout;
}

test('a privilege taken away from the MariaDB migration user while streaming: initiate cutover with fall-back is refused before anything changes, and accepted once it is granted again', { timeout: 240_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: 'migw-pw', TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', 'migw', '--source-db-name', 'shopw'];
  let ex: TandemProcess | undefined;
  let dir = '';
  const problems = () => metaValue(dir, 'source_write_problems');
  /** Restarts the exporter (it looks at the source's write prerequisites at its start) and waits for that look's record. */
  const restartExporter = async (want: 'found' | 'clear') => {
    assert.equal(await ex!.kill('SIGINT'), 0);
    ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
    await ex.waitFor(/Streaming changes/, 60_000);
    await eventually(async () => ((problems() ? 'found' : 'clear') === want ? true : `source_write_problems not ${want} yet`), 30_000, 100);
  };
  try {
    let im: TandemProcess;
    ({ dir, ex, im } = await startLiveMigration(SF, targetFlags(pgs, 'ybw'), env));
    await my.sql(undefined, "REVOKE DELETE ON shopw.* FROM 'migw'@'%'");
    await restartExporter('found');
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error \[TANDEM_PREREQUISITE\]: A fall-back could not write into the source: User migw may not write the target's changes into shopw\.items \(lacks DELETE\).*\("export data from source" found it at \S+\.\) Nothing was changed\./);
    assert.match(r.stderr, /fix: GRANT INSERT, UPDATE, DELETE ON `shopw`\.\* TO 'migw'@'%';.*"export data from source" looks again every minute/);
    assert.equal((await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target')?.status, 'NOT_INITIATED');

    await my.sql(undefined, "GRANT DELETE ON shopw.* TO 'migw'@'%'");
    await restartExporter('clear');
    await cutOverWithFallBack(dir, env, im);
    assert.deepEqual(await pgs.sql('ybw', 'SELECT id, v FROM public.items ORDER BY id'), [{ id: 1, v: 'one' }, { id: 2, v: 'two' }]);
  } finally {
    await killAll();
  }
});

test('--disable-triggers-and-fks true with a trigger of another DEFINER the user may not recreate: initiate cutover with fall-back is refused before anything changes, and accepted once SET USER is granted (measured before: the cutover completed and import data to source refused after it; the mysql-hostile run)', { timeout: 240_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: 'migt-pw', TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', 'migt', '--source-db-name', 'shopt'];
  const exportArgs = (dir: string) => ['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', '--disable-triggers-and-fks', 'true'];
  try {
    const dir = newExportDir();
    for (const args of [['export', 'schema', '--export-dir', dir, ...SF], ['import', 'schema', '--export-dir', dir, ...targetFlags(pgs, 'ybt')]]) {
      const r = await runTandem(args, env);
      assert.equal(r.code, 0, r.stderr);
    }
    let ex = startTandem(exportArgs(dir), env);
    await ex.waitFor(/Streaming changes/, 60_000);
    assert.match(ex.output(), /--disable-triggers-and-fks true: fix this before the cutover to target/);
    const im = startTandem(['import', 'data', '--export-dir', dir, ...targetFlags(pgs, 'ybt')], env);
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    await eventually(async () => (metaValue(dir, 'source_write_problems') ? true : 'not recorded yet'), 30_000, 100);
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error \[TANDEM_PREREQUISITE\]: A fall-back could not write into the source: --disable-triggers-and-fks true: Trigger\(s\) items_ai \(DEFINER `root`@`[^`]+`\) on shopt belong to another user, and 'migt' may not create a trigger for another DEFINER.* Nothing was changed\./);
    assert.match(r.stderr, /fix: GRANT SET USER ON \*\.\* TO 'migt'@'<host>';/);
    assert.equal((await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target')?.status, 'NOT_INITIATED');
    // A restarted export says it at once (measured before: nothing, until initiate was refused; the docs-claims run).
    assert.equal(await ex.kill('SIGINT'), 0);
    ex = startTandem(exportArgs(dir), env);
    await ex.waitFor(/"import data to source" could not write a fall-back into the source now: --disable-triggers-and-fks true: Trigger\(s\) items_ai \(DEFINER `root`@`[^`]+`\) on shopt belong to another user/, 30_000);

    await my.sql(undefined, "GRANT SET USER ON *.* TO 'migt'@'%'");
    assert.equal(await ex.kill('SIGINT'), 0);
    ex = startTandem(exportArgs(dir), env);
    await ex.waitFor(/Streaming changes/, 60_000);
    await eventually(async () => (metaValue(dir, 'source_write_problems') ? 'still recorded' : true), 30_000, 100);
    const said = await cutOverWithFallBack(dir, env, im);
    // What the exporter found is named (measured before: only "its triggers, and its foreign keys…", also where there were none).
    assert.match(said, /must be switched off first \(the spec's manual step\): trigger on shopt\.items: AFTER INSERT trigger items_ai \(as "export data from source" last found at \S+\)\. Before its first write/);
    // The fall-back starts: the trigger is switched off by Tandem (it may now recreate it).
    await ex.waitFor(/Applying the changes captured on the target to the source/, 60_000);
  } finally {
    await killAll();
  }
});

/**
 * A live migration of `db` (as migg) into `yb`, cut over with fall-back, its fall-back writing and
 * both tables verified early; the write guard's watch looks every `watchMs`.
 */
async function fallBackVerifiedEarly(db: string, yb: string, watchMs: number): Promise<{ dir: string; ex: TandemProcess; env: Record<string, string> }> {
  const env = { SOURCE_DB_PASSWORD: 'migg-pw', TARGET_DB_PASSWORD: pgs.password, TANDEM_GUARD_WATCH_MS: String(watchMs) };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', 'migg', '--source-db-name', db];
  const { dir, ex, im } = await startLiveMigration(SF, targetFlags(pgs, yb), env);
  await cutOverWithFallBack(dir, env, im);
  await ex.waitFor(/Applying the changes captured on the target to the source/, 60_000);
  await ex.waitFor(/Verified 2 table\(s\) ahead of the cutover/, 60_000);
  return { dir, ex, env };
}

// The mysql-live-edges run: a trigger created on the source after "import data to source" had
// checked them fired for every write of the fall-back (100,776 extra increments), and the cutover to
// source said "verification MATCH for every table": the table it wrote had matched early.
test('a trigger created on the MariaDB source while the fall-back writes: the writes stop, naming it, and go on once it is gone; the cutover to source then compares every table', { timeout: 240_000 }, async () => {
  try {
    const { dir, ex, env } = await fallBackVerifiedEarly('shopg', 'ybg', 300);
    await my.sql('shopg', "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW UPDATE counters SET n = n + 1 WHERE name = 'ins'");
    await ex.waitFor(/something now acts on the tables the target's changes are written to, which Tandem's writes would set off: trigger on shopg.items: AFTER INSERT trigger items_ai\. Writing stopped/, 30_000);
    await ex.waitFor(/Waiting until they are disabled; nothing is written to the source before/, 30_000);
    await pgs.sql('ybg', "INSERT INTO public.items VALUES (2, 'two'), (3, 'three')");
    await my.sql('shopg', 'DROP TRIGGER items_ai');
    await ex.waitFor(/Nothing acts on the written tables any more/, 30_000);
    await eventually(async () => ((await my.sql('shopg', 'SELECT count(*) AS n FROM items'))[0]!.n === 3 ? true : 'not applied yet'), 30_000, 200);
    assert.deepEqual((await my.sql('shopg', "SELECT n FROM counters WHERE name = 'ins'")).map((r) => r.n), [0], 'the trigger never fired');
    const r = await runTandem(['initiate', 'cutover', 'to', 'source', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    await waitCutover(dir, env, 'cutover to source');
    const st = await runTandem(['cutover', 'status', '--export-dir', dir], env);
    assert.match(st.stdout, /Cutover to source: verification MATCH for every table/);
    assert.doesNotMatch(st.stdout, /matched before the marker and were not scanned again/, 'no early match trusted');
  } finally {
    await killAll();
  }
});

// Before, such a trigger (created after the watch's last look) fired for the last writes, and the
// cutover to source found the table it wrote a MISMATCH: the writer now meets it in its own
// transaction.
test('a trigger created on the MariaDB source while the fall-back writes, before the watch looks: the writer meets it in the transaction, which is rolled back, and waits; it never fires, and once it is dropped the writes go on and every table matches', { timeout: 240_000 }, async () => {
  // The watch looks only every 10 minutes here.
  try {
    const { dir, ex, env } = await fallBackVerifiedEarly('shoph', 'ybh', 600_000);
    await my.sql('shoph', "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW UPDATE counters SET n = n + 1 WHERE name = 'ins'");
    await pgs.sql('ybh', "INSERT INTO public.items VALUES (2, 'two'), (3, 'three')");
    await ex.waitFor(/something now acts on the tables the target's changes are written to, which Tandem's writes would set off: trigger on shoph\.items: AFTER INSERT trigger items_ai\. The transaction that met it was rolled back, so it acted on none of Tandem's writes; writing goes on once it is off again\./, 30_000);
    await ex.waitFor(/Waiting until they are disabled; nothing is written to the source before/, 30_000);
    assert.deepEqual(await my.sql('shoph', 'SELECT id FROM items ORDER BY id'), [{ id: 1 }], 'nothing of the batch was written');
    await my.sql('shoph', 'DROP TRIGGER items_ai');
    await ex.waitFor(/Nothing acts on the written tables any more/, 30_000);
    await eventually(async () => ((await my.sql('shoph', 'SELECT count(*) AS n FROM items'))[0]!.n === 3 ? true : 'not applied yet'), 30_000, 200);
    assert.deepEqual((await my.sql('shoph', "SELECT n FROM counters WHERE name = 'ins'")).map((r) => r.n), [0], 'the trigger never fired');
    const r = await runTandem(['initiate', 'cutover', 'to', 'source', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    await waitCutover(dir, env, 'cutover to source');
    const st = await runTandem(['cutover', 'status', '--export-dir', dir], env);
    assert.match(st.stdout, /Cutover to source: verification MATCH for every table/);
  } finally {
    await killAll();
  }
});

// The server-restarts run: a source made read-only to stop the application before the cutover left
// the fall-back writer failing with a hint about a schema difference.
test('a read-only MariaDB source (read_only = 1, a user without READ ONLY ADMIN) is a fall-back write problem named as such, and the writer\'s hint says so', async () => {
  const { MySqlSourceCatalog } = await import('../../../src/adapters/mysql/mysql-source-catalog.js');
  const { applyErrorHint } = await import('../../../src/adapters/mysql/writer/apply-error-hints.js');
  const catalog = await MySqlSourceCatalog.open({ role: 'source', type: 'mysql', host: my.host, port: my.port, user: 'migw', password: 'migw-pw', database: 'shopw', schemas: [], sslMode: 'disable' });
  try {
    const tables = await catalog.listTables(['public']);
    assert.deepEqual(await catalog.checkWritePrerequisites(tables), []);
    await my.sql(undefined, 'SET GLOBAL read_only = 1');
    const found = await catalog.checkWritePrerequisites(tables);
    assert.deepEqual(found.map((f) => [f.severity, f.code]), [['error', 'TANDEM_PREREQUISITE']]);
    assert.match(found[0]!.message, /^The source shopw is read-only for user migw \(.*read-only.*\): if the migration falls back, "import data to source" could write nothing into it\.$/);
    assert.match(found[0]!.fix, /SET GLOBAL read_only = 0;.*READ ONLY ADMIN/);
    assert.match(applyErrorHint(1290, 'The MariaDB server is running with the --read-only option so it cannot execute this statement'), /^The source is read-only \(The MariaDB server is running with the --read-only option/);
  } finally {
    await my.sql(undefined, 'SET GLOBAL read_only = 0');
    await catalog.close();
  }
});

// The server-restarts run: while a read-only MariaDB refused the cutover marker, cutover status said
// only "waiting for … to write the cutover marker"; the exporter's warning was the only word of why.
test('a read-only MariaDB refusing the cutover marker: cutover status says why while the exporter retries, and the cutover completes once it is writable', { timeout: 240_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: 'migw-pw', TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', 'migw', '--source-db-name', 'shopw'];
  await pgs.createDatabase('ybro');
  try {
    const { dir, ex, im } = await startLiveMigration(SF, targetFlags(pgs, 'ybro'), env);
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    await my.sql(undefined, 'SET GLOBAL read_only = 1');
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    await ex.waitFor(/could not write the cutover marker into the source's .*read-only.*retrying every 5 s/, 30_000);
    const status = await runTandem(['cutover', 'status', '--export-dir', dir], env);
    assert.match(status.stdout, /waiting for "export data from source" to write the cutover marker \(it cannot yet: .*read-only.*; it tries again every 5 s\)/);
    await my.sql(undefined, 'SET GLOBAL read_only = 0');
    await eventually(async () => ((await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target')?.status === 'COMPLETED' ? true : 'not yet'), 90_000, 300);
    assert.doesNotMatch((await runTandem(['cutover', 'status', '--export-dir', dir], env)).stdout, /it cannot yet/);
  } finally {
    await my.sql(undefined, 'SET GLOBAL read_only = 0');
    await killAll();
  }
});
