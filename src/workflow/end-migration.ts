import { accessSync, constants, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isInsideDir } from '../core/export-dir.js';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import { failpoint } from '../core/failpoint.js';
import type { Reporter } from '../core/reporter.js';
import type { CommandEnv } from './command-env.js';
import { openMigration, sourceSide, targetSide, type Migration, type Side } from './migration-context.js';
import { buildReport, keepFinalCounts, readAppliedCounts, renderReport } from './data-migration-report.js';
import { streamEndFinding } from './cutover/stream-cleanup.js';
import { GUARD_KEY, enableWhatTandemDisabled, guardNotRestored, writeGuardOf, type GuardRecord } from './cutover/write-guard-steps.js';
import { CutoverState } from './cutover/cutover-state.js';

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
  // The source's exporter goes on as import data to source after a cutover prepared for fall-back.
  'export-data': '"export data from source" (or "import data to source", which it becomes after a cutover prepared for fall-back)',
  'import-data': '"import data to target"', 'export-data-from-target': '"export data from target"', 'import-data-to-source': '"import data to source"',
  'archive-changes': '"archive changes"', 'export-schema': '"export schema"', 'import-schema': '"import schema"',
};

/** Removes what Tandem created on one database: its change stream (slot and publication), and its metadata tables. */
async function cleanDatabase(reporter: Reporter, migration: Migration, { db, engine }: Side, side: 'source' | 'target'): Promise<void> {
  if (migration.meta.getValue(`${side}_replication`) !== undefined) {
    const capture = engine.changeCapture(db, { id: migration.uuid, side });
    if (await capture.drop()) reporter.print(`Dropped ${capture.labels.objects} on the ${side}.`);
  }
  const dropped = await engine.migrationMetadata(db).drop(migration.uuid);
  if (dropped) reporter.print(`Dropped ${dropped} on the ${side}.`);
}

/**
 * For a source whose triggers and foreign keys had to be switched off for the fall-back: when no
 * cutover to source enabled them again (the migration ends on the target), enables again what Tandem
 * switched off, since nothing writes the source through Tandem any more (measured before: the
 * triggers stayed dropped, and the warning's script was their only copy once the export dir was
 * cleared; the newuser-50 run). After a cutover to source it leaves them as they are: what is off
 * now was switched off since, by someone else. Then warns about anything enabled when the export
 * started that is not enabled now, with the script (the spec's last manual step).
 */
async function restoreGuard(reporter: Reporter, migration: Migration, side: Side): Promise<void> {
  const guard = writeGuardOf(side);
  if (!guard) return;
  const record = migration.meta.getValue<GuardRecord>(GUARD_KEY);
  if (record && CutoverState.get(migration.meta, 'to_source').status !== 'COMPLETED') {
    await enableWhatTandemDisabled(reporter, guard, record, 'Enabled again on the source what Tandem had switched off for the fall-back (no cutover to source did).');
  }
  const missing = await guardNotRestored(migration, guard);
  if (!missing || missing.length === 0) return;
  reporter.warn(`on the source, these were enabled when the migration started and are not now: ${missing.map((m) => m.what).join('; ')}. To enable them: ${missing.map((m) => m.fix).join(' ')}`);
}

/**
 * Refuses a --backup-dir the backups cannot be written into (missing, not a directory, not writable
 * by this user), before the prompt and before anything changes: found only while copying, it would
 * stop the command after the user confirmed.
 */
function checkBackupDir(abs: string): void {
  if (!existsSync(abs)) throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} does not exist; create it first.`, { hint: `Create it first: mkdir -p ${abs}` });
  if (!statSync(abs).isDirectory()) {
    throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} is not a directory.`, { hint: 'Name a directory for the backups (mkdir -p <dir> creates one), outside the export dir.' });
  }
  try {
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch {
    throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} is not writable by this user.`, { hint: `Name a directory this user may write in, or let it write there (chown or chmod u+w ${abs}).` });
  }
}

/** The file naming the migration whose backups a --backup-dir holds. */
const BACKUP_OWNER_FILE = 'tandem-backup.json';
const BACKUP_PARTS = ['schema', 'data', 'logs', 'reports'];

/**
 * Refuses a --backup-dir holding another migration's backups (or backups of unknown origin): they
 * would be overwritten file by file, mixed with this one's (measured before: an earlier migration's
 * logs and reports silently replaced). The same migration's (a rerun after a failure) are rewritten.
 */
function checkBackupDirFree(abs: string, uuid: string): void {
  const owner = join(abs, BACKUP_OWNER_FILE);
  let ownerUuid: string | undefined;
  try {
    ownerUuid = String((JSON.parse(readFileSync(owner, 'utf8')) as { migrationUuid?: unknown }).migrationUuid);
  } catch { /* no such file, or not ours */ }
  if (ownerUuid === uuid) return;
  const held = BACKUP_PARTS.filter((d) => existsSync(join(abs, d)));
  if (ownerUuid === undefined && held.length === 0) return;
  throw new TandemError('TANDEM_USAGE', `--backup-dir ${abs} already holds ${ownerUuid ? `the backups of another migration (${ownerUuid})` : `backups of another origin (${held.join('/, ')}/)`}; this migration's would overwrite and mix with them.`, {
    hint: `Name an empty directory for this migration's backups (mkdir -p ${abs}-2, say). Nothing was changed.`,
  });
}

