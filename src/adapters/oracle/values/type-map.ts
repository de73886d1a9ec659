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
 * | NUMBER(p,0), NUMBER(p,s<0) | smallint (≤4 integer digits), integer (≤9), bigint (≤18), else numeric(p-s) |
 * | NUMBER(p,s>0) | numeric(max(p,s),s) |
 * | NUMBER, FLOAT(b) | numeric (exact; FLOAT is a decimal NUMBER in Oracle, not IEEE) |
 * | NUMBER(*,0) (INTEGER) | numeric(38) |
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
 * Returns undefined for types Tandem does not migrate (BFILE, object types, JSON, VECTOR…).
 */
export function pgTypeFor(t: OracleColumnType): string | undefined {
  const family = oracleTypeFamily(t);
  switch (family) {
    case 'number': {
      const p = t.precision ?? null;
      const s = t.scale ?? null;
      if (t.dataType.toUpperCase() === 'FLOAT' || (p === null && s === null)) return 'numeric';
      if (p === null) return s === 0 ? 'numeric(38)' : 'numeric';
      const scale = s ?? 0;
      if (scale <= 0) {
        const digits = p - scale;
        if (digits <= 4) return 'smallint';
        if (digits <= 9) return 'integer';
        if (digits <= 18) return 'bigint';
        return `numeric(${digits})`;
      }
      return `numeric(${Math.max(p, scale)},${scale})`;
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
