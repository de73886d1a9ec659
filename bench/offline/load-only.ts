/**
 * bench/offline/load-only: the load half of the offline migration alone, to see where the target's
 * time goes. One export of the offline bench's database (Tandem's `export schema` + `export data`,
 * and `pg_dump -Fd`), made once, is loaded again and again into fresh databases of one target
 * server: by `pg_restore -j N` and by Tandem's `import schema`, `import data --parallel-jobs N` and
 * `import schema --post-snapshot-import true --parallel-jobs N`, each in turn, so that the source
 * and the export take no CPU during the loads. Prints each load's wall time, the target server's
 * CPU and the client processes' CPU (read from /proc, see cpu-meter.ts).
 *
 * Usage: npm run bench:offline-load
 *   BENCH_ROWS    rows in all (default 10000000)
 *   BENCH_LOADS   the loads, in order (default pg_restore-1,tandem-1,pg_restore-2,tandem-2: the tool
 *                 and its parallelism)
 *   BENCH_ROUNDS  times through the list (default 2)
 *   BENCH_LOG_LEVEL=debug  Tandem's per-batch log, kept with its export dir (printed)
 * Needs the Debian package postgresql-15.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15 } from '../../test/helpers/pg-server.js';
import { CLI_PATH } from '../../test/helpers/cli.js';
import { createDataset, datasetSizes, warmUpTarget } from './dataset.js';
import { cpuBetween, postmasterPid, readCpu } from './cpu-meter.js';
import { benchNumber } from '../env.js';

const PG15_BIN = '/usr/lib/postgresql/15/bin';
const ROWS = benchNumber('BENCH_ROWS', 10_000_000, { min: 1 });
const ROUNDS = benchNumber('BENCH_ROUNDS', 2, { min: 1 });
const LOADS = (process.env.BENCH_LOADS ?? 'pg_restore-1,tandem-1,pg_restore-2,tandem-2').split(',').map((l) => {
  const m = /^(pg_restore|tandem)-(\d+)$/.exec(l.trim());
  if (!m) throw new Error(`BENCH_LOADS: ${l} is not pg_restore-N or tandem-N`);
  return { tool: m[1] as 'pg_restore' | 'tandem', jobs: Number(m[2]) };
});
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL;

const out = (line = '') => process.stdout.write(`${line}\n`);
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function main(): Promise<void> {
  out(`start: ${uptime()}`);
  const [source, target] = await Promise.all([startPg15(), startPg15()]);
  const work = mkdtempSync(join(tmpdir(), 'tandem-load-only-'));
  try {
    await source.createDatabase('bench');
    await createDataset(source, 'bench', datasetSizes(ROWS));
    const exportDir = join(work, 'tandem');
    const dumpDir = join(work, 'dump');
    const env = { ...process.env, SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password, TANDEM_NO_TTY: '1' };
    const src = ['--source-db-type', 'postgresql', '--source-db-host', source.host, '--source-db-port', String(source.port),
      '--source-db-user', source.user, '--source-db-name', 'bench', '--source-db-schema', 'public', '--export-dir', exportDir];
    mkdirSync(exportDir);
    execFileSync(process.execPath, [CLI_PATH, 'export', 'schema', ...src], { env, stdio: 'ignore' });
    execFileSync(process.execPath, [CLI_PATH, 'export', 'data', ...src, '--parallel-jobs', '2'], { env, stdio: 'ignore' });
    execFileSync(`${PG15_BIN}/pg_dump`, ['-Fd', '-j', '2', '-Z', '0', '-f', dumpDir, '-h', source.host, '-p', String(source.port), '-U', source.user, 'bench'],
      { env: { ...process.env, PGPASSWORD: source.password } });
    out(`${ROWS} rows exported once by each tool; loading ${ROUNDS} round(s) of ${LOADS.map((l) => `${l.tool}-${l.jobs}`).join(', ')}`);

    await warmUpTarget(target, ROWS); // not counted

    const [sourcePm, targetPm] = await Promise.all([postmasterPid(source), postmasterPid(target)]);
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const { tool, jobs } of LOADS) {
        const db = `load_${n++}`;
        await target.createDatabase(db);
        // Tandem's loads each get a copy of the export dir (an import starts from an export nothing
        // was loaded from), made before the clock starts; its writes are flushed first.
        const dir = tool === 'tandem' ? mkdtempSync(join(work, 'import-')) : '';
        if (dir) {
          cpSync(exportDir, dir, { recursive: true });
          execFileSync('sync');
        }
        const before = readCpu(sourcePm, targetPm);
        const t0 = process.hrtime.bigint();
        let kept = '';
        if (tool === 'pg_restore') {
          execFileSync(`${PG15_BIN}/pg_restore`, ['-j', String(jobs), '-d', db, '-h', target.host, '-p', String(target.port), '-U', target.user, dumpDir],
            { env: { ...process.env, PGPASSWORD: target.password } });
        } else {
          const tgt = ['--target-db-host', target.host, '--target-db-port', String(target.port), '--target-db-user', target.user,
            '--target-db-name', db, '--export-dir', dir, ...(LOG_LEVEL ? ['--log-level', LOG_LEVEL] : [])];
          const run = (args: string[]) => execFileSync(process.execPath, [CLI_PATH, ...args, ...tgt], { env, stdio: 'ignore' });
          run(['import', 'schema']);
          run(['import', 'data', '--parallel-jobs', String(jobs)]);
          run(['import', 'schema', '--post-snapshot-import', 'true', '--parallel-jobs', String(jobs)]);
          if (LOG_LEVEL) kept = `; logs in ${join(dir, 'logs')}`;
          else rmSync(dir, { recursive: true, force: true });
        }
        const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
        // Backends exit after their connection closes; give the postmaster a moment to reap them.
        await new Promise((r) => setTimeout(r, 500));
        const cpu = cpuBetween(before, readCpu(sourcePm, targetPm));
        out(`${`${tool} -j ${jobs}`.padEnd(14)} ${wallS.toFixed(1).padStart(6)} s wall   target ${cpu.targetS.toFixed(1).padStart(5)} s CPU   clients ${cpu.clientS.toFixed(1).padStart(4)} s CPU${kept}`);
        await target.sql('postgres', `DROP DATABASE "${db}"`);
        await target.sql('postgres', 'CHECKPOINT');
      }
    }
    out(`end: ${uptime()}`);
  } finally {
    await Promise.all([source.stop(), target.stop()]);
    if (!LOG_LEVEL) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
