import type { AnalysisIssue, AnalysisResult, AnalyzeOptions, ObjectSummary, ParseError, SchemaFile } from './analysis-types.js';
import { ensureParserLoaded, parseSchemaFile } from './ddl-parser.js';
import type { ParsedStatement } from './ddl-parser.js';
import { identifyObject } from './object-identity.js';
import { ALL_RULES } from './rules/all-rules.js';
import { conversionNoteIssues } from './rules/mysql-conversion-notes.js';
import type { SchemaRule } from './rules/schema-rule.js';
import { SchemaCatalog } from './schema-catalog.js';
import { DEFAULT_TARGET_DB_VERSION, parseTargetVersion } from './target-version.js';

/** Statements longer than this are shortened in issues; a function body can run to thousands of lines. */
export const MAX_STATEMENT_LENGTH = 2000;

/**
 * Reads exported PostgreSQL DDL and reports what YugabyteDB (at `options.targetDbVersion`, default
 * `DEFAULT_TARGET_DB_VERSION`) does not support or does differently. Files that do not parse are
 * reported in `parseErrors`; their parseable statements are still analysed.
 *
 * @example
 * const result = await analyzeSchema([{ path: 'schema/tables/table.sql', sql }], { targetDbVersion: '2024.2.0.0' });
 */
export async function analyzeSchema(files: readonly SchemaFile[], options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const target = parseTargetVersion(options.targetDbVersion ?? DEFAULT_TARGET_DB_VERSION);
  await ensureParserLoaded();

  const statements: ParsedStatement[] = [];
  const parseErrors: ParseError[] = [];
  for (const file of files) {
    const parsed = parseSchemaFile(file.path, file.sql);
    statements.push(...parsed.statements);
    parseErrors.push(...parsed.errors);
  }

  const catalog = SchemaCatalog.fromStatements(statements);
  const rules = ALL_RULES.filter((r) => r.gate.appliesTo(target));
  const byColumn = new Map((options.statistics ?? []).map((c) => [`${c.table}\u0000${c.column}`, c]));
  const statistic = (table: string, column: string) => byColumn.get(`${table}\u0000${column}`)
    // A statement without a schema names a table of the default one.
    ?? (table.includes('.') ? undefined : byColumn.get(`public.${table}\u0000${column}`));
  const issues: AnalysisIssue[] = [];
  const seen = new Set<string>();
  for (const statement of statements) {
    for (const rule of rules) {
      for (const hit of rule.check(statement, { catalog, target, statistic })) {
        const issue = toIssue(rule, statement, hit);
        const key = `${issue.ruleId}\u0000${issue.file}\u0000${issue.line}\u0000${issue.objectName}\u0000${issue.title}`;
        if (seen.has(key)) continue;
        seen.add(key);
        issues.push(issue);
      }
    }
  }

  // What the schema export itself wrote down for the user (MySQL: triggers, routines and events to
  // convert by hand, conversions that may behave differently): `-- tandem-note` lines in the files.
  for (const issue of conversionNoteIssues(files)) {
    const key = `${issue.ruleId}\u0000${issue.file}\u0000${issue.line}\u0000${issue.objectName}\u0000${issue.title}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }

  return {
    issues,
    summary: summarize(statements, issues),
    parseErrors,
    analyzedAt: new Date().toISOString(),
    targetDbVersion: target.text,
  };
}

function toIssue(rule: SchemaRule, statement: ParsedStatement, hit: ReturnType<SchemaRule['check']>[number]): AnalysisIssue {
  const issue: AnalysisIssue = {
    ruleId: rule.id,
    category: hit.category ?? rule.category,
    title: hit.detail ? `${rule.title} (${hit.detail})` : rule.title,
    objectType: hit.objectType,
    objectName: hit.objectName,
    file: statement.file,
    line: statement.line,
    statement: shorten(statement.sql),
    suggestion: hit.suggestion ?? rule.suggestion,
    appliesTo: rule.gate.label,
  };
  return rule.docsLink === undefined ? issue : { ...issue, docsLink: rule.docsLink };
}

function shorten(sql: string): string {
  if (sql.length <= MAX_STATEMENT_LENGTH) return sql;
  return `${sql.slice(0, MAX_STATEMENT_LENGTH)}\n... (${sql.length - MAX_STATEMENT_LENGTH} more characters)`;
}

/** Per object type: created objects, and how many of them have an issue that blocks or changes them. */
function summarize(statements: readonly ParsedStatement[], issues: readonly AnalysisIssue[]): ObjectSummary[] {
  const names = new Map<string, Set<string>>();
  for (const s of statements) {
    const identity = identifyObject(s.node);
    if (identity === undefined || !identity.creates) continue;
    const set = names.get(identity.objectType) ?? new Set<string>();
    set.add(identity.objectName);
    names.set(identity.objectType, set);
  }
  const invalid = new Map<string, Set<string>>();
  for (const issue of issues) {
    // Performance advice does not make an object invalid.
    if (issue.category === 'performance') continue;
    const set = invalid.get(issue.objectType) ?? new Set<string>();
    set.add(issue.objectName);
    invalid.set(issue.objectType, set);
    if (!names.has(issue.objectType)) names.set(issue.objectType, new Set());
  }
  return [...names.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([objectType, set]) => {
      const bad = invalid.get(objectType) ?? new Set<string>();
      // Objects changed by ALTER but created elsewhere (or not at all) still count once.
      const all = new Set([...set, ...bad]);
      return { objectType, total: all.size, invalid: bad.size, names: [...all].sort() };
    });
}
