/**
 * The random-moment crash test of a MariaDB source with fall-back, through the built CLI (the
 * failpoint test, failpoint-crash.test.ts, kills at named points; this one kills wherever the clock
 * falls). Both long-running processes are killed with SIGKILL at seeded random moments in every
 * phase and restarted at once with the command of their current role, as a user would: the exporter
 * once in the middle of its snapshot; then, while the shop application writes on MariaDB, the binlog
 * stream and its import; the cutover to target with fall-back; the fall-back stream while the
 * application writes on the target; and the cutover to source. At the end every table is equal on
 * both sides row by row (the snapshot-only table by count, sums and a check of every value), both
 * cutover verifications matched, and the trigger Tandem dropped for the fall-back is back.
 * Throughout, `archive changes` moves applied queue segments (64 KiB each here) out of the export
 * dir, and is killed at random too: no process may ever need a segment it moved.
 * Seed: TANDEM_CRASH_SEED (default below) is printed; rerun with it to reproduce the kill schedule.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, sleep, startTandem, tail, type CutoverRow, type TandemProcess } from '../../helpers/live-process.js';
import { prng } from '../../helpers/live-workload.js';
import { createShop, runMariaApp, runTargetApp, shopDiff, type RunningApp } from '../../helpers/mariadb-workload.js';

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

/** Files the snapshot has written so far (any table's). */
function snapshotFiles(dir: string): number {
  const data = join(dir, 'data');
  if (!existsSync(data)) return 0;
  return readdirSync(data, { recursive: true }).filter((f) => String(f).startsWith('snapshot-') && String(f).includes('.')).length;
}

const TRIGGERS_SQL = "SELECT TRIGGER_NAME AS n, ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' ORDER BY 1";

