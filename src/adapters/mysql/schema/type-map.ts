/**
 * MySQL column type → PostgreSQL column type: the narrowest PostgreSQL type that holds every value
 * the MySQL type can hold, CHECKs that keep the target inside the MySQL type's numeric range (so that
 * what the application writes on the target can be written back during a fall-back), and the value
 * kind the converters use. Pure. The decisions are explained in docs/mysql.md.
 */
import type { MySqlColumn } from '../catalog-types.js';
import type { MySqlFlavor } from '../server-version.js';
import type { MySqlValueKind, MySqlValueType } from '../values/value-type.js';
import { holdsLessThanUnicode } from '../values/charset-repertoire.js';

/** The PostgreSQL side of one column. */
export interface PgColumnType {
  /** The type as written in DDL, e.g. `smallint`, `numeric(20,0)`, `timestamp(3) with time zone`. For ENUM: null (an enum type is created). */
  readonly sql: string | null;
  readonly kind: MySqlValueKind;
  /** Inclusive range that a CHECK enforces, as SQL literals; absent when the PostgreSQL type matches the range. */
  readonly range?: { readonly min?: string; readonly max?: string };
  /** ENUM members in order (index 1, 2, …), with `''` first (MySQL's index-0 error value). */
  readonly enumLabels?: readonly string[];
  /** SET members: a CHECK allows only comma-separated lists of them. */
  readonly setMembers?: readonly string[];
  /** YEAR: 0 or 1901–2155. */
  readonly year?: true;
  readonly bitLength?: number;
  /** Caveats to report (e.g. a spatial column kept as bytes). */
  readonly notes: readonly string[];
}

/** Thrown for a type Tandem does not know; the message names it. */
export class UnknownMySqlTypeError extends Error {}

const INTEGER_RANGES: Record<string, { signed: [string, string]; unsigned: string; pg: string; pgUnsigned: string; fits: boolean }> = {
  tinyint: { signed: ['-128', '127'], unsigned: '255', pg: 'smallint', pgUnsigned: 'smallint', fits: false },
  smallint: { signed: ['-32768', '32767'], unsigned: '65535', pg: 'smallint', pgUnsigned: 'integer', fits: true },
  mediumint: { signed: ['-8388608', '8388607'], unsigned: '16777215', pg: 'integer', pgUnsigned: 'integer', fits: false },
  int: { signed: ['-2147483648', '2147483647'], unsigned: '4294967295', pg: 'integer', pgUnsigned: 'bigint', fits: true },
  bigint: { signed: ['-9223372036854775808', '9223372036854775807'], unsigned: '18446744073709551615', pg: 'bigint', pgUnsigned: 'numeric(20,0)', fits: true },
};

const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const TEXT = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);

function fsp(c: MySqlColumn): number {
  return Math.min(6, Math.max(0, c.datetimePrecision ?? 0));
}

/**
 * The range of a FLOAT or DOUBLE: FLOAT(M,D) and DOUBLE(M,D) hold M digits, D of them decimals, and
 * MySQL refuses a value past ±(10^(M-D) - 10^-D) (measured before: the target took 1000 in a
 * FLOAT(7,4), which a fall-back could not write back). UNSIGNED: not below 0. The bounds are compared
 * in the column's own type, as the values are.
 */
function floatRange(c: MySqlColumn): { range?: { min: string; max?: string } } {
  const m = c.numericPrecision;
  const d = c.numericScale;
  if (m !== null && d !== null && m > 0 && d >= 0 && d <= m) {
    const max = `${'9'.repeat(m - d) || '0'}${d > 0 ? `.${'9'.repeat(d)}` : ''}`;
    return { range: { min: c.unsigned ? '0' : `-${max}`, max } };
  }
  return c.unsigned ? { range: { min: '0' } } : {};
}

/**
 * The PostgreSQL type of a MySQL column.
 *
 * @example
 * pgColumnType({ dataType: 'int', unsigned: true, … }, 'mariadb') // { sql: 'bigint', kind: 'integer', range: { min: '0', max: '4294967295' }, … }
 */
