/**
 * How a MySQL column's values are converted: one kind per PostgreSQL type family that the schema
 * conversion (`schema/type-map.ts`) chooses. The snapshot reader, the binlog capture and the
 * fall-back writer all take a column's `MySqlValueType` from `valueTypeOf()` (type map) and pass it
 * to `mysqlToPg` / `pgToMySql`.
 */

export type MySqlValueKind =
  /** TINYINT … BIGINT, signed or unsigned → smallint/integer/bigint/numeric(20,0). */
  | 'integer'
  /** DECIMAL(p,s) → numeric(p,s). */
  | 'decimal'
  /** FLOAT → real. */
  | 'float'
  /** DOUBLE → double precision. */
  | 'double'
  /** BIT(n) → bit(n). */
  | 'bit'
  /** BINARY, VARBINARY, BLOBs, spatial values → bytea. */
  | 'binary'
  /** CHAR, VARCHAR, TEXTs, ENUM, SET, MariaDB UUID/INET4/INET6 → char/varchar/text/enum/uuid/inet. */
  | 'text'
  /** DATE → date (zero dates → NULL). */
  | 'date'
  /** DATETIME(fsp) → timestamp(fsp) (zero dates → NULL). */
  | 'datetime'
  /** TIMESTAMP(fsp), read in UTC → timestamptz(fsp) (zero → NULL). */
  | 'timestamp'
  /** TIME(fsp) → interval(fsp) (it may be negative or beyond 24 hours). */
  | 'time'
  /** YEAR → smallint (0000 → 0). */
  | 'year'
  /** MariaDB JSON (text kept as written) → json. */
  | 'json'
  /** MySQL JSON (binary, normalised) → jsonb. */
  | 'jsonb';

export interface MySqlValueType {
  readonly kind: MySqlValueKind;
  /** `table.column`, for error messages (never a value). */
  readonly column: string;
  readonly nullable: boolean;
  /** BIT(n): n. */
  readonly bitLength?: number;
  /** Text columns in a character set that stores fewer characters than UTF-8 (latin1, utf8mb3, …). */
  readonly charset?: string;
  /** An ENUM column (kind text): its index-0 value reads as '' and cannot be written back in a strict session. */
  readonly isEnum?: boolean;
  /** CHAR(n): MySQL reads it without trailing spaces, PostgreSQL's character(n) pads it with them. */
  readonly padded?: boolean;
}
