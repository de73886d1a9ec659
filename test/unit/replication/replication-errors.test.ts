/**
 * Server errors of a replication connection as the user sees them: SQLSTATE 55000 means either
 * wal_level below logical or a slot the server invalidated, told apart by the routine that raised it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toReplicationError } from '../../../src/adapters/postgres/replication/replication-errors.js';
import { TandemError } from '../../../src/core/errors.js';

const ctx = { action: 'Starting the change stream', user: 'tandem', slotName: 'tandem_abc' };

test('55000 from the wal_level check (or without a routine) is the wal_level error', () => {
  for (const routine of ['CheckLogicalDecodingRequirements', undefined]) {
    const e = toReplicationError({ code: '55000', routine, message: 'logical decoding requires wal_level >= logical' }, ctx);
    assert.ok(e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE');
    assert.match(e.message, /not set up for logical decoding \(wal_level must be logical\)/);
  }
});

test('55000 from elsewhere is the slot the server refused, with its words and the way out', () => {
  // As PostgreSQL 15 reports an invalidated slot (seen on a test server whose slot exceeded max_slot_wal_keep_size).
  const e = toReplicationError({
    code: '55000', routine: 'StartLogicalReplication',
    message: 'cannot read from logical replication slot "tandem_abc"', detail: 'This slot has been invalidated because it exceeded the maximum reserved size.',
  }, ctx);
  assert.ok(e instanceof TandemError && e.code === 'TANDEM_PREREQUISITE');
  assert.equal(e.message, 'Starting the change stream: the server refused replication slot tandem_abc: cannot read from logical replication slot "tandem_abc" This slot has been invalidated because it exceeded the maximum reserved size.');
  assert.match(e.hint ?? '', /wal_status = 'lost'.*start it again from a new snapshot.*raise max_slot_wal_keep_size/);
  assert.doesNotMatch(e.message, /wal_level/);
});

test('42501 (no REPLICATION attribute) names ALTER ROLE, and Amazon RDS\'s grant only for a source (the grants run: named for the target)', () => {
  const err = Object.assign(new Error('must be superuser or replication role to start walsender'), { code: '42501' });
  const source = toReplicationError(err, { ...ctx, role: 'source' }) as TandemError;
  assert.equal(source.hint, 'Run as a superuser: ALTER ROLE "tandem" WITH REPLICATION; (on Amazon RDS: GRANT rds_replication TO "tandem";)');
  const target = toReplicationError(err, { ...ctx, role: 'target' }) as TandemError;
  assert.ok(target instanceof TandemError && target.code === 'TANDEM_PRIVILEGE');
  assert.equal(target.hint, 'Run as a superuser: ALTER ROLE "tandem" WITH REPLICATION;');
});
