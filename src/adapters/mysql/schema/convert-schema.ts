/**
 * MySQL/MariaDB catalog → PostgreSQL DDL as `SchemaObject`s, plus the notes of everything that did
 * not convert as it is. The database maps to one PostgreSQL schema (`public` unless told
 * otherwise, as in YugabyteDB Voyager). Pure: the catalog comes from `readMySqlCatalog`.
 */
import { noteComments } from './conversion-note.js';
import type { SchemaObject, SchemaObjectType } from '../../../core/schema-object.js';
import { TandemError } from '../../../core/errors.js';
import { quoteIdent } from '../../../core/sql-names.js';
import type { MySqlCatalog, MySqlColumn, MySqlTable } from '../catalog-types.js';
import type { MySqlFlavor } from '../server-version.js';
import { ConvertContext } from './convert-context.js';
import type { ConversionNote } from './conversion-note.js';
import { convertForeignKeys, convertIndexes } from './index-ddl.js';
import { PG_MAX_NAME_BYTES, pgIdentitySequenceName, tooLongForPg } from './pg-names.js';
import { convertStoredProgram } from './stored-programs.js';
import { autoIncrementSequenceName, convertTable, translateGeneratedColumn } from './table-ddl.js';
import { pgColumnType, UnknownMySqlTypeError } from './type-map.js';
import { convertViews } from './view-ddl.js';

/** The order `import schema` applies object types in (docs: src/workflow/schema/README.md). */
const IMPORT_ORDER: readonly SchemaObjectType[] = [
  'SCHEMA', 'TYPE', 'SEQUENCE', 'FUNCTION', 'PROCEDURE', 'TABLE', 'SEQUENCE_OWNED_BY', 'UNIQUE', 'FOREIGN_KEY', 'VIEW', 'COMMENT', 'INDEX', 'TRIGGER',
];

/** The PostgreSQL schema a MySQL database becomes unless the user chooses another. */
export const DEFAULT_MYSQL_TARGET_SCHEMA = 'public';

export interface ConvertMySqlSchemaOptions {
  /** The PostgreSQL schema for the database's objects; default `public`. */
  readonly targetSchema?: string;
}

export interface MySqlSchemaConversion {
  /** In the order `import schema` runs them (pre-snapshot types, then indexes and triggers); within a type, by table. */
  readonly objects: SchemaObject[];
  /** Everything converted differently or not at all; the same notes are in the objects' SQL as `-- tandem-note` lines. */
  readonly notes: ConversionNote[];
}

/** Refuses, before anything is written, what cannot be migrated at all: names PostgreSQL would truncate, types Tandem does not know. */
/** The names of `tables` and of their columns that PostgreSQL would cut short (`table`, `table.column`). */
export function tableNamesTooLong(tables: readonly MySqlTable[]): string[] {
  return tables.flatMap((t) => [...(tooLongForPg(t.name) ? [t.name] : []), ...t.columns.filter((c) => tooLongForPg(c.name)).map((c) => `${t.name}.${c.name}`)]);
}

/** What export schema and export data say of names PostgreSQL would cut short. */
export function longNamesRefusal(database: string, long: readonly string[], alsoLeaveOut: boolean): { message: string; hint: string } {
  return {
    message: `${long.length} name(s) in ${database} are longer than PostgreSQL's ${PG_MAX_NAME_BYTES} bytes: ${long.join(', ')}.`,
    hint: `PostgreSQL would cut them short (and two could become one). Rename them on the source (RENAME TABLE / ALTER TABLE … RENAME COLUMN)${alsoLeaveOut ? ', or leave their tables out with --exclude-table-list;' : ','} then export again.`,
  };
}

function checkConvertible(catalog: MySqlCatalog): void {
  const long = tableNamesTooLong(catalog.tables);
  const unknown: string[] = [];
  for (const t of catalog.tables) {
    for (const c of t.columns) {
      try {
        pgColumnType(c, catalog.server.flavor);
      } catch (e) {
        if (!(e instanceof UnknownMySqlTypeError)) throw e;
        unknown.push(`${t.name}.${c.name} (${c.columnType})`);
      }
    }
  }
  for (const v of catalog.views) if (tooLongForPg(v.name)) long.push(v.name);
  for (const s of catalog.sequences) if (tooLongForPg(s.name)) long.push(s.name);
  if (long.length) {
    const { message, hint } = longNamesRefusal(catalog.database, long, false);
    throw new TandemError('TANDEM_UNSUPPORTED', message, { hint });
  }
  if (unknown.length) {
    throw new TandemError('TANDEM_UNSUPPORTED', `Tandem cannot migrate these column types of ${catalog.database}: ${unknown.join(', ')}.`, {
      hint: 'Change the columns to a supported type on the source, or leave their tables out with --exclude-table-list.',
    });
  }
  // Measured before: CREATE TABLE failed at import, and with --ignore-exist the table was skipped unsaid.
  const system = catalog.tables.flatMap((t) => t.columns.filter((c) => SYSTEM_COLUMNS.has(c.name)).map((c) => `${t.name}.${c.name}`));
  if (system.length) {
    throw new TandemError('TANDEM_UNSUPPORTED', `${system.length} column(s) of ${catalog.database} have a name PostgreSQL and YugabyteDB keep for a system column: ${system.join(', ')}.`, {
      hint: `No table there can have a column named ${[...SYSTEM_COLUMNS].join(', ')}. Rename the columns on the source (ALTER TABLE … RENAME COLUMN) and in the application, then export again.`,
    });
  }
  const collisions = sequenceNameCollisions(catalog);
  if (collisions.length) {
    throw new TandemError('TANDEM_UNSUPPORTED', `${collisions.length} AUTO_INCREMENT column(s) of ${catalog.database} would be fed on the target by a sequence whose name is already taken: ${collisions.join('; ')}.`, {
      hint: 'Each counter is found on the target by its sequence\'s name <table>_<column>_seq (cut to 63 bytes), so two cannot share one. Rename one of the tables, columns or sequences on the source, then export again.',
    });
  }
}

