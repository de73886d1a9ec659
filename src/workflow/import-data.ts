import { cappedSequenceWarning } from '../core/engine/sequences.js';
import { quoteIdent } from '../core/sql-names.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { ProgressBoard } from '../core/progress.js';
import { describeDb, toStored, type DbConfig } from '../core/db-config.js';
import { mergeIndexedBatches, planCopyBatches, SNAPSHOT_FILE_LAYOUT } from '../core/copy-batch-planner.js';
import type { MetaStore, SnapshotTableRow } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';
import type { TargetEngine } from '../core/engine/engine.js';
import { assignConnections, type SnapshotBatch, type SnapshotLoader, type TargetDatabase, type TargetNode } from '../core/engine/target.js';
import { CommandLock } from '../core/lock.js';
import { ExportDir } from '../core/export-dir.js';
import type { CommandEnv } from './command-env.js';
import { waitUntilReachable } from './wait-reachable.js';
import { checkSameDatabase, openMigration, reportFindings, TARGET_MAY_STREAM_KEY, TARGET_STREAM_PROBLEMS_KEY, targetSide, type Migration, type Side } from './migration-context.js';
import { filterTables } from './table-filter.js';
import { renderTable } from './text-table.js';
import { sleep } from '../core/sleep.js';
import { describeBudget, reconnectBudgetMs, reconnectDelayMs } from '../core/reconnect-budget.js';
import { failpoint } from '../core/failpoint.js';
import { DEFAULT_PARALLEL_JOBS, ThroughputTuner, chooseImportJobs, clientCores } from '../core/parallelism.js';
import { readTableIndexes, type TableIndexStatement } from './schema/schema-statements-reader.js';
import { INDEXES_BUILT_BY_IMPORT, INDEXES_STARTED_BY_IMPORT, SnapshotIndexBuilds } from './snapshot-index-builds.js';
import { TargetLoadWatch } from './target-load-watch.js';
import { reportBrokenForeignKeys } from './foreign-key-report.js';
import { segmentBytesFromEnv } from './cdc/queue-segment-size.js';
import { QueueConsumers } from '../core/queue/queue-consumers.js';
import { CutoverState } from './cutover/cutover-state.js';
import { SNAPSHOT_COLUMN_TYPES_KEY, SNAPSHOT_GENERATED_COLUMNS_KEY } from './cdc/schema-drift.js';

/** Options of `tandem import data [to target]`. */
export interface ImportDataOptions {
  readonly exportDir: string;
  /**
   * `--parallel-jobs`: loading connections; then the channels of the change import and the
   * verification's connections. Undefined (not given): the loading connections are chosen from
   * this machine's cores and the target's nodes and tuned while loading (`ThroughputTuner`); the
   * channels and the verification use DEFAULT_PARALLEL_JOBS.
   */
  readonly parallelJobs?: number;
  /** `--batch-size`: rows per snapshot batch (the first run's size is kept). */
  readonly batchSize: number;
  /** Whether `--batch-size` was given (a differing size of an earlier run is then worth a warning). */
  readonly batchSizeGiven: boolean;
  /** `--wait-for-export`: seconds to wait for the export to start. */
  readonly waitForExport: number;
  /** `--build-indexes`: build each table's secondary indexes as soon as it is loaded (`SnapshotIndexBuilds`). */
  readonly buildIndexes: boolean;
  /** `--table-list` / `--exclude-table-list`, in their flag syntax. */
  readonly tableList?: string;
  readonly excludeTableList?: string;
}

/** How long a paused or idle loading worker waits before looking again. */
const WORKER_PAUSE_MS = 20;

/** The loading connections: at most `max`, as many as the tuner lets work at a time. */
interface LoadingJobs {
  readonly max: number;
  readonly tuner: ThroughputTuner;
  /** Chosen by Tandem (no --parallel-jobs): the tuner may change it, also from the target's own load. */
  readonly adaptive: boolean;
}

/** `--parallel-jobs` fixes the loading connections; without it they are chosen and tuned. */
function loadingJobs(given: number | undefined, targetNodes: number): LoadingJobs {
  if (given !== undefined) return { max: given, tuner: new ThroughputTuner({ initial: given, min: given, max: given }), adaptive: false };
  const chosen = chooseImportJobs({ clientCores: clientCores(), targetNodes });
  return { max: chosen.max, tuner: new ThroughputTuner({ initial: chosen.initial, max: chosen.max }), adaptive: true };
}

/** How often an import that follows a running export looks for newly finished files (a meta.db read). */
const FOLLOW_POLL_MS = 50;

/** How often an import looks whether the export it waits for has started. */
const START_POLL_MS = 250;

/**
 * The wait of an import started before `export data` (two terminals, a script): it says so once and
 * gives up after `--wait-for-export` seconds, counted from the start of the command.
 */
class ExportStartWait {
  private readonly deadline: number;
  private announced = false;
  /** When an offline export was found stopped before it finished (undefined while one runs). */
  private stoppedSince: number | undefined;
  private rerunAnnounced = false;

  constructor(private readonly env: CommandEnv, private readonly seconds: number) {
    this.deadline = Date.now() + seconds * 1000;
  }

  /** Waits a moment more for the export to start; throws once the time limit has passed. */
  async moment(): Promise<void> {
    const exporter = this.env.commandName === 'import data to target' ? 'export data from source' : 'export data';
    if (Date.now() >= this.deadline) {
      throw new TandemError('TANDEM_EXPORT_DIR', `"${exporter}" did not start in this export dir within ${this.seconds} s, so there is no exported data to import.`, {
        hint: `Start "tandem ${exporter}" with this --export-dir (before or alongside this import), or let the import wait longer with --wait-for-export <seconds>.`,
      });
    }
    if (!this.announced) this.env.reporter.print(`Waiting for "${exporter}" to start in this export dir… (up to ${this.seconds} s, see --wait-for-export; Ctrl-C to stop)`);
    this.announced = true;
    await sleep(START_POLL_MS);
  }

  /**
   * An offline export that stopped before it finished (interrupted, or failed): waits a moment for
   * it to be run again, up to the same time limit counted from when it was found stopped, as a live
   * import waits for its exporter (measured before: the import exited at once, although the README
   * says it waits for the export; the new-user run). Throws once the limit has passed.
   */
  async rerun(status: string): Promise<void> {
    this.stoppedSince ??= Date.now();
    if (Date.now() - this.stoppedSince >= this.seconds * 1000) {
      throw new TandemError('TANDEM_EXPORT_DIR', `The data export stopped before it finished (its step is ${status}, and no "export data" has run in this export dir for ${this.seconds} s).`, {
        hint: 'Rerun "tandem export data" with this --export-dir, then "tandem import data": the import reloads the tables from the new snapshot (--wait-for-export <seconds> lets an import wait longer).',
      });
    }
    if (!this.rerunAnnounced) this.env.reporter.print(`"export data" stopped before it finished; waiting for it to be run again in this export dir (up to ${this.seconds} s, see --wait-for-export; Ctrl-C to stop): this import then follows the new snapshot…`);
    this.rerunAnnounced = true;
    await sleep(START_POLL_MS);
  }

