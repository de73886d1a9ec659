/**
 * AUTO_INCREMENT counters: read from MySQL (to move the target's identity columns past the data at
 * cutover to target) and set on MySQL (above the data at cutover to source), plus the PostgreSQL
 * statement that sets an identity column's or an owned sequence's next value. The SQL builders are
 * pure; `readAutoIncrementCounters` reads through a `connectMySql` connection.
 */
import type { Connection } from 'mysql2/promise';
import { mysqlIdent } from './catalog.js';
import type { MySqlCatalog } from './catalog-types.js';
import { qualifiedName } from './schema/pg-names.js';

/** The next value of one table's AUTO_INCREMENT column. */
export interface AutoIncrementCounter {
  readonly table: string;
  readonly column: string;
  /** As text: BIGINT UNSIGNED counters exceed 2^53. */
  readonly nextValue: string;
}

/** The AUTO_INCREMENT column of each table that has one, from the catalog. */
export function autoIncrementColumns(catalog: MySqlCatalog): { table: string; column: string }[] {
  const out: { table: string; column: string }[] = [];
  for (const t of catalog.tables) {
    const c = t.columns.find((x) => x.autoIncrement);
    if (c) out.push({ table: t.name, column: c.name });
  }
  return out;
}

/**
 * The current counters, fresh (MySQL 8 caches information_schema statistics unless
 * `information_schema_stats_expiry = 0`, which this sets for the session; MariaDB does not cache).
 * A counter never lies below the column's maximum + 1 (InnoDB guarantees it).
 */
export async function readAutoIncrementCounters(connection: Connection, catalog: MySqlCatalog): Promise<AutoIncrementCounter[]> {
  if (catalog.server.flavor === 'mysql') await connection.query('SET SESSION information_schema_stats_expiry = 0');
  const wanted = autoIncrementColumns(catalog);
  if (wanted.length === 0) return [];
  const [result] = await connection.query('SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, AUTO_INCREMENT AS next FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [catalog.database]);
  const next = new Map((result as { db: string; name: string; next: string | null }[]).filter((r) => r.db === catalog.database).map((r) => [r.name, r.next]));
  return wanted.map((w) => ({ ...w, nextValue: next.get(w.table) ?? '1' }));
}

/**
 * MySQL: make the table's next AUTO_INCREMENT value at least `nextValue`. InnoDB never sets it
 * below the column's maximum + 1, whatever the statement says.
 *
 * @example
 * setMySqlAutoIncrementSql('shop', 'orders', '1001') // ALTER TABLE `shop`.`orders` AUTO_INCREMENT = 1001
 */
export function setMySqlAutoIncrementSql(database: string, table: string, nextValue: string): string {
  if (!/^\d+$/.test(nextValue)) throw new Error(`internal: AUTO_INCREMENT value ${JSON.stringify(nextValue)} is not a number`);
  return `ALTER TABLE ${mysqlIdent(database)}.${mysqlIdent(table)} AUTO_INCREMENT = ${nextValue}`;
}

/**
 * PostgreSQL: set the next value of the identity column (or the owned sequence of a BIGINT
 * UNSIGNED column) that an AUTO_INCREMENT column became. Parameters: $1 the column's next value
 * (text). Never moves below what the target table already holds.
 *
 * @example
 * setPgIdentitySql('public', 'orders', 'id') // SELECT setval(pg_get_serial_sequence('public.orders', 'id'), greatest(…), false)
 */
export function setPgIdentitySql(schema: string, table: string, column: string): string {
  const rel = qualifiedName(schema, table);
  const col = `"${column.replace(/"/g, '""')}"`;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `SELECT setval(pg_get_serial_sequence(${lit(rel)}, ${lit(column)}), `
    + `greatest($1::numeric, (SELECT coalesce(max(${col}), 0) + 1 FROM ${rel}))::bigint, false)`;
}
