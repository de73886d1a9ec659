import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * User triggers, with their comments and whether they fire. Internal triggers (foreign keys,
 * deferred uniques) and triggers cloned onto partitions from a trigger on the parent (PG13+:
 * tgparentid; PG12 marks those internal) are skipped.
 *
 * A disabled trigger is created disabled (it used to come back enabled on the target, and fire for
 * the application's writes after the cutover). ENABLE ALWAYS and ENABLE REPLICA triggers fire in
 * Tandem's own writing sessions (session_replication_role = replica), where they would repeat for
 * every replicated row what the source's trigger already did: an ALWAYS trigger is created as an
 * ordinary one (the same for the application's writes), a REPLICA one disabled (it does not fire
 * for the application's writes either); `findUnexportedObjects` names both, to be set after the
 * cutover.
 */
export async function exportTriggers(ctx: ExportContext): Promise<SchemaObject[]> {
  const notCloned = ctx.serverVersionNum >= 130000 ? 'AND tg.tgparentid = 0' : '';
  const rows = await catalogRows<{ schema: string; name: string; definition: string; disable: string | null; comment: string | null }>(ctx, `
    SELECT n.nspname AS schema, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition,
      CASE WHEN tg.tgenabled IN ('D', 'R') THEN format('ALTER TABLE %I.%I DISABLE TRIGGER %I;', n.nspname, c.relname, tg.tgname) END AS disable,
      (SELECT 'COMMENT ON TRIGGER ' || quote_ident(tg.tgname) || ' ON ' || format('%I.%I', n.nspname, c.relname)
              || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_trigger'::regclass AND d.objoid = tg.oid) AS comment
    FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND NOT tg.tgisinternal ${notCloned} AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'tg.oid', 'pg_trigger')}
    ORDER BY n.nspname, c.relname, tg.tgname`);
  return rows.map((r): SchemaObject => ({
    type: 'TRIGGER', schema: r.schema, name: r.name,
    sql: `${r.definition};${r.disable ? `\n${r.disable}` : ''}${r.comment ? `\n${r.comment}` : ''}`,
  }));
}
