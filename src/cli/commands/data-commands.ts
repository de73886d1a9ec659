/**
 * Handlers of the data commands (export, import, their status, the report, compare, archive, end):
 * each turns the resolved flags into the workflow's typed options (defaults come from the option
 * spec in `command-registry.ts`) and runs it with this command's env.
 */
import type { CommandContext } from '../command-context.js';
import { confirm } from '../prompt.js';
import { runExportData, type ExportType } from '../../workflow/export-data.js';
import { runImportData } from '../../workflow/import-data.js';
import { runExportDataStatus, runImportDataStatus } from '../../workflow/data-status.js';
import { runDataMigrationReport } from '../../workflow/data-migration-report.js';
import { runCompare } from '../../workflow/verify/compare-command.js';
import { runArchiveChanges } from '../../workflow/archive-changes.js';
import { runEndMigration } from '../../workflow/end-migration.js';

/** `tandem export data [from source]`. */
export function exportData(ctx: CommandContext): Promise<void> {
  ctx.requireSourceTypeForNewExportDir();
  return runExportData(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    exportType: ctx.has('export-type') ? ctx.value<ExportType>('export-type') : undefined,
    tableList: ctx.str('table-list'),
    excludeTableList: ctx.str('exclude-table-list'),
    parallelJobs: ctx.int('parallel-jobs'),
    startClean: ctx.bool('start-clean'),
    // Undefined when not given: a restart keeps what the export started with.
    disableTriggersAndFks: ctx.explicitFlags.has('disable-triggers-and-fks') ? ctx.bool('disable-triggers-and-fks') : undefined,
  });
}

/** `tandem import data [to target]`. */
export function importData(ctx: CommandContext): Promise<void> {
  return runImportData(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    parallelJobs: ctx.int('parallel-jobs'),
    batchSize: ctx.num('batch-size'),
    batchSizeGiven: ctx.explicitFlags.has('batch-size'),
    waitForExport: ctx.num('wait-for-export'),
    buildIndexes: ctx.bool('build-indexes'),
    tableList: ctx.str('table-list'),
    excludeTableList: ctx.str('exclude-table-list'),
  });
}

/** `tandem export data status`. */
export function exportDataStatus(ctx: CommandContext): Promise<void> {
  return runExportDataStatus(ctx.env(), { exportDir: ctx.requireStr('export-dir'), outputFormat: ctx.value('output-format') });
}

/** `tandem import data status`. */
export function importDataStatus(ctx: CommandContext): Promise<void> {
  return runImportDataStatus(ctx.env(), { exportDir: ctx.requireStr('export-dir'), outputFormat: ctx.value('output-format') });
}

/** `tandem get data-migration-report`. */
export function dataMigrationReport(ctx: CommandContext): Promise<void> {
  return runDataMigrationReport(ctx.env(), { exportDir: ctx.requireStr('export-dir'), outputFormat: ctx.value('output-format') });
}

/** `tandem compare`. */
export function compare(ctx: CommandContext): Promise<void> {
  return runCompare(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    tableList: ctx.str('table-list'),
    excludeTableList: ctx.str('exclude-table-list'),
    parallelJobs: ctx.num('parallel-jobs'),
    outputFormat: ctx.value('output-format'),
  });
}

/** `tandem archive changes`. */
export function archiveChanges(ctx: CommandContext): Promise<void> {
  return runArchiveChanges(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    moveTo: ctx.str('move-to'),
    archiveDir: ctx.str('archive-dir'),
    deleteChangesWithoutArchiving: ctx.bool('delete-changes-without-archiving'),
    fsUtilizationThreshold: ctx.value('fs-utilization-threshold'),
    policy: ctx.str('policy') as 'archive' | 'delete' | undefined,
    once: ctx.bool('once'),
  });
}

/** `tandem end migration`: the confirmation is asked here (or answered by --yes), never by the workflow. */
export function endMigration(ctx: CommandContext): Promise<void> {
  return runEndMigration(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'),
    backupLogFiles: ctx.bool('backup-log-files'),
    backupDataFiles: ctx.bool('backup-data-files'),
    backupSchemaFiles: ctx.bool('backup-schema-files'),
    saveMigrationReports: ctx.bool('save-migration-reports'),
    backupDir: ctx.str('backup-dir'),
    confirm: (question) => confirm(question, ctx.bool('yes')),
  });
}
