/**
 * What a non-root migration user may lack on a real MariaDB 10.11, and what Tandem says: the
 * metadata database (`ybvoyager_metadata`: CREATE, SELECT, INSERT, UPDATE, DELETE) checked at a
 * live export's start with nothing created, and as the backstop when the marker table is created.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { checkCapturePrerequisites, requireCapturePrerequisites } from '../../../src/adapters/mysql/capture/prerequisites.js';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import { MySqlChangeCapture } from '../../../src/adapters/mysql/mysql-change-capture.js';
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

  // Through the engine's catalog, as export data checks.
  const catalog = await engine.openCatalog(mig3);
  try {
    const findings = await catalog.checkPrerequisites({ live: true, tables: await catalog.listTables(['public']) });
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
