import { OracleValueError } from './value-error.js';
import { float4Text, float8Text } from '../../../core/values/float-text.js';
import { pgIntervalFromMonths } from '../../../core/values/interval-text.js';
import { oracleNumberText } from './number-text.js';
import { parseFloatText } from './float-text.js';
import { oracleDateToPg, oracleTimestampToPg, oracleTimestampTzToPg } from './datetime-text.js';
import { parseOracleDaySecond, parseOracleYearMonth, pgIntervalFromDaySecond } from './interval-text.js';
import { byteaHex, oracleHexToBytea } from './binary-text.js';
import type { OracleTypeFamily } from './oracle-type.js';

/**
 * A value as Tandem reads it from Oracle, before conversion: text for everything the snapshot query
 * renders with TO_CHAR or the driver fetches as a string (NUMBER, dates, intervals, character
 * types, LOB text) and for every LogMiner literal; a number for BINARY_FLOAT/DOUBLE fetched
 * natively; bytes for RAW/BLOB fetched natively; null for NULL.
 */
export type OracleReadValue = string | number | Uint8Array | null;

/**
 * Converts one Oracle value into PostgreSQL's text input form for the column's target type, as the
 * queue and the snapshot files carry it (see `docs/oracle.md`, "Values"). Throws OracleValueError
 * (never with the value in its message) when the value has no PostgreSQL text: a NUL character in
 * text, an unparseable literal.
 *
 * Oracle stores '' as NULL, so an Oracle value is never the empty string here, except an empty LOB
 * (EMPTY_CLOB()/EMPTY_BLOB()), which is not NULL and becomes '' / `\x`.
 */
export function oracleToPgText(family: OracleTypeFamily, value: OracleReadValue): string | null {
  if (value === null) return null;
  switch (family) {
    case 'number':
      return oracleNumberText(asText(value));
    case 'binary_double':
      return float8Text(typeof value === 'number' ? value : parseFloatText(asText(value)));
    case 'binary_float':
      return float4Text(typeof value === 'number' ? value : parseFloatText(asText(value)));
    case 'char': case 'varchar2': case 'nchar': case 'nvarchar2': case 'clob': case 'nclob': case 'long':
    case 'rowid': case 'urowid': case 'xmltype':
      return checkText(asText(value));
    case 'date':
      return oracleDateToPg(asText(value));
    case 'timestamp':
      return oracleTimestampToPg(asText(value));
    case 'timestamp_tz': case 'timestamp_ltz':
      return oracleTimestampTzToPg(asText(value));
    case 'interval_ym':
      return pgIntervalFromMonths(parseOracleYearMonth(asText(value)));
    case 'interval_ds':
      return pgIntervalFromDaySecond(parseOracleDaySecond(asText(value)));
    case 'raw': case 'long_raw': case 'blob':
      return typeof value === 'string' ? oracleHexToBytea(value) : byteaHex(asBytes(value));
    case 'unsupported':
      throw new OracleValueError('the column type is not supported');
  }
}

function asText(value: Exclude<OracleReadValue, null>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') throw new OracleValueError('expected text, got a number (fetch the column as a string)');
  throw new OracleValueError('expected text, got bytes');
}

function asBytes(value: Exclude<OracleReadValue, null>): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new OracleValueError('expected bytes');
}

/** PostgreSQL text cannot hold U+0000; Oracle VARCHAR2 can. */
function checkText(s: string): string {
  if (s.includes('\u0000')) throw new OracleValueError('the text contains a NUL character (CHR(0)), which PostgreSQL text cannot hold');
  return s;
}
