import { statfsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CommandContext } from '../cli/command-context.js';
import { TandemError } from '../core/errors.js';
import { CommandLock } from '../core/lock.js';
import { log } from '../core/logger.js';
import { describeDb, type DbConfig } from '../core/db-config.js';
import type { MetaStore } from '../core/meta-store.js';
import { connectPg, serverInfo } from '../adapters/postgres/pg-connection.js';
import { listSourceTables, readSequences, tableKey, type SourceTable } from '../adapters/postgres/source-catalog.js';
import { exportSnapshotPoint, planSnapshotChunks, type SnapshotPoint } from '../adapters/postgres/snapshot-reader.js';
import { checkSameDatabase, openMigration, resolveDbConfig, toStored, type Migration } from './migration-context.js';
import { filterTables } from './table-filter.js';
import { renderTable } from './text-table.js';
import { copySnapshot, removeOldSnapshots } from './snapshot-export.js';

export type ExportType = 'snapshot-only' | 'snapshot-and-changes' | 'changes-only';

/** `tandem export data [from source]`: a consistent snapshot, then (live migration) every change. */
export async function runExportData(ctx: CommandContext): Promise<void> {
  const exportType = (ctx.str('export-type') ?? 'snapshot-only') as ExportType;
  const migration = openMigration(ctx, { create: true, lock: 'export-data' });
  try {
    const { meta } = migration;
    const source = await resolveDbConfig(ctx, meta, 'source');
    checkSameDatabase(meta, source);
    const recordedType = meta.getValue<ExportType>('export_type');
    if (recordedType && recordedType !== exportType && meta.getStep('export_data').status !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', `This export dir holds a ${recordedType} export; it cannot continue as ${exportType}.`, {
        hint: `Rerun with --export-type ${recordedType}, or use a new export dir.`,
      });
    }
    const live = exportType !== 'snapshot-only';
    if (live && meta.getValue<string>('cdc_phase') === 'streaming') {
      // A restart of a live export: the snapshot is done, the slot keeps every later change.
      const { continueLiveExport } = await import('./cdc/source-after-cutover.js');
      await continueLiveExport(ctx, migration, source);
      return;
    }
    if (meta.getStep('export_data').status === 'DONE' && !ctx.bool('start-clean')) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The data export in this export dir is already complete.', {
        hint: 'Go on with "tandem import data". To export again, add --start-clean true.',
      });
    }
    if (ctx.bool('start-clean') && meta.getStep('import_data').status !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The import has already started from this export; exporting a new snapshot now would mix two snapshot points.', {
        hint: 'Start a new migration in a new export dir (and empty the target tables).',
      });
    }
    const tables = await checkSource(ctx, source, live);
    if (live) {
      const { exportLive } = await import('./cdc/source-change-exporter.js');
      await exportLive(ctx, migration, source, tables, exportType);
    } else {
      await exportSnapshotOnly(ctx, migration, source, tables);
    }
  } catch (e) {
    if (migration.meta.getStep('export_data').status === 'IN_PROGRESS') migration.meta.setStep('export_data', 'FAILED');
    throw e;
  } finally {
    migration.close();
  }
}

/** Everything about the source that can be checked before anything changes. */
async function checkSource(ctx: CommandContext, source: DbConfig, live: boolean): Promise<SourceTable[]> {
  const client = await connectPg(source);
  try {
    const all = await listSourceTables(client, source.schemas);
    const tables = filterTables(all, ctx.str('table-list'), ctx.str('exclude-table-list'));
    if (tables.length === 0) {
      throw new TandemError('TANDEM_USAGE', `No tables to export in schema(s) ${source.schemas.join(', ')}.`, { hint: 'Check --source-db-schema and --table-list.' });
    }
    await checkReadPrivileges(client, source, tables);
    const noPk = tables.filter((t) => !t.hasPrimaryKey).map((t) => tableKey(t.schema, t.name));
    if (noPk.length > 0 && live) {
      throw new TandemError('TANDEM_PREREQUISITE', `Live migration needs a primary key on every table; these have none: ${noPk.join(', ')}.`, {
        hint: 'Add a primary key on the source (ALTER TABLE … ADD PRIMARY KEY), leave the tables out with --exclude-table-list, or migrate offline with --export-type snapshot-only.',
      });
    }
    if (noPk.length > 0) ctx.warn(`tables without a primary key (fine offline, refused for live migration): ${noPk.join(', ')}`);
    if (live) {
      const { checkReplicationPrerequisites } = await import('../adapters/postgres/replication/replication-prerequisites.js');
      await checkReplicationPrerequisites(client, 1);
      const nothing = await client.query(
        `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = ANY($1::oid[]) AND c.relreplident = 'n'`, [tables.map((t) => t.oid)]);
      if (nothing.rows.length > 0) {
        throw new TandemError('TANDEM_PREREQUISITE', `Tables with REPLICA IDENTITY NOTHING cannot stream updates or deletes: ${nothing.rows.map((r) => r.t).join(', ')}.`, {
          hint: 'ALTER TABLE … REPLICA IDENTITY DEFAULT; on each of them.',
        });
      }
    }
    return tables;
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkReadPrivileges(client: pg.Client, source: DbConfig, tables: SourceTable[]): Promise<void> {
  const privilege = await client.query(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[]) AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE'))`, [tables.map((t) => t.oid)]);
  if (privilege.rows.length > 0) {
    const names = privilege.rows.map((r) => r.t);
    throw new TandemError('TANDEM_PRIVILEGE', `User ${source.user} cannot read: ${names.join(', ')}.`, {
      hint: `As an owner or superuser: GRANT USAGE ON SCHEMA <schema> TO ${source.user}; GRANT SELECT ON ALL TABLES IN SCHEMA ${source.schemas.join(', ')} TO ${source.user};`,
    });
  }
}

/**
 * Starts a new snapshot: clears the previous one from meta.db and data/, records the tables, and
 * gives the snapshot a new id (an importer that loaded an older snapshot reloads, never mixes).
 */
export function beginSnapshot(ctx: CommandContext, migration: Migration, source: DbConfig, tables: SourceTable[], exportType: ExportType): string {
  const { meta, exportDir } = migration;
  if (meta.getStep('import_data').status !== 'NOT_STARTED') {
    ctx.print('The previous export was interrupted after the import had started: import data reloads those tables from this new snapshot.');
  }
  const snapshotId = randomUUID();
  // One SQLite transaction: a following importer sees the old snapshot or the new one, never half.
  meta.db.transaction(() => {
    meta.resetSnapshot();
    meta.setValue('snapshot_id', snapshotId);
    meta.setDbConfig('source', toStored(source));
    meta.setValue('export_type', exportType);
    meta.setStep('export_data', 'IN_PROGRESS', { exportType, startedAt: new Date().toISOString() });
    for (const t of tables) {
      meta.putSnapshotTable({ tableKey: tableKey(t.schema, t.name), schemaName: t.schema, tableName: t.name, columns: t.columns, format: t.binarySafe ? 'binary' : 'text', exportedRows: 0, status: 'IN_PROGRESS' });
    }
  })();
  removeOldSnapshots(exportDir.dataDir);
  return snapshotId;
}

/**
 * Warns when the export dir's disk has less free space than the tables' heap (relpages; TOAST and
 * the COPY format can make the files larger or smaller, so it is a warning, not a refusal).
 */
function warnIfDiskTooSmall(ctx: CommandContext, tables: SourceTable[], dataDir: string): void {
  const pages = tables.reduce((sum, t) => sum + (t.partitioned ? t.leaves.reduce((a, l) => a + l.pages, 0) : t.pages), 0);
  const needed = pages * 8192;
  let free: number;
  try {
    const fs = statfsSync(dataDir);
    free = fs.bavail * fs.bsize;
  } catch {
    return;
  }
  if (needed > free) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(n < 1024 ** 3 ? 3 : 1)} GB`;
    ctx.warn(`the tables take about ${gb(needed)} on the source; the export dir's disk has ${gb(free)} free. The export may fill it (it then stops with TANDEM_DISK and can be rerun).`);
  }
}

