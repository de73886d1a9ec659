/**
 * What change capture needs to know of each migrated table, and how its values become the queue's
 * text form.
 */
import type { CatalogColumn } from './binlog-row-decoder.js';

/** One migrated table, from the source catalog. */
export interface CaptureTable {
  /** The MySQL database (what the binlog calls the schema). */
  readonly database: string;
  readonly table: string;
  /** Every column, in table order (`ORDINAL_POSITION`), as the binlog writes them. */
  readonly columns: readonly CatalogColumn[];
  /** Primary-key column names, in key order. */
  readonly primaryKey: readonly string[];
  /** The schema the change events name (default: `database`). */
  readonly eventSchema?: string;
  /** The table the change events name (default: `table`). */
  readonly eventTable?: string;
  /** Columns left out of change events (for example generated columns the target computes). */
  readonly omitColumns?: readonly string[];
  /**
   * The row-end column of a MariaDB system-versioned table (one of `columns`). The server writes
   * its history into the binlog as rows of the table; only a row whose row end is its type's
   * maximum is current (`system-versioned-rows.ts`), and only changes of current rows are captured.
   */
  readonly rowEndColumn?: string;
  /**
   * False for a table whose engine cannot roll back (MyISAM, Aria, MEMORY, …): its changes stand
   * when their transaction rolls back. Default true (InnoDB).
   */
  readonly transactional?: boolean;
}

/** Engines whose changes a ROLLBACK undoes (information_schema.TABLES.ENGINE, compared without case). */
const TRANSACTIONAL_ENGINES = new Set(['innodb', 'xtradb', 'rocksdb', 'tokudb', 'ndbcluster', 'ndb']);

/** Whether a table of this engine is rolled back with its transaction (unknown engine: yes, as InnoDB, the default). */
export function isTransactionalEngine(engine: string | null | undefined): boolean {
  return engine === null || engine === undefined || engine === '' || TRANSACTIONAL_ENGINES.has(engine.toLowerCase());
}

/**
 * Turns one non-NULL value, as mysql2's text protocol gives it, into the queue's text form
 * (PostgreSQL's text input form for the target column). Built once per column.
 */
export type ValueConverter = (value: string | Buffer) => string | null;

/** Makes the converter of one column. */
export type ConverterFactory = (table: CaptureTable, column: CatalogColumn) => ValueConverter;

/**
 * The default: text as it is, binary as PostgreSQL's bytea hex form (`\x0aff`). The engine seam
 * replaces it with the MySQL value converters (`src/adapters/mysql/values/`), which know each
 * column's target type.
 */
export const passThroughConverters: ConverterFactory = () => (v) => (typeof v === 'string' ? v : `\\x${v.toString('hex')}`);
