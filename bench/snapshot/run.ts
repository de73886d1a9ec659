/**
 * bench/snapshot: moves pgbench_accounts (`pgbench -i -s 50`: 5,000,000 rows) from one PostgreSQL 15
 * server to another, once with `tandem export data` + `tandem import data` and once with the raw
 * `psql COPY (FORMAT binary) | psql COPY` pipe into an identical table with its primary key, in the
 * same run, and prints both times, the ratio and Tandem's peak memory.
 *
 * A warm-up pipe run is not counted (the first load into a fresh server is slower); then BENCH_ROUNDS
 * (default 3) rounds of a pipe run, a Tandem run with the default flags (what a user runs: no
 * --parallel-jobs, no --batch-size) and a Tandem run with hand-picked flags, one more pipe run
 * closes, and the medians are compared. The headline is the default flags' ratio to the pipe.
 *
 * It also prints what writing into new page cache costs on this machine (the snapshot files are new
 * page cache; the pipe allocates none): on a VM that returns free memory to its host, a fresh page
 * costs a fault in the host (docs/benchmarks.md, sixth session).
 *
 * Usage: npm run bench:snapshot   (BENCH_SCALE=10 for a quicker run; the hand-picked run's flags:
 *        BENCH_JOBS or BENCH_EXPORT_JOBS / BENCH_IMPORT_JOBS for --parallel-jobs, default 1 and 2;
 *        BENCH_BATCH for --batch-size, default 100000; BENCH_ROUNDS for the number of rounds;
 *        BENCH_DB_DIR=<dir> puts both servers' data there, e.g. /dev/shm, instead of the temp dir that
 *        holds Tandem's export dir: on one machine they share that disk, which a deployment does not)
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, type PgServer } from '../../test/helpers/pg-server.js';
import { CLI_PATH } from '../../test/helpers/cli.js';
import { benchNumber } from '../env.js';

const SCALE = benchNumber('BENCH_SCALE', 50, { min: 1 });
// Measured fastest here (2 cores shared by both servers and both processes): one reader, whose
// plain COPY the server produces fastest, and two writers, each loading its own files.
const EXPORT_JOBS = benchNumber('BENCH_EXPORT_JOBS', benchNumber('BENCH_JOBS', 1, { min: 1 }), { min: 1 });
const IMPORT_JOBS = benchNumber('BENCH_IMPORT_JOBS', benchNumber('BENCH_JOBS', 2, { min: 1 }), { min: 1 });
const BATCH = benchNumber('BENCH_BATCH', 100000, { min: 1 });
const ROUNDS = benchNumber('BENCH_ROUNDS', 3, { min: 1 });
const DB_DIR = process.env.BENCH_DB_DIR;
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const ACCOUNTS_DDL = 'CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84)) WITH (fillfactor = 100)';

function sh(cmd: string, env: Record<string, string>): { ms: number; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${cmd}\n${r.stderr}${r.stdout}`);
  return { ms, stderr: r.stderr };
}

/** Starts the CLI under /usr/bin/time; resolves with its wall time (from `t0`) and peak RSS. */
function tandem(args: string[], env: Record<string, string>, t0: bigint): Promise<{ ms: number; maxRssMb: number; cpuS: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB %M CPU_S %U %S', process.execPath, CLI_PATH, ...args], {
      env: { ...process.env, ...env, TANDEM_NO_TTY: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`tandem ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr}`));
      const cpu = /CPU_S ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ ms, maxRssMb: Number(/MAXRSS_KB (\d+)/.exec(stderr)?.[1] ?? 0) / 1024, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, stdout });
    });
  });
}

/**
 * CPU seconds to write `mib` MiB into a new file, after pausing so that recently freed pages are
 * returned to the host (pages freed a moment before are cheap to reuse: 3 s after loading pgbench's
 * data this measured 0.10 s where a quiet machine measured 0.35 s).
 */
