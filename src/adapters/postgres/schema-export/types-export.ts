import { catalogRows, collationName, exportable, inExportedSchemaOrOutsideType, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

interface TypeRow {
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  readonly kind: 'e' | 'c' | 'r';
  readonly body: string;
}

/**
 * A range type's multirange type (PostgreSQL 14+), named where its name is not the one PostgreSQL
 * gives by default (the first "range" in the range type's name made "multirange", else "_multirange"
 * appended; in the range type's schema): measured before, a `multirange_type_name` was left out and
 * the tables using it could not be created on the target (the schema-pg-53 run). Said only where
 * needed, since a PG11-based YugabyteDB does not know the attribute.
 */
const multirangeName = `|| coalesce((SELECT CASE WHEN mt.typnamespace <> t.typnamespace
                                  OR mt.typname <> CASE WHEN strpos(t.typname, 'range') > 0
                                                        THEN overlay(t.typname placing 'multirange' from strpos(t.typname, 'range') for 5)
                                                        ELSE t.typname || '_multirange' END
                                 THEN ', MULTIRANGE_TYPE_NAME = ' || format('%I.%I', mtn.nspname, mt.typname) ELSE '' END
                         FROM pg_catalog.pg_type mt JOIN pg_catalog.pg_namespace mtn ON mtn.oid = mt.typnamespace
                         WHERE mt.oid = r.rngmultitypid), '')`;

/**
 * Enum, composite and range types (kind order: enums, ranges, composites, since a composite may
 * use the others). Base types written in C and array types are not exported. Types of other schemas
 * that exported objects use (`ctx.outsideTypes`) are exported too.
 */
export async function exportTypes(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<TypeRow>(ctx, `
    SELECT n.nspname AS schema, t.typname AS name, format('%I.%I', n.nspname, t.typname) AS qname, t.typtype AS kind,
      CASE t.typtype
        WHEN 'e' THEN 'ENUM (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
        WHEN 'c' THEN '(' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation
                                   THEN ' COLLATE ' || ${collationName('a.attcollation')} ELSE '' END, ', ' ORDER BY a.attnum)
                           FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
        WHEN 'r' THEN (SELECT 'RANGE (SUBTYPE = ' || format_type(r.rngsubtype, NULL)
                         || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                 THEN ', COLLATION = ' || ${collationName('r.rngcollation')} ELSE '' END
                         || CASE WHEN NOT opc.opcdefault
                                 THEN ', SUBTYPE_OPCLASS = ' || format('%I.%I', opcn.nspname, opc.opcname) ELSE '' END
                         || CASE WHEN r.rngsubdiff <> 0 THEN ', SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text ELSE '' END
                         || CASE WHEN r.rngcanonical <> 0 THEN ', CANONICAL = ' || r.rngcanonical::regproc::text ELSE '' END
                         ${ctx.serverVersionNum >= 140000 ? multirangeName : ''}
                         || ')'
                       FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
                       JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
                       JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
                       WHERE r.rngtypid = t.oid)
      END AS body
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE ${inExportedSchemaOrOutsideType(ctx, 'n.nspname', 't.oid')} AND t.typtype IN ('e', 'c', 'r')
      AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
      AND ${exportable(ctx, 't.oid', 'pg_type')}
    ORDER BY CASE t.typtype WHEN 'e' THEN 0 WHEN 'r' THEN 1 ELSE 2 END, n.nspname, t.typname`);
  return rows.map((r) => ({ type: 'TYPE', schema: r.schema, name: r.name, sql: `CREATE TYPE ${r.qname} AS ${r.body};` }));
}
