/**
 * bench/cdc: live migration throughput and lag, PostgreSQL 15 -> PostgreSQL 15 (the target role).
 *
 *   npm run build && node dist/bench/cdc/run.js
 *
 * Environment: BENCH_PART=all|backlog|live (default all), BENCH_SCALE=10 (pgbench -i -s),
 * BENCH_CHANGES=500000 (row changes in the backlog), BENCH_BACKLOG=pgbench|one-transaction (the backlog's shape:
 * pgbench -N transactions, or one UPDATE of every pgbench_accounts row, as a batch job writes: 100,000
 * per unit of BENCH_SCALE, BENCH_CHANGES ignored), BENCH_DURATION=60 (seconds of the live run),
 * BENCH_CLIENTS=4 (pgbench -c), BENCH_RATE=<tps> (the live workload throttled to that rate with pgbench -R: the TPS
 * ratio then means nothing, but two builds' CPU per change compare at the same load), BENCH_KEEP_DIR=1 (keep the export dir and its logs),
 * BENCH_LOG_LEVEL=debug (the exporter's and importer's --log-level: debug logs every queue append and batch,
 * and the report then splits the heartbeats' lag into stages, see stages.ts),
 * BENCH_PROFILE_DIR=<dir> (every export and import data process writes a --cpu-prof profile there),
 * BENCH_IMPORT_JOBS=<n> (import data's --parallel-jobs: its change channels; default Tandem's own),
 * BENCH_WARM_S=10 (the live lag is also reported apart for the workload's first seconds and for the rest),
 * BENCH_PREWARM_S=0 (seconds of the workload through the same Tandem processes before the measured run),
 * BENCH_LIVE_ROUNDS=3 (the live comparison, Tandem's run then native replication's, this many times in
 * turn; with more than one, the report ends with each goal's median and range over the rounds: one
 * round's lag p99 and TPS ratio vary by a third between runs on a busy 2-core machine),
 * BENCH_DB_DIR=<dir> (where both servers keep their data; default the temp dir, which holds the export dir too),
 * BENCH_SOURCE_SYNCHRONOUS_COMMIT=on (the source server's synchronous_commit: `on` is PostgreSQL's
 * default; with `off`, as the test servers run and as every run before 2026-12-01 measured, a commit
 * reaches the WAL, and so every logical consumer, native replication included, only when the WAL
 * writer flushes it, up to wal_writer_delay = 200 ms later. Both servers keep fsync = off).
 *
 * (a) backlog drain. A throw-away source gets `pgbench -i -s 10` (+ `hid bigserial primary key` on
 *     pgbench_history, + a heartbeat table). Tandem exports and imports the snapshot (export schema,
 *     import schema, export data --export-type snapshot-and-changes, import data to target), then both
 *     are stopped. The baseline is PostgreSQL's own logical replication into a second database on the
 *     same target server: slot and publication created while the source is quiet, data copied with
 *     pg_dump, `CREATE SUBSCRIPTION … WITH (enabled = false, copy_data = false, create_slot = false)`.
 *     Then a backlog of BENCH_CHANGES row changes is generated with `pgbench -N` (2 row changes per
 *     transaction: an update of pgbench_accounts and an insert into pgbench_history), and one last
 *     sentinel transaction. Nothing reads either slot meanwhile. Then, one after the other (the
 *     machine has 2 cores, so they must not compete):
 *       1. native: ALTER SUBSCRIPTION … ENABLE; time until the sentinel is visible on the native
 *          target (one apply worker applies in commit order, so everything before it is applied);
 *       2. tandem export: `export data from source` restarted; time until the queue holds every
 *          change (queue_state.last_vsn), i.e. the exporter's decode + queue rate from its start;
 *       3. tandem import: `import data to target` restarted; time until its low watermark in meta.db
 *          (queue_consumers.applied_vsn) reaches the queue's last vsn.
 *     Then source, Tandem target and native target are compared (row count + md5 of every table).
 *     The native figure includes the source's logical decoding (it runs in the walsender while the
 *     subscriber applies); Tandem's import figure does not (the queue is decoded already), so the
 *     report shows both Tandem's apply rate and its end-to-end rate (export + import, one after the
 *     other).
 * (b) live. `pgbench -N -c 4 -T 60` plus a heartbeat (`UPDATE bench_heartbeat SET ts =
 *     clock_timestamp()` and an INSERT into bench_heartbeat_log every 100 ms from a second pgbench) runs once before Tandem exists (first
 *     thing after `pgbench -i`) and once with export and import running. Every 200 ms the target is
 *     asked for the age of the newest applied heartbeat: lag = clock_timestamp() - ts (so it
 *     includes up to 100 ms of heartbeat period). Prints TPS without/with Tandem and lag p50/p99/max.
 *     Each heartbeat's exact lag is printed too for Tandem: the commit time on the target
 *     (track_commit_timestamp) of each inserted bench_heartbeat_log row minus its clock_timestamp() on
 *     the source (without the sampling's heartbeat period). Before the forty-eighth session an ALWAYS
 *     trigger on the target logged each heartbeat when applied, for native replication too; Tandem's
 *     writers now refuse such a trigger, and a subscription records the source's commit time as its
 *     own, so native replication's is not timed so.
 *     Then the same workload runs once more with PostgreSQL's own logical replication into a third
 *     database (a subscription; Tandem stopped), sampled the same way: the TPS the source keeps and
 *     the lag with native replication are the baseline of Tandem's. During both workloads the source's
 *     walsender is sampled every 50 ms (decoding or sending, waiting for WAL, or waiting for the
 *     consumer to read: whether the consumer back-pressures the source). The Tandem run and the
 *     native run repeat BENCH_LIVE_ROUNDS times in turn; the report ends with the goals' medians.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../test/helpers/pg-server.js';
import { sourceFlags, targetFlags } from '../../test/helpers/cli.js';
import { DEFAULT_PARALLEL_JOBS } from '../../src/core/parallelism.js';
import { stageReport } from './stages.js';
import { tableChecksums } from '../../test/helpers/table-checksum.js';
import { cpuBetween, postmasterPid, processCpuS, readCpu, type CpuReading } from '../offline/cpu-meter.js';
import {
  Cleanup, MetaView, PG_DUMP, PSQL, type Proc, appliedLags, loadAvg, median, now, percentile, pgbench, pgbenchResult, rate, removeDir, runTandem, secs, sh,
  sleep, startTandem, waitFor, cpuProfileArgs,
} from './common.js';
import { benchChoice, benchNumber } from '../env.js';

const PART = benchChoice('BENCH_PART', ['all', 'backlog', 'live'], 'all');
const SCALE = benchNumber('BENCH_SCALE', 10, { min: 1 });
const CHANGES = benchNumber('BENCH_CHANGES', 500_000, { min: 1 });
const BACKLOG = benchChoice('BENCH_BACKLOG', ['pgbench', 'one-transaction'], 'pgbench');
const DURATION = benchNumber('BENCH_DURATION', 60, { min: 1 });
const CLIENTS = benchNumber('BENCH_CLIENTS', 4, { min: 1 });
/** BENCH_RATE=n: the live workload at a fixed n transactions/s (pgbench -R), so that builds compare CPU per change at the same load. */
const RATE = process.env.BENCH_RATE ? String(benchNumber('BENCH_RATE', 0, { min: 1, integer: false })) : undefined;
const DB = 'bench';
const LOG_FLAGS = process.env.BENCH_LOG_LEVEL ? ['--log-level', process.env.BENCH_LOG_LEVEL] : [];
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/** BENCH_IMPORT_JOBS=n: `import data --parallel-jobs n` (the snapshot's loading connections and the change channels); default Tandem's own. */
const IMPORT_JOBS = process.env.BENCH_IMPORT_JOBS ? ['--parallel-jobs', String(benchNumber('BENCH_IMPORT_JOBS', 0, { min: 1 }))] : [];
/**
 * The live lag is also given apart for the workload's first seconds: the exporter and importer are
 * started just before it. In every run their first seconds of events lagged 0.8-1.6 s for about 2 s
 * (native replication, in C, has no such start); with BENCH_PREWARM_S=15 (the same processes ran the
 * workload first) the first seconds were like the rest, so it is the processes' warm-up (V8
 * compiling the hot paths, first statements), which a migration meets once per process start.
 */
