/**
 * A target server restarted during the cutover to target: `import data to target` waits for it and
 * completes the cutover itself (measured before: it stopped with TANDEM_CONNECT right after its
 * verification matched, and the user had to rerun it while the application waited; the
 * server-restarts run). No race decides where the restart lands: the failpoint
 * `cutover.before-reverse-slot` stands the importer still (its event loop too) right before it
 * creates the fall-back stream, and the test keeps the target down past that pause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { StoppablePgServer } from '../../helpers/pg-server.js';
import { eventually, startTandem, tail, sleep, type TandemProcess } from '../../helpers/live-process.js';
import { sourceAndTargetServers, waitCompleted, withSampleLiveMigration } from '../../helpers/fallback-kit.js';
import { runTandem } from '../../helpers/cli.js';

let s: StoppablePgServer;
let t: StoppablePgServer;

sourceAndTargetServers((source, target) => {
  s = source as StoppablePgServer;
  t = target as StoppablePgServer;
});

/** Once `proc` has logged a hit of failpoint `point` in `log`, takes `server` down for `ms`, then brings it back. */
async function downPastFailpoint(server: StoppablePgServer, log: string, point: string, proc: TandemProcess, ms: number): Promise<void> {
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes(point)) && !proc.exited()) await sleep(10);
  assert.equal(proc.exited(), false, tail(proc.output()));
  server.halt();
  await sleep(ms);
  server.resume();
}

