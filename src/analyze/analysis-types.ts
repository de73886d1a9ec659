import type { ColumnStatistic } from '../core/engine/schema-export.js';

export type { ColumnStatistic };

/** One exported DDL file, as `analyzeSchema` reads it. */
export interface SchemaFile {
  /** Path relative to the export dir, e.g. `schema/tables/tables.sql`. */
  readonly path: string;
  readonly sql: string;
}

/** Options of `analyzeSchema`. */
export interface AnalyzeOptions {
  /**
   * YugabyteDB version the schema will be imported into, e.g. `2024.2.0.0`, `2.20.1.0` or `2025.1.0.0`.
   * Default: `DEFAULT_TARGET_DB_VERSION`.
   */
  readonly targetDbVersion?: string;
  /** The source's statistics of indexed columns, as `export schema` read them (none: the rules that need them say nothing). */
  readonly statistics?: readonly ColumnStatistic[];
}


/** How an issue is grouped in the report. */
export type IssueCategory =
  | 'unsupported_feature'
  | 'unsupported_datatype'
  | 'unsupported_plpgsql'
  | 'migration_caveat'
  | 'performance';

/** One finding: a statement that YugabyteDB rejects or treats differently. */
export interface AnalysisIssue {
  /** Stable kebab-case id, e.g. `exclusion-constraint`. */
  readonly ruleId: string;
  readonly category: IssueCategory;
  readonly title: string;
  /** TABLE, INDEX, VIEW, FUNCTION, ... */
  readonly objectType: string;
  /** Schema-qualified where the DDL says the schema. */
  readonly objectName: string;
  readonly file: string;
  /** 1-based line where the statement starts. */
  readonly line: number;
  /** The offending statement, trimmed and shortened when very long. */
  readonly statement: string;
  readonly suggestion: string;
  readonly docsLink?: string;
  /** Which target versions the issue applies to, e.g. `all versions`. */
  readonly appliesTo: string;
}

/** Per object type: how many objects the DDL creates and how many of them have issues. */
export interface ObjectSummary {
  readonly objectType: string;
  readonly total: number;
  readonly invalid: number;
  readonly names: string[];
}

/** A statement or file the PostgreSQL parser rejected. */
export interface ParseError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Everything `analyzeSchema` found. */
export interface AnalysisResult {
  readonly issues: AnalysisIssue[];
  readonly summary: ObjectSummary[];
  readonly parseErrors: ParseError[];
  /** ISO-8601 time of the analysis. */
  readonly analyzedAt: string;
  readonly targetDbVersion: string;
}

/** Extra information shown in a rendered report. */
export interface ReportMeta {
  readonly migrationUuid?: string;
  readonly sourceDbType?: string;
  readonly sourceDbName?: string;
}
