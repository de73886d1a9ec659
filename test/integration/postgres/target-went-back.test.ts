/**
 * The target restored from a backup, or recreated, after changes were applied to it: `import data`
 * reads the queue from the export dir's watermark, so the changes between what the database holds and
 * that watermark would be skipped without a word (measured before, by the ops-edges run: 100 rows
 * missing on a restored target, the report showing them, the cutover COMPLETED). The importer now
 * compares the target's progress rows with what the export dir recorded and refuses, naming the
 * channel and both positions, before applying anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PgServer } from '../../helpers/pg-server.js';
import { startTandem, tail, sleep, eventually, type TandemProcess } from '../../helpers/live-process.js';
import { sourceAndTargetServers, SampleMigration } from '../../helpers/fallback-kit.js';

let s: PgServer;
let t: PgServer;

sourceAndTargetServers((source, target) => {
  s = source;
  t = target;
});

const count = async (server: PgServer, db: string): Promise<number> => Number((await server.sql(db, 'SELECT count(*)::int AS n FROM shop.customers'))[0].n);

/** Waits for the importer to exit on its own (undefined when it is still running after `ms`). */
async function exitWithin(p: TandemProcess, ms: number): Promise<number | undefined> {
  return Promise.race([p.done.then((c) => Number(c)), sleep(ms).then(() => undefined)]);
}

test('a target restored from an earlier copy, then one recreated empty: import data refuses with TANDEM_DATA naming what is missing, and applies nothing', { timeout: 240_000 }, async () => {
  const m = new SampleMigration(s, 'shop1', t, 'yb1');
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    await m.createDatabases();
    await m.schema();
    ex = startTandem(m.exportArgs(), m.env);
    im = startTandem(m.importArgs(), m.env);
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    await s.sql('shop1', "INSERT INTO shop.customers (email, full_name) SELECT 'a' || g || '@x.io', 'before the copy' FROM generate_series(1, 20) g");
    await eventually(async () => ((await m.diff()) === '' ? true : 'not applied yet'), 60_000, 200);
    assert.equal(await im.kill('SIGINT'), 0);
    // The "backup": a copy of the target database as it is now.
    await t.sql('postgres', 'CREATE DATABASE yb1_copy TEMPLATE yb1');
    im = startTandem(m.importArgs(), m.env);
    await im.waitFor(/Applying the changes captured on the source/, 90_000);
    await s.sql('shop1', "INSERT INTO shop.customers (email, full_name) SELECT 'b' || g || '@x.io', 'after the copy' FROM generate_series(1, 100) g");
    await eventually(async () => ((await m.diff()) === '' ? true : 'not applied yet'), 60_000, 200);
    assert.equal(await im.kill('SIGINT'), 0, 'stopped: its watermark is recorded');
    const applied = await count(t, 'yb1');

    // Restored from the copy: 100 applied inserts are not on it.
    await t.sql('postgres', 'DROP DATABASE yb1');
    await t.sql('postgres', 'CREATE DATABASE yb1 TEMPLATE yb1_copy');
    const restored = await count(t, 'yb1');
    assert.equal(applied - restored, 100);
    im = startTandem(m.importArgs(), m.env);
    assert.equal(await exitWithin(im, 60_000), 1, `refused, not resumed:\n${tail(im.output())}`);
    assert.match(im.output(), /error \[TANDEM_DATA\]: The target database .*yb1 holds less than this migration applied to it: its progress rows say channel \d+ applied changes up to vsn \d+, but up to vsn \d+ were applied \(the export dir recorded it\)/);
    assert.match(im.output(), /It was recreated or restored from a backup after changes were applied: the changes in between are not on it, and resuming would skip them\. Nothing was applied\./);
    assert.match(im.output(), /fix: Restore the database to its latest state/);
    assert.equal(await count(t, 'yb1'), restored, 'nothing applied');

    // Recreated empty, the schema imported again: Tandem's progress rows are gone.
    await t.sql('postgres', 'DROP DATABASE yb1');
    await t.sql('postgres', 'CREATE DATABASE yb1');
    await m.ok(['import', 'schema', ...m.TF]);
    im = startTandem(m.importArgs(), m.env);
    assert.equal(await exitWithin(im, 60_000), 1, `refused, not resumed:\n${tail(im.output())}`);
    assert.match(im.output(), /error \[TANDEM_DATA\]: The target database .*yb1 holds less than this migration applied to it: Tandem's progress rows are gone from it\./);
    assert.match(im.output(), /fix: Its data cannot be trusted either: start the migration again in a new export dir/);
    assert.equal(await count(t, 'yb1'), 0, 'nothing applied');
  } catch (e) {
    (e as Error).message += `\n--- export data:\n${tail(ex?.output() ?? '')}\n--- import data:\n${tail(im?.output() ?? '')}`;
    throw e;
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL')]);
  }
});
