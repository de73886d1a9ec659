/**
 * A batch that waits for a lock on the written database says what holds it (measured before, the
 * pg-dml-50 run: a prepared transaction left open on the source held a row the target's application
 * then updated, and the fall-back waited on it for minutes, saying only its metrics).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { PgChangeTarget } from '../../../src/adapters/postgres/change-applier.js';
import type { AppliedTable } from '../../../src/core/apply/batch-plan.js';
import type { ChangeEvent } from '../../../src/core/change-event.js';

const MIGRATION = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const T: AppliedTable = { schema: 'public', name: 't', primaryKey: ['id'], columns: ['id', 'v'] };
let server: PgServer;

before(async () => {
  server = await startPg15({ max_prepared_transactions: '4' });
  await server.createDatabase('lw');
  await server.sql('lw', "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')");
});
after(async () => {
  await server?.stop();
});

const update = (vsn: number, id: number, v: string): ChangeEvent => ({ vsn, op: 'u', schema: 'public', table: 't', key: { id: String(id) }, after: { id: String(id), v }, position: '0', txId: String(vsn) });

/** Resolves once `check` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a batch held up by an open transaction, then by a prepared one, names each holder and what ends its hold; the batch goes on when it ends', async () => {
  const warnings: string[] = [];
  const notices: string[] = [];
  const target = new PgChangeTarget(targetDbConfig(server, 'lw'), { tables: [T], onWarning: (m) => warnings.push(m), onNotice: (m) => notices.push(m), lockWaitLookMs: 300 });
  const holder = await server.client('lw');
  try {
    await target.prepare(MIGRATION, 1);
    await holder.query("SET application_name = 'billing-app'");
    await holder.query("BEGIN; UPDATE t SET v = 'held' WHERE id = 1");
    const holderPid = Number((await holder.query('SELECT pg_backend_pid() AS p')).rows[0].p);
    let applied = false;
    const first = target.applyBatch(0, [update(1, 1, 'from the stream')]).then(() => { applied = true; });
    await until(() => warnings.length > 0, 20_000, 'the holder is said');
    assert.equal(applied, false, 'the batch still waits');
    assert.match(warnings[0]!, new RegExp(`^Writing the changes on the target .* has waited \\d+ s for a lock held by session ${holderPid} \\(user \\S+, application 'billing-app', idle in transaction, its transaction begun .* UTC; its last statement: SELECT pg_backend_pid\\(\\) AS p\\)\\. The import goes on at once when that transaction ends: .*SELECT pg_terminate_backend\\(${holderPid}\\);`));
    await holder.query('ROLLBACK');
    await first;
    assert.deepEqual(await server.sql('lw', 'SELECT v FROM t WHERE id = 1'), [{ v: 'from the stream' }]);
    // The end of a wait that was said is said too (fix-verify-51).
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0]!, /^Writing the changes on the target .* goes on: the lock it waited for was released after \d+ s\.$/);

    await holder.query("BEGIN; UPDATE t SET v = 'prepared' WHERE id = 2; PREPARE TRANSACTION 'order-42'");
    const second = target.applyBatch(0, [update(2, 2, 'from the stream too')]);
    await until(() => warnings.length > 1, 20_000, 'the prepared transaction is said');
    assert.match(warnings[1]!, /held by the prepared transaction 'order-42' \(two-phase commit, prepared .* UTC by \S+\): .*COMMIT PREPARED 'order-42'; or ROLLBACK PREPARED 'order-42'; on that database\./);
    await holder.query("ROLLBACK PREPARED 'order-42'");
    await second;
    assert.deepEqual(await server.sql('lw', 'SELECT v FROM t ORDER BY id'), [{ v: 'from the stream' }, { v: 'from the stream too' }]);
    assert.equal(warnings.length, 2, `each holder said once: ${warnings.join('\n')}`);

    // The same session holding up a later batch is said again (fix-verify-50b: once per process, so the second wait was silent).
    await holder.query("BEGIN; UPDATE t SET v = 'held again' WHERE id = 1");
    const third = target.applyBatch(0, [update(3, 1, 'third')]);
    await until(() => warnings.length > 2, 20_000, 'the same holder is said again for a new wait');
    assert.match(warnings[2]!, new RegExp(`held by session ${holderPid} `));
    await holder.query('ROLLBACK');
    await third;
  } finally {
    await holder.end().catch(() => {});
    await target.close();
  }
});

// The fix-verify-51 run: the first Ctrl-C did nothing while a batch waited for a lock (the stop waits for running batches).
test('a stop while a batch waits for a lock cancels the batch: the run ends, nothing of it is written, and the next run applies it once', { timeout: 60_000 }, async () => {
  const { ChangeDispatcher } = await import('../../../src/workflow/cdc/change-dispatcher.js');
  const uuid = '8d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';
  const target = new PgChangeTarget(targetDbConfig(server, 'lw'), { tables: [T], onWarning: () => {}, lockWaitLookMs: 60_000 });
  const holder = await server.client('lw');
  const stop = new AbortController();
  try {
    await server.sql('lw', "UPDATE t SET v = 'start' WHERE id IN (1, 2)");
    await holder.query("BEGIN; UPDATE t SET v = 'held' WHERE id = 2");
    const events = [update(1, 1, 'free'), update(2, 2, 'waits')];
    const source = async function* () {
      yield events;
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
    };
    const run = new ChangeDispatcher(target, { migrationUuid: uuid, channels: 1, batchSize: 10, signal: stop.signal, cancelAfterMs: 300 }).run(source());
    await new Promise((r) => setTimeout(r, 1000));
    const asked = Date.now();
    stop.abort();
    const summary = await run;
    assert.ok(Date.now() - asked < 10_000, `stopped in ${Date.now() - asked} ms`);
    assert.equal(summary.stopped, true);
    await holder.query('ROLLBACK');
    assert.deepEqual(await server.sql('lw', 'SELECT v FROM t ORDER BY id'), [{ v: 'start' }, { v: 'start' }], 'nothing of the cancelled batch was written');
    await target.close();
    const again = new PgChangeTarget(targetDbConfig(server, 'lw'), { tables: [T], onWarning: () => {} });
    try {
      await new ChangeDispatcher(again, { migrationUuid: uuid, channels: 1, batchSize: 10 }).run((async function* () { yield events; })());
    } finally {
      await again.close();
    }
    assert.deepEqual(await server.sql('lw', 'SELECT v FROM t ORDER BY id'), [{ v: 'free' }, { v: 'waits' }]);
  } finally {
    await holder.end().catch(() => {});
    await target.close();
  }
});
