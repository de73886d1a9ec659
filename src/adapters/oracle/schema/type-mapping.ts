import type { OracleType } from './oracle-type.js';

/**
 * What kind of value a column holds, for the expression converter (date arithmetic, `TRUNC`,
 * `||` of non-text values) and for the data path.
 */
export type ValueKind =
  | 'integer' | 'number' | 'float' | 'text' | 'date' | 'timestamp' | 'timestamptz' | 'interval' | 'binary' | 'xml'
  | 'json' | 'boolean' | 'composite' | 'array' | 'other';

/** A change the mapping makes that a user should know of. */
export interface TypeNote {
  readonly code: string;
  readonly severity: 'changed' | 'unsupported';
  readonly message: string;
}

/** The PostgreSQL type of an Oracle type. */
export interface TypeMapping {
  /** The PostgreSQL type as it goes into DDL. */
  readonly pg: string;
  readonly kind: ValueKind;
  readonly note?: TypeNote;
}

/** Options of {@link mapOracleType}. */
export interface TypeMappingOptions {
  /**
   * Major version of the PostgreSQL the target speaks (YugabyteDB 2.25+ speaks 15, older releases 11).
   * A numeric scale that is negative or larger than the precision needs 15. Default 15.
   */
  readonly targetPgMajor?: number;
}

/** The largest fractional-seconds precision PostgreSQL keeps (Oracle keeps up to 9 digits). */
const PG_MAX_FRACTIONAL = 6;

/**
 * Maps a built-in Oracle type to PostgreSQL (user-defined types are resolved by the converter). The
 * table in `docs/oracle-schema.md` lists every rule and why.
 *
 * @example
 * mapOracleType({ name: 'NUMBER', precision: 9, scale: 0, written: 'NUMBER(9)' }).pg; // 'integer'
 * mapOracleType({ name: 'DATE', written: 'DATE' }).pg;                                  // 'timestamp(0)'
 */
export function mapOracleType(t: OracleType, options: TypeMappingOptions = {}): TypeMapping {
  const pgMajor = options.targetPgMajor ?? 15;
  switch (t.name) {
    case 'NUMBER':
      return mapNumber(t, pgMajor);
    case 'FLOAT':
      // Oracle FLOAT(b) is a decimal NUMBER with ceil(b * 0.30103) significant digits, not an IEEE
      // double: numeric keeps every digit of it.
      return { pg: 'numeric', kind: 'number' };
    case 'BINARY_FLOAT':
      return { pg: 'real', kind: 'float' };
    case 'BINARY_DOUBLE':
      return { pg: 'double precision', kind: 'float' };
    case 'CHAR':
      return { pg: `char(${t.length ?? 1})`, kind: 'text' };
    case 'NCHAR':
      return { pg: `char(${t.length ?? 1})`, kind: 'text' };
    case 'VARCHAR2': case 'NVARCHAR2':
      return t.length === undefined ? { pg: 'varchar', kind: 'text' } : { pg: `varchar(${t.length})`, kind: 'text' };
    case 'CLOB': case 'NCLOB': case 'LONG':
      return { pg: 'text', kind: 'text' };
    case 'BLOB': case 'RAW': case 'LONG RAW':
      return { pg: 'bytea', kind: 'binary' };
    case 'BFILE':
      return {
        pg: 'text', kind: 'text',
        note: {
          code: 'BFILE', severity: 'unsupported',
          message: 'BFILE points at a file outside the database; the column is created as text and its files are not migrated',
        },
      };
    case 'DATE':
      // Oracle DATE carries a time of day (to the second).
      return { pg: 'timestamp(0)', kind: 'date' };
    case 'TIMESTAMP':
      return { ...timestampPrecision('timestamp', t), kind: 'timestamp' };
    case 'TIMESTAMP WITH TIME ZONE': {
      const m = timestampPrecision('timestamptz', t);
      return {
        pg: m.pg, kind: 'timestamptz',
        note: m.note ?? {
          code: 'TIMESTAMP_TZ', severity: 'changed',
          message: 'TIMESTAMP WITH TIME ZONE becomes timestamptz, which keeps the instant but not the time zone each value was written in',
        },
      };
    }
    case 'TIMESTAMP WITH LOCAL TIME ZONE':
      return { ...timestampPrecision('timestamptz', t), kind: 'timestamptz' };
    case 'INTERVAL YEAR TO MONTH':
      return { pg: 'interval year to month', kind: 'interval' };
    case 'INTERVAL DAY TO SECOND': {
      const fractional = t.fractional ?? 6;
      if (fractional > PG_MAX_FRACTIONAL) {
        return {
          pg: `interval day to second(${PG_MAX_FRACTIONAL})`, kind: 'interval',
          note: fractionNote(t, fractional),
        };
      }
      return { pg: `interval day to second(${fractional})`, kind: 'interval' };
    }
    case 'ROWID': case 'UROWID':
      return {
        pg: 'text', kind: 'text',
        note: {
          code: 'ROWID_COLUMN', severity: 'changed',
          message: `${t.name} values are Oracle row addresses; the column is created as text and its values mean nothing on PostgreSQL`,
        },
      };
    case 'XMLTYPE':
      return { pg: 'xml', kind: 'xml' };
    case 'JSON':
      return { pg: 'jsonb', kind: 'json' };
    case 'BOOLEAN':
      return { pg: 'boolean', kind: 'boolean' };
    default:
      return {
        pg: 'text', kind: 'other',
        note: {
          code: 'UNSUPPORTED_TYPE', severity: 'unsupported',
          message: `type ${t.written} has no PostgreSQL counterpart; the column is created as text and its values are not migrated`,
        },
      };
  }
}

