import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { CommandLock } from '../core/lock.js';
import { join } from 'node:path';
import type { CommandContext } from '../cli/command-context.js';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { ProgressBoard } from '../core/progress.js';
import { describeDb } from '../core/db-config.js';
import { connectPg, serverInfo } from '../adapters/postgres/pg-connection.js';
import { listSourceTables, readSequences, tableKey } from '../adapters/postgres/source-catalog.js';
import { PgSnapshotReader, exportSnapshotPoint, planSnapshotChunks, type SnapshotChunk } from '../adapters/postgres/snapshot-reader.js';
import { CopyBatchPlanner, ROW_INDEX_STEP } from '../core/copy-batch-planner.js';
import { checkSameDatabase, openMigration, resolveDbConfig, toStored } from './migration-context.js';
import { filterTables } from './table-filter.js';
import { renderTable } from './text-table.js';

/** The snapshot file of one chunk, named so that a person can tell which table it holds. */
export function snapshotFileName(chunk: Pick<SnapshotChunk, 'tableKey' | 'chunkNo' | 'format'>): string {
  const safe = chunk.tableKey.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${safe}.${chunk.chunkNo}.${chunk.format === 'binary' ? 'bin' : 'txt'}`;
}

/** `tandem export data [from source]`: a consistent snapshot of the selected tables into data/. */
export async function runExportData(ctx: CommandContext): Promise<void> {
  const exportType = ctx.str('export-type') ?? 'snapshot-only';
  if (exportType !== 'snapshot-only') {
    throw new TandemError('TANDEM_UNSUPPORTED', `--export-type ${exportType} (live migration) is not implemented yet in this version of Tandem.`, {
      hint: 'Use --export-type snapshot-only for an offline migration.',
    });
  }
  const migration = openMigration(ctx, { create: true, lock: 'export-data' });
  try {
    const { meta, exportDir } = migration;
    const source = await resolveDbConfig(ctx, meta, 'source');
    checkSameDatabase(meta, source);
    const startClean = ctx.bool('start-clean');
    const importStep = meta.getStep('import_data').status;
    if (meta.getStep('export_data').status === 'DONE' && !startClean) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The data export in this export dir is already complete.', {
        hint: 'Go on with "tandem import data". To export again, add --start-clean true.',
      });
    }
    const importer = CommandLock.holder(exportDir.metainfoDir, 'import-data');
    if (importer !== undefined) {
      throw new TandemError('TANDEM_LOCKED', `"import data" (pid ${importer}) is loading the previous export from this export dir.`, {
        hint: 'Stop it first; after the new export starts, run import data again and it reloads from the new snapshot.',
      });
    }
    if (startClean && importStep !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The import has already started from this export; exporting a new snapshot now would mix two snapshot points.', {
        hint: 'Start a new migration in a new export dir (and empty the target tables).',
      });
    }
    const client = await connectPg(source);
    let chunks: SnapshotChunk[];
    let tables;
    try {
      const info = await serverInfo(client);
      const all = await listSourceTables(client, source.schemas);
      tables = filterTables(all, ctx.str('table-list'), ctx.str('exclude-table-list'));
      if (tables.length === 0) {
        throw new TandemError('TANDEM_USAGE', `No tables to export in schema(s) ${source.schemas.join(', ')}.`, { hint: 'Check --source-db-schema and --table-list.' });
      }
      const privilege = await client.query(
        `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = ANY($1::oid[]) AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE'))`, [tables.map((t) => t.oid)]);
      if (privilege.rows.length > 0) {
        const names = privilege.rows.map((r) => r.t);
        throw new TandemError('TANDEM_PRIVILEGE', `User ${source.user} cannot read: ${names.join(', ')}.`, {
          hint: `As an owner or superuser: GRANT SELECT ON ALL TABLES IN SCHEMA ${source.schemas.join(', ')} TO ${source.user};`,
        });
      }
      const noPk = tables.filter((t) => !t.hasPrimaryKey).map((t) => tableKey(t.schema, t.name));
      if (noPk.length > 0) ctx.warn(`tables without a primary key (fine offline, refused for live migration): ${noPk.join(', ')}`);
      chunks = planSnapshotChunks(tables, { parallelJobs: ctx.int('parallel-jobs') ?? 4, serverVersionNum: info.versionNum });
    } finally {
      await client.end().catch(() => {});
    }

    // From here on the export dir changes.
    if (importStep !== 'NOT_STARTED') {
      ctx.print('The previous export was interrupted after the import had started: the next import data reloads those tables from this new snapshot.');
    }
    meta.resetSnapshot();
    meta.setValue('snapshot_id', randomUUID());
    for (const f of readdirSync(exportDir.dataDir)) {
      if (/\.(bin|txt)$/.test(f)) rmSync(join(exportDir.dataDir, f), { force: true });
    }
    meta.setDbConfig('source', toStored(source));
    meta.setStep('export_data', 'IN_PROGRESS', { exportType, startedAt: new Date().toISOString() });
    for (const t of tables) {
      meta.putSnapshotTable({ tableKey: tableKey(t.schema, t.name), schemaName: t.schema, tableName: t.name, columns: t.columns, format: t.binarySafe ? 'binary' : 'text', exportedRows: 0, status: 'IN_PROGRESS' });
    }
    log.info(`export data from ${describeDb(source)}: ${tables.length} tables in ${chunks.length} chunks`);
    ctx.print(`Exporting a consistent snapshot of ${tables.length} tables from ${describeDb(source)} (${chunks.length} chunks, ${ctx.int('parallel-jobs') ?? 4} parallel jobs)`);

    const rowsByTable = await copyChunks(ctx, source, chunks, exportDir.dataDir, meta);
    const seqClient = await connectPg(source);
    try {
      const seqs = await readSequences(seqClient, source.schemas);
      meta.putSequenceValues(seqs.map((s) => ({ sequenceKey: tableKey(s.schema, s.name), lastValue: s.lastValue, isCalled: s.isCalled })));
    } finally {
      await seqClient.end().catch(() => {});
    }
    for (const t of tables) {
      const key = tableKey(t.schema, t.name);
      meta.putSnapshotTable({ tableKey: key, schemaName: t.schema, tableName: t.name, columns: t.columns, format: t.binarySafe ? 'binary' : 'text', exportedRows: rowsByTable.get(key) ?? 0, status: 'DONE' });
    }
    meta.setStep('export_data', 'DONE', { exportType, finishedAt: new Date().toISOString() });
    ctx.print('');
    ctx.print(renderTable(['TABLE', 'ROWS EXPORTED'], tables.map((t) => {
      const key = tableKey(t.schema, t.name);
      return [key, String(rowsByTable.get(key) ?? 0)];
    })));
    ctx.print(`Export of the snapshot is complete: ${[...rowsByTable.values()].reduce((a, b) => a + b, 0)} rows. Next: tandem import data --export-dir ${exportDir.root}`);
  } catch (e) {
    if (migration.meta.getStep('export_data').status === 'IN_PROGRESS') migration.meta.setStep('export_data', 'FAILED');
    throw e;
  } finally {
    migration.close();
  }
}

