/**
 * The failpoint crash test of a MariaDB source, through the built CLI: each of the four processes of
 * a live migration with fall-back ("export data from source", "import data to target", "export data
 * from target", "import data to source") is killed with SIGKILL at least 10 times, each time exactly
 * at a named failpoint (src/core/failpoint.ts) and restarted at once with the command of its current
 * role, as a user would: the snapshot, the binlog stream under the application's writes on MariaDB,
 * the cutover to target with fall-back, the fall-back stream under the application's writes on the
 * target (including a crash between dropping the source's two triggers), and the cutover to source
 * (including a crash between recreating them and between AUTO_INCREMENT restores). At the end every
 * table holds the same rows on both sides, the triggers are back as they were, every failpoint was
 * hit, and the counts are printed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';
import { cutoverStatus, eventually, killAll, startTandem, tail, type CutoverRow, type TandemProcess } from '../../helpers/live-process.js';
import { createShop, runMariaApp, runTargetApp, shopDiff, type RunningApp } from '../../helpers/mariadb-workload.js';
import { FAILPOINTS, LARGE_TRANSACTION_FAILPOINTS, SCHEMA_AND_END_FAILPOINTS, type FailpointName } from '../../../src/core/failpoint.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  const t0 = Date.now();
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
  console.log(`servers started in ${Date.now() - t0} ms`);
});
after(async () => {
  const t0 = Date.now();
  await killAll();
  await Promise.all([my?.stop(), pgs?.stop()]);
  console.log(`servers stopped in ${Date.now() - t0} ms`);
});

/** A second trigger on a migrated table, so that Tandem drops (and recreates) two: a crash can fall between them. */
const SECOND_TRIGGER = 'CREATE TRIGGER items_qty BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = GREATEST(NEW.qty, 1);';
const TRIGGERS_SQL = "SELECT TRIGGER_NAME AS n, ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' ORDER BY 1";

/** kill@1 … kill@n of one failpoint. */
const times = (fp: FailpointName, ...at: number[]): [FailpointName, number][] => at.map((n) => [fp, n]);

type Process = 'export data from source' | 'import data to target' | 'export data from target' | 'import data to source';

