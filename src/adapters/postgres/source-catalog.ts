import type pg from 'pg';
import { TandemError } from '../../core/errors.js';
import { q } from '../../core/sql-names.js';

/** A table Tandem copies: a plain table or the root of a partitioned table. */
export interface SourceTable {
  readonly schema: string;
  readonly name: string;
  readonly oid: number;
  readonly partitioned: boolean;
  /** Columns copied, in order (generated columns are left out: the target computes them). */
  readonly columns: string[];
  /** Their types (`format_type`), in the same order. */
  readonly columnTypes: string[];
  /** The generated columns left out of `columns`. */
  readonly generated: string[];
  readonly hasPrimaryKey: boolean;
  readonly primaryKey: string[];
  /** Binary COPY is safe unless a value embeds an OID that differs between servers (a composite's or a user array's type, a regclass…). */
  readonly binarySafe: boolean;
  readonly estimatedRows: number;
  readonly pages: number;
  /**
   * For partitioned roots: the leaf partitions (schema, name) that hold rows on this server, each
   * copied as one chunk. Foreign partitions are not among them: their rows live on a remote server
   * (the schema export creates them unattached on the target, and verification skips them too).
   */
  readonly leaves: { schema: string; name: string; pages: number; estimatedRows: number }[];
}

export function tableKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

export function qualified(schema: string, name: string): string {
  return `${q(schema)}.${q(name)}`;
}

/**
 * The object-identifier types whose values are OIDs of catalog objects (a table, a type, a role…):
 * binary COPY moves the OID, which on the target names another object or none (measured: a
 * regclass of app.other arrived as 16391), while their text is the object's name.
 */
const REG_TYPES = "('regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype')";

/**
 * Lists the copyable tables of the given schemas (partitions are reached through their root), or
 * those with the given oids wherever they are (`{ oids }`: migrated tables moved to another schema).
 */