export function pgColumnType(c: MySqlColumn, flavor: MySqlFlavor): PgColumnType {
  const t = c.dataType.toLowerCase();
  const ints = INTEGER_RANGES[t];
  if (ints) {
    if (c.unsigned) return { sql: ints.pgUnsigned, kind: 'integer', range: { min: '0', max: ints.unsigned }, notes: [] };
    return { sql: ints.pg, kind: 'integer', ...(ints.fits ? {} : { range: { min: ints.signed[0], max: ints.signed[1] } }), notes: [] };
  }
  switch (t) {
    case 'decimal':
    case 'numeric': {
      const p = c.numericPrecision ?? 10;
      const s = c.numericScale ?? 0;
      return { sql: `numeric(${p},${s})`, kind: 'decimal', ...(c.unsigned ? { range: { min: '0' } } : {}), notes: [] };
    }
    case 'float':
      return { sql: 'real', kind: 'float', ...floatRange(c), notes: [] };
    case 'double':
    case 'double precision':
    case 'real':
      return { sql: 'double precision', kind: 'double', ...floatRange(c), notes: [] };
    case 'bit': {
      const n = c.numericPrecision ?? 1;
      return { sql: `bit(${n})`, kind: 'bit', bitLength: n, notes: [] };
    }
    // CHAR(0) and VARCHAR(0) hold '' or NULL; PostgreSQL has no length 0 (a CHECK keeps it to '').
    case 'char':
      return { sql: c.charMaxLength === 0 ? 'varchar(1)' : `char(${c.charMaxLength ?? 1})`, kind: 'text', notes: [] };
    case 'varchar':
      return { sql: `varchar(${Math.max(1, c.charMaxLength ?? 1)})`, kind: 'text', notes: [] };
    case 'date':
      return { sql: 'date', kind: 'date', notes: [] };
    case 'datetime':
      return { sql: `timestamp(${fsp(c)})`, kind: 'datetime', notes: [] };
    case 'timestamp':
      return { sql: `timestamp(${fsp(c)}) with time zone`, kind: 'timestamp', notes: [] };
    case 'time':
      return { sql: `interval(${fsp(c)})`, kind: 'time', notes: [] };
    case 'year':
      return { sql: 'smallint', kind: 'year', year: true, notes: [] };
    case 'json':
      return { sql: flavor === 'mariadb' ? 'json' : 'jsonb', kind: flavor === 'mariadb' ? 'json' : 'jsonb', notes: [] };
    case 'enum': {
      const members = c.members ?? [];
      return { sql: null, kind: 'text', enumLabels: members.includes('') ? members : ['', ...members], notes: [] };
    }
    case 'set':
      return { sql: 'text', kind: 'text', setMembers: c.members ?? [], notes: [] };
    case 'uuid':
      return { sql: 'uuid', kind: 'text', notes: [] };
    case 'inet4':
    case 'inet6':
      return { sql: 'inet', kind: 'text', notes: [] };
  }
  if (TEXT.has(t)) {
    if (c.isJson) return { sql: flavor === 'mariadb' ? 'json' : 'jsonb', kind: flavor === 'mariadb' ? 'json' : 'jsonb', notes: [] };
    return { sql: 'text', kind: 'text', notes: [] };
  }
  if (BINARY.has(t)) return { sql: 'bytea', kind: 'binary', notes: [] };
  if (SPATIAL.has(t)) {
    return {
      sql: 'bytea', kind: 'binary',
      notes: [`spatial type ${t} is kept as MySQL's internal bytes (4-byte SRID + WKB) in a bytea column; PostGIS is not used`],
    };
  }
  throw new UnknownMySqlTypeError(`the type ${c.columnType}`);
}

/**
 * The converters' description of a column (see `values/`), for the snapshot reader, the binlog
 * capture and the fall-back writer.
 */
export function valueTypeOf(table: string, c: MySqlColumn, flavor: MySqlFlavor): MySqlValueType {
  const t = pgColumnType(c, flavor);
  const limited = t.kind === 'text' && c.charset !== null && holdsLessThanUnicode(c.charset);
  return {
    kind: t.kind, column: `${table}.${c.name}`, nullable: c.nullable,
    ...(t.bitLength !== undefined ? { bitLength: t.bitLength } : {}), ...(limited ? { charset: c.charset!.toLowerCase() } : {}),
    ...(t.enumLabels ? { isEnum: true } : {}), ...(c.dataType.toLowerCase() === 'char' ? { padded: true } : {}),
  };
}

/**
 * The SELECT-list expression that reads a column exactly over the text protocol: FLOAT is printed
 * with 6 significant digits by `SELECT col`, so it is read as a DOUBLE (every float is exactly a
 * double); everything else as it is. `quoted` is the backquoted column name.
 */
export function mysqlSelectExpression(c: MySqlColumn, quoted: string): string {
  return c.dataType.toLowerCase() === 'float' ? `CAST(${quoted} AS DOUBLE)` : quoted;
}

/** The bytes a MySQL TINY/plain/MEDIUM TEXT or BLOB holds (LONG ones hold 4 GB, more than PostgreSQL's 1 GB). */
export const MYSQL_LOB_BYTES: Readonly<Record<string, number>> = { tinytext: 255, tinyblob: 255, text: 65535, blob: 65535, mediumtext: 16777215, mediumblob: 16777215 };