/** Column names of PostgreSQL's system columns: no user column can have them. */
const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

/**
 * The name of the sequence that feeds an AUTO_INCREMENT column on the target: PostgreSQL's name
 * for an identity's, or the one Tandem creates for a BIGINT UNSIGNED column; undefined when the
 * counter is not kept (a column of another type).
 */
export function autoIncrementSequenceOf(table: MySqlTable, column: MySqlColumn, flavor: MySqlFlavor): string | undefined {
  const sql = pgColumnType(column, flavor).sql;
  if (sql === 'numeric(20,0)') return autoIncrementSequenceName(table.name, column.name);
  if (sql === 'smallint' || sql === 'integer' || sql === 'bigint') return pgIdentitySequenceName(table.name, column.name);
  return undefined;
}

/**
 * AUTO_INCREMENT columns whose sequence's name is taken by a table, view or sequence of the
 * database or by another such column's sequence (`w.a_id` and `w_a.id` both need `w_a_id_seq`).
 * Measured before (the mysql-schema run): two tables drew from one sequence, or an identity's
 * sequence was renamed by PostgreSQL (`z_id_seq1`), where the counters' restore would not find it.
 */
export function sequenceNameCollisions(catalog: MySqlCatalog): string[] {
  const owners = new Map<string, string>();
  for (const t of catalog.tables) owners.set(t.name, `the table ${t.name}`);
  for (const v of catalog.views) owners.set(v.name, `the view ${v.name}`);
  for (const s of catalog.sequences) owners.set(s.name, `the sequence ${s.name}`);
  const out: string[] = [];
  for (const t of catalog.tables) {
    for (const c of t.columns) {
      if (!c.autoIncrement) continue;
      const name = autoIncrementSequenceOf(t, c, catalog.server.flavor);
      if (name === undefined) continue;
      const other = owners.get(name);
      if (other) out.push(`${t.name}.${c.name} needs ${name}, which is ${other}`);
      else owners.set(name, `the sequence of ${t.name}.${c.name}`);
    }
  }
  return out;
}

/**
 * The columns of a table that are generated on the target (their expression converted): the
 * snapshot and the change stream must leave them out of what they write there. Columns generated
 * on MySQL whose expression did not convert are ordinary columns on the target and are copied.
 * (Writes into MySQL leave out every column with `MySqlColumn.generated`.)
 */
export function generatedOnTarget(catalog: MySqlCatalog, table: MySqlTable, options: ConvertMySqlSchemaOptions = {}): string[] {
  const ctx = new ConvertContext(catalog, options.targetSchema ?? DEFAULT_MYSQL_TARGET_SCHEMA).translateIn(table.name);
  return table.columns.filter((c) => c.generated && translateGeneratedColumn(c, catalog.server.flavor, ctx).ok).map((c) => c.name);
}

/**
 * Converts a MySQL database's catalog into PostgreSQL schema objects.
 *
 * @example
 * const { objects, notes } = convertMySqlSchema(await readMySqlCatalog(connection, 'shop'));
 */
export function convertMySqlSchema(catalog: MySqlCatalog, options: ConvertMySqlSchemaOptions = {}): MySqlSchemaConversion {
  checkConvertible(catalog);
  const targetSchema = options.targetSchema ?? DEFAULT_MYSQL_TARGET_SCHEMA;
  const ctx = new ConvertContext(catalog, targetSchema);
  const objects: SchemaObject[] = [];
  if (targetSchema !== 'public') {
    objects.push({ type: 'SCHEMA', schema: targetSchema, name: targetSchema, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(targetSchema)};` });
  }
  for (const s of catalog.sequences) {
    // CACHE 1: MariaDB's cache is the server's, PostgreSQL's each session's, so a MariaDB CACHE 1000
    // skipped 1000 values per new connection on the target (the mysql-live-edges-2 run). INCREMENT 0
    // is MariaDB's "auto_increment_increment" (1 unless set), which PostgreSQL refuses.
    const increment = Number(s.increment) === 0 ? 1 : s.increment;
    const notes = Number(s.increment) === 0
      ? [ctx.note('mysql-sequence-increment-0', 'SEQUENCE', ctx.label(s.name), 'INCREMENT BY 0 (MariaDB: auto_increment_increment) created as INCREMENT BY 1')]
      : [];
    objects.push({
      type: 'SEQUENCE', schema: targetSchema, name: s.name,
      sql: `${noteComments(notes)}CREATE SEQUENCE ${ctx.q(s.name)} AS bigint INCREMENT BY ${increment} MINVALUE ${s.minValue} MAXVALUE ${s.maxValue} `
        + `START WITH ${s.nextValue}${s.cycle ? ' CYCLE' : ''};`,
    });
  }
  const later: SchemaObject[] = [];
  for (const table of catalog.tables) {
    const indexes = convertIndexes(ctx, table);
    const fks = convertForeignKeys(ctx, table);
    objects.push(...convertTable(ctx, table, [...indexes.detached, ...fks.detached]).objects);
    later.push(...indexes.objects, ...fks.objects);
  }
  objects.push(...later);
  objects.push(...convertViews(ctx, catalog.views));
  for (const o of [...catalog.triggers, ...catalog.routines, ...catalog.events]) objects.push(convertStoredProgram(ctx, o));
  const rank = (o: SchemaObject) => IMPORT_ORDER.indexOf(o.type);
  const ordered = objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
  return { objects: ordered, notes: ctx.notes };
}
