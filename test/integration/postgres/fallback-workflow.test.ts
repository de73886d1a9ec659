/**
 * The whole live migration with fall-back through the built CLI, checked at every step: snapshot and
 * streaming while the application writes to the source; cutover to target (tables equal, source slot
 * and publication gone, target slot there, verification MATCH, sequences usable on the target); the
 * application on the target (inserts, updates, deletes, a primary-key update with an ON UPDATE
 * CASCADE, a unique-key swap, trigger-made changes) reaching the source without firing the source's
 * triggers; cutover to source (tables equal, sequences usable on the source, target slot gone);
 * the data-migration report's row counts; end migration leaving nothing behind.
 */
import { test } from 'node:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { PgServer } from '../../helpers/pg-server.js';
import { startTandem, tail, eventually, logMatches, type TandemProcess } from '../../helpers/live-process.js';
import { sourceAndTargetServers, SampleMigration, slotsOf, publicationsOf, insertWithSequences, runApp, waitCompleted } from '../../helpers/fallback-kit.js';

let s: PgServer;
let t: PgServer;

sourceAndTargetServers((source, target) => {
  s = source;
  t = target;
});

const count = async (server: PgServer, db: string, table: string) => Number((await server.sql(db, `SELECT count(*)::int AS n FROM ${table}`))[0].n);

