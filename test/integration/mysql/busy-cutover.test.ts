/**
 * A MariaDB source whose table is written to without a pause up to each cutover, with fall-back:
 * the early verification reads it by key range on MariaDB (rows hashed by Tandem) and PostgreSQL
 * (by the server), so neither cutover scans it whole (`core/verify/key-buckets.ts`); every table
 * matches, and the data does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { runTandem, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, rangeReadings, startLiveMigration, tail, waitCutover, type TandemProcess } from '../../helpers/live-process.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
  await my.createDatabase('busy');
  await my.sql('busy', `CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(40));
    CREATE TABLE quiet (id INT PRIMARY KEY, v INT);
    INSERT INTO items SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000;
    INSERT INTO quiet SELECT seq, seq FROM seq_1_to_10`);
  await pgs.createDatabase('ybbusy');
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

/** Writes to `items` every 20 ms (updates anywhere, inserts past the end, a delete now and then) until stopped. */
function busyWriter(write: (sql: string) => Promise<unknown>, offset: number): { stop(): Promise<number> } {
  let n = 0;
  let on = true;
  const done = (async () => {
    while (on) {
      n++;
      const id = offset + n;
      await write(n % 3 === 0 ? `INSERT INTO items (id, v) VALUES (${id}, 'new ${id}')`
        : n % 7 === 0 ? `DELETE FROM items WHERE id = ${1 + ((n * 37) % 3000)}`
          : `UPDATE items SET v = 'busy ${n}' WHERE id = ${1 + ((n * 101) % 3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => { on = false; await done; return n; } };
}

/** Both sides' `items` rows, in key order. */
async function rows(): Promise<[string, string]> {
  const m = await my.sql('busy', 'SELECT id, v FROM items ORDER BY id');
  const p = await pgs.sql('ybbusy', 'SELECT id, v FROM public.items ORDER BY id');
  return [JSON.stringify(m.map((r) => [Number(r.id), r.v])), JSON.stringify(p.map((r) => [Number(r.id), r.v]))];
}

/** The verification's lines: every table verified before the marker, none scanned whole at the cutover. */
function verifiedBeforeMarker(out: string, tables: number): void {
  const before = /Verifying: comparing row counts and checksums of the tables that changed since they were verified \((\d+) verified before the marker and unchanged since(?:; (\d+) more verified before it, of which only the key ranges written since are read)?\)/.exec(out);
  assert.ok(before, tail(out));
  assert.equal(Number(before[1]) + Number(before[2] ?? 0), tables, before[0]);
  const match = new RegExp(`Verification: all ${tables} tables MATCH \\(row counts and checksums; (\\d+) of them verified before the marker and unchanged since(?:; (\\d+) verified before it and read again only in the key ranges written since)?\\)`).exec(out);
  assert.ok(match, tail(out));
  assert.equal(Number(match[1]) + Number(match[2] ?? 0), tables, match[0]);
}

test('a MariaDB table written to without a pause up to each cutover, with fall-back: verified by key range on both engines, neither cutover scans it whole, and the data matches after each', { timeout: 300_000 }, async () => {
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'busy'];
  const { dir, ex, im } = await startLiveMigration(SF, targetFlags(pgs, 'ybbusy'), env);
  let writer = busyWriter((sql) => my.sql('busy', sql), 100_000);
  // A busy table is read by key range while written to (the log says so); it is told as verified
  // only once none of its ranges differs, which a table written every 20 ms may never be.
  const readByRange = async (after: number) => eventually(async () => (rangeReadings(dir, 'public.items') > after ? true : 'items not read by key range yet'), 90_000, 300);
  try {
    await readByRange(0);
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    assert.ok(await writer.stop() > 50);
  }
  const toTarget = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
  assert.equal(toTarget.code, 0, toTarget.stderr);
  await eventually(async () => {
    if (im.exited() && (await im.done) !== 0) throw new Error(`import data exited with ${await im.done}:\n${tail(im.output())}`);
    const st = (await cutoverStatus(dir, env)).find((x) => x.direction === 'cutover to target');
    return st?.status === 'COMPLETED' ? true : JSON.stringify(st);
  }, 90_000, 300);
  verifiedBeforeMarker(im.output(), 2);
  const [m1, p1] = await rows();
  assert.equal(p1, m1, 'the target holds the source\'s rows');

  // The fall-back: the application now writes the target, without a pause up to the cutover back.
  const back: TandemProcess = ex;
  await back.waitFor(/Applying the changes captured on the target to the source/, 60_000);
  const forward = rangeReadings(dir, 'public.items');
  writer = busyWriter((sql) => pgs.sql('ybbusy', sql.replace('items', 'public.items')), 200_000);
  try {
    await readByRange(forward);
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    assert.ok(await writer.stop() > 50);
  }
  const toSource = await runTandem(['initiate', 'cutover', 'to', 'source', '--export-dir', dir], env);
  assert.equal(toSource.code, 0, toSource.stderr);
  await waitCutover(dir, env, 'cutover to source');
  verifiedBeforeMarker(back.output(), 2);
  const [m2, p2] = await rows();
  assert.equal(m2, p2, 'the source holds the target\'s rows');
  assert.notEqual(m2, m1, 'the fall-back carried the target\'s writes');
});