const WARM_MS = benchNumber('BENCH_WARM_S', 10, { integer: false }) * 1000;
/** Seconds of the workload run through the same Tandem processes before the measured run (default 0). */
const PREWARM_S = benchNumber('BENCH_PREWARM_S', 0, { integer: false });
/** BENCH_LIVE_ROUNDS=n: the live comparison (Tandem, then native replication) n times in turn; the goals are judged on the rounds' medians. */
const LIVE_ROUNDS = benchNumber('BENCH_LIVE_ROUNDS', 3);

/** A Tandem process of the run; with BENCH_PROFILE_DIR, it writes a CPU profile there when it ends. */
function startCli(label: string, args: string[], env: Record<string, string>): Proc {
  return startTandem(label, args, env, cpuProfileArgs(PROFILE_DIR));
}
const TABLES = ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history', 'bench_heartbeat', 'bench_heartbeat_log'];
const SERVER_SETTINGS = { max_wal_size: '4GB', checkpoint_timeout: '30min' };
const SOURCE_SYNC_COMMIT = process.env.BENCH_SOURCE_SYNCHRONOUS_COMMIT ?? 'on';
/**
 * BENCH_DB_DIR=<dir>: where the source and target servers keep their data (default the temp dir,
 * the disk of Tandem's export dir). On one machine the servers share that disk with Tandem's queue,
 * which a deployment does not (the databases run elsewhere): their writeback then stalls the queue's
 * fdatasync (see docs/benchmarks.md, twenty-fifth session). BENCH_DB_DIR=/dev/shm keeps them off it.
 */
const DB_DIR = process.env.BENCH_DB_DIR;