/**
 * NUMBER(p,0) by precision: up to 4 digits smallint, up to 9 integer, up to 18 bigint, more
 * numeric(p). NUMBER(p,s) is numeric(p,s), also with a negative scale or a scale above the
 * precision (which PostgreSQL 15 accepts with Oracle's meaning); NUMBER is numeric.
 */
function mapNumber(t: OracleType, pgMajor: number): TypeMapping {
  if (t.precision === undefined) return { pg: 'numeric', kind: 'number' };
  const precision = t.precision === '*' ? 38 : t.precision;
  const scale = t.scale ?? 0;
  if (scale === 0) {
    if (precision <= 4) return { pg: 'smallint', kind: 'integer' };
    if (precision <= 9) return { pg: 'integer', kind: 'integer' };
    if (precision <= 18) return { pg: 'bigint', kind: 'integer' };
    return { pg: `numeric(${precision})`, kind: 'number' };
  }
  if (scale > 0 && scale <= precision) return { pg: `numeric(${precision},${scale})`, kind: 'number' };
  if (pgMajor >= 15) return { pg: `numeric(${precision},${scale})`, kind: 'number' };
  if (scale < 0) {
    // Before PostgreSQL 15: the same range of whole numbers, without Oracle's rounding to 10^-scale.
    return {
      pg: `numeric(${precision - scale})`, kind: 'number',
      note: {
        code: 'NEGATIVE_SCALE', severity: 'changed',
        message: `${t.written} rounds to ${10 ** -scale}; PostgreSQL ${pgMajor} has no negative scale, so the column is numeric(${precision - scale}) and stores values unrounded`,
      },
    };
  }
  return {
    pg: `numeric(${scale},${scale})`, kind: 'number',
    note: {
      code: 'SCALE_ABOVE_PRECISION', severity: 'changed',
      message: `${t.written} allows ${precision} significant digits after ${scale - precision} leading zeros; PostgreSQL ${pgMajor} needs precision >= scale, so the column is numeric(${scale},${scale}) and accepts larger values`,
    },
  };
}

function timestampPrecision(pgName: 'timestamp' | 'timestamptz', t: OracleType): { pg: string; note?: TypeNote } {
  const fractional = t.fractional ?? 6;
  if (fractional > PG_MAX_FRACTIONAL) return { pg: `${pgName}(${PG_MAX_FRACTIONAL})`, note: fractionNote(t, fractional) };
  return { pg: `${pgName}(${fractional})` };
}

function fractionNote(t: OracleType, fractional: number): TypeNote {
  return {
    code: 'FRACTIONAL_SECONDS', severity: 'changed',
    message: `${t.written} keeps ${fractional} fractional digits; PostgreSQL keeps 6, so digits beyond microseconds are rounded`,
  };
}
