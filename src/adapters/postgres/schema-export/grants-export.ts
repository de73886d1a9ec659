import { catalogRows, exportable, exportableRelation, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * SQL (one line, for a FROM … LATERAL of an `objects` row `o` with columns classid, oid, acl, owner
 * and aclkind): the privileges PUBLIC has by default on the object that its ACL no longer gives
 * PUBLIC, as `privilege_type` rows. "By default" is what the object had when created: its
 * `pg_init_privs` entry where there is one (the `public` schema: `=U` on PostgreSQL 15+, `=UC`
 * before), else `acldefault()` for its kind and owner (EXECUTE on functions, procedures and
 * aggregates, USAGE on types and domains; nothing on other schemas, tables, views and sequences).
 * An object whose ACL is NULL still has its defaults: nothing to revoke.
 */
export const PUBLIC_DEFAULTS_REVOKED_SQL = `
  SELECT dflt.privilege_type FROM aclexplode(coalesce((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
      WHERE ip.classoid = o.classid AND ip.objoid = o.oid AND ip.objsubid = 0), acldefault(o.aclkind, o.owner))) dflt
  WHERE o.acl IS NOT NULL AND dflt.grantee = 0
    AND NOT EXISTS (SELECT 1 FROM aclexplode(o.acl) cur WHERE cur.grantee = 0 AND cur.privilege_type = dflt.privilege_type)`;

/**
 * Grants of schemas, tables, views, materialized views, sequences (identity sequences included),
 * foreign tables, functions, procedures, types and domains, from their ACLs: for each object, first
 * a `REVOKE … FROM PUBLIC` of each default PUBLIC privilege its ACL lacks (see
 * {@link PUBLIC_DEFAULTS_REVOKED_SQL}: measured before, a function whose EXECUTE was revoked from
 * PUBLIC on the source was executable by everyone on the target, the pg-schema run's F3), then its
 * GRANTs. The owner's own privileges are implicit and skipped (ownership is not migrated); column
 * privileges, default privileges and ownership are not exported.
 */
export async function exportGrants(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string }>(ctx, `
    WITH objects AS (
      SELECT 'pg_namespace'::regclass AS classid, n.oid, n.nspname AS schema, n.nspname AS name,
             'SCHEMA ' || quote_ident(n.nspname) AS target, n.nspacl AS acl, n.nspowner AS owner, 'n'::"char" AS aclkind, 0 AS kind
      FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1)
    UNION ALL
      SELECT 'pg_class'::regclass, c.oid, n.nspname, c.relname, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END
             || format('%I.%I', n.nspname, c.relname), c.relacl, c.relowner, CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", 1
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${exportableRelation(ctx, 'c.oid')}
    UNION ALL
      SELECT 'pg_proc'::regclass, p.oid, n.nspname, p.proname, CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END
             || format('%I.%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             p.proacl, p.proowner, 'f'::"char", 2
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'w') AND ${exportable(ctx, 'p.oid', 'pg_proc')}
    UNION ALL
      -- The types export writes (enum, composite, range) and domains; not array types, tables' row types, base types,
      -- nor the types of other schemas exported with the objects that use them (docs/limitations.md: without their grants).
      SELECT 'pg_type'::regclass, t.oid, n.nspname, t.typname, CASE t.typtype WHEN 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END
             || format('%I.%I', n.nspname, t.typname), t.typacl, t.typowner, 'T'::"char", 3
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1) AND t.typtype IN ('e', 'c', 'r', 'd')
        AND (t.typtype <> 'c' OR (SELECT tc.relkind FROM pg_catalog.pg_class tc WHERE tc.oid = t.typrelid) = 'c')
        AND ${exportable(ctx, 't.oid', 'pg_type')}
    ), revokes AS (
      SELECT o.kind, o.schema, o.name, o.target, string_agg(r.privilege_type, ', ' ORDER BY r.privilege_type) AS privs
      FROM objects o CROSS JOIN LATERAL (${PUBLIC_DEFAULTS_REVOKED_SQL}) r
      GROUP BY o.kind, o.schema, o.name, o.target
    ), privileges AS (
      SELECT o.kind, o.schema, o.name, o.target, a.grantee, a.is_grantable,
             string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privs
      FROM objects o CROSS JOIN LATERAL aclexplode(o.acl) a
      WHERE o.acl IS NOT NULL AND a.grantee <> o.owner
      GROUP BY o.kind, o.schema, o.name, o.target, a.grantee, a.is_grantable
    )
    SELECT schema, name, sql FROM (
      SELECT r.kind, r.schema, r.name, r.target, 0 AS step, 'REVOKE ' || r.privs || ' ON ' || r.target || ' FROM PUBLIC;' AS sql
      FROM revokes r
    UNION ALL
      SELECT p.kind, p.schema, p.name, p.target, 1,
        'GRANT ' || p.privs || ' ON ' || p.target || ' TO '
          || CASE WHEN p.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
          || CASE WHEN p.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END || ';'
      FROM privileges p LEFT JOIN pg_catalog.pg_roles r ON r.oid = p.grantee
    ) statements
    ORDER BY kind, schema, name, target, step, sql`);
  return rows.map((r): SchemaObject => ({ type: 'GRANT', schema: r.schema, name: r.name, sql: r.sql }));
}
