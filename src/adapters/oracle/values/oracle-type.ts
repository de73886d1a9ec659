/**
 * An Oracle column's type as ALL_TAB_COLUMNS describes it, and the family that decides how its
 * values are read, converted and written. This is the plain description the rest of the Oracle
 * adapter (and the schema converter in `../schema/`) share.
 */

/** The columns of ALL_TAB_COLUMNS that describe a type (camelCase; null where Oracle has NULL). */
export interface OracleColumnType {
  /** DATA_TYPE: `NUMBER`, `VARCHAR2`, `TIMESTAMP(6) WITH TIME ZONE`, `INTERVAL DAY(2) TO SECOND(6)`… */
  readonly dataType: string;
  /** DATA_LENGTH (bytes). */
  readonly dataLength?: number | null;
  /** CHAR_LENGTH (characters, for character types). */
  readonly charLength?: number | null;
  /** DATA_PRECISION (decimal digits for NUMBER, binary digits for FLOAT). */
  readonly precision?: number | null;
  /** DATA_SCALE (fractional-second digits for TIMESTAMP and INTERVAL DAY TO SECOND). */
  readonly scale?: number | null;
  /** CHAR_USED: `B` (byte semantics) or `C` (character semantics). */
  readonly charUsed?: 'B' | 'C' | null;
}

/** One column of a table, in column order. */
export interface OracleColumn {
  readonly name: string;
  readonly type: OracleColumnType;
  readonly nullable: boolean;
  /** Identity columns: `ALWAYS` or `BY DEFAULT` (ALL_TAB_IDENTITY_COLS.GENERATION_TYPE). */
  readonly identity?: 'ALWAYS' | 'BY DEFAULT';
  /** Virtual columns are computed by Oracle: never read into the snapshot's insert list, never written. */
  readonly virtual?: boolean;
}

/** A table of the migrated schema. Names are exactly as Oracle stores them (usually upper case). */
export interface OracleTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly OracleColumn[];
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** True for index-organized tables (no physical ROWID ranges). */
  readonly indexOrganized?: boolean;
}

/** How a value is read from and written to Oracle. */
export type OracleTypeFamily =
  | 'number' | 'binary_float' | 'binary_double'
  | 'char' | 'varchar2' | 'nchar' | 'nvarchar2' | 'clob' | 'nclob' | 'long'
  | 'date' | 'timestamp' | 'timestamp_tz' | 'timestamp_ltz' | 'interval_ym' | 'interval_ds'
  | 'raw' | 'long_raw' | 'blob'
  | 'rowid' | 'urowid' | 'xmltype'
  | 'unsupported';

/** The family of a type. BFILE, object types, collections, JSON, VECTOR, ANYDATA… are `unsupported`. */
export function oracleTypeFamily(t: Pick<OracleColumnType, 'dataType'>): OracleTypeFamily {
  const d = t.dataType.trim().toUpperCase();
  if (d === 'NUMBER' || d === 'FLOAT' || d === 'INTEGER' || d === 'DECIMAL' || d === 'NUMERIC') return 'number';
  if (d === 'BINARY_FLOAT') return 'binary_float';
  if (d === 'BINARY_DOUBLE') return 'binary_double';
  if (d === 'CHAR') return 'char';
  if (d === 'VARCHAR2' || d === 'VARCHAR') return 'varchar2';
  if (d === 'NCHAR') return 'nchar';
  if (d === 'NVARCHAR2') return 'nvarchar2';
  if (d === 'CLOB') return 'clob';
  if (d === 'NCLOB') return 'nclob';
  if (d === 'LONG') return 'long';
  if (d === 'DATE') return 'date';
  if (/^TIMESTAMP(\(\d\))?$/.test(d)) return 'timestamp';
  if (/^TIMESTAMP(\(\d\))? WITH TIME ZONE$/.test(d)) return 'timestamp_tz';
  if (/^TIMESTAMP(\(\d\))? WITH LOCAL TIME ZONE$/.test(d)) return 'timestamp_ltz';
  if (/^INTERVAL YEAR(\(\d\))? TO MONTH$/.test(d)) return 'interval_ym';
  if (/^INTERVAL DAY(\(\d\))? TO SECOND(\(\d\))?$/.test(d)) return 'interval_ds';
  if (d === 'RAW') return 'raw';
  if (d === 'LONG RAW') return 'long_raw';
  if (d === 'BLOB') return 'blob';
  if (d === 'ROWID') return 'rowid';
  if (d === 'UROWID') return 'urowid';
  if (d === 'XMLTYPE' || d === 'SYS.XMLTYPE') return 'xmltype';
  return 'unsupported';
}

/** Fractional-second digits of a TIMESTAMP or INTERVAL DAY TO SECOND type (from DATA_TYPE, else DATA_SCALE, else 6). */
export function fractionalPrecision(t: OracleColumnType): number {
  const m = /(?:TIMESTAMP|SECOND)\((\d)\)/.exec(t.dataType.toUpperCase());
  if (m) return Number(m[1]);
  return t.scale ?? 6;
}

/** True for families whose empty text Oracle stores as NULL (there is no empty VARCHAR2, RAW…). */
export function emptyIsNull(family: OracleTypeFamily): boolean {
  return family !== 'clob' && family !== 'nclob' && family !== 'blob';
}