async function newPageCacheCost(mib: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 10_000));
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-pages-'));
  try {
    const block = Buffer.alloc(1024 * 1024, 1);
    const fd = openSync(join(dir, 'probe'), 'w');
    const before = process.cpuUsage();
    for (let i = 0; i < mib; i++) writeSync(fd, block);
    const used = process.cpuUsage(before);
    closeSync(fd);
    return (used.system + used.user) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of every file under `dir`. */
function treeBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = join(dir, e.name);
    return sum + (e.isDirectory() ? treeBytes(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
}

async function resetTable(server: PgServer, db: string): Promise<void> {
  await server.sql(db, `DROP TABLE IF EXISTS pgbench_accounts; ${ACCOUNTS_DDL}; DROP SCHEMA IF EXISTS ybvoyager_metadata CASCADE; CHECKPOINT`);
}

async function main(): Promise<void> {
  const [source, target] = await Promise.all([startPg15({}, { baseDir: DB_DIR }), startPg15({}, { baseDir: DB_DIR })]);
  process.stdout.write(`servers' data in ${DB_DIR ?? `${tmpdir()} (the export dir's disk)`}\n`);
  const env = { PGPASSWORD: source.password, SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password };
  try {
    await source.createDatabase('bench');
    // One target database for both, the table recreated before every run: the first load into a
    // database is slower, and the warm-up run takes that for both.
    await target.createDatabase('load');
    process.stdout.write(`pgbench -i -s ${SCALE} (${SCALE * 100000} rows) ...\n`);
    sh(`${PGBENCH} -i -q -s ${SCALE} -h ${source.host} -p ${source.port} -U postgres bench`, env);
    await source.sql('bench', 'VACUUM ANALYZE pgbench_accounts');
    await source.sql('bench', 'CHECKPOINT');
    await source.sql('bench', 'SELECT count(*) FROM pgbench_accounts'); // warm the cache for both runs

    const pipe = async (): Promise<number> => {
      await resetTable(target, 'load');
      const out = `${PSQL} -X -q -h ${source.host} -p ${source.port} -U postgres -d bench -c "SET synchronize_seqscans = off; COPY pgbench_accounts TO STDOUT (FORMAT binary)"`;
      const into = `${PSQL} -X -q -h ${target.host} -p ${target.port} -U postgres -d load -c "COPY pgbench_accounts FROM STDIN (FORMAT binary)"`;
      return sh(`${out} | ${into}`, env).ms;
    };
    let snapshotBytes = 0;
    const runTandem = async (tuned: boolean) => {
      await resetTable(target, 'load');
      const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
      try {
        const src = ['--source-db-type', 'postgresql', '--source-db-host', source.host, '--source-db-port', String(source.port), '--source-db-user', 'postgres', '--source-db-name', 'bench'];
        const tgt = ['--target-db-host', target.host, '--target-db-port', String(target.port), '--target-db-user', 'postgres', '--target-db-name', 'load'];
        // As a user would in two terminals: import data starts once export data is running and
        // follows it, loading each exported piece as soon as it is complete.
        const t0 = process.hrtime.bigint();
        const exportFlags = tuned ? ['--parallel-jobs', String(EXPORT_JOBS)] : [];
        const importFlags = tuned ? ['--parallel-jobs', String(IMPORT_JOBS), '--batch-size', String(BATCH)] : [];
        const exporting = tandem(['export', 'data', '--export-dir', dir, ...src, '--table-list', 'pgbench_accounts', ...exportFlags], env, t0);
        let exportEnded = false;
        void exporting.then(() => { exportEnded = true; }, () => { exportEnded = true; });
        while (!existsSync(join(dir, 'metainfo', 'export-data.lock')) && !exportEnded) await new Promise((r) => setTimeout(r, 20));
        const importing = tandem(['import', 'data', '--export-dir', dir, ...tgt, ...importFlags], env, t0);
        const [ex, im] = await Promise.all([exporting, importing]);
        snapshotBytes = treeBytes(join(dir, 'data'));
        const rows = await target.sql('load', 'SELECT count(*)::int AS n FROM pgbench_accounts');
        if (rows[0].n !== SCALE * 100000) throw new Error(`tandem imported ${rows[0].n} rows, expected ${SCALE * 100000}`);
        // What the commands say they chose (the default run's flags are Tandem's own choice).
        const imp = /\(batch size (\d+), (\d+) parallel jobs(?: to start with, tuned up to (\d+))?/.exec(im.stdout);
        const chosen = `export ${/(\d+) parallel jobs\)/.exec(ex.stdout)?.[1] ?? '?'} job(s); import ${imp ? `${imp[2]}${imp[3] ? `-${imp[3]}` : ''} connection(s), batch size ${imp[1]}` : '?'}`;
        return { exportMs: ex.ms, importMs: im.ms, totalMs: Math.max(ex.ms, im.ms), maxRssMb: Math.max(ex.maxRssMb, im.maxRssMb), exportCpuS: ex.cpuS, importCpuS: im.cpuS, chosen };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    // The first load into a fresh server is slower for everyone (new WAL segments): a warm-up pipe
    // run, not counted. Then pipe and tandem runs alternate, so drift on a shared machine hits both,
    // and the two Tandem runs take turns right after the pipe.
    const pageCost = await newPageCacheCost(256);
    const warmup = await pipe();
    const pipes: number[] = [];
    const defaults: Awaited<ReturnType<typeof runTandem>>[] = [];
    const tunedRuns: Awaited<ReturnType<typeof runTandem>>[] = [];
    process.stdout.write(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    for (let i = 0; i < ROUNDS; i++) {
      pipes.push(await pipe());
      // Which Tandem run follows the pipe alternates: in the twenty-third session's run the default
      // flags, always right after the pipe, were 2 s slower than the same configuration run next in
      // two rounds of three (what the pipe leaves the target to do, a checkpoint of its writes, may
      // fall into the run after it; not measured apart).
      if (i % 2 === 0) {
        defaults.push(await runTandem(false));
        tunedRuns.push(await runTandem(true));
      } else {
        tunedRuns.push(await runTandem(true));
        defaults.push(await runTandem(false));
      }
      process.stdout.write(`round ${i + 1}: pipe ${(pipes[i]! / 1000).toFixed(2)} s, default flags ${(defaults[i]!.totalMs / 1000).toFixed(2)} s, hand-picked ${(tunedRuns[i]!.totalMs / 1000).toFixed(2)} s\n`);
    }
    pipes.push(await pipe());
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const pipeMs = median(pipes);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const describe = (label: string, runs: typeof defaults, flags: string) => {
      const totalMs = median(runs.map((r) => r.totalMs));
      const t = [...runs].sort((a, b) => a.totalMs - b.totalMs)[Math.floor((runs.length - 1) / 2)]!;
      const chosen = [...new Set(runs.map((r) => r.chosen))].join('; ');
      return {
        ratio: totalMs / pipeMs,
        chosen,
        lines: [
          `${label} (${flags}):`,
          `  each run:                   ${runs.map((r) => s(r.totalMs)).join(', ')}`,
          `  export data ended at:       ${s(t.exportMs)}; import data ended at ${s(t.importMs)} (the median run; import started while the export ran)`,
          `  total:                      ${s(totalMs)} median of ${runs.length} (export start to import end)`,
          `  ratio tandem / pipe:        ${(totalMs / pipeMs).toFixed(2)}x (medians)`,
          `  peak memory (RSS):          ${Math.max(...runs.map((r) => r.maxRssMb)).toFixed(0)} MB; CPU (user+sys) export ${t.exportCpuS.toFixed(2)} s, import ${t.importCpuS.toFixed(2)} s`,
          `  what the commands used:     ${chosen}`,
        ],
      };
    };
    const d = describe('tandem, default flags', defaults, 'no --parallel-jobs, no --batch-size: chosen by Tandem');
    const h = describe('tandem, hand-picked flags', tunedRuns, `export --parallel-jobs ${EXPORT_JOBS}, import --parallel-jobs ${IMPORT_JOBS} --batch-size ${BATCH}`);
    process.stdout.write([
      '',
      `rows:                         ${SCALE * 100000}; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      `psql COPY | psql COPY pipe:   ${s(pipeMs)} median of ${pipes.length} (runs: ${pipes.map(s).join(', ')}; warm-up ${s(warmup)} not counted)`,
      ...d.lines,
      ...h.lines,
      `new page cache on this machine: ${pageCost.toFixed(2)} s of CPU to write 256 MiB into a new file (a machine whose page cache is cheap: about 0.1 s); Tandem's snapshot files: ${(snapshotBytes / 1048576).toFixed(0)} MiB, about ${(pageCost * snapshotBytes / (256 * 1048576)).toFixed(1)} s of CPU here that the pipe does not spend`,
      ...(d.chosen === h.chosen
        ? [`(the defaults chose the hand-picked flags on this machine: both rows measure one configuration, and their difference is this machine's noise)`]
        : []),
      `HEADLINE: default flags ${d.ratio.toFixed(2)}x the warmed pipe (goal <= 1.15x); hand-picked flags ${h.ratio.toFixed(2)}x`,
      '',
    ].join('\n'));
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
