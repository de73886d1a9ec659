/**
 * The three offline migrations the benchmark times, each from the source database into an empty
 * target database, each returning its wall time split into the phases the tool has:
 *
 * - Tandem, through the built CLI as a user runs it: `export schema`, `import schema`, then
 *   `export data` and `import data` side by side (the import waits for the export and loads each
 *   file as soon as it is written), then `import schema --post-snapshot-import true` (indexes), each
 *   of the last three with `--parallel-jobs N`.
 * - `pg_dump -Fd -j N -Z 0` into a directory, then `pg_restore -j N` from it (uncompressed: Tandem
 *   does not compress its files either, and gzip would only make pg_dump slower here).
 * - `pgcopydb clone --table-jobs N --index-jobs N` (schema, data and indexes in one command).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgServer } from '../../test/helpers/pg-server.js';
import { CLI_PATH } from '../../test/helpers/cli.js';
import { cpuBetween, type CpuReading } from './cpu-meter.js';

const PG15_BIN = '/usr/lib/postgresql/15/bin';
export const PGCOPYDB = '/usr/bin/pgcopydb';

/** One timed phase of a migration. */
export interface Phase {
  readonly name: string;
  readonly ms: number;
  /** CPU used during the phase, by every process (Tandem's phases only). */
  readonly cpu?: CpuReading;
  /** What Tandem's own processes used in the phase: CPU seconds and peak RSS, from /usr/bin/time. */
  readonly tandem?: string;
}

/** A migration's result: its phases, in order, and its wall time (phases may overlap). */
export interface MigrationTiming {
  readonly tool: string;
  readonly totalMs: number;
  readonly phases: readonly Phase[];
  /** Lines worth printing from the tool's own output (pgcopydb's summary). */
  readonly notes: readonly string[];
}

/** Where the migrations read and write, and with how many connections. */
export interface MigrationSetup {
  readonly source: PgServer;
  readonly sourceDb: string;
  readonly target: PgServer;
  readonly jobs: number;
  /** Reads the CPU used so far (see cpu-meter.ts). */
  readonly readCpu: () => CpuReading;
}

interface Ran {
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command, resolving with its wall time and output; rejects on a non-zero exit. */
function timed(cmd: string, args: readonly string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}:\n${stderr.slice(-4000)}${stdout.slice(-2000)}`));
      } else {
        resolve({ ms, stdout, stderr });
      }
    });
  });
}

function uri(server: PgServer, db: string): string {
  return `postgres://${server.user}:${encodeURIComponent(server.password)}@${server.host}:${server.port}/${db}`;
}

/**
 * Tandem's offline migration through the built CLI, into `targetDb`. With `ownParallelism` the data
 * commands get no `--parallel-jobs` and choose their own (Tandem's default). With `lateKeys` (a diagnostic,
 * not Tandem's behaviour) the primary keys, unique constraints and foreign keys that `import schema`
 * created are dropped before the data and added back after the indexes, as pg_restore and pgcopydb
 * do: the difference shows what loading into tables with their keys costs. (On YugabyteDB, Tandem's
 * target, the primary key is the table's storage order: adding it later rewrites the table.)
 */
