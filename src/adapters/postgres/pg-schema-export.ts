import pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import type { SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
import { connectPg } from './pg-connection.js';
import { exportPostgresSchema, listUnexportedPostgresObjects } from './schema-export/export-postgres-schema.js';

/**
 * The schema of a PostgreSQL source as PostgreSQL DDL, read from the catalog (the server renders the
 * definitions, `schema-export/`), and the objects the export leaves out.
 */
export async function exportPgSchema(db: DbConfig, options: SchemaExportOptions): Promise<SchemaExportResult> {
  // The catalog reader wants the driver's usual type parsing (arrays as arrays).
  const client = await connectPg(db, { types: pg.types });
  try {
    const objects = await exportPostgresSchema(client, options);
    const unexported = await listUnexportedPostgresObjects(client, options);
    return { objects, unexported };
  } finally {
    await client.end().catch(() => {});
  }
}
