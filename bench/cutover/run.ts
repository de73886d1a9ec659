/**
 * bench/cutover: the downtime of `initiate cutover to target --prepare-for-fall-back true`,
 * PostgreSQL 15 -> PostgreSQL 15 (the target role).
 *
 *   npm run build && node dist/bench/cutover/run.js
 *
 * Environment: BENCH_SCALE=5 (pgbench -i -s), BENCH_RUNS=3, BENCH_WARM_SECONDS=3 (pgbench -N before
 * the cutover, so the stream and the sequences have moved). BENCH_BUSY_TPS=150 keeps a pgbench -N
 * at that rate running for BENCH_BUSY_SECONDS (10) up to the cutover: the application stops when
 * the clock starts (a busy database: its tables are never quiet before the marker); each run is then
 * made twice, with the early verification's key ranges and without them (TANDEM_EARLY_KEY_RANGES=off:
 * tables compared whole once quiet, as before them), and the ratio of the medians printed.
 * BENCH_PG_LOG_DIR keeps both servers' logs there, with slow statements' plans (`serverLogSettings`).
 *
 * Each run is a new migration (new export dir, new target database) of the same source: export
 * schema, import schema, export data from source --export-type snapshot-and-changes, import data to
 * target; the snapshot is loaded, a short pgbench -N runs, then the source is quiet and the importer
 * caught up, and the importer has verified the quiet tables (steady state). The clock starts when `tandem initiate cutover to target
 * --prepare-for-fall-back true` is started, and stops at:
 *   (i)   the cutover to target is COMPLETED (meta.db polled every 10 ms: what `cutover status` reads;
 *         `cutover status` itself is run once afterwards and its own run time printed),
 *   (ii)  an INSERT on the target that takes its key from a sequence (pgbench_history.hid) succeeds,
 *         issued right after (i) (before (i) the application must not write to the target) on a
 *         connection opened before the cutover (an application's pool is connected already),
 *   (iii) the reverse stream runs: that insert has reached the queue (queue_state.last_vsn passes the
 *         cutover marker), and the target's fall-back slot is active in pg_replication_slots.
 * The exporter's and importer's output lines are time-stamped, which splits the downtime into
 * phases (marker written, marker queued, changes applied, sequences restored, fall-back slot
 * created, verification, COMPLETED). `tandem compare` is timed separately after each run.
 * Prints each run and min/median over the runs.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../test/helpers/pg-server.js';
import { sourceFlags, targetFlags } from '../../test/helpers/cli.js';
import {
  Cleanup, MetaView, type Proc, loadAvg, median, now, pgbench, pgbenchResult, removeDir, runTandem, sh, sleep, startTandem, waitFor,
} from '../cdc/common.js';
import { benchNumber } from '../env.js';

const SCALE = benchNumber('BENCH_SCALE', 5, { min: 1 });
const RUNS = benchNumber('BENCH_RUNS', 3, { min: 1 });
const WARM = benchNumber('BENCH_WARM_SECONDS', 3, { integer: false });
const BUSY_TPS = benchNumber('BENCH_BUSY_TPS', 0, { min: 0 });
const BUSY_SECONDS = benchNumber('BENCH_BUSY_SECONDS', 10, { integer: false });
const LOG_FLAGS = process.env.BENCH_LOG_LEVEL ? ['--log-level', process.env.BENCH_LOG_LEVEL] : [];
const DB = 'bench';

interface RunResult {
  readonly completed: number;
  readonly insertOk: number;
  readonly reverse: number;
  readonly slotActive: number;
  readonly initiateCli: number;
  readonly statusCli: number;
  readonly compareCli: number;
  readonly phases: Array<[string, number | undefined]>;
  readonly verifyMs?: number;
  readonly verifyResult: string;
  readonly insertAttempts: number;
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const t00 = now();
  try {
    const [source, target] = await Promise.all([startPg15(serverLogSettings('source')), startPg15(serverLogSettings('target'))]);
    cleanup.add('stop servers', () => Promise.all([source.stop(), target.stop()]));
    const work = mkdtempSync(join(tmpdir(), 'tandem-bench-cutover-'));
    // BENCH_KEEP_DIR=1 keeps the export dirs (their logs/; BENCH_LOG_LEVEL=debug for the exporter's and importer's steps).
    if (process.env.BENCH_KEEP_DIR) process.stdout.write(`keeping the export dirs: ${work}\n`);
    else cleanup.add('remove temp dir', () => removeDir(work));
    const env = { PGPASSWORD: source.password, SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
    process.stdout.write(`load average at start: ${loadAvg()}\npgbench -i -s ${SCALE} ...\n`);
    await source.createDatabase(DB);
    sh(`/usr/lib/postgresql/15/bin/pgbench -i -q -s ${SCALE} -h ${source.host} -p ${source.port} -U postgres ${DB}`, env);
    await source.sql(DB, `ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY;
      INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 0, now())`);
    await source.sql(DB, 'VACUUM ANALYZE');

    const results: RunResult[] = [];
    const baseline: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      process.stdout.write(`run ${run}/${RUNS} ...\n`);
      const r = await oneRun(String(run), source, target, env, join(work, `export-${run}`), cleanup);
      results.push(r);
      process.stdout.write(formatRun(run, r).join('\n') + '\n');
      if (BUSY_TPS > 0) {
        process.stdout.write(`run ${run}/${RUNS} without key ranges (TANDEM_EARLY_KEY_RANGES=off) ...\n`);
        const b = await oneRun(`${run}w`, source, target, { ...env, TANDEM_EARLY_KEY_RANGES: 'off' }, join(work, `export-${run}w`), cleanup);
        baseline.push(b);
        process.stdout.write(formatRun(run, b).join('\n') + '\n');
      }
    }

    const stat = (f: (r: RunResult) => number, of = results) => {
      const v = of.map(f);
      return `min ${(Math.min(...v) / 1000).toFixed(2)} s, median ${(median(v) / 1000).toFixed(2)} s`;
    };
    const lines = [
      '',
      `bench/cutover report (pgbench -s ${SCALE}: ${SCALE * 100000} accounts; ${RUNS} runs; ${BUSY_TPS ? `the application writing ${BUSY_TPS} transactions/s up to the cutover; ` : ''}load average now ${loadAvg()}; ${((now() - t00) / 1000).toFixed(0)} s in all)`,
      `  (i)   cutover status COMPLETED:              ${stat((r) => r.completed)}`,
      `  (ii)  insert with a sequence on the target:  ${stat((r) => r.insertOk)}`,
      `  (iii) reverse stream carries a target write: ${stat((r) => r.reverse)}   = total downtime (goal < 1 s)`,
      `  of which verification at cutover:           ${stat((r) => r.verifyMs ?? NaN)}`,
      `  tandem compare run separately (CLI):        ${stat((r) => r.compareCli)}`,
      `  tandem cutover status (CLI run time):       ${stat((r) => r.statusCli)}`,
      ...(baseline.length ? [
        `  without key ranges (the baseline, same runs): total downtime ${stat((r) => r.reverse, baseline)}; verification at cutover ${stat((r) => r.verifyMs ?? NaN, baseline)}`,
        `  total downtime, key ranges / without: ${(median(results.map((r) => r.reverse)) / median(baseline.map((r) => r.reverse))).toFixed(2)}`,
      ] : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await cleanup.run();
  }
}

/**
 * BENCH_PG_LOG_DIR=<dir>: each server logs into <dir>/source or <dir>/target (kept after the bench),
 * with the plan of every statement that took over 200 ms (auto_explain, with actual times) and
 * every lock wait over the deadlock timeout: where a slow step of the cutover spent its time.
 */
