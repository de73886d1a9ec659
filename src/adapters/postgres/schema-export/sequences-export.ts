import { catalogRows, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

interface SequenceRow {
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  readonly options: string;
  readonly ownedBy: string | null;
}

/** SQL expression: the options of the sequence behind `pg_sequence s` (shared with identity columns). */
export const SEQUENCE_OPTIONS_SQL =
  `'START WITH ' || s.seqstart || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin ` +
  `|| ' MAXVALUE ' || s.seqmax || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END`;

/**
 * Sequences that are not identity sequences (those are part of their column), as `SEQUENCE`
 * objects, and for sequences owned by a column (serial) an `ALTER SEQUENCE … OWNED BY` as a
 * `SEQUENCE_OWNED_BY` object, which must run after the tables.
 */
export async function exportSequences(ctx: ExportContext): Promise<SchemaObject[]> {
  const rows = await catalogRows<SequenceRow>(ctx, `
    SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
      'AS ' || format_type(s.seqtypid, NULL) || ' ' || ${SEQUENCE_OPTIONS_SQL} AS options,
      (SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname)
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
       JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
       WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
         AND d.deptype = 'a' AND d.refobjsubid > 0 AND tn.nspname = ANY($1)) AS "ownedBy"
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
    WHERE c.relkind = 'S' AND n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_class')}
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'i')
    ORDER BY n.nspname, c.relname`);
  const sequences = rows.map((r): SchemaObject => ({
    type: 'SEQUENCE', schema: r.schema, name: r.name,
    sql: `CREATE SEQUENCE ${r.qname} ${r.options};`,
  }));
  const ownedBy = rows.filter((r) => r.ownedBy !== null).map((r): SchemaObject => ({
    type: 'SEQUENCE_OWNED_BY', schema: r.schema, name: r.name,
    sql: `ALTER SEQUENCE ${r.qname} OWNED BY ${r.ownedBy};`,
  }));
  return [...sequences, ...ownedBy];
}
