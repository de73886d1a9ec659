import { OracleValueError } from './value-error.js';
import { fromEpochMicros, isValidCivil, microsDigits, pad2, pgFractionMicros, toEpochMicros, USECS_PER_SECOND, type CivilDateTime } from './civil-time.js';

/**
 * Date-time text in both directions.
 *
 * Oracle side: the session formats Tandem sets (see `session-settings.ts`), `SYYYY-MM-DD HH24:MI:SS`
 * for DATE, `…SS.FF9` for TIMESTAMP, `…SS.FF9 TZH:TZM` for TIMESTAMP WITH TIME ZONE. `SYYYY` prints
 * BC years with a minus sign (`-0044` is 44 BC; Oracle has no year 0) and AD years with a space or
 * nothing. LogMiner's TO_TIMESTAMP_TZ literals may carry a region name (`Europe/Paris`) instead of an
 * offset.
 *
 * PostgreSQL side: ISO DateStyle, `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]`.
 *
 * The labels are kept: a DATE that Oracle shows as 1000-01-01 (Julian calendar, as Oracle counts
 * days before 1582-10-15) arrives in PostgreSQL as 1000-01-01 (proleptic Gregorian). Same text, as
 * every other tool does; the day count differs by the calendars' drift.
 */

/** A parsed date-time. `year` is astronomical (0 = 1 BC). */
export interface DateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fractional-second digits exactly as written ('' when none), up to 9 from Oracle. */
  readonly fraction: string;
  /** Absent for DATE/TIMESTAMP; an offset in seconds east of UTC, or a region name. */
  readonly zone?: { readonly offsetSeconds: number } | { readonly region: string };
}

const ORACLE_DATETIME =
  /^\s*([+-])?\s*(\d{1,4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,9}))?(?:\s*([+-]\d{1,2}:?\d{2}|[A-Za-z][A-Za-z0-9_/+\-]*))?\s*$/;

function checkFields(f: DateTimeFields): DateTimeFields {
  const civil: CivilDateTime = { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, micros: 0 };
  if (!isValidCivil(civil)) throw new OracleValueError('not a valid date or time of day');
  return f;
}

function parseOffset(text: string): number {
  const m = /^([+-])(\d{1,2}):?(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) throw new OracleValueError('not a valid time-zone offset');
  const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (Number(m[3]) > 59 || Number(m[4] ?? 0) > 59 || secs > 16 * 3600) throw new OracleValueError('time-zone offset out of range');
  return m[1] === '-' ? -secs : secs;
}

/** Reads Oracle's date-time text (DATE, TIMESTAMP, TIMESTAMP WITH [LOCAL] TIME ZONE). */
export function parseOracleDateTime(text: string): DateTimeFields {
  const m = ORACLE_DATETIME.exec(text);
  if (!m) throw new OracleValueError('not an Oracle date-time in the session format');
  const oracleYear = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  if (oracleYear === 0) throw new OracleValueError('Oracle has no year 0');
  const zoneText = m[9];
  const zone = zoneText === undefined ? undefined : /^[+-]/.test(zoneText) ? { offsetSeconds: parseOffset(zoneText) } : { region: zoneText };
  return checkFields({
    year: oracleYear < 0 ? oracleYear + 1 : oracleYear,
    month: Number(m[3]), day: Number(m[4]), hour: Number(m[5]), minute: Number(m[6]), second: Number(m[7]),
    fraction: m[8] ?? '',
    zone,
  });
}

const PG_DATETIME =
  /^\s*(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)|\s+(?!BC\s*$)([A-Za-z][A-Za-z0-9_/+\-]*))?(\s+BC)?\s*$/;

/**
 * Reads PostgreSQL's ISO text of a timestamp or timestamptz (`2024-01-15 10:30:00.5+05:30`,
 * `0044-03-15 12:00:00 BC`). `infinity` and `-infinity` have no Oracle equivalent: OracleValueError.
 */
export function parsePgDateTime(text: string): DateTimeFields {
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '-infinity') throw new OracleValueError('infinite timestamps cannot be stored in Oracle');
  const m = PG_DATETIME.exec(text);
  if (!m) throw new OracleValueError('not a PostgreSQL ISO timestamp');
  const label = Number(m[1]);
  const bc = m[10] !== undefined;
  const zone = m[8] !== undefined ? { offsetSeconds: parseOffset(m[8].length === 3 ? `${m[8]}:00` : m[8]) } : m[9] !== undefined ? { region: m[9] } : undefined;
  return checkFields({
    year: bc ? 1 - label : label,
    month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    fraction: m[7] ?? '',
    zone,
  });
}

function yearLabel(year: number): { label: string; bc: boolean } {
  return year > 0 ? { label: year.toString().padStart(4, '0'), bc: false } : { label: (1 - year).toString().padStart(4, '0'), bc: true };
}

