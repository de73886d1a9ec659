import { ValueConversionError } from './value-conversion-error.js';
import { microsDigits, pad2, pgFractionMicros, USECS_PER_SECOND } from './civil-time.js';

/**
 * PostgreSQL's interval text. Its own output (IntervalStyle postgres, the default) is used as
 * Tandem's text, because it is also valid input and reads back unchanged: `2 years 3 mons`,
 * `-2 years -3 mons`, `1 day 02:03:04.5`, `-1 days -02:03:04.5`, `00:00:00` for zero. Days and the
 * time of day stay apart (PostgreSQL does not fold 24 hours into a day).
 */

function unitPart(value: number, unit: string, state: { first: boolean; before: boolean }): string {
  const s = `${state.first ? '' : ' '}${state.before && value > 0 ? '+' : ''}${value} ${unit}${value === 1 ? '' : 's'}`;
  state.first = false;
  state.before = value < 0;
  return s;
}

/** PostgreSQL's text of a number of months: `2 years 3 mons`, `-1 years -2 mons`, `00:00:00`. */
export function pgIntervalFromMonths(months: number): string {
  const years = Math.trunc(months / 12);
  const mons = months - years * 12;
  return pgIntervalText({ months: 0, years, mons, days: 0, timeNegative: false, hours: 0, minutes: 0, seconds: 0, fraction: '' });
}

/** The fields EncodeInterval prints: years, months and days signed each, the time of day with one sign. */
export interface PgIntervalParts {
  months: number; years: number; mons: number; days: number;
  timeNegative: boolean; hours: number; minutes: number; seconds: number; fraction: string;
}

/** EncodeInterval, INTSTYLE_POSTGRES. */
export function pgIntervalText(p: PgIntervalParts): string {
  const state = { first: true, before: false };
  let s = '';
  if (p.years !== 0) s += unitPart(p.years, 'year', state);
  if (p.mons !== 0) s += unitPart(p.mons, 'mon', state);
  if (p.days !== 0) s += unitPart(p.days, 'day', state);
  const hasTime = p.hours !== 0 || p.minutes !== 0 || p.seconds !== 0 || p.fraction !== '';
  if (state.first || hasTime) {
    const sign = p.timeNegative ? '-' : state.before ? '+' : '';
    s += `${state.first ? '' : ' '}${sign}${pad2(p.hours)}:${pad2(p.minutes)}:${pad2(p.seconds)}${p.fraction ? `.${p.fraction}` : ''}`;
  }
  return s;
}

/** An interval as PostgreSQL stores it: months, days, microseconds (each with its own sign). */
export interface PgInterval {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

const UNIT_MONTHS: Record<string, number> = { year: 12, years: 12, yr: 12, yrs: 12, y: 12, mon: 1, mons: 1, month: 1, months: 1 };

/**
 * Reads PostgreSQL interval text in the postgres style (the default output: `1 year 2 mons 3 days
 * -04:05:06.5`) or ISO 8601 (`P1Y2M3DT4H5M6.5S`). Fractions beyond microseconds are rounded as
 * PostgreSQL's input does.
 */
export function parsePgInterval(text: string): PgInterval {
  const t = text.trim();
  if (/^-?P/i.test(t)) return parseIso8601Interval(t);
  let months = 0;
  let days = 0;
  let micros = 0n;
  const re = /([+-]?\d+)\s+([a-z]+)|([+-])?(\d+):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/gy;
  let pos = 0;
  const s = t.toLowerCase();
  while (pos < s.length) {
    while (s[pos] === ' ') pos++;
    if (pos >= s.length) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new ValueConversionError('not a PostgreSQL interval');
    pos = re.lastIndex;
    if (m[2] !== undefined) {
      const n = Number(m[1]);
      const unit = m[2];
      if (unit in UNIT_MONTHS) months += n * UNIT_MONTHS[unit]!;
      else if (unit === 'day' || unit === 'days' || unit === 'd') days += n;
      else if (unit === 'hour' || unit === 'hours') micros += BigInt(n) * 3_600_000_000n;
      else if (unit === 'min' || unit === 'mins' || unit === 'minute' || unit === 'minutes') micros += BigInt(n) * 60_000_000n;
      else if (unit === 'sec' || unit === 'secs' || unit === 'second' || unit === 'seconds') micros += BigInt(n) * USECS_PER_SECOND;
      else throw new ValueConversionError('unknown interval unit');
    } else {
      const sign = m[3] === '-' ? -1n : 1n;
      const us = BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6] ?? 0)) * USECS_PER_SECOND + BigInt(pgFractionMicros(m[7] ?? ''));
      micros += sign * us;
    }
  }
  return { months, days, micros };
}

function parseIso8601Interval(t: string): PgInterval {
  const m = /^(-)?P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+)(?:\.(\d+))?S)?)?$/i.exec(t);
  if (!m || t === 'P' || /T$/i.test(t)) throw new ValueConversionError('not an ISO 8601 interval');
  const sign = m[1] ? -1 : 1;
  const months = sign * (Number(m[2] ?? 0) * 12 + Number(m[3] ?? 0));
  const days = sign * (Number(m[4] ?? 0) * 7 + Number(m[5] ?? 0));
  const secField = m[8] ?? '0';
  const secNegative = secField.startsWith('-');
  const secUs = BigInt(Math.abs(Number(secField))) * USECS_PER_SECOND + BigInt(pgFractionMicros(m[9] ?? ''));
  const micros = BigInt(sign) * (BigInt(Number(m[6] ?? 0)) * 3_600_000_000n + BigInt(Number(m[7] ?? 0)) * 60_000_000n + (secNegative ? -secUs : secUs));
  return { months, days, micros };
}

/** PostgreSQL's output (IntervalStyle postgres) of a stored interval. */
export function pgIntervalOutput(v: PgInterval): string {
  const years = Math.trunc(v.months / 12);
  const mons = v.months - years * 12;
  const neg = v.micros < 0n;
  const a = neg ? -v.micros : v.micros;
  const totalSecs = a / USECS_PER_SECOND;
  return pgIntervalText({
    months: v.months, years, mons, days: v.days, timeNegative: neg,
    hours: Number(totalSecs / 3600n), minutes: Number((totalSecs / 60n) % 60n), seconds: Number(totalSecs % 60n),
    fraction: microsDigits(Number(a % USECS_PER_SECOND)),
  });
}
