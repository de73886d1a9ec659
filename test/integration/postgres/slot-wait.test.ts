/**
 * A logical slot's creation waits for every transaction open on the server when it began (any
 * database), which used to be a silent hang of `export data` (and of the cutover, on the target).
 * `watchSlotCreation` names them while it waits: here a session idle in a transaction and a
 * prepared transaction on a real PostgreSQL 15, then the slot is created once both end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { eventually } from '../../helpers/live-process.js';
import { ReplicationConnection } from '../../../src/adapters/postgres/replication/replication-connection.js';
import { blockingTransactions, slotWaitMessage, watchSlotCreation } from '../../../src/adapters/postgres/replication/slot-wait.js';
import { PgChangeCapture } from '../../../src/adapters/postgres/pg-change-capture.js';
import pg from 'pg';

let server: PgServer;

before(async () => {
  server = await startPg15({ max_prepared_transactions: '5' });
  await server.createDatabase('app');
  await server.createDatabase('other');
  await server.sql('app', 'CREATE TABLE t (id int PRIMARY KEY)');
  await server.sql('other', 'CREATE TABLE u (id int PRIMARY KEY)');
});
after(async () => {
  await server?.stop();
});

test('a slot waiting for an idle transaction in another database and a prepared one names both, and is created once they end', { timeout: 60_000 }, async () => {
  const idle = await server.client('other');
  const preparer = await server.client('app');
  const [{ pid }] = (await idle.query('SELECT pg_backend_pid() AS pid')).rows;
  await idle.query('BEGIN');
  await idle.query('INSERT INTO u VALUES (1)');
  await preparer.query('BEGIN');
  await preparer.query('INSERT INTO t VALUES (1)');
  await preparer.query("PREPARE TRANSACTION 'tandem_wait_test'");
  const db = targetDbConfig(server, 'app');
  const rc = await ReplicationConnection.open({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'app' });
  const said: string[] = [];
  let created = false;
  try {
    const creating = watchSlotCreation(db, rc.createSlot('tandem_wait_test'), (m) => said.push(m), { firstMs: 200, everyMs: 400 })
      .then((s) => { created = true; return s; });
    await eventually(async () => (said.length >= 2 ? true : `${said.length} messages`), 20_000, 100);
    assert.equal(created, false, 'still waiting');
    assert.match(said[0]!, /^Creating the replication slot on .*\/app has waited \d+ s: PostgreSQL starts a logical slot only once every transaction that was open on the server \(any database\) has ended\./);
    assert.match(said[0]!, new RegExp(`pid ${pid} \\(user postgres, database other, idle in transaction, open for \\d+ s\\)`));
    assert.match(said[0]!, /prepared transaction 'tandem_wait_test' \(user postgres, database app, open for \d+ s\)/);
    assert.match(said[0]!, new RegExp(`SELECT pg_terminate_backend\\(pid\\) for ${pid}\\); COMMIT PREPARED or ROLLBACK PREPARED the prepared ones`));
    await idle.query('COMMIT');
    await preparer.query("ROLLBACK PREPARED 'tandem_wait_test'");
    const slot = await creating;
    assert.equal(slot.slotName, 'tandem_wait_test');
    const n = said.length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(said.length, n, 'nothing said once the slot exists');
    await rc.dropSlot('tandem_wait_test', { wait: true });
  } finally {
    await rc.close();
    await Promise.all([idle.end(), preparer.end()]);
  }
});

test('with no transaction visible, the message says where to look', () => {
  assert.match(slotWaitMessage('postgres@h:5/db', 35, []), /has waited 35 s: .* No open transaction is visible to this user; look for long transactions as a superuser \(pg_stat_activity with backend_xid set, pg_prepared_xacts\)/);
  assert.match(slotWaitMessage('db', 5, [{ pid: 7, user: 'app', database: 'shop', state: null, seconds: 7300 }]), /pid 7 \(user app, database shop, state hidden, open for 2\.0 h\)/);
});

test('open writers as a user who may not see other roles\' sessions (no pg_read_all_stats): another role\'s writing transaction is named all the same (measured before: its session type is hidden, it was left out and the stream dropped)', { timeout: 60_000 }, async () => {
  await server.sql('app', `CREATE ROLE mig LOGIN PASSWORD 'mig-pw'; CREATE ROLE appuser LOGIN PASSWORD 'app-pw'; GRANT ALL ON t TO appuser`);
  const mig = { ...targetDbConfig(server, 'app'), user: 'mig', password: 'mig-pw', role: 'source' as const };
  const capture = new PgChangeCapture(mig, { id: '00000000-0000-4000-8000-000000000002', side: 'source' });
  assert.deepEqual(await capture.openWriters(), { open: [] });
  const app = new pg.Client({ host: server.host, port: server.port, user: 'appuser', password: 'app-pw', database: 'app' });
  await app.connect();
  try {
    await app.query('BEGIN');
    await app.query('SELECT * FROM t');
    assert.deepEqual(await capture.openWriters(), { open: [] }, 'a reader has no transaction id');
    await app.query('INSERT INTO t VALUES (42)');
    const pid = (await app.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    assert.deepEqual(await capture.openWriters(), {
      open: [`session pid ${pid} (user appuser, state hidden from this user, transaction open since a time hidden from this user)`],
    });
    // The same session holds a slot's creation: named too (was: "No open transaction is visible to this user").
    assert.deepEqual(await blockingTransactions(mig), [{ pid, user: 'appuser', database: 'app', state: null, seconds: null }]);
    await server.sql('app', 'GRANT pg_read_all_stats TO mig');
    const seen = await capture.openWriters();
    assert.equal(seen.open.length, 1);
    assert.match(seen.open[0]!, new RegExp(`^session pid ${pid} \\(user appuser, idle in transaction, transaction open since \\d{4}-`));
  } finally {
    await app.query('ROLLBACK').catch(() => {});
    await app.end();
  }
});