async function copyChunks(
  ctx: CommandContext,
  source: Parameters<typeof PgSnapshotReader.attach>[0],
  chunks: SnapshotChunk[],
  dataDir: string,
  meta: import('../core/meta-store.js').MetaStore,
): Promise<Map<string, number>> {
  const jobs = Math.max(1, Math.min(ctx.int('parallel-jobs') ?? 4, chunks.length));
  const point = await exportSnapshotPoint(source);
  const readers: PgSnapshotReader[] = [];
  try {
    // Every reader attaches before the exporting transaction ends (the snapshot dies with it).
    for (let i = 0; i < jobs; i++) readers.push(await PgSnapshotReader.attach(source, point.snapshotName));
  } finally {
    await point.release();
  }
  const progress = new ProgressBoard(ctx.stdout, 'rows');
  const perTable = new Map<string, { est: number; done: number; bytesPerRow: number; open: number }>();
  for (const c of chunks) {
    const t = perTable.get(c.tableKey) ?? { est: 0, done: 0, bytesPerRow: 0, open: 0 };
    t.est += c.estimatedRows;
    t.open++;
    perTable.set(c.tableKey, t);
  }
  for (const [k, t] of perTable) progress.add(k, t.est);
  progress.start();
  const rowsByTable = new Map<string, number>();
  let next = 0;
  try {
    await Promise.all(readers.map(async (reader) => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const fileName = snapshotFileName(chunk);
        meta.putSnapshotFile({ fileName, tableKey: chunk.tableKey, chunkNo: chunk.chunkNo, rows: 0, bytes: 0, status: 'IN_PROGRESS' });
        const t = perTable.get(chunk.tableKey)!;
        const index = new CopyBatchPlanner(chunk.format, ROW_INDEX_STEP);
        const { rows, bytes } = await reader.copyToFile(chunk, join(dataDir, fileName), (data) => index.push(data));
        const rowIndex = index.finish().map((b): [number, number, number] => [b.startOffset, b.endOffset, b.rows]);
        const indexed = rowIndex.reduce((s, e) => s + e[2], 0);
        if (indexed !== rows) throw new Error(`${fileName}: the server sent ${rows} rows but the file holds ${indexed}`);
        meta.putSnapshotFile({ fileName, tableKey: chunk.tableKey, chunkNo: chunk.chunkNo, rows, bytes, status: 'DONE', rowIndex });
        t.done += rows;
        t.open--;
        rowsByTable.set(chunk.tableKey, (rowsByTable.get(chunk.tableKey) ?? 0) + rows);
        if (t.open === 0) progress.finish(chunk.tableKey, t.done);
        else progress.update(chunk.tableKey, t.done);
      }
    }));
  } finally {
    progress.stop();
    await Promise.all(readers.map((r) => r.close()));
  }
  for (const k of perTable.keys()) if (!rowsByTable.has(k)) rowsByTable.set(k, 0);
  return rowsByTable;
}
