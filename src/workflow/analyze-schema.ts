import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CommandContext } from '../cli/command-context.js';
import { TandemError } from '../core/errors.js';
import { analyzeSchema, renderAnalysisReport, type SchemaFile } from '../analyze/index.js';
import { openMigration } from './migration-context.js';
import { renderTable } from './text-table.js';

function sqlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sqlFiles(p) : name.endsWith('.sql') ? [p] : [];
  });
}

/** `tandem analyze-schema`: what YugabyteDB does not support in the DDL under schema/, as it is now. */
export async function runAnalyzeSchema(ctx: CommandContext): Promise<void> {
  const m = openMigration(ctx, { create: false });
  try {
    const { meta, exportDir, uuid } = m;
    const paths = sqlFiles(exportDir.schemaDir);
    if (paths.length === 0) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'There is no exported schema to analyze.', { hint: 'Run "tandem export schema" first.' });
    }
    const files: SchemaFile[] = paths.map((p) => ({ path: relative(exportDir.root, p), sql: readFileSync(p, 'utf8') }));
    const targetDbVersion = ctx.str('target-db-version');
    const result = await analyzeSchema(files, targetDbVersion ? { targetDbVersion } : {});
    const format = (ctx.str('output-format') ?? 'html') as 'html' | 'json' | 'txt';
    const source = meta.getDbConfig('source');
    const reportPath = join(exportDir.reportsDir, `schema_analysis_report.${format}`);
    writeFileSync(reportPath, renderAnalysisReport(result, format, { migrationUuid: uuid, sourceDbType: source?.type, sourceDbName: source?.database }));
    meta.setStep('analyze_schema', 'DONE', { issues: result.issues.length, report: reportPath });
    const byCategory = new Map<string, number>();
    for (const i of result.issues) byCategory.set(i.category, (byCategory.get(i.category) ?? 0) + 1);
    if (result.issues.length) ctx.print(renderTable(['CATEGORY', 'ISSUES'], [...byCategory].map(([c, n]) => [c, String(n)])));
    for (const e of result.parseErrors) ctx.warn(`${e.file}:${e.line}: ${e.message}`);
    ctx.print(`${result.issues.length} issue(s) found for YugabyteDB ${result.targetDbVersion}. Report: ${reportPath}`);
    if (result.issues.length) ctx.print('Edit the files under schema/ as the report suggests, then run analyze-schema again.');
  } finally {
    m.close();
  }
}
