import type { ColumnStatistic, IssueCategory } from '../analysis-types.js';
import type { ParsedStatement } from '../ddl-parser.js';
import type { SchemaCatalog } from '../schema-catalog.js';
import type { TargetVersion, VersionGate } from '../target-version.js';

/** What a rule sees besides the statement. */
export interface RuleContext {
  readonly catalog: SchemaCatalog;
  readonly target: TargetVersion;
  /** The source's statistics of a column (`table` as `relationName` gives it), when export schema read them. */
  readonly statistic?: (table: string, column: string) => ColumnStatistic | undefined;
}

/** One occurrence a rule found in a statement. */
export interface RuleHit {
  readonly objectType: string;
  readonly objectName: string;
  /** Overrides the rule's category (e.g. the same construct in a function body vs. a view). */
  readonly category?: IssueCategory;
  /** Overrides the rule's suggestion with a more specific one. */
  readonly suggestion?: string;
  /** Appended to the rule's title, e.g. the offending column. */
  readonly detail?: string;
}

/** A check for one thing YugabyteDB does not support or does differently. */
export interface SchemaRule {
  /** Stable kebab-case id. */
  readonly id: string;
  readonly category: IssueCategory;
  readonly title: string;
  readonly suggestion: string;
  readonly docsLink?: string;
  /** Which target versions have the problem; the rule is skipped for the others. */
  readonly gate: VersionGate;
  check(statement: ParsedStatement, context: RuleContext): RuleHit[];
}

/** Docs pages the rules link to. */
export const DOCS = {
  compatibility: 'https://docs.yugabyte.com/stable/explore/ysql-language-features/postgresql-compatibility/',
  pg15: 'https://docs.yugabyte.com/stable/api/ysql/pg15-features/',
  extensions: 'https://docs.yugabyte.com/stable/additional-features/pg-extensions/',
  dataTypes: 'https://docs.yugabyte.com/stable/api/ysql/datatypes/',
  indexes: 'https://docs.yugabyte.com/stable/explore/ysql-language-features/indexes-constraints/',
  sharding: 'https://docs.yugabyte.com/stable/develop/data-modeling/primary-keys-ysql/',
  knownIssues: 'https://docs.yugabyte.com/stable/yugabyte-voyager/known-issues/postgresql/',
  knownIssuesIndex: 'https://docs.yugabyte.com/stable/yugabyte-voyager/known-issues/',
} as const;
