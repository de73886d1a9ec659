/**
 * Issues from the notes that the MySQL schema conversion writes into the exported DDL
 * (`-- tandem-note {"rule": …}` lines, see `adapters/mysql/schema/conversion-note.ts`). They are
 * read from the files as they are now: once the user has dealt with an object and deleted its note,
 * the issue is gone. The statement of an issue is the text that follows the note (the DDL, or the
 * commented-out MySQL source of a trigger, routine or view).
 */
import type { AnalysisIssue, IssueCategory, SchemaFile } from '../analysis-types.js';
import type { ConversionNoteRule } from '../../adapters/mysql/schema/conversion-note.js';
import { SCHEMA_OBJECT_TYPES } from '../../core/schema-object.js';

interface NoteRule {
  readonly category: IssueCategory;
  readonly title: string;
  readonly suggestion: string;
}

const MYSQL_DOCS = 'docs/mysql.md';

/** Every MySQL conversion note, with how analyze-schema reports it. */
export const MYSQL_NOTE_RULES: Readonly<Record<ConversionNoteRule, NoteRule>> = {
  'mysql-trigger': { category: 'unsupported_plpgsql', title: 'MySQL trigger to convert by hand', suggestion: 'Rewrite it as a PL/pgSQL trigger function plus CREATE TRIGGER in schema/triggers/triggers.sql, then delete the commented MySQL text and its note. Remember that triggers also fire for the fall-back writes into MySQL.' },
  'mysql-routine': { category: 'unsupported_plpgsql', title: 'MySQL procedure or function to convert by hand', suggestion: 'Rewrite it in PL/pgSQL (or SQL) in the same file, then delete the commented MySQL text and its note.' },
  'mysql-event': { category: 'unsupported_plpgsql', title: 'MySQL event (scheduled job) to move elsewhere', suggestion: 'PostgreSQL has no event scheduler: run the body with pg_cron or an external scheduler, then delete the commented MySQL text and its note.' },
  'mysql-view-not-converted': { category: 'unsupported_feature', title: 'MySQL view that did not convert', suggestion: 'Write the view in PostgreSQL syntax in schema/views/views.sql (the MySQL definition is there as a comment), then delete the note.' },
  'mysql-view-caveat': { category: 'migration_caveat', title: 'Converted view that may compute differently', suggestion: 'Check the view\'s results on the target; cast to numeric where MySQL divides exactly.' },
  'mysql-check-not-converted': { category: 'unsupported_feature', title: 'MySQL CHECK constraint that did not convert', suggestion: 'Add the constraint in PostgreSQL syntax to the CREATE TABLE, or accept its absence, then delete the note.' },
  'mysql-generated-not-converted': { category: 'unsupported_feature', title: 'Generated column whose expression did not convert', suggestion: 'The column is an ordinary column filled from the source. After the cutover nothing computes it: add GENERATED ALWAYS AS (…) STORED in PostgreSQL syntax, or a trigger.' },
  'mysql-virtual-generated': { category: 'migration_caveat', title: 'VIRTUAL generated column stored on the target', suggestion: 'PostgreSQL before 18 has only STORED generated columns; the values are the same, the column takes space.' },
  'mysql-default-not-converted': { category: 'unsupported_feature', title: 'Column default that did not convert', suggestion: 'Add a DEFAULT in PostgreSQL syntax to the column (ALTER TABLE … ALTER COLUMN … SET DEFAULT …), then delete the note.' },
  'mysql-expression-caveat': { category: 'migration_caveat', title: 'Converted expression that may compute differently', suggestion: 'Check the default, CHECK or generated column on the target; cast to numeric where MySQL divides exactly.' },
  'mysql-zero-date-default': { category: 'migration_caveat', title: 'Zero-date default', suggestion: 'PostgreSQL has no zero date: the default became NULL (nullable column) or was dropped (NOT NULL column). Choose a real default if the application relies on one.' },
  'mysql-on-update-timestamp': { category: 'migration_caveat', title: 'ON UPDATE CURRENT_TIMESTAMP done by a trigger', suggestion: 'The trigger sets the column when another column changes and the UPDATE does not set it, like MySQL. It is created after the snapshot and does not fire for Tandem\'s own writes.' },
  'mysql-auto-increment-sequence': { category: 'migration_caveat', title: 'BIGINT UNSIGNED AUTO_INCREMENT fed by a sequence', suggestion: 'numeric(20,0) holds every unsigned value but cannot be an identity column; a sequence (maximum 9223372036854775807) feeds it. If every value fits in bigint, you may change the column and every column referencing it to bigint.' },
  'mysql-auto-increment-not-integer': { category: 'migration_caveat', title: 'AUTO_INCREMENT on a non-integer column', suggestion: 'PostgreSQL identity columns are integers: add a sequence default by hand if the application needs one.' },
  'mysql-sequence-increment-0': { category: 'unsupported_feature', title: 'Sequence with INCREMENT BY 0 (MariaDB: auto_increment_increment)', suggestion: 'PostgreSQL refuses INCREMENT BY 0: the sequence is created with INCREMENT BY 1. If the source\'s auto_increment_increment is not 1, ALTER SEQUENCE … INCREMENT BY it on the target.' },
  'mysql-auto-increment-per-group': { category: 'unsupported_feature', title: 'AUTO_INCREMENT numbered per group (MyISAM, Aria)', suggestion: 'PostgreSQL has no per-group numbering: number the column in the application or in a BEFORE INSERT trigger (max + 1 within the group, under a lock), or make the column unique on its own on the source first; until then the identity\'s next values repeat loaded rows.' },
  'mysql-fulltext-index': { category: 'unsupported_feature', title: 'FULLTEXT index not created', suggestion: 'Create a GIN index on to_tsvector(…) of the columns and rewrite MATCH … AGAINST queries with @@.' },
  'mysql-spatial-index': { category: 'unsupported_feature', title: 'SPATIAL index not created', suggestion: 'Spatial values are kept as MySQL\'s bytes; with PostGIS, convert the column and create a GiST index.' },
  'mysql-prefix-index': { category: 'migration_caveat', title: 'Prefix index converted', suggestion: 'A unique prefix became a unique index on left()/substr() (same rule); a plain prefix index covers the whole column, whose values must fit in a btree entry (about 2700 bytes).' },
  'mysql-invisible-index': { category: 'migration_caveat', title: 'Invisible index created as a normal index', suggestion: 'Drop it on the target if the planner should not use it.' },
  'mysql-index-not-converted': { category: 'unsupported_feature', title: 'Functional index that did not convert', suggestion: 'Create the index with the expression in PostgreSQL syntax.' },
  'mysql-key-order': { category: 'migration_caveat', title: 'Primary key created without its DESC order', suggestion: 'PostgreSQL\'s primary keys have no order. YugabyteDB\'s do: on YugabyteDB, write the key with DESC in the schema file (PRIMARY KEY (col DESC, …)), so that it is range-sharded in the source\'s order.' },
  'mysql-without-overlaps': { category: 'unsupported_feature', title: 'Key WITHOUT OVERLAPS created as a plain index', suggestion: 'The target does not keep rows with overlapping application-time periods out: check it in the application (or a trigger) while the target is written, or a fall-back stops on such a row.' },
  'mysql-index-renamed': { category: 'migration_caveat', title: 'Index renamed on the target', suggestion: 'Index names are per schema in PostgreSQL: this index was given another name because a table, view, sequence or other index already has <table>_<index>. Change queries or tools that name the index.' },
  'mysql-constraint-renamed': { category: 'migration_caveat', title: 'Constraint renamed on the target', suggestion: 'The name is longer than PostgreSQL\'s 63 bytes, which would cut it short (two names could become one): it was shortened and ends in a hash of the full name. Change scripts or tools that name the constraint.' },
  'mysql-foreign-key-not-converted': { category: 'unsupported_feature', title: 'Foreign key not created', suggestion: 'PostgreSQL needs the referenced columns to be a primary or unique key in the same database: add that key, then the foreign key.' },
  'mysql-case-insensitive-key': { category: 'migration_caveat', title: 'Case-insensitive key becomes case-sensitive', suggestion: 'MySQL\'s _ci collations treat \'A\' and \'a\' as one key; PostgreSQL does not, so the target accepts rows the source would refuse, and a fall-back could fail on them. Add a unique index on lower(column) if the application relies on it.' },
  'mysql-pad-space-key': { category: 'migration_caveat', title: 'Key that ignores trailing spaces becomes exact', suggestion: 'MySQL\'s PAD SPACE collations (every _bin and _ci collation of MariaDB but the _nopad_ ones; MySQL 8\'s but the _0900_ ones) treat \'x\' and \'x \' as one key; PostgreSQL does not, so the target accepts rows the source would refuse, and a fall-back could fail on them. Add a unique index on rtrim(column) if the application relies on it.' },
  'mysql-mixed-case-name': { category: 'migration_caveat', title: 'Name with upper-case letters', suggestion: 'Names keep their case: queries on PostgreSQL must double-quote them. Rename them on both sides before the migration if the application uses them unquoted.' },
  'mysql-non-transactional-table': { category: 'migration_caveat', title: 'Non-transactional table (MyISAM, Aria, MEMORY, …)', suggestion: 'Its snapshot is not consistent with the binlog position: convert it to InnoDB on the source (ALTER TABLE … ENGINE=InnoDB) before the migration, or keep it out of writes while the snapshot runs.' },
  'mysql-partitioned-table': { category: 'migration_caveat', title: 'Partitioned table created unpartitioned', suggestion: 'Add PARTITION BY and the partitions in PostgreSQL syntax if you need them.' },
  'mysql-system-versioned-table': { category: 'migration_caveat', title: 'System-versioned table: history not migrated', suggestion: 'Only the current rows are migrated.' },
  'mysql-invisible-column': { category: 'migration_caveat', title: 'Invisible column becomes visible', suggestion: 'SELECT * on the target returns it.' },
  'mysql-spatial-column': { category: 'unsupported_datatype', title: 'Spatial column kept as bytes', suggestion: 'The column is bytea with MySQL\'s internal value (SRID + WKB). With PostGIS, convert it with ST_GeomFromWKB(substring(col from 5), …).' },
  'mysql-charset': { category: 'migration_caveat', title: 'Column in a character set other than utf8mb4', suggestion: 'The target stores UTF-8; text it accepts but the source\'s character set cannot hold stops a fall-back. Convert the source column to utf8mb4, or keep such text out.' },
  'mysql-binary-default': { category: 'migration_caveat', title: 'Binary default read from the catalog as text', suggestion: 'Check the default bytes against SHOW CREATE TABLE on the source.' },
  'mysql-zerofill': { category: 'migration_caveat', title: 'ZEROFILL number stored without its leading zeros', suggestion: 'The target holds the number; an application that shows the padded form formats it there (lpad(col::text, width, \'0\')).' },
  'mysql-set-order': { category: 'migration_caveat', title: 'SET value accepted only as MySQL stores it', suggestion: 'The target\'s CHECK accepts a SET\'s members in their definition order, each once (the form MySQL stores, which keeps a fall-back exact); MySQL also accepts them in another order or repeated and stores them sorted. An application that writes them otherwise must sort them first.' },
};

