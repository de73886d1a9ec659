/**
 * The capture prerequisites against real MariaDB servers: a good one, one with a statement binlog
 * and minimal row images, one without a binlog, and users missing privileges.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import {
  checkCapturePrerequisites,
  requireCapturePrerequisites,
  type CapturePrerequisiteFinding,
} from '../../../src/adapters/mysql/capture/prerequisites.js';
import { BinlogCapture } from '../../../src/adapters/mysql/capture/binlog-capture.js';
import { TandemError } from '../../../src/core/errors.js';
import { captureUntil, positionNow, sourceConfig } from './binlog-helpers.js';

let good: MariaDbServer;

const TABLES = [
  { database: 'shop', table: 'orders', primaryKey: ['id'] },
  { database: 'shop', table: 'audit', primaryKey: [] },
];

before(async () => {
  good = await startMariaDb({ 'log-bin-compress': 'ON' });
  await good.createDatabase('shop');
  await good.sql('shop', 'CREATE TABLE orders (id int PRIMARY KEY, v int); CREATE TABLE audit (at datetime, what text)');
});

after(async () => {
  await good?.stop();
});

function summary(findings: readonly CapturePrerequisiteFinding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.check}`);
}

test('a good source: only the table without a primary key is an error; checksum, compression, GTIDs and retention are reported', async () => {
  const report = await checkCapturePrerequisites({ source: sourceConfig(good, 'shop'), tables: TABLES });
  assert.equal(report.flavor, 'mariadb');
  assert.deepEqual(summary(report.findings), [
    'info binlog_checksum', 'info log_bin_compress', 'info gtid', 'error primary_key', 'info retention',
  ]);
  const pk = report.findings.find((f) => f.check === 'primary_key')!;
  assert.equal(pk.message, 'shop.audit has no primary key, so a change to one of its rows cannot be applied to exactly that row on the target.');
  assert.equal(pk.fix, 'ALTER TABLE `shop`.`audit` ADD PRIMARY KEY (…); or leave the table out with --exclude-table-list audit (table lists name it without the MySQL database, or with the target\'s schema).');
  assert.equal(report.findings.find((f) => f.check === 'binlog_checksum')!.message, 'binlog_checksum is CRC32: every event is verified.');
  assert.equal(report.retention?.setting, 'binlog_expire_logs_seconds = 0');
  assert.equal(report.retention?.safeStopSeconds, null);
  assert.throws(() => requireCapturePrerequisites(report), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /shop\.audit has no primary key/.test(e.message));
  const ok = await checkCapturePrerequisites({ source: sourceConfig(good, 'shop'), tables: [TABLES[0]!] });
  assert.deepEqual(summary(requireCapturePrerequisites(ok)), ['info binlog_checksum', 'info log_bin_compress', 'info gtid', 'info retention']);
});

test('a user without replication privileges or SELECT: each missing grant is a finding with its GRANT', async () => {
  await good.sql(undefined, "CREATE USER 'weak'@'%' IDENTIFIED BY 'weak-pw'; GRANT SELECT ON shop.audit TO 'weak'@'%'");
  const weak = sourceConfig(good, 'shop', 'weak', 'weak-pw');
  const report = await checkCapturePrerequisites({ source: weak, tables: [TABLES[0]!] });
  const errors = report.findings.filter((f) => f.severity === 'error');
  assert.deepEqual(errors, [
    {
      check: 'privilege_replication_client', severity: 'error',
      message: "User 'weak'@'%' may not list the binlogs (BINLOG MONITOR privilege missing).",
      fix: "GRANT BINLOG MONITOR ON *.* TO 'weak'@'%';",
    },
    {
      check: 'privilege_replication_slave', severity: 'error',
      message: "User 'weak'@'%' may not read the binlog as a replica (REPLICATION SLAVE privilege missing).",
      fix: "GRANT REPLICATION SLAVE ON *.* TO 'weak'@'%';",
    },
    {
      check: 'privilege_select', severity: 'error',
      message: "User 'weak'@'%' may not read shop.orders (SELECT privilege missing).",
      fix: "GRANT SELECT ON `shop`.* TO 'weak'@'%';",
    },
    {
      check: 'privilege_metadata', severity: 'error',
      message: "User 'weak'@'%' may not use Tandem's metadata database ybvoyager_metadata (CREATE, SELECT, INSERT, UPDATE, DELETE privileges missing): "
        + 'live migration keeps its marker table there, and a fall-back its progress.',
      fix: "GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON `ybvoyager_metadata`.* TO 'weak'@'%';",
    },
  ]);
  assert.throws(() => requireCapturePrerequisites(report), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE'
    && /GRANT REPLICATION SLAVE ON \*\.\* TO 'weak'@'%';/.test(e.hint ?? ''));

  // The capture itself, without REPLICATION SLAVE, says the same.
  const from = await positionNow(good, 'shop');
  const capture = BinlogCapture.start({ source: weak, serverId: 2_000_000_300, tables: [] }, from);
  await assert.rejects((async () => { for await (const _ of capture) { /* nothing arrives */ } })(),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE' && /REPLICATION SLAVE/.test(e.hint ?? ''));

  await good.sql(undefined, "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'weak'@'%'; GRANT SELECT ON shop.* TO 'weak'@'%'; GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON ybvoyager_metadata.* TO 'weak'@'%'");
  const granted = await checkCapturePrerequisites({ source: weak, tables: [TABLES[0]!] });
  assert.deepEqual(granted.findings.filter((f) => f.severity === 'error'), []);
});

