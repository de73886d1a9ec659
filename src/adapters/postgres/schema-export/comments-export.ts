import { catalogRows, exportable, exportableRelation, notExcluded, notExcludedObject, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { NOT_VALIDATED } from './not-valid-constraints-export.js';

/**
 * `COMMENT ON` for schemas, tables, partitions, views, materialized views, sequences (identity
 * sequences included), columns (composite types' attributes included), types, domains, functions,
 * procedures, constraints (table and domain), the indexes behind primary key, unique and exclusion
 * constraints, and row-level security policies (the policies file runs before this one on import).
 * Comments on other indexes and on triggers travel with their object (they are created after the
 * snapshot). Comments on objects that belong to an extension, and the default comment on `public`,
 * are skipped; those on constraints the source has not validated travel with the constraint
 * (created after the data). Which implicit relations count as exported: see `exportableRelation`.
 */
export async function exportComments(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    WITH c AS (
      SELECT n.nspname AS schema, n.nspname AS name, 0 AS kind, 'SCHEMA ' || quote_ident(n.nspname) AS target, d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_namespace n ON d.classoid = 'pg_namespace'::regclass AND d.objoid = n.oid
      WHERE n.nspname = ANY($1) AND NOT (n.nspname = 'public' AND d.description = 'standard public schema')
    UNION ALL
      SELECT n.nspname, t.typname, 1, CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END
             || format('%I.%I', n.nspname, t.typname), d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1)
    UNION ALL
      SELECT n.nspname, c.relname, 2, CASE c.relkind WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '
             WHEN 'S' THEN 'SEQUENCE ' WHEN 'f' THEN 'FOREIGN TABLE ' WHEN 'i' THEN 'INDEX ' WHEN 'I' THEN 'INDEX ' ELSE 'TABLE ' END
             || format('%I.%I', n.nspname, c.relname), d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND d.objsubid = 0 AND (c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        -- An index behind a constraint (its comment has no other way): every other index carries its own.
        OR c.relkind IN ('i', 'I') AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint ci WHERE ci.conindid = c.oid
                                               AND ci.conrelid <> 0 AND ci.contype IN ('p', 'u', 'x')))
    UNION ALL
      SELECT n.nspname, c.relname || '.' || a.attname, 3, 'COLUMN ' || format('%I.%I.%I', n.nspname, c.relname, a.attname),
             d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
      WHERE n.nspname = ANY($1) AND d.objsubid > 0 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
      SELECT n.nspname, p.proname, 4, CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END
             || format('%I.%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')', d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_proc p ON d.classoid = 'pg_proc'::regclass AND d.objoid = p.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'w')
    UNION ALL
      SELECT n.nspname, co.conname, 5, 'CONSTRAINT ' || quote_ident(co.conname) || ' ON '
             || CASE WHEN co.contypid <> 0 THEN 'DOMAIN ' || format('%I.%I', n.nspname, t.typname)
                     ELSE format('%I.%I', n.nspname, c.relname) END, d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_constraint co ON d.classoid = 'pg_constraint'::regclass AND d.objoid = co.oid
      LEFT JOIN pg_catalog.pg_class c ON c.oid = co.conrelid LEFT JOIN pg_catalog.pg_type t ON t.oid = co.contypid
      JOIN pg_catalog.pg_namespace n ON n.oid = coalesce(c.relnamespace, t.typnamespace)
      WHERE n.nspname = ANY($1) AND co.conparentid = 0 AND NOT ${NOT_VALIDATED}${notExcluded(ctx, 'co.conrelid', 'pg_class')}${notExcluded(ctx, 'co.contypid', 'pg_type')}
    UNION ALL
      SELECT n.nspname, po.polname, 6, 'POLICY ' || quote_ident(po.polname) || ' ON ' || format('%I.%I', n.nspname, c.relname),
             d.description, d.classoid, d.objoid
      FROM pg_catalog.pg_description d JOIN pg_catalog.pg_policy po ON d.classoid = 'pg_policy'::regclass AND d.objoid = po.oid
      JOIN pg_catalog.pg_class c ON c.oid = po.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'po.oid', 'pg_policy')}
    )
    SELECT schema, name, 'COMMENT ON ' || target || ' IS ' || quote_literal(description) || ';' AS sql
    FROM c WHERE description IS NOT NULL${notExcludedObject(ctx, 'c.classoid', 'c.objoid')}
      AND CASE WHEN c.classoid = 'pg_class'::regclass THEN ${exportableRelation(ctx, 'c.objoid')}
          ELSE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                           WHERE (e.deptype = 'e' OR (e.deptype = 'i' AND e.refobjid <> c.objoid)) AND e.classid = c.classoid AND e.objid = c.objoid) END
    ORDER BY kind, schema, name, sql`);
  return rows.map((r): SchemaObject => ({ type: 'COMMENT', schema: r.schema, name: r.name, sql: r.sql }));
}
