/**
 * What the converter tells the user: every change of meaning it made and everything it could not
 * convert, each on the object it concerns, with a stable code.
 */

/**
 * - `changed`: converted, but the PostgreSQL object behaves differently in the way the message says
 *   (for example a bitmap index became a B-tree index).
 * - `unsupported`: a part of the object was left out or cannot work on PostgreSQL (for example a
 *   column of a spatial type, a disabled constraint).
 * - `manual`: the object was not converted; its Oracle DDL is in the manual list for a person to
 *   convert (PL/SQL, views using CONNECT BY, …).
 */
export type NoteSeverity = 'changed' | 'unsupported' | 'manual';

/** One note on one object. */
export interface ConversionNote {
  /** The Oracle object kind: TABLE, VIEW, INDEX, CONSTRAINT, SEQUENCE, COLUMN, PACKAGE, … */
  readonly objectType: string;
  /** PostgreSQL schema of the object. */
  readonly schema: string;
  /** PostgreSQL name of the object (`table.column` for a column, `table.constraint` for a constraint). */
  readonly name: string;
  /** Stable upper-case code, e.g. BITMAP_INDEX (listed in docs/oracle-schema.md). */
  readonly code: string;
  readonly severity: NoteSeverity;
  readonly message: string;
}

/** A note before the converter knows which object it belongs to. */
export interface PendingNote {
  readonly code: string;
  readonly severity: NoteSeverity;
  readonly message: string;
}

/** Thrown while converting a part of an object that has no PostgreSQL form; the caller decides what goes to the manual list. */
export class UnconvertibleError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'UnconvertibleError';
  }
}