function serverLogSettings(role: 'source' | 'target'): Record<string, string> {
  const base = process.env.BENCH_PG_LOG_DIR;
  if (!base) return {};
  const dir = join(base, role);
  mkdirSync(dir, { recursive: true });
  sh(`chown postgres ${base} ${dir}`, {});
  process.stdout.write(`the ${role} server logs into ${dir}\n`);
  return {
    logging_collector: 'on', log_directory: dir, log_min_duration_statement: '200', log_lock_waits: 'on', deadlock_timeout: '100ms',
    session_preload_libraries: 'auto_explain', 'auto_explain.log_min_duration': '200', 'auto_explain.log_analyze': 'on', 'auto_explain.log_buffers': 'on',
    log_autovacuum_min_duration: '0', log_checkpoints: 'on',
  };
}

function formatRun(run: number, r: RunResult): string[] {
  const ms = (x: number | undefined) => (x === undefined ? '      -' : `${(x / 1000).toFixed(3).padStart(7)} s`);
  return [
    `  run ${run}: completed ${ms(r.completed)}, insert ok ${ms(r.insertOk)} (${r.insertAttempts} attempt(s)), reverse stream ${ms(r.reverse)} (slot active at ${ms(r.slotActive)})`,
    `    phases (time since the initiate command was started):`,
    ...r.phases.map(([what, t]) => `      ${ms(t)}  ${what}`),
    `    verification at cutover: ${r.verifyMs === undefined ? '-' : `${(r.verifyMs / 1000).toFixed(3)} s`} (${r.verifyResult}); tandem compare alone: ${(r.compareCli / 1000).toFixed(3)} s; cutover status CLI: ${(r.statusCli / 1000).toFixed(3)} s`,
  ];
}

