/**
 * The target's schema drifting while the fall-back streams (the application runs there after the
 * cutover): "export data from target" names a partition attached or detached there and a table
 * created there, with what the fall-back needs on the source; each said once per run. Before, it said
 * nothing (the pg-ddl-48 run), and a new partition's rows streamed back into a source table with no
 * place for them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PgServer } from '../../helpers/pg-server.js';
import { startTandem, tail, type TandemProcess } from '../../helpers/live-process.js';
import { metaValue } from '../../helpers/export-dir-state.js';
import { sourceAndTargetServers, SampleMigration, waitCompleted } from '../../helpers/fallback-kit.js';

let s: PgServer;
let t: PgServer;

sourceAndTargetServers((source, target) => {
  s = source;
  t = target;
});

test('partitions attached and detached, and a table created, on the target while the fall-back streams: "export data from target" names each once, with what the source needs', { timeout: 180_000 }, async () => {
  const m = new SampleMigration(s, 'shop1', t, 'yb1');
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  let again: TandemProcess | undefined;
  try {
    await m.createDatabases();
    await m.schema();
    ex = startTandem(m.exportArgs(), m.env);
    im = startTandem(m.importArgs(), m.env);
    await im.waitFor(/Applying the changes captured on the source/, 60_000);
    const r = await m.run(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    assert.equal(r.code, 0, r.stderr);
    await waitCompleted(m, 'cutover to target', [ex, im]);
    // Recorded by the cutover, before the application could reach the target.
    const layout = metaValue(m.dir, 'fallback_stream_layout') as { tables: string[]; partitions: Record<string, string[]> };
    assert.deepEqual(layout.partitions['analytics.events'], ['analytics.events_2024_q1', 'analytics.events_2024_q2', 'analytics.events_2024_q3', 'analytics.events_default']);
    assert.ok(layout.tables.includes('shop.customers'), JSON.stringify(layout));
    await im.waitFor(/Streaming changes from the target/, 60_000);
    assert.doesNotMatch(im.output(), /after the cutover to it/, 'nothing drifted yet');

    await t.sql('yb1', `CREATE TABLE analytics.events_2040 PARTITION OF analytics.events FOR VALUES FROM ('2040-01-01 00:00:00+00') TO ('2041-01-01 00:00:00+00');
      ALTER TABLE analytics.events DETACH PARTITION analytics.events_2024_q1;
      CREATE TABLE shop.coupons (id int PRIMARY KEY);
      CREATE TABLE shop.np (id int, k int, PRIMARY KEY (id, k)) PARTITION BY RANGE (k);
      CREATE TABLE shop.np_1 PARTITION OF shop.np FOR VALUES FROM (0) TO (10);
      ALTER TABLE shop.shipments RENAME TO shipments_x;`);
    // Looked at when streaming starts and every 15 s: a restart says it at once.
    assert.equal(await im.kill('SIGINT'), 0);
    again = startTandem(['export', 'data', 'from', 'target', '--export-dir', m.dir], m.env);
    await again.waitFor(/Streaming changes from the target/, 60_000);
    await again.waitFor(/WARNING: analytics\.events_2040 was attached to analytics\.events on .*\/yb1 after the cutover to it \(partitions are schema, which is not replicated\): rows written to it are streamed back as analytics\.events's, and "import data to source" writes them into the source's analytics\.events\. Give that table a place for them/, 15_000);
    await again.waitFor(/WARNING: analytics\.events_2024_q1 was detached from analytics\.events on .*\/yb1 after the cutover to it \(not replicated\): its rows stay in the source's analytics\.events.*Detach it \(or delete those rows\) on the source too/, 15_000);
    await again.waitFor(/WARNING: shop\.coupons, shop\.np were created on .*\/yb1 after the cutover to it: their rows are not streamed back to the source/, 15_000);
    const out = again.output();
    assert.doesNotMatch(out, /events_2024_q1 was created/, 'a detached partition is not also a new table');
    // The fix-verify-49 run: a new table's partitions were called attached, a renamed table dropped and created.
    assert.doesNotMatch(out, /np_1 was attached/, 'a new table\'s partitions are part of the new table');
    assert.doesNotMatch(out, /no longer on|shipments_x/, 'a renamed table is the same table: its changes still stream');
  } catch (e) {
    for (const [name, p] of Object.entries({ 'export data from source': ex, 'import data to target': im, 'export data from target (restarted)': again })) (e as Error).message += `\n--- ${name}:\n${tail(p?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL'), again?.kill('SIGKILL')]);
  }
});