export async function listSourceTables(client: pg.Client, which: string[] | { readonly oids: readonly number[] }): Promise<SourceTable[]> {
  const byOid = !Array.isArray(which);
  const schemas = Array.isArray(which) ? which : [];
  const missing = byOid ? { rows: [] } : await client.query(
    'SELECT s FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)', [schemas]);
  if (missing.rows.length > 0) {
    const names = missing.rows.map((r) => r.s).join(', ');
    const avail = await client.query("SELECT string_agg(nspname, ', ' ORDER BY nspname) AS a FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema)'");
    throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema(s) not found in the source database: ${names}.`, {
      hint: `Schemas there: ${avail.rows[0].a ?? '(none)'}. Quote mixed-case names in --source-db-schema, e.g. '"Sales"'.`,
    });
  }
  const r = await client.query(`
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned,
           greatest(c.reltuples, 0)::float8 AS est, c.relpages::int AS pages,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS columns,
           (SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS column_types,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> '') AS generated,
           (SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = c.oid AND i.indisprimary) AS pk,
           NOT EXISTS (
             SELECT 1 FROM pg_attribute a
             JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
             LEFT JOIN pg_type et ON et.oid = coalesce(nullif(t.typelem, 0), nullif(bt.typelem, 0))
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND (t.typtype = 'c' OR bt.typtype = 'c'
                    OR (t.typcategory = 'A' AND et.oid >= 16384) OR (bt.typcategory = 'A' AND et.oid >= 16384)
                    -- regclass, regtype and the like: binary is the object's OID, which names another object (or
                    -- none) on the target; their text is the object's name
                    OR EXISTS (SELECT 1 FROM pg_type r WHERE r.oid IN (t.oid, bt.oid, et.oid)
                                 AND r.typnamespace = 'pg_catalog'::regnamespace AND r.typname IN ${REG_TYPES})
                    -- a type without binary input or output (aclitem, some extensions' types) has only text
                    OR EXISTS (SELECT 1 FROM pg_type r WHERE r.oid IN (t.oid, bt.oid, et.oid) AND (r.typsend = 0 OR r.typreceive = 0)))
           ) AS binary_safe
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${byOid ? 'c.oid = ANY($1::oid[])' : 'n.nspname = ANY($1::text[])'} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
     ORDER BY n.nspname, c.relname`, [byOid ? (which as { oids: readonly number[] }).oids : schemas]);
  const tables: SourceTable[] = [];
  for (const row of r.rows) {
    let leaves: SourceTable['leaves'] = [];
    let est = Number(row.est);
    let pages = Number(row.pages);
    const partitioned = pgBool(row.partitioned);
    if (partitioned) {
      const lr = await client.query(`
        SELECT n.nspname AS schema, c.relname AS name, c.relpages::int AS pages, greatest(c.reltuples, 0)::float8 AS est
          FROM pg_partition_tree($1::regclass) t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE t.isleaf AND c.relkind <> 'f' ORDER BY n.nspname, c.relname`, [row.oid]);
      leaves = lr.rows.map((l) => ({ schema: l.schema, name: l.name, pages: Number(l.pages), estimatedRows: Number(l.est) }));
      est = leaves.reduce((s, l) => s + l.estimatedRows, 0);
      pages = leaves.reduce((s, l) => s + l.pages, 0);
    }
    tables.push({
      schema: row.schema, name: row.name, oid: row.oid, partitioned, columns: pgArray(row.columns), columnTypes: pgArray(row.column_types), generated: pgArray(row.generated),
      primaryKey: pgArray(row.pk), hasPrimaryKey: row.pk !== null, binarySafe: pgBool(row.binary_safe),
      estimatedRows: Math.round(est), pages, leaves,
    });
  }
  return tables;
}

/** Booleans arrive as 't'/'f' (Tandem installs no type parsers): 'f' is a truthy string. */
export function pgBool(v: unknown): boolean {
  return v === true || v === 't';
}

/** Values arrive as text (Tandem installs no type parsers), so arrays of names need parsing. */
export function pgArray(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map(String);
  const s = String(v);
  if (s === '{}') return [];
  const out: string[] = [];
  let i = 1;
  while (i < s.length - 1) {
    if (s[i] === '"') {
      let cur = '';
      i++;
      while (s[i] !== '"') {
        if (s[i] === '\\') i++;
        cur += s[i];
        i++;
      }
      out.push(cur);
      i += 2; // closing quote and comma
    } else {
      const end = s.indexOf(',', i);
      const stop = end === -1 || end > s.length - 1 ? s.length - 1 : end;
      out.push(s.slice(i, stop));
      i = stop + 1;
    }
  }
  return out;
}

export interface SequenceInfo {
  readonly schema: string;
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/** Current values of the sequences in the schemas (sequences are not transactional: read last). */
export async function readSequences(client: pg.Client, schemas: string[]): Promise<SequenceInfo[]> {
  const seqs = await client.query(`
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
     ORDER BY 1, 2`, [schemas]);
  // The values in one round trip per SEQUENCE_READ_CHUNK sequences, not one each: the source's read
  // happens while the cutover marker waits for it (the application's downtime).
  const out: SequenceInfo[] = [];
  for (let from = 0; from < seqs.rows.length; from += SEQUENCE_READ_CHUNK) {
    const chunk = seqs.rows.slice(from, from + SEQUENCE_READ_CHUNK);
    const v = await client.query(chunk.map((s, i) => `SELECT ${i} AS i, last_value::text AS lv, is_called FROM ${qualified(s.schema, s.name)}`).join('\nUNION ALL '));
    const byIndex = new Map(v.rows.map((r) => [Number(r.i), r]));
    chunk.forEach((s, i) => {
      const r = byIndex.get(i);
      if (!r) throw new Error(`sequence ${s.schema}.${s.name} returned no row`);
      out.push({ schema: s.schema, name: s.name, lastValue: r.lv, isCalled: r.is_called === true || r.is_called === 't' });
    });
  }
  return out;
}

/** Sequences read per statement (a UNION ALL of one SELECT each). */
const SEQUENCE_READ_CHUNK = 500;

/** Whether a (qualified, quoted) relation name exists. */
export async function relationExists(client: pg.Client, name: string): Promise<boolean> {
  const r = await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [name]);
  return pgBool(r.rows[0].e);
}
