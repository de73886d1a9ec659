/**
 * MySQL indexes, unique keys and foreign keys → PostgreSQL. Pure.
 *
 * - Index names are per table in MySQL and per schema in PostgreSQL: every index is named
 *   `<table>_<index>` (shortened with a hash past 63 bytes).
 * - A unique key with a prefix part (`UNIQUE (code(10))`) means "the first 10 characters are
 *   unique": a unique index on `left(code, 10)` (bytea: `substr(code, 1, 10)`) says the same.
 *   A plain prefix index indexes the whole column (queries on the column can use it).
 * - FULLTEXT and SPATIAL indexes are not created (reported with what to do instead).
 * - A foreign key must reference a primary key or a unique key without prefixes in PostgreSQL;
 *   InnoDB also accepts any index. Such keys, and keys into other databases, are reported.
 */
import type { SchemaObject } from '../../../core/schema-object.js';
import { quoteIdent } from '../../../core/sql-names.js';
import type { MySqlIndex, MySqlTable } from '../catalog-types.js';
import type { ConvertContext } from './convert-context.js';
import { noteComments, type ConversionNote } from './conversion-note.js';
import { pgString, translateMySqlExpression } from './expression-translator.js';
import { derivedName } from './pg-names.js';
import { isCaseInsensitiveCollation, isPadSpaceBinaryCollation } from './table-ddl.js';
import { pgColumnType } from './type-map.js';

/** The PostgreSQL name of a MySQL index. */
export function pgIndexName(table: string, index: string): string {
  return derivedName(table, index);
}

/** One index → CREATE [UNIQUE] INDEX, or notes only. */
function convertIndex(ctx: ConvertContext, table: MySqlTable, index: MySqlIndex, detached: ConversionNote[]): SchemaObject | undefined {
  const where = ctx.label(table.name, index.name);
  const notes: ConversionNote[] = [];
  if (index.kind === 'fulltext') {
    detached.push(ctx.note('mysql-fulltext-index', 'INDEX', where,
      `FULLTEXT (${index.parts.map((p) => p.column).join(', ')}) was not created: use a GIN index on to_tsvector(...) and rewrite MATCH … AGAINST queries`));
    return undefined;
  }
  if (index.kind === 'spatial') {
    detached.push(ctx.note('mysql-spatial-index', 'INDEX', where, `SPATIAL index on ${index.parts.map((p) => p.column).join(', ')} was not created (spatial values are kept as bytes)`));
    return undefined;
  }
  const parts: string[] = [];
  for (const p of index.parts) {
    let sql: string;
    if (p.column === null) {
      const r = translateMySqlExpression(p.expression ?? '', ctx.translateIn(table.name));
      if (!r.ok) {
        detached.push(ctx.note('mysql-index-not-converted', 'INDEX', where, `the index expression (${p.expression}) did not convert (${r.reason}); the index was not created`));
        return undefined;
      }
      sql = `(${r.sql})`;
    } else {
      const column = table.columns.find((c) => c.name === p.column);
      sql = quoteIdent(p.column);
      if (p.prefixLength !== null && column) {
        const binary = pgColumnType(column, ctx.flavor).kind === 'binary';
        if (index.unique) {
          sql = binary ? `substr(${sql}, 1, ${p.prefixLength})` : `left(${sql}, ${p.prefixLength})`;
          sql = `(${sql})`;
          notes.push(ctx.note('mysql-prefix-index', 'INDEX', where, `unique prefix ${p.column}(${p.prefixLength}) became a unique index on ${sql.slice(1, -1)}`));
        } else {
          notes.push(ctx.note('mysql-prefix-index', 'INDEX', where, `prefix ${p.column}(${p.prefixLength}) became an index on the whole column (values over ~2700 bytes cannot be indexed)`));
        }
      }
      if (index.unique && column && isCaseInsensitiveCollation(column.collation) && pgColumnType(column, ctx.flavor).kind === 'text') {
        notes.push(ctx.note('mysql-case-insensitive-key', 'INDEX', where,
          `unique on ${p.column}, which the source compares case-insensitively (${column.collation}); the target compares it case-sensitively`));
      }
      if (index.unique && column && isPadSpaceBinaryCollation(column.collation) && pgColumnType(column, ctx.flavor).kind === 'text') {
        notes.push(ctx.note('mysql-pad-space-key', 'INDEX', where,
          `unique on ${p.column}, which the source compares ignoring trailing spaces (${column.collation}, PAD SPACE: 'x' and 'x ' are one key); the target compares it exactly`));
      }
    }
    parts.push(p.descending ? `${sql} DESC` : sql);
  }
  const name = ctx.uniqueRelationName(pgIndexName(table.name, index.name));
  if (name !== pgIndexName(table.name, index.name)) {
    notes.push(ctx.note('mysql-index-renamed', 'INDEX', where, `named ${name}: ${pgIndexName(table.name, index.name)} is already the name of another table, view, sequence or index in the schema`));
  }
  if (index.invisible) notes.push(ctx.note('mysql-invisible-index', 'INDEX', where, 'invisible (ignored) on the source; PostgreSQL has no such state, so the planner will use it'));
  // MariaDB keeps a UNIQUE on a long TEXT or BLOB column (no prefix) with a hidden hash, because its
  // values are too long for a B-tree: so are they on PostgreSQL (the schema-fidelity run: the load
  // stopped on "index row requires 12816 bytes").
  if (index.unique && index.kind === 'hash' && index.parts.some((p) => p.column !== null && /text|blob/i.test(table.columns.find((c) => c.name === p.column)?.dataType ?? ''))) {
    notes.push(ctx.note('mysql-prefix-index', 'INDEX', where,
      `UNIQUE on a long column, which MariaDB keeps with a hidden hash: a PostgreSQL B-tree refuses values over about 2700 bytes; if the values are that long, make it CREATE UNIQUE INDEX … (md5(${index.parts.map((p) => p.column ?? '…').join(' || ')})) on PostgreSQL`));
  }
  // MariaDB's rule that no two rows' periods overlap is no unique index: on PostgreSQL it would be an
  // exclusion constraint, which YugabyteDB does not support (the schema-fidelity run: a unique index
  // on (id, e, s) was created without a word, and the target took overlapping periods).
  const unique = index.unique && index.withoutOverlaps === undefined;
  if (index.withoutOverlaps !== undefined) {
    const keys = index.parts.slice(0, -2).map((p) => p.column ?? '…');
    notes.push(ctx.note('mysql-without-overlaps', 'INDEX', where,
      `UNIQUE (${[...keys, `${index.withoutOverlaps} WITHOUT OVERLAPS`].join(', ')}) became a plain index: the target does not refuse rows whose periods overlap `
      + `(PostgreSQL would need EXCLUDE USING gist (${[...keys.map((k) => `${k} WITH =`), 'daterange(<start>, <end>) WITH &&'].join(', ')}), which YugabyteDB does not support), and a fall-back would stop on such a row`));
  }
  return {
    type: unique ? 'UNIQUE' : 'INDEX',
    schema: ctx.targetSchema,
    name,
    sql: `${noteComments(notes)}CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(name)} ON ${ctx.q(table.name)} (${parts.join(', ')});`
      + (index.comment ? `\nCOMMENT ON INDEX ${ctx.q(name)} IS ${pgString(index.comment)};` : ''),
  };
}

