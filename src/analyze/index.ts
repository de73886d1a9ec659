/** Public API of the schema analyzer (`tandem analyze-schema`). */
export type {
  AnalysisIssue,
  AnalysisResult,
  AnalyzeOptions,
  IssueCategory,
  ObjectSummary,
  ParseError,
  ReportMeta,
  SchemaFile,
} from './analysis-types.js';
export { analyzeSchema } from './schema-analyzer.js';
export { renderAnalysisReport } from './report-renderer.js';
export { DEFAULT_TARGET_DB_VERSION } from './target-version.js';
export { ALL_RULES } from './rules/all-rules.js';