function offsetText(offsetSeconds: number, style: 'pg' | 'oracle'): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const a = Math.abs(offsetSeconds);
  const h = Math.floor(a / 3600);
  const mi = Math.floor(a / 60) % 60;
  const s = a % 60;
  if (style === 'oracle') return `${sign}${pad2(h)}:${pad2(mi)}`;
  return `${sign}${pad2(h)}${mi || s ? `:${pad2(mi)}` : ''}${s ? `:${pad2(s)}` : ''}`;
}

/**
 * PostgreSQL input text for a parsed Oracle date-time: every fractional digit is kept (trailing
 * zeros dropped; PostgreSQL rounds to microseconds itself), the zone as an offset or region name,
 * ` BC` last. `keepZone` false drops the zone (DATE, TIMESTAMP).
 */
export function pgDateTimeText(f: DateTimeFields, keepZone: boolean): string {
  const { label, bc } = yearLabel(f.year);
  const frac = f.fraction.replace(/0+$/, '');
  let s = `${label}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${frac ? `.${frac}` : ''}`;
  if (keepZone && f.zone) s += 'offsetSeconds' in f.zone ? offsetText(f.zone.offsetSeconds, 'pg') : ` ${f.zone.region}`;
  return bc ? `${s} BC` : s;
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
  const f = parsePgDateTime(pgText);
  const g = f.zone && 'offsetSeconds' in f.zone ? toUtc({ ...f, zone: f.zone }) : f;
  return { text: oracleClock(g), fractionDropped: g.fraction.replace(/0+$/, '') !== '' };
}

/** PostgreSQL timestamp text → text for TO_TIMESTAMP(:b, ORACLE_TIMESTAMP_FORMAT). */
export function oracleTimestampBind(pgText: string): string {
  const f = parsePgDateTime(pgText);
  return `${oracleClock(f)}.${(f.fraction || '0').slice(0, 9)}`;
}

/**
 * PostgreSQL timestamptz text → text for TO_TIMESTAMP_TZ(:b, ORACLE_TIMESTAMP_TZ_FORMAT). Offsets
 * with seconds (historical local mean time) cannot be written as TZH:TZM: such values are moved to
 * UTC first (same instant). Region names are not PostgreSQL output and are refused.
 */
export function oracleTimestampTzBind(pgText: string): string {
  const f = parsePgDateTime(pgText);
  if (!f.zone || !('offsetSeconds' in f.zone)) throw new OracleValueError('a timestamptz text must carry a UTC offset');
  const g = f.zone.offsetSeconds % 60 !== 0 ? toUtc({ ...f, zone: f.zone }) : f;
  const off = (g.zone as { offsetSeconds: number }).offsetSeconds;
  return `${oracleClock(g)}.${(g.fraction || '0').slice(0, 9)} ${offsetText(off, 'oracle')}`;
}

/**
 * What PostgreSQL stores and prints for a timestamp input (DateStyle ISO): the fraction rounded to
 * microseconds as its input routine does (carrying into the next second, day, year), then to
 * `precision` digits (timestamp(p)), then printed without trailing zeros. With `utc`, the value is
 * moved to UTC and printed with `+00` (timestamptz under TimeZone UTC). Region names cannot be
 * resolved here: OracleValueError.
 */
export function pgTimestampOutput(f: DateTimeFields, precision = 6, utc = false): string {
  let us = toEpochMicros({ ...f, micros: 0 }) + BigInt(pgFractionMicros(f.fraction));
  if (utc) {
    if (!f.zone) throw new OracleValueError('a timestamptz value needs a zone');
    if (!('offsetSeconds' in f.zone)) throw new OracleValueError('a region name cannot be resolved without a time-zone database');
    us -= BigInt(f.zone.offsetSeconds) * USECS_PER_SECOND;
  }
  if (precision < 6) us = roundToPrecision(us, precision);
  const c = fromEpochMicros(us);
  const { label, bc } = yearLabel(c.year);
  const frac = microsDigits(c.micros);
  const s = `${label}-${pad2(c.month)}-${pad2(c.day)} ${pad2(c.hour)}:${pad2(c.minute)}:${pad2(c.second)}${frac ? `.${frac}` : ''}${utc ? '+00' : ''}`;
  return bc ? `${s} BC` : s;
}

/** PostgreSQL epoch 2000-01-01 in microseconds since 1970-01-01. */
const PG_EPOCH_US = 946_684_800_000_000n;

/**
 * AdjustTimestampForTypmod: rounds half away from zero, counted from PostgreSQL's epoch
 * (2000-01-01), to 10^(6-precision) microseconds.
 */
function roundToPrecision(epochUs: bigint, precision: number): bigint {
  const scale = 10n ** BigInt(6 - precision);
  const offset = scale / 2n;
  const t = epochUs - PG_EPOCH_US;
  const r = t >= 0n ? ((t + offset) / scale) * scale : -(((-t + offset) / scale) * scale);
  return r + PG_EPOCH_US;
}
