import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * Extended statistics objects (`CREATE STATISTICS`, rendered by pg_get_statisticsobjdef, which
 * exists since PostgreSQL 10), with their statistics target and comment. The target column
 * stxstattarget came with PG13 (-1 for the default; NULL from PG17).
 */
export async function exportStatistics(ctx: ExportContext): Promise<SchemaObject[]> {
  const target = ctx.serverVersionNum >= 130000
    ? `CASE WHEN s.stxstattarget >= 0 THEN 'ALTER STATISTICS ' || format('%I.%I', n.nspname, s.stxname)
         || ' SET STATISTICS ' || s.stxstattarget || ';' END`
    : 'NULL::text';
  const rows = await catalogRows<{ schema: string; name: string; definition: string; target: string | null; comment: string | null }>(ctx, `
    SELECT n.nspname AS schema, s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS definition, ${target} AS target,
      (SELECT 'COMMENT ON STATISTICS ' || format('%I.%I', n.nspname, s.stxname) || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_statistic_ext'::regclass AND d.objoid = s.oid) AS comment
    FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
    WHERE n.nspname = ANY($1) AND ${exportable(ctx, 's.oid', 'pg_statistic_ext')}
    ORDER BY n.nspname, s.stxname`);
  return rows.map((r): SchemaObject => ({
    type: 'STATISTICS', schema: r.schema, name: r.name,
    sql: [`${r.definition};`, r.target, r.comment].filter((s) => s !== null).join('\n'),
  }));
}