  /** The export runs (again). */
  running(): void {
    this.stoppedSince = undefined;
  }
}

/**
 * Waits until the exporter has set up an existing, empty export dir. The import leaves setting it up
 * to the exporter, so a mistyped --export-dir stays as it was when the wait gives up.
 */
async function waitForExportDir(dir: ExportDir, wait: ExportStartWait): Promise<void> {
  while (awaitsExporter(dir)) await wait.moment();
}

/** An existing, empty export dir that the exporter has not set up yet (the import waits for it). */
function awaitsExporter(dir: ExportDir): boolean {
  return !dir.isInitialized() && existsSync(dir.root) && statSync(dir.root).isDirectory() && !dir.hasForeignContent();
}

/**
 * Connects to the target and reads what `import data` reads first, changing nothing: an import
 * about to wait for its export says at once that the target cannot be reached (a wrong host, port,
 * user or password), not after the export has started, or after `--wait-for-export` has run out.
 */
async function checkTargetReachable(env: CommandEnv, target: Side<TargetEngine>): Promise<void> {
  const db = target.engine.targetDatabase(target.db, (m) => env.reporter.warn(m));
  try {
    await db.inspect();
  } finally {
    await db.close();
  }
}

/**
 * What a live migration needs of the target beyond the load (`TargetDatabase.checkLiveImport`),
 * checked once per run before anything is written: what would stop the change import is refused,
 * what would stop only a cutover prepared for fall-back (found out while the application is
 * stopped) is a warning now.
 */
async function checkLiveTarget(env: CommandEnv, meta: MetaStore, target: Side<TargetEngine>): Promise<TandemError | undefined> {
  const db = target.engine.targetDatabase(target.db, (m) => env.reporter.warn(m));
  try {
    const tables = meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }));
    const warnings = await db.checkLiveImport?.(tables) ?? [];
    for (const w of warnings) env.reporter.warn(w);
    // For initiate cutover to target --prepare-for-fall-back true, which has no connection of its own to ask.
    if (db.streamProblems) {
      const problems = await db.streamProblems(tables);
      meta.setValue(TARGET_MAY_STREAM_KEY, problems.length === 0);
      meta.setValue(TARGET_STREAM_PROBLEMS_KEY, problems);
    }
    return undefined;
  } catch (e) {
    // A privilege refusal is named with the snapshot's own checks, in one error (`checkTarget`).
    if (e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE') return e;
    throw e;
  } finally {
    await db.close();
  }
}

/**
 * Waits until the exporter has registered its tables: up to the time limit for an export that has
 * not started, as long as it runs for one that has. Then the import follows the export, loading
 * each file as soon as it is complete.
 */
async function waitForExport(reporter: Reporter, meta: MetaStore, metainfoDir: string, wait: ExportStartWait): Promise<void> {
  let announced = false;
  for (;;) {
    // Look at the lock first, then the status: an exporter that finishes between the two reads has
    // set DONE before it let go of its lock.
    const running = CommandLock.holder(metainfoDir, 'export-data') !== undefined;
    const status = meta.getStep('export_data').status;
    if (running) wait.running();
    if (status === 'DONE' || (status === 'IN_PROGRESS' && running)) return;
    if (!running && status === 'NOT_STARTED') {
      await wait.moment();
      continue;
    }
    if (!running && isLiveExport(meta)) {
      // A live exporter that died during its snapshot starts over when restarted; this import follows.
      if (!announced) reporter.print('"export data from source" stopped before its snapshot was complete; waiting for it to be restarted (this import then follows the new snapshot)… (Ctrl-C to stop)');
      announced = true;
      await sleep(1000);
      continue;
    }
    if (!running) {
      await wait.rerun(status);
      continue;
    }
    await sleep(FOLLOW_POLL_MS); // the exporter holds its lock but is still checking the source
  }
}

function isLiveExport(meta: MetaStore): boolean {
  const t = meta.getValue<string>('export_type');
  return t === 'snapshot-and-changes' || t === 'changes-only';
}

/** The exporter started a new snapshot while this import was loading the old one. */
class SnapshotChanged extends Error {}

/** `tandem import data [to target]`: loads the snapshot in resumable, exactly-once batches. */
export async function runImportData(env: CommandEnv, options: ImportDataOptions): Promise<void> {
  segmentBytesFromEnv(); // streams after a cutover prepared for fall-back: a bad test knob is refused first
  // The import may start before the exporter, even before it has set up the export dir.
  const wait = new ExportStartWait(env, options.waitForExport);
  const dir = new ExportDir(options.exportDir);
  // Nothing in the export dir remembers a target yet: the flags say all there is to know about it.
  let target: Side<TargetEngine> | undefined;
  if (awaitsExporter(dir)) {
    target = await targetSide(env, undefined);
    await checkTargetReachable(env, target);
  }
  await waitForExportDir(dir, wait);
  const migration = openMigration(env, options.exportDir, { create: false, lock: 'import-data' });
  try {
    const liveChecked = { done: false };
    for (;;) {
      try {
        target = await importSnapshot(env, migration, wait, options, target, liveChecked);
        break;
      } catch (e) {
        if (!(e instanceof SnapshotChanged)) throw e;
        env.reporter.print('The export started over with a new snapshot; the import follows it and reloads.');
      }
    }
    const exportType = migration.meta.getValue<string>('export_type');
    if (exportType === 'snapshot-and-changes' || exportType === 'changes-only') {
      const { importChangesToTarget } = await import('./cdc/target-change-importer.js');
      await importChangesToTarget(env, migration, target, { parallelJobs: options.parallelJobs ?? DEFAULT_PARALLEL_JOBS, parallelJobsGiven: options.parallelJobs !== undefined });
    }
  } catch (e) {
    if (migration.meta.getStep('import_data').status === 'IN_PROGRESS') migration.meta.setStep('import_data', 'FAILED');
    throw e;
  } finally {
    migration.close();
  }
}

