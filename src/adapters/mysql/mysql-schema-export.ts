import type { DbConfig } from '../../core/db-config.js';
import type { SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
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
  const catalog = await withMySql(db, ({ connection, server }) => readMySqlCatalog(connection, server, db.database));
  return mysqlSchemaExportResult(catalog, mysqlTargetSchemaOf(db));
}
