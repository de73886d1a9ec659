import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * `ALTER TABLE … ENABLE [FORCE] ROW LEVEL SECURITY` for each table that has it (named after the
 * table) and `CREATE POLICY` for each row-level security policy.
 */
export async function exportPolicies(ctx: ExportContext): Promise<SchemaObject[]> {
  const tables = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, c.relname AS name,
      concat_ws(E'\\n',
        CASE WHEN c.relrowsecurity THEN 'ALTER TABLE ' || format('%I.%I', n.nspname, c.relname) || ' ENABLE ROW LEVEL SECURITY;' END,
        -- FORCE holds on its own, inert until RLS is enabled (measured before: left out without ENABLE; the schema-fidelity run).
        CASE WHEN c.relforcerowsecurity THEN 'ALTER TABLE ' || format('%I.%I', n.nspname, c.relname) || ' FORCE ROW LEVEL SECURITY;' END) AS sql
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
      AND ${exportable(ctx, 'c.oid', 'pg_class')}
    ORDER BY n.nspname, c.relname`);
  const policies = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    SELECT n.nspname AS schema, p.polname AS name,
      'CREATE POLICY ' || quote_ident(p.polname) || ' ON ' || format('%I.%I', n.nspname, c.relname)
        || CASE WHEN p.polpermissive THEN ' AS PERMISSIVE' ELSE ' AS RESTRICTIVE' END
        || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                    WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
        || ' TO ' || (SELECT string_agg(CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(a.rolname) END, ', '
                                        ORDER BY a.rolname NULLS FIRST)
                      FROM unnest(p.polroles) AS r(oid) LEFT JOIN pg_catalog.pg_roles a ON a.oid = r.oid)
        || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
        || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '') || ';' AS sql
    FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'p.oid', 'pg_policy')}
    ORDER BY n.nspname, c.relname, p.polname`);
  return [...tables, ...policies].map((r): SchemaObject => ({ type: 'POLICY', schema: r.schema, name: r.name, sql: r.sql }));
}