test('live migration with fall-back: every step checked through the CLI', { timeout: 240_000 }, async () => {
  const m = new SampleMigration(s, 'shopdb', t, 'yb');
  await m.createDatabases();
  await m.schema();
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    // Each exporter holds its cutover marker 1.5 s, past the importer's fallback look at the
    // request: each cutover's comparison connections are then opened before its marker.
    const held = { ...m.env, TANDEM_FAILPOINTS: 'cdc.before-marker=delay:1500' };
    ex = startTandem(m.exportArgs(), held);
    im = startTandem(m.importArgs(), held);
    await ex.waitFor(/Streaming changes/, 60_000);
    // The application writes to the source while changes stream, advancing every sequence.
    const app = runApp(s, 'shopdb', 11, 'src', 2);
    await eventually(async () => (app.stats.transactions >= 150 ? true : `${app.stats.transactions} transactions`), 60_000, 100);
    await m.ok(['import', 'schema', ...m.TF, '--post-snapshot-import', 'true']);
    const appStats = await app.stop();
    assert.equal(appStats.errors, 0, `application errors on the source: ${appStats.lastError}`);
    await insertWithSequences(s, 'shopdb', 'src-late');
    // A TRUNCATE while changes stream, then new rows: the report's FINAL_ROW_COUNT must stay exact.
    await s.sql('shopdb', `TRUNCATE analytics.daily_totals; INSERT INTO analytics.daily_totals (day, orders, revenue) SELECT date '2030-01-01' + g, g, g * 1.5 FROM generate_series(1, 7) g`);
    const trig = await t.sql('yb', `SELECT tgname FROM pg_trigger WHERE tgname = 'order_items_count'`);
    assert.equal(trig.length, 1, 'the post-snapshot import created the trigger on the target');

    // ---- cutover to target
    const initiated = await m.ok(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    assert.match(initiated, /Cutover to target initiated \(prepared for fall-back\)/);
    await waitCompleted(m, 'cutover to target', [ex, im]);
    assert.equal(await m.diff(), '', 'every table equal after cutover to target');
    // With fall-back, "import data to source" (what the exporter became) ends the source's stream
    // right after COMPLETED, before it writes anything to the source.
    await ex.waitFor(/Dropped replication slot \S+ and publication \S+ on the source/, 30_000);
    assert.deepEqual(await slotsOf(s, 'shopdb'), [], 'the source slot is dropped');
    assert.deepEqual(await publicationsOf(s, 'shopdb'), [], 'the source publication is dropped');
    const tSlots = await slotsOf(t, 'yb');
    assert.equal(tSlots.length, 1, 'the fall-back slot exists on the target');
    assert.match(tSlots[0]!.slot_name, /^tandem_fb_/);
    const toTarget = await m.statusOf('cutover to target');
    assert.equal(toTarget.status, 'COMPLETED');
    assert.equal(toTarget.detail.verification?.verified, true, JSON.stringify(toTarget.detail));
    assert.equal(toTarget.detail.verification?.match, true, JSON.stringify(toTarget.detail));
    assert.equal(toTarget.detail.writesAfterMarker, undefined);
    const text = await m.ok(['cutover', 'status']);
    assert.match(text, /Cutover to target: verification MATCH for every table/);

    // Sequences on the target continue after the source's last values (serial, bigserial, identity).
    const maxSrc = (await s.sql('shopdb', `SELECT (SELECT max(customer_id) FROM shop.customers) AS c, (SELECT max(order_id) FROM shop.orders) AS o,
      (SELECT max(product_id) FROM shop.products) AS p, (SELECT max(shipment_id) FROM shop.shipments) AS sh, (SELECT max("Id") FROM "Ops"."AuditLog") AS a,
      (SELECT max(invoice_no) FROM shop.orders) AS inv`))[0];
    const onTarget = await insertWithSequences(t, 'yb', 'tgt-1');
    assert.ok(Number(onTarget.customer) > Number(maxSrc.c) && Number(onTarget.order) > Number(maxSrc.o) && Number(onTarget.product) > Number(maxSrc.p)
      && Number(onTarget.shipment) > Number(maxSrc.sh) && Number(onTarget.audit) > Number(maxSrc.a) && Number(onTarget.invoice) > Number(maxSrc.inv),
    `target sequences continue after the source's values: ${JSON.stringify(onTarget)} vs ${JSON.stringify(maxSrc)}`);

    // ---- the application on the target
    const q = (sql: string) => t.sql('yb', sql);
    const ord = (await q(`INSERT INTO shop.orders (customer_id, ordered_on, note) VALUES (7, '2025-03-01', 'made on target') RETURNING order_id`))[0].order_id;
    await q(`INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (${ord}, 1, 10, 1, 2.5), (${ord}, 2, 20, 2, 3.5)`);
    await q(`INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (${ord}, 3, 30, 3, 4.5)`);
    await q(`UPDATE shop.customers SET city = 'Bern', tags = ARRAY['fb'] WHERE customer_id BETWEEN 10 AND 30`);
    await q(`UPDATE shop.products SET attributes = attributes || '{"fb": 1}', picture = NULL WHERE product_id % 70 = 0`);
    await q(`DELETE FROM analytics.events WHERE event_id BETWEEN 100 AND 150`);
    await q(`DELETE FROM shop.order_items WHERE order_id BETWEEN 900 AND 910 AND line_no = 2`);
    // Primary-key updates: a plain one, and one that cascades to shipments (ON UPDATE CASCADE).
    await q(`UPDATE analytics.daily_totals SET day = day + 5000 WHERE day BETWEEN '2024-01-10' AND '2024-01-12'`);
    await q(`UPDATE shop.order_items SET line_no = 50 WHERE order_id = 5 AND line_no = 1`);
    // Unique-key swaps in one transaction: products.sku (constraint) and customers' lower(email) (index).
    const [sku10, sku20] = (await q(`SELECT sku FROM shop.products WHERE product_id IN (10, 20) ORDER BY product_id`)).map((x) => String(x.sku));
    await q(`BEGIN;
      UPDATE shop.products SET sku = 'tmp' WHERE product_id = 10;
      UPDATE shop.products SET sku = '${sku10}' WHERE product_id = 20;
      UPDATE shop.products SET sku = '${sku20}' WHERE product_id = 10;
      UPDATE shop.customers SET email = 'tmp@x.io' WHERE customer_id = 1;
      UPDATE shop.customers SET email = 'user1@example.com' WHERE customer_id = 2;
      UPDATE shop.customers SET email = 'user2@example.com' WHERE customer_id = 1;
      COMMIT;`);
    await q(`UPDATE "Ops"."AuditLog" SET details = NULL, duration = interval '5 minutes' WHERE "Id" <= 10`);
    const itemCountOnTarget = Number((await q(`SELECT item_count FROM shop.orders WHERE order_id = ${ord}`))[0].item_count);
    assert.equal(itemCountOnTarget, 3, 'the trigger fired on the target for the application\'s items');
    // Everything reaches the source while the fall-back stream runs.
    await eventually(async () => (await m.diff()) || true, 60_000);
    const srcRow = (await s.sql('shopdb', `SELECT item_count, note FROM shop.orders WHERE order_id = ${ord}`))[0];
    assert.equal(srcRow?.note, 'made on target');
    assert.equal(Number(srcRow.item_count), 3, 'the source\'s trigger did not fire for replicated order items (else 6)');
    assert.deepEqual(await s.sql('shopdb', `SELECT line_no FROM shop.shipments WHERE order_id = 5 ORDER BY 1`), [{ line_no: 50 }]);
    assert.deepEqual((await s.sql('shopdb', `SELECT product_id, sku FROM shop.products WHERE product_id IN (10, 20) ORDER BY 1`)).map((r) => r.sku), [sku20, sku10]);
    assert.deepEqual((await s.sql('shopdb', `SELECT email FROM shop.customers WHERE customer_id IN (1, 2) ORDER BY customer_id`)).map((r) => r.email), ['user2@example.com', 'user1@example.com']);
    const disabled = await s.sql('shopdb', `SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('shop', 'analytics', 'Ops') AND t.tgenabled <> 'O'
      UNION ALL SELECT conname FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname IN ('shop', 'analytics', 'Ops') AND NOT co.convalidated`);
    assert.deepEqual(disabled, [], 'no trigger or constraint disabled on the source');
    assert.equal((await s.sql('shopdb', `SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'order_items_count' AND tgenabled = 'O'`))[0].n, 1);

    // A TRUNCATE on the target, streamed back to the source.
    await q(`TRUNCATE analytics.daily_totals; INSERT INTO analytics.daily_totals (day, orders, revenue) SELECT date '2031-01-01' + g, g, g FROM generate_series(1, 4) g`);
    // The seeded application on the target, then everything equal again.
    const tgtApp = runApp(t, 'yb', 12, 'tgt', 2);
    await eventually(async () => (tgtApp.stats.transactions >= 150 ? true : `${tgtApp.stats.transactions} transactions`), 60_000, 100);
    const tgtStats = await tgtApp.stop();
    assert.equal(tgtStats.errors, 0, `application errors on the target: ${tgtStats.lastError}`);

    await eventually(async () => (await m.diff()) || true, 60_000);

    // ---- cutover to source
    const r = await m.ok(['initiate', 'cutover', 'to', 'source']);
    assert.match(r, /Cutover to source initiated/);
    await waitCompleted(m, 'cutover to source', [ex, im]);
    const toSource = await m.statusOf('cutover to source');
    assert.equal(toSource.detail.verification?.match, true, JSON.stringify(toSource.detail));
    assert.deepEqual(toSource.detail.disabledOnSource, []);
    assert.equal(await m.diff(), '', 'every table equal after cutover to source');
    assert.deepEqual(await slotsOf(t, 'yb'), [], 'the target slot is dropped');
    assert.deepEqual(await publicationsOf(t, 'yb'), [], 'the target publication is dropped');
    assert.deepEqual(await slotsOf(s, 'shopdb'), []);
    const [exCode, imCode] = await Promise.all([ex.done, im.done]);
    assert.equal(exCode, 0, tail(ex.output()));
    assert.equal(imCode, 0, tail(im.output()));
    assert.match(ex.output(), /Cutover to source COMPLETED/);
    for (const occasion of ['cutover-to-target', 'cutover-to-source']) {
      assert.equal(logMatches(m.dir, new RegExp(`verification at ${occasion}: on the connections opened when the cutover was requested`, 'g')), 1, occasion);
    }
    // The fall-back's metrics count its own events, not the queue's numbering that runs on from the
    // source's (the exporter from the target is what "import data to target" became; the importer
    // to the source, what "export data from source" became).
    const metricPairs = (text: string, total: string, run: string) => [...text.matchAll(new RegExp(`\\| ${total} +\\| +(\\d+) \\|\\n\\| ${run} +\\| +(\\d+) \\|`, 'g'))]
      .map((x) => [Number(x[1]), Number(x[2])] as const);
    const fromTarget = metricPairs(im.output(), 'Total Exported Events', 'Total Exported Events \\(Current Run\\)');
    assert.ok(fromTarget.length > 0 && fromTarget.every(([total, run]) => total === run), `export data from target: ${JSON.stringify(fromTarget)}`);
    const intoSource = metricPairs(ex.output(), 'Total Imported events', 'Events Imported in this Run');
    assert.ok(intoSource.length > 0 && intoSource.every(([total, run]) => total >= run && total <= run + 1), `import data to source: ${JSON.stringify(intoSource)}`);

    // ---- the report: a source and a target row per table; FINAL_ROW_COUNT is the real count
    const rep = await m.run(['get', 'data-migration-report', '--output-format', 'json']);
    assert.equal(rep.code, 0, rep.stderr);
    const rows = JSON.parse(rep.stdout) as { table_name: string; db_type: string; final_row_count: number }[];
    const tables = [...new Set(rows.map((x) => x.table_name))].sort();
    assert.deepEqual(tables, ['Ops.AuditLog', 'analytics.daily_totals', 'analytics.events', 'shop.customers', 'shop.order_items', 'shop.orders', 'shop.products', 'shop.shipments']);
    const wrong: string[] = [];
    for (const name of tables) {
      const [schema, table] = name.split('.') as [string, string];
      const qualified = `"${schema}"."${table}"`;
      for (const [side, server, db] of [['source', s, 'shopdb'], ['target', t, 'yb']] as const) {
        const row = rows.filter((x) => x.table_name === name && x.db_type === side);
        assert.equal(row.length, 1, `one ${side} row for ${name}`);
        const real = await count(server, db, qualified);
        if (row[0]!.final_row_count !== real) wrong.push(`${name} ${side}: report ${row[0]!.final_row_count}, real ${real}`);
      }
    }
    assert.deepEqual(wrong, [], 'FINAL_ROW_COUNT equals the real row count');

    // Sequences on the source continue after the target's values.
    const maxTgt = (await t.sql('yb', `SELECT (SELECT max(customer_id) FROM shop.customers) AS c, (SELECT max(order_id) FROM shop.orders) AS o,
      (SELECT max(product_id) FROM shop.products) AS p, (SELECT max(shipment_id) FROM shop.shipments) AS sh, (SELECT max("Id") FROM "Ops"."AuditLog") AS a`))[0];
    const onSource = await insertWithSequences(s, 'shopdb', 'back-1');
    assert.ok(Number(onSource.customer) > Number(maxTgt.c) && Number(onSource.order) > Number(maxTgt.o) && Number(onSource.product) > Number(maxTgt.p)
      && Number(onSource.shipment) > Number(maxTgt.sh) && Number(onSource.audit) > Number(maxTgt.a),
    `source sequences continue after the target's values: ${JSON.stringify(onSource)} vs ${JSON.stringify(maxTgt)}`);

    // ---- end migration, stopped after the source's state is removed (the new-user run: the report
    // then read the source's counters as 0, and the rerun's saved report was that one)
    const stopped = await m.run(['end', 'migration', '--backup-log-files', 'false', '--backup-data-files', 'false', '--backup-schema-files', 'false',
      '--save-migration-reports', 'false', '--yes', 'true'], { TANDEM_FAILPOINTS: 'end.between-databases=error' });
    assert.notEqual(stopped.code, 0, stopped.stdout + stopped.stderr);
    assert.deepEqual(await s.sql('shopdb', `SELECT nspname FROM pg_namespace WHERE nspname = 'ybvoyager_metadata'`), [], 'the source\'s state was removed');
    const imported = (text: string) => (JSON.parse(text) as Record<string, unknown>[]).map((x) => [x.table_name, x.db_type, x.imported_inserts, x.imported_updates, x.imported_deletes, x.final_row_count].join(' '));
    const after = await m.run(['get', 'data-migration-report', '--output-format', 'json']);
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(imported(after.stdout), imported(rep.stdout), 'the report after a stopped end migration');
    const backups = mkdtempSync(join(tmpdir(), 'tandem-end-backup-'));
    const end = await m.run(['end', 'migration', '--backup-log-files', 'false', '--backup-data-files', 'false', '--backup-schema-files', 'false',
      '--save-migration-reports', 'true', '--backup-dir', backups, '--yes', 'true']);
    assert.equal(end.code, 0, end.stdout + end.stderr);
    assert.deepEqual(imported(readFileSync(join(backups, 'reports', 'data-migration-report.json'), 'utf8')), imported(rep.stdout), 'the saved report');
    for (const [server, db] of [[s, 'shopdb'], [t, 'yb']] as const) {
      assert.deepEqual(await server.sql(db, `SELECT nspname FROM pg_namespace WHERE nspname = 'ybvoyager_metadata'`), [], `metadata schema dropped (${db})`);
      assert.deepEqual(await slotsOf(server), [], `no slot left on the server of ${db}`);
      assert.deepEqual(await publicationsOf(server, db), []);
    }
  } catch (e) {
    (e as Error).message += `\n--- export data from source:\n${tail(ex?.output() ?? '')}\n--- import data to target:\n${tail(im?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL')]);
  }
});