const report: string[] = [];
const say = (s: string) => {
  process.stdout.write(`${s}\n`);
};

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const t00 = now();
  try {
    const where = { baseDir: DB_DIR };
    const [source, target] = await Promise.all([startPg15({ ...SERVER_SETTINGS, synchronous_commit: SOURCE_SYNC_COMMIT }, where), startPg15({ ...SERVER_SETTINGS, track_commit_timestamp: 'on' }, where)]);
    say(`source: synchronous_commit = ${SOURCE_SYNC_COMMIT} (BENCH_SOURCE_SYNCHRONOUS_COMMIT), fsync = off on both servers`);
    report.push(`source server: synchronous_commit = ${SOURCE_SYNC_COMMIT}, fsync = off (both servers); servers' data in ${DB_DIR ?? `${tmpdir()} (the export dir's disk)`}`);
    cleanup.add('stop servers', () => Promise.all([source.stop(), target.stop()]));
    const work = mkdtempSync(join(tmpdir(), 'tandem-bench-cdc-'));
    if (process.env.BENCH_KEEP_DIR) say(`keeping the export dir and logs: ${work}`);
    else cleanup.add('remove temp dir', () => removeDir(work));
    const dir = join(work, 'export');
    sh(`mkdir -p ${dir}`);
    const env = { PGPASSWORD: source.password, SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
    const hbScript = join(work, 'heartbeat.sql');
    // The row updated for the lag sampler and the sentinels; a row inserted, whose commit on the target times its lag (appliedLags).
    writeFileSync(hbScript, 'UPDATE bench_heartbeat SET ts = clock_timestamp() WHERE id = 1;\nINSERT INTO bench_heartbeat_log (ts) VALUES (clock_timestamp());\n\\sleep 100 ms\n');

    say(`load average at start: ${loadAvg()}`);
    say(`pgbench -i -s ${SCALE} ...`);
    await source.createDatabase(DB);
    sh(`${'/usr/lib/postgresql/15/bin/pgbench'} -i -q -s ${SCALE} -h ${source.host} -p ${source.port} -U postgres ${DB}`, env);
    await source.sql(DB, `ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY;
      CREATE TABLE bench_heartbeat (id int PRIMARY KEY, ts timestamptz NOT NULL);
      INSERT INTO bench_heartbeat VALUES (1, clock_timestamp());
      CREATE TABLE bench_heartbeat_log (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);
      INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 0, now())`);
    await vacuum(source, DB);

    // (b), first half: the source's TPS without Tandem.
    let baselineTps = NaN;
    let baselineLoad = '?';
    let baselineCpu: WorkloadCpu | undefined;
    postmasters = [await postmasterPid(source), await postmasterPid(target)];
    if (PART !== 'backlog') {
      say(`live baseline: pgbench -N -c ${CLIENTS} -T ${DURATION} without Tandem ...`);
      const base = await liveWorkload(source, hbScript);
      baselineTps = base.tps;
      baselineCpu = await base.cpu();
      baselineLoad = loadAvg();
      await vacuum(source, DB);
      say(`  ${baselineTps.toFixed(0)} tps`);
    }

    // Tandem: schema, snapshot, then stop both (the changes come later).
    await target.createDatabase('tandem');
    const SF = sourceFlags(source, DB);
    const TF = targetFlags(target, 'tandem');
    await runTandem(['export', 'schema', '--export-dir', dir, ...SF], env);
    await runTandem(['import', 'schema', '--export-dir', dir, ...TF], env);
    const meta = new MetaView(dir);
    cleanup.add('close meta.db', () => meta.close());
    const procs: Proc[] = [];
    cleanup.add('stop tandem processes', () => Promise.all(procs.map((p) => p.stop())));
    const exporter = () => {
      const p = startCli('export', ['export', 'data', 'from', 'source', '--export-dir', dir, ...SF, '--export-type', 'snapshot-and-changes', ...LOG_FLAGS], env);
      procs.push(p);
      return p;
    };
    const importer = () => {
      const p = startCli('import', ['import', 'data', 'to', 'target', '--export-dir', dir, ...TF, ...IMPORT_JOBS, ...LOG_FLAGS], env);
      procs.push(p);
      return p;
    };
    say('tandem: snapshot export + import ...');
    let t = now();
    let ex = exporter();
    let im = importer();
    const diag = () => `${ex.tail()}\n${im.tail()}`;
    await waitFor('the snapshot to be imported', () => {
      if (!ex.running || !im.running) throw new Error(`a tandem process ended early\n${diag()}`);
      return meta.value('cdc_phase') === 'streaming' && meta.step('import_changes') === 'IN_PROGRESS';
    }, 180_000, 100, diag);
    const snapshotMs = now() - t;
    await Promise.all([ex.stop(), im.stop()]);
    say(`  snapshot exported and imported in ${secs(snapshotMs)}`);
    if (meta.lastVsn() !== 0) throw new Error(`changes were queued while the source was quiet: last_vsn ${meta.lastVsn()}`);

    let backlog: BacklogResult | undefined;
    if (PART !== 'live') backlog = await backlogDrain(source, target, env, meta, exporter, importer);

    if (PART !== 'backlog') {
      const rounds: LiveRoundFigures[] = [];
      for (let round = 1; round <= LIVE_ROUNDS; round++) {
        const label = LIVE_ROUNDS > 1 ? ` (round ${round} of ${LIVE_ROUNDS})` : '';
        say(`live${label}: starting export and import, waiting until caught up ...`);
        ex = exporter();
        im = importer();
        await waitCaughtUp(meta, [ex, im], 120_000);
        if (PREWARM_S > 0 && round === 1) {
          say(`live: ${PREWARM_S} s of the workload first, not measured (BENCH_PREWARM_S) ...`);
          await liveWorkload(source, hbScript, PREWARM_S);
          await waitCaughtUp(meta, [ex, im], 120_000);
        }
        await vacuum(source, DB);
        // A fresh heartbeat on the target first (it still holds the backlog's sentinel), queued and
        // applied by these processes (when "caught up" was read from the earlier run's records before
        // this importer had begun, the sampler once read the sentinel's age).
        const queuedBefore = meta.lastVsn();
        await source.sql(DB, 'UPDATE bench_heartbeat SET ts = clock_timestamp() WHERE id = 1');
        await waitFor('the fresh heartbeat to be queued', () => meta.lastVsn() > queuedBefore, 60_000, 25, () => [ex, im].map((p) => p!.tail()).join('\n'));
        await waitCaughtUp(meta, [ex, im], 60_000);
        const vsn0 = meta.lastVsn();
        const sampler = await LagSampler.start(target, 'tandem');
        const walsender = await WalsenderSampler.start(source);
        say(`live${label}: pgbench -N -c ${CLIENTS} -T ${DURATION} with Tandem exporting and importing ...`);
        const tl = now();
        const startedAt = Date.now();
        const live = await liveWorkload(source, hbScript, DURATION, [ex, im]);
        const workloadEnd = now();
        const runLags = sampler.lags(startedAt, Date.now());
        const startLags = sampler.lags(startedAt, startedAt + WARM_MS);
        const steadyLags = sampler.lags(startedAt + WARM_MS, Date.now());
        const liveLoad = loadAvg();
        const walsenderStates = await walsender.stop();
        const queuedAtEnd = meta.lastVsn();
        await waitCaughtUp(meta, [ex, im], 300_000);
        const catchUpMs = now() - workloadEnd;
        const liveCpu = await live.cpu();
        await sampler.stop();
        const exact = await appliedLags(target, 'tandem', 'bench_heartbeat_log', startedAt, startedAt + DURATION * 1000);
        const events = meta.lastVsn() - vsn0;
        await Promise.all([ex.stop(), im.stop()]);
        const sums = await compareAll(source, target, ['tandem']);
        // Afterwards (Tandem's slot is not read meanwhile, and Tandem is not measured again).
        const native = await nativeLive(source, target, env, hbScript);
        const s1 = runLags;
        rounds.push({ tpsKept: live.tps / native.tps, sampledP99: percentile(s1, 99), exactP99: percentile(exact, 99),
          tandemCpuPer1000: (liveCpu.tandemS.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, liveCpu.changes) });
        report.push(
          '',
          `(b) live${label}: pgbench -N -c ${CLIENTS} -T ${DURATION} on the source (+ heartbeat every 100 ms)`,
          `  source TPS without Tandem:        ${baselineTps.toFixed(0)} (load average at its end: ${baselineLoad})`,
          ...([
            `  source TPS with native logical replication: ${native.tps.toFixed(0)} (${((native.tps / baselineTps) * 100).toFixed(0)}% of the baseline; load average at its end: ${native.load})`,
            `  native replication lag (${native.lags.length} samples): p50 ${percentile(native.lags, 50).toFixed(0)} ms, p99 ${percentile(native.lags, 99).toFixed(0)} ms, max ${Math.max(...native.lags).toFixed(0)} ms; from ${WARM_MS / 1000} s on: p50 ${percentile(native.steady, 50).toFixed(0)} ms, p99 ${percentile(native.steady, 99).toFixed(0)} ms; native target = source after the run: ${native.equal ? 'yes' : `NO: ${native.diff}`}`,
          ]),
          `  source TPS with export + import:  ${live.tps.toFixed(0)} (${((live.tps / baselineTps) * 100).toFixed(0)}% of the baseline; load average at its end: ${liveLoad}; other work on this machine skews this ratio)`,
          `  ratio of TPS kept, tandem / native: ${(live.tps / native.tps).toFixed(2)} (goal >= 1.0: the source keeps at least as much of its TPS as with native logical replication)`,
          `  row changes streamed:             ${events} (${rate(events, workloadEnd - tl)}/s during the run; ${queuedAtEnd - vsn0} queued by its end)`,
          `  replication lag (${s1.length} samples, 200 ms apart): p50 ${percentile(s1, 50).toFixed(0)} ms, p99 ${percentile(s1, 99).toFixed(0)} ms, max ${Math.max(...s1).toFixed(0)} ms (goal p99 < 300 ms; includes <= 100 ms heartbeat period)`,
          `    the first ${WARM_MS / 1000} s (both processes had just started; ${startLags.length} samples): p50 ${percentile(startLags, 50).toFixed(0)} ms, p99 ${percentile(startLags, 99).toFixed(0)} ms`,
          `    from ${WARM_MS / 1000} s on (${steadyLags.length} samples): p50 ${percentile(steadyLags, 50).toFixed(0)} ms, p99 ${percentile(steadyLags, 99).toFixed(0)} ms, max ${Math.max(...steadyLags).toFixed(0)} ms`,
          `  lag per heartbeat, source commit to applied on the target (${exact.length} heartbeats): p50 ${percentile(exact, 50).toFixed(0)} ms, p99 ${percentile(exact, 99).toFixed(0)} ms, max ${Math.max(...exact).toFixed(0)} ms (native replication's cannot be timed so: a subscription records the source's commit time as its own)`,
          `  the source's walsender during the workload (pg_stat_activity every 50 ms): Tandem's: ${walsenderStates}; native's: ${native.walsender}`,
          `  caught up ${secs(catchUpMs)} after the workload ended`,
          `  source = target after the run:    ${sums.ok ? 'yes (row count + md5 of every table)' : `NO: ${sums.diff}`}`,
        );
        report.push(
          `  CPU during the workload, seconds (per 1,000 row changes the source committed): pgbench / source server, of it its walsender / target server / Tandem = exporter + importer`,
          ...(baselineCpu && round === 1 ? [`    without replication: ${describeWorkloadCpu(baselineCpu)}`] : []),
          `    native replication:  ${describeWorkloadCpu(native.cpu)}`,
          `    Tandem:              ${describeWorkloadCpu(liveCpu)}`,
        );
        report.push(`  lag over time (ms; the first 10 samples, then every 5th): ${runLags.filter((_, i) => i < 10 || i % 5 === 0).map((x) => x.toFixed(0)).join(' ')}`);
        if (process.env.BENCH_LOG_LEVEL === 'debug') report.push(...stageReport(dir, vsn0, WARM_MS, startedAt, DEFAULT_PARALLEL_JOBS));
      }
      if (rounds.length > 1) report.push('', ...summarizeRounds(rounds));
    }

    if (backlog) report.unshift(...backlog.lines);
    report.unshift('', `bench/cdc report (scale ${SCALE}; load average now ${loadAvg()}; ${secs(now() - t00)} in all${IMPORT_JOBS.length ? `; import data ${IMPORT_JOBS.join(' ')}` : ''})`);
    say(report.join('\n'));
  } finally {
    await cleanup.run();
  }
}

interface BacklogResult { readonly lines: string[] }

/** One live round's figures that the goals are judged on. */
interface LiveRoundFigures { readonly tpsKept: number; readonly sampledP99: number; readonly exactP99: number; readonly tandemCpuPer1000: number }

/** The live goals over all rounds: median, then every round's value in the order they ran. */
function summarizeRounds(rounds: readonly LiveRoundFigures[]): string[] {
  const line = (name: string, pick: (r: LiveRoundFigures) => number, digits: number, unit: string, goal: string) => {
    const xs = rounds.map(pick);
    return `  ${name} median ${median(xs).toFixed(digits)}${unit} (rounds: ${xs.map((x) => x.toFixed(digits)).join(', ')})${goal}`;
  };
  return [
    `live, ${rounds.length} rounds (Tandem, then native replication, in turn):`,
    line('ratio of TPS kept, tandem / native:', (r) => r.tpsKept, 2, '', ' (goal >= 1.0)'),
    line('replication lag p99 (sampled):     ', (r) => r.sampledP99, 0, ' ms', ' (goal < 300 ms)'),
    line('lag per heartbeat p99:             ', (r) => r.exactP99, 0, ' ms', ''),
    line("Tandem's CPU per 1,000 changes:    ", (r) => r.tandemCpuPer1000, 3, ' s', ''),
  ];
}

/** A running process's peak resident memory so far (VmHWM), in MB. */
function peakRssMb(p: Proc): string {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1];
    return kb ? String(Math.round(Number(kb) / 1024)) : '?';
  } catch {
    return '?';
  }
}

