import { catalogRows, dependentSchema, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * SQL condition on extension `e`: an object in an exported schema uses one of its members (a column
 * default calling `extensions.uuid_generate_v4()`, a column of its type), wherever the extension lives.
 */
const USED_BY_EXPORTED_OBJECTS = `EXISTS (
  SELECT 1 FROM pg_catalog.pg_depend m
  JOIN pg_catalog.pg_depend d ON d.refclassid = m.classid AND d.refobjid = m.objid AND d.deptype = 'n'
  WHERE m.refclassid = 'pg_extension'::regclass AND m.refobjid = e.oid AND m.deptype = 'e'
    AND ${dependentSchema('d.classid', 'd.objid')} = ANY($1))`;

/**
 * `CREATE SCHEMA IF NOT EXISTS` for each exported schema, then `CREATE EXTENSION IF NOT EXISTS` for
 * every extension of the database (except plpgsql) whose schema is exported, `public` or
 * `pg_catalog`, or that exported objects use (an extension kept in a schema of its own, such as
 * `extensions`). Extensions share the SCHEMA type so they run right after the schemas. The schemas
 * of those extensions and of `ctx.outsideTypes` (types of other schemas that exported objects use)
 * are created too.
 */
export async function exportSchemas(ctx: ExportContext): Promise<SchemaObject[]> {
  const extensions = await catalogRows<{ name: string; schema: string; q: string; qs: string }>(ctx, `
    SELECT e.extname AS name, n.nspname AS schema, quote_ident(e.extname) AS q, quote_ident(n.nspname) AS qs
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql' AND (n.nspname = ANY($1) OR n.nspname IN ('public', 'pg_catalog') OR ${USED_BY_EXPORTED_OBJECTS})
    ORDER BY e.extname`);
  // Schemas not listed that hold what exported objects need: created (empty but for that) on the target.
  const outsideSchemas = [...new Set([...(ctx.outsideTypes ?? []).map((t) => t.schema),
    ...extensions.map((e) => e.schema).filter((s) => s !== 'public' && s !== 'pg_catalog')])];
  const schemas = await catalogRows<{ name: string; q: string }>(ctx, `
    SELECT n.nspname AS name, quote_ident(n.nspname) AS q
    FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1) OR n.nspname = ANY($2) ORDER BY n.nspname`, [outsideSchemas]);
  return [
    ...schemas.map((s): SchemaObject => ({
      type: 'SCHEMA', schema: s.name, name: s.name, sql: `CREATE SCHEMA IF NOT EXISTS ${s.q};`,
    })),
    ...extensions.map((e): SchemaObject => ({
      type: 'SCHEMA', schema: e.schema, name: e.name,
      sql: e.schema === 'pg_catalog'
        ? `CREATE EXTENSION IF NOT EXISTS ${e.q};`
        : `CREATE EXTENSION IF NOT EXISTS ${e.q} WITH SCHEMA ${e.qs};`,
    })),
  ];
}
