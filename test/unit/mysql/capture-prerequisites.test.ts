/**
 * The pure judgements of capture's prerequisites: binlog filters and a source that is a replica.
 * Against real servers: test/integration/mysql/binlog-prerequisites.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateBinlogFilters, evaluateReplica } from '../../../src/adapters/mysql/capture/prerequisites.js';

const DBS = ['Shop', 'ybvoyager_metadata'];

test('binlog filters: a do-list must hold both databases, an ignore-list neither; names compare by lower_case_table_names', () => {
  assert.deepEqual(evaluateBinlogFilters([], [], DBS, false, 'mariadb'), []);
  assert.deepEqual(evaluateBinlogFilters(['Shop', 'ybvoyager_metadata'], [], DBS, false, 'mariadb'), []);
  assert.deepEqual(evaluateBinlogFilters([], ['other'], DBS, false, 'mariadb'), []);
  const doOnly = evaluateBinlogFilters(['Shop'], ['ybvoyager_metadata'], DBS, false, 'mysql');
  assert.equal(doOnly.length, 1);
  assert.match(doOnly[0]!.message, /leaves out the changes of ybvoyager_metadata \(binlog-do-db \(Shop\)\)/);
  assert.equal(doOnly[0]!.fix, 'Add binlog-do-db = ybvoyager_metadata to my.cnf ([mysqld]) (one line each), or remove every binlog-do-db line; then restart the server and export again.');
  assert.match(evaluateBinlogFilters(['shop'], [], DBS, false, 'mariadb')[0]!.message, /changes of Shop and ybvoyager_metadata/);
  assert.match(evaluateBinlogFilters(['shop'], [], DBS, true, 'mariadb')[0]!.message, /changes of ybvoyager_metadata \(/);
  assert.deepEqual(evaluateBinlogFilters([], ['shop'], DBS, false, 'mariadb'), []);
  assert.equal(evaluateBinlogFilters([], ['shop'], DBS, true, 'mariadb')[0]!.severity, 'error');
});

test('a replica: an error without log_slave_updates (or log_replica_updates), a warning with it, nothing for a primary', () => {
  assert.deepEqual(evaluateReplica({ primaries: [] }, { log_slave_updates: 'OFF' }, 'mariadb'), []);
  assert.deepEqual(evaluateReplica({ primaries: undefined, running: 0 }, {}, 'mariadb'), []);
  const off = evaluateReplica({ primaries: ['db1:3306'] }, { log_slave_updates: 'OFF' }, 'mariadb');
  assert.deepEqual(off.map((f) => f.severity), ['error']);
  assert.match(off[0]!.message, /^The source is a replica of db1:3306 and log_slave_updates is OFF/);
  const mysqlOff = evaluateReplica({ primaries: ['db1:3306'] }, { log_slave_updates: 'ON', log_replica_updates: 'OFF' }, 'mysql');
  assert.match(mysqlOff[0]!.message, /log_replica_updates is OFF/);
  const on = evaluateReplica({ primaries: undefined, running: 1 }, { log_slave_updates: 'ON' }, 'mariadb');
  assert.deepEqual(on.map((f) => f.severity), ['warning']);
  assert.match(on[0]!.message, /^The source is a replica: .*Seconds_Behind_Master 0.*A fall-back writes the target's changes into this replica, not into its primary\.$/);
});
