import pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import type { ColumnStatistic, SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
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
    // The server writes constants (partition bounds, CHECKs, defaults) in the session's styles, and
    // a database or role may set them: in ISO, UTC and full float precision, any target reads them
    // back as they were (measured before: 'SQL, DMY' exported 02/03/2024, read as 3 February, and
    // Asia/Kolkata's 'IST', read as Israel time; the pg-chaos run).
    await client.query("SET DateStyle = 'ISO, YMD'; SET IntervalStyle = postgres; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = hex; SET standard_conforming_strings = on");
    const objects = await exportPostgresSchema(client, options);
    const unexported = await listUnexportedPostgresObjects(client, options);
    const outside = objects.filter((o) => (o.type === 'TYPE' || o.type === 'DOMAIN') && !options.schemas.includes(o.schema));
    const notes = [...extensionCountNote(objects), ...(outside.length === 0 ? [] : [
      `Also exported ${outside.length} type(s) and domain(s) of schemas not in --source-db-schema, because exported objects use them: ` +
      `${outside.map((o) => `${o.schema}.${o.name}`).join(', ')} (created on the target with their schema if missing).`,
    ])];
    return { objects, unexported, notes, statistics: await indexedColumnStatistics(client, options.schemas) };
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

/**
 * The planner's statistics of every indexed column of the exported schemas' tables (pg_stats, as
 * of the last ANALYZE; a table never analyzed has none, and pg_stats shows only columns the user may
 * read). `n_distinct` below zero is a fraction of the rows. Partitions are described by their
 * parent's statistics as well as their own (not `inherited`: each table's own rows).
 */
export async function indexedColumnStatistics(client: pg.Client, schemas: readonly string[]): Promise<ColumnStatistic[]> {
  const r = await client.query(
    `SELECT DISTINCT n.nspname AS schema, c.relname AS table, a.attname AS column, c.reltuples::float8 AS rows, s.n_distinct::float8 AS n_distinct, s.null_frac::float8 AS null_frac
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey::int2[]) AND a.attnum > 0
       JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname AND NOT s.inherited
      WHERE n.nspname = ANY($1::text[]) AND c.reltuples > 0
      ORDER BY 1, 2, 3`, [schemas]);
  return r.rows.map((row) => {
    const rows = Number(row.rows);
    const nd = Number(row.n_distinct);
    return { table: `${row.schema}.${row.table}`, column: String(row.column), rows, distinct: nd < 0 ? -nd * rows : nd, nullFraction: Number(row.null_frac) };
  });
}
