/**
 * Transactions open on a MariaDB source when a cutover ends its stream: one that commits afterwards
 * would have its rows lost (the stream ends at the marker), so the cutover names it and keeps the
 * stream, as on PostgreSQL. Read-only transactions are not named; an XA transaction left prepared by
 * its session is; a user without PROCESS (which INNODB_TRX needs) is warned at the export's start
 * and the cutover keeps the stream, saying it could not look.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { runTandem, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, startLiveMigration, tail, type TandemProcess } from '../../helpers/live-process.js';
import { sourceConfig } from './binlog-helpers.js';
import { MySqlChangeCapture } from '../../../src/adapters/mysql/mysql-change-capture.js';
import { checkCapturePrerequisites } from '../../../src/adapters/mysql/capture/prerequisites.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
  await my.createDatabase('shop');
  await my.sql('shop', 'CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO items VALUES (1, \'one\')');
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

const capture = (user?: string, password?: string) => new MySqlChangeCapture(sourceConfig(my, 'shop', user, password), { id: '00000000-0000-4000-8000-000000000001', side: 'source' });

test('openWriters names a writing session and an XA transaction left prepared, not a reader or an idle session', async () => {
  const sessions: Connection[] = [];
  try {
    const [reader, writer, xa, idle] = await Promise.all([my.connect('shop'), my.connect('shop'), my.connect('shop'), my.connect('shop')]);
    sessions.push(reader!, writer!, idle!);
    await reader!.query('BEGIN');
    await reader!.query('SELECT * FROM items');
    assert.deepEqual(await capture().openWriters(), { open: [] }, 'a read-only transaction has written nothing');
    await writer!.query('BEGIN');
    await writer!.query("INSERT INTO items VALUES (2, 'two'), (3, 'three')");
    await xa!.query("XA START 'tandem-xa'");
    await xa!.query("UPDATE items SET v = 'uno' WHERE id = 1");
    await xa!.query("XA END 'tandem-xa'");
    await xa!.query("XA PREPARE 'tandem-xa'");
    await xa!.end(); // MariaDB keeps a prepared XA transaction after its session ends
    const [[{ id }]] = await writer!.query('SELECT CONNECTION_ID() AS id') as unknown as [[{ id: number }]];
    const { open, unknown } = await capture().openWriters();
    assert.equal(unknown, undefined);
    assert.equal(open.length, 2, JSON.stringify(open));
    assert.match(open.find((o) => o.startsWith('session'))!, new RegExp(`^session ${id} \\(user root@127\\.0\\.0\\.1:\\d+, database shop, 2 rows modified, transaction open since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d server time\\)$`));
    assert.match(open.find((o) => !o.startsWith('session'))!, /^a transaction prepared with XA and left by its session \(1 row modified, open since .+ server time; XA RECOVER lists it\)$/);
    await writer!.query('ROLLBACK');
    await my.sql('shop', "XA ROLLBACK 'tandem-xa'");
    assert.deepEqual(await capture().openWriters(), { open: [] });
  } finally {
    for (const s of sessions) await s.end().catch(() => {});
  }
});

test('without PROCESS: a warning at the export\'s start, and openWriters says it could not look, with the GRANT', async () => {
  await my.sql(undefined, "CREATE USER 'noproc'@'%' IDENTIFIED BY 'np-pw'; GRANT SELECT ON shop.* TO 'noproc'@'%'");
  const report = await checkCapturePrerequisites({ source: sourceConfig(my, 'shop', 'noproc', 'np-pw'), tables: [{ database: 'shop', table: 'items', primaryKey: ['id'] }] });
  assert.deepEqual(report.findings.find((f) => f.check === 'privilege_process'), {
    check: 'privilege_process', severity: 'warning',
    message: "User 'noproc'@'%' may not see other sessions' transactions (PROCESS privilege missing): at the cutover Tandem cannot tell whether one still open would commit writes after the stream ends, and keeps the stream as if one were.",
    fix: "GRANT PROCESS ON *.* TO 'noproc'@'%';",
  });
  assert.deepEqual(await capture('noproc', 'np-pw').openWriters(), {
    open: [], unknown: "user 'noproc'@'%' may not see other sessions' transactions, PROCESS privilege missing: GRANT PROCESS ON *.* TO 'noproc'@'%';",
  });
  // Nor LOCK TABLES: the cutover cannot hold writes while it ends the stream (probed on a table that does not exist).
  assert.deepEqual(report.findings.find((f) => f.check === 'privilege_lock_tables'), {
    check: 'privilege_lock_tables', severity: 'warning',
    message: "User 'noproc'@'%' may not LOCK TABLES on shop: at the cutover Tandem cannot hold writes to the migrated tables while it ends the stream (a write committed at that moment would be neither migrated nor reported), so it keeps the stream's markers and says so, as if a write had been found.",
    fix: "GRANT LOCK TABLES ON `shop`.* TO 'noproc'@'%';",
  });
  await assert.rejects(capture('noproc', 'np-pw').holdWrites([{ schema: 'shop', name: 'items' }], 1000), { message: "the user may not LOCK TABLES on shop: GRANT LOCK TABLES ON `shop`.* TO 'noproc'@'<host>';" });
  // root has PROCESS and LOCK TABLES: no such findings.
  const ok = await checkCapturePrerequisites({ source: sourceConfig(my, 'shop'), tables: [{ database: 'shop', table: 'items', primaryKey: ['id'] }] });
  assert.equal(ok.findings.find((f) => f.check === 'privilege_process'), undefined);
  assert.equal(ok.findings.find((f) => f.check === 'privilege_lock_tables'), undefined);
  assert.deepEqual(await my.sql('shop', "SHOW TABLES LIKE 'tandem_privilege_probe'"), [], 'the probe created nothing');
});

test('holdWrites: a writer waits until the hold is released, a reader does not; a transaction that has written a held table makes it fail within its timeout; a table that is gone is left out', async () => {
  await my.sql('shop', 'CREATE TABLE held_b (id INT PRIMARY KEY)');
  const [writer, reader] = await Promise.all([my.connect('shop'), my.connect('shop')]);
  try {
    const tables = [{ schema: 'shop', name: 'items' }, { schema: 'shop', name: 'held_b' }, { schema: 'shop', name: 'gone_since' }];
    const hold = await capture().holdWrites(tables, 5000);
    let settled = false;
    const started = Date.now();
    const insert = writer!.query('INSERT INTO held_b VALUES (1)').finally(() => { settled = true; });
    assert.deepEqual(((await reader!.query('SELECT COUNT(*) AS n FROM items'))[0] as { n: number }[])[0]!.n >= 1, true, 'a reader is not held');
    await sleep(800);
    assert.equal(settled, false, 'the insert waits for the hold');
    const states = await my.sql(undefined, "SELECT STATE AS s FROM information_schema.PROCESSLIST WHERE INFO = 'INSERT INTO held_b VALUES (1)'");
    assert.deepEqual(states.map((x) => x.s), ['Waiting for table metadata lock']);
    await hold.release();
    await hold.release(); // idempotent
    await insert;
    assert.ok(Date.now() - started >= 800);
    // A transaction that has written held_b and not ended: the hold gives up after its timeout (1 s), nothing held.
    await writer!.query('BEGIN');
    await writer!.query('INSERT INTO held_b VALUES (2)');
    const t0 = Date.now();
    await assert.rejects(capture().holdWrites(tables, 1000), /Lock wait timeout exceeded/);
    assert.ok(Date.now() - t0 < 4000, `gave up after ${Date.now() - t0} ms`);
    await writer!.query('COMMIT');
    assert.deepEqual(await my.sql('shop', 'SELECT id FROM held_b ORDER BY id'), [{ id: 1 }, { id: 2 }]);
  } finally {
    await Promise.all([writer!.end().catch(() => {}), reader!.end().catch(() => {}), my.sql('shop', 'DROP TABLE IF EXISTS held_b')]);
  }
});

test('a write on the MariaDB source while the cutover ends its stream waits until the marker rows are dropped: none commits between the look for late writes and the drop unreported (measured before: MySQL had no hold)', { timeout: 240_000 }, async () => {
  await pgs.createDatabase('yb_hold');
  const hitLog = join(mkdtempSync(join(tmpdir(), 'tandem-fp-')), 'hits');
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_FAILPOINTS: 'stream.before-drop=delay:4000', TANDEM_FAILPOINT_LOG: hitLog };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const late = await my.connect('shop');
  try {
    const { dir, ex } = await startLiveMigration(SF, targetFlags(pgs, 'yb_hold'), env);
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (existsSync(hitLog) && readFileSync(hitLog, 'utf8').includes('stream.before-drop') ? true : 'not at the pause yet'), 90_000, 20);
    // The application forgot to stop: one insert now, after the look for late writes, before the drop.
    let settled = false;
    const started = Date.now();
    const insert = late.query("INSERT INTO items VALUES (30, 'late')").finally(() => { settled = true; });
    await sleep(1000);
    assert.equal(settled, false, 'the insert did not commit while the stream was ending');
    const states = await my.sql(undefined, "SELECT STATE AS s FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO items VALUES (30%'");
    assert.deepEqual(states.map((x) => x.s), ['Waiting for table metadata lock']);
    assert.equal(await ex.done, 0, tail(ex.output()));
    await insert;
    assert.ok(Date.now() - started >= 2000, 'released only after the pause, once the stream was dropped');
    assert.match(ex.output(), /Dropped the marker rows of binlog stream \S+ .* on the source\./);
    await eventually(async () => {
      const st = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target');
      return st?.status === 'COMPLETED' ? true : JSON.stringify(st);
    }, 90_000, 300);
    const row = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target')!;
    assert.equal((row.detail as { writesAfterMarker?: string }).writesAfterMarker, undefined, 'nothing was written between the marker and the drop');
    // The insert came after the stream ended: the source has it, the target not.
    assert.deepEqual(await pgs.sql('yb_hold', 'SELECT count(*)::int AS n FROM public.items WHERE id = 30'), [{ n: 0 }]);
  } finally {
    await late.end().catch(() => {});
    await killAll();
    await my.sql('shop', 'DELETE FROM items WHERE id = 30');
  }
});

test('a transaction open on the MariaDB source when the cutover ends its stream, committed afterwards: named, and the stream kept (measured before: its markers dropped, the row lost unreported)', { timeout: 240_000 }, async () => {
  await pgs.createDatabase('yb');
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '2000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  const open = await my.connect('shop');
  try {
    let dir: string;
    ({ dir, ex, im } = await startLiveMigration(SF, targetFlags(pgs, 'yb'), env));
    // Begun before the cutover, committed after it (a batch job, or a transaction manager's).
    await open.query('BEGIN');
    await open.query("INSERT INTO items VALUES (10, 'open across')");
    const r = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await ex.done, 0, `the exporter ends at the marker:\n${tail(ex.output())}`);
    await eventually(async () => {
      if (im!.exited() && (await im!.done) !== 0) throw new Error(`import data exited with ${await im!.done}:\n${tail(im!.output())}`);
      const s = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target');
      return s?.status === 'COMPLETED' ? true : JSON.stringify(s);
    }, 90_000, 300);
    const row = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target')!;
    const detail = row.detail as { writesAfterMarker?: string; keptSlot?: string };
    assert.match(String(detail.writesAfterMarker), /^transactions open on the source when its change stream ended \(what they commit is NOT migrated\): session \d+ \(user root@127\.0\.0\.1:\d+, database shop, 1 row modified, transaction open since /, JSON.stringify(detail));
    assert.match(String(detail.keptSlot), /^source:tandem_/);
    assert.match(ex.output(), /Transactions open on the source when its change stream ended \(what they commit is NOT migrated\): session \d+/);
    // MySQL keeps no change for Tandem: the message says the writes are carried over by hand (measured before: "kept so nothing is lost").
    assert.match(ex.output(), /\(its marker rows\) is kept, to show where the writes above start; the source keeps no change for Tandem, and no Tandem command applies them: carry them over by hand/);
    // The stream's markers are kept (not dropped), so its position can still be read from.
    const markers = await my.sql(undefined, 'SELECT COUNT(*) AS n FROM ybvoyager_metadata.tandem_markers');
    assert.ok(Number(markers[0].n) > 0, 'the stream\'s marker rows are kept');
    await open.query('COMMIT');
    assert.deepEqual(await pgs.sql('yb', 'SELECT count(*)::int AS n FROM public.items WHERE id = 10'), [{ n: 0 }], 'committed after the stream ended: not on the target (as reported)');
  } finally {
    await open.query('ROLLBACK').catch(() => {});
    await open.end().catch(() => {});
    await killAll();
  }
});
