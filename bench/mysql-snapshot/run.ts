/**
 * bench/mysql-snapshot: moves a pgbench_accounts-like table (int, int, int, char(84); 5,000,000 rows)
 * from MariaDB 10.11 into PostgreSQL 15, once with Tandem's MySQL snapshot (readers at one
 * consistent point writing part files, an importer loading each part with the importer's
 * `loadBatch` as soon as it is on disk) and once with the raw pipe
 * `mariadb --batch --quick … | psql -c "COPY … FROM STDIN"`, in the same run, and prints both
 * times, the ratio, the CPU every process used (both servers, the pipe's clients, Tandem's two
 * processes: a measure that other work on a shared machine disturbs less than wall time) and the
 * peak memory of Tandem's two processes.
 *
 * The exporter and the importer run as two child processes (as `export data` and `import data`
 * would, in two terminals); the importer loads a part as soon as the exporter reports it. Each
 * reports its peak RSS (`process.resourceUsage().maxRSS`). A warm-up pipe run is not counted; then
 * BENCH_ROUNDS (default 3) pipe and Tandem runs alternate, one more pipe run closes, and the
 * medians are compared.
 *
 * Usage: npm run bench:mysql-snapshot   (BENCH_ROWS, default 5000000; BENCH_EXPORT_JOBS, default 2;
 *        BENCH_IMPORT_JOBS, default 2; BENCH_BATCH rows per loaded batch, default 100000;
 *        BENCH_ROUNDS; BENCH_FILLER=full fills char(84) with 84 characters instead of pgbench's '';
 *        BENCH_AUTOVACUUM=off, a diagnostic: the importer commits every batch, so autovacuum may
 *        start on the table while it loads, which a single COPY never lets it do)
 */
import { spawnSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startMariaDb, type MariaDbServer } from '../../test/helpers/mariadb-server.js';
import { startPg15, type PgServer } from '../../test/helpers/pg-server.js';
import type { MySqlDbConfig } from '../../src/adapters/mysql/connection.js';
import { openMySqlSnapshot } from '../../src/adapters/mysql/snapshot/consistent-snapshot.js';
import { MySqlSnapshotSource } from '../../src/adapters/mysql/snapshot/mysql-snapshot-source.js';
import type { TableInfo } from '../../src/core/engine/catalog.js';
import { ensureSnapshotMetadata, SnapshotFileReader } from '../../src/adapters/postgres/target-writer.js';
import { exportChunks, loadPart, type ExportedPart } from '../../test/integration/mysql/snapshot-kit.js';
import { benchNumber } from '../env.js';

const ROWS = benchNumber('BENCH_ROWS', 5_000_000, { min: 1 });
const EXPORT_JOBS = benchNumber('BENCH_EXPORT_JOBS', 2, { min: 1 });
const IMPORT_JOBS = benchNumber('BENCH_IMPORT_JOBS', 2, { min: 1 });
const BATCH = benchNumber('BENCH_BATCH', 100_000, { min: 1 });
const ROUNDS = benchNumber('BENCH_ROUNDS', 3, { min: 1 });
const FULL_FILLER = process.env.BENCH_FILLER === 'full';
const PSQL = '/usr/lib/postgresql/15/bin/psql';
const MARIADB = '/usr/bin/mariadb';
const DDL = 'CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))';
const SELF = fileURLToPath(import.meta.url);

interface Settings {
  readonly source: MySqlDbConfig;
  readonly target: { host: string; port: number; user: string; password: string; database: string };
  readonly dir: string;
}

type ChildMessage =
  | { type: 'part'; part: ExportedPart }
  | { type: 'done'; rows: number; maxRssMb: number; description?: string; cpuS: number };

// ---- child: the exporter ----