async function backlogDrain(source: PgServer, target: PgServer, env: Record<string, string>, meta: MetaView,
  exporter: () => Proc, importer: () => Proc): Promise<BacklogResult> {
  // Native logical replication into a second database, from a slot created now (the source is quiet,
  // so pg_dump's copy and the slot's start agree).
  await target.createDatabase('native');
  await source.sql(DB, `CREATE PUBLICATION native_pub FOR TABLE ${TABLES.join(', ')}`);
  await source.sql(DB, "SELECT pg_create_logical_replication_slot('native_slot', 'pgoutput')");
  sh(`${PG_DUMP} -h ${source.host} -p ${source.port} -U postgres --no-owner --no-publications --no-subscriptions ${TABLES.map((t) => `-t ${t}`).join(' ')} ${DB} | ` +
    `PGPASSWORD=${target.password} ${PSQL} -X -q -v ON_ERROR_STOP=1 -h ${target.host} -p ${target.port} -U postgres -d native`, env);
  await target.sql('native', `CREATE SUBSCRIPTION native_sub CONNECTION 'host=${source.host} port=${source.port} user=postgres password=${source.password} dbname=${DB}'
    PUBLICATION native_pub WITH (enabled = false, copy_data = false, create_slot = false, slot_name = 'native_slot')`);
  await vacuum(target, 'native');
  await vacuum(target, 'tandem');

  // The backlog: pgbench -N, 2 row changes per transaction (or one transaction), nobody reading either slot.
  const lsn0 = (await source.sql(DB, 'SELECT pg_current_wal_lsn() AS l'))[0].l;
  let changes: number;
  let shape: string;
  if (BACKLOG === 'one-transaction') {
    say('backlog: one UPDATE of every pgbench_accounts row, no replication running ...');
    const [{ n }] = await source.sql(DB, 'WITH u AS (UPDATE pgbench_accounts SET abalance = abalance + 1 RETURNING 1) SELECT count(*)::int AS n FROM u');
    changes = n + 1;
    shape = `one transaction of ${n} updates + 1 sentinel`;
  } else {
    const perClient = Math.ceil(CHANGES / 2 / CLIENTS);
    say(`backlog: pgbench -N -c ${CLIENTS} -t ${perClient} (${perClient * CLIENTS * 2} row changes), no replication running ...`);
    const w = await pgbenchResult(pgbench(['-n', '-N', '-c', String(CLIENTS), '-j', '2', '-t', String(perClient)], source, DB));
    say(`  ${w.transactions} transactions at ${w.tps.toFixed(0)} tps`);
    changes = w.transactions * 2 + 1;
    shape = `pgbench -N, ${w.transactions} transactions + 1 sentinel`;
  }
  const sentinel = '2001-02-03 04:05:06+00';
  await source.sql(DB, `UPDATE bench_heartbeat SET ts = '${sentinel}' WHERE id = 1`);
  const lsn1 = (await source.sql(DB, 'SELECT pg_current_wal_lsn() AS l, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), $1)) AS wal', [lsn0]))[0];
  say(`  ${changes} row changes; ${lsn1.wal} of WAL`);
  await source.sql(DB, 'CHECKPOINT');

  // 1. Native.
  say('native logical replication: enabling the subscription ...');
  let t = now();
  await target.sql('native', 'ALTER SUBSCRIPTION native_sub ENABLE');
  await waitFor('the native subscriber to apply the sentinel', async () =>
    (await target.sql('native', `SELECT ts = '${sentinel}'::timestamptz AS done FROM bench_heartbeat WHERE id = 1`))[0].done === true, 600_000, 25);
  const nativeMs = now() - t;
  say(`  caught up in ${secs(nativeMs)}`);
  await target.sql('native', 'ALTER SUBSCRIPTION native_sub DISABLE');
  await sleep(500);

  // 2. Tandem exporter: from its start until every change is queued.
  say('tandem: export data from source (restart) until every change is queued ...');
  const vsn0 = meta.lastVsn();
  t = now();
  const ex = exporter();
  const firstAt = await waitFor('the first queued event', () => (meta.lastVsn() > vsn0 ? now() : undefined), 120_000, 10, () => ex.tail());
  await waitFor('the exporter to queue the backlog', () => {
    if (!ex.running) throw new Error(`export data ended early\n${ex.tail()}`);
    return meta.lastVsn() - vsn0 >= changes;
  }, 600_000, 25, () => ex.tail());
  const exportMs = now() - t;
  const queued = meta.lastVsn() - vsn0;
  await sleep(300);
  if (meta.lastVsn() - vsn0 !== changes) throw new Error(`the queue holds ${meta.lastVsn() - vsn0} events for ${changes} row changes`);
  const exportPeak = peakRssMb(ex);
  await ex.stop();
  say(`  ${queued} events queued in ${secs(exportMs)} (first after ${secs(firstAt - t)})`);

  // 3. Tandem importer: from its start until its low watermark reaches the queue's end.
  say('tandem: import data to target (restart) until the backlog is applied ...');
  const last = meta.lastVsn();
  t = now();
  const im = importer();
  await waitFor('the importer to apply the backlog', () => {
    if (!im.running) throw new Error(`import data ended early\n${im.tail()}`);
    return meta.appliedVsn('target') >= last;
  }, 900_000, 25, () => im.tail());
  const importMs = now() - t;
  // The watermark must not run ahead of the data: the sentinel (the last change) is on the target.
  const sentinelSeen = (await target.sql('tandem', `SELECT ts = '${sentinel}'::timestamptz AS done FROM bench_heartbeat WHERE id = 1`))[0].done;
  if (!sentinelSeen) throw new Error('the importer reported the backlog applied, but the sentinel is not on the target');
  const importPeak = peakRssMb(im);
  await im.stop();
  say(`  applied in ${secs(importMs)}`);

  const sums = await compareAll(source, target, ['tandem', 'native']);
  // Leave the source as it was for the live part: no native slot holding WAL.
  await target.sql('native', 'ALTER SUBSCRIPTION native_sub SET (slot_name = NONE)');
  await target.sql('native', 'DROP SUBSCRIPTION native_sub');
  await source.sql(DB, "SELECT pg_drop_replication_slot('native_slot')");
  await source.sql(DB, 'DROP PUBLICATION native_pub');

  const nativeRate = changes / (nativeMs / 1000);
  const importRate = changes / (importMs / 1000);
  const e2eRate = changes / ((exportMs + importMs) / 1000);
  return {
    lines: [
      '',
      `(a) backlog drain: ${changes} row changes (${shape}; ${lsn1.wal} of WAL)`,
      `  native logical replication (decode + apply): ${secs(nativeMs)} = ${rate(changes, nativeMs)} row changes/s`,
      `  tandem export data (decode + queue, from process start): ${secs(exportMs)} = ${rate(changes, exportMs)} events/s`,
      `  tandem import data (apply from the queue, from process start): ${secs(importMs)} = ${rate(changes, importMs)} row changes/s`,
      `  ratio tandem import / native:            ${(importRate / nativeRate).toFixed(2)} (goal >= 1.0)`,
      `  ratio tandem export+import / native:     ${(e2eRate / nativeRate).toFixed(2)} (export and import one after the other: ${rate(changes, exportMs + importMs)}/s)`,
      `  source = tandem target = native target:  ${sums.ok ? 'yes (row count + md5 of every table)' : `NO: ${sums.diff}`}`,
      `  peak memory (resident): export data ${exportPeak} MB, import data ${importPeak} MB`,
    ],
  };
}

