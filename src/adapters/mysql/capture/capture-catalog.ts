/**
 * From the source catalog (`catalog.ts`) to what change capture needs: per table its columns as the
 * binlog decoder reads them, its key, the names the change events carry, and the converters that
 * turn each value into PostgreSQL's text input form (`values/mysql-to-pg.ts`), the same ones the
 * snapshot uses. Pure.
 */
import type { MySqlCatalog, MySqlColumn, MySqlTable } from '../catalog-types.js';
import { DEFAULT_MYSQL_TARGET_SCHEMA, generatedOnTarget } from '../schema/convert-schema.js';
import { valueTypeOf } from '../schema/type-map.js';
import { mysqlToPg } from '../values/mysql-to-pg.js';
import type { CatalogColumn } from './binlog-row-decoder.js';
import { isTransactionalEngine, type CaptureTable, type ConverterFactory } from './capture-table.js';

/** Options for {@link captureTablesFromCatalog}. */
export interface CaptureCatalogOptions {
  /** The PostgreSQL schema the tables were created in (default `public`, as the schema export). */
  readonly targetSchema?: string;
}

/** What the row decoder needs of one catalog column. */
export function catalogColumn(c: MySqlColumn): CatalogColumn {
  const zerofill = /\bzerofill\b/i.exec(c.columnType) ? /\((\d+)\)/.exec(c.columnType) : null;
  const type = c.dataType.toLowerCase();
  return {
    name: c.name,
    dataType: type,
    unsigned: c.unsigned,
    charset: c.charset === null || c.charset.toLowerCase() === 'binary' ? null : c.charset,
    ...(type === 'enum' && c.members && { enumValues: c.members }),
    ...(type === 'set' && c.members && { setValues: c.members }),
    // FLOAT(M,D) / DOUBLE(M,D): the server prints exactly D decimals.
    ...((type === 'float' || type === 'double') && /\(\d+,\d+\)/.test(c.columnType) && c.numericScale !== null && { floatDecimals: c.numericScale }),
    ...(zerofill && { zerofillWidth: Number(zerofill[1]) }),
    ...(c.datetimePrecision !== null && c.datetimePrecision > 0 && { fsp: c.datetimePrecision }),
    // The snapshot reads FLOAT as CAST(col AS DOUBLE) (schema/type-map.ts mysqlSelectExpression).
    ...(type === 'float' && { floatAsDouble: true }),
  };
}

/** The capture description of the catalog's tables (all of them, or those named). */
export function captureTablesFromCatalog(catalog: MySqlCatalog, tables?: readonly string[], options: CaptureCatalogOptions = {}): CaptureTable[] {
  const wanted = tables ? new Set(tables) : undefined;
  const schema = options.targetSchema ?? DEFAULT_MYSQL_TARGET_SCHEMA;
  return catalog.tables
    .filter((t) => !wanted || wanted.has(t.name))
    .map((t) => captureTableFromCatalog(catalog, t, schema));
}

function captureTableFromCatalog(catalog: MySqlCatalog, table: MySqlTable, targetSchema: string): CaptureTable {
  const period = table.systemPeriod;
  // The binlog writes a system-versioned table's period columns in every row; the target has none.
  const columns = [...table.columns, ...(period ? [period.rowStart, period.rowEnd] : [])].sort((a, b) => a.ordinal - b.ordinal);
  const omit = [...generatedOnTarget(catalog, table, { targetSchema }), ...(period ? [period.rowStart.name, period.rowEnd.name] : [])];
  return {
    database: catalog.database,
    table: table.name,
    columns: columns.map(catalogColumn),
    primaryKey: table.primaryKey,
    eventSchema: targetSchema,
    eventTable: table.name,
    ...(omit.length > 0 && { omitColumns: omit }),
    ...(period && { rowEndColumn: period.rowEnd.name }),
    ...(!isTransactionalEngine(table.engine) && { transactional: false }),
  };
}

/** A table's columns as the binlog writes them: its own and, for a system-versioned one, its period columns. */
function binlogColumns(table: MySqlTable): readonly MySqlColumn[] {
  return table.systemPeriod ? [...table.columns, table.systemPeriod.rowStart, table.systemPeriod.rowEnd] : table.columns;
}

/**
 * Converters from the catalog's value types: each value as `mysqlToPg` converts it for the
 * column's PostgreSQL type (zero dates become NULL; a zero date in a NOT NULL column or a NUL in
 * text is a TANDEM_DATA error naming the column).
 */
export function catalogConverters(catalog: MySqlCatalog, onNulledDate?: (column: string, value: string) => void): ConverterFactory {
  const byTable = new Map(catalog.tables.map((t) => [t.name, t]));
  return (table, column) => {
    const t = byTable.get(table.table);
    const c = t && binlogColumns(t).find((x) => x.name === column.name);
    if (!t || !c) throw new Error(`binlog capture: ${table.table}.${column.name} is not in the catalog`);
    const type = valueTypeOf(t.name, c, catalog.server.flavor);
    if (!onNulledDate || (type.kind !== 'date' && type.kind !== 'datetime' && type.kind !== 'timestamp')) return (v) => mysqlToPg(v, type);
    // A date the target cannot hold becomes NULL: said (the snapshot's are counted at export).
    return (v) => {
      const out = mysqlToPg(v, type);
      if (out === null && v !== null) onNulledDate(type.column, String(v).slice(0, 10));
      return out;
    };
  };
}
