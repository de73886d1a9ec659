import type { CommandContext } from '../cli/command-context.js';
import type { MetaStore } from '../core/meta-store.js';
import { openMigration } from './migration-context.js';
import { renderTable } from './text-table.js';

/** One line of the data-migration report: one table on one database. */
export interface ReportRow {
  readonly tableName: string;
  readonly dbType: 'source' | 'target' | 'source-replica';
  readonly exportedSnapshotRows: number;
  readonly importedSnapshotRows: number;
  readonly erroredImportEvents: number;
  readonly exportedInserts: number;
  readonly exportedUpdates: number;
  readonly exportedDeletes: number;
  readonly importedInserts: number;
  readonly importedUpdates: number;
  readonly importedDeletes: number;
  readonly finalRowCount: number;
}

const HEADERS = ['TABLE_NAME', 'DB_TYPE', 'EXPORTED_SNAPSHOT_ROWS', 'IMPORTED_SNAPSHOT_ROWS', 'ERRORED_IMPORT_EVENTS', 'EXPORTED_INSERTS',
  'EXPORTED_UPDATES', 'EXPORTED_DELETES', 'IMPORTED_INSERTS', 'IMPORTED_UPDATES', 'IMPORTED_DELETES', 'FINAL_ROW_COUNT'];

/** Builds the report from meta.db: snapshot rows per side, and the change-event counters. */
export function buildReport(meta: MetaStore): ReportRow[] {
  const files = meta.snapshotFiles();
  const batches = meta.importBatches();
  const importedByFile = new Map<string, number>();
  for (const b of batches) if (b.imported) importedByFile.set(b.fileName, (importedByFile.get(b.fileName) ?? 0) + b.rows);
  const rows: ReportRow[] = [];
  for (const t of meta.snapshotTables()) {
    const imported = files.filter((f) => f.tableKey === t.tableKey).reduce((s, f) => s + (importedByFile.get(f.fileName) ?? 0), 0);
    rows.push({
      tableName: t.tableKey, dbType: 'source', exportedSnapshotRows: t.exportedRows, importedSnapshotRows: 0, erroredImportEvents: 0,
      exportedInserts: 0, exportedUpdates: 0, exportedDeletes: 0, importedInserts: 0, importedUpdates: 0, importedDeletes: 0,
      finalRowCount: t.exportedRows,
    });
    if (meta.getStep('import_data').status !== 'NOT_STARTED') {
      rows.push({
        tableName: t.tableKey, dbType: 'target', exportedSnapshotRows: 0, importedSnapshotRows: imported, erroredImportEvents: 0,
        exportedInserts: 0, exportedUpdates: 0, exportedDeletes: 0, importedInserts: 0, importedUpdates: 0, importedDeletes: 0,
        finalRowCount: imported,
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
    r.exportedInserts, r.exportedUpdates, r.exportedDeletes, r.importedInserts, r.importedUpdates, r.importedDeletes, r.finalRowCount].map(String)));
}

/** `tandem get data-migration-report`. */
export async function runDataMigrationReport(ctx: CommandContext): Promise<void> {
  const m = openMigration(ctx, { create: false });
  try {
    const rows = buildReport(m.meta);
    if (rows.length === 0) {
      ctx.print('No data has been exported yet: run "tandem export data" first.');
      return;
    }
    ctx.print(renderReport(rows, ctx.str('output-format') === 'json' ? 'json' : 'table'));
  } finally {
    m.close();
  }
}