interface NativeLive { readonly cpu: WorkloadCpu; readonly walsender: string; readonly tps: number; readonly lags: number[]; readonly steady: number[]; readonly load: string; readonly equal: boolean; readonly diff: string }

/**
 * The live workload with PostgreSQL's own logical replication into database native_live (slot
 * created while the source is quiet, data copied with pg_dump, then a subscription), sampled like
 * Tandem's run. Leaves no slot, publication or subscription behind.
 */
async function nativeLive(source: PgServer, target: PgServer, env: Record<string, string>, hbScript: string): Promise<NativeLive> {
  say('live, native: subscription into a copy, then the same workload ...');
  await target.sql('postgres', 'DROP DATABASE IF EXISTS native_live WITH (FORCE)'); // an earlier round's copy
  await target.createDatabase('native_live');
  await source.sql(DB, `CREATE PUBLICATION native_live_pub FOR TABLE ${TABLES.join(', ')}`);
  await source.sql(DB, "SELECT pg_create_logical_replication_slot('native_live_slot', 'pgoutput')");
  sh(`${PG_DUMP} -h ${source.host} -p ${source.port} -U postgres --no-owner --no-publications --no-subscriptions ${TABLES.map((t) => `-t ${t}`).join(' ')} ${DB} | ` +
    `PGPASSWORD=${target.password} ${PSQL} -X -q -v ON_ERROR_STOP=1 -h ${target.host} -p ${target.port} -U postgres -d native_live`, env);
  await target.sql('native_live', `CREATE SUBSCRIPTION native_live_sub CONNECTION 'host=${source.host} port=${source.port} user=postgres password=${source.password} dbname=${DB}'
    PUBLICATION native_live_pub WITH (copy_data = false, create_slot = false, slot_name = 'native_live_slot')`);
  await vacuum(target, 'native_live');
  await vacuum(source, DB);
  await waitFor('the native subscription to stream', async () =>
    (await source.sql(DB, "SELECT active FROM pg_replication_slots WHERE slot_name = 'native_live_slot'"))[0]?.active === true, 60_000, 50);
  await source.sql(DB, 'UPDATE bench_heartbeat SET ts = clock_timestamp() WHERE id = 1');
  await sleep(1000);
  const sampler = await LagSampler.start(target, 'native_live');
  const walsenderSampler = await WalsenderSampler.start(source);
  const startedAt = Date.now();
  const live = await liveWorkload(source, hbScript);
  const walsender = await walsenderSampler.stop();
  const lags = sampler.lags(startedAt, Date.now());
  const steady = sampler.lags(startedAt + WARM_MS, Date.now());
  const load = loadAvg();
  const cpu = await live.cpu();
  const sentinel = '2001-02-03 04:05:07+00';
  await source.sql(DB, `UPDATE bench_heartbeat SET ts = '${sentinel}' WHERE id = 1`);
  await waitFor('the native subscriber to catch up', async () =>
    (await target.sql('native_live', `SELECT ts = '${sentinel}'::timestamptz AS done FROM bench_heartbeat WHERE id = 1`))[0].done === true, 300_000, 25);
  await sampler.stop();
  const sums = await compareAll(source, target, ['native_live']);
  await target.sql('native_live', 'ALTER SUBSCRIPTION native_live_sub DISABLE');
  await target.sql('native_live', 'ALTER SUBSCRIPTION native_live_sub SET (slot_name = NONE)');
  await target.sql('native_live', 'DROP SUBSCRIPTION native_live_sub');
  await waitFor('the native slot to be released', async () =>
    (await source.sql(DB, "SELECT active FROM pg_replication_slots WHERE slot_name = 'native_live_slot'"))[0]?.active === false, 60_000, 50);
  await source.sql(DB, "SELECT pg_drop_replication_slot('native_live_slot')");
  await source.sql(DB, 'DROP PUBLICATION native_live_pub');
  await vacuum(source, DB);
  say(`  ${live.tps.toFixed(0)} tps; lag p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms`);
  return { tps: live.tps, cpu, walsender, lags, steady, load, equal: sums.ok, diff: sums.diff };
}


