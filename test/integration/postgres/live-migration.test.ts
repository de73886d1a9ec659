/**
 * A whole live migration through the built CLI: the sample database plus a table with every listed
 * type and a large TOASTed column (default replica identity). The importer starts first (it waits),
 * the exporter follows; changes of every kind run while streaming, `import schema
 * --post-snapshot-import true` runs mid-stream; then every table is compared row by row, the
 * report's counts are checked, and the cutover to target completes and cleans up the source.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { tableChecksums } from '../../helpers/table-checksum.js';
import { startTandem, killAll, tail, sleep, eventually, waitCutover, type TandemProcess } from '../../helpers/live-process.js';

const SCHEMAS = ['shop', 'analytics', 'Ops'];
let s: PgServer;
let t: PgServer;

before(async () => {
  [s, t] = await Promise.all([startPg15(), startPg15()]);
  await Promise.all([s.createDatabase('shopdb'), t.createDatabase('yb')]);
  await s.sql('shopdb', readFileSync(new URL('../../../../test/fixtures/sample-db.sql', import.meta.url), 'utf8'));
  await s.sql('shopdb', `
    CREATE TABLE shop.all_types (
      id int PRIMARY KEY, n numeric, n2 numeric(30,10), ts timestamptz, tm time, tmtz timetz, b bytea, ia int[], ta text[],
      j json, jb jsonb, iv interval, st shop.order_status, money shop.positive_money, u uuid, txt text, big text);
    CREATE TABLE shop.swap (id int PRIMARY KEY, code text NOT NULL UNIQUE, v int);
    INSERT INTO shop.swap SELECT g, 'code' || g, g FROM generate_series(1, 20) g;
    INSERT INTO shop.all_types
      SELECT g, ('1234567890.123456789012345678901234567890' || g)::numeric, g / 7.0, '2024-02-29 23:59:59.123456+05:30'::timestamptz + g * interval '1 day',
             '23:59:59.999999', '10:11:12.345678+02', decode(repeat('00ff', g), 'hex'), ARRAY[g, NULL, -g], ARRAY['a b', 'c"d', NULL, 'ü'],
             '{"k": [1, 2.50, "x"]}', '{"b": {"c": null}, "a": 1}', '1 year 2 mons 3 days 04:05:06.789', 'paid', 12.34, gen_random_uuid(),
             CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'Grüße 東京 🚀' END,
             (SELECT string_agg(md5(g::text || x::text), '') FROM generate_series(1, 400) x)
        FROM generate_series(1, 30) g;`);
});

after(async () => {
  await killAll();
  await Promise.all([s?.stop(), t?.stop()]);
});

async function diff(): Promise<true | string> {
  const [a, b] = await Promise.all([tableChecksums(s, 'shopdb', SCHEMAS), tableChecksums(t, 'yb', SCHEMAS)]);
  const d = [...a].filter(([k, v]) => b.get(k) !== v).map(([k, v]) => `${k}: source ${v} target ${b.get(k)}`);
  return d.length === 0 ? true : d.join('; ');
}

test('live migration: snapshot, every kind of change, post-snapshot schema, report, cutover to target', async () => {
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password, TANDEM_METRICS_INTERVAL_MS: '1000' };
  const SF = sourceFlags(s, 'shopdb', 'shop,analytics,"Ops"');
  const TF = targetFlags(t, 'yb');
  let r = await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  assert.equal(r.code, 0, r.stderr);
  r = await runTandem(['import', 'schema', '--export-dir', dir, ...TF], env);
  assert.equal(r.code, 0, r.stderr);

  let im: TandemProcess | undefined;
  let ex: TandemProcess | undefined;
  try {
    // The importer first: it waits for the exporter.
    im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...TF], env);
    await im.waitFor(/Waiting for "export data from source" to start/, 30_000);
    await sleep(1500);
    assert.ok(!im.exited(), `import data to target must wait:\n${tail(im.output())}`);
    ex = startTandem(['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
    await ex.waitFor(/Streaming changes/, 60_000);
    const slot = await s.sql('postgres', `SELECT slot_name, plugin FROM pg_replication_slots`);
    assert.equal(slot.length, 1);
    assert.equal(slot[0]!.plugin, 'pgoutput');
    const pubs = await s.sql('shopdb', `SELECT pubname FROM pg_publication`);
    assert.equal(pubs.length, 1);

    // Changes of every kind. Counts of shop.all_types: what the report must show.
    const q = (sql: string) => s.sql('shopdb', sql);
    let ins = 0; let upd = 0; let del = 0;
    await q(`INSERT INTO shop.all_types VALUES (100, 0.000000000000000000000000000001, 99999999999999999999.9999999999, '1999-12-31 23:59:59.999999+00', '00:00:00.000001', '00:00:00+14',
      '\\x00010203ff', '{}', '{"", NULL}', 'null', '[]', '-1 days +00:00:00.000001', 'cancelled', 0, '00000000-0000-0000-0000-000000000000', '', repeat('ß', 5000))`); ins++;
    await q(`INSERT INTO shop.all_types (id) VALUES (101)`); ins++;
    // An update of a non-TOAST column of a row whose TOASTed value is not sent (default identity).
    await q(`UPDATE shop.all_types SET n = n + 1, txt = 'touched' WHERE id BETWEEN 1 AND 10`); upd += 10;
    // NULL and empty string, both ways.
    await q(`UPDATE shop.all_types SET txt = NULL, ta = NULL WHERE id = 11`); upd++;
    await q(`UPDATE shop.all_types SET txt = '', ta = '{}' WHERE id = 12`); upd++;
    await q(`UPDATE shop.all_types SET big = big || 'changed' WHERE id = 13`); upd++;
    await q(`UPDATE shop.all_types SET big = NULL WHERE id = 14`); upd++;
    // Primary-key updates (one of them of a row with a TOASTed value).
    await q(`UPDATE shop.all_types SET id = 1000 WHERE id = 15`); upd++;
    await q(`UPDATE shop.all_types SET id = 1001, n = -1 WHERE id = 16`); upd++;
    await q(`DELETE FROM shop.all_types WHERE id IN (17, 18, 101)`); del += 3;
    // A multi-table transaction through FKs, with the trigger on order_items firing on the source.
    await q(`BEGIN;
      INSERT INTO shop.customers (email, full_name, city) VALUES ('live1@x.io', 'Live One', 'Zürich');
      INSERT INTO shop.orders (customer_id, ordered_on, total) VALUES (currval('shop.customers_customer_id_seq'), '2024-05-05', 1.0000000001);
      INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (currval('shop.orders_order_id_seq'), 1, 10, 2, 3.50);
      INSERT INTO shop.all_types (id, txt) VALUES (102, 'in a transaction');
      UPDATE shop.customers SET nickname = '' WHERE customer_id = 2;
      DELETE FROM shop.shipments WHERE shipment_id IN (SELECT min(shipment_id) FROM shop.shipments);
      COMMIT;`); ins++;
    // Unique-key swap.
    await q(`BEGIN; UPDATE shop.swap SET code = 'tmp' WHERE id = 1; UPDATE shop.swap SET code = 'code1' WHERE id = 2; UPDATE shop.swap SET code = 'code2' WHERE id = 1; COMMIT;`);

    // Secondary indexes and triggers after the snapshot, while changes stream.
    r = await runTandem(['import', 'schema', '--export-dir', dir, ...TF, '--post-snapshot-import', 'true'], env);
    assert.equal(r.code, 0, `post-snapshot import: ${r.stdout}\n${r.stderr}`);

    for (let i = 0; i < 20; i++) {
      await q(`INSERT INTO shop.all_types (id, n, txt, big) VALUES (${200 + i}, ${i}.5, 'row ${i}', ${i % 4 === 0 ? `repeat(md5('${i}'), 200)` : 'NULL'})`); ins++;
      await q(`UPDATE shop.all_types SET ts = ts + interval '1 microsecond' WHERE id = ${200 + i - (i % 2)}`); upd++;
      await q(`UPDATE shop.customers SET city = 'C${i}' WHERE customer_id % 7 = ${i % 7}`);
      await q(`INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (${1 + i}, 100 + ${i}, 20, 1, 9.99)`);
    }
    await q(`DELETE FROM shop.all_types WHERE id BETWEEN 200 AND 204`); del += 5;
    // Truncate of a table (no FK points at it).
    await q(`TRUNCATE analytics.daily_totals`);
    await q(`INSERT INTO analytics.daily_totals VALUES ('2025-01-01', 3, 1.5)`);

    await eventually(diff, 40_000);
    // The importer shows the spec's metrics.
    const iout = im.output();
    for (const m of ['Total Imported events', 'Events Imported in this Run', 'Ingestion Rate (last 3 mins)', 'Remaining Events', 'Estimated Time to catch up']) {
      assert.match(iout, new RegExp(m.replace(/[()]/g, '\\$&')), `importer metric ${m}:\n${tail(iout)}`);
    }
    assert.match(ex.output(), /Total Exported Events/);
    // The values themselves, not just equal checksums: spot checks on the target.
    const [row] = await t.sql('yb', `SELECT n::text, ts::text, tm::text, b::text, ta::text, txt, length(big) AS bl, iv::text FROM shop.all_types WHERE id = 100`);
    assert.deepEqual(row, { n: '0.000000000000000000000000000001', ts: '1999-12-31 23:59:59.999999+00', tm: '00:00:00.000001', b: '\\x00010203ff', ta: '{"",NULL}', txt: '', bl: 5000, iv: '-1 days +00:00:00.000001' });
    const [toast] = await t.sql('yb', `SELECT txt, big = (SELECT string_agg(md5('3' || x::text), '') FROM generate_series(1, 400) x) AS same FROM shop.all_types WHERE id = 3`);
    assert.deepEqual(toast, { txt: 'touched', same: true }, 'the unchanged TOASTed value stayed');

    // The report: per-table exported and imported counts while streaming.
    r = await runTandem(['get', 'data-migration-report', '--export-dir', dir, '--output-format', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Record<string, any>[];
    const src = report.find((x) => x.table_name === 'shop.all_types' && x.db_type === 'source')!;
    const tgt = report.find((x) => x.table_name === 'shop.all_types' && x.db_type === 'target')!;
    assert.deepEqual([src.exported_snapshot_rows, src.exported_inserts, src.exported_updates, src.exported_deletes], [30, ins, upd, del], JSON.stringify(src));
    assert.deepEqual([tgt.imported_snapshot_rows, tgt.imported_inserts, tgt.imported_updates, tgt.imported_deletes], [30, ins, upd, del], JSON.stringify(tgt));
    const [{ n: finalRows }] = await s.sql('shopdb', `SELECT count(*)::int AS n FROM shop.all_types`);
    assert.equal(tgt.final_row_count, finalRows);
    const custSrc = report.find((x) => x.table_name === 'shop.customers' && x.db_type === 'source')!;
    assert.equal(custSrc.exported_inserts, 1);

    // Cutover to target, without fall-back.
    r = await runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stderr);
    // Both ran when it was initiated, however fast they then finish the cutover on this small database.
    assert.doesNotMatch(r.stdout + r.stderr, /is not running/);
    await waitCutover(dir, env, 'cutover to target', 90_000);
    assert.equal(await diff(), true);
    const codes = await Promise.race([Promise.all([ex.done, im.done]), sleep(30_000).then(() => 'still running')]);
    assert.deepEqual(codes, [0, 0], `both end by themselves after the cutover:\n--- ex\n${tail(ex.output())}\n--- im\n${tail(im.output())}`);
    assert.deepEqual(await s.sql('postgres', `SELECT slot_name FROM pg_replication_slots`), [], 'the source slot is dropped');
    assert.deepEqual(await s.sql('shopdb', `SELECT pubname FROM pg_publication`), [], 'the publication is dropped');
    // Sequences on the target let new rows in.
    await t.sql('yb', `INSERT INTO shop.customers (email, full_name) VALUES ('after@x.io', 'After Cutover')`);
    await t.sql('yb', `INSERT INTO shop.orders (customer_id, ordered_on) VALUES (1, '2025-01-01')`);
    await t.sql('yb', `INSERT INTO shop.products (sku, name, price) VALUES ('NEW-1', 'New', 1)`);
    await t.sql('yb', `INSERT INTO "Ops"."AuditLog" ("user") VALUES ('me')`);
    await t.sql('yb', `INSERT INTO shop.shipments (order_id, line_no) VALUES (1, 100)`);
  } catch (e) {
    if (ex) console.log('--- export output\n' + tail(ex.output(), 4000));
    if (im) console.log('--- import output\n' + tail(im.output(), 4000));
    console.log('--- target sessions\n' + JSON.stringify(await t.sql('postgres', `SELECT pid, state, wait_event_type, wait_event, left(query, 200) AS q FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`), null, 1));
    throw e;
  } finally {
    await Promise.all([ex?.kill(), im?.kill()]);
  }
});
