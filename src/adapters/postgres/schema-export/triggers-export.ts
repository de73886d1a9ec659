import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * User triggers, with their comments. Internal triggers (foreign keys, deferred uniques) and
 * triggers cloned onto partitions from a trigger on the parent (PG13+: tgparentid; PG12 marks
 * those internal) are skipped.
 */
export async function exportTriggers(ctx: ExportContext): Promise<SchemaObject[]> {
  const notCloned = ctx.serverVersionNum >= 130000 ? 'AND tg.tgparentid = 0' : '';
  const rows = await catalogRows<{ schema: string; name: string; definition: string; comment: string | null }>(ctx, `
    SELECT n.nspname AS schema, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition,
      (SELECT 'COMMENT ON TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || format('%I.%I', n.nspname, c.relname)
              || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid) AS comment
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND NOT tg.tgisinternal ${notCloned} AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'tg.oid', 'pg_trigger')}
    ORDER BY n.nspname, c.relname, tg.tgname`);
  return rows.map((r): SchemaObject => ({
    type: 'TRIGGER', schema: r.schema, name: r.name,
    sql: `${r.definition};${r.comment ? `\n${r.comment}` : ''}`,
  }));
}
