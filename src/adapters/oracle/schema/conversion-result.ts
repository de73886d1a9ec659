/**
 * What {@link convertOracleDdl} returns: the PostgreSQL objects, the notes, the objects left for a
 * person to convert, and an inventory of every Oracle object and constraint with what became of it.
 */
import type { SchemaObject } from '../../../core/schema-object.js';
import type { ConversionNote } from './conversion-note.js';
import type { SourceRef } from './oracle-model.js';
import type { ValueKind } from './type-mapping.js';

/** An Oracle object (or statement) that was not converted: PL/SQL, or what has no PostgreSQL form. */
export interface ManualObject {
  /** PACKAGE, PACKAGE BODY, PROCEDURE, FUNCTION, TRIGGER, TYPE, TYPE BODY, ANONYMOUS BLOCK, …, or VIEW, MVIEW, INDEX, TABLE, CONSTRAINT, SYNONYM, SEQUENCE, … */
  readonly kind: string;
  /** The object is PL/SQL (or Java) code. */
  readonly plsql: boolean;
  /** PostgreSQL schema and name it would have. */
  readonly schema: string;
  readonly name: string;
  /** The Oracle DDL as it was read. */
  readonly oracleSql: string;
  /** Why it was not converted. */
  readonly reason: string;
  readonly code: string;
  readonly source: SourceRef;
}

/** What became of an Oracle object. */
export type ObjectStatus =
  /** Converted: a PostgreSQL object of `name` is in `objects`. */
  | 'created'
  /** An index that a PRIMARY KEY or UNIQUE constraint creates on PostgreSQL (its index is named `name`). */
  | 'merged'
  /** Not converted: in `manual`. */
  | 'manual'
  /** Deliberately not created, with the note saying why (for example a disabled constraint). */
  | 'omitted';

/** One Oracle object of the input. */
export interface SourceObject {
  /** TABLE, VIEW, MVIEW, SEQUENCE, INDEX, TYPE, SYNONYM, or a PL/SQL kind. */
  readonly kind: string;
  /** The Oracle name as `"SCHEMA"."NAME"`. */
  readonly oracleName: string;
  readonly schema: string;
  readonly name: string;
  readonly status: ObjectStatus;
  readonly plsql: boolean;
  /**
   * Not converted only because it calls PL/SQL that needs manual conversion first (a view or
   * materialized view calling a package function, …): it follows the PL/SQL.
   */
  readonly needsPlsql?: true;
}

/** One Oracle constraint (NOT NULL included, as Oracle's catalog counts it). */
export interface SourceConstraint {
  readonly kind: 'PRIMARY KEY' | 'UNIQUE' | 'FOREIGN KEY' | 'CHECK' | 'NOT NULL';
  readonly schema: string;
  /** PostgreSQL table name. */
  readonly table: string;
  /** PostgreSQL constraint name; for NOT NULL the column name (unless it became a CHECK … NOT VALID, then that CHECK's name). */
  readonly name: string;
  /** For NOT NULL: the column. */
  readonly column?: string;
  /** How it exists on PostgreSQL: a constraint in pg_constraint, or a column's NOT NULL. */
  readonly form: 'constraint' | 'not-null';
  readonly status: Exclude<ObjectStatus, 'merged'>;
}

/** A converted table, for the data path: names and kinds of its columns. */
export interface ConvertedTable {
  readonly oracleSchema: string;
  readonly oracleName: string;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly {
    readonly oracleName: string;
    readonly name: string;
    readonly oracleType: string;
    readonly pgType: string;
    readonly kind: ValueKind;
    /** A virtual column became a STORED generated column: the data path must not write it. */
    readonly generated: boolean;
  }[];
}

/** Everything a conversion produces. */
export interface OracleConversionResult {
  /** PostgreSQL DDL, ready for `writeSchemaFiles`; every statement parses with PostgreSQL's parser. */
  readonly objects: readonly SchemaObject[];
  readonly notes: readonly ConversionNote[];
  readonly manual: readonly ManualObject[];
  readonly inventory: { readonly objects: readonly SourceObject[]; readonly constraints: readonly SourceConstraint[] };
  readonly tables: readonly ConvertedTable[];
}
