import { orderByDependencies } from './dependency-order.js';
import { catalogRows, collationName, exportable, type ExportContext } from './export-context.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { NOT_VALIDATED } from './not-valid-constraints-export.js';
import { SEQUENCE_OPTIONS_SQL } from './sequences-export.js';

interface TableRow {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  readonly relkind: 'r' | 'p';
  readonly isPartition: boolean;
  readonly unlogged: boolean;
  readonly reloptions: string | null;
  readonly partitionKey: string | null;
  readonly partitionBound: string | null;
  /** Parents as `schema.name` keys and quoted names, in inhseqno order. */
  readonly parentKeys: string[];
  readonly parentNames: string[];
  readonly replicaIdentity: string;
  /** A typed table's type (`CREATE TABLE … OF type`), qualified; null otherwise. */
  readonly ofType: string | null;
}

interface ColumnRow {
  readonly relid: number;
  readonly name: string;
  readonly type: string;
  readonly collation: string | null;
  readonly defaultExpr: string | null;
  readonly notNull: boolean;
  readonly identity: '' | 'a' | 'd';
  readonly identitySequence: string | null;
  readonly generated: '' | 's' | 'v';
  readonly isLocal: boolean;
  readonly parentNotNull: boolean;
  readonly parentDefault: string | null;
}

interface ConstraintRow {
  readonly relid: number;
  readonly name: string;
  readonly definition: string;
  readonly contype: 'c' | 'p';
}

const tablesSql = (ctx: ExportContext): string => `
  SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
    c.relkind, c.relispartition AS "isPartition", c.relpersistence = 'u' AS unlogged,
    array_to_string(c.reloptions, ', ') AS reloptions,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS "partitionKey",
    pg_get_expr(c.relpartbound, c.oid) AS "partitionBound",
    coalesce((SELECT array_agg(pn.nspname || '.' || p.relname ORDER BY i.inhseqno) FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
      WHERE i.inhrelid = c.oid), '{}') AS "parentKeys",
    coalesce((SELECT array_agg(format('%I.%I', pn.nspname, p.relname) ORDER BY i.inhseqno) FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
      WHERE i.inhrelid = c.oid), '{}') AS "parentNames",
    c.relreplident AS "replicaIdentity",
    CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS "ofType"
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND ${exportable(ctx, 'c.oid', 'pg_class')}
  ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
  SELECT a.attrelid::int AS relid, quote_ident(a.attname) AS name, format_type(a.atttypid, a.atttypmod) AS type,
    CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ${collationName('a.attcollation')} END AS collation,
    pg_get_expr(ad.adbin, ad.adrelid) AS "defaultExpr", a.attidentity AS identity,
    -- A NOT NULL the source has not validated (PG18) comes after the data, with the NOT VALID constraints.
    a.attnotnull AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conrelid = a.attrelid
      AND co.contype = 'n' AND NOT co.convalidated AND co.conkey[1] = a.attnum) AS "notNull",
    (SELECT format('%I.%I', sn.nspname, sc.relname) || ' ' || ${SEQUENCE_OPTIONS_SQL}
     FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class sc ON sc.oid = d.objid
     JOIN pg_catalog.pg_namespace sn ON sn.oid = sc.relnamespace JOIN pg_catalog.pg_sequence s ON s.seqrelid = sc.oid
     WHERE a.attidentity <> '' AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i' LIMIT 1) AS "identitySequence",
    a.attgenerated AS generated, a.attislocal AS "isLocal",
    EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_attribute pa
            ON pa.attrelid = i.inhparent AND pa.attname = a.attname AND pa.attnotnull
            WHERE i.inhrelid = a.attrelid) AS "parentNotNull",
    (SELECT pg_get_expr(pd.adbin, pd.adrelid) FROM pg_catalog.pg_inherits i
     JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
     JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
     WHERE i.inhrelid = a.attrelid ORDER BY i.inhseqno LIMIT 1) AS "parentDefault"
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum`;

/**
 * Primary keys and CHECK constraints defined on the table itself (not inherited or cloned from a
 * parent). CHECKs the source has not validated are created after the data (not-valid-constraints-export).
 */
const CONSTRAINTS_SQL = `
  SELECT co.conrelid::int AS relid, quote_ident(co.conname) AS name, pg_get_constraintdef(co.oid) AS definition, co.contype
  FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND co.contype IN ('c', 'p')
    AND co.conislocal AND co.conparentid = 0 AND NOT ${NOT_VALIDATED}
  ORDER BY co.conrelid, CASE co.contype WHEN 'p' THEN 0 ELSE 1 END, co.conname`;

/**
 * Tables (`TABLE`) and partitions (`PARTITION`) with their columns, defaults, identity and
 * generated columns, NOT NULL, collations, primary keys and (validated) CHECK constraints, UNLOGGED, storage
 * options, PARTITION BY / PARTITION OF, INHERITS, typed tables (`OF type`, with what each column
 * adds `WITH OPTIONS`) and REPLICA IDENTITY FULL/NOTHING. Parents come before their children.
 */