/** Loads the snapshot (or sees that it is loaded) and returns the target it was loaded into. */
async function importSnapshot(env: CommandEnv, migration: Migration, wait: ExportStartWait, options: ImportDataOptions,
  resolved: Side<TargetEngine> | undefined, liveChecked: { done: boolean }): Promise<Side<TargetEngine>> {
  const { reporter } = env;
  const { meta, exportDir, uuid } = migration;
  const target = resolved ?? await targetSide(env, meta);
  checkSameDatabase(meta, target.db);
  // A restart (after a crash, or by a process manager) waits for a target it reached before, as a
  // running importer does, instead of exiting at once while the server restarts (the kill-mysql-51
  // run: 11 exits in 18 s, each pointing at --target-db-host and --target-db-port).
  if (!resolved && meta.getStep('import_data').status !== 'NOT_STARTED' && meta.getDbConfig('target')) await waitUntilReachable(reporter, target);
  if (!resolved && meta.getStep('export_data').status !== 'DONE') await checkTargetReachable(env, target);
  await waitForExport(reporter, meta, exportDir.metainfoDir, wait);
  checkSnapshotLayout(meta);
  if (isLiveExport(meta) && (options.tableList !== undefined || options.excludeTableList !== undefined)) {
    // The change stream carries every exported table's changes: a table left out here would get
    // them without its snapshot (inserts applied to an empty table, its updates stopping the import).
    throw new TandemError('TANDEM_USAGE', `--${options.tableList !== undefined ? 'table-list' : 'exclude-table-list'} cannot narrow the import of a live migration (export type ${meta.getValue<string>('export_type')}): the change stream carries the changes of every exported table, which need their snapshot on the target. Nothing was changed.`,
      { hint: 'Rerun the same import data command without it. To migrate fewer tables, choose them when exporting (export data --table-list / --exclude-table-list), in a new export dir.' });
  }
  let liveRefusal: TandemError | undefined;
  if (isLiveExport(meta) && !liveChecked.done) {
    liveRefusal = await checkLiveTarget(env, meta, target);
    liveChecked.done = true;
  }
  let tables: LoadTable[] = filterTables(meta.snapshotTables().map((t) => ({ ...t, schema: t.schemaName, name: t.tableName })), options.tableList, options.excludeTableList);
  // Done only for the tables an earlier run loaded (a run with --table-list loads only those): one
  // that names others loads them (measured before: "already imported", with a table left empty).
  const snapshotDone = meta.getValue<string>('imported_snapshot_id');
  const doneTables = meta.getValue<string[]>('imported_snapshot_tables'); // absent: an export dir of an earlier version, whose runs loaded every table
  if (meta.getStep('import_data').status === 'DONE' && snapshotDone !== undefined && snapshotDone === meta.getValue<string>('snapshot_id')
    && (doneTables === undefined || tables.every((t) => doneTables.includes(t.tableKey)))) {
    if (liveRefusal) throw liveRefusal;
    // meta.db's record is a copy: the target's is the truth. A target recreated or restored since
    // lacks batches meta.db marks loaded: the load below follows the target's record (measured
    // before: "already imported" and exit 0 over a recreated, empty target; the docs-claims run).
    const missing = await batchesMissingOnTarget(target, meta, uuid, snapshotDone, tables.map((t) => t.tableKey));
    // Once changes were applied, a snapshot loaded again would lack them: the change import refuses
    // such a target (TANDEM_DATA, nothing applied) instead.
    const changesApplied = (QueueConsumers.appliedVsn(meta, 'target') ?? 0) > 0;
    if (missing === 0 || changesApplied) {
      reporter.print('The snapshot is already imported.');
      if (isLiveExport(meta) && !cutoverMarkerApplied(meta)) await recheckStreamingTarget(reporter, target, meta, tables);
      return target;
    }
    reporter.warn(`meta.db records the snapshot as imported, but the target ${describeDb(target.db)} has no record of ${missing} of its loaded batches (the database was recreated, or restored from a backup, since): loading what the target lacks; a table that holds rows without their record is refused below.`);
  }
  const requested = options.batchSize;
  const batchSize = meta.getValue<number>('import_batch_size') ?? requested;
  if (batchSize !== requested && options.batchSizeGiven) {
    reporter.warn(`this import started with --batch-size ${batchSize}; it keeps that size so resumed batches line up.`);
  }
  const snapshotId = meta.getValue<string>('snapshot_id') ?? 'initial';

  const db = target.engine.targetDatabase(target.db, (m) => reporter.warn(m));
  let nodes: readonly TargetNode[] = [];
  let loaded: Set<string>;
  try {
    const inspected = await db.inspect();
    for (const w of inspected.warnings) reporter.warn(w);
    nodes = inspected.nodes;
    const previous = await db.loadedSnapshot(uuid);
    loaded = previous?.snapshotId === snapshotId ? await db.importedBatchKeys(uuid) : new Set();
    const startedTables = new Set(previous?.tables ?? []);
    // changes-only: the rows are already on the target (loaded some other way), so no emptiness check.
    const changesOnly = meta.getValue<string>('export_type') === 'changes-only';
    const freshTables = new Set(changesOnly ? [] : tables.map((t) => t.tableKey).filter((k) => !startedTables.has(k)));
    // Tables an earlier run of this snapshot loaded whole (with --table-list) have nothing left to load in binary form.
    const loadedWhole = new Set(snapshotDone === snapshotId ? doneTables ?? [] : []);
    const staged = await checkTarget(reporter, db, target.db, meta, tables, freshTables, loadedWhole, liveRefusal);
    tables = tables.map((t) => staged.has(t.tableKey) ? { ...t, stagedTypes: staged.get(t.tableKey) } : t);
    // Checks passed: from here on the target changes.
    if (previous && previous.snapshotId !== snapshotId && previous.tables.length > 0) {
      // A table the new snapshot no longer exports (a restart with another --table-list) is emptied, not reloaded (measured before: "reloading" it; the crash-resume run).
      const exported = new Set(tables.map((t) => t.tableKey));
      const reloaded = previous.tables.filter((t) => exported.has(t));
      const dropped = previous.tables.filter((t) => !exported.has(t));
      reporter.print(`The export was restarted with a new snapshot: ${[
        reloaded.length > 0 ? `reloading ${reloaded.length} table(s) loaded from the old one (${reloaded.join(', ')})` : '',
        dropped.length > 0 ? `emptying ${dropped.length} table(s) loaded from the old one that the new snapshot does not export (${dropped.join(', ')})` : '',
      ].filter((x) => x).join('; ')}.`);
    }
    await db.startSnapshot(uuid, snapshotId, previous?.snapshotId !== snapshotId ? previous?.tables ?? [] : []);
  } finally {
    await db.close();
  }

  meta.setDbConfig('target', toStored(target.db));
  meta.setValue('import_batch_size', batchSize);
  meta.setStep('import_data', 'IN_PROGRESS', { startedAt: new Date().toISOString() });
  const jobs = loadingJobs(options.parallelJobs, nodes.length);
  const howMany = options.parallelJobs !== undefined
    ? `${jobs.max} parallel jobs`
    : jobs.max > jobs.tuner.active
      ? `${jobs.tuner.active} parallel jobs to start with, tuned up to ${jobs.max} from the measured rows/s (${clientCores()} cores here)`
      : `${jobs.max} parallel jobs: one per core here, fewer if the target pushes back; set --parallel-jobs to choose`;
  reporter.print(`Importing ${tables.length} tables into ${describeDb(target.db)} (batch size ${batchSize}, ${howMany}${nodes.length ? ` over ${nodes.length} YugabyteDB nodes` : ''})`);
  if (meta.getStep('export_data').status !== 'DONE') reporter.print('The export is still running: each file is loaded as soon as it is complete.');
  log.info(`import data into ${describeDb(target.db)}: snapshot ${snapshotId}, ${loaded.size} batches already loaded`);

  const indexes = await planIndexBuilds(reporter, migration, tables, options.buildIndexes);
  const openSession = () => target.engine.targetDatabase(target.db, (m) => reporter.warn(m));
  const rows = await loadFollowingExport(reporter, { db, target: target.db, nodes, jobs, tables, batchSize, loaded, meta, uuid, dataDir: exportDir.dataDir, metainfoDir: exportDir.metainfoDir, snapshotId, indexes, openSession, wait });

  // Read before the transaction: a read inside it would make its first write an upgrade, which
  // SQLite refuses at once (database is locked) when the exporter committed meanwhile. This
  // process holds the import's lock, so nothing else writes these keys.
  const earlier = meta.getValue<string>('imported_snapshot_id') === snapshotId ? meta.getValue<string[]>('imported_snapshot_tables') ?? [] : [];
  const importedTables = [...new Set([...earlier, ...tables.map((t) => t.tableKey)])].sort();
  // After --table-list / --exclude-table-list, the exported tables no run has loaded yet: the
  // import is not done (measured before: "complete" and DONE with a table left unloaded).
  const notLoaded = meta.snapshotTables().map((t) => t.tableKey).filter((k) => !importedTables.includes(k));
  try {
    const restored = await db.setSnapshotSequences(meta.sequenceValues());
    if (restored.length > 0) reporter.print(`Restored ${restored.length} sequence value(s) from the source.`);
    for (const r of restored.filter((x) => x.cappedFrom !== undefined)) reporter.warn(cappedSequenceWarning(r));
    if (notLoaded.length === 0) await reportBrokenForeignKeys(reporter, meta, db, meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName })));
  } finally {
    await db.close();
  }
  meta.db.transaction(() => {
    meta.setValue('imported_snapshot_tables', importedTables);
    meta.setValue('imported_snapshot_id', snapshotId);
    if (notLoaded.length === 0) meta.setStep('import_data', 'DONE', { finishedAt: new Date().toISOString() });
  })();
  reporter.print('');
  reporter.print(renderTable(['TABLE', 'ROWS IMPORTED'], tables.map((t) => [t.tableKey, String(rows.get(t.tableKey) ?? 0)])));
  if (indexes && (indexes.built || indexes.failed)) {
    reporter.print(`Built ${indexes.built} secondary index(es) as their tables finished loading${indexes.failed ? `; ${indexes.failed} could not be built now and are left for "import schema --post-snapshot-import" (see the log)` : ''}.`);
  }
  if (notLoaded.length > 0) {
    reporter.print(`Imported the ${tables.length} table(s) asked for; ${notLoaded.length} exported table(s) are not loaded yet: ${notLoaded.join(', ')}. `
      + 'Run import data again without --table-list / --exclude-table-list (or naming them) to load them; the snapshot import is not complete until then.');
    return target;
  }
  reporter.print('Import of the snapshot is complete. Next: tandem import schema --post-snapshot-import true, then tandem get data-migration-report.');
  return target;
}

