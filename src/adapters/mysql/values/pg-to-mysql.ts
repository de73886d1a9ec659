/**
 * PostgreSQL text output → MySQL value, for the fall-back writer. Pure.
 *
 * Input: a column value in PostgreSQL's text output form (DateStyle ISO, IntervalStyle postgres,
 * bytea_output hex or escape), as change events from the target carry it. Output: a value to bind
 * as a mysql2 parameter: a string (MySQL converts it exactly into the column's type, in a session
 * with time_zone '+00:00') or a Buffer (binary strings, BIT), or null.
 */
import { TandemError } from '../../../core/errors.js';
import type { MySqlValueType } from './value-type.js';
import { repertoireHolds } from '../../../core/values/character-repertoire.js';
import { mysqlRepertoire } from './charset-repertoire.js';

/**
 * A value the column cannot store. The change stays queued (a rerun meets it again), so the way out
 * is on the source's column, not the target's value.
 */
function unsupported(type: MySqlValueType, what: string): TandemError {
  return new TandemError('TANDEM_DATA', `${type.column}: ${what}, which MySQL cannot store.`, {
    hint: 'This change cannot be written to the source, and the fall-back cannot go past it (the data on the target is unharmed). If a MySQL type holds such values, '
      + 'change the column on the source to it, then rerun import data to source: it resumes with this change; otherwise keep the application on the target.',
  });
}

/** A text with a character the column's character set cannot store (checked before MySQL's error 1366, which quotes the value). */
function outsideCharset(type: MySqlValueType, charset: string): TandemError {
  const [table, column] = [type.column.slice(0, type.column.lastIndexOf('.')), type.column.slice(type.column.lastIndexOf('.') + 1)];
  return new TandemError('TANDEM_DATA', `${type.column}: a character that the column's character set ${charset} cannot store, written on the target.`, {
    hint: `Convert the column on the source to utf8mb4, which stores every character: ALTER TABLE \`${table}\` MODIFY \`${column}\` <its type as in SHOW CREATE TABLE> CHARACTER SET utf8mb4; `
      + 'then rerun import data to source: it resumes with this change.',
  });
}

/** bytea text (`\x0aff`, or the escape format) → bytes. */
export function byteaToBuffer(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      if (text[i + 1] === '\\') { bytes.push(0x5c); i++; continue; }
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
      continue;
    }
    bytes.push(ch);
  }
  return Buffer.from(bytes);
}

/** `0101…` → the big-endian bytes of a BIT(n) value. */
function bitsToBuffer(bits: string, bitLength: number): Buffer {
  const byteLength = Math.max(1, Math.ceil(bitLength / 8));
  const padded = bits.padStart(byteLength * 8, '0');
  const out = Buffer.alloc(byteLength);
  for (let i = 0; i < byteLength; i++) out[i] = parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return out;
}

const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

/** timestamptz text with any offset → the same instant in UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
export function timestamptzToUtc(text: string, type: MySqlValueType): string {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw unsupported(type, `the timestamp ${/infinity/.test(text) ? 'infinity' : /BC$/.test(text) ? 'before year 1' : 'in an unexpected form'}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * (sign === '-' ? -1 : 1);
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s) - offset, 0);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} `
    + `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${frac ?? ''}`;
}

/**
 * A real's text as the float's exact double text. MySQL parses a FLOAT column's string as a double,
 * then rounds it to a float: PostgreSQL's shortest text of FLT_MAX, `3.4028235e+38`, is a double
 * above FLT_MAX, which MySQL refuses (error 1264); `3.4028234663852886e+38` is the float itself.
 * A text that is no float (a double precision column on the target) is sent as it is.
 */
function floatText(text: string): string {
  const float = Math.fround(Number(text));
  if (!Number.isFinite(float) || Object.is(float, -0)) return text;
  return String(float);
}

