import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExportDir } from '../core/export-dir.js';
import { MetaStore } from '../core/meta-store.js';
import { CommandLock } from '../core/lock.js';
import { log } from '../core/logger.js';
import { TandemError, damagedStateError } from '../core/errors.js';
import type { DbConfig } from '../core/db-config.js';
import type { Reporter } from '../core/reporter.js';
import type { PrerequisiteFinding, SourceCatalog } from '../core/engine/catalog.js';
import { resolveNameRefs, type NameFold } from '../core/identifier-list.js';
import type { SourceEngine, TargetEngine } from '../core/engine/engine.js';
import type { SequenceScope } from '../core/engine/sequences.js';
import { loadEngine, loadTargetEngine } from '../adapters/engines.js';
import type { CommandEnv } from './command-env.js';

/**
 * How a TANDEM_LOCKED message names the holder of the two locks whose command goes on as another
 * after a cutover prepared for fall-back (the others name their command).
 */
const LOCK_HOLDERS: Readonly<Record<string, string>> = {
  'export-data': '"export data from source" (or "import data to source", which it becomes after a cutover prepared for fall-back) is',
  'import-data': '"import data to target" (or "export data from target", which it becomes after a cutover prepared for fall-back) is',
};

/** An open export dir with its meta.db and, for long commands, the command's lock. */
export interface Migration {
  readonly exportDir: ExportDir;
  readonly meta: MetaStore;
  readonly uuid: string;
  close(): void;
}

/**
 * A meta.db of zero bytes beside exported data or schema files: its state was lost (a disk fault, a
 * file truncated by hand), and opening it would start a new migration over what is there (measured
 * before: status commands said NOT_STARTED; fix-verify-53). A zero-byte meta.db alone is a migration
 * that stopped as it was created, and opens as a new one.
 */
/**
 * Whether `dir` holds a file, in it or one level down. The layout's own directories (data/queue,
 * made with meta.db by the first command) are not exported files: counted as such, a command
 * started while another created meta.db (0 bytes for a moment) refused the export dir as damaged
 * (found by CI: import data started beside export data).
 */
function holdsFiles(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) return true;
    if (readdirSync(join(dir, e.name)).length > 0) return true;
  }
  return false;
}

function refuseEmptiedState(exportDir: ExportDir): void {
  let size: number;
  try {
    size = statSync(exportDir.metaDbPath).size;
  } catch {
    return;
  }
  if (size > 0 || !(holdsFiles(join(exportDir.root, 'data')) || holdsFiles(join(exportDir.root, 'schema')))) return;
  throw damagedStateError('it is empty (0 bytes) while the export dir holds exported files', ` (${exportDir.metaDbPath})`, undefined, true);
}

/**
 * Opens the export dir for a command. `create` allows initialising a new migration there (export
 * schema / export data); other commands refuse an export dir that Tandem has not set up, and one
 * whose migration has ended (`allowEnded`: end migration itself, finishing a run that stopped while
 * it emptied the dir).
 */
export function openMigration(env: CommandEnv, exportDirPath: string, opts: { create: boolean; lock?: string; allowEnded?: boolean }): Migration {
  const exportDir = new ExportDir(exportDirPath);
  refuseNonDirectory(exportDir);
  if (!exportDir.isInitialized()) {
    if (!opts.create) {
      // An empty one is also what end migration leaves (measured before: a rerun was told only to export first; the new-user run).
      const empty = existsSync(exportDir.root) && readdirSync(exportDir.root).length === 0;
      // Said for a new directory first (measured before: a new user who skipped export schema was
      // told about an ended migration first; the newuser-50 run).
      throw new TandemError('TANDEM_EXPORT_DIR', `${exportDir.root} is not a Tandem export dir (no metainfo/meta.db)${empty ? ': it is empty (a new directory, or one that "end migration" cleared when it ended its migration)' : ''}.`, {
        hint: empty
          ? 'Run "tandem export schema" or "tandem export data" with this --export-dir first. If "end migration" ran here, that migration has ended and nothing is left to do.'
          : 'Run "tandem export schema" or "tandem export data" with this --export-dir first.',
      });
    }
    refuseForeignContent(exportDir);
  }
  refuseEmptiedState(exportDir);
  exportDir.ensureLayout();
  const meta = MetaStore.open(exportDir.metaDbPath);
  if (meta.getStep('end_migration').status === 'DONE' && !opts.allowEnded) {
    meta.close();
    throw new TandemError('TANDEM_EXPORT_DIR', `The migration in ${exportDir.root} has ended.`, { hint: 'Start a new migration in a new export dir.' });
  }
  const lock = opts.lock ? new CommandLock(exportDir.metainfoDir, opts.lock, LOCK_HOLDERS[opts.lock]) : undefined;
  try {
    lock?.acquire();
  } catch (e) {
    meta.close();
    throw e;
  }
  log.open(exportDir.logsDir, env.commandName);
  const uuid = meta.migrationUuid();
  return {
    exportDir, meta, uuid,
    close() {
      lock?.release();
      meta.close();
    },
  };
}