/** The cutover to target's marker is applied: no change is left to stream into the target. */
function cutoverMarkerApplied(meta: MetaStore): boolean {
  const marker = CutoverState.get(meta, 'to_target').markerVsn;
  return marker !== undefined && (QueueConsumers.appliedVsn(meta, 'target') ?? 0) >= marker;
}

/**
 * A restarted import whose snapshot is loaded checks the target's tables again before it streams:
 * they may have changed while it was stopped (measured before: a generated column made ordinary
 * on the target mid-stream held NULL in every row streamed after, found only by the cutover's
 * verification as differing values, without the cause). Only what would lose values silently is
 * refused (`checkTarget`'s `streaming`).
 */
async function recheckStreamingTarget(reporter: Reporter, target: Side<TargetEngine>, meta: MetaStore, tables: LoadTable[]): Promise<void> {
  const db = target.engine.targetDatabase(target.db, (m) => reporter.warn(m));
  try {
    await checkTarget(reporter, db, target.db, meta, tables, new Set(), new Set(tables.map((t) => t.tableKey)), undefined, true);
  } finally {
    await db.close();
  }
}

/**
 * Checks the target before anything is written; returns the tables to load through a staging table
 * of the source's column types (by table key: those types), see `TargetTableCheck.castWhileLoading`.
 */