test('statement binlog, minimal row images and a short retention: errors and a warning with their fixes', async () => {
  const bad = await startMariaDb({ 'binlog-format': 'STATEMENT', 'binlog-row-image': 'MINIMAL', 'binlog-expire-logs-seconds': 3600, 'binlog-checksum': 'NONE' });
  try {
    await bad.createDatabase('shop');
    await bad.sql('shop', 'CREATE TABLE orders (id int PRIMARY KEY)');
    const report = await checkCapturePrerequisites({ source: sourceConfig(bad, 'shop'), tables: [TABLES[0]!] });
    assert.deepEqual(summary(report.findings), ['error binlog_format', 'error binlog_row_image', 'info binlog_checksum', 'info gtid', 'warning retention']);
    const format = report.findings.find((f) => f.check === 'binlog_format')!;
    assert.match(format.message, /^binlog_format is STATEMENT, but change capture needs ROW/);
    assert.match(format.fix!, /^SET GLOBAL binlog_format = 'ROW'; and binlog_format = ROW in the \[mariadbd\] section/);
    assert.match(report.findings.find((f) => f.check === 'binlog_row_image')!.message, /^binlog_row_image is MINIMAL/);
    assert.equal(report.findings.find((f) => f.check === 'binlog_checksum')!.message, 'binlog_checksum is NONE.');
    assert.match(report.retention!.message, /purges binlogs older than 1 hour \(binlog_expire_logs_seconds = 3600\)/);
    assert.throws(() => requireCapturePrerequisites(report), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE'
      && /binlog_format is STATEMENT/.test(e.message) && /binlog_row_image is MINIMAL/.test(e.message));
  } finally {
    await bad.stop();
  }
});

test('no binlog at all: one error that says how to turn it on', async () => {
  const none = await startMariaDb({ 'log-bin': null });
  try {
    await none.createDatabase('shop');
    await none.sql('shop', 'CREATE TABLE orders (id int PRIMARY KEY)');
    const report = await checkCapturePrerequisites({ source: sourceConfig(none, 'shop'), tables: [TABLES[0]!] });
    assert.deepEqual(summary(report.findings), ['error log_bin']);
    assert.match(report.findings[0]!.fix!, /log_bin = mysql-bin, binlog_format = ROW, binlog_row_image = FULL, server_id = 1; then restart the server/);
    assert.equal(report.retention, undefined);
  } finally {
    await none.stop();
  }
});

test('a restart whose binlog file is gone: the retention finding is an error', async () => {
  const report = await checkCapturePrerequisites({ source: sourceConfig(good, 'shop'), tables: [TABLES[0]!], neededFile: 'binlog.000000' });
  const r = report.findings.find((f) => f.check === 'retention')!;
  assert.equal(r.severity, 'error');
  assert.match(r.message, /binlog\.000000 that the migration resumes from is no longer on the source/);
});

test('log_bin_compress=ON: compressed row and query events through a live dump', async () => {
  await good.sql('shop', 'CREATE TABLE notes (id int PRIMARY KEY, body text)');
  const from = await positionNow(good, 'shop');
  await good.sql('shop', "INSERT INTO notes VALUES (1, REPEAT('compress me ', 200)); UPDATE notes SET body = 'short' WHERE id = 1; DELETE FROM notes");
  const notes = { database: 'shop', table: 'notes', columns: [{ name: 'id', unsigned: false }, { name: 'body', charset: 'utf8mb4' }], primaryKey: ['id'] };
  const txs = await captureUntil({ source: sourceConfig(good, 'shop'), serverId: 2_000_000_301, tables: [notes] }, from, (all) => all.length >= 3);
  assert.deepEqual(txs.map((t) => t.events.map((e) => [e.op, e.after?.body?.length ?? null])), [[['c', 2400]], [['u', 5]], [['d', null]]]);
  const events = await good.sql(undefined, 'SHOW BINLOG EVENTS');
  assert.ok(events.some((e) => /_compressed/i.test(String(e.Event_type))), 'the server wrote compressed events');
});

test('binlog filters that leave out the migrated database or the metadata database are an error naming the setting (before: every change after the snapshot silently missing)', async () => {
  const ignoring = await startMariaDb({ 'binlog-ignore-db': 'shop' });
  try {
    await ignoring.createDatabase('shop');
    await ignoring.sql('shop', 'CREATE TABLE orders (id int PRIMARY KEY)');
    const report = await checkCapturePrerequisites({ source: sourceConfig(ignoring, 'shop'), tables: [TABLES[0]!] });
    const filter = report.findings.filter((f) => f.check === 'binlog_filter');
    assert.deepEqual(filter.map((f) => f.severity), ['error']);
    assert.equal(filter[0]!.message, "The source's binlog leaves out the changes of shop (binlog-ignore-db (shop)), so capture would never see them: the snapshot would be migrated and every later change lost.");
    assert.match(filter[0]!.fix!, /^Remove binlog-ignore-db = shop from the \[mariadbd\] section/);
    assert.throws(() => requireCapturePrerequisites(report), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && /binlog-ignore-db/.test(e.message));
    // The filter is real: a change of shop is not in the binlog.
    const from = await positionNow(ignoring, 'shop');
    await ignoring.sql('shop', 'INSERT INTO orders VALUES (1)');
    assert.equal(await positionNow(ignoring, 'shop'), from, 'nothing was logged');
  } finally {
    await ignoring.stop();
  }
});