/** Copies the snapshot at `point`, records sequences and marks the snapshot export DONE. */
export async function runSnapshot(ctx: CommandContext, migration: Migration, source: DbConfig, tables: SourceTable[], point: SnapshotPoint, snapshotId: string, serverVersionNum: number): Promise<Map<string, number>> {
  const { meta, exportDir } = migration;
  const jobs = ctx.int('parallel-jobs') ?? 4;
  const chunks = planSnapshotChunks(tables, { parallelJobs: jobs, serverVersionNum });
  log.info(`export data from ${describeDb(source)}: ${tables.length} tables in ${chunks.length} chunks, snapshot ${point.snapshotName}`);
  ctx.print(`Exporting a consistent snapshot of ${tables.length} tables from ${describeDb(source)} (${chunks.length} chunks, ${jobs} parallel jobs)`);
  warnIfDiskTooSmall(ctx, tables, exportDir.dataDir);
  const rowsByTable = await copySnapshot(ctx, source, point, chunks, exportDir.dataDir, meta, snapshotId);
  await recordSequences(meta, source);
  for (const t of tables) {
    const key = tableKey(t.schema, t.name);
    meta.putSnapshotTable({ tableKey: key, schemaName: t.schema, tableName: t.name, columns: t.columns, format: t.binarySafe ? 'binary' : 'text', exportedRows: rowsByTable.get(key) ?? 0, status: 'DONE' });
  }
  meta.setStep('export_data', 'DONE', { finishedAt: new Date().toISOString() });
  ctx.print('');
  ctx.print(renderTable(['TABLE', 'ROWS EXPORTED'], tables.map((t) => {
    const key = tableKey(t.schema, t.name);
    return [key, String(rowsByTable.get(key) ?? 0)];
  })));
  ctx.print(`Export of the snapshot is complete: ${[...rowsByTable.values()].reduce((a, b) => a + b, 0)} rows.`);
  return rowsByTable;
}

/** Source sequence values, read after the snapshot (sequences are not transactional: never lower). */
export async function recordSequences(meta: MetaStore, source: DbConfig): Promise<void> {
  const client = await connectPg(source);
  try {
    const seqs = await readSequences(client, source.schemas);
    meta.putSequenceValues(seqs.map((s) => ({ sequenceKey: tableKey(s.schema, s.name), lastValue: s.lastValue, isCalled: s.isCalled })));
  } finally {
    await client.end().catch(() => {});
  }
}

async function exportSnapshotOnly(ctx: CommandContext, migration: Migration, source: DbConfig, tables: SourceTable[]): Promise<void> {
  const info = await (async () => {
    const c = await connectPg(source);
    try {
      return await serverInfo(c);
    } finally {
      await c.end().catch(() => {});
    }
  })();
  const holder = CommandLock.holder(migration.exportDir.metainfoDir, 'import-data');
  if (holder !== undefined) log.info(`import data (pid ${holder}) is running; it will reload from the new snapshot`);
  const snapshotId = beginSnapshot(ctx, migration, source, tables, 'snapshot-only');
  const point = await exportSnapshotPoint(source);
  await runSnapshot(ctx, migration, source, tables, point, snapshotId, info.versionNum);
  ctx.print(`Next: tandem import data --export-dir ${migration.exportDir.root}`);
}
