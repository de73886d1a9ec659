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
 * cutover. A partition's clone whose state differs from its parent trigger's is set to it (`partitionStates`).
 */
export async function exportTriggers(ctx: ExportContext): Promise<SchemaObject[]> {
  const notCloned = ctx.serverVersionNum >= 130000 ? 'AND tg.tgparentid = 0' : '';
  const clones = ctx.serverVersionNum >= 130000 ? await partitionStates(ctx) : new Map<number, string[]>();
  const rows = await catalogRows<{ oid: number; schema: string; name: string; definition: string; disable: string | null; comment: string | null }>(ctx, `
    SELECT tg.oid::int AS oid, n.nspname AS schema, tg.tgname AS name, pg_get_triggerdef(tg.oid) AS definition,
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
    sql: [`${r.definition};`, ...(r.disable ? [r.disable] : []), ...(clones.get(r.oid) ?? []), ...(r.comment ? [r.comment] : [])].join('\n'),
  }));
}

/**
 * A trigger on a partitioned table is cloned onto each partition, and a partition's clone can be
 * disabled (or enabled) on its own. The target creates the clones with the parent's state (an ALTER
 * of the parent reaches its partitions), so each clone whose state differs from its parent
 * trigger's is set after it, parents before their partitions (measured before, the pg-schema run:
 * a trigger disabled on one partition fired there on the target). By the root trigger's oid.
 */
async function partitionStates(ctx: ExportContext): Promise<Map<number, string[]>> {
  const rows = await catalogRows<{ root: number; statement: string }>(ctx, `
    WITH RECURSIVE clones AS (
      SELECT tg.oid, tg.oid AS root, 0 AS depth, tg.tgenabled AS parent_enabled, tg.tgenabled
      FROM pg_catalog.pg_trigger tg WHERE tg.tgparentid = 0 AND NOT tg.tgisinternal
      UNION ALL
      SELECT t.oid, c.root, c.depth + 1, c.tgenabled, t.tgenabled
      FROM pg_catalog.pg_trigger t JOIN clones c ON t.tgparentid = c.oid)
    SELECT c.root::int AS root, format('ALTER TABLE %I.%I %s TRIGGER %I;', n.nspname, r.relname,
        CASE WHEN c.tgenabled IN ('D', 'R') THEN 'DISABLE' ELSE 'ENABLE' END, t.tgname) AS statement
    FROM clones c JOIN pg_catalog.pg_trigger t ON t.oid = c.oid JOIN pg_catalog.pg_class r ON r.oid = t.tgrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
    WHERE c.depth > 0 AND n.nspname = ANY($1) AND (c.tgenabled IN ('D', 'R')) <> (c.parent_enabled IN ('D', 'R'))
    ORDER BY c.root, c.depth, n.nspname, r.relname`);
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const list = out.get(r.root);
    if (list) list.push(r.statement);
    else out.set(r.root, [r.statement]);
  }
  return out;
}
