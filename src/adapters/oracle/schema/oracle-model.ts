/**
 * What an Oracle DDL script declares, read statement by statement (later statements such as
 * `ALTER TABLE … ADD CONSTRAINT` and `COMMENT ON` change what earlier ones created). Names are
 * Oracle stored names; the PostgreSQL side is decided when the model is written out.
 */
import type { OracleType } from './oracle-type.js';
import type { Token } from './oracle-tokenizer.js';
import type { Expr, Query } from './sql-ast.js';

/** Where a statement came from, for messages. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** A schema-qualified Oracle name (stored names). */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** An expression as read, with its text for messages and the manual list. */
export interface ParsedExpr {
  readonly expr: Expr;
  readonly text: string;
}

/** ENABLE/DISABLE, VALIDATE/NOVALIDATE, DEFERRABLE. */
export interface ConstraintState {
  readonly enabled: boolean;
  readonly validated: boolean;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
}

export const DEFAULT_STATE: ConstraintState = { enabled: true, validated: true, deferrable: false, initiallyDeferred: false };

export interface SequenceOptions {
  start?: string;
  increment?: string;
  minValue?: string;
  maxValue?: string;
  cycle?: boolean;
  /** Cache size; '1' for NOCACHE. */
  cache?: string;
  scale?: boolean;
  session?: boolean;
  /** START WITH LIMIT VALUE (an identity column restarted above its data). */
  startAtLimit?: boolean;
}

export interface IdentitySpec {
  readonly always: boolean;
  readonly onNull: boolean;
  readonly options: SequenceOptions;
}

export interface ColumnDef {
  name: string;
  type: OracleType;
  default?: ParsedExpr;
  defaultOnNull?: boolean;
  /** The default could not be read; its text, for the note. */
  defaultUnreadable?: string;
  identity?: IdentitySpec;
  /** A virtual column's expression. */
  virtual?: ParsedExpr;
  /** The column was written without a type (a virtual column's type then comes from its expression). */
  typeOmitted?: boolean;
  notNull?: { readonly name?: string; readonly state: ConstraintState };
  invisible?: boolean;
  encrypted?: boolean;
}

export type ConstraintKind = 'PRIMARY KEY' | 'UNIQUE' | 'FOREIGN KEY' | 'CHECK';

export interface ConstraintDef {
  name?: string;
  readonly kind: ConstraintKind;
  columns: string[];
  readonly check?: ParsedExpr;
  /** The CHECK condition could not be read. */
  readonly checkUnreadable?: { readonly text: string; readonly reason: string; readonly code: string };
  readonly references?: { readonly table: QualifiedName; readonly columns?: readonly string[]; readonly onDelete?: 'CASCADE' | 'SET NULL' };
  state: ConstraintState;
  /** USING INDEX "name": the index the constraint uses. */
  readonly usingIndex?: string;
}

export interface BoundValue {
  readonly tokens: readonly Token[];
  readonly text: string;
}

/** One partition or subpartition. */
export interface PartitionDef {
  readonly name?: string;
  /** RANGE: the LESS THAN values; LIST: the VALUES (one entry per value); HASH: empty. */
  readonly values: readonly BoundValue[];
  readonly isDefault: boolean;
  readonly subpartitions?: readonly PartitionDef[];
  /** SUBPARTITIONS n (hash) on this partition. */
  readonly subpartitionCount?: number;
}

export interface PartitionScheme {
  readonly method: 'RANGE' | 'LIST' | 'HASH' | 'REFERENCE' | 'SYSTEM';
  readonly columns: readonly string[];
  readonly interval?: string;
  readonly automatic?: boolean;
  readonly partitions: PartitionDef[];
  readonly sub?: {
    readonly method: 'RANGE' | 'LIST' | 'HASH';
    readonly columns: readonly string[];
    readonly template?: readonly PartitionDef[];
    readonly count?: number;
  };
}

export interface TableDef {
  readonly kind: 'TABLE';
  name: QualifiedName;
  columns: ColumnDef[];
  constraints: ConstraintDef[];
  partitioning?: PartitionScheme;
  /** GLOBAL TEMPORARY … ON COMMIT DELETE|PRESERVE ROWS. */
  temporary?: 'DELETE' | 'PRESERVE';
  external?: boolean;
  organizationIndex?: boolean;
  clustered?: string;
  /**
   * CREATE TABLE … OF type: the type as written and its name. `columns` then hold only what the
   * table says about the type's attributes (defaults, NOT NULL), with a placeholder type.
   */
  objectTable?: string;
  objectType?: QualifiedName;
  /** NOT SUBSTITUTABLE AT ALL LEVELS: the rows are of the type itself, never of a subtype. */
  notSubstitutable?: boolean;
  /** CREATE TABLE … AS SELECT. */
  asQuery?: { readonly query: Query; readonly text: string; readonly columns?: readonly string[] };
  comment?: string;
  columnComments: Map<string, string>;
  readonly source: SourceRef;
  readonly text: string;
}

