import { catalogRows, exportable, notExcluded, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';

interface ConstraintRow { readonly schema: string; readonly name: string; readonly sql: string }
interface IndexRow {
  readonly schema: string;
  readonly name: string;
  readonly definition: string;
  readonly unique: boolean;
  readonly onPartitionedTable: boolean;
  readonly onMaterializedView: boolean;
  readonly qname: string;
  readonly comment: string | null;
}

/**
 * UNIQUE and EXCLUDE constraints (as `ALTER TABLE … ADD CONSTRAINT`) and unique indexes on tables
 * become `UNIQUE` objects, imported before the data; every other index becomes an `INDEX` object,
 * created after the snapshot. Skipped: indexes behind a primary key, unique or exclusion
 * constraint, indexes on partitions that are attached to their parent's partitioned index,
 * invalid indexes (a failed CREATE INDEX CONCURRENTLY). Indexes on materialized views are always
 * `INDEX` (the materialized views are created after the uniques). A comment on an index travels
 * with the index.
 */
export async function exportIndexes(ctx: ExportContext): Promise<SchemaObject[]> {
  const constraints = await catalogRows<ConstraintRow>(ctx, `
    SELECT n.nspname AS schema, co.conname AS name,
      'ALTER TABLE ' || format('%I.%I', n.nspname, c.relname) || ' ADD CONSTRAINT ' || quote_ident(co.conname)
        || ' ' || pg_get_constraintdef(co.oid) || ';' AS sql
    FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND co.contype IN ('u', 'x') AND co.conparentid = 0
      AND ${exportable(ctx, 'c.oid', 'pg_class')}${notExcluded(ctx, 'co.oid', 'pg_constraint')}
    ORDER BY n.nspname, c.relname, co.conname`);
  const indexes = await catalogRows<IndexRow>(ctx, `
    SELECT n.nspname AS schema, ic.relname AS name, format('%I.%I', n.nspname, ic.relname) AS qname, pg_get_indexdef(i.indexrelid) AS definition,
      i.indisunique AS unique, tc.relkind = 'p' AS "onPartitionedTable", tc.relkind = 'm' AS "onMaterializedView",
      (SELECT quote_literal(d.description) FROM pg_catalog.pg_description d
       WHERE d.classoid = 'pg_class'::regclass AND d.objoid = ic.oid AND d.objsubid = 0) AS comment
    FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
    WHERE n.nspname = ANY($1) AND tc.relkind IN ('r', 'p', 'm') AND i.indisvalid
      AND ${exportable(ctx, 'tc.oid', 'pg_class')}${notExcluded(ctx, 'ic.oid', 'pg_class')}
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid
                      AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
    ORDER BY n.nspname, tc.relname, ic.relname`);
  return [
    ...constraints.map((c): SchemaObject => ({ type: 'UNIQUE', schema: c.schema, name: c.name, sql: c.sql })),
    ...indexes.map((i): SchemaObject => {
      // pg_get_indexdef writes "ON ONLY" for a partitioned table (pg_dump attaches the children
      // later); we want the index on every partition, so create it on the whole tree.
      const definition = i.onPartitionedTable ? i.definition.replace(/ ON ONLY /, ' ON ') : i.definition;
      const comment = i.comment ? `\nCOMMENT ON INDEX ${i.qname} IS ${i.comment};` : '';
      return {
        type: i.unique && !i.onMaterializedView ? 'UNIQUE' : 'INDEX', schema: i.schema, name: i.name,
        sql: `${definition};${comment}`,
      };
    }),
  ];
}

