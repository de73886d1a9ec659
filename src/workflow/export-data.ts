import { statfsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import { log } from '../core/logger.js';
import { describeDb, toStored, type DbConfig } from '../core/db-config.js';
import type { MetaStore } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';
import { tableKeyOf, type TableInfo, type TableRef } from '../core/engine/catalog.js';
import type { SourceEngine } from '../core/engine/engine.js';
import type { SnapshotChunk, SnapshotSession } from '../core/engine/snapshot.js';
import type { CommandEnv } from './command-env.js';
import { FALL_BACK_WARNINGS_KEY, checkNewSourceFlags, checkSameDatabase, findingWarning, openMigration, reportFindings, resolveTypedSchemas, sourceSide, type Migration, type Side } from './migration-context.js';
import { filterTables } from './table-filter.js';
import { parseNameRefList } from '../core/identifier-list.js';
import { SNAPSHOT_COLUMN_TYPES_KEY, SNAPSHOT_GENERATED_COLUMNS_KEY, SNAPSHOT_PARTITIONS_KEY, SNAPSHOT_TABLE_IDS_KEY, TABLE_FILTER_KEY, type TableFilter } from './cdc/schema-drift.js';
import { segmentBytesFromEnv } from './cdc/queue-segment-size.js';
import { renderTable } from './text-table.js';
import { copySnapshot, removeOldSnapshots } from './snapshot-export.js';
import { DEFAULT_PARALLEL_JOBS, chooseExportJobs, clientCores } from '../core/parallelism.js';
import { startOverHint, streamLost } from './cdc/stream-lost.js';

export type ExportType = 'snapshot-only' | 'snapshot-and-changes' | 'changes-only';

/** Options of `tandem export data [from source]`. */
/** meta.db: the --disable-triggers-and-fks consent the live export started with (a restart without the flag keeps it). */
import { DISABLE_TRIGGERS_KEY } from './cutover/write-guard-steps.js';

export interface ExportDataOptions {
  readonly exportDir: string;
  /**
   * `--export-type`: snapshot-only (offline), snapshot-and-changes or changes-only (live). Not given:
   * the type this export dir's export began with (a rerun resumes it), else snapshot-only.
   */
  readonly exportType?: ExportType;
  /** `--table-list` / `--exclude-table-list`, in their flag syntax. */
  readonly tableList?: string;
  readonly excludeTableList?: string;
  /**
   * `--parallel-jobs`: snapshot readers; after a cutover prepared for fall-back also the channels of
   * "import data to source", which this process becomes, and the connections of its verification.
   * Undefined (not given): the readers are chosen from this machine's cores and the tables' sizes
   * (`chooseExportJobs`), the channels and connections are DEFAULT_PARALLEL_JOBS.
   */
  readonly parallelJobs?: number;
  /** `--start-clean`: discard a previous data export in this export dir. */
  readonly startClean: boolean;
  /**
   * `--disable-triggers-and-fks`: when this process continues as `import data to source` and the
   * source's writer cannot skip triggers and foreign keys, Tandem switches them off itself (see
   * `SourceImportOptions`).
   */
  readonly disableTriggersAndFks?: boolean;
}

/** `tandem export data [from source]`: a consistent snapshot, then (live migration) every change. */
export async function runExportData(env: CommandEnv, options: ExportDataOptions): Promise<void> {
  segmentBytesFromEnv(); // a bad test knob is refused before the export dir is touched
  await checkNewSourceFlags(env, options.exportDir);
  const migration = openMigration(env, options.exportDir, { create: true, lock: 'export-data' });
  try {
    const { meta } = migration;
    let source = await sourceSide(env, meta);
    checkSameDatabase(meta, source.db);
    const recordedType = meta.getValue<ExportType>('export_type');
    const started = recordedType !== undefined && meta.getStep('export_data').status !== 'NOT_STARTED';
    const exportType: ExportType = options.exportType ?? (started ? recordedType : undefined) ?? 'snapshot-only';
    if (recordedType && recordedType !== exportType && meta.getStep('export_data').status !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', `This export dir holds a ${recordedType} export; it cannot continue as ${exportType}.`, {
        hint: `Rerun with --export-type ${recordedType}, or use a new export dir.`,
      });
    }
    const live = exportType !== 'snapshot-only';
    if (live && meta.getValue<string>('cdc_phase') === 'streaming') {
      // A restart of a live export: the snapshot is done, the stream keeps every later change. Its
      // tables and snapshot are fixed from here on: flags that would change them are refused, not ignored.
      if (options.startClean) {
        const lost = streamLost(meta, 'source');
        throw new TandemError('TANDEM_EXPORT_DIR', 'This live migration is already streaming changes; --start-clean cannot take a new snapshot for it (the target holds the old one and the changes since).', {
          hint: lost ? `Its change stream stopped for good at ${lost.at} (${lost.message}). ${startOverHint(options.exportDir)}` : `Rerun without --start-clean to resume streaming. To start over, use a new export dir and empty the target tables; to stop this migration, run "tandem end migration --export-dir ${options.exportDir}".`,
        });
      }
      const recordedFilter = meta.getValue<TableFilter>(TABLE_FILTER_KEY);
      if (filterGiven(options) && recordedFilter && !sameFilter(recordedFilter, options)) {
        throw new TandemError('TANDEM_USAGE', `This live migration streams the tables chosen with ${describeFilter(recordedFilter)}; a restart cannot change them (given: ${describeFilter(options)}).`, {
          hint: 'Rerun with the same table flags (or none). To migrate other tables, start a new migration in a new export dir.',
        });
      }
      // The consent given at the export's start stays for a restart that does not repeat the flag
      // (the fall-back this process becomes would else print the scripts and wait for a DBA).
      const consent = options.disableTriggersAndFks ?? meta.getValue<boolean>(DISABLE_TRIGGERS_KEY);
      if (options.disableTriggersAndFks !== undefined) meta.setValue(DISABLE_TRIGGERS_KEY, options.disableTriggersAndFks);
      else if (consent === true) env.reporter.print('--disable-triggers-and-fks true, as given when this export started (give it as false to withdraw it).');
      const { continueLiveExport } = await import('./cdc/source-after-cutover.js');
      await continueLiveExport(env, migration, source, { parallelJobs: options.parallelJobs ?? DEFAULT_PARALLEL_JOBS, disableTriggersAndFks: consent }, { restart: true });
      return;
    }
    if (meta.getStep('export_data').status === 'DONE' && !options.startClean) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The data export in this export dir is already complete.', {
        hint: 'Go on with "tandem import data". To export again, add --start-clean true.',
      });
    }
    if (options.startClean && meta.getStep('import_data').status !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The import has already started from this export; exporting a new snapshot now would mix two snapshot points.', {
        hint: 'Start a new migration in a new export dir (and empty the target tables).',
      });
    }
    const { tables, db, fallBackWarnings } = await checkSource(env.reporter, source, options, live);
    source = { ...source, db };
    meta.setValue(FALL_BACK_WARNINGS_KEY, fallBackWarnings);
    // For the streaming exporter's check of tables created after the snapshot.
    meta.setValue(TABLE_FILTER_KEY, { tableList: options.tableList, excludeTableList: options.excludeTableList } satisfies TableFilter);
    const snapshotJobs = options.parallelJobs ?? chooseExportJobs({ clientCores: clientCores() }, tables.map((t) => t.estimatedBytes));
    if (options.parallelJobs === undefined) log.info(`export data: ${snapshotJobs} snapshot reader(s), chosen from ${clientCores()} cores and ${tables.length} table(s)`);
    if (live) {
      if (options.disableTriggersAndFks !== undefined) meta.setValue(DISABLE_TRIGGERS_KEY, options.disableTriggersAndFks);
      const { exportLive } = await import('./cdc/source-change-exporter.js');
      await exportLive(env, migration, source, tables, {
        exportType, snapshotJobs, parallelJobs: options.parallelJobs ?? DEFAULT_PARALLEL_JOBS, disableTriggersAndFks: options.disableTriggersAndFks,
      });
    } else {
      await exportSnapshotOnly(env.reporter, migration, source, tables, snapshotJobs);
    }
  } catch (e) {
    if (migration.meta.getStep('export_data').status === 'IN_PROGRESS') migration.meta.setStep('export_data', 'FAILED');
    throw e;
  } finally {
    migration.close();
  }
}

