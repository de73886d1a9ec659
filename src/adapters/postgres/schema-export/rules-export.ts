import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * Rewrite rules on tables and views as rendered by pg_get_ruledef, each with its comment and
 * whether it fires. The `_RETURN` rules that make up views are part of the views.
 *
 * A disabled rule is created disabled. As with triggers (`exportTriggers`), ENABLE ALWAYS and
 * ENABLE REPLICA rules fire in Tandem's own writing sessions (session_replication_role = replica),
 * where they would rewrite every replicated write (DO ALSO repeats what the source's rule did, DO
 * INSTEAD replaces the write): an ALWAYS rule is created as an ordinary one (the same for the
 * application's writes), a REPLICA one disabled; `findUnexportedObjects` names both, to be set
 * after the cutover.
 */
export async function exportRules(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; definition: string; enable: string | null; comment: string | null }>(ctx, `
    SELECT n.nspname AS schema, r.rulename AS name, pg_get_ruledef(r.oid) AS definition,
      CASE WHEN r.ev_enabled IN ('D', 'R') THEN format('ALTER TABLE %I.%I DISABLE RULE %I;', n.nspname, c.relname, r.rulename) END AS enable,
      (SELECT 'COMMENT ON RULE ' || quote_ident(r.rulename) || ' ON ' || format('%I.%I', n.nspname, c.relname)
              || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_rewrite'::regclass AND d.objoid = r.oid) AS comment
    FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND r.rulename <> '_RETURN' AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'r.oid', 'pg_rewrite')}
    ORDER BY n.nspname, c.relname, r.rulename`);
  return rows.map((r): SchemaObject => ({
    type: 'RULE', schema: r.schema, name: r.name,
    sql: [`${r.definition.trim().replace(/;$/, '')};`, r.enable, r.comment].filter((s) => s !== null).join('\n'),
  }));
}