/** A file, not a directory (measured before: an internal error with a stack, exit 70, in every command but the exports; the docs-claims-2 run). */
function refuseNonDirectory(exportDir: ExportDir): void {
  if (existsSync(exportDir.root) && !statSync(exportDir.root).isDirectory()) {
    throw new TandemError('TANDEM_EXPORT_DIR', `--export-dir ${exportDir.root} is not a directory.`, { hint: 'Name the migration\'s export dir (a directory), or create an empty one for a new migration.' });
  }
}

function refuseForeignContent(exportDir: ExportDir): void {
  if (exportDir.hasForeignContent()) {
    throw new TandemError('TANDEM_EXPORT_DIR', `${exportDir.root} already holds files that are not Tandem's.`, {
      hint: 'Use an empty directory as the export dir.',
    });
  }
}

/**
 * Before a new export dir is set up: the source's connection flags are complete (type, user,
 * database, the engine's own settings), so that a usage error leaves the directory as it was
 * (measured before: folders, meta.db and a log written, then "--source-db-user is required"; the
 * input-secrets run), and the source answers (one connection; the password is asked for first
 * where the command would ask). An export dir already set up remembers the source, and is checked
 * by the command itself.
 */
export async function checkNewSourceFlags(env: CommandEnv, exportDirPath: string): Promise<void> {
  const exportDir = new ExportDir(exportDirPath);
  if (exportDir.isInitialized()) return;
  const db = await env.resolveDb(undefined, 'source', { prompt: false });
  const engine = await loadEngine(db.type);
  engine.checkConfig?.(db);
  // What openMigration would refuse in the directory is said before anything connects.
  refuseNonDirectory(exportDir);
  refuseForeignContent(exportDir);
  exportDir.checkUsable();
  // A wrong host, port, database or password is said before the directory is set up too (measured
  // before: the export dir was set up, then the connection failed; fix-verify-47). The password is
  // asked for here where the command would ask for it (a terminal, no --yes), once: the command
  // reuses the answer (measured before: asked after the dir was set up; fix-verify-48b).
  await engine.describeServer(db.password === undefined ? await env.resolveDb(undefined, 'source') : db);
}

/** One database of the migration: its resolved connection and its engine (from the registry). */
export interface Side<E extends SourceEngine = SourceEngine> {
  readonly db: DbConfig;
  readonly engine: E;
}

/**
 * The source's connection (see `CommandEnv.resolveDb`) and engine; an engine Tandem cannot migrate
 * yet is refused here, and the engine's own settings are checked before anything connects.
 */
export async function sourceSide(env: CommandEnv, meta: MetaStore, options?: { prompt?: boolean }): Promise<Side> {
  const db = await env.resolveDb(meta, 'source', options);
  const engine = await loadEngine(db.type);
  engine.checkConfig?.(db);
  return { db, engine };
}

/** The target's connection and engine (YugabyteDB or PostgreSQL), with the roles only a target plays. */
export async function targetSide(env: CommandEnv, meta: MetaStore | undefined, options?: { prompt?: boolean }): Promise<Side<TargetEngine>> {
  const db = await env.resolveDb(meta, 'target', options);
  if (meta) await checkTargetSchemaFlag(meta, db);
  return { db, engine: await loadTargetEngine(db.type) };
}

/**
 * `--target-db-schema` may only repeat the one schema the source's tables have on the target: the
 * exported DDL and every change event name it, so another name would be silently ignored. Refused
 * before anything connects, for every command that takes the flag.
 */
export async function checkTargetSchemaFlag(meta: MetaStore, target: DbConfig): Promise<void> {
  if (!target.schemaRefs) return;
  const source = meta.getDbConfig('source');
  if (!source) return;
  const engine = await loadEngine(source.type);
  const onTarget = engine.targetSchemas(source);
  const given = target.schemas;
  if (given.length === 1 && onTarget.length === 1 && given[0] === onTarget[0]) return;
  const named = given.join(', ');
  if (!engine.capabilities.namesTargetSchema) {
    throw new TandemError('TANDEM_USAGE', `--target-db-schema ${named}: a ${engine.displayName} source keeps its schema names (${onTarget.join(', ')}) on the target.`, {
      hint: 'Leave --target-db-schema out (it is for single-schema Oracle and MySQL sources).',
    });
  }
  throw new TandemError('TANDEM_USAGE', `--target-db-schema ${named}: this migration's tables are in the target schema ${onTarget.join(', ')} (chosen by export schema), so the flag would be ignored.`, {
    hint: engine.type === 'mysql'
      ? meta.getStep('export_data').status === 'NOT_STARTED'
        ? `Leave --target-db-schema out, or export the schema again into that schema: tandem export schema --start-clean true --source-db-schema ${named} …`
        : `Leave --target-db-schema out: the data export has begun, so the target schema can change only in a new migration (a new export dir, exported with --source-db-schema ${named}).`
      : `Leave --target-db-schema out, or give --target-db-schema ${onTarget[0]}: the converter names the ${engine.displayName} schema on the target.`,
  });
}

