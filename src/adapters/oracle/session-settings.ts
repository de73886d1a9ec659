/**
 * The session settings of every Oracle connection Tandem opens, so that every value Oracle turns
 * into text (LogMiner's SQL_REDO literals, TO_CHAR without a format, implicit conversions of bound
 * text) has one known, complete, parseable form whatever the database's or the client's defaults:
 *
 * - NLS_DATE_FORMAT `SYYYY-MM-DD HH24:MI:SS`: a DATE has a time of day, and BC years carry a sign.
 * - NLS_TIMESTAMP_FORMAT `…SS.FF9`: all nine fractional digits.
 * - NLS_TIMESTAMP_TZ_FORMAT `…SS.FF9 TZH:TZM`: the UTC offset of the instant (a region name is
 *   resolved by Oracle to the offset in force then, which is all PostgreSQL's timestamptz keeps).
 * - NLS_NUMERIC_CHARACTERS `.,`: a point as the decimal separator, for LogMiner and TO_NUMBER.
 * - TIME_ZONE `+00:00`: TIMESTAMP WITH LOCAL TIME ZONE values are shown (and bound) in UTC.
 * - NLS_CALENDAR GREGORIAN, NLS_DATE_LANGUAGE AMERICAN: no other calendar or month names.
 * - NLS_SORT / NLS_COMP BINARY: comparisons of key ranges (snapshot chunks) are byte-wise and match
 *   the index order.
 *
 * The thin driver does not format dates with these settings (it decodes DATE and TIMESTAMP into
 * JavaScript Date objects, losing digits beyond milliseconds): the snapshot therefore reads every
 * date-time and interval with an explicit TO_CHAR (see `snapshot/snapshot-sql.ts`), and the
 * settings above govern what the server formats: LogMiner's SQL_REDO and implicit conversions.
 */

export const ORACLE_SESSION_DATE_FORMAT = 'SYYYY-MM-DD HH24:MI:SS';
export const ORACLE_SESSION_TIMESTAMP_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF9';
export const ORACLE_SESSION_TIMESTAMP_TZ_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM';

/** The statement that sets them (one round trip). */
export function sessionSettingsSql(): string {
  return [
    'ALTER SESSION SET',
    `NLS_DATE_FORMAT = '${ORACLE_SESSION_DATE_FORMAT}'`,
    `NLS_TIMESTAMP_FORMAT = '${ORACLE_SESSION_TIMESTAMP_FORMAT}'`,
    `NLS_TIMESTAMP_TZ_FORMAT = '${ORACLE_SESSION_TIMESTAMP_TZ_FORMAT}'`,
    "NLS_NUMERIC_CHARACTERS = '.,'",
    "TIME_ZONE = '+00:00'",
    "NLS_CALENDAR = 'GREGORIAN'",
    "NLS_DATE_LANGUAGE = 'AMERICAN'",
    "NLS_SORT = 'BINARY'",
    "NLS_COMP = 'BINARY'",
  ].join(' ');
}