async function checkTarget(reporter: Reporter, db: TargetDatabase, target: DbConfig, meta: MetaStore, tables: LoadTable[], freshTables: Set<string>,
  loadedWhole: ReadonlySet<string>, liveRefusal: TandemError | undefined, streaming = false): Promise<Map<string, readonly string[]>> {
  const sourceTypes = meta.getValue<Record<string, readonly string[]>>(SNAPSHOT_COLUMN_TYPES_KEY) ?? {};
  const generated = meta.getValue<Record<string, readonly string[]>>(SNAPSHOT_GENERATED_COLUMNS_KEY) ?? {};
  const check = await db.checkTables(tables.map((t) => ({
    schema: t.schemaName, name: t.tableName, columns: t.columns, binaryTypes: t.format === 'binary' && !loadedWhole.has(t.tableKey) ? sourceTypes[t.tableKey] : undefined,
    ...(generated[t.tableKey] ? { generatedOnSource: generated[t.tableKey] } : {}),
  })), freshTables, isLiveExport(meta));
  // Every problem is collected and named in one error (measured before: one per run, three reruns
  // for a new user's grants); the live import's refusal (session_replication_role) comes first, and
  // makes the loading one, fixed by the same GRANT, needless to repeat.
  const problems: TandemError[] = liveRefusal ? [liveRefusal] : [];
  /** The problems that would lose values without a word (the others stop the import at the first change they touch). */
  const silentLoss = new Set<TandemError>();
  const silently = (e: TandemError) => {
    silentLoss.add(e);
    return e;
  };
  problems.push(...(check.refusals ?? []).filter((r) => !(liveRefusal && r.replicaRole)).map((r) => r.error));
  if (check.missingTables.length) {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `Table(s) missing on the target ${describeDb(target)}: ${check.missingTables.join(', ')}.`, {
      hint: 'Run "tandem import schema" first (or create the tables), then rerun import data.',
    }));
  }
  if (check.missingColumns.length) {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `Target tables lack exported columns: ${check.missingColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}.`, {
      hint: 'Make the target tables match the exported schema (see schema/tables) and rerun.',
    }));
  }
  if (check.plainGeneratedColumns?.length) {
    const first = check.plainGeneratedColumns[0]!;
    const dot = first.table.indexOf('.');
    const name = `${quoteIdent(first.table.slice(0, dot))}.${quoteIdent(first.table.slice(dot + 1))}`;
    problems.push(silently(new TandemError('TANDEM_PREREQUISITE', `Columns generated on the source are ordinary columns on the target: ${check.plainGeneratedColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}. `
      + 'The snapshot and the change stream leave a generated column\'s values out (the target is to compute them), so every migrated row would hold NULL (or the column\'s default) there. Nothing was written.', {
      hint: `Give each its generation expression back on the target (ALTER TABLE ${name} DROP COLUMN ${quoteIdent(first.columns[0]!)}, ADD COLUMN ${quoteIdent(first.columns[0]!)} <type> GENERATED ALWAYS AS (<expression>) STORED; as in the export dir's schema/tables; YugabyteDB 2025.1 or later), `
        + 'or drop the column on the target and compute it where it is read (a view, the application); then rerun import data.',
    })));
  }
  if (check.generatedExportedColumns?.length) {
    const first = check.generatedExportedColumns[0]!;
    const dot = first.table.indexOf('.');
    const name = `${quoteIdent(first.table.slice(0, dot))}.${quoteIdent(first.table.slice(dot + 1))}`;
    problems.push(new TandemError('TANDEM_PREREQUISITE', `Columns the source exports are generated on the target: ${check.generatedExportedColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}. `
      + 'A generated column takes no value, so every row of the snapshot and every change would be refused there. Nothing was written.', {
      hint: `Make each an ordinary column on the target, as on the source (ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(first.columns[0]!)} DROP EXPRESSION;), or generate it on the source too; then rerun import data.`,
    }));
  }
  if (check.requiredExtraColumns?.length) {
    problems.push(new TandemError('TANDEM_PREREQUISITE', `Target tables have columns that refuse NULL (NOT NULL, or of a NOT NULL domain) and have no default, which the source does not export: ${check.requiredExtraColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}. Loading or streaming rows into them would fail (or, for a NOT NULL domain, COPY would load the NULL the domain forbids).`, {
      hint: `Give each a default (${check.requiredExtraColumns[0]!.setDefault}), let it take NULL (… DROP NOT NULL, or a type other than the domain) or drop it, then rerun import data.`,
    }));
  }
  const retypedList = (m: { table: string; columns: { column: string; source: string; target: string }[] }) =>
    `${m.table} (${m.columns.map((c) => `${c.column}: ${c.source} on the source, ${c.target} here`).join(', ')})`;
  if (check.retypedBinaryColumns?.length) {
    const list = check.retypedBinaryColumns.map((m) => `${retypedList(m)}: ${m.reason}`).join('; ');
    problems.push(new TandemError('TANDEM_PREREQUISITE', `Target columns have another type than the source's that the snapshot cannot be loaded into: ${list}.`, {
      hint: `Give each its source type for the load (${check.retypedBinaryColumns[0]!.alter}; the changes stream as text and take the new type), rerun import data, and change the type once the snapshot is loaded.`,
    }));
  }
  if (check.noInsertPrivilege.length) {
    problems.push(new TandemError('TANDEM_PRIVILEGE', `User ${target.user} lacks INSERT or SELECT on: ${check.noInsertPrivilege.join(', ')}.`, {
      hint: `As the tables' owner or a superuser: GRANT INSERT, SELECT, UPDATE, DELETE ON ${check.noInsertPrivilege.map((key) => {
        const dot = key.indexOf('.');
        return `${quoteIdent(key.slice(0, dot))}.${quoteIdent(key.slice(dot + 1))}`;
      }).join(', ')} TO ${quoteIdent(target.user)}; then rerun the same command (the spec asks for a superuser on the target).`,
    }));
  }
  if (check.rowSecurity?.length) {
    problems.push(silently(new TandemError('TANDEM_PRIVILEGE', `User ${target.user} writes ${check.rowSecurity.join(', ')} on the target through row-level security (FORCE ROW LEVEL SECURITY, or tables it does not own): loading would fail, and changes to rows its policies hide would be skipped.`, {
      hint: `As a superuser on the target: ALTER ROLE ${target.user} BYPASSRLS; (or import as a superuser, as the spec asks), then rerun.`,
    })));
  }
  if (check.nonEmptyTables.length) {
    problems.push(new TandemError('TANDEM_TARGET_NOT_EMPTY', `Target table(s) already hold rows that this migration did not load: ${check.nonEmptyTables.join(', ')}.`, {
      hint: 'Empty them (TRUNCATE) or use another target database; Tandem does not load over existing rows.',
    }));
  }
  // While streaming, only what would lose values without a word (a change that the target refuses
  // stops the import by itself, naming it; and the snapshot's column names are not the target's
  // after a column renamed on both sides, which the change import follows).
  const refused = streaming ? problems.filter((e) => silentLoss.has(e)) : problems;
  reportFindings(refused.map((e) => ({ severity: 'error', code: e.code, message: e.message, fix: e.hint ?? '' })), reporter);
  // Not while streaming: the snapshot's column names may be older than the target's (a column
  // renamed on both sides), and the warning would name a column the changes fill (fix-verify-47).
  if (!streaming && check.unfilledColumns?.length) {
    reporter.warn(`Target column(s) that the source's data does not fill, with no default or generation expression: ${check.unfilledColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}. `
      + 'They stay NULL in every migrated row. If one was generated on the source and its expression was made an ordinary column on the target by hand, the snapshot and the stream leave it out: '
      + 'give it back its generation expression, or a default, before the import (or drop it if it is not wanted).');
  }
  await db.ensureSnapshotMetadata();
  const staged = new Map<string, readonly string[]>();
  for (const m of check.castWhileLoading ?? []) {
    reporter.print(`${retypedList(m)}: the snapshot holds these in the source's binary form, so the table is loaded through a staging table and cast as an INSERT casts.`);
    staged.set(m.table, sourceTypes[m.table]!);
  }
  return staged;
}

type Work = SnapshotBatch & { tableKey: string };

/** A snapshot table as the import loads it: with the source's types when it loads through a staging table. */
type LoadTable = SnapshotTableRow & { readonly stagedTypes?: readonly string[] };

/**
 * The next file for a worker: the oldest file of the table with the most bytes waiting among those
 * that no other worker is loading, else the oldest file. Two connections loading one table contend
 * for its heap's end and its index pages (measured on PostgreSQL: two streams into one table were
 * no faster than one and cost the server 20-50% more CPU), while other tables' files wait; a
 * table's files still all get loaded, and a single table still gets every connection. The table
 * with the most bytes waiting (rows are a poor measure of work: a table of wide, TOASTed rows
 * loads few rows per second) goes first because it finishes last (the longest job first): its
 * connection stays on it while the others load the smaller tables and build their indexes, so the
 * load does not end with one big table on one connection and the other connections idle. With
 * `freeTablesOnly` (a loaded table's index is waiting to be built: better work than a second
 * stream into a busy table) it returns undefined rather than a file of a table another worker loads.
 */
