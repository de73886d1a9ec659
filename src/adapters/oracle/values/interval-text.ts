import { parsePgInterval, pgIntervalText, type PgInterval } from '../../../core/values/interval-text.js';
import { pad2, pgFractionMicros, USECS_PER_DAY, USECS_PER_SECOND } from '../../../core/values/civil-time.js';
import { asOracleValueError, OracleValueError } from './value-error.js';

/**
 * Oracle's intervals in both directions; PostgreSQL's interval text, which Tandem carries, is
 * `core/values/interval-text.ts`.
 *
 * Oracle prints INTERVAL YEAR TO MONTH as `+02-03` (sign, years, months; TO_CHAR pads years to the
 * column's precision: `+000000002-03`) and INTERVAL DAY TO SECOND as `+01 02:03:04.500000`. The sign
 * applies to the whole value. Days and the time of day stay apart, as in PostgreSQL.
 */

/** An Oracle INTERVAL DAY TO SECOND, split. `fraction` keeps every digit Oracle printed. */
export interface DaySecondInterval {
  readonly negative: boolean;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly fraction: string;
}

/** Reads `+02-03` / `-000000002-03` / `2-3` into a signed number of months. */
export function parseOracleYearMonth(text: string): number {
  const m = /^\s*([+-])?(\d{1,9})-(\d{1,2})\s*$/.exec(text);
  if (!m || Number(m[3]) > 11) throw new OracleValueError('not an Oracle INTERVAL YEAR TO MONTH');
  const months = Number(m[2]) * 12 + Number(m[3]);
  return m[1] === '-' ? -months : months;
}

/** Reads `+01 02:03:04.500000` (days, then the time of day; fraction optional). */
export function parseOracleDaySecond(text: string): DaySecondInterval {
  const m = /^\s*([+-])?(\d{1,9})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{0,9}))?\s*$/.exec(text);
  if (!m || Number(m[3]) > 23 || Number(m[4]) > 59 || Number(m[5]) > 59) throw new OracleValueError('not an Oracle INTERVAL DAY TO SECOND');
  return { negative: m[1] === '-', days: Number(m[2]), hours: Number(m[3]), minutes: Number(m[4]), seconds: Number(m[5]), fraction: m[6] ?? '' };
}

/** PostgreSQL's text of an Oracle day-to-second interval, every fractional digit kept. */
export function pgIntervalFromDaySecond(v: DaySecondInterval): string {
  const zeroTime = v.hours === 0 && v.minutes === 0 && v.seconds === 0 && /^0*$/.test(v.fraction);
  return pgIntervalText({
    months: 0, years: 0, mons: 0,
    days: v.negative ? -v.days : v.days,
    timeNegative: v.negative && !zeroTime,
    hours: v.hours, minutes: v.minutes, seconds: v.seconds, fraction: v.fraction.replace(/0+$/, ''),
  });
}

/** Reads PostgreSQL interval text for an Oracle bind. */
function parsePgIntervalForOracle(pgText: string): PgInterval {
  try {
    return parsePgInterval(pgText);
  } catch (e) {
    throw asOracleValueError(e);
  }
}

/** The interval PostgreSQL stores for an Oracle day-to-second value (fraction rounded as its input does). */
export function pgIntervalFromDaySecondValue(v: DaySecondInterval): PgInterval {
  const us = BigInt(v.hours * 3600 + v.minutes * 60 + v.seconds) * USECS_PER_SECOND + BigInt(pgFractionMicros(v.fraction));
  return { months: 0, days: v.negative ? -v.days : v.days, micros: v.negative ? -us : us };
}

/**
 * PostgreSQL interval text → text for TO_YMINTERVAL (`-2-3`). Days or a time of day cannot be held
 * by a year-to-month interval: OracleValueError.
 */
export function oracleYearMonthBind(pgText: string): string {
  const v = parsePgIntervalForOracle(pgText);
  if (v.days !== 0 || v.micros !== 0n) throw new OracleValueError('an INTERVAL YEAR TO MONTH holds no days or time of day');
  const a = Math.abs(v.months);
  return `${v.months < 0 ? '-' : ''}${Math.trunc(a / 12)}-${a % 12}`;
}

/**
 * PostgreSQL interval text → text for TO_DSINTERVAL (`-1 02:03:04.500000`): days and time are added
 * up (a PostgreSQL day counts 24 hours here, as in Oracle). Months cannot be held: OracleValueError.
 */
export function oracleDaySecondBind(pgText: string): string {
  const v = parsePgIntervalForOracle(pgText);
  if (v.months !== 0) throw new OracleValueError('an INTERVAL DAY TO SECOND holds no months or years');
  const total = BigInt(v.days) * USECS_PER_DAY + v.micros;
  const neg = total < 0n;
  const a = neg ? -total : total;
  const days = a / USECS_PER_DAY;
  const rest = a % USECS_PER_DAY;
  const secs = rest / USECS_PER_SECOND;
  const frac = (rest % USECS_PER_SECOND).toString().padStart(6, '0');
  return `${neg ? '-' : ''}${days} ${pad2(Number(secs / 3600n))}:${pad2(Number((secs / 60n) % 60n))}:${pad2(Number(secs % 60n))}.${frac}`;
}
