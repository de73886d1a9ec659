import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import type { Reporter } from '../core/reporter.js';
import type { CommandEnv } from './command-env.js';
import { openMigration, sourceSide, targetSide, type Migration, type Side } from './migration-context.js';
import { buildReport, readAppliedCounts, renderReport } from './data-migration-report.js';
import { guardNotRestored, writeGuardOf } from './cutover/write-guard-steps.js';

/** Options of `tandem end migration`. */
export interface EndMigrationOptions {
  readonly exportDir: string;
  /** `--backup-log-files`, `--backup-data-files`, `--backup-schema-files`, `--save-migration-reports`. */
  readonly backupLogFiles: boolean;
  readonly backupDataFiles: boolean;
  readonly backupSchemaFiles: boolean;
  readonly saveMigrationReports: boolean;
  /** `--backup-dir`: where backups go (required when any backup flag is true). */
  readonly backupDir?: string;
  /** Asks the user to confirm (the command answers it: a prompt, or --yes); false stops before anything changes. */
  readonly confirm: (question: string) => Promise<boolean>;
}

const RUNNING_COMMANDS: Record<string, string> = {
  'export-data': 'export data from source', 'import-data': 'import data to target', 'export-data-from-target': 'export data from target',
  'import-data-to-source': 'import data to source', 'archive-changes': 'archive changes', 'export-schema': 'export schema', 'import-schema': 'import schema',
};

/** Removes what Tandem created on one database: its change stream (slot and publication), and its metadata tables. */
async function cleanDatabase(reporter: Reporter, migration: Migration, { db, engine }: Side, side: 'source' | 'target'): Promise<void> {
  if (migration.meta.getValue(`${side}_replication`) !== undefined) {
    const capture = engine.changeCapture(db, { id: migration.uuid, side });
    if (await capture.drop()) reporter.print(`Dropped ${capture.labels.stream} on the ${side}.`);
  }
  const dropped = await engine.migrationMetadata(db).drop(migration.uuid);
  if (dropped) reporter.print(`Dropped ${dropped} on the ${side}.`);
}

/**
 * For a source whose triggers and foreign keys had to be switched off for the fall-back: warns about
 * anything enabled when the export started that is not enabled now (the spec's last manual step).
 */
async function warnIfGuardNotRestored(reporter: Reporter, migration: Migration, side: Side): Promise<void> {
  const guard = writeGuardOf(side);
  if (!guard) return;
  const missing = await guardNotRestored(migration, guard);
  if (!missing || missing.length === 0) return;
  reporter.warn(`on the source, these were enabled when the migration started and are not now: ${missing.map((m) => m.what).join('; ')}. To enable them: ${missing.map((m) => m.fix).join(' ')}`);
}

/**
 * `tandem end migration`: writes the backups asked for, then removes the migration's state from the
 * databases (change streams: replication slots and publications; metadata schemas) and clears the
 * export dir. It connects to both databases and writes the backups before removing anything, so a
 * wrong password or a failed backup leaves everything as it was.
 */
export async function runEndMigration(env: CommandEnv, options: EndMigrationOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false, lock: 'end-migration' });
  const { meta, exportDir } = m;
  try {
    const wants = {
      logs: options.backupLogFiles, data: options.backupDataFiles,
      schema: options.backupSchemaFiles, reports: options.saveMigrationReports,
    };
    const backupDir = options.backupDir;
    if (Object.values(wants).some(Boolean) && !backupDir) {
      throw new TandemError('TANDEM_USAGE', '--backup-dir is required when a backup flag is true.');
    }
    if (backupDir) {
      const abs = resolve(backupDir);
      const rel = relative(exportDir.root, abs);
      if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
        throw new TandemError('TANDEM_USAGE', '--backup-dir must be outside the export dir, which end migration clears.');
      }
      if (!existsSync(abs)) throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} does not exist; create it first.`);
    }
    for (const [lock, name] of Object.entries(RUNNING_COMMANDS)) {
      const pid = CommandLock.holder(exportDir.metainfoDir, lock);
      if (pid) throw new TandemError('TANDEM_LOCKED', `"${name}" is still running (pid ${pid}); stop it before ending the migration.`);
    }
    // Connect to every database Tandem wrote to before changing anything.
    const sides: { side: 'source' | 'target'; at: Side }[] = [];
    for (const side of ['source', 'target'] as const) {
      if (!meta.getDbConfig(side)) continue;
      const touched = side === 'target' || meta.getValue('source_replication') !== undefined;
      if (!touched) continue;
      const at = side === 'source' ? await sourceSide(env, meta) : await targetSide(env, meta);
      await at.engine.describeServer(at.db);
      sides.push({ side, at });
    }
    if (!(await options.confirm(`End the migration in ${exportDir.root}? This drops Tandem's replication slots, publications and metadata from the databases and clears the export dir.`))) {
      throw new TandemError('TANDEM_ABORTED', 'end migration was not confirmed; nothing was changed.', { hint: 'Add --yes true to confirm without a prompt.' });
    }
    if (backupDir) {
      const dest = resolve(backupDir);
      if (wants.schema) cpSync(exportDir.schemaDir, join(dest, 'schema'), { recursive: true });
      if (wants.data) cpSync(exportDir.dataDir, join(dest, 'data'), { recursive: true });
      if (wants.logs) cpSync(exportDir.logsDir, join(dest, 'logs'), { recursive: true });
      if (wants.reports) {
        mkdirSync(join(dest, 'reports'), { recursive: true });
        cpSync(exportDir.reportsDir, join(dest, 'reports'), { recursive: true });
        const { applied } = await readAppliedCounts(env, m);
        const rows = buildReport(meta, applied);
        writeFileSync(join(dest, 'reports', 'data-migration-report.txt'), renderReport(rows, 'table') + '\n');
        writeFileSync(join(dest, 'reports', 'data-migration-report.json'), renderReport(rows, 'json') + '\n');
      }
      reporter.print(`Backups written to ${dest}.`);
    }
    for (const { side, at } of sides) if (side === 'source') await warnIfGuardNotRestored(reporter, m, at);
    for (const { side, at } of sides) await cleanDatabase(reporter, m, at, side);
    meta.setStep('end_migration', 'DONE');
  } finally {
    m.close();
  }
  for (const name of readdirSync(exportDir.root)) rmSync(join(exportDir.root, name), { recursive: true, force: true });
  reporter.print(`Migration ended; ${exportDir.root} is now empty.`);
}
