/**
 * The fall-back's MySQL writer while its database cannot be reached (a restart, a failover, a cut
 * network; here a relay that resets every connection and refuses new ones): it waits, says so once,
 * says when the database is back, and applies the batch exactly once; after
 * TANDEM_RECONNECT_BUDGET_MS it stops with TANDEM_CONNECT (measured before: the raw driver error
 * after 12 attempts, about 43 s, whatever the outage).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { startTcpRelay, type TcpRelay } from '../../helpers/tcp-relay.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import type { MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { TandemError } from '../../../src/core/errors.js';
import { withReconnectBudget } from '../../helpers/reconnect-budget-env.js';

let maria: MariaDbServer;
let relay: TcpRelay;
let vsn = 0;
const TABLE = { schema: 'public', name: 'items', columns: ['id', 'v'], primaryKey: ['id'], estimatedRows: 0, estimatedBytes: 0 };

before(async () => {
  maria = await startMariaDb();
  await maria.createDatabase('shop');
  await maria.sql('shop', 'CREATE TABLE items (id int NOT NULL PRIMARY KEY, v varchar(10))');
  relay = await startTcpRelay(maria.host, maria.port);
});

after(async () => {
  await relay?.close();
  await maria?.stop();
});

const config = (): MySqlDbConfig => ({
  role: 'source', type: 'mysql', host: '127.0.0.1', port: relay.port, user: maria.user, password: maria.password, database: 'shop', schemas: [], sslMode: 'disable',
});
const insert = (id: number): ChangeEvent => ({ vsn: ++vsn, op: 'c', schema: 'public', table: 'items', key: { id: String(id) }, after: { id: String(id), v: `v${id}` }, position: '', txId: `tx${vsn}` });

test('MySQL writer: a database gone for a while and back: it waits, says so once, says it is back, and applies the batch once; the idle channel carries on', { timeout: 60_000 }, async () => {
  const warnings: string[] = [];
  const notices: string[] = [];
  const w = new MySqlChangeTarget(config(), { tables: [TABLE], onWarning: (m) => warnings.push(m), onNotice: (m) => notices.push(m) });
  try {
    await withReconnectBudget(60_000, async () => {
      await w.prepare('1c4f3a52-27d9-4f55-9f3e-6b1d3f0e8a21', 2);
      await w.applyBatch(0, [insert(1)]);
      await w.applyBatch(1, [insert(2)]);
      await relay.cut();
      let settled = false;
      const applying = w.applyBatch(0, [insert(3)]).finally(() => { settled = true; });
      await new Promise((r) => setTimeout(r, 4_000));
      assert.equal(settled, false, 'the batch settled while the database was away');
      await relay.restore();
      await applying;
      await w.applyBatch(1, [insert(4)]);
    });
  } finally {
    await w.close();
  }
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^Lost the connection to the source database .*shop.*; waiting for it to come back \(up to 60 s, trying again every few seconds\)\./);
  assert.equal(notices.length, 1, notices.join('\n'));
  assert.match(notices[0]!, /^The source database .*shop.* is back after \d+ s; applying changes again\.$/);
  assert.deepEqual((await maria.sql('shop', 'SELECT id FROM items ORDER BY id')).map((r) => r.id), [1, 2, 3, 4]);
});

test('MySQL writer: a database away longer than TANDEM_RECONNECT_BUDGET_MS stops the batch with TANDEM_CONNECT and the rerun hint, never the driver\'s error', { timeout: 60_000 }, async () => {
  const warnings: string[] = [];
  const w = new MySqlChangeTarget(config(), { tables: [TABLE], onWarning: (m) => warnings.push(m) });
  try {
    await withReconnectBudget(1_500, async () => {
      await w.prepare('1c4f3a52-27d9-4f55-9f3e-6b1d3f0e8a22', 1);
      await relay.cut();
      try {
        await assert.rejects(w.applyBatch(0, [insert(10)]), (e: unknown) => {
          assert.ok(e instanceof TandemError, String(e));
          assert.equal(e.code, 'TANDEM_CONNECT');
          assert.match(e.message, /^Lost the connection to the source database .* and could not reconnect for \d+ s\.$/);
          assert.match(e.hint ?? '', /rerun the same command: it resumes where it stopped/);
          return true;
        });
      } finally {
        await relay.restore();
      }
    });
  } finally {
    await w.close();
  }
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.deepEqual((await maria.sql('shop', 'SELECT count(*) AS n FROM items WHERE id = 10')).map((r) => Number(r.n)), [0]);
});

test('MySQL writer: a row larger than the source\'s max_allowed_packet stops the batch at once with TANDEM_DATA naming the setting, nothing applied (measured before: taken for a lost connection and resent without end; the mysql-hostile run)', { timeout: 60_000 }, async () => {
  await maria.sql(undefined, 'SET GLOBAL max_allowed_packet = 1048576');
  const warnings: string[] = [];
  const direct: MySqlDbConfig = { ...config(), port: maria.port };
  const w = new MySqlChangeTarget(direct, { tables: [{ ...TABLE, name: 'blobs', columns: ['id', 'b'] }], onWarning: (m) => warnings.push(m) });
  try {
    await maria.sql('shop', 'CREATE TABLE blobs (id int NOT NULL PRIMARY KEY, b longtext)');
    await w.prepare('6a0d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4', 1);
    const big: ChangeEvent = { vsn: ++vsn, op: 'c', schema: 'public', table: 'blobs', key: { id: '1' }, after: { id: '1', b: 'x'.repeat(2 << 20) }, position: '', txId: `tx${vsn}` };
    const started = Date.now();
    await assert.rejects(w.applyBatch(0, [big]), (e: unknown) => {
      assert.ok(e instanceof TandemError, String(e));
      assert.equal(e.code, 'TANDEM_DATA');
      assert.match(e.message, /^Applying changes on channel 0 failed: INSERT of public\.blobs in events \d+\.\.\d+: its statement takes \d+ bytes, more than the source's max_allowed_packet \(1048576\); MySQL would refuse it \(error 1153, ER_NET_PACKET_TOO_LARGE\)\. Nothing of the batch was applied\.$/);
      assert.match(e.hint ?? '', /max_allowed_packet .*SET GLOBAL max_allowed_packet = 1073741824;/);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, `stopped after ${Date.now() - started} ms`);
    assert.deepEqual(warnings, [], 'no "lost the connection" warning');
    assert.deepEqual((await maria.sql('shop', 'SELECT count(*) AS n FROM blobs')).map((r) => Number(r.n)), [0]);
  } finally {
    await w.close().catch(() => {});
    await maria.sql(undefined, 'SET GLOBAL max_allowed_packet = 16777216');
  }
});