async function oneRun(run: string, source: PgServer, target: PgServer, env: Record<string, string>, dir: string, cleanup: Cleanup): Promise<RunResult> {
  const db = `cutover_${run}`;
  await target.createDatabase(db);
  sh(`mkdir -p ${dir}`);
  const SF = sourceFlags(source, DB);
  const TF = targetFlags(target, db);
  await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
  await runTandem(['import', 'schema', '--export-dir', dir, ...TF], env);
  const meta = new MetaView(dir);
  const ex = startTandem('export', ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', ...LOG_FLAGS], env);
  const im = startTandem('import', ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, ...LOG_FLAGS], env);
  const procs: Proc[] = [ex, im];
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    meta.close();
    await Promise.all(procs.map((p) => p.stop()));
  };
  cleanup.add(`stop run ${run}`, stopAll);
  const diag = () => `${ex.tail()}\n${im.tail()}`;
  const alive = () => {
    for (const p of procs) if (!p.running) throw new Error(`${p.label} ended early\n${diag()}`);
  };
  try {
    await waitFor('the snapshot to be imported', () => {
      alive();
      return meta.value('cdc_phase') === 'streaming' && meta.step('import_changes') === 'IN_PROGRESS';
    }, 300_000, 100, diag);
    await pgbenchResult(pgbench(['-n', '-N', '-c', '2', '-T', String(WARM)], source, DB));
    // Steady state: the queue has stopped growing and the importer has applied all of it.
    let lastSeen = -1;
    let since = now();
    await waitFor('the importer to catch up', () => {
      alive();
      const last = meta.lastVsn();
      if (last !== lastSeen) {
        lastSeen = last;
        since = now();
      }
      return last > 0 && meta.appliedVsn('target') >= last && now() - since > 1000;
    }, 120_000, 50, diag);
    const quietSince = now();
    await runTandem(['import', 'schema', '--export-dir', dir, ...TF, '--post-snapshot-import', 'true'], env);
    // Steady state also means the importer has verified the tables that went quiet with the
    // workload (it does once a table has been quiet for 2 s; a cutover that meets a check still
    // running waits for it): a pass that ends after the queue went quiet.
    // (Tables keyed by an integer are read by key range from the start, and said once: a table read
    // whole again once quiet is not said again; 2 s quiet and its reading are waited for below.)
    const verifiedEarly = await waitFor('the importer to verify the tables', () => {
      alive();
      return im.find(/Verified \d+ table\(s\) ahead of the cutover|differs between the source and the target/)?.text;
    }, 120_000, 50, diag);
    process.stdout.write(`    before the cutover: ${verifiedEarly.trim()}\n`);
    await sleep(Math.max(500, 4000 - (now() - quietSince)));
    // A busy database: the application writes up to the cutover (stopped when the clock starts).
    const app = BUSY_TPS > 0 ? pgbench(['-n', '-N', '-c', '2', '-R', String(BUSY_TPS), '-T', '3600'], source, DB, 'application') : undefined;
    if (app) await sleep(BUSY_SECONDS * 1000);

    // The application's connection to the target is open before the cutover, as a pool's would be:
    // connecting is not part of the downtime Tandem causes.
    const client = await target.client(db);
    // The cutover: from the application's stop.
    const t0 = now();
    if (app) await app.stop(5000);
    const maxHid = Number((await source.sql(DB, 'SELECT max(hid) AS m FROM pgbench_history'))[0].m);
    const wallT0 = Date.now();
    const initiate = runTandem(['initiate', 'cutover', 'to', 'target', '--export-dir', dir, '--prepare-for-fall-back', 'true'], env).then((r) => now() - t0);
    const completedAt = await waitFor('cutover to target COMPLETED', () => {
      alive();
      return meta.cutover('to_target').status === 'COMPLETED' ? now() : undefined;
    }, 120_000, 10, diag);
    const initiateCli = await initiate;
    const { markerVsn = 0, requestedAt } = meta.cutover('to_target');
    // (ii) the application's first write on the target takes a key from the restored sequence.
    let attempts = 0;
    let insertedHid = 0;
    try {
      insertedHid = await waitFor('an insert on the target to succeed', async () => {
        attempts++;
        try {
          const r = await client.query('INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 0, now()) RETURNING hid');
          return Number(r.rows[0].hid);
        } catch (e) {
          if (attempts === 1) process.stdout.write(`    first insert on the target failed: ${(e as Error).message}\n`);
          return undefined;
        }
      }, 10_000, 10);
    } finally {
      await client.end();
    }
    const insertAt = now();
    if (insertedHid <= maxHid) throw new Error(`the target's sequence gave hid ${insertedHid}, not above the source's max ${maxHid}`);
    // (iii) the reverse stream: the insert is queued by "export data from target".
    const names = meta.value<{ slot: string }>('target_replication');
    let slotActiveAt: number | undefined;
    const reverseAt = await waitFor('the target write in the queue', async () => {
      alive();
      if (slotActiveAt === undefined && names) {
        const r = await target.sql(db, 'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [names.slot]);
        if (r[0]?.active) slotActiveAt = now();
      }
      return meta.lastVsn() > markerVsn ? now() : undefined;
    }, 30_000, 10, diag);
    if (slotActiveAt === undefined) slotActiveAt = now();

    // Afterwards, not part of the downtime: the CLI's view, and a separate comparison.
    let t = now();
    const status = await runTandem(['cutover', 'status', '--export-dir', dir, '--output-format', 'json'], env);
    const statusCli = now() - t;
    const row = (JSON.parse(status.out.slice(status.out.indexOf('['))) as Array<{ direction: string; status: string }>).find((x) => x.direction === 'cutover to target');
    if (row?.status !== 'COMPLETED') throw new Error(`cutover status shows ${row?.status}`);
    // The target's insert travels back to the source; compare once "import data to source" has
    // applied it (else the two sides differ by that row, rightly).
    const reverseVsn = meta.lastVsn();
    await waitFor('the target write applied to the source', () => {
      alive();
      return meta.appliedVsn('source') >= reverseVsn;
    }, 30_000, 10, diag);
    t = now();
    await runTandem(['compare', '--export-dir', dir], env);
    const compareCli = now() - t;

    const at = (p: Proc, re: RegExp) => {
      const l = p.find(re, t0);
      return l ? l.t - t0 : undefined;
    };
    const vStart = at(im, /^Verifying:/);
    const vEnd = at(im, /^Verification:|VERIFICATION MISMATCH|verification skipped/);
    const vLine = im.find(/^Verification:|VERIFICATION MISMATCH|verification skipped/, t0)?.text ?? 'no verification line';
    const phases: Array<[string, number | undefined]> = [
      ['initiate cutover command recorded the request in meta.db', requestedAt === undefined ? undefined : requestedAt - wallT0],
      ['initiate cutover command returned', initiateCli],
      ['exporter wrote the marker into the WAL ("Cutover requested")', at(ex, /Cutover requested/)],
      ['marker queued', at(ex, /cutover marker is queued/)],
      ['importer applied everything up to the marker', at(im, /All changes up to the cutover marker/)],
      ['sequences restored on the target', at(im, /Restored \d+ sequence/)],
      ['fall-back slot created on the target', at(im, /for the fall-back stream/)],
      ['verification started', vStart],
      ['verification finished', vEnd],
      ['COMPLETED seen in meta.db', completedAt - t0],
      ['insert on the target succeeded', insertAt - t0],
      ['importer streams from the target', at(im, /Streaming changes from the target/)],
      ['exporter became "import data to source"', at(ex, /Applying the changes captured on the target/)],
      ['target write queued (reverse stream)', reverseAt - t0],
    ];
    return {
      completed: completedAt - t0, insertOk: insertAt - t0, reverse: reverseAt - t0, slotActive: slotActiveAt - t0, initiateCli, statusCli, compareCli,
      phases, verifyMs: vStart !== undefined && vEnd !== undefined ? vEnd - vStart : undefined, verifyResult: vLine.trim(), insertAttempts: attempts,
    };
  } finally {
    await stopAll();
    // Leave the servers ready for the next run: no fall-back slot holding the target's WAL, and the
    // source's history sequence above the row that the reverse stream brought back.
    const slots = await target.sql(db, "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'tandem%' AND NOT active");
    for (const s of slots) await target.sql(db, 'SELECT pg_drop_replication_slot($1)', [s.slot_name]);
    const srcSlots = await source.sql(DB, "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'tandem%' AND NOT active");
    for (const s of srcSlots) await source.sql(DB, 'SELECT pg_drop_replication_slot($1)', [s.slot_name]);
    await source.sql(DB, "SELECT setval('pgbench_history_hid_seq', (SELECT max(hid) FROM pgbench_history))");
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
