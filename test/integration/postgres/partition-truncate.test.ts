/**
 * A TRUNCATE run on one partition of a partitioned table. Tandem's publications publish through the
 * partitioned table (`publish_via_partition_root = true`), and PostgreSQL then publishes a TRUNCATE
 * only when it names the partitioned table: a partition's own TRUNCATE is not published at all.
 * Found by an exploratory run (the rows survived on the other side, in both directions, without a
 * word). This test shows the behaviour on a real PostgreSQL 15 in both directions, that a TRUNCATE
 * of the partitioned table is carried, and that `export data` warns up front, naming the
 * partitioned tables, and `initiate cutover to target --prepare-for-fall-back true` repeats it for
 * the target.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, newExportDir, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, startTandem, tail } from '../../helpers/live-process.js';

let s: PgServer;
let t: PgServer;

before(async () => {
  [s, t] = await Promise.all([startPg15(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([s?.stop(), t?.stop()]);
});

const parted = async (server: PgServer, db: string) =>
  (await server.sql(db, 'SELECT id, k FROM "Sales"."Parted" ORDER BY id')).map((r) => `${r.id}${r.k}`);
const marks = async (server: PgServer, db: string) =>
  (await server.sql(db, 'SELECT id FROM "Sales".plain ORDER BY id')).map((r) => Number(r.id));

test('a partition\'s TRUNCATE is not streamed either way, the partitioned table\'s is; export data warns and the cutover with fall-back repeats it', { timeout: 240_000 }, async () => {
  await s.createDatabase('src');
  await t.createDatabase('dst');
  await s.sql('src', `CREATE SCHEMA "Sales";
    CREATE TABLE "Sales"."Parted" (id int, k text, v text, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
    CREATE TABLE "Sales".parted_a PARTITION OF "Sales"."Parted" FOR VALUES IN ('a');
    CREATE TABLE "Sales".parted_b PARTITION OF "Sales"."Parted" FOR VALUES IN ('b');
    CREATE TABLE "Sales".plain (id int PRIMARY KEY);
    INSERT INTO "Sales"."Parted" VALUES (1, 'a', 'x'), (2, 'b', 'y');`);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: s.password, TARGET_DB_PASSWORD: t.password, TANDEM_METRICS_INTERVAL_MS: '1000' };
  const SF = sourceFlags(s, 'src', 'Sales');
  const TF = targetFlags(t, 'dst');
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...TF]]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const ex = startTandem(['export', 'data', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'], env);
  const im = startTandem(['import', 'data', '--export-dir', dir, ...TF], env);
  try {
    await ex.waitFor(/Streaming changes/, 60_000);
    assert.match(ex.output(), /WARNING: A TRUNCATE run on a partition of "Sales"\."Parted" \(rather than on the partitioned table\) is not streamed: PostgreSQL does not publish it through the partitioned table, so the rows it removes on the source stay on the target\. While the migration runs, truncate the partitioned table itself, or DELETE from the partition\./);
    assert.doesNotMatch(ex.output(), /partition of [^\n]*plain/, 'only partitioned tables are named');
    await eventually(async () => ((await parted(t, 'dst')).join() === '1a,2b' ? true : 'waiting for the snapshot'), 60_000);

    // Source -> target: the partition's TRUNCATE never arrives (a later change does).
    await s.sql('src', "INSERT INTO \"Sales\".\"Parted\" VALUES (10, 'a', 'x'), (11, 'b', 'y')");
    await s.sql('src', 'TRUNCATE "Sales".parted_a');
    await s.sql('src', 'INSERT INTO "Sales".plain VALUES (1)');
    await eventually(async () => ((await marks(t, 'dst')).includes(1) ? true : 'waiting for the mark'), 30_000);
    assert.deepEqual(await parted(s, 'src'), ['2b', '11b']);
    assert.deepEqual(await parted(t, 'dst'), ['1a', '2b', '10a', '11b'], 'the rows the partition\'s TRUNCATE removed stay on the target');

    // The partitioned table's TRUNCATE is carried (it truncates every partition on the target).
    await s.sql('src', 'TRUNCATE "Sales"."Parted"');
    await eventually(async () => ((await parted(t, 'dst')).length === 0 ? true : 'waiting for the TRUNCATE'), 30_000);

    const init = await runTandem(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true', '--export-dir', dir], env);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    assert.match(init.stdout + init.stderr, /WARNING: when export data started: If the migration falls back: a TRUNCATE run on a partition of "Sales"\."Parted" on the target after the cutover is not streamed back either \(the rows it removes stay on the source\); truncate the partitioned table itself, or DELETE from the partition\./);
    await eventually(async () => {
      if (im.exited() && (await im.done) !== 0) throw new Error(tail(im.output()));
      const st = (await cutoverStatus(dir, env)).find((r) => r.direction === 'cutover to target');
      return st?.status === 'COMPLETED' ? true : String(st?.status);
    }, 90_000);
    await ex.waitFor(/Applying the changes captured on the target to the source/, 30_000);

    // Target -> source (the fall-back): the same.
    await t.sql('dst', "INSERT INTO \"Sales\".\"Parted\" VALUES (20, 'a', 'x'), (21, 'b', 'y')");
    await eventually(async () => ((await parted(s, 'src')).join() === '20a,21b' ? true : 'waiting for the fall-back'), 30_000);
    await t.sql('dst', 'TRUNCATE "Sales".parted_b');
    await t.sql('dst', 'INSERT INTO "Sales".plain VALUES (2)');
    await eventually(async () => ((await marks(s, 'src')).includes(2) ? true : 'waiting for the mark'), 30_000);
    assert.deepEqual(await parted(t, 'dst'), ['20a']);
    assert.deepEqual(await parted(s, 'src'), ['20a', '21b'], 'the rows the partition\'s TRUNCATE removed on the target stay on the source');
  } finally {
    await ex.kill();
    await im.kill();
  }
});
