import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TandemError } from '../core/errors.js';
import { analyzeSchema, renderAnalysisReport, type SchemaFile } from '../analyze/index.js';
import type { ColumnStatistic } from '../core/engine/schema-export.js';
import { SOURCE_STATISTICS_KEY } from './export-schema.js';
import { isManualConversionFile, manualConversionIssues } from '../analyze/rules/manual-conversion-files.js';
import type { CommandEnv } from './command-env.js';
import { openMigration } from './migration-context.js';

/** Options of `tandem analyze-schema`. */
export interface AnalyzeSchemaOptions {
  readonly exportDir: string;
  /** Report format, written to <export-dir>/reports. */
  readonly outputFormat: 'html' | 'json' | 'txt';
  /** `--target-db-version`: the YugabyteDB version the schema is meant for (default: the analyzer's). */
  readonly targetDbVersion?: string;
}
import { renderTable } from './text-table.js';

/** The .sql files under `dir`, and the notes (.txt) of the `<engine>_manual/` directories. */
function sqlFiles(dir: string, manual = false): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sqlFiles(p, manual || /^[a-z0-9]+_manual$/.test(name));
    return name.endsWith('.sql') || (manual && name.endsWith('.txt')) ? [p] : [];
  });
}

/** `tandem analyze-schema`: what YugabyteDB does not support in the DDL under schema/, as it is now. */
export async function runAnalyzeSchema(env: CommandEnv, options: AnalyzeSchemaOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const { meta, exportDir, uuid } = m;
    const paths = sqlFiles(exportDir.schemaDir);
    if (paths.length === 0) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'There is no exported schema to analyze.', { hint: 'Run "tandem export schema" first.' });
    }
    const files: SchemaFile[] = paths.map((p) => ({ path: relative(exportDir.root, p), sql: readFileSync(p, 'utf8') }));
    const { targetDbVersion } = options;
    // The source engine's own DDL left for manual conversion (schema/<engine>_manual/) is not
    // PostgreSQL: each of its objects and notes is an issue instead of a parse error.
    const statistics = meta.getValue<ColumnStatistic[]>(SOURCE_STATISTICS_KEY) ?? [];
    const analyzed = await analyzeSchema(files.filter((f) => !isManualConversionFile(f.path)), { ...(targetDbVersion !== undefined && { targetDbVersion }), statistics });
    const result = { ...analyzed, issues: [...analyzed.issues, ...manualConversionIssues(files)] };
    const format = options.outputFormat;
    const source = meta.getDbConfig('source') ?? meta.getValue<{ type: string }>('schema_export_source');
    const reportPath = join(exportDir.reportsDir, `schema_analysis_report.${format}`);
    writeFileSync(reportPath, renderAnalysisReport(result, format, { migrationUuid: uuid, sourceDbType: source?.type, sourceDbName: source && 'database' in source ? String(source.database) : undefined }));
    meta.setStep('analyze_schema', 'DONE', { issues: result.issues.length, report: reportPath });
    const byCategory = new Map<string, number>();
    for (const i of result.issues) byCategory.set(i.category, (byCategory.get(i.category) ?? 0) + 1);
    if (result.issues.length) reporter.print(renderTable(['CATEGORY', 'ISSUES'], [...byCategory].map(([c, n]) => [c, String(n)])));
    for (const e of result.parseErrors) reporter.warn(`${e.file}:${e.line}: ${e.message}`);
    const unparsed = result.parseErrors.length;
    reporter.print(`${result.issues.length} issue(s) found for YugabyteDB ${result.targetDbVersion}${unparsed ? `, and ${unparsed} statement(s) that do not parse, so were not analyzed` : ''}. Report: ${reportPath}`);
    // The target's flags are needed until a command has recorded them (the docs-claims-3 run: the command printed alone failed).
    const targetFlags = meta.getDbConfig('target') ? '' : ' --target-db-host … --target-db-user … --target-db-name …';
    if (result.issues.length) {
      reporter.print(`Edit the files under schema/ as the report suggests, then run analyze-schema again; or, when every issue is one you accept: tandem import schema --export-dir ${exportDir.root}${targetFlags}`);
    } else if (!unparsed) {
      reporter.print(`Next: tandem import schema --export-dir ${exportDir.root}${targetFlags}`);
    }
    if (unparsed) {
      // Not a clean schema: import schema would stop at the same statements.
      const first = result.parseErrors[0]!;
      throw new TandemError('TANDEM_SCHEMA_PARSE', `${unparsed} statement(s) under schema/ are not valid SQL (the first: ${first.file} at line ${first.line}: ${first.message}); analyze-schema could not check them, and import schema would stop there.`, {
        hint: 'Fix the statements the warnings above name, then run analyze-schema again.',
      });
    }
  } finally {
    m.close();
  }
}
