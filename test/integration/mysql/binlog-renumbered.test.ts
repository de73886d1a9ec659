/**
 * A binlog numbered anew under a migration that resumes by GTID: the server accepts the GTID state
 * (it exists again) and streams from binlog files numbered below the migration's position. Found by
 * the mysql-chaos run (a RESET MASTER, and a failover to a GTID replica whose files were numbered
 * lower): every transaction was dropped as "already captured", in silence, for ever. It must stop,
 * saying why, with the stream recorded lost.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import type { CaptureTable } from '../../../src/adapters/mysql/capture/capture-table.js';
import { decodeBinlogPosition } from '../../../src/adapters/mysql/capture/binlog-position.js';
import { TandemError } from '../../../src/core/errors.js';
import { captureUntil, positionNow, sourceConfig } from './binlog-helpers.js';

let maria: MariaDbServer;
const ACCT: CaptureTable = { database: 'shop', table: 'acct', columns: [{ name: 'id', unsigned: false }, { name: 'v', charset: 'utf8mb4' }], primaryKey: ['id'] };
const options = (resumeBy: 'gtid' | 'file') => ({ source: sourceConfig(maria, 'shop'), serverId: 2_000_000_300, tables: [ACCT], resumeBy });

before(async () => {
  maria = await startMariaDb();
  await maria.createDatabase('shop');
  await maria.sql('shop', 'CREATE TABLE acct (id int PRIMARY KEY, v varchar(40))');
});

after(async () => {
  await maria?.stop();
});

test('after RESET MASTER, with the GTID reached again: a resume by GTID stops with TANDEM_PREREQUISITE naming both positions, never dropping what follows in silence', { timeout: 120_000 }, async () => {
  for (let i = 1; i <= 3; i++) await maria.sql('shop', `INSERT INTO acct VALUES (${i}, 'before'); FLUSH BINARY LOGS`);
  const saved = await positionNow(maria, 'shop');
  const at = decodeBinlogPosition(saved);
  assert.ok(at.gtid?.flavor === 'mariadb' && !at.gtid.state.isEmpty, saved);
  assert.ok(!at.file.endsWith('.000001'), `three flushes moved past the first binlog file: ${at.file}`);
  const seq = Number(/-(\d+)$/.exec(at.gtid.state.toString())![1]);
  const [{ id: serverId }] = await maria.sql(undefined, 'SELECT @@server_id AS id');
  // The same server's binlog starts again at file 1; its GTID sequence is brought back to the saved one.
  await maria.sql(undefined, 'RESET MASTER');
  await maria.sql('shop', `SET SESSION gtid_seq_no = ${seq}; INSERT INTO acct VALUES (10, 'reaches the saved GTID')`);
  await maria.sql('shop', "INSERT INTO acct VALUES (11, 'after it')");
  const [{ pos }] = await maria.sql(undefined, 'SELECT @@gtid_binlog_pos AS pos');
  assert.equal(pos, `0-${serverId}-${seq + 1}`);
  await assert.rejects(captureUntil(options('gtid'), saved, (all) => all.length >= 1, 20_000),
    (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE' && e.streamLost === true
      && /^The source's binlog goes on after the migration's GTID state, but at [\w-]+\.000001:\d+, before the position the migration had reached \([\w-]+\.\d+:\d+\): the source was failed over to a server whose binlog files are numbered lower, or its binlog was reset \(RESET MASTER\)\./.test(e.message)
      && /new snapshot/.test(e.hint ?? ''));
});
