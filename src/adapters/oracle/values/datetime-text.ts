import { checkDateTimeFields, parsePgDateTime, parseUtcOffset, pgDateTimeText, type DateTimeFields } from '../../../core/values/datetime-text.js';
import { fromEpochMicros, pad2, toEpochMicros, USECS_PER_SECOND } from '../../../core/values/civil-time.js';
import { asOracleValueError, OracleValueError } from './value-error.js';

/**
 * Oracle's date-time text in both directions; PostgreSQL's side is `core/values/datetime-text.ts`.
 *
 * Oracle reads and prints the session formats Tandem sets (see `session-settings.ts`),
 * `SYYYY-MM-DD HH24:MI:SS` for DATE, `…SS.FF9` for TIMESTAMP, `…SS.FF9 TZH:TZM` for TIMESTAMP WITH
 * TIME ZONE. `SYYYY` prints BC years with a minus sign (`-0044` is 44 BC; Oracle has no year 0) and
 * AD years with a space or nothing. LogMiner's TO_TIMESTAMP_TZ literals may carry a region name
 * (`Europe/Paris`) instead of an offset.
 *
 * The labels are kept: a DATE that Oracle shows as 1000-01-01 (Julian calendar, as Oracle counts
 * days before 1582-10-15) arrives in PostgreSQL as 1000-01-01 (proleptic Gregorian). Same text, as
 * every other tool does; the day count differs by the calendars' drift.
 */

const ORACLE_DATETIME =
  /^\s*([+-])?\s*(\d{1,4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,9}))?(?:\s*([+-]\d{1,2}:?\d{2}|[A-Za-z][A-Za-z0-9_/+\-]*))?\s*$/;

/** Reads Oracle's date-time text (DATE, TIMESTAMP, TIMESTAMP WITH [LOCAL] TIME ZONE). */
export function parseOracleDateTime(text: string): DateTimeFields {
  const m = ORACLE_DATETIME.exec(text);
  if (!m) throw new OracleValueError('not an Oracle date-time in the session format');
  const oracleYear = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  if (oracleYear === 0) throw new OracleValueError('Oracle has no year 0');
  const zoneText = m[9];
  try {
    const zone = zoneText === undefined ? undefined : /^[+-]/.test(zoneText) ? { offsetSeconds: parseUtcOffset(zoneText) } : { region: zoneText };
    return checkDateTimeFields({
      year: oracleYear < 0 ? oracleYear + 1 : oracleYear,
      month: Number(m[3]), day: Number(m[4]), hour: Number(m[5]), minute: Number(m[6]), second: Number(m[7]),
      fraction: m[8] ?? '',
      zone,
    });
  } catch (e) {
    throw asOracleValueError(e);
  }
}

/**
 * Reads PostgreSQL's ISO text of a timestamp or timestamptz for an Oracle bind. `infinity` and
 * `-infinity` have no Oracle equivalent: OracleValueError.
 */
function parsePgDateTimeForOracle(text: string): DateTimeFields {
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '-infinity') throw new OracleValueError('infinite timestamps cannot be stored in Oracle');
  try {
    return parsePgDateTime(text);
  } catch (e) {
    throw asOracleValueError(e);
  }
}

function oracleOffsetText(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const a = Math.abs(offsetSeconds);
  return `${sign}${pad2(Math.floor(a / 3600))}:${pad2(Math.floor(a / 60) % 60)}`;
}

/** Oracle DATE text (`SYYYY-MM-DD HH24:MI:SS` session format) → PostgreSQL timestamp text. */
export function oracleDateToPg(text: string): string {
  const f = parseOracleDateTime(text);
  if (f.fraction.replace(/0+$/, '') !== '') throw new OracleValueError('a DATE has no fractional seconds');
  return pgDateTimeText(f, false);
}

/** Oracle TIMESTAMP text → PostgreSQL timestamp text, all nine fractional digits kept. */
export function oracleTimestampToPg(text: string): string {
  return pgDateTimeText(parseOracleDateTime(text), false);
}

