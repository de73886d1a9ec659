import { orderByDependencies } from './dependency-order.js';
import { catalogRows, exportable, type ExportContext } from './export-context.js';
import { NOT_POPULATED_MARK, type SchemaObject } from '../../../core/schema-object.js';

interface ViewRow {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  readonly relkind: 'v' | 'm';
  readonly reloptions: string | null;
  readonly definition: string;
  /** oids of the views and materialized views this one reads (from its rewrite rule's pg_depend rows). */
  readonly dependsOn: number[];
  /** A view's column defaults (`ALTER VIEW … ALTER COLUMN … SET DEFAULT …;` lines), or null. */
  readonly defaults: string | null;
  /** A materialized view: whether the source has filled it. */
  readonly populated: boolean;
}


/**
 * Views (`VIEW`, with their column defaults) and materialized views (`MVIEW`, created `WITH NO
 * DATA`; the post-snapshot import refreshes those the source has filled), each after the views it reads. A view that reads a materialized view would
 * still be imported before it, because the VIEW group runs before the MVIEW group.
 */
export async function exportViews(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<ViewRow>(ctx, `
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
      c.relkind, array_to_string(c.reloptions, ', ') AS reloptions, pg_get_viewdef(c.oid) AS definition,
      coalesce((SELECT array_agg(DISTINCT d.refobjid::int) FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
          AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
        JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid AND dc.relkind IN ('v', 'm')
        WHERE r.ev_class = c.oid), '{}') AS "dependsOn",
      -- An updatable view's column defaults (measured before, the pg-schema run: dropped, so an
      -- insert through the view got the table's default or failed on its NOT NULL).
      (SELECT string_agg(format('ALTER VIEW %I.%I ALTER COLUMN %I SET DEFAULT %s;', n.nspname, c.relname, a.attname,
          pg_get_expr(ad.adbin, ad.adrelid)), E'\n' ORDER BY a.attnum)
       FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
       WHERE ad.adrelid = c.oid AND c.relkind = 'v') AS defaults,
      c.relispopulated AS populated
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_class')}
    ORDER BY c.relkind DESC, n.nspname, c.relname`);
  const ordered = orderByDependencies(rows, (r) => String(r.oid), (r) => r.dependsOn.map(String));
  return ordered.map((r): SchemaObject => {
    const body = r.definition.trim().replace(/;\s*$/, '');
    const withOptions = r.reloptions ? ` WITH (${r.reloptions})` : '';
    return r.relkind === 'v'
      ? { type: 'VIEW', schema: r.schema, name: r.name, sql: `CREATE VIEW ${r.qname}${withOptions} AS\n${body};${r.defaults ? `\n${r.defaults}` : ''}` }
      : {
        type: 'MVIEW', schema: r.schema, name: r.name,
        sql: `CREATE MATERIALIZED VIEW ${r.qname}${withOptions} AS\n${r.populated ? '' : `${NOT_POPULATED_MARK}\n`}${body}\nWITH NO DATA;`,
      };
  });
}