/** Whether --table-list or --exclude-table-list was given (an empty value counts as not given). */
function filterGiven(filter: TableFilter): boolean {
  return normalizedNames(filter.tableList, '--table-list') !== '' || normalizedNames(filter.excludeTableList, '--exclude-table-list') !== '';
}

/** Whether two sets of table flags name the same entries (order, spaces and repeats aside). */
function sameFilter(a: TableFilter, b: TableFilter): boolean {
  return normalizedNames(a.tableList, '--table-list') === normalizedNames(b.tableList, '--table-list')
    && normalizedNames(a.excludeTableList, '--exclude-table-list') === normalizedNames(b.excludeTableList, '--exclude-table-list');
}

function normalizedNames(list: string | undefined, flag: string): string {
  if (list === undefined || list.trim() === '') return '';
  const entries = parseNameRefList(list, flag).map((parts) => parts.map((p) => (p.quoted ? `"${p.text.replaceAll('"', '""')}"` : p.text)).join('.'));
  return [...new Set(entries)].sort().join(',');
}

/** The table flags as a user would type them, or "no table flags". */
function describeFilter(filter: TableFilter): string {
  const flags = [
    ...(filter.tableList?.trim() ? [`--table-list ${filter.tableList.trim()}`] : []),
    ...(filter.excludeTableList?.trim() ? [`--exclude-table-list ${filter.excludeTableList.trim()}`] : []),
  ];
  return flags.length > 0 ? flags.join(' ') : 'no table flags';
}