/**
 * Oracle TIMESTAMP WITH [LOCAL] TIME ZONE text → PostgreSQL timestamptz text. The offset (or the
 * region name, which PostgreSQL resolves with its own time-zone database) is kept; a missing zone
 * means UTC (Tandem reads LOCAL TIME ZONE values with SYS_EXTRACT_UTC).
 */
export function oracleTimestampTzToPg(text: string): string {
  const f = parseOracleDateTime(text);
  return pgDateTimeText(f.zone ? f : { ...f, zone: { offsetSeconds: 0 } }, true);
}

/** Moves a date-time with an offset to UTC (exact, BigInt microseconds); fraction kept to 6 digits. */
function toUtc(f: DateTimeFields & { zone: { offsetSeconds: number } }): DateTimeFields {
  const micros = Number(f.fraction.padEnd(6, '0').slice(0, 6));
  const rest = f.fraction.slice(6);
  const us = toEpochMicros({ ...f, micros }) - BigInt(f.zone.offsetSeconds) * USECS_PER_SECOND;
  const c = fromEpochMicros(us);
  return { ...c, fraction: (c.micros.toString().padStart(6, '0') + rest).replace(/0+$/, ''), zone: { offsetSeconds: 0 } };
}

function oracleYear(year: number): string {
  if (year > 9999 || year < -4711) throw new OracleValueError('year out of Oracle\'s range (4712 BC to 9999 AD)');
  return year > 0 ? year.toString().padStart(4, '0') : `-${(1 - year).toString().padStart(4, '0')}`;
}

/** The bind format of `oracleDateBind`, for TO_DATE. */
export const ORACLE_DATE_FORMAT = 'SYYYY-MM-DD HH24:MI:SS';
/** The bind format of `oracleTimestampBind`, for TO_TIMESTAMP (FF reads 1 to 9 digits). */
export const ORACLE_TIMESTAMP_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF';
/** The bind format of `oracleTimestampTzBind`, for TO_TIMESTAMP_TZ. */
export const ORACLE_TIMESTAMP_TZ_FORMAT = 'SYYYY-MM-DD HH24:MI:SS.FF TZH:TZM';

function oracleClock(f: DateTimeFields): string {
  return `${oracleYear(f.year)}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}`;
}

/**
 * PostgreSQL timestamp text → text for TO_DATE(:b, ORACLE_DATE_FORMAT). A DATE holds whole seconds:
 * a fraction is cut off and reported through `fractionDropped`.
 */
export function oracleDateBind(pgText: string): { text: string; fractionDropped: boolean } {
  const f = parsePgDateTimeForOracle(pgText);
  const g = f.zone && 'offsetSeconds' in f.zone ? toUtc({ ...f, zone: f.zone }) : f;
  return { text: oracleClock(g), fractionDropped: g.fraction.replace(/0+$/, '') !== '' };
}

/** PostgreSQL timestamp text → text for TO_TIMESTAMP(:b, ORACLE_TIMESTAMP_FORMAT). */
export function oracleTimestampBind(pgText: string): string {
  const f = parsePgDateTimeForOracle(pgText);
  return `${oracleClock(f)}.${(f.fraction || '0').slice(0, 9)}`;
}

/**
 * PostgreSQL timestamptz text → text for TO_TIMESTAMP_TZ(:b, ORACLE_TIMESTAMP_TZ_FORMAT). Offsets
 * with seconds (historical local mean time) cannot be written as TZH:TZM: such values are moved to
 * UTC first (same instant). Region names are not PostgreSQL output and are refused.
 */
export function oracleTimestampTzBind(pgText: string): string {
  const f = parsePgDateTimeForOracle(pgText);
  if (!f.zone || !('offsetSeconds' in f.zone)) throw new OracleValueError('a timestamptz text must carry a UTC offset');
  const g = f.zone.offsetSeconds % 60 !== 0 ? toUtc({ ...f, zone: f.zone }) : f;
  const off = (g.zone as { offsetSeconds: number }).offsetSeconds;
  return `${oracleClock(g)}.${(g.fraction || '0').slice(0, 9)} ${oracleOffsetText(off)}`;
}