export interface IndexColumn {
  /** A plain column (stored name), or undefined for an expression. */
  readonly column?: string;
  readonly expr?: ParsedExpr;
  readonly unreadable?: { readonly text: string; readonly reason: string; readonly code: string };
  readonly desc: boolean;
}

export interface IndexDef {
  readonly kind: 'INDEX';
  name: QualifiedName;
  table: QualifiedName;
  readonly unique: boolean;
  readonly bitmap: boolean;
  readonly reverse: boolean;
  readonly columns: readonly IndexColumn[];
  /** INDEXTYPE IS …: a domain index (Oracle Text, spatial, …). */
  readonly indexType?: string;
  readonly globalPartitioned: boolean;
  readonly invisible: boolean;
  readonly source: SourceRef;
  readonly text: string;
}

export interface SequenceDef {
  readonly kind: 'SEQUENCE';
  name: QualifiedName;
  readonly options: SequenceOptions;
  readonly source: SourceRef;
  readonly text: string;
}

export interface ViewDef {
  readonly kind: 'VIEW' | 'MVIEW';
  name: QualifiedName;
  readonly columns?: readonly string[];
  /** An object view (`OF type WITH OBJECT IDENTIFIER …`): its type, whose attributes name its columns. */
  readonly objectType?: QualifiedName;
  /** Undefined when the query could not be read (see `unreadable`). */
  readonly query?: Query;
  readonly queryText: string;
  readonly unreadable?: { readonly reason: string; readonly code: string };
  readonly checkOption: boolean;
  readonly readOnly: boolean;
  /** Materialized views: ON PREBUILT TABLE, refresh details worth a note. */
  readonly prebuilt?: boolean;
  readonly refreshNotes?: readonly string[];
  readonly buildDeferred?: boolean;
  comment?: string;
  columnComments: Map<string, string>;
  readonly source: SourceRef;
  readonly text: string;
}

export interface TypeAttribute {
  readonly name: string;
  readonly type: OracleType;
}

export interface TypeDef {
  readonly kind: 'TYPE';
  name: QualifiedName;
  readonly form: 'OBJECT' | 'VARRAY' | 'TABLE';
  readonly attributes: readonly TypeAttribute[];
  /** VARRAY / nested table element type. */
  readonly element?: OracleType;
  readonly limit?: number;
  readonly hasMethods: boolean;
  /** For a subtype (`UNDER supertype`): the supertype; `attributes` are then the subtype's own. */
  readonly supertype?: QualifiedName;
  readonly source: SourceRef;
  readonly text: string;
}

export interface SynonymDef {
  readonly kind: 'SYNONYM';
  name: QualifiedName;
  readonly isPublic: boolean;
  readonly target: QualifiedName;
  readonly dblink?: string;
  readonly source: SourceRef;
  readonly text: string;
}

/** PL/SQL and other code that is exported as it is, for a person to convert. */
export interface PlsqlUnit {
  readonly kind: 'PACKAGE' | 'PACKAGE BODY' | 'PROCEDURE' | 'FUNCTION' | 'TRIGGER' | 'TYPE' | 'TYPE BODY' | 'LIBRARY' | 'JAVA' | 'ANONYMOUS BLOCK';
  readonly name: QualifiedName;
  /** For a trigger: the table it is on. */
  readonly table?: QualifiedName;
  text: string;
  readonly source: SourceRef;
}

export type ObjectDef = TableDef | IndexDef | SequenceDef | ViewDef | TypeDef | SynonymDef;

/** Everything read from the scripts, in input order. */
export interface OracleModel {
  readonly objects: ObjectDef[];
  readonly plsql: PlsqlUnit[];
  /** Statements kept out of the conversion for a person to look at (not PL/SQL). */
  readonly unconverted: { readonly kind: string; readonly name: QualifiedName; readonly text: string; readonly reason: string; readonly code: string; readonly source: SourceRef }[];
  /** Notes found while reading, before any PostgreSQL name exists. */
  readonly readNotes: { readonly objectType: string; readonly name: QualifiedName; readonly code: string; readonly severity: 'changed' | 'unsupported' | 'manual'; readonly message: string }[];
}