async function exporter(s: Settings): Promise<void> {
  const info: TableInfo = { schema: 'public', name: 'pgbench_accounts', columns: ['aid', 'bid', 'abalance', 'filler'], primaryKey: ['aid'], estimatedRows: ROWS, estimatedBytes: 0 };
  const source = new MySqlSnapshotSource(s.source);
  const chunks = await source.planChunks([info], EXPORT_JOBS);
  const session = await openMySqlSnapshot(s.source, [info], Math.min(EXPORT_JOBS, chunks.length), { requirePosition: true });
  let rows = 0;
  try {
    await exportChunks(session.readers, chunks, s.dir, {
      onPart: (part) => {
        rows += part.rows;
        process.send!({ type: 'part', part } satisfies ChildMessage);
      },
    });
  } finally {
    await session.close();
  }
  const u = process.resourceUsage();
  process.send!({ type: 'done', rows, maxRssMb: u.maxRSS / 1024, description: session.description, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 } satisfies ChildMessage);
}

// ---- child: the importer ----

async function importer(s: Settings): Promise<void> {
  const queue: ExportedPart[] = [];
  let ended = false;
  let waiting: (() => void)[] = [];
  process.on('message', (m: { type: 'part'; part: ExportedPart } | { type: 'end' }) => {
    if (m.type === 'part') queue.push(m.part);
    else ended = true;
    const w = waiting;
    waiting = [];
    for (const wake of w) wake();
  });
  const next = async (): Promise<ExportedPart | undefined> => {
    for (;;) {
      const p = queue.shift();
      if (p) return p;
      if (ended) return undefined;
      await new Promise<void>((r) => waiting.push(r));
    }
  };
  const uuid = '00000000-0000-4000-8000-0000000000be';
  let rows = 0;
  await Promise.all(Array.from({ length: IMPORT_JOBS }, async (_, i) => {
    const client = new pg.Client(s.target);
    await client.connect();
    const files = new SnapshotFileReader();
    try {
      if (i === 0) await ensureSnapshotMetadata(client);
      for (let p = await next(); p; p = await next()) {
        const n = await loadPart(client, files, p, 'public', uuid, BATCH);
        rows += n;
      }
    } finally {
      await files.close();
      await client.end();
    }
  }));
  const u = process.resourceUsage();
  process.send!({ type: 'done', rows, maxRssMb: u.maxRSS / 1024, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 } satisfies ChildMessage);
}

// ---- the parent ----

/** Runs a shell pipeline; its wall time and the CPU its processes used (user + sys, children included). */
function sh(cmd: string, env: Record<string, string>): { ms: number; cpuS: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU_S %U %S', 'bash', '-o', 'pipefail', '-c', cmd], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`command failed (${r.status}): ${cmd}\n${r.stderr}${r.stdout}`);
  const cpu = /CPU_S ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0 };
}

const TICKS_PER_SECOND = 100;

/** CPU seconds a process and its reaped children have used (/proc/<pid>/stat utime+stime+cutime+cstime). */
function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is f[0]; utime, stime, cutime, cstime are fields 14-17 of the line.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

/** The postmaster of a test server, found by its port on the command line. */
function postmasterPid(port: number): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('/postgres') && args.includes(`-p`) && args[args.indexOf('-p') + 1] === String(port)) return Number(d);
      if (args[0]?.endsWith('/postgres') && args.some((a) => a.includes(`-p ${port} `))) return Number(d);
    } catch {
      /* gone */
    }
  }
  throw new Error(`no postmaster on port ${port}`);
}

/** CPU seconds of each server (MariaDB: one process; PostgreSQL: the postmaster, its reaped and its live children). */
function serverCpu(mariadbPid: number, pgPid: number): { mariadb: number; pg: number } {
  let live = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pgPid) live += processCpuS(Number(d));
    } catch {
      /* gone */
    }
  }
  return { mariadb: processCpuS(mariadbPid), pg: processCpuS(pgPid) + live };
}

function child(mode: 'export' | 'import', s: Settings): ChildProcess {
  // Settings (a throw-away password included) travel in the environment, not on the command line.
  return fork(SELF, [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, BENCH_SETTINGS: JSON.stringify(s) } });
}

function doneOf(c: ChildProcess, onPart?: (p: ExportedPart) => void): Promise<Extract<ChildMessage, { type: 'done' }>> {
  return new Promise((resolve, reject) => {
    let done: Extract<ChildMessage, { type: 'done' }> | undefined;
    c.on('message', (m: ChildMessage) => {
      if (m.type === 'part') onPart?.(m.part);
      else done = m;
    });
    c.on('exit', (code) => (code === 0 && done ? resolve(done) : reject(new Error(`bench child exited ${code}`))));
  });
}

