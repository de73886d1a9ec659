import { fractionalPrecision, oracleTypeFamily, type OracleColumnType } from './oracle-type.js';

/**
 * The column-type mapping this side of the adapter assumes (the "type-map contract" in
 * docs/oracle.md). The schema converter in `../schema/` owns the DDL; the value conversions here do
 * not depend on it (their text is accepted by every candidate type of a family), but the
 * verification's canonical text does, and it reads the real target type from the catalog rather
 * than this function. This function exists for tests and for the contract to be written down once.
 *
 * | Oracle | PostgreSQL |
 * | --- | --- |
 * | NUMBER(p,0) | smallint (p ≤ 4), integer (≤ 9), bigint (≤ 18), else numeric(p) |
 * | NUMBER(p,s), 0 < s ≤ p | numeric(p,s) |
 * | NUMBER(p,s), s < 0 or s > p | numeric(p,s) (PostgreSQL 15: Oracle's meaning, rounding to 10^-s included); before 15 numeric(p-s) / numeric(s,s) |
 * | NUMBER, FLOAT(b) | numeric (exact; FLOAT is a decimal NUMBER in Oracle, not IEEE) |
 * | NUMBER(*,0) (INTEGER), NUMBER(*,s) | numeric(38), numeric(38,s) |
 * | BINARY_FLOAT / BINARY_DOUBLE | real / double precision |
 * | CHAR(n), NCHAR(n) | char(n) (n characters) |
 * | VARCHAR2(n), NVARCHAR2(n) | varchar(n) (n characters; byte semantics fit: n bytes are at most n characters) |
 * | CLOB, NCLOB, LONG | text |
 * | DATE | timestamp(0) (a DATE has a time of day) |
 * | TIMESTAMP(p) | timestamp(min(p,6)) |
 * | TIMESTAMP(p) WITH [LOCAL] TIME ZONE | timestamptz(min(p,6)) |
 * | INTERVAL YEAR(p) TO MONTH | interval year to month |
 * | INTERVAL DAY(p) TO SECOND(s) | interval day to second(min(s,6)) |
 * | RAW, LONG RAW, BLOB | bytea |
 * | ROWID, UROWID | text |
 * | XMLTYPE | xml |
 *
 * The NUMBER rows are the schema converter's (`../schema/type-mapping.ts`, `mapNumber`), which
 * writes the DDL, read here from the catalog's DATA_PRECISION / DATA_SCALE instead of the DDL text:
 * `targetPgMajor` (default 15, the converter's default) chooses between PostgreSQL 15's numeric with
 * a negative scale or a scale above the precision and the widened types before it. The test
 * "the type-map contract is the schema converter's" (test/unit/oracle/values.test.ts) holds the two
 * together.
 *
 * Returns undefined for types Tandem does not migrate (BFILE, object types, JSON, VECTOR…).
 */
export function pgTypeFor(t: OracleColumnType, options: { readonly targetPgMajor?: number } = {}): string | undefined {
  const family = oracleTypeFamily(t);
  switch (family) {
    case 'number': {
      // Catalog: NUMBER has neither precision nor scale, NUMBER(*,s) a scale without a precision.
      const s = t.scale ?? null;
      if (t.dataType.toUpperCase() === 'FLOAT' || (t.precision == null && s === null)) return 'numeric';
      const p = t.precision ?? 38;
      const scale = s ?? 0;
      if (scale === 0) {
        if (p <= 4) return 'smallint';
        if (p <= 9) return 'integer';
        if (p <= 18) return 'bigint';
        return `numeric(${p})`;
      }
      if ((scale > 0 && scale <= p) || (options.targetPgMajor ?? 15) >= 15) return `numeric(${p},${scale})`;
      // Before PostgreSQL 15: the same range without Oracle's rounding (NEGATIVE_SCALE, SCALE_ABOVE_PRECISION).
      return scale < 0 ? `numeric(${p - scale})` : `numeric(${scale},${scale})`;
    }
    case 'binary_float': return 'real';
    case 'binary_double': return 'double precision';
    case 'char': case 'nchar': return `char(${t.charLength ?? t.dataLength ?? 1})`;
    case 'varchar2': case 'nvarchar2': return `varchar(${t.charLength ?? t.dataLength ?? 4000})`;
    case 'clob': case 'nclob': case 'long': return 'text';
    case 'date': return 'timestamp(0)';
    case 'timestamp': return `timestamp(${Math.min(fractionalPrecision(t), 6)})`;
    case 'timestamp_tz': case 'timestamp_ltz': return `timestamptz(${Math.min(fractionalPrecision(t), 6)})`;
    case 'interval_ym': return 'interval year to month';
    case 'interval_ds': return `interval day to second(${Math.min(fractionalPrecision(t), 6)})`;
    case 'raw': case 'long_raw': case 'blob': return 'bytea';
    case 'rowid': case 'urowid': return 'text';
    case 'xmltype': return 'xml';
    case 'unsupported': return undefined;
  }
}
