import { ValueConversionError } from './value-conversion-error.js';
import { fromEpochMicros, isValidCivil, microsDigits, pad2, pgFractionMicros, toEpochMicros, USECS_PER_SECOND, type CivilDateTime } from './civil-time.js';

/**
 * PostgreSQL's date-time text: ISO DateStyle, `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]`,
 * read into fields, written back as input text, and printed as PostgreSQL stores it (rounded to
 * microseconds and to a timestamp(p) precision). An engine reads its own date-time text into the
 * same fields.
 */

/** A parsed date-time. `year` is astronomical (0 = 1 BC). */
export interface DateTimeFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Fractional-second digits exactly as written ('' when none; Oracle prints up to 9). */
  readonly fraction: string;
  /** Absent without a time zone; an offset in seconds east of UTC, or a region name. */
  readonly zone?: { readonly offsetSeconds: number } | { readonly region: string };
}

/** The fields, if they name a real day and time of day; ValueConversionError if not. */
export function checkDateTimeFields(f: DateTimeFields): DateTimeFields {
  const civil: CivilDateTime = { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, micros: 0 };
  if (!isValidCivil(civil)) throw new ValueConversionError('not a valid date or time of day');
  return f;
}

/** Seconds east of UTC of an offset written `+05:30`, `-0800`, `+00:09:21`, `+5:30`. */
export function parseUtcOffset(text: string): number {
  const m = /^([+-])(\d{1,2}):?(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) throw new ValueConversionError('not a valid time-zone offset');
  const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (Number(m[3]) > 59 || Number(m[4] ?? 0) > 59 || secs > 16 * 3600) throw new ValueConversionError('time-zone offset out of range');
  return m[1] === '-' ? -secs : secs;
}

const PG_DATETIME =
  /^\s*(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)|\s+(?!BC\s*$)([A-Za-z][A-Za-z0-9_/+\-]*))?(\s+BC)?\s*$/;

/**
 * Reads PostgreSQL's ISO text of a timestamp or timestamptz (`2024-01-15 10:30:00.5+05:30`,
 * `0044-03-15 12:00:00 BC`). `infinity` and `-infinity` have no fields: ValueConversionError.
 */
export function parsePgDateTime(text: string): DateTimeFields {
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '-infinity') throw new ValueConversionError('an infinite timestamp has no date and time fields');
  const m = PG_DATETIME.exec(text);
  if (!m) throw new ValueConversionError('not a PostgreSQL ISO timestamp');
  const label = Number(m[1]);
  const bc = m[10] !== undefined;
  const zone = m[8] !== undefined ? { offsetSeconds: parseUtcOffset(m[8].length === 3 ? `${m[8]}:00` : m[8]) } : m[9] !== undefined ? { region: m[9] } : undefined;
  return checkDateTimeFields({
    year: bc ? 1 - label : label,
    month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]),
    fraction: m[7] ?? '',
    zone,
  });
}

function yearLabel(year: number): { label: string; bc: boolean } {
  return year > 0 ? { label: year.toString().padStart(4, '0'), bc: false } : { label: (1 - year).toString().padStart(4, '0'), bc: true };
}

function pgOffsetText(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const a = Math.abs(offsetSeconds);
  const h = Math.floor(a / 3600);
  const mi = Math.floor(a / 60) % 60;
  const s = a % 60;
  return `${sign}${pad2(h)}${mi || s ? `:${pad2(mi)}` : ''}${s ? `:${pad2(s)}` : ''}`;
}

/**
 * PostgreSQL input text for a parsed date-time: every fractional digit is kept (trailing
 * zeros dropped; PostgreSQL rounds to microseconds itself), the zone as an offset or region name,
 * ` BC` last. `keepZone` false drops the zone (DATE, TIMESTAMP).
 */
export function pgDateTimeText(f: DateTimeFields, keepZone: boolean): string {
  const { label, bc } = yearLabel(f.year);
  const frac = f.fraction.replace(/0+$/, '');
  let s = `${label}-${pad2(f.month)}-${pad2(f.day)} ${pad2(f.hour)}:${pad2(f.minute)}:${pad2(f.second)}${frac ? `.${frac}` : ''}`;
  if (keepZone && f.zone) s += 'offsetSeconds' in f.zone ? pgOffsetText(f.zone.offsetSeconds) : ` ${f.zone.region}`;
  return bc ? `${s} BC` : s;
}

/**
 * What PostgreSQL stores and prints for a timestamp input (DateStyle ISO): the fraction rounded to
 * microseconds as its input routine does (carrying into the next second, day, year), then to
 * `precision` digits (timestamp(p)), then printed without trailing zeros. With `utc`, the value is
 * moved to UTC and printed with `+00` (timestamptz under TimeZone UTC). Region names cannot be
 * resolved here: ValueConversionError.
 */
export function pgTimestampOutput(f: DateTimeFields, precision = 6, utc = false): string {
  let us = toEpochMicros({ ...f, micros: 0 }) + BigInt(pgFractionMicros(f.fraction));
  if (utc) {
    if (!f.zone) throw new ValueConversionError('a timestamptz value needs a zone');
    if (!('offsetSeconds' in f.zone)) throw new ValueConversionError('a region name cannot be resolved without a time-zone database');
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
