import { isTandemError, TandemError } from '../core/errors.js';
import type { MetaStore } from '../core/meta-store.js';
import type { AppliedEventCounts as ImportedCounts } from '../core/engine/migration-metadata.js';
import { EventQueueWriter } from '../core/queue/event-queue-writer.js';
import type { CommandEnv } from './command-env.js';
import { openMigration, sourceSide, targetSide, type Migration } from './migration-context.js';
import { renderTable } from './text-table.js';
import { streamEndFinding } from './cutover/stream-cleanup.js';
import { CutoverState } from './cutover/cutover-state.js';
import { startOverHint, streamLost } from './cdc/stream-lost.js';
import { neededButStopped, queueConsumerNow } from './streaming-commands.js';
import { diskNearlyFull } from '../core/queue/segment-archiver.js';

/** One line of the data-migration report: one table on one database. */
export interface ReportRow {
  readonly tableName: string;
  readonly dbType: 'source' | 'target';
  readonly exportedSnapshotRows: number;
  readonly importedSnapshotRows: number;
  readonly erroredImportEvents: number;
  readonly exportedInserts: number;
  readonly exportedUpdates: number;
  readonly exportedDeletes: number;
  /** null: the database's own counters could not be read (unknown, not 0). */
  readonly importedInserts: number | null;
  readonly importedUpdates: number | null;
  readonly importedDeletes: number | null;
  /** null when it depends on counters that could not be read. */
  readonly finalRowCount: number | null;
}

const HEADERS = ['TABLE_NAME', 'DB_TYPE', 'EXPORTED_SNAPSHOT_ROWS', 'IMPORTED_SNAPSHOT_ROWS', 'ERRORED_IMPORT_EVENTS', 'EXPORTED_INSERTS',
  'EXPORTED_UPDATES', 'EXPORTED_DELETES', 'IMPORTED_INSERTS', 'IMPORTED_UPDATES', 'IMPORTED_DELETES', 'FINAL_ROW_COUNT'];

const ZERO: ImportedCounts = { inserts: 0, updates: 0, deletes: 0, truncatedRows: 0 };

/** Change events applied to each database, read from that database (the truth); undefined = none applied there. */
export interface AppliedCounts {
  readonly target?: Map<string, ImportedCounts>;
  readonly source?: Map<string, ImportedCounts>;
  /** Databases that received change events but whose counters could not be read: their counts are unknown. */
  readonly unknown?: ReadonlySet<'source' | 'target'>;
}

/**
 * Builds the report: snapshot rows from meta.db, events exported by each side from the queue's
 * counters, events imported into each side from that database's own metadata table. A database's
 * FINAL_ROW_COUNT = its snapshot rows + inserts − deletes of every change stream that wrote to it
 * (its own application's changes, exported, and the other side's, imported).
 */
export function buildReport(meta: MetaStore, applied: AppliedCounts = {}): ReportRow[] {
  const files = meta.snapshotFiles();
  const importedByFile = new Map<string, number>();
  for (const b of meta.importBatches()) if (b.imported) importedByFile.set(b.fileName, (importedByFile.get(b.fileName) ?? 0) + b.rows);
  const fromSource = EventQueueWriter.exportedCounts(meta, 'source');
  const fromTarget = EventQueueWriter.exportedCounts(meta, 'target');
  const importStarted = meta.getStep('import_data').status !== 'NOT_STARTED';
  const rows: ReportRow[] = [];
  for (const t of meta.snapshotTables()) {
    const key = t.tableKey;
    const imported = files.filter((f) => f.tableKey === key).reduce((s, f) => s + (importedByFile.get(f.fileName) ?? 0), 0);
    const exS = fromSource.get(key) ?? ZERO;
    const exT = fromTarget.get(key) ?? ZERO;
    const inS = applied.source?.get(key) ?? ZERO;
    const inT = applied.target?.get(key) ?? ZERO;
    // Each database's final count needs both databases' truncate counters and its own imports.
    const noS = applied.unknown?.has('source') === true;
    const noT = applied.unknown?.has('target') === true;
    const importedOf = (c: ImportedCounts, unknown: boolean) => (unknown
      ? { importedInserts: null, importedUpdates: null, importedDeletes: null }
      : { importedInserts: c.inserts, importedUpdates: c.updates, importedDeletes: c.deletes });
    rows.push({
      tableName: key, dbType: 'source', exportedSnapshotRows: t.exportedRows, importedSnapshotRows: 0, erroredImportEvents: 0,
      exportedInserts: exS.inserts, exportedUpdates: exS.updates, exportedDeletes: exS.deletes,
      ...importedOf(inS, noS),
      // A TRUNCATE removed the same rows on both sides; the database that applied it counted them.
      finalRowCount: noS || noT ? null : t.exportedRows + exS.inserts - exS.deletes + inS.inserts - inS.deletes - inS.truncatedRows - inT.truncatedRows,
    });
    if (importStarted) {
      rows.push({
        tableName: key, dbType: 'target', exportedSnapshotRows: 0, importedSnapshotRows: imported, erroredImportEvents: 0,
        exportedInserts: exT.inserts, exportedUpdates: exT.updates, exportedDeletes: exT.deletes,
        ...importedOf(inT, noT),
        finalRowCount: noS || noT ? null : imported + inT.inserts - inT.deletes + exT.inserts - exT.deletes - inT.truncatedRows - inS.truncatedRows,
      });
    }
  }
  return rows;
}

