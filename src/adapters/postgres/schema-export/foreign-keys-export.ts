import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { NOT_VALIDATED } from './not-valid-constraints-export.js';

/**
 * Foreign keys as `ALTER TABLE … ADD CONSTRAINT`, run after all tables and unique constraints
 * exist. Keys cloned onto partitions from their parent's key are skipped (the parent's key
 * creates them). Keys the source has not validated are created after the data
 * (see `exportNotValidConstraints`).
 */
export async function exportForeignKeys(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, co.conname AS name,
      'ALTER TABLE ' || format('%I.%I', n.nspname, c.relname) || ' ADD CONSTRAINT ' || quote_ident(co.conname)
        || ' ' || pg_get_constraintdef(co.oid) || ';' AS sql
    FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND co.contype = 'f' AND co.conparentid = 0 AND NOT ${NOT_VALIDATED}
      AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'co.oid', 'pg_constraint')}
    ORDER BY n.nspname, c.relname, co.conname`);
  return rows.map((r) => ({ type: 'FOREIGN_KEY', schema: r.schema, name: r.name, sql: r.sql }));
}
