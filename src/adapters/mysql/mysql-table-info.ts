import type { ReferentialAction, ReferentialActionKey, TableInfo } from '../../core/engine/catalog.js';
import type { MySqlCatalog, MySqlReferentialAction, MySqlTable } from './catalog-types.js';
import { generatedOnTarget } from './schema/convert-schema.js';

/**
 * How the MySQL engine names its tables to the rest of Tandem (pure): the target's schema (see
 * `mysql-config.ts`), the MySQL table name (kept exactly: the schema conversion keeps it), and the
 * columns copied, which leave out those PostgreSQL generates itself (`generatedOnTarget`).
 */

/** A table as the MySQL catalog lists it: target names outside, the MySQL table inside. */
export interface MySqlTableInfo extends TableInfo {
  readonly mysql: MySqlTable;
}

/** Row and byte estimates of one table (information_schema.TABLES), 0 when the server does not say. */
export interface MySqlTableSize {
  readonly rows: number;
  readonly bytes: number;
}

/** The SQL of the size estimates. Binds: the database. */
export const TABLE_SIZES_SQL = `SELECT TABLE_NAME AS name, TABLE_ROWS AS n, DATA_LENGTH AS bytes
  FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`;

/** The engine-neutral view of every table of the catalog, in the catalog's order. */
export function mysqlTableInfos(catalog: MySqlCatalog, targetSchema: string, sizes: ReadonlyMap<string, MySqlTableSize> = new Map()): MySqlTableInfo[] {
  return catalog.tables.map((t) => {
    const skip = new Set(generatedOnTarget(catalog, t, { targetSchema }));
    const size = sizes.get(t.name);
    return {
      schema: targetSchema,
      name: t.name,
      columns: [...t.columns].sort((a, b) => a.ordinal - b.ordinal).filter((c) => !skip.has(c.name)).map((c) => c.name),
      ...(skip.size > 0 ? { generatedColumns: [...t.columns].sort((a, b) => a.ordinal - b.ordinal).filter((c) => skip.has(c.name)).map((c) => c.name) } : {}),
      primaryKey: [...t.primaryKey],
      estimatedRows: size?.rows ?? 0,
      estimatedBytes: size?.bytes ?? 0,
      referentialActions: referentialActionsOf(t, catalog.database, targetSchema),
      sourceLabel: `${catalog.database}.${t.name}`,
      mysql: t,
    };
  });
}

const ACTIONS: Partial<Record<MySqlReferentialAction, ReferentialAction>> = { CASCADE: 'cascade', 'SET NULL': 'set null', 'SET DEFAULT': 'set default' };

/** The action a MySQL ON DELETE / ON UPDATE clause takes on the referencing rows; undefined for RESTRICT and NO ACTION, which change none. */
export function rowChangingAction(a: MySqlReferentialAction): ReferentialAction | undefined {
  return ACTIONS[a];
}

/**
 * The table's foreign keys whose actions InnoDB carries out below the binlog, named as on the target
 * (keys into another database are left out: that table is not migrated into this schema).
 */
function referentialActionsOf(t: MySqlTable, database: string, targetSchema: string): ReferentialActionKey[] {
  return t.foreignKeys
    .filter((f) => f.refDatabase === database && (rowChangingAction(f.onDelete) || rowChangingAction(f.onUpdate)))
    .map((f) => ({
      name: f.name, columns: [...f.columns], refSchema: targetSchema, refTable: f.refTable, refColumns: [...f.refColumns],
      ...(rowChangingAction(f.onDelete) ? { onDelete: rowChangingAction(f.onDelete) } : {}),
      ...(rowChangingAction(f.onUpdate) ? { onUpdate: rowChangingAction(f.onUpdate) } : {}),
    }));
}
