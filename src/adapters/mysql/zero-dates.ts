/**
 * MySQL's zero dates (`0000-00-00`, and dates with a zero month or day such as `2024-00-10`; also
 * year 0000, which PostgreSQL does not have; and, here, days their month does not have, such as
 * `2024-02-30` under ALLOW_INVALID_DATES) cannot be stored in PostgreSQL. In a nullable column
 * they become NULL and are reported; in a NOT NULL column they stop the export before anything
 * changes, naming the table, the column and the count. This module finds them.
 *
 * The scan reads every DATE, DATETIME and TIMESTAMP column of the tables (one full scan per table
 * that has such columns): the sql_mode only says whether new ones can appear later.
 */
import type { Connection } from 'mysql2/promise';
import { TandemError } from '../../core/errors.js';
import type { MySqlCatalog, MySqlTable } from './catalog-types.js';
import { mysqlIdent } from './catalog.js';

const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);

/** Zero dates found in one column. */
export interface ZeroDateCount {
  readonly table: string;
  readonly column: string;
  readonly nullable: boolean;
  readonly count: number;
}

export interface ZeroDateScan {
  /** Columns holding at least one zero date. */
  readonly counts: readonly ZeroDateCount[];
  /** True when the source's global sql_mode lets applications write new zero dates (see zeroDatesAllowed). */
  readonly newZeroDatesAllowed: boolean;
}

/** The columns of a table that can hold zero dates. */
export function zeroDateColumns(table: MySqlTable): { name: string; nullable: boolean }[] {
  return table.columns.filter((c) => DATE_TYPES.has(c.dataType) && !c.generated).map((c) => ({ name: c.name, nullable: c.nullable }));
}

/**
 * True when a session in this sql_mode can write zero dates: unless the mode is strict and has
 * both NO_ZERO_DATE and NO_ZERO_IN_DATE (MariaDB's default mode allows them; MySQL 8's does not).
 */
export function zeroDatesAllowed(sqlMode: string): boolean {
  const modes = new Set(sqlMode.toUpperCase().split(',').map((m) => m.trim()));
  const strict = modes.has('STRICT_TRANS_TABLES') || modes.has('STRICT_ALL_TABLES') || modes.has('TRADITIONAL');
  const noZero = (modes.has('NO_ZERO_DATE') && modes.has('NO_ZERO_IN_DATE')) || modes.has('TRADITIONAL');
  return !(strict && noZero);
}

/**
 * True (1) for a value of column `q` (quoted) PostgreSQL cannot hold: a zero date, a zero year, month
 * or day, or a day its month does not have (`2024-02-30`, stored under ALLOW_INVALID_DATES): the
 * last day of the month is read from the month's first day, which is always a valid date.
 */
export function unstorableDateSql(q: string): string {
  return `(YEAR(${q}) = 0 OR MONTH(${q}) = 0 OR DAYOFMONTH(${q}) = 0 OR DAYOFMONTH(${q}) > DAYOFMONTH(LAST_DAY(CONCAT(YEAR(${q}), '-', MONTH(${q}), '-01'))))`;
}

/**
 * One query counting the zero (or impossible) dates of each column (`z0`, `z1`, … in column order).
 *
 * @example
 * zeroDateCountSql('shop', 'orders', ['placed_on'])
 * // SELECT SUM((YEAR(`placed_on`) = 0 OR … OR DAYOFMONTH(`placed_on`) > DAYOFMONTH(LAST_DAY(…)))) AS z0 FROM `shop`.`orders`
 */
export function zeroDateCountSql(database: string, table: string, columns: readonly string[]): string {
  const sums = columns.map((c, i) => `SUM(${unstorableDateSql(mysqlIdent(c))}) AS z${i}`);
  return `SELECT ${sums.join(', ')} FROM ${mysqlIdent(database)}.${mysqlIdent(table)}`;
}

/**
 * Counts the zero dates in every date column of `tables` (default: all tables of the catalog).
 * Read-only. Use `assertNoZeroDatesInNotNull` on the result before exporting anything.
 */
export async function scanZeroDates(connection: Connection, catalog: MySqlCatalog, tables: readonly MySqlTable[] = catalog.tables): Promise<ZeroDateScan> {
  const counts: ZeroDateCount[] = [];
  for (const table of tables) {
    const columns = zeroDateColumns(table);
    if (columns.length === 0) continue;
    const [result] = await connection.query(zeroDateCountSql(catalog.database, table.name, columns.map((c) => c.name)));
    const row = (result as Record<string, string | null>[])[0] ?? {};
    columns.forEach((c, i) => {
      const count = Number(row[`z${i}`] ?? 0);
      if (count > 0) counts.push({ table: table.name, column: c.name, nullable: c.nullable, count });
    });
  }
  return { counts, newZeroDatesAllowed: zeroDatesAllowed(catalog.sqlMode) };
}

/**
 * Throws TANDEM_PREREQUISITE when a NOT NULL column holds zero dates, naming each table, column
 * and count (PostgreSQL can store neither the date nor NULL there). Nullable columns pass: the
 * caller reports their counts (the values become NULL).
 */
export function assertNoZeroDatesInNotNull(scan: ZeroDateScan, database: string): void {
  const blocking = scan.counts.filter((c) => !c.nullable);
  if (blocking.length === 0) return;
  throw new TandemError('TANDEM_PREREQUISITE', zeroDatesInNotNullMessage(blocking, database), { hint: ZERO_DATES_FIX });
}

/** The error's text for NOT NULL columns holding zero dates (`blocking`: their counts). */
export function zeroDatesInNotNullMessage(blocking: readonly ZeroDateCount[], database: string): string {
  const list = blocking.map((c) => `${c.table}.${c.column} (${c.count} row${c.count === 1 ? '' : 's'})`).join(', ');
  return `Zero dates in NOT NULL columns of ${database}: ${list}. PostgreSQL can store neither the zero date nor NULL there.`;
}

/** What to do about zero dates in NOT NULL columns; the UPDATE finds exactly the rows the scan counted. */
export const ZERO_DATES_FIX = `On the source, set real dates in those rows (e.g. UPDATE t SET c = '1970-01-01' WHERE ${unstorableDateSql('c')}), or make the columns nullable, then rerun. `
  + 'A zero date here is also one with a zero year, month or day, or a day its month does not have (2024-02-30, stored under ALLOW_INVALID_DATES). Nothing was exported.';

/** One line per nullable column whose zero dates will become NULL, for the export's report. */
export function describeNullableZeroDates(scan: ZeroDateScan): string[] {
  return scan.counts.filter((c) => c.nullable).map((c) => `${c.table}.${c.column}: ${c.count} zero date(s) will become NULL on the target`);
}
