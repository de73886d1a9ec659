/**
 * The canonical text of a MySQL value for comparing a MySQL table with its PostgreSQL copy: what
 * PostgreSQL prints with `col::text` for the value once migrated, under the PostgreSQL fingerprint's
 * fixed settings (UTC, ISO dates, postgres intervals, shortest-exact floats, hex bytea). Pure.
 *
 * The value first takes the path the snapshot and the change stream give it (`mysqlToPg`: zero
 * dates become NULL, YEAR 0000 becomes 0, TIMESTAMP is UTC with `+00`, bytes `\x…`), then becomes
 * what PostgreSQL prints for the target column's type (`pgColumnType`), with the rules every
 * engine's verification uses (`core/verify/canonical-value.ts`): floats as PostgreSQL's shortest
 * text (a FLOAT read as DOUBLE, `0.10000000149011612`, is the real `0.1`), numeric(p,s) with s
 * digits, timestamps and intervals without trailing zeros, char(n) without its padding.
 * PostgreSQL's `inet::text` always carries the prefix length (`10.0.0.1/32`), which MariaDB's
 * INET4/INET6 text does not.
 */
import { canonicalValue, parsePgType } from '../../../core/verify/canonical-value.js';
import type { MySqlColumn } from '../catalog-types.js';
import { pgColumnType, valueTypeOf } from '../schema/type-map.js';
import type { MySqlFlavor } from '../server-version.js';
import { mysqlToPg, type MySqlValue } from '../values/mysql-to-pg.js';

/** Turns the values of one column into canonical text. */
export type CanonicalColumn = (value: MySqlValue) => string | null;

/**
 * The canonicaliser of a column of `table`.
 *
 * @example
 * canonicalColumn('t', floatColumn, 'mariadb')('0.10000000149011612') // '0.1'
 */
export function canonicalColumn(table: string, c: MySqlColumn, flavor: MySqlFlavor): CanonicalColumn {
  const vt = valueTypeOf(table, c, flavor);
  const sql = pgColumnType(c, flavor).sql ?? 'text'; // an enum type prints its label
  if (sql === 'inet') {
    return (v) => {
      const text = mysqlToPg(v, vt);
      return text === null ? null : `${text}/${text.includes(':') ? 128 : 32}`;
    };
  }
  const pgType = parsePgType(sql);
  return (v) => canonicalValue(pgType, mysqlToPg(v, vt));
}