export function renderReport(rows: ReportRow[], format: 'table' | 'json'): string {
  if (format === 'json') {
    return JSON.stringify(rows.map((r) => ({
      table_name: r.tableName, db_type: r.dbType, exported_snapshot_rows: r.exportedSnapshotRows, imported_snapshot_rows: r.importedSnapshotRows,
      errored_import_events: r.erroredImportEvents, exported_inserts: r.exportedInserts, exported_updates: r.exportedUpdates,
      exported_deletes: r.exportedDeletes, imported_inserts: r.importedInserts, imported_updates: r.importedUpdates,
      imported_deletes: r.importedDeletes, final_row_count: r.finalRowCount,
    })), null, 2);
  }
  return renderTable(HEADERS, rows.map((r) => [r.tableName, r.dbType, r.exportedSnapshotRows, r.importedSnapshotRows, r.erroredImportEvents,
    r.exportedInserts, r.exportedUpdates, r.exportedDeletes, r.importedInserts, r.importedUpdates, r.importedDeletes, r.finalRowCount].map((v) => (v === null ? '-' : String(v)))));
}

/**
 * The meta.db key of the applied-event counters as `end migration` read them just before removing
 * them from the databases: from then on they are read from here (a rerun of an `end migration` that
 * stopped part-way, a report after it), not from databases that no longer hold them all.
 */
export const FINAL_COUNTS_KEY = 'applied_counts_at_end';

interface StoredCounts {
  readonly target?: [string, ImportedCounts][];
  readonly source?: [string, ImportedCounts][];
}

/** Keeps `applied` (fully read) in meta.db for `readAppliedCounts` from now on; kept once. */
export function keepFinalCounts(m: Migration, applied: AppliedCounts): void {
  if (m.meta.getValue<StoredCounts>(FINAL_COUNTS_KEY) !== undefined) return;
  m.meta.setValue(FINAL_COUNTS_KEY, {
    ...(applied.target ? { target: [...applied.target] } : {}),
    ...(applied.source ? { source: [...applied.source] } : {}),
  } satisfies StoredCounts);
}

/** Reads the applied-event counters from the databases that received change events (or, once `end migration` removed them, its copy). */
export async function readAppliedCounts(env: CommandEnv, m: Migration): Promise<{ applied: AppliedCounts; notes: string[]; failure?: unknown }> {
  const stored = m.meta.getValue<StoredCounts>(FINAL_COUNTS_KEY);
  if (stored !== undefined) {
    return {
      applied: { ...(stored.target ? { target: new Map(stored.target) } : {}), ...(stored.source ? { source: new Map(stored.source) } : {}) },
      notes: ['the events imported into each database are the counts "end migration" read before it removed them from the databases.'],
    };
  }
  const notes: string[] = [];
  const live = m.meta.getValue<string>('export_type');
  const unknown = new Set<'source' | 'target'>();
  let failure: unknown;
  const applied: { target?: Map<string, ImportedCounts>; source?: Map<string, ImportedCounts>; unknown: Set<'source' | 'target'> } = { unknown };
  if (live !== 'snapshot-and-changes' && live !== 'changes-only') return { applied, notes };
  const sides: ('target' | 'source')[] = ['target'];
  if (CutoverState.get(m.meta, 'to_target').prepareForFallBack) sides.push('source');
  for (const side of sides) {
    if (!m.meta.getDbConfig(side)) continue;
    try {
      const { db, engine } = side === 'target' ? await targetSide(env, m.meta) : await sourceSide(env, m.meta);
      applied[side] = await engine.migrationMetadata(db).appliedEventCounts(m.uuid);
    } catch (e) {
      // Only a refused or missing password is fixed by passing one; a server that cannot be reached is not.
      const fix = isTandemError(e) && e.code === 'TANDEM_AUTH'
        ? `pass --${side}-db-password or ${side.toUpperCase()}_DB_PASSWORD`
        : `run the report again once the ${side} can be reached`;
      notes.push(`events imported into the ${side} are not known: its counters could not be read (${(e as Error).message.split('\n')[0]}), so its rows' IMPORTED_* columns and every FINAL_ROW_COUNT show "-" (null in json); ${fix}.`);
      unknown.add(side);
      failure ??= e;
    }
  }
  return { applied, notes, ...(failure !== undefined ? { failure } : {}) };
}