export function takeFile<T extends { readonly tableKey: string; readonly startOffset?: number; readonly endOffset?: number }>(files: T[][], loading: readonly (string | undefined)[], freeTablesOnly = false): T[] | undefined {
  const busy = new Set(loading.filter((k): k is string => k !== undefined));
  const waiting = new Map<string, number>();
  for (const f of files) {
    const key = f[0]?.tableKey;
    if (key !== undefined && !busy.has(key)) waiting.set(key, (waiting.get(key) ?? 0) + f.reduce((sum, b) => sum + ((b.endOffset ?? 1) - (b.startOffset ?? 0)), 0));
  }
  let table: string | undefined;
  for (const [key, rows] of waiting) if (table === undefined || rows > waiting.get(table)!) table = key;
  if (table === undefined && freeTablesOnly) return undefined;
  const i = table === undefined ? files.findIndex((f) => f.length > 0) : files.findIndex((f) => f[0]?.tableKey === table);
  return i < 0 ? undefined : files.splice(i, 1)[0];
}

/**
 * The secondary indexes this import builds as their tables finish loading: those of
 * `schema/indexes/indexes.sql` when `import schema` created the tables and
 * `--post-snapshot-import` has not run yet (undefined: none). A schema file that cannot be read
 * here leaves every index to `--post-snapshot-import`, which reports what is wrong with it.
 */
async function planIndexBuilds(reporter: Reporter, migration: Migration, tables: readonly SnapshotTableRow[], wanted: boolean): Promise<SnapshotIndexBuilds | undefined> {
  const { meta, exportDir } = migration;
  if (!wanted || meta.getStep('import_schema').status !== 'DONE' || meta.getStep('import_schema_post_snapshot').status === 'DONE') return undefined;
  if (meta.getValue<string>('export_type') === 'changes-only') return undefined; // the rows were loaded some other way
  if (CommandLock.holder(exportDir.metainfoDir, 'import-schema') !== undefined) {
    log.info('import data: "import schema" is running in this export dir; the indexes are left to it');
    return undefined;
  }
  let statements: TableIndexStatement[];
  try {
    statements = await readTableIndexes(exportDir.schemaDir);
  } catch (e) {
    log.warn(`import data: the indexes are left to "import schema --post-snapshot-import": ${(e as Error).message}`);
    return undefined;
  }
  const builds = new SnapshotIndexBuilds(statements, tables, new Set(meta.getValue<string[]>(INDEXES_BUILT_BY_IMPORT) ?? []),
    new Set(meta.getValue<string[]>(INDEXES_STARTED_BY_IMPORT) ?? []));
  if (builds.planned) reporter.print(`${builds.planned} secondary index(es) of schema/indexes are built as their tables finish loading (--build-indexes false leaves them to "import schema --post-snapshot-import").`);
  return builds;
}

/** Adds `value` to the list kept in meta.db under `key`. */
function appendToList(meta: MetaStore, key: string, value: string): void {
  meta.setValue(key, [...(meta.getValue<string[]>(key) ?? []), value]);
}

/** Refuses snapshot files written in another layout (an export dir from another Tandem version). */
function checkSnapshotLayout(meta: MetaStore, files: readonly unknown[] = meta.snapshotFiles()): void {
  if (files.length === 0) return;
  const layout = meta.getValue<string>('snapshot_file_layout');
  if (layout !== SNAPSHOT_FILE_LAYOUT) {
    throw new TandemError('TANDEM_DATA', `The snapshot files in this export dir have the layout ${layout ?? '(unrecorded, from an older Tandem)'}; this Tandem reads ${SNAPSHOT_FILE_LAYOUT}.`, {
      hint: 'Export the data again into a new export dir with this version of Tandem.',
    });
  }
}

/** How many batches of `tables` that meta.db marks loaded the target has no record of (it keeps one per batch, committed with its rows). */
async function batchesMissingOnTarget(target: Side<TargetEngine>, meta: MetaStore, uuid: string, snapshotId: string, tables: readonly string[]): Promise<number> {
  const inScope = new Set(tables);
  const files = new Set(meta.snapshotFiles().filter((f) => inScope.has(f.tableKey)).map((f) => f.fileName));
  const marked = meta.importBatches().filter((b) => b.imported && files.has(b.fileName));
  const db = target.engine.targetDatabase(target.db, () => {});
  try {
    const onTarget = await db.loadedSnapshot(uuid);
    const keys = onTarget?.snapshotId === snapshotId ? await db.importedBatchKeys(uuid) : new Set<string>();
    return marked.filter((b) => !keys.has(`${b.fileName}#${b.batchNo}`)).length;
  } finally {
    await db.close();
  }
}

/** Batch boundaries are planned once and kept in meta.db, so a resumed import sees the same batches. */
async function planWork(meta: MetaStore, dataDir: string, tables: LoadTable[], batchSize: number, loaded: Set<string>, planned: Set<string>): Promise<Work[]> {
  const byKey = new Map(tables.map((t) => [t.tableKey, t]));
  const work: Work[] = [];
  // Polled while following an export: only newly finished files are looked at (and checked).
  const fresh = meta.snapshotFiles().filter((f) => !planned.has(f.fileName));
  checkSnapshotLayout(meta, fresh);
  for (const f of fresh) {
    const t = byKey.get(f.tableKey);
    if (!t || f.status !== 'DONE') continue;
    planned.add(f.fileName);
    let batches = meta.importBatches(f.fileName);
    if (batches.length === 0 && f.rows > 0) {
      const planned = f.rowIndex
        ? mergeIndexedBatches(f.rowIndex.map(([startOffset, endOffset, rows], i) => ({ batchNo: i + 1, startOffset, endOffset, rows })), batchSize)
        : await planCopyBatches(join(dataDir, f.fileName), batchSize);
      const total = planned.reduce((s, b) => s + b.rows, 0);
      if (total !== f.rows) {
        throw new TandemError('TANDEM_DATA', `${f.fileName} holds ${total} rows but the export recorded ${f.rows}; the file was changed or damaged.`, {
          hint: 'Export the data again in a new export dir.',
        });
      }
      meta.putImportBatches(planned.map((b) => ({ fileName: f.fileName, ...b, imported: loaded.has(`${f.fileName}#${b.batchNo}`) })));
      batches = meta.importBatches(f.fileName);
    }
    for (const b of batches) {
      // The target commits a batch before meta.db hears of it: a crash in between is mended here.
      if (!b.imported && loaded.has(`${f.fileName}#${b.batchNo}`)) meta.markBatchImported(f.fileName, b.batchNo);
      work.push({
        tableKey: t.tableKey, schema: t.schemaName, table: t.tableName, columns: t.columns, format: t.format,
        filePath: join(dataDir, f.fileName), fileName: f.fileName, batchNo: b.batchNo, startOffset: b.startOffset, endOffset: b.endOffset, rows: b.rows,
        ...(t.stagedTypes ? { stagedTypes: t.stagedTypes } : {}),
      });
    }
  }
  return work;
}

/** Attempts per batch when the database reports a transient conflict. */
const BATCH_ATTEMPTS = 6;

