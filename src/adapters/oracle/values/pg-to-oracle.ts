import { OracleValueError } from './value-error.js';
import { significantDigits } from '../../../core/values/decimal-text.js';
import { ORACLE_NUMBER_DIGITS, oracleNumberText } from './number-text.js';
import { parseFloatText } from './float-text.js';
import {
  ORACLE_DATE_FORMAT, ORACLE_TIMESTAMP_FORMAT, ORACLE_TIMESTAMP_TZ_FORMAT,
  oracleDateBind, oracleTimestampBind, oracleTimestampTzBind,
} from './datetime-text.js';
import { oracleDaySecondBind, oracleYearMonthBind } from './interval-text.js';
import { parseBytea } from './binary-text.js';
import type { OracleTypeFamily } from './oracle-type.js';

/**
 * PostgreSQL text → Oracle bind values, for the fall-back writer (`import data to source`).
 *
 * Every value is bound (array DML, no literals in SQL). Dates, timestamps and intervals are bound
 * as text in one fixed format and converted by the statement (TO_DATE(:b, 'SYYYY-MM-DD
 * HH24:MI:SS')…), so neither the session's NLS settings nor the client's time zone can shift them;
 * NUMBER is bound as exact decimal text (TO_NUMBER, with NLS_NUMERIC_CHARACTERS '.,'), never as a
 * JavaScript float; BINARY_FLOAT/DOUBLE as numbers (exact: PostgreSQL prints the shortest text
 * that reads back as the same IEEE value); RAW/BLOB as bytes.
 */

/** The driver-level type of a bind (mapped to oracledb's DB_TYPE_* in the I/O layer). */
export type OracleBindType = 'varchar' | 'nvarchar' | 'char' | 'nchar' | 'long' | 'clob' | 'nclob' | 'raw' | 'long_raw' | 'blob' | 'binary_double' | 'binary_float' | 'number';

/** Why a written value differs from the PostgreSQL value (counted and reported per table and column). */
export type ValueLoss =
  /** '' became NULL: Oracle has no empty VARCHAR2/CHAR/RAW/LONG/XMLTYPE. */
  | 'empty-string-as-null'
  /** A DATE holds whole seconds: the fraction was cut off. */
  | 'fraction-dropped'
  /** More than 38 significant digits: Oracle's NUMBER rounds. */
  | 'number-rounded';

/** One bound value; `emptyLob` asks the statement for EMPTY_CLOB()/EMPTY_BLOB() (value is then null). */
export interface OracleBindValue {
  readonly value: string | number | Buffer | null;
  readonly emptyLob?: boolean;
  readonly loss?: ValueLoss;
}

/**
 * The bind type used for a column of this family. CHAR and NCHAR columns get CHAR and NCHAR binds
 * (oracledb's DB_TYPE_CHAR / DB_TYPE_NCHAR), not VARCHAR2 ones: Oracle compares a CHAR column with a
 * VARCHAR2 value by nonpadded semantics, with a CHAR value by blank-padded semantics (SQL Language
 * Reference, "Data Type Comparison Rules", "Blank-Padded and Nonpadded Comparison Semantics"). The
 * writer finds a row by its key (`WHERE "CODE" = :k0`): a CHAR(10 BYTE) key holds 'Zoë' and six
 * blanks (10 bytes), PostgreSQL's char(10) gives 'Zoë' and seven (10 characters, 11 bytes), and only
 * blank-padded comparison finds the row. (An `RTRIM(col) = :k` would too, but no index on the key
 * could serve it.)
 */
export function bindTypeOf(family: OracleTypeFamily): OracleBindType {
  switch (family) {
    case 'char': return 'char';
    case 'nchar': return 'nchar';
    case 'nvarchar2': return 'nvarchar';
    case 'clob': case 'xmltype': return 'clob';
    case 'nclob': return 'nclob';
    case 'long': return 'long';
    case 'raw': return 'raw';
    case 'long_raw': return 'long_raw';
    case 'blob': return 'blob';
    case 'binary_double': return 'binary_double';
    case 'binary_float': return 'binary_float';
    default: return 'varchar';
  }
}

/** True when the family's statement expression takes a second bind, the empty-LOB flag (`<name>_e`). */
export function takesEmptyLobFlag(family: OracleTypeFamily): boolean {
  return family === 'clob' || family === 'nclob' || family === 'blob';
}

/**
 * The SQL expression that turns bind `:name` into the column's value. `:name_e` (a number, 1 or 0)
 * is the empty-LOB flag for CLOB/NCLOB/BLOB.
 */