export async function migrateWithTandem(setup: MigrationSetup, targetDb: string, options: { lateKeys?: boolean; ownParallelism?: boolean; lateIndexes?: boolean } = {}): Promise<MigrationTiming> {
  const lateKeys = options.lateKeys ?? false;
  const { source, target, jobs } = setup;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-offline-'));
  const env = { SOURCE_DB_PASSWORD: source.password, TARGET_DB_PASSWORD: target.password, TANDEM_NO_TTY: '1' };
  const src = ['--source-db-type', 'postgresql', '--source-db-host', source.host, '--source-db-port', String(source.port),
    '--source-db-user', source.user, '--source-db-name', setup.sourceDb, '--source-db-schema', 'public'];
  const tgt = ['--target-db-host', target.host, '--target-db-port', String(target.port), '--target-db-user', target.user, '--target-db-name', targetDb];
  // Under /usr/bin/time, for each process's CPU and peak memory.
  // BENCH_LOG_LEVEL=debug: each loaded batch and built index in the export dir's logs (with BENCH_KEEP_EXPORT_DIR).
  const logFlags = process.env.BENCH_LOG_LEVEL ? ['--log-level', process.env.BENCH_LOG_LEVEL] : [];
  const tandem = async (args: string[]) => {
    const ran = await timed('/usr/bin/time', ['-f', 'TANDEM_RUSAGE %U %S %M', process.execPath, CLI_PATH, ...args, '--export-dir', dir, ...logFlags], env);
    const m = /TANDEM_RUSAGE ([\d.]+) ([\d.]+) (\d+)/.exec(ran.stderr);
    return { ...ran, usage: m ? `${(Number(m[1]) + Number(m[2])).toFixed(1)} s CPU, ${(Number(m[3]) / 1024).toFixed(0)} MB peak RSS` : '?' };
  };
  const since = (before: CpuReading) => cpuBetween(before, setup.readCpu());
  try {
    const t0 = process.hrtime.bigint();
    let c = setup.readCpu();
    const exportSchema = await tandem(['export', 'schema', ...src]);
    const exportSchemaCpu = since(c);
    c = setup.readCpu();
    const importSchema = await tandem(['import', 'schema', ...tgt]);
    const importSchemaCpu = since(c);
    const keys = lateKeys ? await dropKeys(target, targetDb) : undefined;
    c = setup.readCpu();
    const parallel = options.ownParallelism ? [] : ['--parallel-jobs', String(jobs)];
    const exporting = tandem(['export', 'data', ...src, ...parallel]);
    const importing = tandem(['import', 'data', ...tgt, ...parallel, ...(options.lateIndexes ? ['--build-indexes', 'false'] : [])]);
    const [exportData, importData] = await Promise.all([exporting, importing]);
    const dataCpu = since(c);
    c = setup.readCpu();
    const post = await tandem(['import', 'schema', ...tgt, '--post-snapshot-import', 'true', ...parallel]);
    const postCpu = since(c);
    const keysAdded = keys ? await addKeys(target, targetDb, keys, jobs) : undefined;
    const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return {
      tool: 'tandem',
      totalMs,
      phases: [
        { name: 'export schema', ms: exportSchema.ms, cpu: exportSchemaCpu, tandem: exportSchema.usage },
        { name: 'import schema', ms: importSchema.ms, cpu: importSchemaCpu, tandem: importSchema.usage },
        { name: 'export data (alongside the import)', ms: exportData.ms, tandem: exportData.usage },
        { name: 'import data (started with the export)', ms: importData.ms, cpu: dataCpu, tandem: importData.usage },
        { name: 'import schema --post-snapshot-import (indexes)', ms: post.ms, cpu: postCpu, tandem: post.usage },
        ...(keys ? [{ name: 'drop keys before the data (diagnostic)', ms: keys.ms }] : []),
        ...(keysAdded !== undefined ? [{ name: `add keys after the data, ${jobs} connections (diagnostic)`, ms: keysAdded }] : []),
      ],
      notes: [],
    };
  } finally {
    // BENCH_KEEP_EXPORT_DIR=1 keeps Tandem's export dir (its logs say when each file and index was done).
    if (process.env.BENCH_KEEP_EXPORT_DIR) console.log(`  export dir kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** `pg_dump -Fd -j N` then `pg_restore -j N`, into `targetDb`. */
export async function migrateWithPgDump(setup: MigrationSetup, targetDb: string): Promise<MigrationTiming> {
  const { source, target, jobs } = setup;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-offline-pgdump-'));
  const dumpDir = join(dir, 'dump');
  try {
    const dump = await timed(`${PG15_BIN}/pg_dump`, ['-Fd', '-j', String(jobs), '-Z', '0', '-f', dumpDir,
      '-h', source.host, '-p', String(source.port), '-U', source.user, setup.sourceDb], { PGPASSWORD: source.password });
    const restore = await timed(`${PG15_BIN}/pg_restore`, ['-j', String(jobs), '-d', targetDb,
      '-h', target.host, '-p', String(target.port), '-U', target.user, dumpDir], { PGPASSWORD: target.password });
    return {
      tool: 'pg_dump | pg_restore',
      totalMs: dump.ms + restore.ms,
      phases: [{ name: `pg_dump -Fd -j ${jobs} -Z 0`, ms: dump.ms }, { name: `pg_restore -j ${jobs}`, ms: restore.ms }],
      notes: [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `pgcopydb clone --table-jobs N --index-jobs N`, into `targetDb` (split of large tables when `splitLargerThan` is set). */
export async function migrateWithPgCopyDb(setup: MigrationSetup, targetDb: string, splitLargerThan?: string): Promise<MigrationTiming> {
  const { source, target, jobs } = setup;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-offline-pgcopydb-'));
  try {
    const args = ['clone', '--source', uri(source, setup.sourceDb), '--target', uri(target, targetDb),
      '--table-jobs', String(jobs), '--index-jobs', String(jobs), '--dir', join(dir, 'work'),
      ...(splitLargerThan ? ['--split-tables-larger-than', splitLargerThan] : [])];
    // pgcopydb runs pg_dump and pg_restore from the PATH: PostgreSQL 15's.
    const ran = await timed(PGCOPYDB, args, { PATH: `${PG15_BIN}:${process.env.PATH ?? ''}` });
    return { tool: 'pgcopydb clone', totalMs: ran.ms, phases: [], notes: summaryOf(ran.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pgcopydb's closing timing table (printed on stdout; its log goes to stderr), without the rules. */
function summaryOf(output: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /Step\s+Connection\s+Duration/.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /Total Wall Clock Duration/.test(l));
  return lines.slice(start, end < 0 ? undefined : end + 1).filter((l) => l.trim() !== '' && !/^\s*-+\s/.test(l)).map((l) => l.trimEnd());
}

interface DroppedKeys {
  readonly ms: number;
  /** `ALTER TABLE … ADD CONSTRAINT …` of the primary keys and unique constraints, then of the foreign keys. */
  readonly keys: readonly string[];
  readonly foreignKeys: readonly string[];
}

const KEYS = `SELECT contype, format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS add,
    format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f') AND conparentid = 0
  ORDER BY contype <> 'f', conrelid::regclass::text`;

/** Drops the foreign keys, then the primary keys and unique constraints (partitions' go with their parent's). */
async function dropKeys(server: PgServer, db: string): Promise<DroppedKeys> {
  const t0 = process.hrtime.bigint();
  const rows = await server.sql(db, KEYS);
  for (const r of rows) await server.sql(db, r.drop);
  return {
    ms: Number(process.hrtime.bigint() - t0) / 1e6,
    keys: rows.filter((r) => r.contype !== 'f').map((r) => r.add),
    foreignKeys: rows.filter((r) => r.contype === 'f').map((r) => r.add),
  };
}

/** Adds the keys back on `jobs` connections, then the foreign keys (which check every row); returns ms. */
async function addKeys(server: PgServer, db: string, dropped: DroppedKeys, jobs: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const queue = [...dropped.keys];
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let sql = queue.shift(); sql !== undefined; sql = queue.shift()) await server.sql(db, sql);
  }));
  for (const sql of dropped.foreignKeys) await server.sql(db, sql);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
