/**
 * State shared by the conversion steps of one database: the catalog, the target schema, and the
 * notes collected so far (each step's notes also go in front of its own SQL). Pure.
 */
import type { MySqlCatalog } from '../catalog-types.js';
import type { ConversionNote, ConversionNoteRule } from './conversion-note.js';
import { derivedName, PG_MAX_NAME_BYTES, pgIdentitySequenceName, qualifiedName, tooLongForPg } from './pg-names.js';
import type { TranslateContext } from './expression-translator.js';
import type { OperandColumn } from './typed-operands.js';

export class ConvertContext {
  readonly notes: ConversionNote[] = [];

  constructor(readonly catalog: MySqlCatalog, readonly targetSchema: string) {}

  get flavor() {
    return this.catalog.server.flavor;
  }

  get translate(): TranslateContext {
    this.primaryKeys ??= new Map(this.catalog.tables.map((t) => [t.name, t.primaryKey]));
    this.storedFunctions ??= new Set(this.catalog.routines.filter((r) => r.kind === 'FUNCTION').map((r) => r.name.toLowerCase()));
    this.columns ??= new Map(this.catalog.tables.map((t) => [t.name, new Map(t.columns.map((c) => [c.name, {
      dataType: c.dataType, ...(c.dataType === 'bit' ? { bitWidth: c.numericPrecision ?? 1 } : {}),
      ...(c.numericScale !== null ? { numericScale: c.numericScale } : {}), ...(c.collation ? { collation: c.collation } : {}),
      ...(c.generated ? { generated: true as const } : {}),
      ...(c.dataType === 'enum' && c.members ? { members: c.members } : {}),
    }]))]));
    return { database: this.catalog.database, targetSchema: this.targetSchema, primaryKeys: this.primaryKeys, storedFunctions: this.storedFunctions, columns: this.columns };
  }

  /** `translate` for an expression of one table (a CHECK, a generated column, a default, an index part). */
  translateIn(table: string): TranslateContext {
    return { ...this.translate, table };
  }

  private primaryKeys: Map<string, readonly string[]> | undefined;
  private storedFunctions: Set<string> | undefined;
  private columns: Map<string, Map<string, OperandColumn>> | undefined;

  /** Names of relations (tables, views, sequences, indexes) in the target schema, taken so far. */
  private relations: Set<string> | undefined;

  /**
   * A relation name for something Tandem names itself (an index): `name`, or when a table, view,
   * sequence, primary key index or earlier index already has it, `name_idx`, `name_idx2`, …
   * (shortened with a hash past 63 bytes). Tables, views and sequences keep their names; they are
   * reserved first.
   */
  uniqueRelationName(name: string): string {
    if (!this.relations) {
      this.relations = this.catalogRelationNames();
      // PostgreSQL names a primary key's index <table>_pkey.
      for (const t of this.catalog.tables) if (t.primaryKey.length) this.relations.add(derivedName(t.name, 'pkey'));
    }
    let candidate = name;
    for (let n = 1; this.relations.has(candidate); n++) candidate = derivedName(name, n === 1 ? 'idx' : `idx${n}`);
    this.relations.add(candidate);
    return candidate;
  }

  /**
   * The target's name of a CHECK or foreign key: its own, or past PostgreSQL's 63 bytes (MySQL allows
   * 64 characters) cut with a hash of the full name, noted in `notes` (measured before: PostgreSQL cut
   * two such names into one, and a rerun with --ignore-exist lost a foreign key).
   */
  constraintName(table: string, name: string, objectType: 'CONSTRAINT' | 'FOREIGN_KEY', notes: ConversionNote[]): string {
    if (!tooLongForPg(name)) return name;
    const short = derivedName(name);
    notes.push(this.note('mysql-constraint-renamed', objectType, this.label(table, name), `named ${short}: the name is longer than PostgreSQL's ${PG_MAX_NAME_BYTES} bytes`));
    return short;
  }

  /** The enum type of each ENUM column, by `[table, column]` as JSON. */
  private enumNames: Map<string, string> | undefined;

  /**
   * The name of an ENUM column's type: `<table>_<column>_enum`, or when that is taken (by a table's,
   * view's or sequence's row type, an AUTO_INCREMENT column's sequence, or an earlier ENUM's type:
   * `t.s_x` and `t_s.x`), `_enum2`, `_enum3`, … (measured before: two types of one name were
   * exported, and with --ignore-exist a column got the other table's members).
   */
  enumTypeName(table: string, column: string): string {
    if (!this.enumNames) {
      const taken = this.catalogRelationNames();
      for (const t of this.catalog.tables) for (const c of t.columns) if (c.autoIncrement) taken.add(pgIdentitySequenceName(t.name, c.name));
      this.enumNames = new Map();
      for (const t of this.catalog.tables) {
        for (const c of t.columns) {
          if (c.dataType.toLowerCase() !== 'enum') continue;
          let name = derivedName(t.name, c.name, 'enum');
          for (let n = 2; taken.has(name); n++) name = derivedName(t.name, c.name, `enum${n}`);
          taken.add(name);
          this.enumNames.set(JSON.stringify([t.name, c.name]), name);
        }
      }
    }
    const name = this.enumNames.get(JSON.stringify([table, column]));
    if (name === undefined) throw new Error(`${table}.${column} is not an ENUM column of the catalog`);
    return name;
  }

  /** The catalog's tables, views and sequences, and the sequence of each AUTO_INCREMENT column (`<table>_<column>_seq`): names taken on the target. */
  private catalogRelationNames(): Set<string> {
    const names = new Set([...this.catalog.tables.map((t) => t.name), ...this.catalog.views.map((v) => v.name), ...this.catalog.sequences.map((s) => s.name)]);
    for (const t of this.catalog.tables) for (const c of t.columns) if (c.autoIncrement) names.add(derivedName(t.name, c.name, 'seq'));
    return names;
  }

  /** `schema.name` on the target. */
  q(name: string): string {
    return qualifiedName(this.targetSchema, name);
  }

  /** The name a note shows: `schema.table` or `schema.table.column`. */
  label(...parts: string[]): string {
    return [this.targetSchema, ...parts].join('.');
  }

  /** Records a note and returns it, so the caller can put it in front of its SQL. */
  note(rule: ConversionNoteRule, objectType: string, objectName: string, detail: string): ConversionNote {
    const n = { rule, objectType, objectName, detail };
    this.notes.push(n);
    return n;
  }
}