async function resetTarget(target: PgServer): Promise<void> {
  await target.sql('load', `DROP TABLE IF EXISTS pgbench_accounts; ${DDL}; DROP SCHEMA IF EXISTS ybvoyager_metadata CASCADE; CHECKPOINT`);
}

async function main(): Promise<void> {
  const [maria, target]: [MariaDbServer, PgServer] = await Promise.all([
    startMariaDb({ 'innodb-buffer-pool-size': '1G', 'innodb-log-file-size': '256M' }),
    startPg15({ max_wal_size: '4GB', checkpoint_timeout: '30min', ...(process.env.BENCH_AUTOVACUUM === 'off' ? { autovacuum: 'off' } : {}) }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mysql-bench-'));
  try {
    await maria.createDatabase('bench');
    await target.createDatabase('load');
    process.stdout.write(`filling pgbench_accounts with ${ROWS} rows in MariaDB ...\n`);
    await maria.sql('bench', `${DDL};
      INSERT INTO pgbench_accounts SELECT seq, (seq - 1) DIV 100000 + 1, 0, ${FULL_FILLER ? "LPAD(seq, 84, 'x')" : "''"} FROM seq_1_to_${ROWS};
      ANALYZE TABLE pgbench_accounts`);
    await maria.sql('bench', 'SELECT count(*) FROM pgbench_accounts'); // warm the buffer pool for both
    const source: MySqlDbConfig = { role: 'source', type: 'mysql', host: maria.host, port: maria.port, user: maria.user, password: maria.password, database: 'bench', schemas: [], sslMode: 'disable' };
    const tgt = { host: target.host, port: target.port, user: target.user, password: target.password, database: 'load' };
    const env = { MYSQL_PWD: maria.password, PGPASSWORD: target.password };

    const mariadbPid = Number(readFileSync(join(maria.dir, 'mariadb.pid'), 'utf8').trim());
    const pgPid = postmasterPid(target.port);
    const pipe = async (): Promise<{ ms: number; cpuS: number }> => {
      await resetTarget(target);
      const c0 = serverCpu(mariadbPid, pgPid);
      const out = `${MARIADB} --batch --quick --skip-column-names --protocol=TCP -h ${maria.host} -P ${maria.port} -u ${maria.user} bench -e "SELECT * FROM pgbench_accounts"`;
      const into = `${PSQL} -X -q -h ${target.host} -p ${target.port} -U ${target.user} -d load -c "COPY pgbench_accounts FROM STDIN"`;
      const t = sh(`${out} | ${into}`, env);
      const c1 = serverCpu(mariadbPid, pgPid);
      const cpuS = t.cpuS + c1.mariadb - c0.mariadb + c1.pg - c0.pg;
      process.stdout.write(`  pipe: ${(t.ms / 1000).toFixed(2)} s, CPU ${cpuS.toFixed(2)} s (MariaDB ${(c1.mariadb - c0.mariadb).toFixed(2)}, PostgreSQL ${(c1.pg - c0.pg).toFixed(2)}, mariadb + psql ${t.cpuS.toFixed(2)})\n`);
      return { ms: t.ms, cpuS };
    };
    const runTandem = async () => {
      await resetTarget(target);
      const runDir = mkdtempSync(join(dir, 'run-'));
      try {
        const settings: Settings = { source, target: tgt, dir: runDir };
        const c0 = serverCpu(mariadbPid, pgPid);
        const t0 = process.hrtime.bigint();
        const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
        const im = child('import', settings);
        const ex = child('export', settings);
        let exportMs = 0;
        const [e, i] = await Promise.all([
          doneOf(ex, (part) => im.send({ type: 'part', part })).then((d) => { exportMs = ms(); im.send({ type: 'end' }); return d; }),
          doneOf(im),
        ]);
        const totalMs = ms();
        const n = await target.sql('load', 'SELECT count(*)::int AS n FROM pgbench_accounts');
        if (n[0].n !== ROWS || e.rows !== ROWS || i.rows !== ROWS) throw new Error(`tandem moved ${n[0].n} rows (exported ${e.rows}, imported ${i.rows}), expected ${ROWS}`);
        const c1 = serverCpu(mariadbPid, pgPid);
        const cpuS = e.cpuS + i.cpuS + c1.mariadb - c0.mariadb + c1.pg - c0.pg;
        process.stdout.write(`  tandem: ${(totalMs / 1000).toFixed(2)} s (export ended at ${(exportMs / 1000).toFixed(2)} s), CPU ${cpuS.toFixed(2)} s `
          + `(MariaDB ${(c1.mariadb - c0.mariadb).toFixed(2)}, PostgreSQL ${(c1.pg - c0.pg).toFixed(2)}, exporter ${e.cpuS.toFixed(2)}, importer ${i.cpuS.toFixed(2)})\n`);
        return { totalMs, exportMs, cpuS, export: e, import: i };
      } finally {
        rmSync(runDir, { recursive: true, force: true });
      }
    };

    const warmup = (await pipe()).ms;
    const pipes: { ms: number; cpuS: number }[] = [];
    const runs: Awaited<ReturnType<typeof runTandem>>[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      pipes.push(await pipe());
      runs.push(await runTandem());
    }
    pipes.push(await pipe());
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    };
    const pipeMs = median(pipes.map((p) => p.ms));
    const pipeCpuS = median(pipes.map((p) => p.cpuS));
    const tandemCpuS = median(runs.map((r) => r.cpuS));
    const totalMs = median(runs.map((r) => r.totalMs));
    const m = [...runs].sort((a, b) => a.totalMs - b.totalMs)[Math.floor((runs.length - 1) / 2)]!;
    const sec = (x: number) => `${(x / 1000).toFixed(2)} s`;
    process.stdout.write([
      '',
      `rows:                           ${ROWS} (filler ${FULL_FILLER ? '84 characters' : "'' as pgbench writes it"})`,
      `mariadb --batch | psql COPY:    ${sec(pipeMs)} median of ${pipes.length} (runs: ${pipes.map((p) => sec(p.ms)).join(', ')}; warm-up ${sec(warmup)} not counted)`,
      `tandem total, each run:         ${runs.map((r) => sec(r.totalMs)).join(', ')}`,
      `tandem snapshot:                ${m.export.description}`,
      `tandem export ended at:         ${sec(m.exportMs)} (${EXPORT_JOBS} readers; the median run)`,
      `tandem import ended at:         ${sec(m.totalMs)} (${IMPORT_JOBS} loaders, batches of ${BATCH} rows, following the export)`,
      `ratio tandem / pipe:            ${(totalMs / pipeMs).toFixed(2)}x (medians; goal <= 1.2x)`,
      `CPU used, all processes:        pipe ${pipeCpuS.toFixed(2)} s, tandem ${tandemCpuS.toFixed(2)} s: ${(tandemCpuS / pipeCpuS).toFixed(2)}x (medians; both servers, the clients, Tandem's two processes)`,
      `machine load (1 min average):   ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (other work on the machine slows both the same way)`,
      `tandem peak memory (RSS):       exporter ${Math.max(...runs.map((r) => r.export.maxRssMb)).toFixed(0)} MB, importer ${Math.max(...runs.map((r) => r.import.maxRssMb)).toFixed(0)} MB (the most of any run)`,
      `tandem CPU (user+sys):          exporter ${m.export.cpuS.toFixed(2)} s, importer ${m.import.cpuS.toFixed(2)} s (the Node.js processes only)`,
      '',
    ].join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([maria.stop(), target.stop()]);
  }
}

const mode = process.argv[2];
if (mode === 'export' || mode === 'import') {
  const settings = JSON.parse(process.env.BENCH_SETTINGS!) as Settings;
  (mode === 'export' ? exporter(settings) : importer(settings)).then(
    () => process.disconnect?.(),
    (e) => {
      process.stderr.write(`bench ${mode} failed: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
    process.exitCode = 1;
  });
}
