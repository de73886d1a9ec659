/**
 * The rows of a MariaDB system-versioned table in the binlog. The server keeps the table's history
 * as rows of the table itself and logs them as such (checked on MariaDB 10.11, binlog_format=ROW,
 * binlog_row_image=FULL): every row image carries the row-start and row-end columns (an implicit
 * table's hidden ones last), and
 * - an INSERT is a write of the current row, its row end at the type's maximum;
 * - an UPDATE is an update of the current row (new values, a new row start) followed by a write of
 *   the old version, its row end set to the time of the update (a history row);
 * - a DELETE is an update of the current row that only sets its row end (it becomes history);
 * - `DELETE HISTORY` is a delete of history rows.
 * So only the current rows' changes are taken, by whether the row end before and after an event is
 * the maximum. Pure.
 */
import type { ColumnValue } from './binlog-row-decoder.js';

/**
 * The row end of a current row, as the row decoder gives it (TIMESTAMP in UTC, BIGINT as text):
 * TIMESTAMP's maximum before MariaDB 11.5 and from 11.5 (which also keeps the old one in tables
 * created before), compared to the second so that any fractional precision matches, and BIGINT
 * UNSIGNED's for a table versioned by transaction ids.
 */
const CURRENT_ROW_END = /^(?:2038-01-19 03:14:07|2106-02-07 06:28:15)(?:\.9+)?$|^18446744073709551615$/;

/** True when a row end says the row is current (not history). */
export function isCurrentRowEnd(value: ColumnValue | undefined): boolean {
  return typeof value === 'string' && CURRENT_ROW_END.test(value);
}

/**
 * The change of the table's current rows that a row event of a system-versioned table makes, from
 * whether its row before and after is current (undefined: the event has no such image, as a
 * write has no row before): an insert, an update, a delete (a current row closed, or deleted
 * outright), or null when only history rows are written or deleted.
 *
 * @example
 * currentRowChange(true, false) // 'd': a DELETE closes the row
 * currentRowChange(undefined, false) // null: the history row an UPDATE writes
 */
export function currentRowChange(before: boolean | undefined, after: boolean | undefined): 'c' | 'u' | 'd' | null {
  if (before && after) return 'u';
  if (before) return 'd';
  if (after) return 'c';
  return null;
}