const INTERVAL = /^(?:(-?\d+) years? ?)?(?:(-?\d+) mons? ?)?(?:(-?\d+) days? ?)?(?:([+-])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?$/;

/** interval text (IntervalStyle postgres) → MySQL TIME text `[-]HH:MM:SS[.ffffff]`. */
export function intervalToTime(text: string, type: MySqlValueType): string {
  const m = INTERVAL.exec(text);
  if (!m || text === '') throw unsupported(type, 'an interval in an unexpected form (Tandem reads IntervalStyle postgres)');
  const [, years, months, days, sign, h, mi, s, frac] = m;
  if ((years && Number(years) !== 0) || (months && Number(months) !== 0)) throw unsupported(type, 'an interval of months or years');
  const fracMicros = frac ? BigInt(frac.padEnd(6, '0')) : 0n;
  let micros = (BigInt(h ?? 0) * 3600n + BigInt(mi ?? 0) * 60n + BigInt(s ?? 0)) * 1_000_000n + fracMicros;
  if (sign === '-') micros = -micros;
  micros += BigInt(days ?? 0) * 86_400_000_000n;
  const negative = micros < 0n;
  if (negative) micros = -micros;
  const totalSeconds = micros / 1_000_000n;
  const rest = micros % 1_000_000n;
  const hours = totalSeconds / 3600n;
  const minutes = (totalSeconds % 3600n) / 60n;
  const seconds = totalSeconds % 60n;
  const two = (n: bigint) => n.toString().padStart(2, '0');
  const fraction = rest === 0n ? '' : `.${rest.toString().padStart(6, '0').replace(/0+$/, '')}`;
  return `${negative ? '-' : ''}${two(hours)}:${two(minutes)}:${two(seconds)}${fraction}`;
}

/**
 * Converts one PostgreSQL text value to what the MySQL column accepts.
 *
 * @example
 * pgToMySql('2024-05-06 09:08:09.5+02', { kind: 'timestamp', column: 't.ts', nullable: true }) // '2024-05-06 07:08:09.5'
 * pgToMySql('-1 days +02:00:00', { kind: 'time', column: 't.t', nullable: true })               // '-22:00:00'
 * pgToMySql('3.4028235e+38', { kind: 'float', column: 't.f', nullable: true })                    // '3.4028234663852886e+38'
 */
export function pgToMySql(text: string | null, type: MySqlValueType): string | Buffer | null {
  if (text === null) return null;
  switch (type.kind) {
    case 'integer':
    case 'decimal':
    case 'text':
    case 'json':
    case 'jsonb':
    case 'datetime':
    case 'date':
      // A DATETIME that was a TIMESTAMP when the migration began (changed on the source since, as the
      // hint of error 1292 advises) has timestamptz text on the target: its time in UTC, the writer's
      // session time zone, exactly as a TIMESTAMP is written.
      if (type.kind === 'datetime' && TIMESTAMPTZ.test(text)) return timestamptzToUtc(text, type);
      if ((type.kind === 'date' || type.kind === 'datetime') && (/infinity/.test(text) || text.endsWith(' BC'))) {
        throw unsupported(type, `the date ${text.endsWith(' BC') ? 'before year 1' : 'infinity'}`);
      }
      if (type.kind === 'decimal' && text === 'NaN') throw unsupported(type, 'NaN');
      if (type.charset !== undefined) {
        const repertoire = mysqlRepertoire(type.charset);
        if (repertoire !== undefined && !repertoireHolds(repertoire, text)) throw outsideCharset(type, type.charset);
      }
      return text;
    case 'float':
    case 'double':
      if (text === 'NaN' || text.endsWith('Infinity')) throw unsupported(type, `the floating-point value ${text}`);
      return type.kind === 'float' ? floatText(text) : text;
    case 'bit':
      return bitsToBuffer(text, type.bitLength ?? text.length);
    case 'binary':
      return byteaToBuffer(text);
    case 'timestamp':
      return timestamptzToUtc(text, type);
    case 'time':
      return intervalToTime(text, type);
    case 'year':
      return text === '0' ? '0000' : text;
  }
}
