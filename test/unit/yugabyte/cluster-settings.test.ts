/**
 * The YugabyteDB preparation check as a pure function over what a session saw (fixtures; no
 * YugabyteDB can run here). The SQL that reads the settings is run against PostgreSQL in
 * test/integration/postgres/yb-settings-sql.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ybSettingWarnings, ybVersion } from '../../../src/adapters/yugabyte/cluster-settings.js';

const V2018 = 'PostgreSQL 11.2-YB-2.18.6.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 16.0.6, 64-bit';
const V2024 = 'PostgreSQL 11.2-YB-2024.1.3.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 17.0.6, 64-bit';

test('ybVersion reads the YugabyteDB release from version()', () => {
  assert.deepEqual(ybVersion(V2018), [2, 18, 6, 0]);
  assert.deepEqual(ybVersion(V2024), [2024, 1, 3, 0]);
  assert.equal(ybVersion('PostgreSQL 15.19 (Debian 15.19-0+deb12u1) on x86_64-pc-linux-gnu'), undefined);
});

test('a prepared cluster gets no warning', () => {
  assert.deepEqual(ybSettingWarnings({ versionText: V2024, maxQueryLayerRetries: '0', readCommittedEffective: 'repeatable read' }), []);
});

test('query-layer retries left on are named with the spec\'s fix', () => {
  const w = ybSettingWarnings({ versionText: V2018, maxQueryLayerRetries: '60', readCommittedEffective: 'repeatable read' });
  assert.equal(w.length, 1);
  assert.match(w[0]!, /^YugabyteDB 2\.18\.6\.0: yb_max_query_layer_retries is 60; set ysql_pg_conf_csv = yb_max_query_layer_retries=0/);
});

test('read committed isolation left on is named with its fix', () => {
  const w = ybSettingWarnings({ versionText: V2024, maxQueryLayerRetries: '0', readCommittedEffective: 'read committed' });
  assert.equal(w.length, 1);
  assert.match(w[0]!, /read committed isolation is on; turn it off .*yb_enable_read_committed_isolation = false/);
});

test('settings a session cannot see are said to be unchecked, with what to set by hand', () => {
  const w = ybSettingWarnings({ versionText: V2018 });
  assert.equal(w.length, 2);
  assert.match(w[0]!, /cannot read the query-layer retry setting over SQL; .*ysql_max_read_restart_attempts = 0 and ysql_max_write_restart_attempts = 0/);
  assert.match(w[1]!, /cannot tell over SQL whether read committed isolation is on/);
});
