/**
 * What the MySQL → PostgreSQL conversion could not do as it is, or did differently: each note is
 * returned to the caller and written into the exported DDL as two comment lines in front of its
 * object, a readable one and a machine-readable one (`-- tandem-note {…}`), so that
 * `analyze-schema` reports it for as long as the user has not removed it from the file
 * (`src/analyze/rules/mysql-conversion-notes.ts`). Pure.
 */

/** Stable ids; the analyzer has a title and a suggestion for each (MYSQL_NOTE_RULES). */
export type ConversionNoteRule =
  | 'mysql-trigger'
  | 'mysql-routine'
  | 'mysql-event'
  | 'mysql-view-not-converted'
  | 'mysql-view-caveat'
  | 'mysql-check-not-converted'
  | 'mysql-generated-not-converted'
  | 'mysql-virtual-generated'
  | 'mysql-default-not-converted'
  | 'mysql-expression-caveat'
  | 'mysql-zero-date-default'
  | 'mysql-on-update-timestamp'
  | 'mysql-auto-increment-sequence'
  | 'mysql-auto-increment-not-integer'
  | 'mysql-auto-increment-per-group'
  | 'mysql-sequence-increment-0'
  | 'mysql-fulltext-index'
  | 'mysql-spatial-index'
  | 'mysql-prefix-index'
  | 'mysql-invisible-index'
  | 'mysql-index-not-converted'
  | 'mysql-key-order'
  | 'mysql-without-overlaps'
  | 'mysql-index-renamed'
  | 'mysql-constraint-renamed'
  | 'mysql-foreign-key-not-converted'
  | 'mysql-case-insensitive-key'
  | 'mysql-pad-space-key'
  | 'mysql-mixed-case-name'
  | 'mysql-non-transactional-table'
  | 'mysql-partitioned-table'
  | 'mysql-system-versioned-table'
  | 'mysql-invisible-column'
  | 'mysql-spatial-column'
  | 'mysql-charset'
  | 'mysql-binary-default'
  | 'mysql-zerofill'
  | 'mysql-set-order';

export interface ConversionNote {
  readonly rule: ConversionNoteRule;
  /** TABLE, COLUMN, INDEX, VIEW, TRIGGER, … */
  readonly objectType: string;
  /** Qualified name on the target, e.g. `public.orders` or `public.orders.status`. */
  readonly objectName: string;
  /** What exactly, e.g. the reason an expression did not convert. Never a row value. */
  readonly detail: string;
}

/** The comment lines that carry notes in a DDL file (one readable line, one machine line each). */
export function noteComments(notes: readonly ConversionNote[]): string {
  return notes.map((n) => `-- NOTE ${n.objectType} ${oneLine(n.objectName)}: ${oneLine(n.detail)}\n`
    + `-- tandem-note ${JSON.stringify({ rule: n.rule, objectType: n.objectType, objectName: n.objectName, detail: n.detail })}\n`).join('');
}

/** Text as `-- ` comment lines (MySQL source kept for manual conversion). */
export function commentOut(text: string): string {
  return text.split(/\r?\n/).map((l) => `-- ${l}`.trimEnd()).join('\n') + '\n';
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