test('MariaDB: SIGKILL of all four processes at every failpoint, at least 10 times each: nothing lost or duplicated', { timeout: 420_000 }, async () => {
  await createShop(my, 'shop', SECOND_TRIGGER);
  await pgs.createDatabase('yb');
  const triggersBefore = await my.sql('shop', TRIGGERS_SQL);
  assert.equal(triggersBefore.length, 2);
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password, TANDEM_METRICS_INTERVAL_MS: '60000' };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'shop'];
  const TF = targetFlags(pgs, 'yb');
  const ok = async (args: string[]) => {
    const r = await runTandem([...args, '--export-dir', dir], env);
    assert.equal(r.code, 0, `tandem ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    return r.stdout;
  };
  const statusOf = async (direction: 'cutover to target' | 'cutover to source') =>
    (await cutoverStatus(dir, env)).find((r) => r.direction === direction) as CutoverRow & { detail: Record<string, any> };
  const toTargetDone = async () => (await statusOf('cutover to target')).status === 'COMPLETED';
  const t0 = Date.now();
  await ok(['export', 'schema', ...SF]);
  await ok(['import', 'schema', ...TF]);
  console.log(`schema exported and imported in ${Date.now() - t0} ms`);

  const logDir = mkdtempSync(join(tmpdir(), 'tandem-mysql-failpoints-'));
  const hits = new Map<string, number>();
  const kills = new Map<Process, number>();
  const log: string[] = [];
  const started = Date.now();
  const note = (what: string) => log.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
  let runNo = 0;

  /** E: export data from source, which continues as import data to source; I: import data to target, then export data from target. */
  interface Role { readonly name: string; proc?: TandemProcess; command(): Promise<string[]>; plays(): Promise<Process> }
  const exporter: Role = {
    name: 'E',
    async command() {
      return (await toTargetDone())
        // Without the flag, as cutover status prints it: the consent export data recorded holds (the fix-verify-49 run).
        ? ['import', 'data', 'to', 'source', '--export-dir', dir]
        : ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', '--disable-triggers-and-fks', 'true'];
    },
    async plays() { return (await toTargetDone()) ? 'import data to source' : 'export data from source'; },
  };
  const importer: Role = {
    name: 'I',
    async command() {
      return (await toTargetDone())
        ? ['export', 'data', 'from', 'target', '--export-dir', dir]
        : ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, '--batch-size', '100'];
    },
    async plays() { return (await toTargetDone()) ? 'export data from target' : 'import data to target'; },
  };

  const start = async (r: Role, armed?: [FailpointName, number]): Promise<string> => {
    const args = await r.command();
    const logFile = join(logDir, `run-${++runNo}.log`);
    const runEnv: Record<string, string> = { ...env, TANDEM_FAILPOINT_LOG: logFile };
    if (armed) runEnv.TANDEM_FAILPOINTS = `${armed[0]}=kill@${armed[1]}`;
    r.proc = startTandem(args, runEnv);
    note(`${r.name} ${args.slice(0, 4).join(' ')}${armed ? ` armed ${armed[0]}=kill@${armed[1]}` : ''}`);
    return logFile;
  };

  // (The timers below are unref'd: a pending one must not keep the test process alive after the test.)
  /** Stops an unarmed run as a user would (SIGTERM; SIGKILL if it does not end), so that the next run can be armed. */
  const stop = async (r: Role) => {
    if (!r.proc || r.proc.exited()) return;
    r.proc.child.kill('SIGTERM');
    const ended = await Promise.race([r.proc.done.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 15_000).unref())]);
    if (!ended) {
      await r.proc.kill('SIGKILL');
      note(`${r.name} did not end on SIGTERM within 15 s: killed`);
    }
  };

  /** Restarts the role armed with one failpoint; `died` resolves once it died exactly there. */
  const arm = async (r: Role, armed: [FailpointName, number]): Promise<{ died: Promise<void> }> => {
    await stop(r);
    const logFile = await start(r, armed);
    const proc = r.proc!;
    const died = (async () => {
      const outcome = await Promise.race([proc.done, new Promise((res) => setTimeout(() => res('timeout'), 90_000).unref())]);
      if (outcome !== 'SIGKILL') {
        throw new Error(`${r.name} armed with ${armed[0]}=kill@${armed[1]} ended with ${String(outcome)} instead of dying there:\n${tail(proc.output())}`);
      }
      const hit = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim() : '';
      assert.equal(hit, armed[0], `${r.name} died at the armed failpoint`);
      hits.set(hit, (hits.get(hit) ?? 0) + 1);
      const what = await r.plays();
      kills.set(what, (kills.get(what) ?? 0) + 1);
      note(`${r.name} (${what}) died at ${hit}`);
    })();
    died.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
    return { died };
  };

  /** Runs the role once per armed failpoint, each run dying exactly there and restarted at once; then starts it unarmed. */
  const drive = async (r: Role, plan: [FailpointName, number][]) => {
    for (const armed of plan) await (await arm(r, armed)).died;
    await start(r);
  };

  let app: RunningApp | undefined;
  try {
    // 1. The application writes to MariaDB from now on. Snapshot: the exporter dies while recording
    // snapshot files (each restart takes a new snapshot at a new binlog position); then the importer
    // dies before and after its batch commits.
    app = runMariaApp(my, 'shop', 31, 'src', 8);
    await drive(exporter, times('snapshot.after-file-before-record', 1, 2, 3));
    await exporter.proc!.waitFor(/Streaming changes/, 90_000);
    // Last, the importer dies right after building a loaded table's index (indexes are built once
    // no other table's files wait, so that run loads the rest first).
    await drive(importer, [...times('import.before-batch-commit', 1, 3), ...times('import.after-batch-commit', 1, 3), ...times('import.after-index-built', 1)]);
    await ok(['import', 'schema', ...TF, '--post-snapshot-import', 'true']);

    // 2. The binlog stream: the exporter dies between a queue segment's fsync and its commit, and
    // after the commit; the importer after committed batches.
    await Promise.all([
      drive(exporter, [...times('queue.after-append-before-commit', 1, 2, 3, 4), ...times('queue.after-commit-before-ack', 1, 2, 3)]),
      drive(importer, times('apply.after-batch-commit', 1, 2, 3, 4)),
    ]);
    const srcStats = await app.stop();
    app = undefined;
    assert.equal(srcStats.errors, 0, `application errors on MariaDB: ${srcStats.lastError}`);
    assert.ok(srcStats.transactions >= 200, `the application ran on MariaDB: ${srcStats.transactions} transactions`);
    note(`MariaDB application: ${srcStats.transactions} transactions`);

    // 3. Cutover to target with fall-back: the exporter dies right after the marker's append, then
    // (continuing as import data to source) between dropping the source's two triggers; the importer
    // in every step of completing the cutover.
    const exporterAtMarker = await arm(exporter, ['queue.marker-after-append', 1]);
    const importerAtMarker = await arm(importer, ['cutover.after-marker-applied', 1]);
    await exporter.proc!.waitFor(/Streaming changes/, 60_000);
    await ok(['initiate', 'cutover', 'to', 'target', '--prepare-for-fall-back', 'true']);
    note('cutover to target initiated');
    await Promise.all([
      exporterAtMarker.died.then(() => drive(exporter, times('mysql.between-trigger-drops', 1))),
      importerAtMarker.died.then(() => drive(importer, [
        ...times('cutover.between-sequence-restores', 1), ...times('cutover.after-sequences-restored', 1),
        ...times('cutover.before-reverse-slot', 1), ...times('cutover.after-reverse-slot', 1), ...times('cutover.before-completed', 1),
      ])),
    ]);
    await eventually(async () => ((await toTargetDone()) ? true : JSON.stringify(await statusOf('cutover to target'))), 90_000, 300);
    note('cutover to target COMPLETED');
    assert.equal(await shopDiff(my, 'shop', pgs, 'yb'), '', 'every table equal at the cutover to target');
    assert.equal((await statusOf('cutover to target')).detail.verification?.match, true);

    // 4. The fall-back stream, the application writing to the target: export data from target dies
    // in its appends; import data to source after committed batches and before a batch's commit.
    await importer.proc!.waitFor(/Streaming changes from the target/, 60_000);
    app = runTargetApp(pgs, 'yb', 32, 8);
    await Promise.all([
      drive(importer, [...times('queue.after-append-before-commit', 1, 2, 3, 4, 5), ...times('queue.after-commit-before-ack', 1, 2, 3, 4)]),
      drive(exporter, [...times('fallback.after-batch-commit', 1, 2, 3, 4, 5), ...times('mysql.fallback-before-commit', 1, 3)]),
    ]);
    const tgtStats = await app.stop();
    app = undefined;
    assert.equal(tgtStats.errors, 0, `application errors on the target: ${tgtStats.lastError}`);
    note(`target application: ${tgtStats.transactions} transactions`);
    assert.deepEqual(await my.sql('shop', TRIGGERS_SQL), [], 'both triggers dropped for the fall-back');

    // 5. Cutover to source: export data from target dies after the marker's append; import data to
    // source after applying the marker, between recreating the triggers, between AUTO_INCREMENT
    // restores, after them and before completing.
    const targetAtMarker = await arm(importer, ['queue.marker-after-append', 1]);
    const sourceAtMarker = await arm(exporter, ['cutover.after-marker-applied', 1]);
    await importer.proc!.waitFor(/Streaming changes from the target/, 60_000);
    await ok(['initiate', 'cutover', 'to', 'source']);
    note('cutover to source initiated');
    await Promise.all([
      targetAtMarker.died.then(() => start(importer)),
      sourceAtMarker.died.then(() => drive(exporter, [
        ...times('mysql.between-trigger-creates', 1), ...times('cutover.between-sequence-restores', 1),
        ...times('cutover.after-sequences-restored', 1), ...times('cutover.before-completed', 1),
      ])),
    ]);
    await eventually(async () => ((await statusOf('cutover to source')).status === 'COMPLETED' ? true : JSON.stringify(await statusOf('cutover to source'))), 120_000, 300);
    note('cutover to source COMPLETED');
    for (const r of [exporter, importer]) {
      await eventually(async () => (r.proc!.exited() ? true : `${r.name} still running`), 30_000, 200);
      assert.equal(await r.proc!.done, 0, `${r.name}:\n${tail(r.proc!.output())}`);
    }

    assert.equal(await shopDiff(my, 'shop', pgs, 'yb'), '', 'every table equal at the end');
    const toSource = await statusOf('cutover to source');
    assert.equal(toSource.detail.verification?.match, true, JSON.stringify(toSource.detail));
    assert.deepEqual(toSource.detail.disabledOnSource, [], 'nothing left dropped on the source');
    assert.deepEqual(await my.sql('shop', TRIGGERS_SQL), triggersBefore, 'both triggers recreated as they were');
    // The AUTO_INCREMENT counters are above the data: the application inserts again without a collision.
    await my.sql('shop', "INSERT INTO customers (email, full_name) VALUES ('back@x.io', 'Back'); INSERT INTO orders (customer_id, placed_at) VALUES (LAST_INSERT_ID(), '2026-01-01')");

    // Every marker was written once, however often its exporter died around it.
    const queueDir = join(dir, 'data', 'queue');
    const markers = readdirSync(queueDir).filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) => readFileSync(join(queueDir, f), 'utf8').split('\n').filter((l) => l.includes('"op":"m"')).map((l) => JSON.parse(l).marker));
    assert.deepEqual(markers, ['cutover_to_target', 'cutover_to_source']);

    const total = [...hits.values()].reduce((a, b) => a + b, 0);
    console.log(`MariaDB failpoint crash test: ${total} kills in ${Math.round((Date.now() - started) / 1000)} s, ${hits.size}/${FAILPOINTS.length - LARGE_TRANSACTION_FAILPOINTS.length - SCHEMA_AND_END_FAILPOINTS.length} failpoints hit, 0 rows lost or duplicated\n  kills per process: ${
      [...kills].map(([p, n]) => `${p}: ${n}`).join(', ')}\n  ${[...hits].map(([f, n]) => `${f}: ${n}`).join('\n  ')}\n  timeline:\n  ${log.join('\n  ')}`);
    assert.deepEqual(FAILPOINTS.filter((f) => !hits.has(f) && !LARGE_TRANSACTION_FAILPOINTS.includes(f) && !SCHEMA_AND_END_FAILPOINTS.includes(f)), [],
      'every failpoint was hit (those of a transaction in parts, of import schema and of end migration: tests of their own)');
    for (const p of ['export data from source', 'import data to target', 'export data from target', 'import data to source'] as const) {
      assert.ok((kills.get(p) ?? 0) >= 10, `${p} killed at least 10 times (got ${kills.get(p) ?? 0})`);
    }
  } catch (e) {
    (e as Error).message += `\n  ${log.join('\n  ')}\n--- last E run:\n${tail(exporter.proc?.output() ?? '')}\n--- last I run:\n${tail(importer.proc?.output() ?? '')}`;
    throw e;
  } finally {
    await app?.stop();
    await Promise.all([exporter.proc?.kill('SIGKILL'), importer.proc?.kill('SIGKILL')]);
  }
});