/** Asks the user (or takes --yes); a no stops the command before anything is changed. */
async function confirmOrAbort(options: EndMigrationOptions, question: string): Promise<void> {
  if (!(await options.confirm(question))) {
    throw new TandemError('TANDEM_ABORTED', 'end migration was not confirmed; nothing was changed.', { hint: 'Add --yes true to confirm without a prompt.' });
  }
}

/**
 * Connects to every database Tandem wrote to (before anything is changed), asks for confirmation,
 * writes the backups asked for, then removes the migration's state from the databases and records
 * the step as done.
 */
async function backUpAndClean(env: CommandEnv, m: Migration, options: EndMigrationOptions): Promise<void> {
  const { reporter } = env;
  const { meta, exportDir } = m;
  const backupDir = options.backupDir;
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
  // A slot kept because writes reached a database after its cutover marker holds the only copy of
  // those changes in a stream: say so in the question, not only the usual words.
  // Kept with writes counted after the marker, or kept without any counted (a transaction open, or
  // one that could not be looked for): said as what it is (measured before: "writes arrived" for a
  // stream kept only because open transactions could not be looked for; the new-user run).
  const findings = (['to_target', 'to_source'] as const).map((d) => CutoverState.get(meta, d).detail)
    .map((d) => ({ d, f: streamEndFinding(d) })).filter((x) => x.f !== undefined);
  const kept = findings.filter((x) => x.f!.counted).map((x) => `${String(x.d.keptSlot)} (${x.f!.text})`);
  const keptUncounted = findings.filter((x) => !x.f!.counted).map((x) => `${String(x.d.keptSlot)} (${x.f!.text})`);
  const keptNote = (kept.length > 0
    ? ` Among them the slot(s) kept because writes arrived after a cutover marker and were never migrated: ${kept.join('; ')}; dropping them discards those changes' stream (the rows stay where they were written).`
    : '') + (keptUncounted.length > 0
    ? ` Among them the stream(s) kept, with no write counted after the marker, because one could still arrive: ${keptUncounted.join('; ')}.`
    : '');
  await confirmOrAbort(options, `End the migration in ${exportDir.root}? This drops Tandem's replication slots, publications and metadata from the databases and clears the export dir.${keptNote}`);
  // Also said when --yes answered the question (measured before: only "Dropped replication slot …"; the new-user run).
  if (kept.length > 0) env.reporter.warn(`dropping the stream(s) kept because writes arrived after a cutover marker and were never migrated: ${kept.join('; ')}. Their changes' stream is discarded; the rows stay where they were written.`);
  if (keptUncounted.length > 0) env.reporter.warn(`dropping the stream(s) kept, with no write counted after the cutover marker, because one could still arrive: ${keptUncounted.join('; ')}. "tandem compare" (before this) shows whether anything is missing.`);
  // Read once, before anything is removed: a rerun after a stop part-way, and the report after it,
  // use these (measured before: the source's counters, already removed, read as 0, and the rerun's
  // backup replaced the right report with that one; the new-user run).
  const counts = await readAppliedCounts(env, m);
  if (backupDir) {
    const dest = resolve(backupDir);
    try {
      writeFileSync(join(dest, BACKUP_OWNER_FILE), JSON.stringify({ migrationUuid: m.uuid, exportDir: exportDir.root, writtenAt: new Date().toISOString() }) + '\n');
      if (options.backupSchemaFiles) cpSync(exportDir.schemaDir, join(dest, 'schema'), { recursive: true });
      if (options.backupDataFiles) cpSync(exportDir.dataDir, join(dest, 'data'), { recursive: true });
      if (options.backupLogFiles) cpSync(exportDir.logsDir, join(dest, 'logs'), { recursive: true });
      if (options.saveMigrationReports) {
        mkdirSync(join(dest, 'reports'), { recursive: true });
        cpSync(exportDir.reportsDir, join(dest, 'reports'), { recursive: true });
        const rows = buildReport(meta, counts.applied);
        writeFileSync(join(dest, 'reports', 'data-migration-report.txt'), renderReport(rows, 'table') + '\n');
        writeFileSync(join(dest, 'reports', 'data-migration-report.json'), renderReport(rows, 'json') + '\n');
      }
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
      // Said as the backup dir's disk, not the export dir's (measured before: "the export dir's disk is full").
      throw new TandemError('TANDEM_DISK', `The --backup-dir ${dest} is full (${code}) while writing the backups: nothing was removed from the databases or the export dir.`, {
        hint: `Free space there or name another --backup-dir, then run end migration again (it writes the backups again).`, cause: e,
      });
    }
    reporter.print(`Backups written to ${dest}.`);
  }
  for (const { side, at } of sides) if (side === 'source') await restoreGuard(reporter, m, at);
  if (counts.failure === undefined) keepFinalCounts(m, counts.applied);
  for (const [i, { side, at }] of sides.entries()) {
    if (i > 0) failpoint('end.between-databases');
    await cleanDatabase(reporter, m, at, side);
  }
  meta.setStep('end_migration', 'DONE');
}

