/**
 * The random-moment crash test of a MariaDB source, through the built CLI (the failpoint test,
 * failpoint-crash.test.ts, kills at named points; this one kills wherever the clock falls): while the
 * shop application writes on MariaDB, "export data from source" and "import data to target" are
 * killed with SIGKILL at seeded random moments, the exporter once in the middle of its snapshot, and
 * restarted at once, at least 8 times each. Then the application stops, both catch up, and every
 * table of the target equals MariaDB row by row (the snapshot-only table by count and checksum).
 * Seed: TANDEM_CRASH_SEED (default below) is printed; rerun with it to reproduce the kill schedule.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { eventually, killAll, sleep, startTandem, tail, type TandemProcess } from '../../helpers/live-process.js';
import { prng } from '../../helpers/live-workload.js';
import { createShop, runMariaApp, shopDiff } from '../../helpers/mariadb-workload.js';

const SEED = Number(process.env.TANDEM_CRASH_SEED ?? 20261204);
/** Rows of the table only the snapshot copies: enough that the snapshot outlasts the kill in it. */
const BIG_ROWS = 300_000;
const BIG_DDL = `CREATE TABLE big (id int NOT NULL PRIMARY KEY, pad varchar(200) NOT NULL) ENGINE=InnoDB;
INSERT INTO big SELECT seq, CONCAT(seq, ':', REPEAT('x', 100 + seq % 50)) FROM seq_1_to_${BIG_ROWS};`;

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  console.log(`mysql random-kill seed: ${SEED} (set TANDEM_CRASH_SEED to reproduce)`);
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
});

function assertAlive(p: TandemProcess, what: string): void {
  assert.ok(!p.exited(), `${what} exited by itself:\n${tail(p.output())}`);
}

/** Files the snapshot has written so far (any table's). */
function snapshotFiles(dir: string): number {
  const data = join(dir, 'data');
  if (!existsSync(data)) return 0;
  return readdirSync(data, { recursive: true }).filter((f) => String(f).startsWith('snapshot-') && String(f).includes('.')).length;
}

test('MariaDB: SIGKILL of exporter and importer at random moments, at least 8 times each, once in the snapshot: target equals source', { timeout: 300_000 }, async () => {
  const rnd = prng(SEED);
  await createShop(my, 'shop', BIG_DDL);
  await pgs.createDatabase('yb');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '60000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const TF = targetFlags(pgs, 'yb');
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...TF]]) {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `tandem ${args.slice(0, 2).join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const exArgs = ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes'];
  // Small batches: the importer is often killed between a batch's load and its record.
  const imArgs = ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, '--batch-size', '5000'];
  const app = runMariaApp(my, 'shop', SEED, 'rk', 2);
  let ex = startTandem(exArgs, env);
  let im = startTandem(imArgs, env);
  const kills = { exporter: 0, importer: 0, exporterInSnapshot: 0 };
  const started = Date.now();
  try {
    // 1. The exporter dies while it copies the snapshot (some files written, the snapshot not complete).
    await eventually(async () => {
      assertAlive(ex, 'export data from source');
      return snapshotFiles(dir) > 0 || 'no snapshot file yet';
    }, 60_000, 20);
    assert.doesNotMatch(ex.output(), /Export of the snapshot is complete/, `the snapshot of ${BIG_ROWS} rows outlasts the kill`);
    await ex.kill('SIGKILL');
    kills.exporter++;
    kills.exporterInSnapshot++;
    ex = startTandem(exArgs, env);
    await ex.waitFor(/Streaming changes/, 120_000);
    assert.match(ex.output(), /Export of the snapshot is complete: \d+ rows/, 'the restarted exporter took a whole snapshot before streaming');
    assertAlive(im, 'import data to target (following a restarted snapshot)');

    // 2. Random SIGKILLs of either process until each has had at least 8.
    while (kills.exporter < 8 || kills.importer < 8) {
      await sleep(200 + Math.floor(rnd() * 1800));
      const victim = kills.exporter >= 8 ? 'importer' : kills.importer >= 8 ? 'exporter' : rnd() < 0.5 ? 'exporter' : 'importer';
      if (victim === 'exporter') {
        assertAlive(ex, 'export data from source');
        await ex.kill('SIGKILL');
        kills.exporter++;
        ex = startTandem(exArgs, env);
      } else {
        assertAlive(im, 'import data to target');
        await im.kill('SIGKILL');
        kills.importer++;
        im = startTandem(imArgs, env);
      }
    }
    const stats = await app.stop();
    console.log(`kills: ${JSON.stringify(kills)} in ${Math.round((Date.now() - started) / 1000)} s; application: ${JSON.stringify(stats)}`);
    assert.ok(stats.transactions > 200, `the application ran: ${JSON.stringify(stats)}`);
    assert.equal(stats.errors, 0, `the application itself failed: ${stats.lastError}`);

    // 3. Both catch up; every shop table equal row by row, the snapshot-only table by count and checksum.
    await eventually(async () => {
      assertAlive(ex, 'export data from source');
      assertAlive(im, 'import data to target');
      const d = await shopDiff(my, 'shop', pgs, 'yb');
      return d === '' || d;
    }, 120_000, 1000);
    const [mine] = await my.sql('shop', 'SELECT COUNT(*) AS n, SUM(id) AS s, SUM(CHAR_LENGTH(pad)) AS l FROM big');
    const [theirs] = await pgs.sql('yb', `SELECT count(*)::int AS n, sum(id)::bigint AS s, sum(char_length(pad))::bigint AS l,
      (SELECT count(*) FROM public.big b WHERE b.pad <> b.id || ':' || repeat('x', 100 + b.id % 50))::int AS wrong FROM public.big`);
    assert.equal(Number(mine.n), BIG_ROWS);
    assert.deepEqual([theirs.n, Number(theirs.s), Number(theirs.l), theirs.wrong], [BIG_ROWS, Number(mine.s), Number(mine.l), 0]);
  } catch (e) {
    console.log(`seed ${SEED}; kills ${JSON.stringify(kills)}\n--- export output\n${tail(ex.output())}\n--- import output\n${tail(im.output())}`);
    throw e;
  } finally {
    await app.stop();
    await Promise.all([ex.kill('SIGKILL'), im.kill('SIGKILL')]);
  }
});
