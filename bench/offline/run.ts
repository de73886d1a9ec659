/**
 * bench/offline: a whole-database offline migration between two PostgreSQL 15 servers, timed for
 * Tandem (`export schema`, `import schema`, `export data` beside `import data`, `import schema
 * --post-snapshot-import true`), `pg_dump -Fd -j N | pg_restore -j N` and `pgcopydb clone
 * --table-jobs N --index-jobs N`, in the same run, each into a fresh target database and each
 * followed by a row-for-row verification against the source (count and order-independent checksum
 * per table, sequence values, constraint and index definitions). Prints each tool's wall time, the
 * phases, the CPU time each used (its client processes and both servers: see cpu-meter.ts; steadier
 * than wall time on a shared machine), and the ratios tandem / pg_dump and tandem / pgcopydb.
 *
 * The database (see dataset.ts) has 20 tables of mixed sizes, 10M rows by default. Before the timed
 * runs, a warm-up load into a throw-away database on the target (the first load into a fresh server
 * is slower: it creates its WAL files) is not counted; the target is checkpointed after each run.
 *
 * Usage: npm run bench:offline
 *   BENCH_ROWS     rows in all (default 10000000; e.g. 200000 for a smoke run)
 *   BENCH_JOBS     the parallelism given to every tool (default 2, the machine's cores)
 *   BENCH_ORDER    the order of the runs (default tandem,pg_dump,pgcopydb); tandem-auto is Tandem
 *                  with its own default parallelism (no --parallel-jobs); tandem-late-keys is a
 *                  diagnostic: Tandem with the keys dropped before the data and added back after;
 *                  tandem-late-indexes is Tandem with every secondary index left to the
 *                  post-snapshot import (`import data --build-indexes false`, the earlier default)
 *   BENCH_ROUNDS   runs of each tool (default 1; each round starts one tool later; medians compared)
 *   BENCH_PGCOPYDB_SPLIT  pgcopydb's --split-tables-larger-than (default: not given, pgcopydb's default)
 *   BENCH_KEEP_EXPORT_DIR=1  keep Tandem's export dir (its logs/) and print where it is
 * Needs the Debian packages postgresql-15 and pgcopydb: `npm run bench:offline` installs them
 * (scripts/install-system-packages.sh --with-pgcopydb, as root) when they are missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startPg15 } from '../../test/helpers/pg-server.js';
import { createDataset, datasetSizes, warmUpTarget } from './dataset.js';
import { differences, fingerprint } from './verify.js';
import { cpuBetween, describeCpu, postmasterPid, readCpu, totalCpuS } from './cpu-meter.js';
import { PGCOPYDB, migrateWithPgCopyDb, migrateWithPgDump, migrateWithTandem, type MigrationSetup, type MigrationTiming } from './migrations.js';
import { benchNumber } from '../env.js';

const ROWS = benchNumber('BENCH_ROWS', 10_000_000, { min: 1 });
const JOBS = benchNumber('BENCH_JOBS', 2, { min: 1 });
const ORDER = (process.env.BENCH_ORDER ?? 'tandem,pg_dump,pgcopydb').split(',').map((s) => s.trim());
const PGCOPYDB_SPLIT = process.env.BENCH_PGCOPYDB_SPLIT;
const ROUNDS = benchNumber('BENCH_ROUNDS', 1, { min: 1 });

type ToolName = 'tandem' | 'pg_dump' | 'pgcopydb' | 'tandem-auto' | 'tandem-late-keys' | 'tandem-late-indexes';
const TOOLS: Record<ToolName, (setup: MigrationSetup, db: string) => Promise<MigrationTiming>> = {
  tandem: (setup, db) => migrateWithTandem(setup, db),
  pg_dump: migrateWithPgDump,
  pgcopydb: (setup, db) => migrateWithPgCopyDb(setup, db, PGCOPYDB_SPLIT),
  'tandem-auto': (setup, db) => migrateWithTandem(setup, db, { ownParallelism: true }),
  'tandem-late-keys': (setup, db) => migrateWithTandem(setup, db, { lateKeys: true }),
  'tandem-late-indexes': (setup, db) => migrateWithTandem(setup, db, { lateIndexes: true }),
};

interface Run {
  readonly timing: MigrationTiming;
  readonly cpuS: number;
}

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const out = (line = '') => process.stdout.write(`${line}\n`);
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function main(): Promise<void> {
  for (const t of ORDER) if (!(t in TOOLS)) throw new Error(`BENCH_ORDER: unknown tool ${t} (tandem, pg_dump, pgcopydb, tandem-auto, tandem-late-keys, tandem-late-indexes)`);
  // Before the minutes the dataset takes: a missing tool would otherwise fail only at its turn.
  if (ORDER.includes('pgcopydb') && !existsSync(PGCOPYDB)) {
    throw new Error(`${PGCOPYDB} is not installed: run "sh scripts/install-system-packages.sh --with-pgcopydb" as root (npm run bench:offline does), or leave pgcopydb out of BENCH_ORDER`);
  }
  out(`start: ${uptime()}`);
  const [source, target] = await Promise.all([startPg15(), startPg15()]);
  const failures: string[] = [];
  try {
    const sizes = datasetSizes(ROWS);
    await source.createDatabase('bench');
    let t0 = Date.now();
    await createDataset(source, 'bench', sizes);
    const [{ size }] = await source.sql('bench', "SELECT pg_size_pretty(pg_database_size('bench')) AS size");
    out(`dataset: ${sizes.total} rows (events ${sizes.events}, accounts ${sizes.accounts}, orders ${sizes.orders}, ledger ${sizes.ledger}, `
      + `measurements ${sizes.measurements} in 6 partitions, blobs ${sizes.blobs}, documents ${sizes.documents}, 13 small tables ${sizes.small}); `
      + `${size} on disk with indexes; generated in ${s(Date.now() - t0)}`);
    t0 = Date.now();
    const expected = await fingerprint(source, 'bench');
    out(`source checksummed in ${s(Date.now() - t0)}: ${expected.tables.size} tables (partitions included), ${expected.sequences.size} sequences, ${expected.objects.length} constraints and indexes`);

    // Warm-up, not counted.
    t0 = Date.now();
    await warmUpTarget(target, sizes.total);
    out(`target warm-up (not counted): ${s(Date.now() - t0)}`);

    const [sourcePm, targetPm] = await Promise.all([postmasterPid(source), postmasterPid(target)]);
    const setup: MigrationSetup = { source, sourceDb: 'bench', target, jobs: JOBS, readCpu: () => readCpu(sourcePm, targetPm) };
    const results = new Map<ToolName, Run[]>();
    // Each round starts one tool later in the order, so no tool always runs first or last.
    const runs = Array.from({ length: ROUNDS }, (_, r) => ORDER.map((_, i) => ORDER[(i + r) % ORDER.length]! as ToolName)).flat();
    for (const [n, tool] of runs.entries()) {
      const db = `t_${tool.replace(/-/g, '_')}`;
      await target.createDatabase(db);
      out(`\n${tool}: migrating into ${db} (${JOBS} jobs; run ${n + 1} of ${runs.length}) ... ${uptime()}`);
      const before = setup.readCpu();
      const timing = await TOOLS[tool](setup, db);
      const cpu = cpuBetween(before, setup.readCpu());
      results.set(tool, [...(results.get(tool) ?? []), { timing, cpuS: totalCpuS(cpu) }]);
      out(`${tool}: ${s(timing.totalMs)} wall; ${describeCpu(cpu)}`);
      for (const p of timing.phases) {
        const extra = [p.cpu ? describeCpu(p.cpu) : '', p.tandem ? `tandem process: ${p.tandem}` : ''].filter(Boolean).join('; ');
        out(`  ${p.name.padEnd(52)} ${s(p.ms).padStart(7)}${extra ? `   ${extra}` : ''}`);
      }
      for (const n of timing.notes) out(`  | ${n}`);
      const diff = differences(expected, await fingerprint(target, db));
      if (diff.length) {
        failures.push(`${tool}: ${diff.length} difference(s)`);
        out(`  VERIFICATION FAILED, ${diff.length} difference(s):`);
        for (const d of diff.slice(0, 30)) out(`    ${d}`);
      } else {
        out(`  verified: ${expected.tables.size} tables equal to the source row for row (count and checksum), sequences, constraints and indexes equal`);
      }
      await target.sql('postgres', `DROP DATABASE "${db}"`);
      await target.sql('postgres', 'CHECKPOINT');
    }

    out('');
    out(`rows: ${sizes.total}, parallelism ${JOBS} for every tool, ${ROUNDS} round(s), order ${runs.join(', ')}`);
    const wall = (tool: ToolName) => median(results.get(tool)!.map((r) => r.timing.totalMs));
    const cpu = (tool: ToolName) => median(results.get(tool)!.map((r) => r.cpuS));
    for (const [tool, rs] of results) {
      out(`  ${tool.padEnd(16)} ${s(wall(tool)).padStart(8)} wall   ${cpu(tool).toFixed(1).padStart(6)} s CPU (clients and both servers)`
        + (rs.length > 1 ? `   medians of ${rs.map((r) => s(r.timing.totalMs)).join(', ')}` : ''));
    }
    for (const ours of ['tandem', 'tandem-auto', 'tandem-late-keys', 'tandem-late-indexes'] as const) {
      for (const other of ['pg_dump', 'pgcopydb'] as const) {
        if (results.has(ours) && results.has(other)) {
          out(`  ratio ${ours} / ${other.padEnd(8)} ${(wall(ours) / wall(other)).toFixed(2)}x wall (goal < 1.00x), ${(cpu(ours) / cpu(other)).toFixed(2)}x CPU`);
        }
      }
    }
    out(`end: ${uptime()}`);
  } finally {
    await Promise.all([source.stop(), target.stop()]);
  }
  if (failures.length) throw new Error(`verification failed: ${failures.join('; ')}`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
