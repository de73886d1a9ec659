/** Literal catalog pieces for the conversion tests: only what a test sets differs from a plain column. */
import type { MySqlCatalog, MySqlColumn, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';
import { parseServerVersion } from '../../../src/adapters/mysql/server-version.js';

export function column(name: string, columnType: string, over: Partial<MySqlColumn> = {}): MySqlColumn {
  const dataType = columnType.replace(/\(.*$/, '').replace(/ unsigned$/, '').trim().toLowerCase();
  const args = /\(([^)]*)\)/.exec(columnType)?.[1]?.split(',').map(Number) ?? [];
  const isString = /char|text|binary|blob/.test(dataType);
  return {
    name, ordinal: 1, dataType, columnType, nullable: true, unsigned: /unsigned/.test(columnType),
    charMaxLength: isString ? (args[0] ?? null) : null,
    numericPrecision: /decimal|bit/.test(dataType) ? (args[0] ?? null) : null,
    numericScale: dataType === 'decimal' ? (args[1] ?? 0) : null,
    datetimePrecision: /time/.test(dataType) ? (args[0] ?? 0) : null,
    charset: isString && !/binary|blob/.test(dataType) ? 'utf8mb4' : null,
    collation: isString && !/binary|blob/.test(dataType) ? 'utf8mb4_bin' : null,
    default: { kind: 'none' }, autoIncrement: false, onUpdateCurrentTimestamp: false, generated: null, members: null,
    isJson: false, invisible: false, comment: '', ...over,
  };
}

export function table(name: string, columns: MySqlColumn[], over: Partial<MySqlTable> = {}): MySqlTable {
  return {
    name, engine: 'InnoDB', collation: 'utf8mb4_general_ci', comment: '', autoIncrement: null, partitioned: false, systemVersioned: false,
    columns: columns.map((c, i) => ({ ...c, ordinal: i + 1 })), primaryKey: [], indexes: [], foreignKeys: [], checks: [], ...over,
  };
}

export function catalog(tables: MySqlTable[], over: Partial<MySqlCatalog> = {}): MySqlCatalog {
  return {
    database: 'shop', server: parseServerVersion('10.11.19-MariaDB', ''), lowerCaseTableNames: 0, sqlMode: 'STRICT_TRANS_TABLES',
    defaultCharset: 'utf8mb4', defaultCollation: 'utf8mb4_general_ci', tables, views: [], sequences: [], triggers: [], routines: [], events: [], ...over,
  };
}
