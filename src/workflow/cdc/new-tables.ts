import { log } from '../../core/logger.js';
import { tableKeyOf } from '../../core/engine/catalog.js';
import type { MetaStore } from '../../core/meta-store.js';
import { migratedSchemas, type Side } from '../migration-context.js';
import { filterTables } from '../table-filter.js';

/** meta.db key: the table flags `export data` chose its tables with (`TableFilter`). */
export const TABLE_FILTER_KEY = 'source_table_filter';

/** `--table-list` / `--exclude-table-list` as `export data` was given them. */
export interface TableFilter {
  readonly tableList?: string;
  readonly excludeTableList?: string;
}

/**
 * Tables of the migrated schemas that `export data` would have taken (same flags) but that are not in
 * the migration: created on the source after the snapshot. Their rows are not migrated (the stream
 * carries only the tables the migration started with), which nothing else would say until the
 * application missed them on the target. Empty when the migration names its tables (`--table-list`:
 * a new table is not wanted), when the flags were not recorded (an export dir from before they
 * were), or when an excluded name no longer exists (the flags can no longer be applied as given).
 */
export async function tablesCreatedSinceSnapshot({ db, engine }: Side, meta: MetaStore): Promise<string[]> {
  const filter = meta.getValue<TableFilter>(TABLE_FILTER_KEY);
  if (!filter || (filter.tableList !== undefined && filter.tableList.trim() !== '')) return [];
  const catalog = await engine.openCatalog(db);
  try {
    const all = await catalog.listTables(migratedSchemas(meta));
    let wanted;
    try {
      wanted = filterTables(all, undefined, filter.excludeTableList);
    } catch (e) {
      log.debug(`new-table check skipped: ${(e as Error).message}`);
      return [];
    }
    const migrated = new Set(meta.snapshotTables().map((t) => t.tableKey));
    return wanted.map(tableKeyOf).filter((k) => !migrated.has(k));
  } finally {
    await catalog.close();
  }
}

/** The warning about tables `tablesCreatedSinceSnapshot` found. */
export function newTablesWarning(tables: readonly string[], where: string): string {
  return `${tables.join(', ')} ${tables.length === 1 ? 'was' : 'were'} created on ${where} after the migration's snapshot: `
    + `${tables.length === 1 ? 'its' : 'their'} rows are not migrated (the change stream carries only the tables the migration started with, and schema changes are not replicated). `
    + 'If the application needs it on the target, create it there and copy its rows while nothing writes to it (at the cutover, say), or start a new migration in a new export dir; '
    + 'if not, this warning is all there is.';
}
