/**
 * Handlers of the schema commands: each turns the resolved flags into the workflow's typed options
 * (defaults come from the option spec in `command-registry.ts`) and runs it with this command's env.
 */
import type { CommandContext } from '../command-context.js';
import { runExportSchema } from '../../workflow/export-schema.js';
import { runAnalyzeSchema } from '../../workflow/analyze-schema.js';
import { runImportSchema } from '../../workflow/import-schema.js';

/** A comma-separated flag value as a list (undefined when absent or empty). */
const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** `tandem export schema`. */
export function exportSchema(ctx: CommandContext): Promise<void> {
  ctx.requireSourceTypeForNewExportDir();
  return runExportSchema(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'), includeGrants: ctx.bool('include-grants'), startClean: ctx.bool('start-clean'),
    ddlFiles: ctx.str('source-ddl-files'),
  });
}

/** `tandem analyze-schema`. */
export function analyzeSchema(ctx: CommandContext): Promise<void> {
  return runAnalyzeSchema(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'), outputFormat: ctx.value('output-format'), targetDbVersion: ctx.str('target-db-version'),
  });
}

/** `tandem import schema`. */
export function importSchema(ctx: CommandContext): Promise<void> {
  return runImportSchema(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    postSnapshotImport: ctx.bool('post-snapshot-import'),
    ignoreExist: ctx.bool('ignore-exist'),
    continueOnError: ctx.bool('continue-on-error'),
    objectTypeList: list(ctx.str('object-type-list')),
    excludeObjectTypeList: list(ctx.str('exclude-object-type-list')),
    parallelJobs: ctx.int('parallel-jobs'),
  });
}