test('a source that is a replica without log_slave_updates is an error (its primary\'s changes are not in its binlog); read with the replication list, or from Slaves_running by a user who may not list it', async () => {
  await good.sql(undefined, "CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'");
  const replica = await startMariaDb({ 'binlog-do-db': 'shop', 'log-slave-updates': 'OFF' });
  try {
    // The replica replays the primary's binlog from its start: shop and its tables included.
    await replica.sql(undefined, `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${good.port}, MASTER_USER = 'repl', MASTER_PASSWORD = 'repl-pw', MASTER_USE_GTID = current_pos;
      START SLAVE`);
    const from = await positionNow(replica, 'mysql');
    await good.sql('shop', 'INSERT INTO orders VALUES (7, 7)');
    // shop itself arrives by replication: until then, not seen.
    const seen = async () => (await replica.sql(undefined, 'SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = \'shop\' AND TABLE_NAME = \'orders\'') as Array<{ n: number }>)[0]!.n > 0
      ? (await replica.sql('shop', 'SELECT count(*) AS n FROM orders WHERE id = 7') as Array<{ n: number }>)[0]!.n : 0;
    for (let i = 0; i < 100 && Number(await seen()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(Number(await seen()), 1, 'the replica applied its primary\'s change');
    assert.equal(await positionNow(replica, 'mysql'), from, 'and did not log it');
    const report = await checkCapturePrerequisites({ source: sourceConfig(replica, 'shop'), tables: [TABLES[0]!] });
    const errors = report.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => f.check), ['binlog_filter', 'replica']);
    assert.match(errors[0]!.message, /^The source's binlog leaves out the changes of ybvoyager_metadata \(binlog-do-db \(shop\)\)/);
    assert.equal(errors[1]!.message, `The source is a replica of 127.0.0.1:${good.port} and log_slave_updates is OFF: the changes it applies from its primary (the application's writes) are not written to its binlog, so capture would never see them.`);
    assert.match(errors[1]!.fix!, /^Add log_slave_updates = ON to the \[mariadbd\] section of the server configuration and restart the server \(or migrate from the primary itself\)/);
    // A user without SLAVE MONITOR: the running replication thread still tells.
    await replica.sql(undefined, "SET SESSION sql_log_bin = 0; CREATE USER 'tandem'@'%' IDENTIFIED BY 'tandem-pw'; GRANT SELECT, BINLOG MONITOR, REPLICATION SLAVE ON *.* TO 'tandem'@'%'");
    const weak = await checkCapturePrerequisites({ source: sourceConfig(replica, 'shop', 'tandem', 'tandem-pw'), tables: [TABLES[0]!] });
    const replicaFinding = weak.findings.find((f) => f.check === 'replica');
    assert.equal(replicaFinding?.severity, 'error');
    assert.match(replicaFinding!.message, /^The source is a replica and log_slave_updates is OFF/);
  } finally {
    await replica.stop();
  }
});

// The mysql-live-edges-2 run: an event of the scheduler kept writing the source after the cutover
// to target, and nothing named it.
test('enabled events of the migrated database, with the event scheduler on, are a warning naming them and the ALTER EVENT that stops them; disabled ones, or with the scheduler off, are not', async () => {
  await good.sql('shop', `CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit WHERE at < now() - INTERVAL 1 YEAR;
    CREATE EVENT off_one ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit`);
  try {
    await good.sql(undefined, 'SET GLOBAL event_scheduler = OFF');
    const off = await checkCapturePrerequisites({ source: sourceConfig(good, 'shop'), tables: [TABLES[0]!] });
    assert.equal(off.findings.some((f) => f.check === 'scheduled_events'), false);
    await good.sql(undefined, 'SET GLOBAL event_scheduler = ON');
    const on = await checkCapturePrerequisites({ source: sourceConfig(good, 'shop'), tables: [TABLES[0]!] });
    const f = on.findings.find((x) => x.check === 'scheduled_events');
    assert.equal(f?.severity, 'warning');
    assert.match(f!.message, /^The event scheduler runs 1 enabled event\(s\) in shop \(purge_audit\): they write on their own schedule/);
    assert.match(f!.fix ?? '', /^At the cutover to target, with the application: ALTER EVENT `shop`\.`purge_audit` DISABLE;/);
  } finally {
    await good.sql(undefined, 'SET GLOBAL event_scheduler = OFF');
    await good.sql('shop', 'DROP EVENT purge_audit; DROP EVENT off_one');
  }
});