/** Everything about the source that can be checked before anything changes. */
async function checkSource(reporter: Reporter, side: Side, options: ExportDataOptions, live: boolean): Promise<{ tables: TableInfo[]; db: DbConfig; fallBackWarnings: string[] }> {
  const catalog = await side.engine.openCatalog(side.db);
  try {
    const db = await resolveTypedSchemas(catalog, side.db, side.engine.unquotedNameCase);
    const all = await catalog.listTables(db.schemas);
    const tables = filterTables(all, options.tableList, options.excludeTableList);
    if (tables.length === 0) {
      throw new TandemError('TANDEM_USAGE', `No tables to export in schema(s) ${db.schemas.join(', ')}.`, { hint: 'Check --source-db-schema and --table-list.' });
    }
    const findings = await catalog.checkPrerequisites({ live, tables });
    reportFindings(findings, reporter);
    return { tables, db, fallBackWarnings: findings.filter((f) => f.fallBack).map(findingWarning) };
  } finally {
    await catalog.close();
  }
}

/** How many snapshot readers the chunks can keep busy. */
export function readersFor(chunks: readonly SnapshotChunk[], parallelJobs: number): number {
  return Math.max(1, Math.min(parallelJobs, chunks.length));
}

/**
 * Starts a new snapshot: clears the previous one from meta.db and data/, records the tables (each
 * with its chunks' COPY format; text when there are none) and gives the snapshot a new id (an
 * importer that loaded an older snapshot reloads, never mixes).
 */
export function beginSnapshot(reporter: Reporter, migration: Migration, source: DbConfig, tables: readonly TableInfo[], chunks: readonly SnapshotChunk[], exportType: ExportType): string {
  const { meta, exportDir } = migration;
  // Only when something was loaded (measured before: said while the importer had only waited; the kill-mysql run).
  const tableOf = new Map(meta.snapshotFiles().map((f) => [f.fileName, f.tableKey]));
  const loaded = meta.importBatches().filter((b) => b.imported).map((b) => tableOf.get(b.fileName) ?? b.fileName);
  if (meta.getStep('import_data').status !== 'NOT_STARTED' && loaded.length > 0) {
    reporter.print(`The previous export was interrupted after the import had loaded part of its snapshot: import data reloads those tables (${[...new Set(loaded)].sort().join(', ')}) from this new snapshot.`);
  }
  const formats = new Map(chunks.map((c) => [c.tableKey, c.format]));
  const snapshotId = randomUUID();
  // One SQLite transaction: a following importer sees the old snapshot or the new one, never half.
  meta.db.transaction(() => {
    meta.resetSnapshot();
    meta.setValue('snapshot_id', snapshotId);
    meta.setDbConfig('source', toStored(source));
    meta.setValue('export_type', exportType);
    // Foreign-key actions the source's change stream leaves out, for the target's importer.
    // Each column's type where the engine names it: a restarted exporter says which changed meanwhile.
    meta.setValue(SNAPSHOT_TABLE_IDS_KEY, Object.fromEntries(tables.filter((t) => t.id !== undefined).map((t) => [tableKeyOf(t), t.id])));
    meta.setValue(SNAPSHOT_PARTITIONS_KEY, Object.fromEntries(tables.filter((t) => t.partitions).map((t) => [tableKeyOf(t), t.partitions])));
    meta.setValue(SNAPSHOT_COLUMN_TYPES_KEY, Object.fromEntries(tables.filter((t) => t.columnTypes).map((t) => [tableKeyOf(t), t.columnTypes])));
    meta.setValue(SNAPSHOT_GENERATED_COLUMNS_KEY, Object.fromEntries(tables.filter((t) => t.generatedColumns?.length).map((t) => [tableKeyOf(t), t.generatedColumns])));
    meta.setValue('source_referential_actions', tables.flatMap((t) => (t.referentialActions ?? []).map((k) => ({ schema: t.schema, table: t.name, ...k }))));
    meta.setStep('export_data', 'IN_PROGRESS', { exportType, startedAt: new Date().toISOString() });
    for (const t of tables) {
      const key = tableKeyOf(t);
      meta.putSnapshotTable({ tableKey: key, schemaName: t.schema, tableName: t.name, columns: [...t.columns], format: formats.get(key) ?? 'text', exportedRows: 0, status: 'IN_PROGRESS' });
    }
  })();
  removeOldSnapshots(exportDir.dataDir);
  return snapshotId;
}

