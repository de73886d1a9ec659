import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, startEmbeddedPg18 } from './pg-server.js';

test('the harness starts PostgreSQL 15 and 18 with logical WAL and password auth', async () => {
  const [a, b] = await Promise.all([startPg15(), startEmbeddedPg18()]);
  try {
    for (const [s, major] of [[a, 15], [b, 18]] as const) {
      const rows = await s.sql('postgres', "SELECT current_setting('server_version_num')::int / 10000 AS v, current_setting('wal_level') AS w");
      assert.equal(rows[0].v, major);
      assert.equal(rows[0].w, 'logical');
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
