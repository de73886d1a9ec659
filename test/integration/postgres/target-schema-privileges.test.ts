/**
 * What a target user without superuser lacks, said as TANDEM_PRIVILEGE naming the object and the
 * GRANT where it is found, never as an internal error: CONNECT on the database, USAGE on the schema
 * of the tables it loads, UPDATE on the sequences it sets after the snapshot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import { TandemError } from '../../../src/core/errors.js';
import { connectPg } from '../../../src/adapters/postgres/pg-connection.js';
import { PgTargetDatabase } from '../../../src/adapters/postgres/pg-target-database.js';

const TGT_PW = 'tgt-pw-3141';

let server: PgServer;

before(async () => {
  server = await startPg15();
  await server.createDatabase('shop_yb');
  await server.sql('postgres', `CREATE ROLE tgt LOGIN PASSWORD '${TGT_PW}'`);
  // As import schema left it, run by another user: tgt may write the tables, nothing more.
  await server.sql('shop_yb', `CREATE SCHEMA app;
    CREATE TABLE app.orders (id serial PRIMARY KEY, total numeric);
    CREATE SEQUENCE app.down_seq INCREMENT -1;
    GRANT CREATE ON DATABASE shop_yb TO tgt; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app TO tgt;`);
});

after(async () => {
  await server?.stop();
});

const tgtConfig = (): DbConfig => ({
  type: 'postgresql', host: server.host, port: server.port, user: 'tgt', password: TGT_PW, database: 'shop_yb', schemas: ['app'], role: 'target',
});

async function refused(promise: Promise<unknown>): Promise<TandemError> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof TandemError, `expected a TandemError, got ${String(e)}`);
  assert.equal(e.code, 'TANDEM_PRIVILEGE', e.message);
  return e;
}

test('no CONNECT on the target database: TANDEM_PRIVILEGE with GRANT CONNECT (measured before: the raw 42501, an internal error)', async () => {
  await server.sql('shop_yb', 'REVOKE CONNECT ON DATABASE shop_yb FROM PUBLIC');
  try {
    const e = await refused(connectPg(tgtConfig()));
    assert.match(e.message, /^User "tgt" may not connect to the target database tgt@[^ ]+\/shop_yb: permission denied for database "shop_yb"\.$/);
    assert.equal(e.hint, 'As a superuser or the database\'s owner: GRANT CONNECT ON DATABASE "shop_yb" TO "tgt"; then rerun the same command.');
  } finally {
    await server.sql('shop_yb', 'GRANT CONNECT ON DATABASE shop_yb TO PUBLIC');
  }
});

test('no USAGE on the target schema: TANDEM_PRIVILEGE naming the schema and the GRANT before anything is written (measured before: internal error at checkTargetTables)', async () => {
  const target = new PgTargetDatabase(tgtConfig(), () => {});
  try {
    const e = await refused(target.checkTables([{ schema: 'app', name: 'orders', columns: ['id', 'total'] }], new Set(['app.orders']), false));
    assert.equal(e.message, 'User tgt lacks USAGE on schema app of database shop_yb: it can reach none of the tables or sequences there. Nothing was written.');
    assert.equal(e.hint, 'As the schema\'s owner or a superuser: GRANT USAGE ON SCHEMA "app" TO "tgt"; then rerun the same command.');
    await server.sql('shop_yb', 'GRANT USAGE ON SCHEMA app TO tgt');
    const check = await target.checkTables([{ schema: 'app', name: 'orders', columns: ['id', 'total'] }], new Set(['app.orders']), false);
    assert.deepEqual([check.missingTables, check.noInsertPrivilege, check.nonEmptyTables], [[], [], []]);
  } finally {
    await target.close();
    await server.sql('shop_yb', 'REVOKE USAGE ON SCHEMA app FROM tgt');
  }
});

test('no UPDATE on the target\'s sequences: TANDEM_PRIVILEGE naming every one and the GRANT, none set (measured before: internal error at restoreSequence)', async () => {
  await server.sql('shop_yb', 'GRANT USAGE ON SCHEMA app TO tgt');
  const target = new PgTargetDatabase(tgtConfig(), () => {});
  try {
    const values = [
      { sequenceKey: 'app.orders_id_seq', lastValue: '42', isCalled: true },
      { sequenceKey: 'app.down_seq', lastValue: '-7', isCalled: true },
    ];
    const e = await refused(target.setSnapshotSequences(values));
    assert.equal(e.message, 'User tgt lacks UPDATE on the sequence(s) app.down_seq, app.orders_id_seq, so it cannot set them to the source\'s values. No sequence was set.');
    assert.equal(e.hint, 'As their owner or a superuser: GRANT UPDATE ON SEQUENCE app.down_seq, app.orders_id_seq TO "tgt"; then rerun the same command: it resumes and sets the sequences.');
    assert.deepEqual(await server.sql('shop_yb', 'SELECT (SELECT last_value::int FROM app.orders_id_seq) AS up, (SELECT last_value::int FROM app.down_seq) AS down'), [{ up: 1, down: -1 }]);
    await server.sql('shop_yb', 'GRANT UPDATE ON ALL SEQUENCES IN SCHEMA app TO tgt');
    assert.equal((await target.setSnapshotSequences(values)).length, 2);
    assert.deepEqual(await server.sql('shop_yb', 'SELECT (SELECT last_value::int FROM app.orders_id_seq) AS up, (SELECT last_value::int FROM app.down_seq) AS down'), [{ up: 42, down: -7 }]);
  } finally {
    await target.close();
  }
});