/**
 * Every 200 ms, the age of the newest applied heartbeat in one target database. Until the first
 * heartbeat written during the workload is applied, the target still holds one from before it, whose
 * age says nothing of the replication: such a sample counts the time since the workload started
 * instead (an upper bound of the lag, as the run's first heartbeat was committed after that), so a
 * slow start is counted, not hidden, and a quiet pause before the workload is not.
 */
class LagSampler {
  /** Sample time and the applied heartbeat's timestamp, both epoch ms by the server's clock. */
  private readonly samples: { at: number; ts: number }[] = [];
  private stopPolling: () => Promise<void> = async () => {};

  static async start(target: PgServer, db: string): Promise<LagSampler> {
    const s = new LagSampler();
    s.stopPolling = await pollEvery(await target.client(db), 200, async (client) => {
      const r = await client.query('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS at, extract(epoch FROM ts) * 1000 AS ts FROM bench_heartbeat WHERE id = 1');
      s.samples.push({ at: Number(r.rows[0].at), ts: Number(r.rows[0].ts) });
    });
    return s;
  }

  /** The lags (ms) of the samples taken from `startMs` (epoch ms, when the workload started) to `endMs`. */
  lags(startMs: number, endMs = Infinity): number[] {
    return this.samples.filter((x) => x.at >= startMs && x.at <= endMs).map((x) => (x.ts >= startMs ? x.at - x.ts : x.at - startMs));
  }

