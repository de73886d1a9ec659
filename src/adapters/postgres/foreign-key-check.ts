import type pg from 'pg';
import type { TableRef } from '../../core/engine/catalog.js';
import type { BrokenForeignKey } from '../../core/engine/target.js';
import { pgArray } from './source-catalog.js';
import { quoteIdent } from '../../core/sql-names.js';

/** At most this many referencing keys are named per broken foreign key. */
const SAMPLE = 3;

/**
 * The validated foreign keys between `tables` (both the referencing and the referenced table among
 * them: a key to a table that was not loaded would find every row broken) that rows now break: rows whose
 * key references no row of the referenced table. PostgreSQL counts such a key as checked, but a
 * snapshot loads with `session_replication_role = replica`, so the rows were never checked against
 * it: only a source whose keys may hold where PostgreSQL's do not has to be looked at (MySQL compares
 * a key's values by their collation and lets a session turn its checks off). One statement per key,
 * an anti-join through the referenced table's unique index, as `VALIDATE CONSTRAINT` would run it
 * but without its lock. MATCH SIMPLE (a row with a NULL in its key references nothing) and MATCH
 * FULL (such a row must be all NULL) as PostgreSQL checks them.
 */
export async function brokenForeignKeys(client: pg.Client, tables: readonly TableRef[]): Promise<BrokenForeignKey[]> {
  if (tables.length === 0) return [];
  // Definitions with every name schema-qualified, whatever the session's search_path.
  await client.query('BEGIN READ ONLY');
  await client.query('SET LOCAL search_path = pg_catalog');
  let keys: pg.QueryResult;
  try {
    keys = await client.query(`
    SELECT co.conname AS name, format('%I.%I', cn.nspname, c.relname) AS child, format('%I.%I', pn.nspname, p.relname) AS parent,
           (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n) AS child_columns,
           (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) AS parent_columns,
           co.confmatchtype AS match, pg_catalog.pg_get_constraintdef(co.oid) AS definition, c.relkind = 'p' AS partitioned
      FROM unnest($1::text[], $2::text[]) AS t(schema, name)
      JOIN pg_catalog.pg_namespace cn ON cn.nspname = t.schema
      JOIN pg_catalog.pg_class c ON c.relnamespace = cn.oid AND c.relname = t.name
      JOIN pg_catalog.pg_constraint co ON co.conrelid = c.oid AND co.contype = 'f' AND co.convalidated AND co.conparentid = 0
      JOIN pg_catalog.pg_class p ON p.oid = co.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
     WHERE (pn.nspname, p.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
     ORDER BY 2, 1`, [tables.map((t) => t.schema), tables.map((t) => t.name)]);
  } finally {
    await client.query('COMMIT');
  }
  const out: BrokenForeignKey[] = [];
  for (const k of keys.rows) {
    const childColumns = pgArray(k.child_columns);
    const parentColumns = pgArray(k.parent_columns);
    const cols = childColumns.map((c) => `c.${quoteIdent(c)}`);
    const allSet = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
    const noParent = `NOT EXISTS (SELECT 1 FROM ${k.parent} p WHERE ${parentColumns.map((pc, i) => `p.${quoteIdent(pc)} = ${cols[i]}`).join(' AND ')})`;
    // MATCH FULL: a key partly NULL breaks it too.
    const broken = k.match === 'f' && cols.length > 1
      ? `((${allSet}) AND ${noParent}) OR (num_nulls(${cols.join(', ')}) BETWEEN 1 AND ${cols.length - 1})`
      : `${allSet} AND ${noParent}`;
    const { rows } = await client.query(`SELECT count(*) OVER () AS n, ${cols.map((c, i) => `${c}::text AS k${i}`).join(', ')} FROM ${k.child} c WHERE ${broken} ORDER BY ${cols.join(', ')} LIMIT ${SAMPLE}`);
    if (rows.length === 0) continue;
    out.push({
      name: String(k.name), table: String(k.child), columns: childColumns, referenced: String(k.parent), definition: String(k.definition),
      partitioned: k.partitioned === true || k.partitioned === 't',
      rows: Number(rows[0].n), examples: rows.map((r) => childColumns.map((_, i) => (r[`k${i}`] === null ? null : String(r[`k${i}`])))),
    });
  }
  return out;
}
