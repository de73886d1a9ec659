/**
 * Issues from the files a conversion leaves for a person under `schema/<engine>_manual/` (Oracle's
 * `schema/oracle_manual/`: the Oracle DDL of the PL/SQL units and of the objects that have no
 * PostgreSQL form, and `conversion_notes.txt`). These files are the source engine's own DDL, never
 * run by `import schema`, so they are not parsed as PostgreSQL: every object in them is one issue
 * (PL/SQL to rewrite in PL/pgSQL; an object to convert by hand), and every note of the conversion
 * that changed or left out a part of a converted object is a caveat. They are read as they are now:
 * once an object is converted and its block deleted from the file, its issue is gone.
 *
 * The layout read here is the one the Oracle converter writes (`adapters/oracle/schema/manual-files.ts`):
 *
 *   -- PACKAGE BODY hr.emp_pkg (hr_code.sql, line 12)
 *   -- PL/SQL is exported as it is for manual conversion
 *   CREATE OR REPLACE PACKAGE BODY emp_pkg AS …
 *
 * and, in conversion_notes.txt, one line per note under a heading per severity:
 *
 *     COLUMN hr.jobs.created [TIMESTAMP_TZ] TIMESTAMP WITH TIME ZONE becomes timestamptz, …
 */
import type { AnalysisIssue, SchemaFile } from '../analysis-types.js';

/** `schema/<engine>_manual/…`: a file of this kind (path relative to the export dir). */
export function isManualConversionFile(path: string): boolean {
  return /(^|\/)schema\/[a-z0-9]+_manual\//.test(path.replace(/\\/g, '/'));
}

const DOCS = 'docs/oracle-schema.md';

/** The PL/SQL files and the kind of object each holds (as the converter names them). */
const PLSQL_FILES: Readonly<Record<string, string>> = {
  'packages.sql': 'PACKAGE', 'package_bodies.sql': 'PACKAGE BODY', 'procedures.sql': 'PROCEDURE', 'functions.sql': 'FUNCTION',
  'triggers.sql': 'TRIGGER', 'types.sql': 'TYPE', 'type_bodies.sql': 'TYPE BODY', 'anonymous_blocks.sql': 'ANONYMOUS BLOCK',
};

/** Kinds of code that `plsql/other.sql` may hold, longest first. */
const OTHER_CODE = ['JAVA SOURCE', 'LIBRARY', 'JAVA'];

/**
 * The kinds of object a manual file may hold, from its path: one per PL/SQL file, `other.sql` the
 * rest of the code, `unconverted/<kind>.sql` its kind (`alter_table.sql` holds ALTER TABLE).
 */
export function kindsOfManualFile(path: string): { kinds: readonly string[]; plsql: boolean } {
  const parts = path.replace(/\\/g, '/').split('/');
  const base = parts[parts.length - 1]!;
  const dir = parts[parts.length - 2] ?? '';
  if (dir === 'plsql') return { kinds: PLSQL_FILES[base] ? [PLSQL_FILES[base]] : OTHER_CODE, plsql: true };
  return { kinds: [base.replace(/\.sql$/, '').replace(/_/g, ' ').toUpperCase()], plsql: false };
}

/** `-- KIND schema.name (file, line n)` with one of `kinds` → kind and name (undefined for any other line). */
export function parseManualHeader(line: string, kinds: readonly string[]): { kind: string; name: string } | undefined {
  if (!line.startsWith('-- ')) return undefined;
  const rest = line.slice(3);
  const kind = kinds.find((k) => rest.startsWith(`${k} `));
  if (!kind) return undefined;
  const name = rest.slice(kind.length + 1).replace(/ \([^()]*, line \d+\)$/, '').trim();
  return name === '' ? undefined : { kind, name };
}

function objectIssues(file: SchemaFile): AnalysisIssue[] {
  const lines = file.sql.split(/\r?\n/);
  const { kinds, plsql } = kindsOfManualFile(file.path);
  const isHeader = (j: number) => parseManualHeader(lines[j] ?? '', kinds) !== undefined && (lines[j + 1] ?? '').startsWith('-- ');
  const issues: AnalysisIssue[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!isHeader(i)) continue;
    const header = parseManualHeader(lines[i]!, kinds)!;
    const reasonLine = lines[i + 1]!;
    const body: string[] = [];
    for (let j = i + 2; j < lines.length && !isHeader(j); j++) body.push(lines[j]!);
    issues.push({
      ruleId: plsql ? 'oracle-plsql' : 'oracle-not-converted',
      category: plsql ? 'unsupported_plpgsql' : 'unsupported_feature',
      title: plsql ? `Oracle ${header.kind} to convert by hand (PL/SQL)` : `Oracle ${header.kind} not converted: ${reasonLine.slice(3)}`,
      objectType: header.kind,
      objectName: header.name,
      file: file.path,
      line: i + 1,
      statement: body.join('\n').trim(),
      suggestion: plsql
        ? 'Rewrite it in PL/pgSQL (a trigger as a trigger function plus CREATE TRIGGER) into the files under schema/ (functions/, procedures/, triggers/), then delete its block here. Triggers also fire for the fall-back writes into Oracle unless disabled there.'
        : 'Write the object in PostgreSQL syntax into the matching file under schema/ (or accept its absence), then delete its block here.',
      docsLink: DOCS,
      appliesTo: 'all versions',
    });
    i += 1;
  }
  return issues;
}

/** The notes of conversion_notes.txt that concern converted objects (the manual ones are in the .sql files). */
function noteIssues(file: SchemaFile): AnalysisIssue[] {
  const lines = file.sql.split(/\r?\n/);
  const issues: AnalysisIssue[] = [];
  let section: 'manual' | 'unsupported' | 'changed' | undefined;
  lines.forEach((line, i) => {
    if (line.startsWith('Not converted')) section = 'manual';
    else if (line.startsWith('Converted without')) section = 'unsupported';
    else if (line.startsWith('Converted with')) section = 'changed';
    const m = /^ {2}(\S+) (\S+) \[([A-Z0-9_]+)\] (.*)$/.exec(line);
    if (!m || section === undefined || section === 'manual') return;
    issues.push({
      ruleId: `oracle-note-${m[3]!.toLowerCase().replace(/_/g, '-')}`,
      category: section === 'unsupported' ? 'unsupported_feature' : 'migration_caveat',
      title: section === 'unsupported' ? `Converted without a part PostgreSQL cannot hold (${m[3]})` : `Converted with a change of behaviour (${m[3]})`,
      objectType: m[1]!,
      objectName: m[2]!,
      file: file.path,
      line: i + 1,
      statement: m[4]!,
      suggestion: section === 'unsupported'
        ? 'Check that the application does without it, or add an equivalent by hand on the target; delete the line here once dealt with.'
        : 'Check that the application accepts the changed behaviour; delete the line here once dealt with.',
      docsLink: DOCS,
      appliesTo: 'all versions',
    });
  });
  return issues;
}

/**
 * The issues of every manual-conversion file (others are ignored).
 *
 * @example
 * const issues = manualConversionIssues([{ path: 'schema/oracle_manual/plsql/triggers.sql', sql }]);
 */
export function manualConversionIssues(files: readonly SchemaFile[]): AnalysisIssue[] {
  return files.filter((f) => isManualConversionFile(f.path)).flatMap((f) => (f.path.endsWith('.txt') ? noteIssues(f) : objectIssues(f)));
}