  async stop(): Promise<void> {
    await this.stopPolling();
  }
}

/** Runs `step` on `client` every `everyMs` until the returned function is called; that waits for the last step and ends the client. */
async function pollEvery(client: pg.Client, everyMs: number, step: (client: pg.Client) => Promise<void>): Promise<() => Promise<void>> {
  let polling = true;
  const loop = (async () => {
    try {
      while (polling) {
        await step(client);
        await sleep(everyMs);
      }
    } finally {
      await client.end();
    }
  })();
  return async () => {
    polling = false;
    await loop;
  };
}

/**
 * Every 50 ms, what the source's walsenders are doing (pg_stat_activity's wait event): decoding or
 * sending (no wait event: on a core or waiting for one), waiting for new WAL (caught up), or waiting
 * for the client to read what it sent (`WalSenderWriteData`: the consumer is back-pressuring the
 * source). Tells whether a heartbeat's delay before it reaches the consumer is the consumer's doing.
 */
class WalsenderSampler {
  private readonly counts = new Map<string, number>();
  private stopPolling: () => Promise<void> = async () => {};

  static async start(source: PgServer): Promise<WalsenderSampler> {
    const s = new WalsenderSampler();
    s.stopPolling = await pollEvery(await source.client('postgres'), 50, async (client) => {
      const r = await client.query("SELECT coalesce(wait_event, '') AS w FROM pg_stat_activity WHERE backend_type = 'walsender'");
      for (const row of r.rows) s.counts.set(row.w, (s.counts.get(row.w) ?? 0) + 1);
    });
    return s;
  }