test('MariaDB with fall-back: SIGKILL of both processes at random moments in every phase: nothing lost or duplicated', { timeout: 420_000 }, async () => {
  const rnd = prng(SEED);
  const between = (a: number, b: number) => a + Math.floor(rnd() * (b - a));
  await createShop(my, 'shop', BIG_DDL);
  await pgs.createDatabase('yb');
  const triggersBefore = await my.sql('shop', TRIGGERS_SQL);
  assert.equal(triggersBefore.length, 1);
  const dir = newExportDir();
  // Small queue segments, so that there are many to archive while everything runs.
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '60000', TANDEM_QUEUE_SEGMENT_BYTES: '65536' };
  const archiveDir = mkdtempSync(join(tmpdir(), 'tandem-rk-archive-'));
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const TF = targetFlags(pgs, 'yb');
  const ok = async (args: string[]) => {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `tandem ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  };
  const statusOf = async (direction: string) => (await cutoverStatus(dir, env)).find((r) => r.direction === direction) as CutoverRow & { detail: Record<string, any> };
  const completed = async (direction: string) => (await statusOf(direction)).status === 'COMPLETED';
  await ok(['export', 'schema', ...SF]);
  await ok(['import', 'schema', ...TF]);

  const log: string[] = [];
  const started = Date.now();
  const note = (what: string) => log.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  /** A long-running process and the command of its current role (E: export data from source, then import data to source; I: import data to target, then export data from target). */
  interface Role { readonly name: string; proc: TandemProcess; kills: Record<string, number>; command(): Promise<string[]> }
  const E: Role = {
    name: 'E', kills: {}, proc: undefined as unknown as TandemProcess,
    async command() {
      return (await completed('cutover to target'))
        ? ['import', 'data', 'to', 'source', '--export-dir', dir, '--disable-triggers-and-fks', 'true']
        : ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', '--disable-triggers-and-fks', 'true'];
    },
  };
  // Small batches: the importer is often killed between a batch's load and its record.
  const I: Role = {
    name: 'I', kills: {}, proc: undefined as unknown as TandemProcess,
    async command() {
      return (await completed('cutover to target'))
        ? ['export', 'data', 'from', 'target', '--export-dir', dir]
        : ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, '--batch-size', '5000'];
    },
  };
  const A: Role = {
    name: 'A', kills: {}, proc: undefined as unknown as TandemProcess,
    async command() { return ['archive', 'changes', '--export-dir', dir, '--move-to', archiveDir]; },
  };
  const start = async (r: Role) => {
    const args = await r.command();
    r.proc = startTandem(args, env);
    note(`${r.name} started: ${args.slice(0, 4).join(' ')}`);
  };
  /** A process must not end by itself before its role's work is done: an exit is a failure to report. */
  const assertRunning = (r: Role) => assert.ok(!r.proc.exited(), `${r.name} (${r.proc.args.slice(0, 4).join(' ')}) exited by itself:\n${tail(r.proc.output())}`);
  /**
   * SIGKILL now and restart in the current role. With `mayHaveEnded`, a process that already ended
   * by itself (its part of the cutover done) must have exited 0 and is left alone (returns false).
   */
  const kill = async (r: Role, phase: string, mayHaveEnded = false): Promise<boolean> => {
    if (mayHaveEnded && r.proc.exited()) {
      assert.equal(await r.proc.done, 0, `${r.name} ended by itself (${phase}):\n${tail(r.proc.output())}`);
      note(`${r.name} had already finished (${phase})`);
      return false;
    }
    assertRunning(r);
    await r.proc.kill('SIGKILL');
    r.kills[phase] = (r.kills[phase] ?? 0) + 1;
    note(`${r.name} killed (${phase})`);
    await start(r);
    return true;
  };
  /** Kills E or I at random moments until each has died `each` times in this phase, or until `done()` (then at least once each). */
  const killAtRandom = async (phase: string, each: number, done?: () => Promise<boolean>) => {
    const count = (r: Role) => r.kills[phase] ?? 0;
    while (count(E) < each || count(I) < each) {
      await sleep(between(200, 2000));
      if (done && count(E) >= 1 && count(I) >= 1 && await done()) return;
      const victim = count(E) >= each ? I : count(I) >= each ? E : rnd() < 0.5 ? E : I;
      // Now and then the archiver instead (not counted towards `each`).
      await kill(rnd() < 0.15 ? A : victim, phase);
    }
  };

  let app: RunningApp | undefined;
  try {
    await start(E);
    await start(I);
    await start(A);
    app = runMariaApp(my, 'shop', SEED, 'rk', 2);

    // 1. The exporter dies while it copies the snapshot (some files written, the snapshot not complete).
    await eventually(async () => {
      assertRunning(E);
      return snapshotFiles(dir) > 0 || 'no snapshot file yet';
    }, 60_000, 20);
    assert.doesNotMatch(E.proc.output(), /Export of the snapshot is complete/, `the snapshot of ${BIG_ROWS} rows outlasts the kill`);
    await kill(E, 'snapshot');
    await E.proc.waitFor(/Streaming changes/, 120_000);
    assert.match(E.proc.output(), /Export of the snapshot is complete: \d+ rows/, 'the restarted exporter took a whole snapshot before streaming');
    assertRunning(I);

    // 2. The binlog stream and its import, the application writing on MariaDB.
    await killAtRandom('stream', 6);
    const srcStats = await app.stop();
    app = undefined;
    assert.ok(srcStats.transactions > 200, `the application ran on MariaDB: ${JSON.stringify(srcStats)}`);
    assert.equal(srcStats.errors, 0, `the application failed on MariaDB: ${srcStats.lastError}`);
    note(`MariaDB application: ${srcStats.transactions} transactions`);
    await eventually(async () => {
      assertRunning(E);
      assertRunning(I);
      return (await shopDiff(my, 'shop', pgs, 'yb')) || true;
    }, 120_000, 1000);
    await ok(['import', 'schema', ...TF, '--post-snapshot-import', 'true']);

    // 3. Cutover to target with fall-back, both processes killed at random while it completes.
    await ok(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    note('cutover to target initiated');
    await killAtRandom('cutover to target', 3, () => completed('cutover to target'));
    await eventually(async () => ((await completed('cutover to target')) ? true : JSON.stringify(await statusOf('cutover to target'))), 120_000, 300);
    note('cutover to target COMPLETED');
    assert.equal((await statusOf('cutover to target')).detail.verification?.match, true);
    assert.equal(await shopDiff(my, 'shop', pgs, 'yb'), '', 'every table equal at the cutover to target');

    // 4. The fall-back stream, the application writing on the target. A process started before the
    // cutover completed may still be in its old role: restart both in their new ones first.
    for (const r of [E, I]) if (r.proc.args[0] !== (await r.command())[0]) await kill(r, 'role change');
    await I.proc.waitFor(/Streaming changes from the target/, 60_000);
    app = runTargetApp(pgs, 'yb', SEED + 1, 2);
    await killAtRandom('fall-back', 6);
    const tgtStats = await app.stop();
    app = undefined;
    assert.ok(tgtStats.transactions > 200, `the application ran on the target: ${JSON.stringify(tgtStats)}`);
    assert.equal(tgtStats.errors, 0, `the application failed on the target: ${tgtStats.lastError}`);
    note(`target application: ${tgtStats.transactions} transactions`);
    assert.deepEqual(await my.sql('shop', TRIGGERS_SQL), [], 'the trigger is dropped for the fall-back');

    // 5. Cutover to source, both killed at random until it completes; then both end by themselves.
    await ok(['initiate', 'cutover', 'to', 'source']);
    note('cutover to source initiated');
    const toSourceDone = () => completed('cutover to source');
    for (let n = 0; n < 2 && !(await toSourceDone()); n++) {
      await sleep(between(100, 1500));
      if (await toSourceDone()) break;
      // A process may end by itself here, having done its part of the cutover.
      await kill(rnd() < 0.5 ? E : I, 'cutover to source', true);
    }
    await eventually(async () => ((await toSourceDone()) ? true : JSON.stringify(await statusOf('cutover to source'))), 120_000, 300);
    note('cutover to source COMPLETED');
    for (const r of [E, I]) {
      await eventually(async () => (r.proc.exited() ? true : `${r.name} still running`), 60_000, 200);
      assert.equal(await r.proc.done, 0, `${r.name}:\n${tail(r.proc.output())}`);
    }
    // The archiver ends by itself once both cutovers have completed; it moved segments all along,
    // while the others were killed.
    await eventually(async () => (A.proc.exited() ? true : 'archive changes still running'), 60_000, 200);
    assert.equal(await A.proc.done, 0, tail(A.proc.output()));
    assert.match(A.proc.output(), /no importer will read the change queue again, so archive changes is done/);
    const moved = readdirSync(archiveDir, { recursive: true }).map(String).filter((f) => f.endsWith('.ndjson'));
    assert.ok(moved.length >= 5, `archive changes moved segments while the processes were killed: ${moved.length}`);
    assert.ok(moved.every((f) => statSync(join(archiveDir, f)).size > 0));

    // Checked at the end: nothing lost or duplicated, both verifications matched, the trigger back.
    assert.equal(await shopDiff(my, 'shop', pgs, 'yb'), '', 'every table equal at the end');
    const toSource = await statusOf('cutover to source');
    assert.equal(toSource.detail.verification?.match, true, JSON.stringify(toSource.detail));
    assert.deepEqual(await my.sql('shop', TRIGGERS_SQL), triggersBefore, 'the trigger recreated as it was');
    const [mine] = await my.sql('shop', 'SELECT COUNT(*) AS n, SUM(id) AS s, SUM(CHAR_LENGTH(pad)) AS l FROM big');
    const [theirs] = await pgs.sql('yb', `SELECT count(*)::int AS n, sum(id)::bigint AS s, sum(char_length(pad))::bigint AS l,
      (SELECT count(*) FROM public.big b WHERE b.pad <> b.id || ':' || repeat('x', 100 + b.id % 50))::int AS wrong FROM public.big`);
    assert.equal(Number(mine.n), BIG_ROWS);
    assert.deepEqual([theirs.n, Number(theirs.s), Number(theirs.l), theirs.wrong], [BIG_ROWS, Number(mine.s), Number(mine.l), 0]);
    console.log(`MariaDB random-kill test (seed ${SEED}): kills E ${JSON.stringify(E.kills)}, I ${JSON.stringify(I.kills)}, A ${JSON.stringify(A.kills)}; ${moved.length} segments archived; in ${Math.round((Date.now() - started) / 1000)} s; 0 rows lost or duplicated`);
  } catch (e) {
    (e as Error).message += `\n  seed ${SEED}\n  ${log.join('\n  ')}\n--- last E run:\n${tail(E.proc?.output() ?? '')}\n--- last I run:\n${tail(I.proc?.output() ?? '')}\n--- last A run:\n${tail(A.proc?.output() ?? '')}`;
    throw e;
  } finally {
    await app?.stop();
    await Promise.all([E.proc?.kill('SIGKILL'), I.proc?.kill('SIGKILL'), A.proc?.kill('SIGKILL')]);
    rmSync(archiveDir, { recursive: true, force: true });
  }
});