/**
 * Loads one batch; when the database reports a transient conflict it tries again a few times with
 * backoff; when the connection is lost (network, server restart, a terminated backend) it reconnects
 * and tries again for as long as the change import waits for a lost database (`reconnectBudgetMs`, 5
 * minutes; measured before: 6 attempts, about 12 s, and every attempt after the first said "not
 * queryable", the dead connection's words, instead of why reconnecting failed; the server-restarts
 * run). Exactly once still: a batch and its record commit together, and after a lost connection the
 * record is looked up first (the COMMIT may have gone through before the cut).
 */
async function loadBatchRetrying(reporter: Reporter, p: LoadPlan, loaders: SnapshotLoader[], endpoints: TargetNode[], w: number, b: Work, onPushBack: () => void): Promise<void> {
  let lostSince: number | undefined;
  let reconnectError: string | undefined;
  for (let attempt = 1; ; attempt++) {
    let error: unknown;
    try {
      await loaders[w]!.load(b);
      return;
    } catch (e) {
      error = e;
    }
    const alive = await loaders[w]!.isAlive();
    // The loader keeps the driver's error (and its SQLSTATE) as the cause of its own.
    const transient = p.db.transientConflict(error);
    if (alive && (transient === undefined || attempt >= BATCH_ATTEMPTS)) throw error;
    const reason = (reconnectError ?? (error as Error).message.split('\n')[0] ?? '').replace(/\.$/, '');
    if (!alive) {
      const budget = reconnectBudgetMs();
      if (lostSince === undefined) {
        lostSince = Date.now();
        reporter.warn(`batch ${b.batchNo} of ${b.fileName}: the connection was lost (${reason}); reconnecting (waiting up to ${describeBudget(budget)} for the target)`);
      } else if (Date.now() - lostSince >= budget) {
        throw new TandemError('TANDEM_CONNECT', `Lost the connection to the target while loading batch ${b.batchNo} of ${b.fileName}, and could not reconnect for ${describeBudget(Date.now() - lostSince)} (${reason}).`, {
          cause: error,
          hint: 'Check that the target is running and reachable, then rerun the same command: it resumes with the batches not loaded (each loads exactly once). '
            + `To wait longer for a restart or failover, set TANDEM_RECONNECT_BUDGET_MS (now ${budget}).`,
        });
      }
    } else {
      reporter.warn(`batch ${b.batchNo} of ${b.fileName}: SQLSTATE ${transient} (${reason}); retrying (${attempt}/${BATCH_ATTEMPTS - 1})`);
    }
    onPushBack();
    log.warn(`batch ${b.batchNo} of ${b.fileName} failed on attempt ${attempt}: ${(error as Error).message}`);
    await sleep(reconnectDelayMs(attempt));
    if (!alive) {
      try {
        const fresh = await p.db.openLoader(p.uuid, p.nodes.length ? endpoints[w] : undefined);
        await loaders[w]!.close();
        loaders[w] = fresh;
        reconnectError = undefined;
      } catch (e) {
        reconnectError = (e as Error).message.split('\n')[0];
        log.warn(`reconnecting for batch ${b.batchNo} of ${b.fileName} failed: ${(e as Error).message}`);
        continue; // the next attempt fails fast on the dead connection and reconnects again
      }
      if (lostSince !== undefined) log.info(`batch ${b.batchNo} of ${b.fileName}: reconnected after ${describeBudget(Date.now() - lostSince)}`);
      lostSince = undefined;
      if (await loaders[w]!.isRecorded(b)) return;
    }
  }
}

interface LoadPlan {
  readonly db: TargetDatabase;
  readonly target: DbConfig;
  readonly nodes: readonly TargetNode[];
  readonly jobs: LoadingJobs;
  readonly tables: LoadTable[];
  readonly batchSize: number;
  readonly loaded: Set<string>;
  readonly meta: MetaStore;
  readonly uuid: string;
  readonly dataDir: string;
  readonly metainfoDir: string;
  readonly snapshotId: string;
  /** The indexes to build as tables finish loading (undefined: none). */
  readonly indexes?: SnapshotIndexBuilds;
  /** A new target session for an index build. */
  readonly openSession: () => TargetDatabase;
  /** How long to wait for an offline export that stopped to be run again. */
  readonly wait: ExportStartWait;
}

/**
 * Loads every batch of every finished export file with `jobs` connections, picking up files as the
 * exporter finishes them, until the export is complete and everything is loaded. Returns rows per table.
 */