  async stop(): Promise<string> {
    await this.stopPolling();
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) return 'no samples';
    const share = (n: number) => `${((n / total) * 100).toFixed(1)}%`;
    const named = new Set(['', 'WalSenderWaitForWAL', 'WalSenderWriteData']);
    const other = [...this.counts].filter(([w]) => !named.has(w)).reduce((a, [, n]) => a + n, 0);
    return `decoding or sending ${share(this.counts.get('') ?? 0)}, waiting for WAL ${share(this.counts.get('WalSenderWaitForWAL') ?? 0)}, `
      + `waiting for the consumer to read ${share(this.counts.get('WalSenderWriteData') ?? 0)}, other ${share(other)} (${total} samples)`;
  }
}

/** Waits until the queue is quiet and the importer has applied all of it. */
async function waitCaughtUp(meta: MetaView, procs: Proc[], timeoutMs: number): Promise<void> {
  let stableSince = 0;
  let lastSeen = -1;
  await waitFor('the importer to catch up', () => {
    for (const p of procs) if (!p.running) throw new Error(`tandem process ended early\n${p.tail()}`);
    const last = meta.lastVsn();
    if (last !== lastSeen) {
      lastSeen = last;
      stableSince = now();
    }
    return meta.appliedVsn('target') >= last && now() - stableSince > 300 && meta.step('import_changes') === 'IN_PROGRESS';
  }, timeoutMs, 25, () => procs.map((p) => p.tail()).join('\n'));
}

/** The source's and target's postmasters (their CPU is read around each workload run). */
let postmasters: [number, number] = [0, 0];

/** CPU used during one workload run, and the row changes the source committed in it (2 per pgbench -N transaction). */
interface WorkloadCpu {
  readonly servers: CpuReading;
  /** Each Tandem process's (exporter, importer). */
  readonly tandemS: number[];
  /** The source's walsenders' (part of the source server's). */
  readonly walsenderS: number;
  readonly changes: number;
}

/** `8.4 (0.063) / 29.0 (0.218), of it walsender 4.9 (0.037) / 9.6 (0.072) / 11.0 (0.083) = 5.6 (0.043) + 5.4 (0.040); 132682 row changes`. */
function describeWorkloadCpu(c: WorkloadCpu): string {
  const per = (s: number) => `${s.toFixed(1)} (${((s * 1000) / Math.max(1, c.changes)).toFixed(3)})`;
  const tandem = c.tandemS.reduce((a, b) => a + b, 0);
  return `${per(c.servers.clientS)} / ${per(c.servers.sourceS)}, of it walsender ${per(c.walsenderS)} / ${per(c.servers.targetS)} / ${per(tandem)}${c.tandemS.length > 1 ? ` = ${c.tandemS.map(per).join(' + ')}` : ''}; ${c.changes} row changes`;
}

/**
 * A server's CPU reading undercounts for a moment after pgbench ends (its backends have exited and
 * are not reaped yet: measured 3.8-8.9 s instead of 11.5 s for one 8 s run); it is read this long
 * after the workload's end. Replication's catching up meanwhile is counted, as a cost of the changes.
 */
const CPU_SETTLE_MS = 2000;

/**
 * pgbench -N for `seconds`, plus the heartbeat writer; `tandem`, the running Tandem processes whose CPU is counted too.
 * `cpu()` reads the CPU used since the start, at least CPU_SETTLE_MS after the workload's end.
 */
async function liveWorkload(source: PgServer, hbScript: string, seconds = DURATION, tandem: readonly Proc[] = []): Promise<{ tps: number; cpu: () => Promise<WorkloadCpu> }> {
  const tandemCpu = () => tandem.map((p) => (p.child.pid ? processCpuS(p.child.pid) : 0));
  const walsenders = (await source.sql('postgres', 'SELECT pid FROM pg_stat_replication')).map((r) => Number(r.pid));
  const walsenderCpu = () => walsenders.reduce((sum, pid) => sum + processCpuS(pid), 0);
  const before = readCpu(...postmasters);
  const tandemBefore = tandemCpu();
  const walsenderBefore = walsenderCpu();
  const hb = pgbench(['-n', '-c', '1', '-T', String(seconds), '-f', hbScript], source, DB, 'heartbeat');
  const main = pgbench(['-n', '-N', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), ...(RATE ? ['-R', RATE] : [])], source, DB);
  const [r] = await Promise.all([pgbenchResult(main), pgbenchResult(hb)]);
  const endedAt = now();
  const cpu = async () => {
    await sleep(Math.max(0, CPU_SETTLE_MS - (now() - endedAt)));
    const tandemNow = tandemCpu();
    return {
      servers: cpuBetween(before, readCpu(...postmasters)), tandemS: tandemNow.map((s, i) => s - tandemBefore[i]!),
      walsenderS: walsenderCpu() - walsenderBefore, changes: 2 * r.transactions,
    };
  };
  return { tps: r.tps, cpu };
}

/** VACUUM cannot run in the implicit transaction of a multi-statement query: one call each. */
async function vacuum(server: PgServer, db: string): Promise<void> {
  await server.sql(db, 'VACUUM ANALYZE');
  await server.sql(db, 'CHECKPOINT');
}

async function compareAll(source: PgServer, target: PgServer, dbs: string[]): Promise<{ ok: boolean; diff: string }> {
  const ref = await tableChecksums(source, DB, ['public']);
  const diffs: string[] = [];
  for (const db of dbs) {
    const got = await tableChecksums(target, db, ['public']);
    for (const [k, v] of ref) if (got.get(k) !== v) diffs.push(`${db}.${k}: source ${v.split(':')[0]} rows, ${db} ${got.get(k)?.split(':')[0] ?? 'missing'} rows (md5 differs)`);
  }
  return { ok: diffs.length === 0, diff: diffs.join('; ') };
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  if (report.length) process.stderr.write(`${report.join('\n')}\n`);
  process.exitCode = 1;
});