export async function exportTables(ctx: ExportContext): Promise<SchemaObject[]> {
  const tables = await catalogRows<TableRow>(ctx, tablesSql(ctx));
  const columns = groupBy(await catalogRows<ColumnRow>(ctx, COLUMNS_SQL), (c) => c.relid);
  const constraints = groupBy(await catalogRows<ConstraintRow>(ctx, CONSTRAINTS_SQL), (c) => c.relid);
  const ordered = orderByDependencies(tables, (t) => `${t.schema}.${t.name}`, (t) => t.parentKeys);
  return ordered.map((t): SchemaObject => ({
    type: t.isPartition ? 'PARTITION' : 'TABLE', schema: t.schema, name: t.name,
    sql: renderTable(t, columns.get(t.oid) ?? [], constraints.get(t.oid) ?? []),
  }));
}

function renderTable(t: TableRow, columns: readonly ColumnRow[], constraints: readonly ConstraintRow[]): string {
  const elements: string[] = [];
  const after: string[] = [];
  if (t.ofType && !t.isPartition) {
    // A typed table's columns are its type's: only what the table adds to one is written.
    for (const c of columns) {
      const options = columnOptions(c);
      if (options) elements.push(`${c.name} WITH OPTIONS${options}`);
    }
  } else if (!t.isPartition) {
    for (const c of columns) {
      if (c.isLocal) elements.push(renderColumn(c));
      else after.push(...inheritedColumnChanges(t, c));
    }
  } else {
    // A partition's columns are its parent's, but it may have its own default and NOT NULL (measured
    // before, the pg-schema run: dropped, so the target gave direct inserts the parent's default and
    // took NULLs the source refused).
    for (const c of columns) after.push(...inheritedColumnChanges(t, c));
  }
  for (const k of constraints) elements.push(`CONSTRAINT ${k.name} ${k.definition}`);
  const body = elements.length > 0 ? ` (\n    ${elements.join(',\n    ')}\n)` : t.isPartition || t.ofType ? '' : ' (\n)';
  let sql = `CREATE ${t.unlogged ? 'UNLOGGED ' : ''}TABLE ${t.qname}`;
  if (t.isPartition) sql += ` PARTITION OF ${t.parentNames[0]}${body}\n${t.partitionBound}`;
  else if (t.ofType) sql += ` OF ${t.ofType}${body}`;
  else sql += body + (t.parentNames.length > 0 ? `\nINHERITS (${t.parentNames.join(', ')})` : '');
  if (t.partitionKey) sql += `\nPARTITION BY ${t.partitionKey}`;
  if (t.reloptions) sql += `\nWITH (${t.reloptions})`;
  sql += ';';
  if (t.replicaIdentity === 'f') after.push(`ALTER TABLE ${t.qname} REPLICA IDENTITY FULL;`);
  if (t.replicaIdentity === 'n') after.push(`ALTER TABLE ${t.qname} REPLICA IDENTITY NOTHING;`);
  return [sql, ...after].join('\n');
}

function renderColumn(c: ColumnRow): string {
  let def = `${c.name} ${c.type}`;
  if (c.collation) def += ` COLLATE ${c.collation}`;
  return def + columnOptions(c);
}

/** What a column adds to its name and type, each part with a leading space ('' for none). */
function columnOptions(c: ColumnRow): string {
  let def = '';
  if (c.generated === 's') def += ` GENERATED ALWAYS AS (${c.defaultExpr}) STORED`;
  else if (c.generated === 'v') def += ` GENERATED ALWAYS AS (${c.defaultExpr}) VIRTUAL`;
  else if (c.defaultExpr !== null) def += ` DEFAULT ${c.defaultExpr}`;
  if (c.identity) {
    def += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
    if (c.identitySequence) def += ` (SEQUENCE NAME ${c.identitySequence})`;
  }
  if (c.notNull) def += ' NOT NULL';
  return def;
}

/**
 * A column inherited from a parent (not listed in CREATE TABLE), or a partition's, may still carry
 * its own NOT NULL or default, or have dropped the default it was given from the parent (which
 * CREATE TABLE … INHERITS / PARTITION OF gives it again: measured before, the pg-schema run).
 */
function inheritedColumnChanges(t: TableRow, c: ColumnRow): string[] {
  const out: string[] = [];
  if (c.notNull && !c.parentNotNull) out.push(`ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${c.name} SET NOT NULL;`);
  if (c.defaultExpr !== null && c.defaultExpr !== c.parentDefault && !c.generated) {
    out.push(`ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${c.name} SET DEFAULT ${c.defaultExpr};`);
  }
  if (c.defaultExpr === null && c.parentDefault !== null && !c.generated && !c.identity) {
    out.push(`ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${c.name} DROP DEFAULT;`);
  }
  return out;
}

function groupBy<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  }
  return map;
}
