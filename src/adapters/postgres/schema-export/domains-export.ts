import { orderByDependencies } from './dependency-order.js';
import { catalogRows, collationName, exportable, inExportedSchemaOrOutsideType, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { NOT_VALIDATED } from './not-valid-constraints-export.js';

interface DomainRow {
  readonly schema: string;
  readonly name: string;
  readonly sql: string;
  readonly baseKey: string | null;
}

/**
 * Domains with their collation, default, NOT NULL and CHECK constraints (those the source has not
 * validated come after the data: see `exportNotValidConstraints`); a domain over a domain comes after it.
 * Domains of other schemas that exported objects use (`ctx.outsideTypes`) are exported too.
 */
export async function exportDomains(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<DomainRow>(ctx, `
    SELECT n.nspname AS schema, t.typname AS name,
      'CREATE DOMAIN ' || format('%I.%I', n.nspname, t.typname) || ' AS ' || format_type(t.typbasetype, t.typtypmod)
        || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                THEN ' COLLATE ' || ${collationName('t.typcollation')} ELSE '' END
        || CASE WHEN t.typdefault IS NOT NULL THEN ' DEFAULT ' || t.typdefault ELSE '' END
        || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
        || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid), '' ORDER BY co.conname)
                     FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype = 'c' AND NOT ${NOT_VALIDATED}), '')
        || ';' AS sql,
      CASE WHEN bt.typtype = 'd' THEN bn.nspname || '.' || bt.typname END AS "baseKey"
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype JOIN pg_catalog.pg_namespace bn ON bn.oid = bt.typnamespace
    WHERE ${inExportedSchemaOrOutsideType(ctx, 'n.nspname', 't.oid')} AND t.typtype = 'd' AND ${exportable(ctx, 't.oid', 'pg_type')}
    ORDER BY n.nspname, t.typname`);
  return orderByDependencies(rows, (r) => `${r.schema}.${r.name}`, (r) => (r.baseKey ? [r.baseKey] : []))
    .map((r) => ({ type: 'DOMAIN', schema: r.schema, name: r.name, sql: r.sql }));
}
