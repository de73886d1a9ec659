import { STREAMING_COMMANDS, isRunning, neededButStopped, type StreamingCommand } from './streaming-commands.js';
import type { MetaStore } from '../core/meta-store.js';
import { QueueConsumers } from '../core/queue/queue-consumers.js';
import { readQueueState } from '../core/queue/queue-tables.js';
import { CutoverState } from './cutover/cutover-state.js';
import type { CommandEnv } from './command-env.js';
import { openMigration } from './migration-context.js';

/** Options of `tandem export data status` and `tandem import data status`. */
export interface DataStatusOptions {
  readonly exportDir: string;
  readonly outputFormat: 'table' | 'json';
}
import { renderTable } from './text-table.js';

/** `tandem export data status`: per-table state of the snapshot export, from meta.db. */
export async function runExportDataStatus(env: CommandEnv, options: DataStatusOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const step = m.meta.getStep('export_data');
    const rows = m.meta.snapshotTables().map((t) => ({
      tableName: t.tableKey,
      status: t.status === 'DONE' ? 'DONE' : step.status === 'FAILED' ? 'FAILED' : t.status === 'IN_PROGRESS' ? 'EXPORTING' : 'NOT_STARTED',
      exportedRows: t.exportedRows,
    }));
    if (options.outputFormat === 'json') {
      reporter.print(JSON.stringify({ status: step.status, tables: rows.map((r) => ({ table_name: r.tableName, status: r.status, exported_count: r.exportedRows })) }, null, 2));
      return;
    }
    reporter.print(`Export data: ${step.status}${snapshotOnlyNote(m.meta, step.status)}`);
    if (rows.length) reporter.print(renderTable(['TABLE', 'STATUS', 'EXPORTED ROWS'], rows.map((r) => [r.tableName, r.status, String(r.exportedRows)])));
    const live = liveSummary(m.meta, m.exportDir.metainfoDir);
    if (live) reporter.print(live);
  } finally {
    m.close();
  }
}

/** `tandem import data status`: per-table progress of the snapshot import, from meta.db's mirror. */
export async function runImportDataStatus(env: CommandEnv, options: DataStatusOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    const step = m.meta.getStep('import_data');
    const files = m.meta.snapshotFiles();
    const batches = m.meta.importBatches();
    const rows = m.meta.snapshotTables().map((t) => {
      const tableFiles = new Set(files.filter((f) => f.tableKey === t.tableKey).map((f) => f.fileName));
      const tb = batches.filter((b) => tableFiles.has(b.fileName));
      const imported = tb.filter((b) => b.imported).reduce((s, b) => s + b.rows, 0);
      const total = t.exportedRows;
      const status = total === 0 && step.status === 'DONE' ? 'DONE' : imported === 0 ? 'NOT_STARTED' : imported >= total ? 'DONE' : 'MIGRATING';
      return { tableName: t.tableKey, status, total, imported, pct: total === 0 ? (status === 'DONE' ? 100 : 0) : (imported * 100) / total };
    });
    if (options.outputFormat === 'json') {
      reporter.print(JSON.stringify({
        status: step.status,
        tables: rows.map((r) => ({ table_name: r.tableName, status: r.status, total_count: r.total, imported_count: r.imported, percentage_complete: Number(r.pct.toFixed(2)) })),
      }, null, 2));
      return;
    }
    reporter.print(`Import data: ${step.status}${snapshotOnlyNote(m.meta, step.status)}`);
    const live = liveSummary(m.meta, m.exportDir.metainfoDir);
    if (live) reporter.print(live);
    if (rows.length) {
      reporter.print(renderTable(['TABLE', 'STATUS', 'TOTAL ROWS', 'IMPORTED ROWS', 'PERCENTAGE'],
        rows.map((r) => [r.tableName, r.status, String(r.total), String(r.imported), r.pct.toFixed(2)])));
    }
  } finally {
    m.close();
  }
}

/** In a live migration the step is the snapshot's: its DONE does not mean the changes have stopped. */
function snapshotOnlyNote(meta: MetaStore, status: string): string {
  const type = meta.getValue<string>('export_type');
  if (status !== 'DONE' || (type !== 'snapshot-and-changes' && type !== 'changes-only')) return '';
  const toTarget = CutoverState.get(meta, 'to_target');
  return toTarget.status === 'COMPLETED' ? ` (the snapshot; the changes streamed until the cutover to target, completed at ${toTarget.completedAt ?? '?'})`
    : ' (the snapshot; changes stream on until the cutover)';
}

/** For a live migration: events queued and applied on each side, and which processes run. */
function liveSummary(meta: MetaStore, metainfoDir: string): string | undefined {
  const type = meta.getValue<string>('export_type');
  if (type !== 'snapshot-and-changes' && type !== 'changes-only') return undefined;
  const queued = readQueueState(meta).lastVsn;
  const lines = [`Change events queued: ${queued}`];
  for (const consumer of ['target', 'source'] as const) {
    const applied = QueueConsumers.appliedVsn(meta, consumer);
    if (applied !== undefined) lines.push(`Applied to the ${consumer}: every event up to ${applied}`);
  }
  const commands = Object.keys(STREAMING_COMMANDS) as StreamingCommand[];
  const running = commands.filter((c) => isRunning(metainfoDir, c));
  lines.push(`Running now: ${running.length ? running.join(', ') : 'none'}`);
  const stopped = neededButStopped(meta, metainfoDir);
  if (stopped.length > 0) lines.push(`Not running: ${stopped.join(', ')} (this phase needs it; run the same command again: it resumes)`);
  return lines.join('\n');
}
