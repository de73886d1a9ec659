import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * GRANT statements for schemas, tables, views, materialized views, sequences, functions and
 * procedures, from their ACLs. The owner's own privileges are implicit and skipped; column
 * privileges, default privileges, ownership and REVOKEs of default PUBLIC rights are not exported.
 */
export async function exportGrants(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    WITH objects AS (
      SELECT n.nspname AS schema, n.nspname AS name, 'SCHEMA ' || quote_ident(n.nspname) AS target, n.nspacl AS acl,
             n.nspowner AS owner, 0 AS kind
      FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1)
    UNION ALL
      SELECT n.nspname, c.relname, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END
             || format('%I.%I', n.nspname, c.relname), c.relacl, c.relowner, 1
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${exportable(ctx, 'c.oid', 'pg_class')}
    UNION ALL
      SELECT n.nspname, p.proname, CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END
             || format('%I.%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             p.proacl, p.proowner, 2
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'w') AND ${exportable(ctx, 'p.oid', 'pg_proc')}
    ), privileges AS (
      SELECT o.kind, o.schema, o.name, o.target, a.grantee, a.is_grantable,
             string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privs
      FROM objects o CROSS JOIN LATERAL aclexplode(o.acl) a
      WHERE o.acl IS NOT NULL AND a.grantee <> o.owner
      GROUP BY o.kind, o.schema, o.name, o.target, a.grantee, a.is_grantable
    )
    SELECT p.schema, p.name,
      'GRANT ' || p.privs || ' ON ' || p.target || ' TO '
        || CASE WHEN p.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
        || CASE WHEN p.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END || ';' AS sql
    FROM privileges p LEFT JOIN pg_catalog.pg_roles r ON r.oid = p.grantee
    ORDER BY p.kind, p.schema, p.name, sql`);
  return rows.map((r): SchemaObject => ({ type: 'GRANT', schema: r.schema, name: r.name, sql: r.sql }));
}