test('the target down while the cutover to target creates the fall-back stream: the importer waits for it, makes the stream again, and completes the cutover, verified, without a rerun', { timeout: 180_000 }, async () => {
  const log = join(tmpdir(), `tandem-cutover-restart-${process.pid}.log`);
  rmSync(log, { force: true });
  await withSampleLiveMigration(s, t, 'shop_rs', 'yb_rs', async (m, ex, im) => {
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    const r = await m.run(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    assert.equal(r.code, 0, r.stderr);
    // Down past the pause: the fall-back stream's creation meets no server.
    await downPastFailpoint(t, log, 'cutover.before-reverse-slot', im, 5_000);
    await waitCompleted(m, 'cutover to target', [im, ex]);
    assert.equal(im.exited(), false, `the importer stopped:\n${tail(im.output())}`);
    assert.match(im.output(), /Created .* on the target .* for the fall-back stream/);
    assert.match(im.output(), /Cutover to target COMPLETED/);
    const status = await m.ok(['cutover', 'status']);
    assert.match(status, /cutover to target \(fall-back prepared\) \|\s+COMPLETED/);
    assert.match(status, /Cutover to target: verification MATCH for every table/);
    // The restart did land in the step: it was waited for, and the step made again.
    assert.match(readFileSync(join(m.dir, 'logs', 'import-data-to-target.log'), 'utf8'), /creating the fall-back stream: the target database went away/);
  }, { TANDEM_FAILPOINTS: 'cutover.before-reverse-slot=pause:2000@1', TANDEM_FAILPOINT_LOG: log });
});

// The server-restarts run: a source made read-only to stop the application before the cutover made
// the exporter's end of the stream an internal error ("This is a bug in Tandem"). PostgreSQL takes
// the marker (a logical message) read-only; dropping the publication is what it refuses.
test('a source made read-only before the cutover: the cutover completes, the exporter stops on the end of its stream with a read-only error and the fix, and once writable a rerun ends the stream', { timeout: 180_000 }, async () => {
  try {
    await withSampleLiveMigration(s, t, 'shop_ro', 'yb_ro', async (m, ex, im) => {
      await im.waitFor(/Applying the changes captured on the source/, 90_000);
      await s.sql('postgres', 'ALTER SYSTEM SET default_transaction_read_only = on');
      await s.sql('postgres', 'SELECT pg_reload_conf()');
      const r = await m.run(['initiate', 'cutover', 'to', 'target']);
      assert.equal(r.code, 0, r.stderr);
      await waitCompleted(m, 'cutover to target', [im]);
      assert.equal(await ex.done, 1, tail(ex.output()));
      assert.match(ex.output(), /error \[TANDEM_PREREQUISITE\]: The database is read-only: cannot execute DROP PUBLICATION in a read-only transaction\.\n\s+fix: Tandem writes there .*make it writable .*then rerun the same command: it resumes/);
      assert.doesNotMatch(ex.output(), /bug in Tandem/);
      await s.sql('postgres', 'ALTER SYSTEM RESET default_transaction_read_only');
      await s.sql('postgres', 'SELECT pg_reload_conf()');
      const again = await runTandem(m.exportArgs(), m.env);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.deepEqual(await s.sql('shop_ro', "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'tandem%'"), [{ n: 0 }]);
    });
  } finally {
    await s.sql('postgres', 'ALTER SYSTEM RESET default_transaction_read_only').then(() => s.sql('postgres', 'SELECT pg_reload_conf()')).catch(() => {});
  }
});

// The server-restarts run: the source restarted right after the cutover to target with fall-back
// stopped the source's exporter (now "import data to source") 5 ms after COMPLETED, with a fix about
// host and port flags, while the application already wrote to the target.
test('the source restarted while its stream ends right after the cutover with fall-back: the process waits for it, ends the stream and goes on as the fall-back\'s importer', { timeout: 180_000 }, async () => {
  const log = join(tmpdir(), `tandem-stream-end-restart-${process.pid}.log`);
  rmSync(log, { force: true });
  await withSampleLiveMigration(s, t, 'shop_se', 'yb_se', async (m, ex, im) => {
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    const r = await m.run(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    assert.equal(r.code, 0, r.stderr);
    // Down past the delay: the drop meets no server.
    await downPastFailpoint(s, log, 'stream.before-drop', ex, 6_000);
    await ex.waitFor(/Dropped replication slot \S+ and publication \S+ on the source\./, 60_000);
    await ex.waitFor(/Applying the changes captured on the target to the source/, 60_000);
    assert.equal(ex.exited(), false, tail(ex.output()));
    assert.deepEqual(await s.sql('shop_se', "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'tandem%'"), [{ n: 0 }]);
    assert.match(readFileSync(join(m.dir, 'logs', 'export-data-from-source.log'), 'utf8'), /ending the source's change stream: the source database went away/);
  }, {}, { TANDEM_FAILPOINTS: 'stream.before-drop=delay:4000@1', TANDEM_FAILPOINT_LOG: log });
});

// fix-verify-46: a restarted import data whose snapshot was loaded went straight to streaming, so a
// generated column made ordinary on the target while it was stopped held NULL in every row streamed
// after; only the cutover's verification saw the values differ, without the cause.
test('a generated column made ordinary on the target while the importer was stopped: the restarted importer refuses before applying a change, naming it; once generated again, the change streams with its value', { timeout: 180_000 }, async () => {
  await withSampleLiveMigration(s, t, 'shop_gc', 'yb_gc', async (m, _ex, im) => {
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    await im.kill('SIGKILL');
    await t.sql('yb_gc', 'ALTER TABLE shop.order_items ALTER COLUMN line_total DROP EXPRESSION');
    await s.sql('shop_gc', `INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price)
      SELECT min(order_id), 9001, (SELECT min(product_id) FROM shop.products), 3, 2.50 FROM shop.orders`);
    const refused = startTandem(m.importArgs(), m.env);
    try {
      // Without the check it streams on: the race's other side ends the wait.
      const code = await Promise.race([refused.done, sleep(60_000).then(() => 'still running')]);
      assert.ok(typeof code === 'number' && code !== 0, `exit ${code}:\n${tail(refused.output())}`);
    } finally {
      await refused.kill('SIGKILL');
    }
    assert.match(refused.output(), /TANDEM_PREREQUISITE/);
    assert.match(refused.output(), /Columns generated on the source are ordinary columns on the target: shop\.order_items \(line_total\)/);
    assert.doesNotMatch(refused.output(), /Applying the changes/);
    assert.deepEqual(await t.sql('yb_gc', 'SELECT count(*)::int AS n FROM shop.order_items WHERE line_no = 9001'), [{ n: 0 }]);
    await t.sql('yb_gc', 'ALTER TABLE shop.order_items DROP COLUMN line_total, ADD COLUMN line_total numeric(14,2) GENERATED ALWAYS AS (quantity * unit_price) STORED');
    const again = startTandem(m.importArgs(), m.env);
    try {
      await eventually(async () => {
        const rows = await t.sql('yb_gc', 'SELECT line_total::text AS v FROM shop.order_items WHERE line_no = 9001');
        return rows.length === 1 && rows[0].v === '7.50' ? true : `target row: ${JSON.stringify(rows)}`;
      }, 60_000);
      assert.equal(again.exited(), false, tail(again.output()));
    } finally {
      await again.kill('SIGKILL');
    }
  });
});
