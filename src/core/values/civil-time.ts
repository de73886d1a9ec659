/**
 * Calendar arithmetic on the proleptic Gregorian calendar (PostgreSQL's), exact, in BigInt
 * microseconds. Used where a date-time must move: a fraction that rounds up to the next second (and
 * maybe the next year), a time-zone offset that must become UTC. Years are astronomical here
 * (0 = 1 BC, -43 = 44 BC); the text forms convert.
 */

export const USECS_PER_SECOND = 1_000_000n;
export const USECS_PER_DAY = 86_400_000_000n;

/** Days from 1970-01-01 to the given date (proleptic Gregorian, astronomical year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date `days` after 1970-01-01 (inverse of daysFromCivil). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** A date-time broken into fields; year astronomical. */
export interface CivilDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Microseconds 0..999999. */
  readonly micros: number;
}

/** Microseconds since 1970-01-01 00:00:00. */
export function toEpochMicros(t: CivilDateTime): bigint {
  const days = BigInt(daysFromCivil(t.year, t.month, t.day));
  const secs = BigInt(t.hour * 3600 + t.minute * 60 + t.second);
  return days * USECS_PER_DAY + secs * USECS_PER_SECOND + BigInt(t.micros);
}

/** Inverse of toEpochMicros. */
export function fromEpochMicros(us: bigint): CivilDateTime {
  let days = us / USECS_PER_DAY;
  let rest = us % USECS_PER_DAY;
  if (rest < 0n) {
    rest += USECS_PER_DAY;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(Number(days));
  const secs = Number(rest / USECS_PER_SECOND);
  return { year, month, day, hour: Math.floor(secs / 3600), minute: Math.floor(secs / 60) % 60, second: secs % 60, micros: Number(rest % USECS_PER_SECOND) };
}

/** True when the fields name a real day and time (month lengths and leap years checked). */
export function isValidCivil(t: CivilDateTime): boolean {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  const back = civilFromDays(daysFromCivil(t.year, t.month, t.day));
  return back.month === t.month && back.day === t.day;
}

/**
 * PostgreSQL's rounding of a fraction of a second given with more than six digits: the digits are
 * read as a double (`strtod`) and `rint(frac * 1e6)` gives the microseconds (half to even, on the
 * double). Up to 1000000, which carries into the next second. Reproduced exactly: JavaScript's
 * number parsing and multiplication are the same IEEE operations.
 */
export function pgFractionMicros(fractionDigits: string): number {
  if (fractionDigits === '') return 0;
  const x = Number(`0.${fractionDigits}`) * 1e6;
  return roundHalfEven(x);
}

/** C's rint() in the default rounding mode. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The fraction digits for `micros`, without trailing zeros ('' for 0). */
export function microsDigits(micros: number): string {
  return micros === 0 ? '' : micros.toString().padStart(6, '0').replace(/0+$/, '');
}

export function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}
