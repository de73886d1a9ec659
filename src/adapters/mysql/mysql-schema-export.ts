import type { DbConfig } from '../../core/db-config.js';
import type { Connection } from 'mysql2/promise';
import type { ColumnStatistic, SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
import { readMySqlCatalog } from './catalog.js';
import type { MySqlCatalog } from './catalog-types.js';
import { withMySql } from './connection.js';
import { mysqlTargetSchemaOf } from './mysql-config.js';
import { convertMySqlSchema } from './schema/convert-schema.js';

/**
 * `export schema` for a MySQL/MariaDB source: the database's catalog converted into PostgreSQL DDL
 * by `schema/convert-schema.ts` (docs/mysql.md), into the target schema of `mysql-config.ts`. Every
 * conversion note is in the exported file in front of its object, where `analyze-schema` reports
 * it; triggers, procedures, functions and events are written commented out as MySQL wrote them,
 * and listed here as not exported (they are converted by hand).
 */

/** What the workflow gets from a conversion of `catalog` (pure). */
export function mysqlSchemaExportResult(catalog: MySqlCatalog, targetSchema: string): SchemaExportResult {
  const { objects } = convertMySqlSchema(catalog, { targetSchema });
  const byHand = [...catalog.triggers, ...catalog.routines, ...catalog.events]
    .map((o) => ({ kind: o.kind.toLowerCase(), name: `${catalog.database}.${o.name}` }));
  return { objects, unexported: byHand };
}

/** `export schema` on a connection. */
export async function exportMySqlSchema(db: DbConfig, _options: SchemaExportOptions): Promise<SchemaExportResult> {
  const targetSchema = mysqlTargetSchemaOf(db);
  const [catalog, statistics] = await withMySql(db, async ({ connection, server }) => [
    await readMySqlCatalog(connection, server, db.database),
    await indexedColumnStatistics(connection, db.database, targetSchema),
  ] as const);
  return { ...mysqlSchemaExportResult(catalog, targetSchema), statistics };
}

/**
 * The distinct values of each index's first column (`STATISTICS.CARDINALITY` of its first part, an
 * estimate InnoDB samples; NULL until the table was analyzed) and the table's estimated rows, under
 * the names the converted DDL gives them. MySQL keeps no NULL fraction.
 */
export async function indexedColumnStatistics(connection: Connection, database: string, targetSchema: string): Promise<ColumnStatistic[]> {
  const [rows] = await connection.query(
    `SELECT s.TABLE_NAME AS t, s.COLUMN_NAME AS c, MAX(s.CARDINALITY) AS d, MAX(t.TABLE_ROWS) AS n
       FROM information_schema.STATISTICS s JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.TABLE_SCHEMA AND t.TABLE_NAME = s.TABLE_NAME
      WHERE s.TABLE_SCHEMA = ? AND s.SEQ_IN_INDEX = 1 AND s.COLUMN_NAME IS NOT NULL AND s.CARDINALITY IS NOT NULL AND t.TABLE_ROWS > 0
      GROUP BY s.TABLE_NAME, s.COLUMN_NAME ORDER BY 1, 2`, [database]);
  return (rows as Array<{ t: string; c: string; d: number | string; n: number | string }>).map((r) => ({
    table: `${targetSchema}.${r.t}`, column: r.c, rows: Number(r.n), distinct: Number(r.d), nullFraction: null,
  }));
}
