import { catalogRows, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * `CREATE SCHEMA IF NOT EXISTS` for each exported schema, then `CREATE EXTENSION IF NOT EXISTS` for
 * every extension of the database (except plpgsql) whose schema is exported, `public` or
 * `pg_catalog`. Extensions share the SCHEMA type so they run right after the schemas. The schemas of
 * `ctx.outsideTypes` (types of other schemas that exported objects use) are created too.
 */
export async function exportSchemas(ctx: ExportContext): Promise<SchemaObject[]> {
  const schemas = await catalogRows<{ name: string; q: string }>(ctx, `
    SELECT n.nspname AS name, quote_ident(n.nspname) AS q
    FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1) OR n.nspname = ANY($2) ORDER BY n.nspname`,
  [[...new Set((ctx.outsideTypes ?? []).map((t) => t.schema))]]);
  const extensions = await catalogRows<{ name: string; schema: string; q: string; qs: string }>(ctx, `
    SELECT e.extname AS name, n.nspname AS schema, quote_ident(e.extname) AS q, quote_ident(n.nspname) AS qs
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql' AND (n.nspname = ANY($1) OR n.nspname IN ('public', 'pg_catalog'))
    ORDER BY e.extname`);
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