export function bindExpression(family: OracleTypeFamily, name: string): string {
  const b = `:${name}`;
  switch (family) {
    case 'number': return `TO_NUMBER(${b})`;
    case 'date': return `TO_DATE(${b}, '${ORACLE_DATE_FORMAT}')`;
    case 'timestamp': return `TO_TIMESTAMP(${b}, '${ORACLE_TIMESTAMP_FORMAT}')`;
    case 'timestamp_tz': case 'timestamp_ltz': return `TO_TIMESTAMP_TZ(${b}, '${ORACLE_TIMESTAMP_TZ_FORMAT}')`;
    case 'interval_ym': return `TO_YMINTERVAL(${b})`;
    case 'interval_ds': return `TO_DSINTERVAL(${b})`;
    case 'clob': return `CASE WHEN :${name}_e = 1 THEN EMPTY_CLOB() ELSE ${b} END`;
    case 'nclob': return `CASE WHEN :${name}_e = 1 THEN TO_NCLOB(EMPTY_CLOB()) ELSE ${b} END`;
    case 'blob': return `CASE WHEN :${name}_e = 1 THEN EMPTY_BLOB() ELSE ${b} END`;
    case 'xmltype': return `CASE WHEN ${b} IS NULL THEN NULL ELSE XMLTYPE(${b}) END`;
    case 'unsupported': throw new OracleValueError('the column type is not supported');
    default: return b;
  }
}

/**
 * Converts PostgreSQL text (as the queue carries it) into the value bound for an Oracle column of
 * `family`. Throws OracleValueError for a value Oracle cannot hold at all (NaN in a NUMBER, an
 * infinite timestamp, months in a day-to-second interval, a year beyond 9999); values Oracle holds
 * differently come back with a `loss`.
 */
export function pgTextToOracle(family: OracleTypeFamily, text: string | null): OracleBindValue {
  if (text === null) return { value: null };
  switch (family) {
    case 'number': {
      const t = text.trim().toLowerCase();
      if (t === 't' || t === 'true') return { value: '1' };
      if (t === 'f' || t === 'false') return { value: '0' };
      if (t === 'nan' || t === 'infinity' || t === '-infinity') throw new OracleValueError('NUMBER cannot hold NaN or infinity');
      const n = oracleNumberText(text);
      return significantDigits(n) > ORACLE_NUMBER_DIGITS ? { value: n, loss: 'number-rounded' } : { value: n };
    }
    case 'binary_double': case 'binary_float':
      return { value: parseFloatText(text) };
    case 'char': case 'nchar':
      // PostgreSQL's char(n) text keeps its blank padding to n CHARACTERS; Oracle's CHAR(n) counts
      // BYTES by default (NLS_LENGTH_SEMANTICS BYTE), so 'Zoë' padded to 10 characters is 11 bytes
      // and ORA-12899 for a CHAR(10 BYTE) column. Oracle pads what it stores to the column's length
      // itself: the trailing blanks are dropped (one kept for an all-blank value: '' would be NULL).
      if (text === '') return { value: null, loss: 'empty-string-as-null' };
      return { value: text.replace(/ +$/, '') || ' ' };
    case 'varchar2': case 'nvarchar2': case 'long': case 'rowid': case 'urowid': case 'xmltype':
      return text === '' ? { value: null, loss: 'empty-string-as-null' } : { value: text };
    case 'clob': case 'nclob':
      return text === '' ? { value: null, emptyLob: true } : { value: text };
    case 'date': {
      const d = oracleDateBind(text);
      return d.fractionDropped ? { value: d.text, loss: 'fraction-dropped' } : { value: d.text };
    }
    case 'timestamp':
      return { value: oracleTimestampBind(text) };
    case 'timestamp_tz': case 'timestamp_ltz':
      return { value: oracleTimestampTzBind(text) };
    case 'interval_ym':
      return { value: oracleYearMonthBind(text) };
    case 'interval_ds':
      return { value: oracleDaySecondBind(text) };
    case 'raw': case 'long_raw': {
      const b = parseBytea(text);
      return b.length === 0 ? { value: null, loss: 'empty-string-as-null' } : { value: b };
    }
    case 'blob': {
      const b = parseBytea(text);
      return b.length === 0 ? { value: null, emptyLob: true } : { value: b };
    }
    case 'unsupported':
      throw new OracleValueError('the column type is not supported');
  }
}