/**
 * What the counts cannot hold, said under the report: a change stream lost for good (its changes
 * since are counted nowhere) and writes after a cutover marker (kept in a stream, not migrated).
 */
export function uncountedNotes(m: Pick<Migration, 'meta' | 'exportDir'>): string[] {
  const notes: string[] = [];
  for (const role of ['source', 'target'] as const) {
    const lost = streamLost(m.meta, role);
    if (lost) {
      notes.push(`the ${role}'s change stream stopped for good at ${lost.at} (${lost.message}): the ${role}'s changes since are counted nowhere, so FINAL_ROW_COUNT is not what the tables hold; run "tandem compare --export-dir ${m.exportDir.root}". ${startOverHint(m.exportDir.root)}`);
    }
  }
  // A stopped exporter leaves its side's changes in that side's change stream, counted nowhere
  // yet: the counts look settled while the application goes on writing (the ops-edges-50 run).
  for (const command of neededButStopped(m.meta, m.exportDir.metainfoDir)) {
    const side = command === 'export data from source' ? 'source' : command === 'export data from target' ? 'target' : undefined;
    if (side === undefined || streamLost(m.meta, side)) continue;
    notes.push(`"${command}" is not running: changes made on the ${side} since it stopped wait in the ${side}'s change stream and are not in these counts yet; start it again (tandem ${command} --export-dir ${m.exportDir.root}): it resumes where it stopped.`);
  }
  // An exporter paused on a full disk runs, and queues nothing (fix-verify-51: the counts looked final).
  const consumer = queueConsumerNow(m.meta);
  const type = m.meta.getValue<string>('export_type');
  if (consumer !== undefined && (type === 'snapshot-and-changes' || type === 'changes-only')) {
    const disk = diskNearlyFull(m.exportDir.root);
    if (disk) {
      const side = consumer === 'target' ? 'source' : 'target';
      notes.push(`the export dir's disk is nearly full (${(disk.free / 2 ** 20).toFixed(1)} MiB free): a streaming exporter pauses when it fills, and changes made on the ${side} meanwhile wait in its change stream, not in these counts; free space on that disk.`);
    }
  }
  for (const direction of ['to_target', 'to_source'] as const) {
    const late = streamEndFinding(CutoverState.get(m.meta, direction).detail);
    if (!late) continue;
    const side = direction === 'to_target' ? 'source' : 'target';
    notes.push(late.counted
      ? `the ${side} received writes after the marker of the cutover ${direction.replace('_', ' ')} (${late.text}): they were not migrated and are not in these counts; run "tandem compare --export-dir ${m.exportDir.root}" to see where the two sides differ.`
      : `no write after the marker of the cutover ${direction.replace('_', ' ')} was counted on the ${side}, but its change stream was kept because one could still arrive (${late.text}): one that did is not in these counts; run "tandem compare --export-dir ${m.exportDir.root}" to see whether the two sides differ.`);
  }
  return notes;
}

/** `tandem get data-migration-report`. */
export async function runDataMigrationReport(env: CommandEnv, options: { readonly exportDir: string; readonly outputFormat: 'table' | 'json' }): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    if (m.meta.snapshotTables().length === 0) {
      // An error, not a line on stdout: a script (or a JSON reader) must not take it for a report.
      throw new TandemError('TANDEM_EXPORT_DIR', `No data has been exported into ${m.exportDir.root} yet: there is nothing to report.`, {
        hint: 'Run "tandem export data" first (or check --export-dir).',
      });
    }
    const { applied, notes, failure } = await readAppliedCounts(env, m);
    reporter.print(renderReport(buildReport(m.meta, applied), options.outputFormat));
    // What the last column is (the newuser-mysql-53 run took it for a count of the tables).
    if (options.outputFormat === 'table') {
      reporter.print('FINAL_ROW_COUNT is the snapshot\'s rows plus the inserts less the deletes the change streams carried, not a count of the tables: rows a MySQL source\'s foreign-key actions delete are in it, under no other column, and writes after the last cutover are not. "tandem compare" counts the tables themselves.');
    }
    for (const n of [...notes, ...uncountedNotes(m)]) reporter.warn(n);
    if (failure !== undefined) {
      // Printed as far as it is known; the exit code says it is incomplete.
      const code = isTandemError(failure) ? failure.code : 'TANDEM_CONNECT';
      throw new TandemError(code, 'The report is incomplete: the counts of events imported into a database could not be read (see the warning above).', {
        hint: 'Fix what the warning names and run the report again.',
      });
    }
  } finally {
    m.close();
  }
}

