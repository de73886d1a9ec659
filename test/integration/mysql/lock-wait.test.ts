/**
 * The fall-back writer into MariaDB 10.11 waits for a lock as long as it is held, as PostgreSQL's
 * does, and says what holds it: a session's open transaction, a prepared XA transaction, a table
 * lock; without PROCESS, that it cannot be read (measured before: InnoDB's 50 s timeout, errno
 * 1205, the same wait one event at a time, then the import stopped with "Lock wait timeout
 * exceeded" and nothing more).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import type { MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { MySqlChangeTarget } from '../../../src/adapters/mysql/writer/mysql-change-target.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import type { TableInfo } from '../../../src/core/engine/catalog.js';

const UUID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const T: TableInfo = { schema: 'public', name: 't', columns: ['id', 'v'], primaryKey: ['id'], estimatedRows: 0, estimatedBytes: 0 };
let maria: MariaDbServer;
let vsn = 0;

before(async () => {
  maria = await startMariaDb();
  await maria.createDatabase('lw');
  await maria.sql('lw', "CREATE TABLE t (id int NOT NULL PRIMARY KEY, v varchar(20)); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  // The writer's own user: what a fall-back needs on its database and the metadata one, no PROCESS.
  await maria.sql(undefined, `CREATE USER 'nopro'@'%' IDENTIFIED BY 'pw';
    GRANT SELECT, INSERT, UPDATE, DELETE ON lw.* TO 'nopro'@'%';
    GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON ybvoyager_metadata.* TO 'nopro'@'%'`);
});
after(async () => {
  await maria?.stop();
});

const config = (user = maria.user, password = maria.password): MySqlDbConfig => ({
  role: 'source', type: 'mysql', host: maria.host, port: maria.port, user, password, database: 'lw', schemas: [], sslMode: 'disable',
});

const update = (id: number, v: string): ChangeEvent => ({ vsn: ++vsn, op: 'u', schema: 'public', table: 't', key: { id: String(id) }, after: { id: String(id), v }, position: '', txId: `tx${vsn}` });

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a batch held up by an open transaction past innodb_lock_wait_timeout, then by a prepared XA transaction, then by LOCK TABLES: each is named with what ends it, and the batch applies when it ends', { timeout: 90_000 }, async () => {
  // The server's own timeout at its least: the writer's sessions wait longer than it.
  await maria.sql(undefined, 'SET GLOBAL innodb_lock_wait_timeout = 1');
  const warnings: string[] = [];
  const notices: string[] = [];
  const w = new MySqlChangeTarget(config(), { tables: [T], onWarning: (m) => warnings.push(m), onNotice: (m) => notices.push(m), lockWaitLookMs: 300 });
  const holder = await maria.connect('lw');
  try {
    await w.prepare(UUID, 1);
    await holder.query("START TRANSACTION; UPDATE t SET v = 'held' WHERE id = 1");
    const holderId = holder.threadId;
    let done = false;
    const batch = w.applyBatch(0, [update(1, 'one')]).then(() => { done = true; });
    await until(() => warnings.length > 0, 10_000, 'the holder said');
    assert.match(warnings[0]!, new RegExp(`^Writing the changes on the source root@127\\.0\\.0\\.1:${maria.port}/lw has waited \\d+ s for a lock held by session ${holderId} \\(user root, from 127\\.0\\.0\\.1:\\d+, idle in its transaction, its transaction begun \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)\\. The import goes on at once when that transaction ends: commit or roll it back there, or end the session as a user allowed to \\(KILL ${holderId};\\)\\.$`));
    // Past the server's 1 s timeout, the batch still waits, and the holder is said once.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(done, false);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    await holder.query('COMMIT');
    await batch;
    assert.deepEqual(await maria.sql('lw', 'SELECT v FROM t WHERE id = 1'), [{ v: 'one' }]);
    // The end of a wait that was said is said too (fix-verify-51: nothing, so the warning looked current).
    assert.deepEqual(notices.map((n) => n.replace(/\d+ s\.$/, 'N s.')), [`Writing the changes on the source root@127.0.0.1:${maria.port}/lw goes on: the lock it waited for was released after N s.`]);

    // A prepared XA transaction whose client is gone.
    const xa = await maria.connect('lw');
    await xa.query("XA START 'pay-7'; UPDATE t SET v = 'xa' WHERE id = 2; XA END 'pay-7'; XA PREPARE 'pay-7'");
    await xa.end();
    warnings.length = 0;
    const second = w.applyBatch(0, [update(2, 'two')]);
    await until(() => warnings.length > 0, 10_000, 'the XA transaction said');
    assert.match(warnings[0]!, /has waited \d+ s for a lock held by a prepared XA transaction \('pay-7'; two-phase commit, its client gone\): it holds rows these changes write until it is committed or rolled back\. Nothing is lost meanwhile, and the import goes on at once when the lock is free: have its transaction manager finish it, or run XA COMMIT 'pay-7'; or XA ROLLBACK 'pay-7'; on that database\.$/);
    await maria.sql(undefined, "XA ROLLBACK 'pay-7'");
    await second;
    assert.deepEqual(await maria.sql('lw', 'SELECT v FROM t WHERE id = 2'), [{ v: 'two' }]);

    // A prepared XA transaction whose client is still connected looks like an idle session: the
    // prepared ones are named beside it, as KILL leaves them prepared (fix-verify-51).
    const xa2 = await maria.connect('lw');
    await xa2.query("XA START 'pay-8'; UPDATE t SET v = 'xa2' WHERE id = 2; XA END 'pay-8'; XA PREPARE 'pay-8'");
    warnings.length = 0;
    const xaWait = w.applyBatch(0, [update(2, 'two again')]);
    await until(() => warnings.length > 0, 10_000, 'the connected XA session said');
    assert.match(warnings[0]!, new RegExp(`held by session ${xa2.threadId} \\(.*idle in its transaction.*KILL ${xa2.threadId};\\)\\. If it prepared an XA transaction \\(XA RECOVER lists 'pay-8'\\), KILL leaves that prepared: XA COMMIT or XA ROLLBACK it instead\\.$`));
    await xa2.query("XA ROLLBACK 'pay-8'");
    await xaWait;
    await xa2.end();

    // A table lock: no row lock to name, the session's state says it.
    await holder.query('LOCK TABLES t WRITE');
    warnings.length = 0;
    const third = w.applyBatch(0, [update(3, 'three')]);
    await until(() => warnings.length > 0, 10_000, 'the table lock said');
    assert.match(warnings[0]!, /has waited \d+ s for a lock: its session is "Waiting for table metadata lock": another session holds a table these changes write \(LOCK TABLES, FLUSH TABLES WITH READ LOCK, or DDL waiting behind an open transaction\)\. .*UNLOCK TABLES there, or KILL its session/);
    await holder.query('UNLOCK TABLES');
    await third;
    assert.deepEqual(await maria.sql('lw', 'SELECT v FROM t WHERE id = 3'), [{ v: 'three' }]);
  } finally {
    await holder.end();
    await w.close();
    await maria.sql(undefined, 'SET GLOBAL innodb_lock_wait_timeout = 50');
  }
});

test('a writer whose user lacks PROCESS says the wait, that its holder cannot be read, and the GRANT that names it', { timeout: 60_000 }, async () => {
  const warnings: string[] = [];
  const w = new MySqlChangeTarget(config('nopro', 'pw'), { tables: [T], onWarning: (m) => warnings.push(m), lockWaitLookMs: 300 });
  const holder = await maria.connect('lw');
  try {
    await w.prepare('2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', 1);
    await holder.query("START TRANSACTION; UPDATE t SET v = 'held' WHERE id = 1");
    const batch = w.applyBatch(0, [update(1, 'uno')]);
    await until(() => warnings.length > 0, 10_000, 'the wait said');
    assert.match(warnings[0]!, /^Writing the changes on the source nopro@127\.0\.0\.1:\d+\/lw has waited \d+ s for a lock; what holds it cannot be read: nopro lacks PROCESS \(GRANT PROCESS ON \*\.\* TO 'nopro'@'%'; has it named\)\./);
    await holder.query('ROLLBACK');
    await batch;
    assert.deepEqual(await maria.sql('lw', 'SELECT v FROM t WHERE id = 1'), [{ v: 'uno' }]);
  } finally {
    await holder.end();
    await w.close();
  }
});

// The fix-verify-51 run: with the writer waiting for a lock as long as it is held, the first Ctrl-C
// did nothing (the stop waited for the batch).
test('a stop while a batch waits for a lock cancels the batch: the run ends, nothing of it is written, and the next run applies it once', { timeout: 60_000 }, async () => {
  const { ChangeDispatcher } = await import('../../../src/workflow/cdc/change-dispatcher.js');
  const uuid = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
  const w = new MySqlChangeTarget(config(), { tables: [T], onWarning: () => {}, lockWaitLookMs: 60_000 });
  const holder = await maria.connect('lw');
  const stop = new AbortController();
  try {
    await maria.sql('lw', "UPDATE t SET v = 'two' WHERE id = 2; UPDATE t SET v = 'three' WHERE id = 3");
    await holder.query("START TRANSACTION; UPDATE t SET v = 'held' WHERE id = 3");
    const events = [update(2, 'free'), update(3, 'waits')];
    const source = async function* () {
      yield events;
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
    };
    const run = new ChangeDispatcher(w, { migrationUuid: uuid, channels: 1, batchSize: 10, signal: stop.signal, cancelAfterMs: 300 }).run(source());
    await new Promise((r) => setTimeout(r, 1000));
    const asked = Date.now();
    stop.abort();
    const summary = await run;
    assert.ok(Date.now() - asked < 10_000, `stopped in ${Date.now() - asked} ms`);
    assert.equal(summary.stopped, true);
    await holder.query('ROLLBACK');
    assert.deepEqual(await maria.sql('lw', 'SELECT id, v FROM t WHERE id IN (2, 3) ORDER BY id'), [{ id: 2, v: 'two' }, { id: 3, v: 'three' }], 'nothing of the cancelled batch was written');
    await w.close();
    const again = new MySqlChangeTarget(config(), { tables: [T], onWarning: () => {} });
    try {
      await new ChangeDispatcher(again, { migrationUuid: uuid, channels: 1, batchSize: 10 }).run((async function* () { yield events; })());
    } finally {
      await again.close();
    }
    assert.deepEqual(await maria.sql('lw', 'SELECT id, v FROM t WHERE id IN (2, 3) ORDER BY id'), [{ id: 2, v: 'free' }, { id: 3, v: 'waits' }]);
  } finally {
    await holder.end();
    await w.close();
  }
});