async function loadFollowingExport(reporter: Reporter, p: LoadPlan): Promise<Map<string, number>> {
  const progress = new ProgressBoard(reporter.stdout, 'rows');
  const perTable = new Map<string, { total: number; done: number; left: number }>();
  for (const t of p.tables) {
    perTable.set(t.tableKey, { total: 0, done: 0, left: 0 });
    progress.add(t.tableKey, Math.max(t.exportedRows, 0));
  }
  const tuner = p.jobs.tuner;
  const endpoints = assignConnections(p.nodes, Math.max(1, p.jobs.max), { host: p.target.host, port: p.target.port });
  // Opened when a worker first becomes active (the tuner may never use the last ones).
  const loaders: (SnapshotLoader | undefined)[] = endpoints.map(() => undefined);
  const planned = new Set<string>();
  const files: Work[][] = [];
  /** The table each worker is loading a file of (undefined: none). */
  const loading: (string | undefined)[] = endpoints.map(() => undefined);
  let planningDone = false;
  let failure: unknown;
  const snapshotChanged = () => (p.meta.getValue<string>('snapshot_id') ?? 'initial') !== p.snapshotId;
  const { indexes } = p;
  /** Tables whose every file the exporter has recorded. */
  const exported = new Set<string>();
  /** Hands the tables that are exported and wholly loaded to the index builds. */
  const releaseLoadedTables = () => {
    if (!indexes) return;
    for (const k of exported) {
      if (perTable.get(k)!.left > 0 || loading.includes(k)) continue;
      const added = indexes.tableLoaded(k);
      if (added) log.info(`import data: ${k} is loaded; its ${added} secondary index(es) may be built`);
    }
  };
  /** Index build sessions, one per worker, opened when first needed. */
  const sessions: (TargetDatabase | undefined)[] = endpoints.map(() => undefined);
  const buildIndex = async (w: number, index: TableIndexStatement) => {
    const s = index.statement;
    const resumed = indexes!.resumed(index);
    let ok = false;
    try {
      sessions[w] ??= p.openSession();
      const started = Date.now();
      if (!resumed) appendToList(p.meta, INDEXES_STARTED_BY_IMPORT, s.sql);
      // A build an earlier run started may have committed after that run died: then it is there.
      const result = (await sessions[w]!.applySchema([s], { ignoreExist: resumed, continueOnError: true })).results[0]!;
      ok = result.status === 'applied' || (resumed && result.status === 'skipped');
      if (ok) {
        appendToList(p.meta, INDEXES_BUILT_BY_IMPORT, s.sql);
        failpoint('import.after-index-built');
        log.info(`import data: built ${s.file}:${s.line} in ${Date.now() - started} ms`);
      } else {
        log.warn(`import data: ${s.file}:${s.line} was not built while loading (${result.status}${'message' in result ? `: ${result.message}` : ''}); "import schema --post-snapshot-import" builds it`);
      }
    } catch (e) {
      log.warn(`import data: ${s.file}:${s.line} was not built while loading (${(e as Error).message}); "import schema --post-snapshot-import" builds it`);
    } finally {
      indexes!.finished(ok);
    }
  };
  // Read before the first batch: a target that is busy already starts with fewer connections.
  const loadWatch = p.jobs.adaptive ? await TargetLoadWatch.start(p.openSession, tuner) : undefined;
  if (loadWatch) {
    reporter.print(`Following the target's own load report (read every ${loadWatch.everyMs / 1000} s): while a node is over its CPU or memory limit, each reading gives up a loading connection${loadWatch.busyReadings ? ` (busy now: ${tuner.active} to start with)` : ''}.`);
  }
  progress.start();
  try {
    // The planner turns finished export files into work as they appear; the workers load them.
    const planner = async () => {
      let waitingAnnounced = false;
      try {
        for (;;) {
          if (failure !== undefined) return;
          if (snapshotChanged()) throw new SnapshotChanged();
          const exportDone = p.meta.getStep('export_data').status === 'DONE';
          // Read before the files: a table marked exported then has all its files recorded.
          if (indexes && exported.size < perTable.size) {
            for (const t of p.meta.snapshotTables()) if (t.status === 'DONE' && perTable.has(t.tableKey)) exported.add(t.tableKey);
          }
          const fresh = await planWork(p.meta, p.dataDir, p.tables, p.batchSize, p.loaded, planned);
          for (const b of fresh) {
            const t = perTable.get(b.tableKey)!;
            t.total += b.rows;
            if (p.loaded.has(`${b.fileName}#${b.batchNo}`)) t.done += b.rows;
            else t.left++;
          }
          const queue = fresh.filter((b) => !p.loaded.has(`${b.fileName}#${b.batchNo}`));
          for (const [k, t] of perTable) progress.update(k, t.done, exportDone ? t.total : Math.max(t.total, p.tables.find((x) => x.tableKey === k)!.exportedRows));
          // Each connection takes a whole file at a time and loads its batches in order: a file holds
          // one key range, so parallel connections append to different parts of the index instead of
          // contending for the same pages.
          files.push(...new Map(queue.map((b) => [b.fileName, queue.filter((x) => x.fileName === b.fileName)])).values());
          releaseLoadedTables();
          if (exportDone && fresh.length === 0) return;
          if (exportDone) continue; // one more pass picks up files finished in the meantime
          if (fresh.length === 0) {
            const exporterGone = CommandLock.holder(p.metainfoDir, 'export-data') === undefined && p.meta.getStep('export_data').status !== 'DONE';
            if (exporterGone && isLiveExport(p.meta)) {
              if (!waitingAnnounced) reporter.print('"export data from source" stopped during the snapshot; waiting for it to be restarted (the snapshot then starts over and this import follows it)…');
              waitingAnnounced = true;
            } else if (exporterGone) {
              await p.wait.rerun(p.meta.getStep('export_data').status);
              continue;
            } else {
              p.wait.running();
            }
            await sleep(FOLLOW_POLL_MS);
          }
        }
      } catch (e) {
        failure ??= e;
      } finally {
        planningDone = true;
      }
    };
    const worker = async (w: number) => {
      while (failure === undefined) {
        // With index builds, the last worker out waits for every table to finish (its indexes come next).
        if (planningDone && files.length === 0 && !indexes?.waiting && !(indexes && loading.some((k) => k !== undefined))) return;
        if (w >= tuner.active) {
          await sleep(WORKER_PAUSE_MS);
          continue;
        }
        // A file of a table no other worker loads comes first, then a loaded table's index, then any file.
        const file = takeFile(files, loading, indexes?.waiting ?? false);
        const index = file ? undefined : indexes?.take();
        if (index) {
          tuner.idle(); // an index build loads no rows: this window says nothing about loading
          await buildIndex(w, index);
          continue;
        }
        if (!file) {
          tuner.idle(); // waiting for the export: this says nothing about the target
          await sleep(WORKER_PAUSE_MS);
          continue;
        }
        loading[w] = file[0]!.tableKey;
        for (let i = 0; i < file.length; i++) {
          const b = file[i]!;
          if (failure !== undefined) return;
          if (w >= tuner.active) {
            // Fewer connections now (the tuner stepped down, or the target is busy): this one stops
            // between batches, and the rest of its file goes back to the front of the queue, where
            // a remaining connection carries on in the same order. Each batch is recorded on its own.
            files.unshift(file.slice(i));
            log.info(`import data: connection ${w} stops (${tuner.active} loading connection(s) now); the rest of ${b.fileName} (from batch ${b.batchNo}) goes back to the queue`);
            break;
          }
          try {
            loaders[w] ??= await p.db.openLoader(p.uuid, p.nodes.length ? endpoints[w] : undefined);
            const started = Date.now();
            await loadBatchRetrying(reporter, p, loaders as SnapshotLoader[], endpoints, w, b, () => tuner.pushBack());
            log.debug(`import data: connection ${w} loaded ${b.fileName} batch ${b.batchNo} (${b.rows} rows) in ${Date.now() - started} ms`);
          } catch (e) {
            failure ??= e;
            return;
          }
          p.meta.markBatchImported(b.fileName, b.batchNo);
          const t = perTable.get(b.tableKey)!;
          t.done += b.rows;
          t.left--;
          progress.update(b.tableKey, t.done);
          const before = tuner.active;
          tuner.record(b.rows);
          if (tuner.active !== before) {
            log.info(`import data: ${tuner.active} loading connections (was ${before}; ${Math.round(tuner.changes[tuner.changes.length - 1]!.rate)} rows/s measured)`);
          }
        }
        loading[w] = undefined;
        releaseLoadedTables();
      }
    };
    await Promise.all([planner(), ...endpoints.map((_, w) => worker(w))]);
    if (failure !== undefined) throw snapshotChanged() ? new SnapshotChanged() : failure;
    for (const [k, t] of perTable) progress.finish(k, t.done);
  } finally {
    progress.stop();
    await Promise.all([...loaders.map((l) => l?.close()), ...sessions.map((db) => db?.close().catch(() => {})), loadWatch?.stop()]);
  }
  if (loadWatch?.busyReadings) {
    reporter.print(`The target reported itself busy in ${loadWatch.busyReadings} of ${loadWatch.readings} readings of its load; the import gave up loading connections then (the log says which node and why).`);
  }
  return new Map([...perTable].map(([k, t]) => [k, t.done]));
}
