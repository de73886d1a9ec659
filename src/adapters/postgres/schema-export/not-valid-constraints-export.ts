import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

/**
 * SQL condition on `pg_constraint co`: the constraint is one the source has not validated. Old rows
 * may break it, so it must be created after the data; the table, domain and foreign-key exporters
 * leave it out and {@link exportNotValidConstraints} writes it.
 */
export const NOT_VALIDATED = `(NOT co.convalidated AND co.contype IN ('c', 'f', 'n'))`;

/**
 * The CHECK, foreign-key and (PostgreSQL 18) NOT NULL constraints of tables and the CHECK
 * constraints of domains that the source has not validated, as `NOT_VALID_CONSTRAINT` objects:
 * `ALTER TABLE … ADD CONSTRAINT … NOT VALID` / `ALTER DOMAIN … ADD CONSTRAINT … NOT VALID`, each
 * with its comment. They are imported after the data (`import schema --post-snapshot-import`),
 * where they hold for new rows only, as on the source; Tandem never validates them. Constraints
 * cloned onto partitions or inherited from a parent come with the parent's.
 *
 * @example
 * await exportNotValidConstraints(ctx)
 * // [{ type: 'NOT_VALID_CONSTRAINT', schema: 'app', name: 'qty_positive',
 * //    sql: 'ALTER TABLE app.orders ADD CONSTRAINT qty_positive CHECK ((qty > 0)) NOT VALID;' }]
 */
export async function exportNotValidConstraints(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<{ schema: string; name: string; sql: string; comment: string | null }>(ctx, `
    SELECT n.nspname AS schema, co.conname AS name,
      CASE WHEN co.contypid <> 0 THEN 'ALTER DOMAIN ' || format('%I.%I', n.nspname, t.typname)
           ELSE 'ALTER TABLE ' || format('%I.%I', n.nspname, c.relname) END
        || ' ADD CONSTRAINT ' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid) || ';' AS sql,
      (SELECT 'COMMENT ON CONSTRAINT ' || quote_ident(co.conname) || ' ON '
              || CASE WHEN co.contypid <> 0 THEN 'DOMAIN ' || format('%I.%I', n.nspname, t.typname)
                      ELSE format('%I.%I', n.nspname, c.relname) END
              || ' IS ' || quote_literal(d.description) || ';'
       FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_constraint'::regclass AND d.objoid = co.oid) AS comment
    FROM pg_catalog.pg_constraint co
    LEFT JOIN pg_catalog.pg_class c ON c.oid = co.conrelid LEFT JOIN pg_catalog.pg_type t ON t.oid = co.contypid
    JOIN pg_catalog.pg_namespace n ON n.oid = coalesce(c.relnamespace, t.typnamespace)
    WHERE n.nspname = ANY($1) AND ${NOT_VALIDATED} AND co.conparentid = 0 AND co.conislocal
      AND (c.relkind IN ('r', 'p') OR t.typtype = 'd')
      AND ${exportable(ctx, 'c.oid', 'pg_class')} AND ${exportable(ctx, 't.oid', 'pg_type')}${notExcluded(ctx, 'co.oid', 'pg_constraint')}
    ORDER BY n.nspname, coalesce(c.relname, t.typname), co.conname`);
  return rows.map((r): SchemaObject => ({
    type: 'NOT_VALID_CONSTRAINT', schema: r.schema, name: r.name,
    sql: r.comment ? `${r.sql}\n${r.comment}` : r.sql,
  }));
}