/**
 * `tandem end migration`: writes the backups asked for, then removes the migration's state from the
 * databases (change streams: replication slots and publications; metadata schemas) and clears the
 * export dir. It connects to both databases and writes the backups before removing anything, so a
 * wrong password or a failed backup leaves everything as it was.
 */
export async function runEndMigration(env: CommandEnv, options: EndMigrationOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false, lock: 'end-migration', allowEnded: true });
  const { meta, exportDir } = m;
  try {
    const backupDir = options.backupDir;
    if ([options.backupLogFiles, options.backupDataFiles, options.backupSchemaFiles, options.saveMigrationReports].some(Boolean) && !backupDir) {
      throw new TandemError('TANDEM_USAGE', '--backup-dir is required when a backup flag is true.');
    }
    if (backupDir) {
      const abs = resolve(backupDir);
      if (isInsideDir(exportDir.root, abs)) {
        throw new TandemError('TANDEM_USAGE', '--backup-dir must be outside the export dir, which end migration clears.');
      }
      checkBackupDir(abs);
      checkBackupDirFree(abs, m.uuid);
    }
    for (const [lock, name] of Object.entries(RUNNING_COMMANDS)) {
      const pid = CommandLock.holder(exportDir.metainfoDir, lock);
      if (pid) {
        throw new TandemError('TANDEM_LOCKED', `${name} is still running (pid ${pid}); stop it before ending the migration.`, {
          hint: `Stop it (Ctrl-C in its terminal, or kill ${pid}; what it applied stays applied), then run end migration again.`,
        });
      }
    }
    if (meta.getStep('end_migration').status === 'DONE') {
      // An earlier run wrote its backups and cleaned the databases, then stopped while it emptied the export dir.
      await confirmOrAbort(options, `Finish ending the migration in ${exportDir.root}? An earlier end migration wrote the backups it was asked for and cleaned the databases; this removes what is left of the export dir (backup flags given now are not used).`);
      reporter.print('An earlier end migration wrote the backups it was asked for and cleaned the databases; removing what is left of the export dir.');
      if (backupDir) reporter.warn(`nothing is backed up into ${resolve(backupDir)} now: the earlier run wrote the backups it was asked for before it cleaned anything.`);
    } else {
      await backUpAndClean(env, m, options);
    }
  } finally {
    m.close();
  }
  // metainfo/ last: a run killed before the end finds meta.db and finishes the job when run again.
  const names = readdirSync(exportDir.root).sort((a, b) => Number(a === 'metainfo') - Number(b === 'metainfo') || a.localeCompare(b));
  for (const name of names) {
    failpoint('end.before-removing');
    rmSync(join(exportDir.root, name), { recursive: true, force: true });
  }
  reporter.print(`Migration ended; ${exportDir.root} is now empty.`);
}
