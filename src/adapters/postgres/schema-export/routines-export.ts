import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * Functions (`FUNCTION`, including window functions) and procedures (`PROCEDURE`) as rendered by
 * pg_get_functiondef, as `CREATE …` rather than its `CREATE OR REPLACE …`: a routine the target
 * already had stops the import like any object it had (measured before, the pg-schema run: it was
 * replaced without a word; `--ignore-exist true` keeps it). Aggregates and routines that belong to an
 * extension are skipped.
 */
export async function exportRoutines(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; kind: string; definition: string }>(ctx, `
    SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind, pg_get_functiondef(p.oid) AS definition
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'w') AND ${exportable(ctx, 'p.oid', 'pg_proc')}
    ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`);
  return rows.map((r): SchemaObject => ({
    type: r.kind === 'p' ? 'PROCEDURE' : 'FUNCTION', schema: r.schema, name: r.name,
    sql: `${r.definition.trim().replace(/^CREATE OR REPLACE (FUNCTION|PROCEDURE)\b/, 'CREATE $1')};`,
  }));
}
