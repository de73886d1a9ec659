/**
 * MySQL value → PostgreSQL text input form, for the snapshot and the change stream. Pure.
 *
 * Input: a value as mysql2's text protocol returns it on a Tandem connection (`connection.ts`):
 * text for numbers, dates and times (TIMESTAMP in UTC), strings, JSON; a Buffer for binary strings,
 * BLOBs, BIT and spatial values; null for NULL. The binlog decoder produces the same forms.
 * Output: what `COPY … FROM` (text format) or a text parameter accepts for the column's PostgreSQL
 * type (see `docs/mysql.md`), or null.
 */
import { TandemError } from '../../../core/errors.js';
import type { MySqlValueType } from './value-type.js';

/** A value in mysql2's form. Integers may also come as a number or bigint (binlog decoders). */
export type MySqlValue = string | Buffer | number | bigint | null;

/**
 * True for a DATE/DATETIME/TIMESTAMP text PostgreSQL cannot hold: MySQL's zero date
 * `0000-00-00`, a date with a zero month or day (`2024-00-10`, allowed without NO_ZERO_IN_DATE),
 * or year 0000 (PostgreSQL has no year 0).
 */
export function isZeroDate(text: string): boolean {
  return text.startsWith('0000-') || text.startsWith('-00', 4) || text.startsWith('-00', 7);
}

/**
 * True for a date whose day its month does not have (`2024-02-30`, `2023-04-31`): MySQL stores one
 * under sql_mode ALLOW_INVALID_DATES, PostgreSQL holds none. Treated as a zero date (NULL, counted).
 */
export function isImpossibleDate(text: string): boolean {
  if (text.length < 10 || text[4] !== '-' || text[7] !== '-') return false;
  const day = Number(text.slice(8, 10));
  if (!(day > 28)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  if (!(month >= 1 && month <= 12)) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day > days;
}

/** A DATE/DATETIME/TIMESTAMP text PostgreSQL cannot hold, which becomes NULL (a zero date or an impossible one). */
export function isUnstorableDate(text: string): boolean {
  return isZeroDate(text) || isImpossibleDate(text);
}

function dataError(type: MySqlValueType, what: string, hint: string): TandemError {
  return new TandemError('TANDEM_DATA', `${type.column}: ${what}.`, { hint });
}

function asText(value: Exclude<MySqlValue, null>, type: MySqlValueType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new Error(`internal: ${type.column} (${type.kind}) got a Buffer where text was expected`);
}

/** The bits of a BIT(n) value (big-endian bytes, or an unsigned integer), as n binary digits. */
function bitText(value: Exclude<MySqlValue, null>, bitLength: number): string {
  let digits: string;
  if (Buffer.isBuffer(value)) {
    digits = '';
    for (const byte of value) digits += byte.toString(2).padStart(8, '0');
  } else {
    digits = BigInt(value).toString(2);
  }
  if (digits.length > bitLength) digits = digits.slice(digits.length - bitLength);
  return digits.padStart(bitLength, '0');
}

// A \u0000 escape that is not itself an escaped backslash followed by "u0000".
const JSON_NUL_ESCAPE = /(^|[^\\])(\\\\)*\\u0000/;

/**
 * Converts one MySQL value to PostgreSQL's text input form for the column's type.
 * Zero dates become null (the caller counts them: `isZeroDate`); a zero date in a NOT NULL column
 * and a NUL character in text are TANDEM_DATA errors naming the column (never the value).
 *
 * @example
 * mysqlToPg('2024-05-06 07:08:09.5', { kind: 'timestamp', column: 't.ts', nullable: true }) // '2024-05-06 07:08:09.5+00'
 * mysqlToPg(Buffer.from([5]), { kind: 'bit', column: 't.b', nullable: true, bitLength: 3 })   // '101'
 */
export function mysqlToPg(value: MySqlValue, type: MySqlValueType): string | null {
  if (value === null) return null;
  switch (type.kind) {
    case 'integer':
    case 'decimal':
    case 'float':
    case 'double':
      return asText(value, type);
    case 'text': {
      const text = asText(value, type);
      if (text.includes('\0')) {
        throw dataError(type, 'a value holds a NUL character (U+0000), which PostgreSQL text cannot store',
          'In the snapshot: remove the NUL characters on the source (UPDATE … SET c = REPLACE(c, CHAR(0), \'\')), then rerun export data: it takes a new snapshot. '
          + 'In the change stream the row stays in the binlog as written, so removing the characters on the source does not get past it (every rerun reads it again and stops here; '
          + 'a change of the column\'s type would stop the stream too): start the migration again from a new snapshot (a new export dir, the target\'s tables emptied), '
          + 'once the NUL characters are removed and the application no longer writes them.');
      }
      return text;
    }
    case 'json':
      return asText(value, type);
    case 'jsonb': {
      const text = asText(value, type);
      if (JSON_NUL_ESCAPE.test(text)) {
        throw dataError(type, 'a JSON value holds the escape \\u0000, which PostgreSQL jsonb cannot store',
          'Remove the \\u0000 escapes on the source, or change the target column to json.');
      }
      return text;
    }
    case 'bit':
      return bitText(value, type.bitLength ?? 1);
    case 'binary':
      if (!Buffer.isBuffer(value)) throw new Error(`internal: ${type.column} (binary) got ${typeof value}, not a Buffer`);
      return `\\x${value.toString('hex')}`;
    case 'date':
    case 'datetime':
    case 'timestamp': {
      const text = asText(value, type);
      if (isUnstorableDate(text)) {
        if (!type.nullable) {
          throw dataError(type, isZeroDate(text) ? 'a zero date (0000-00-00, or a zero month or day) in a NOT NULL column'
            : `a day its month does not have (${text.slice(0, 10)}, stored under ALLOW_INVALID_DATES) in a NOT NULL column`,
            'PostgreSQL cannot store it and NULL is not allowed. In the snapshot: set real dates on the source (or make the column nullable there), then rerun. In the change stream the row stays in the binlog as written, so every rerun stops here: start again from a new snapshot once the source no longer writes zero dates (sql_mode with NO_ZERO_DATE and NO_ZERO_IN_DATE, or strict mode).');
        }
        return null;
      }
      return type.kind === 'timestamp' ? `${text}+00` : text;
    }
    case 'time':
      return asText(value, type);
    case 'year': {
      const text = asText(value, type);
      return text === '0000' ? '0' : text;
    }
  }
}