/** Refuses a connection that differs from the one this export dir was started with. */
export function checkSameDatabase(meta: MetaStore, config: DbConfig): void {
  const stored = meta.getDbConfig(config.role);
  if (!stored) return;
  const differs = (['host', 'port', 'database'] as const).filter((k) => String(stored[k]) !== String(config[k]));
  if (differs.length > 0) {
    throw new TandemError('TANDEM_EXPORT_DIR',
      `This export dir belongs to a migration of ${config.role} ${stored.host}:${stored.port}/${stored.database}, not ${config.host}:${config.port}/${config.database}.`,
      { hint: 'Use the export dir of this database, or a new empty export dir for a new migration.' });
  }
}

/**
 * meta.db key: the warnings (message and fix, {@link findingWarning}) of the source's findings that
 * matter for a fall-back (`PrerequisiteFinding.fallBack`), recorded by `export data` for `initiate
 * cutover to target`.
 */
export const FALL_BACK_WARNINGS_KEY = 'fall_back_warnings';

/**
 * meta.db key: whether the target's user may stream the target's changes (a fall-back's stream), as
 * import data last found when it started (`TargetDatabase.mayStreamChanges`).
 */
export const TARGET_MAY_STREAM_KEY = 'target_may_stream_changes';

/** What import data found would keep the target from streaming (its warnings), when it may not. */
export const TARGET_STREAM_PROBLEMS_KEY = 'target_stream_problems';

/**
 * A warning's text: its message, then its fix (a GRANT, a setting), which is what the user acts on
 * now. The message itself never repeats the fix: it would be printed twice.
 */
export function findingWarning(f: PrerequisiteFinding): string {
  return f.fix ? `${f.message} Fix: ${f.fix}` : f.message;
}

/** Prints the warnings among `findings` and stops at the first error (its code, message and fix). */
export function reportFindings(findings: readonly PrerequisiteFinding[], reporter: Reporter, rerun?: string): void {
  for (const f of findings) if (f.severity === 'warning') reporter.warn(findingWarning(f));
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  const withRerun = (fix: string): string | undefined => (fix ? [fix, rerun].filter((x) => x).join(' ') : undefined);
  if (errors.length === 1) {
    const hint = withRerun(errors[0].fix);
    throw new TandemError(errors[0].code, errors[0].message, hint ? { hint } : undefined);
  }
  // Every error at once: fixing one per run, with a rerun between, is what the user would do otherwise.
  const fixes = errors.filter((f) => f.fix);
  throw new TandemError(errors[0].code,
    `${errors.length} problems, each to fix before rerunning: ${errors.map((f, i) => `(${i + 1}) ${f.message}`).join(' ')}`,
    fixes.length > 0 ? { hint: withRerun(errors.map((f, i) => (f.fix ? `(${i + 1}) ${f.fix}` : '')).filter((x) => x).join(' ')) } : undefined);
}

/**
 * The migrated tables, as the snapshot recorded them: the counters a cutover reads and sets are
 * theirs (an engine whose counters belong to tables leaves the others alone).
 */
export function migratedSequenceScope(meta: MetaStore): SequenceScope {
  return { tables: meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName })) };
}

/** The schemas of the migrated tables, as the snapshot recorded them. */
export function migratedSchemas(meta: MetaStore): string[] {
  return [...new Set(meta.snapshotTables().map((t) => t.schemaName))];
}

/**
 * The source's `--source-db-schema` as the catalog spells it: names typed in this command are
 * resolved the way YugabyteDB Voyager takes them (an unquoted name exactly as typed first, then
 * folded to lower case; a quoted one only as quoted; a real ambiguity refused, naming the
 * candidates). Names from meta.db were resolved when stored and are kept.
 */
export async function resolveTypedSchemas(catalog: SourceCatalog, db: DbConfig, fold: NameFold = 'lower'): Promise<DbConfig> {
  if (!db.schemaRefs) return db;
  const schemas = resolveNameRefs(db.schemaRefs, await catalog.listSchemas(), { flag: `--${db.role}-db-schema`, kind: 'schema', code: 'TANDEM_UNKNOWN_SCHEMA', fold });
  return { ...db, schemas };
}
