/** The prerequisite failures a user can meet, each with its TandemError and fix. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15 } from '../../helpers/pg-server.js';
import type { PgServer } from '../../helpers/pg-server.js';
import { TandemError } from '../../../src/core/errors.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { checkReplicationPrerequisites } from '../../../src/adapters/postgres/replication/replication-prerequisites.js';

let replicaLevel: PgServer; // wal_level = replica
let tight: PgServer; // logical, but one slot and one WAL sender

before(async () => {
  [replicaLevel, tight] = await Promise.all([
    startPg15({ wal_level: 'replica' }),
    startPg15({ max_replication_slots: '1', max_wal_senders: '1' }),
  ]);
  await tight.sql('postgres', `CREATE ROLE plain_user LOGIN PASSWORD 'plain-pw-123'`);
});

after(async () => {
  await Promise.all([replicaLevel?.stop(), tight?.stop()]);
});

function config(s: PgServer, user = s.user, password = s.password) {
  return { host: s.host, port: s.port, user, password, database: 'postgres' };
}

function isTandem(code: string, pattern: RegExp, hint?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    if (hint) assert.match(e.hint ?? '', hint);
    assert.doesNotMatch(e.message + (e.hint ?? ''), /tandem-test-pw|plain-pw-123/);
    return true;
  };
}

test('wal_level replica: the check and slot creation say how to set it', async () => {
  const c = await replicaLevel.client();
  try {
    await assert.rejects(checkReplicationPrerequisites(c), isTandem('TANDEM_PREREQUISITE', /wal_level is 'replica'/, /ALTER SYSTEM SET wal_level = 'logical'/));
  } finally {
    await c.end();
  }
  const rc = await ReplicationConnection.open(config(replicaLevel));
  try {
    await assert.rejects(rc.createSlot('tandem_x'), isTandem('TANDEM_PREREQUISITE', /wal_level must be logical/, /restart/));
  } finally {
    await rc.close();
  }
});

test('user without REPLICATION: the check and the connection name the ALTER ROLE', async () => {
  const c = await (async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client(config(tight, 'plain_user', 'plain-pw-123'));
    await client.connect();
    return client;
  })();
  try {
    await assert.rejects(checkReplicationPrerequisites(c), isTandem('TANDEM_PRIVILEGE', /REPLICATION/, /ALTER ROLE "plain_user" WITH REPLICATION/));
  } finally {
    await c.end();
  }
  await assert.rejects(
    ReplicationConnection.open(config(tight, 'plain_user', 'plain-pw-123')),
    isTandem('TANDEM_PRIVILEGE', /REPLICATION/, /ALTER ROLE "plain_user" WITH REPLICATION/),
  );
});

test('no free replication slot and no free WAL sender', async () => {
  // The previous test's refused replication login may still hold the only WAL sender while its
  // backend exits: wait until the server has none, so this test starts from a known state.
  for (let i = 0; ; i++) {
    const [row] = await tight.sql('postgres', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'walsender'");
    if (row.n === 0) break;
    if (i > 200) assert.fail(`a WAL sender is still running: ${row.n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const rc = await ReplicationConnection.open(config(tight));
  try {
    await rc.createSlot('tandem_only');
    // The only WAL sender is in use by rc right now.
    const c = await tight.client();
    try {
      await assert.rejects(checkReplicationPrerequisites(c), isTandem('TANDEM_PREREQUISITE', /replication slot/, /max_replication_slots/));
    } finally {
      await c.end();
    }
    await assert.rejects(ReplicationConnection.open(config(tight)), isTandem('TANDEM_PREREQUISITE', /WAL sender/, /max_wal_senders/));
    await assert.rejects(rc.createSlot('tandem_second'), isTandem('TANDEM_PREREQUISITE', /all replication slots are in use/, /pg_drop_replication_slot/));
    await rc.dropSlot('tandem_only');
    const c2 = await tight.client();
    try {
      await assert.rejects(checkReplicationPrerequisites(c2), isTandem('TANDEM_PREREQUISITE', /No free WAL sender/, /max_wal_senders/));
    } finally {
      await c2.end();
    }
  } finally {
    await rc.close();
  }
});
