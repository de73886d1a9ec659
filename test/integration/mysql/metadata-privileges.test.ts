/**
 * What a non-root migration user may lack on a real MariaDB 10.11, and what Tandem says: the
 * metadata database (`ybvoyager_metadata`: CREATE, SELECT, INSERT, UPDATE, DELETE) checked at a
 * live export's start with nothing created, and as the backstop when the marker table is created;
 * access denied in the fall-back writer as TANDEM_PRIVILEGE naming the table (not a schema
 * difference); ALTER on the migrated database, warned about for a fall-back and mapped when the
 * cutover to source sets the AUTO_INCREMENT counters.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { checkCapturePrerequisites, requireCapturePrerequisites } from '../../../src/adapters/mysql/capture/prerequisites.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import { MySqlChangeCapture } from '../../../src/adapters/mysql/mysql-change-capture.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import { MySqlAutoIncrementSync } from '../../../src/adapters/mysql/writer/auto-increment-sync.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';
import { TandemError } from '../../../src/core/errors.js';
import { sourceConfig } from './binlog-helpers.js';

const UUID = '5b1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const METADATA_GRANT = 'GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON `ybvoyager_metadata`.*';
let maria: MariaDbServer;
let engine: SourceEngine;

before(async () => {
  maria = await startMariaDb();
  engine = await loadEngine('mysql');
  await maria.createDatabase('shop3');
  await maria.sql('shop3', 'CREATE TABLE t1 (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, v varchar(10)); CREATE TABLE t2 (id int NOT NULL PRIMARY KEY, v int)');
  // The tester's user: the migrated database and replication, nothing on the metadata database, no ALTER.
  await maria.sql(undefined, `CREATE USER 'mig3'@'%' IDENTIFIED BY 'mig3-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop3.* TO 'mig3'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'mig3'@'%'`);
});

after(async () => {
  await maria?.stop();
});

async function metadataDatabaseExists(): Promise<boolean> {
  return (await maria.sql(undefined, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ybvoyager_metadata'")).length > 0;
}

const tableInfo = (name: string, columns: string[]): TableInfo => ({ schema: 'public', name, columns, primaryKey: ['id'], estimatedRows: 0, estimatedBytes: 0 });

test('a live export by a user without privileges on ybvoyager_metadata stops at its checks with the GRANT, before anything is created', async () => {
  const mig3 = { ...sourceConfig(maria, 'shop3', 'mig3', 'mig3-pw'), schemas: ['public'] };
  const report = await checkCapturePrerequisites({ source: mig3, tables: [{ database: 'shop3', table: 't1', primaryKey: ['id'] }] });
  assert.deepEqual(report.findings.filter((f) => f.severity === 'error'), [{
    check: 'privilege_metadata', severity: 'error',
    message: "User 'mig3'@'%' may not use Tandem's metadata database ybvoyager_metadata (CREATE, SELECT, INSERT, UPDATE, DELETE privileges missing): "
      + 'live migration keeps its marker table there, and a fall-back its progress.',
    fix: `${METADATA_GRANT} TO 'mig3'@'%';`,
  }]);
  assert.throws(() => requireCapturePrerequisites(report), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE');

  // Through the engine's catalog, as export data checks: the ALTER warning (recorded for a fall-back) first, then the error.
  const catalog = await engine.openCatalog(mig3);
  try {
    const findings = await catalog.checkPrerequisites({ live: true, tables: await catalog.listTables(['public']) });
    const alter = findings.find((f) => f.fallBack && f.code === 'TANDEM_PRIVILEGE');
    assert.ok(alter, JSON.stringify(findings));
    assert.equal(alter.severity, 'warning');
    // The fix is printed after the message ("… Fix: GRANT …"), so the message does not say it too
    // (measured before: the GRANT printed twice).
    assert.match(alter.message, /^User mig3 may not ALTER the tables of shop3: .*AUTO_INCREMENT counters of t1 and stops there until it is granted: grant it before a cutover prepared for fall-back\.$/);
    assert.equal(alter.fix, "GRANT ALTER ON `shop3`.* TO 'mig3'@'%';");
    assert.ok(findings.indexOf(alter) < findings.findIndex((f) => f.severity === 'error'));
    const errors = findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => [f.code, f.fix]), [['TANDEM_PRIVILEGE', `${METADATA_GRANT} TO 'mig3'@'%';`]]);
    assert.match(errors[0]!.message, /metadata database ybvoyager_metadata/);
  } finally {
    await catalog.close();
  }
  assert.equal(await metadataDatabaseExists(), false, 'the probes create nothing');

  // The backstop: creating the marker table anyway (a grant revoked after the checks).
  const capture = new MySqlChangeCapture(mig3, { id: UUID, side: 'source' });
  await assert.rejects(capture.prepare([{ schema: 'public', name: 't1' }]), (e: unknown) => {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, 'TANDEM_PRIVILEGE');
    assert.match(e.message, /^Preparing the marker table ybvoyager_metadata\.tandem_markers: user 'mig3'@'%' lacks a privilege on the database ybvoyager_metadata \(MySQL error 1044/);
    assert.equal(e.hint, `${METADATA_GRANT} TO 'mig3'@'%'; then run export data again.`);
    return true;
  });
  assert.equal(await metadataDatabaseExists(), false);
});

test('the fall-back writer without UPDATE on ybvoyager_metadata, or INSERT on a migrated table: TANDEM_PRIVILEGE naming the table and the GRANT', async () => {
  await maria.sql(undefined, `CREATE USER 'mig3b'@'%' IDENTIFIED BY 'mig3b-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop3.* TO 'mig3b'@'%';
    GRANT CREATE, SELECT, INSERT, DELETE ON ybvoyager_metadata.* TO 'mig3b'@'%';
    CREATE USER 'mig3c'@'%' IDENTIFIED BY 'mig3c-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop3.t1 TO 'mig3c'@'%';
    GRANT SELECT ON shop3.t2 TO 'mig3c'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON ybvoyager_metadata.* TO 'mig3c'@'%'`);
  const tables = [tableInfo('t1', ['id', 'v']), tableInfo('t2', ['id', 'v'])];
  const events: ChangeEvent[] = [
    { vsn: 11, op: 'c', schema: 'public', table: 't2', key: { id: '1' }, after: { id: '1', v: '5' }, position: '', txId: 'a' },
    { vsn: 12, op: 'c', schema: 'public', table: 't1', key: { id: '1' }, after: { id: '1', v: 'x' }, position: '', txId: 'a' },
  ];

  // The capture's check names the one privilege missing on the metadata database (this user has no replication privileges either).
  const report = await checkCapturePrerequisites({ source: sourceConfig(maria, 'shop3', 'mig3b', 'mig3b-pw'), tables: [] });
  assert.deepEqual(report.findings.filter((f) => f.check === 'privilege_metadata').map((f) => [f.check, /\((.*) missing\)/.exec(f.message)?.[1], f.fix]),
    [['privilege_metadata', 'UPDATE privilege', `${METADATA_GRANT} TO 'mig3b'@'%';`]]);

  const noUpdate = new MySqlChangeTarget(sourceConfig(maria, 'shop3', 'mig3b', 'mig3b-pw'), { tables, onWarning: () => {} });
  try {
    await noUpdate.prepare(UUID, 1);
    await assert.rejects(noUpdate.applyBatch(0, events), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /^Applying changes on channel 0 failed: .* in events 11\.\.12: user 'mig3b'@'%' lacks a privilege on the table ybvoyager_metadata\.ybvoyager_import_data_event_channels_metainfo \(MySQL error 1142/);
      assert.equal(e.hint, `${METADATA_GRANT} TO 'mig3b'@'%'; then run import data to source again: it resumes after the last committed batch.`);
      return true;
    });
  } finally {
    await noUpdate.close();
  }
  assert.deepEqual(await maria.sql('shop3', 'SELECT * FROM t1 UNION ALL SELECT id, v FROM t2'), [], 'the batch was rolled back');

  const noInsert = new MySqlChangeTarget(sourceConfig(maria, 'shop3', 'mig3c', 'mig3c-pw'), { tables, onWarning: () => {} });
  try {
    await noInsert.prepare(UUID, 1);
    await assert.rejects(noInsert.applyBatch(0, events), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /user 'mig3c'@'%' lacks a privilege on the table shop3\.t2 \(MySQL error 1142/);
      assert.equal(e.hint, "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop3`.* TO 'mig3c'@'%'; then run import data to source again: it resumes after the last committed batch.");
      return true;
    });
  } finally {
    await noInsert.close();
  }
});

test('a user who may not write the migrated tables: a fall-back warning at a live export, and an error before import data to source writes (measured before: found at the fall-back\'s first change, after the application moved)', async () => {
  await maria.sql(undefined, `CREATE USER 'mig3w'@'%' IDENTIFIED BY 'mig3w-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop3.t1 TO 'mig3w'@'%';
    GRANT SELECT, UPDATE ON shop3.t2 TO 'mig3w'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'mig3w'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON ybvoyager_metadata.* TO 'mig3w'@'%'`);
  const config = { ...sourceConfig(maria, 'shop3', 'mig3w', 'mig3w-pw'), schemas: ['public'] };
  const catalog = await engine.openCatalog(config);
  try {
    const tables = await catalog.listTables(['public']);
    const findings = await catalog.checkPrerequisites({ live: true, tables });
    const writes = findings.filter((f) => /may not write the target's changes/.test(f.message));
    assert.deepEqual(writes.map((f) => [f.severity, f.code, f.fallBack, f.message, f.fix]), [[
      'warning', 'TANDEM_PRIVILEGE', true,
      'User mig3w may not write the target\'s changes into shop3.t2 (lacks INSERT, DELETE): if the migration falls back, "import data to source" would stop at its first change there.',
      "GRANT INSERT, UPDATE, DELETE ON `shop3`.* TO 'mig3w'@'%'; (or on each of those tables)",
    ]]);
    const before = await catalog.checkWritePrerequisites!(tables);
    assert.deepEqual(before.map((f) => [f.severity, f.code]), [['error', 'TANDEM_PRIVILEGE']]);
    assert.match(before[0]!.message, /shop3\.t2 \(lacks INSERT, DELETE\)/);
    await maria.sql(undefined, "GRANT INSERT, DELETE ON shop3.t2 TO 'mig3w'@'%'");
    assert.deepEqual(await catalog.checkWritePrerequisites!(tables), []);
  } finally {
    await catalog.close();
  }
  assert.deepEqual(await maria.sql('shop3', 'SELECT * FROM t1 UNION ALL SELECT id, v FROM t2'), [], 'the probes wrote nothing');
});

test('the cutover to source without ALTER: setting an AUTO_INCREMENT counter is TANDEM_PRIVILEGE with GRANT ALTER; granted, the rerun sets it', async () => {
  const sync = new MySqlAutoIncrementSync(sourceConfig(maria, 'shop3', 'mig3', 'mig3-pw'));
  const counter = [{ schema: 'public', name: 't1_id_seq', lastValue: '100', isCalled: true }];
  try {
    await assert.rejects(sync.restore(counter), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_PRIVILEGE');
      assert.match(e.message, /^Setting the AUTO_INCREMENT counter of shop3\.t1 to 101: user 'mig3'@'%' lacks a privilege on the table shop3\.t1 \(MySQL error 1142/);
      assert.match(e.hint ?? '', /^GRANT ALTER ON `shop3`\.\* TO 'mig3'@'%'; then rerun "import data to source", which completes the cutover to source/);
      return true;
    });
    await maria.sql(undefined, "GRANT ALTER ON shop3.* TO 'mig3'@'%'");
    assert.deepEqual((await sync.restore(counter)).map((r) => [r.sequence, r.value]), [['shop3.t1.id', '101']]);
  } finally {
    await sync.close();
  }
});

test('end migration by a user without DROP on ybvoyager_metadata: its rows removed, then TANDEM_PRIVILEGE with the GRANT; granted, the rerun drops the database', async () => {
  // The fall-back writers of the test above left their channel rows for UUID there; mig3c has every metadata privilege but DROP.
  assert.ok(await metadataDatabaseExists());
  const rows = async () => Number((await maria.sql(undefined, `SELECT COUNT(*) AS n FROM ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo WHERE migration_uuid = '${UUID}'`))[0].n);
  assert.ok(await rows() > 0);
  const metadata = engine.migrationMetadata(sourceConfig(maria, 'shop3', 'mig3c', 'mig3c-pw'));
  await assert.rejects(metadata.drop(UUID), (e: unknown) => {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, 'TANDEM_PRIVILEGE');
    assert.match(e.message, /^User 'mig3c'@'%' may not drop Tandem's metadata database ybvoyager_metadata on mig3c@.* \(DROP privilege missing\): this migration's rows in it are removed, the database is kept\.$/);
    assert.equal(e.hint, "GRANT DROP ON `ybvoyager_metadata`.* TO 'mig3c'@'%'; then rerun tandem end migration (it resumes), or drop it as an administrator: DROP DATABASE `ybvoyager_metadata`;");
    return true;
  });
  assert.ok(await metadataDatabaseExists());
  assert.equal(await rows(), 0);
  await maria.sql(undefined, "GRANT DROP ON ybvoyager_metadata.* TO 'mig3c'@'%'");
  assert.equal(await metadata.drop(UUID), 'database ybvoyager_metadata');
  assert.equal(await metadataDatabaseExists(), false);
});

test('the stream\'s end (at a cutover) by a user without DROP on ybvoyager_metadata: its marker rows removed, the empty marker table kept, no error; with DROP the table goes', async () => {
  await maria.sql(undefined, `CREATE USER 'mig3d'@'%' IDENTIFIED BY 'mig3d-pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON shop3.* TO 'mig3d'@'%';
    GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'mig3d'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON ybvoyager_metadata.* TO 'mig3d'@'%'`);
  const markerTable = async () => (await maria.sql(undefined, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ybvoyager_metadata' AND TABLE_NAME = 'tandem_markers'")).length > 0;
  const capture = new MySqlChangeCapture(sourceConfig(maria, 'shop3', 'mig3d', 'mig3d-pw'), { id: UUID, side: 'source' });
  await capture.prepare([{ schema: 'public', name: 't1' }]);
  assert.ok(await markerTable());
  assert.equal(await capture.drop(), true, 'the stream had rows');
  assert.ok(await markerTable(), 'the table is kept');
  assert.deepEqual(await maria.sql(undefined, 'SELECT * FROM ybvoyager_metadata.tandem_markers'), []);
  await maria.sql(undefined, "GRANT DROP ON ybvoyager_metadata.* TO 'mig3d'@'%'");
  assert.equal(await capture.drop(), false);
  assert.equal(await markerTable(), false);
});
