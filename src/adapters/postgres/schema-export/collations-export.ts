import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

interface CollationRow {
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  /** `c` libc, `i` ICU, `b` builtin (PG17+). */
  readonly provider: 'c' | 'i' | 'b';
  readonly deterministic: boolean;
  /** The settings below come as quoted literals. */
  readonly collate: string | null;
  readonly ctype: string | null;
  /** The ICU or builtin locale. */
  readonly locale: string | null;
  /** ICU tailoring rules (PG16+). */
  readonly rules: string | null;
  readonly comment: string | null;
}

const PROVIDERS: Readonly<Record<CollationRow['provider'], string>> = { c: 'libc', i: 'icu', b: 'builtin' };

/**
 * `CREATE COLLATION` for each collation in the schemas, with its comment. The ICU and builtin
 * locale moved between catalog columns (collcollate before PG15, colliculocale in PG15–16,
 * colllocale from PG17); the collation version is left for the target to record.
 */
export async function exportCollations(ctx: ExportContext): Promise<SchemaObject[]> {
  const v = ctx.serverVersionNum;
  const locale = v >= 170000 ? 'co.colllocale' : v >= 150000 ? 'co.colliculocale' : "CASE WHEN co.collprovider = 'i' THEN co.collcollate::text END";
  const rules = v >= 160000 ? 'co.collicurules' : 'NULL::text';
  const rows = await catalogRows<CollationRow>(ctx, `
    SELECT n.nspname AS schema, co.collname AS name, format('%I.%I', n.nspname, co.collname) AS qname,
      co.collprovider AS provider, co.collisdeterministic AS deterministic,
      quote_literal(co.collcollate::text) AS collate, quote_literal(co.collctype::text) AS ctype,
      quote_literal(${locale}) AS locale, quote_literal(${rules}) AS rules,
      (SELECT 'COMMENT ON COLLATION ' || format('%I.%I', n.nspname, co.collname) || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_collation'::regclass AND d.objoid = co.oid) AS comment
    FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
    WHERE n.nspname = ANY($1) AND co.collprovider IN ('c', 'i', 'b') AND ${exportable(ctx, 'co.oid', 'pg_collation')}
    ORDER BY n.nspname, co.collname`);
  return rows.map((r): SchemaObject => ({
    type: 'COLLATION', schema: r.schema, name: r.name,
    sql: `CREATE COLLATION ${r.qname} (${collationOptions(r).join(', ')});${r.comment ? `\n${r.comment}` : ''}`,
  }));
}

function collationOptions(r: CollationRow): string[] {
  const options = [`provider = ${PROVIDERS[r.provider]}`];
  if (r.provider !== 'c') options.push(`locale = ${r.locale ?? "''"}`);
  else if (r.collate === r.ctype) options.push(`locale = ${r.collate ?? "''"}`);
  else options.push(`lc_collate = ${r.collate ?? "''"}`, `lc_ctype = ${r.ctype ?? "''"}`);
  if (r.rules !== null) options.push(`rules = ${r.rules}`);
  if (!r.deterministic) options.push('deterministic = false');
  return options;
}