/**
 * Warns when the export dir's disk has less free space than the tables take on the source (the
 * engine's estimate; the COPY format can make the files larger or smaller, so it is a warning, not
 * a refusal).
 */
function warnIfDiskTooSmall(reporter: Reporter, tables: readonly TableInfo[], dataDir: string): void {
  const needed = tables.reduce((sum, t) => sum + t.estimatedBytes, 0);
  let free: number;
  try {
    const fs = statfsSync(dataDir);
    free = fs.bavail * fs.bsize;
  } catch {
    return;
  }
  if (needed > free) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(n < 1024 ** 3 ? 3 : 1)} GB`;
    reporter.warn(`the tables take about ${gb(needed)} on the source; the export dir's disk has ${gb(free)} free. The export may fill it (it then stops with TANDEM_DISK and can be rerun).`);
  }
}

/** What {@link runSnapshot} copies: the tables, their chunks, and the readers already at the snapshot's point. */
export interface SnapshotRun {
  readonly tables: readonly TableInfo[];
  readonly chunks: readonly SnapshotChunk[];
  readonly session: SnapshotSession;
  readonly snapshotId: string;
  readonly parallelJobs: number;
}

/** Copies the snapshot through the session's readers (closing them), records sequences and marks the snapshot export DONE. */
export async function runSnapshot(reporter: Reporter, migration: Migration, { db: source, engine }: Side, run: SnapshotRun): Promise<Map<string, number>> {
  const { meta, exportDir } = migration;
  const { tables, chunks, session, snapshotId } = run;
  let rowsByTable: Map<string, number>;
  try {
    log.info(`export data from ${describeDb(source)}: ${tables.length} tables in ${chunks.length} chunks, ${session.description}`);
    reporter.print(`Exporting a consistent snapshot of ${tables.length} tables from ${describeDb(source)} (${chunks.length} chunks, ${run.parallelJobs} parallel jobs)`);
    warnIfDiskTooSmall(reporter, tables, exportDir.dataDir);
    rowsByTable = await copySnapshot(reporter, session, chunks, exportDir.dataDir, meta, snapshotId);
  } finally {
    await session.close();
  }
  await recordSequences(meta, engine, source, tables);
  const formats = new Map(chunks.map((c) => [c.tableKey, c.format]));
  for (const t of tables) {
    const key = tableKeyOf(t);
    meta.putSnapshotTable({ tableKey: key, schemaName: t.schema, tableName: t.name, columns: [...t.columns], format: formats.get(key) ?? 'text', exportedRows: rowsByTable.get(key) ?? 0, status: 'DONE' });
  }
  meta.setStep('export_data', 'DONE', { finishedAt: new Date().toISOString() });
  reporter.print('');
  reporter.print(renderTable(['TABLE', 'ROWS EXPORTED'], tables.map((t) => {
    const key = tableKeyOf(t);
    return [key, String(rowsByTable.get(key) ?? 0)];
  })));
  reporter.print(`Export of the snapshot is complete: ${[...rowsByTable.values()].reduce((a, b) => a + b, 0)} rows.`);
  return rowsByTable;
}

/** Source sequence values, read after the snapshot (sequences are not transactional: never lower): the snapshot's tables' counters. */
export async function recordSequences(meta: MetaStore, engine: SourceEngine, source: DbConfig, tables: readonly TableRef[]): Promise<void> {
  const seqs = await engine.sequences(source).read(source.schemas, { tables: tables.map((t) => ({ schema: t.schema, name: t.name })) });
  meta.putSequenceValues(seqs.map((s) => ({ sequenceKey: tableKeyOf(s), lastValue: s.lastValue, isCalled: s.isCalled })));
}

async function exportSnapshotOnly(reporter: Reporter, migration: Migration, source: Side, tables: TableInfo[], parallelJobs: number): Promise<void> {
  const snapshots = source.engine.snapshotSource(source.db);
  const chunks = await snapshots.planChunks(tables, parallelJobs);
  const holder = CommandLock.holder(migration.exportDir.metainfoDir, 'import-data');
  if (holder !== undefined) log.info(`import data (pid ${holder}) is running; it will reload from the new snapshot`);
  const snapshotId = beginSnapshot(reporter, migration, source.db, tables, chunks, 'snapshot-only');
  const session = await snapshots.open(tables, readersFor(chunks, parallelJobs));
  await runSnapshot(reporter, migration, source, { tables, chunks, session, snapshotId, parallelJobs });
  reporter.print(`Next: tandem import data --export-dir ${migration.exportDir.root}`);
}