const MARKER = /^--\s*tandem-note\s+(\{.*\})\s*$/;

/** `-- TABLE public.orders`: the header the schema writer puts in front of each object. */
const OBJECT_HEADER = new RegExp(`^-- (${SCHEMA_OBJECT_TYPES.join('|')}) \\S`);

/**
 * The text after a note (other notes skipped), up to the end of the statement, a blank line or the
 * next object: the DDL the note is about, or the commented-out MySQL source.
 */
function statementAfter(lines: readonly string[], from: number): string {
  const out: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    if (MARKER.test(line) || line.startsWith('-- NOTE ') || OBJECT_HEADER.test(line)) {
      if (out.length) break;
      continue;
    }
    if (line.trim() === '') {
      if (out.length) break;
      continue;
    }
    out.push(line);
    if (!line.startsWith('--') && line.trimEnd().endsWith(';')) break;
  }
  return out.join('\n');
}

/**
 * The issues for every `-- tandem-note` line in the files (unknown rule ids are skipped, so an
 * older Tandem reading a newer export stays quiet rather than wrong).
 *
 * @example
 * const issues = conversionNoteIssues([{ path: 'schema/triggers/triggers.sql', sql }]);
 */
export function conversionNoteIssues(files: readonly SchemaFile[]): AnalysisIssue[] {
  const issues: AnalysisIssue[] = [];
  for (const file of files) {
    const lines = file.sql.split(/\r?\n/);
    lines.forEach((line, i) => {
      const m = MARKER.exec(line);
      if (!m) return;
      let note: { rule?: unknown; objectType?: unknown; objectName?: unknown; detail?: unknown };
      try {
        note = JSON.parse(m[1]!);
      } catch {
        return;
      }
      const rule = typeof note.rule === 'string' && Object.prototype.hasOwnProperty.call(MYSQL_NOTE_RULES, note.rule)
        ? MYSQL_NOTE_RULES[note.rule as ConversionNoteRule] : undefined;
      if (!rule) return;
      issues.push({
        ruleId: note.rule as string,
        category: rule.category,
        title: typeof note.detail === 'string' && note.detail ? `${rule.title} (${note.detail})` : rule.title,
        objectType: typeof note.objectType === 'string' ? note.objectType : 'OBJECT',
        objectName: typeof note.objectName === 'string' ? note.objectName : '',
        file: file.path,
        line: i + 1,
        statement: statementAfter(lines, i + 1),
        suggestion: rule.suggestion,
        docsLink: MYSQL_DOCS,
        appliesTo: 'all versions',
      });
    });
  }
  return issues;
}
