/**
 * The SQL that reads YugabyteDB's settings is valid and harmless on a server that lacks them
 * (PostgreSQL here): unknown settings come back undefined, the session is left outside any
 * transaction, and the check then says what it could not verify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15 } from '../../helpers/pg-server.js';
import { readYbSettings, ybSettingWarnings } from '../../../src/adapters/yugabyte/cluster-settings.js';

test('readYbSettings on a server without the YugabyteDB settings', async () => {
  const s = await startPg15();
  try {
    const c = await s.client('postgres');
    try {
      const seen = await readYbSettings(c);
      assert.match(seen.versionText, /^PostgreSQL 15\./);
      assert.equal(seen.maxQueryLayerRetries, undefined);
      assert.equal(seen.readCommittedEffective, undefined);
      assert.equal((await c.query('SELECT now() = statement_timestamp() AS outside')).rows[0].outside, true, 'no transaction left open');
      assert.equal(ybSettingWarnings(seen).length, 2);
    } finally {
      await c.end();
    }
  } finally {
    await s.stop();
  }
});