/** What a conversion step created, and the notes about what it did not create (they go in front of the table). */
export interface ConvertedParts {
  readonly objects: SchemaObject[];
  readonly detached: ConversionNote[];
}

/** Every index of a table (the primary key is part of CREATE TABLE). */
export function convertIndexes(ctx: ConvertContext, table: MySqlTable): ConvertedParts {
  const detached: ConversionNote[] = [];
  const objects = table.indexes.map((i) => convertIndex(ctx, table, i, detached)).filter((o): o is SchemaObject => o !== undefined);
  return { objects, detached };
}

/** True when PostgreSQL can reference these columns: the primary key or a unique key, in any order, without prefixes. */
function isReferenceable(table: MySqlTable, columns: readonly string[]): boolean {
  const same = (a: readonly string[]) => a.length === columns.length && a.every((c) => columns.includes(c));
  if (same(table.primaryKey)) return true;
  return table.indexes.some((i) => i.unique && i.withoutOverlaps === undefined && i.kind !== 'fulltext' && i.parts.every((p) => p.column !== null && p.prefixLength === null)
    && same(i.parts.map((p) => p.column!)));
}

/** Foreign keys of a table as ALTER TABLE … ADD CONSTRAINT. */
export function convertForeignKeys(ctx: ConvertContext, table: MySqlTable): ConvertedParts {
  const out: SchemaObject[] = [];
  const detached: ConversionNote[] = [];
  for (const fk of table.foreignKeys) {
    const where = ctx.label(table.name, fk.name);
    if (fk.refDatabase !== ctx.catalog.database) {
      detached.push(ctx.note('mysql-foreign-key-not-converted', 'FOREIGN_KEY', where, `it references ${fk.refDatabase}.${fk.refTable}, in another database; it was not created`));
      continue;
    }
    const parent = ctx.catalog.tables.find((t) => t.name === fk.refTable);
    if (!parent) {
      detached.push(ctx.note('mysql-foreign-key-not-converted', 'FOREIGN_KEY', where, `the referenced table ${fk.refTable} is not among the migrated tables; it was not created`));
      continue;
    }
    if (!isReferenceable(parent, fk.refColumns)) {
      detached.push(ctx.note('mysql-foreign-key-not-converted', 'FOREIGN_KEY', where,
        `it references ${fk.refTable} (${fk.refColumns.join(', ')}), which is neither its primary key nor a unique key; PostgreSQL needs one (add a UNIQUE constraint on the target, then the foreign key)`));
      continue;
    }
    const cols = (c: readonly string[]) => c.map(quoteIdent).join(', ');
    const notes: ConversionNote[] = [];
    const name = ctx.constraintName(table.name, fk.name, 'FOREIGN_KEY', notes);
    out.push({
      type: 'FOREIGN_KEY', schema: ctx.targetSchema, name,
      sql: `${noteComments(notes)}ALTER TABLE ${ctx.q(table.name)} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${ctx.q(fk.refTable)} (${cols(fk.refColumns)}) ON UPDATE ${fk.onUpdate} ON DELETE ${fk.onDelete};`,
    });
  }
  return { objects: out, detached };
}
