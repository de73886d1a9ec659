import pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import type { SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
import type { SchemaObject } from '../../core/schema-object.js';
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
    const outside = objects.filter((o) => (o.type === 'TYPE' || o.type === 'DOMAIN') && !options.schemas.includes(o.schema));
    const notes = [...extensionCountNote(objects), ...(outside.length === 0 ? [] : [
      `Also exported ${outside.length} type(s) and domain(s) of schemas not in --source-db-schema, because exported objects use them: ` +
      `${outside.map((o) => `${o.schema}.${o.name}`).join(', ')} (created on the target with their schema if missing).`,
    ])];
    return { objects, unexported, notes };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The extensions travel as SCHEMA objects (`schemas-export`: they must run right after the schemas,
 * in the same file), so the summary's SCHEMA row counts them too: this note says how many of each.
 */
function extensionCountNote(objects: readonly SchemaObject[]): string[] {
  const ofType = objects.filter((o) => o.type === 'SCHEMA');
  const extensions = ofType.filter((o) => o.sql.startsWith('CREATE EXTENSION '));
  if (extensions.length === 0) return [];
  return [`The SCHEMA row counts ${ofType.length - extensions.length} schema(s) and ${extensions.length} extension(s) `
    + `(CREATE EXTENSION IF NOT EXISTS ${extensions.map((e) => e.name).join(', ')}, run right after the schemas).`];
}
