import { join } from 'node:path';
import type pg from 'pg';
import type { CommandContext } from '../cli/command-context.js';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { ProgressBoard } from '../core/progress.js';
import { describeDb, type DbConfig } from '../core/db-config.js';
import { planCopyBatches } from '../core/copy-batch-planner.js';
import type { MetaStore, SnapshotTableRow } from '../core/meta-store.js';
import { connectPg, serverInfo } from '../adapters/postgres/pg-connection.js';
import {
  checkTargetTables, ensureSnapshotMetadata, importedBatchKeys, loadBatch, restoreSequence, type BatchToLoad,
} from '../adapters/postgres/target-writer.js';
import { assignConnections, discoverYbNodes, type YbNode } from '../adapters/yugabyte/node-discovery.js';
import { checkSameDatabase, openMigration, resolveDbConfig, toStored } from './migration-context.js';
import { filterTables } from './table-filter.js';
import { renderTable } from './text-table.js';

/** `tandem import data [to target]`: loads the snapshot in resumable, exactly-once batches. */
export async function runImportData(ctx: CommandContext): Promise<void> {
  const migration = openMigration(ctx, { create: false, lock: 'import-data' });
  const { meta, exportDir, uuid } = migration;
  try {
    const exportStep = meta.getStep('export_data').status;
    if (exportStep !== 'DONE') {
      throw new TandemError('TANDEM_EXPORT_DIR',
        exportStep === 'NOT_STARTED' ? 'There is no exported data in this export dir yet.' : `The data export is not complete (status ${exportStep}).`,
        { hint: 'Run "tandem export data" with this --export-dir first and let it finish.' });
    }
    const target = await resolveDbConfig(ctx, meta, 'target');
    checkSameDatabase(meta, target);
    let tables = meta.snapshotTables();
    tables = filterTables(tables.map((t) => ({ ...t, schema: t.schemaName, name: t.tableName })), ctx.str('table-list'), ctx.str('exclude-table-list'));
    const requested = ctx.int('batch-size') ?? 20000;
    const batchSize = meta.getValue<number>('import_batch_size') ?? requested;
    if (batchSize !== requested && ctx.explicitFlags.has('batch-size')) {
      ctx.warn(`this import started with --batch-size ${batchSize}; it keeps that size so resumed batches line up.`);
    }
    const jobs = ctx.int('parallel-jobs') ?? 4;

    const admin = await connectPg(target);
    let nodes: YbNode[] = [];
    let loaded: Set<string>;
    try {
      const info = await serverInfo(admin);
      if (info.isYugabyte) {
        nodes = await discoverYbNodes(admin).catch((e) => {
          ctx.warn(`yb_servers() failed (${(e as Error).message}); all connections go to ${target.host}:${target.port}`);
          return [];
        });
      }
      loaded = await importedBatchKeys(admin, uuid);
      const startedTables = new Set(meta.snapshotFiles().filter((f) => [...loaded].some((k) => k.startsWith(`${f.fileName}#`))).map((f) => f.tableKey));
      const freshTables = new Set(tables.map((t) => t.tableKey).filter((k) => !startedTables.has(k)));
      const check = await checkTargetTables(admin, tables.map((t) => ({ schema: t.schemaName, name: t.tableName, columns: t.columns })), freshTables);
      if (check.missingTables.length) {
        throw new TandemError('TANDEM_PREREQUISITE', `Table(s) missing on the target ${describeDb(target)}: ${check.missingTables.join(', ')}.`, {
          hint: 'Run "tandem import schema" first (or create the tables), then rerun import data.',
        });
      }
      if (check.missingColumns.length) {
        throw new TandemError('TANDEM_PREREQUISITE', `Target tables lack exported columns: ${check.missingColumns.map((m) => `${m.table} (${m.columns.join(', ')})`).join('; ')}.`, {
          hint: 'Make the target tables match the exported schema (see schema/tables) and rerun.',
        });
      }
      if (check.noInsertPrivilege.length) {
        throw new TandemError('TANDEM_PRIVILEGE', `User ${target.user} lacks INSERT or SELECT on: ${check.noInsertPrivilege.join(', ')}.`, {
          hint: `GRANT INSERT, SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA <schema> TO ${target.user}; (the spec asks for a superuser on the target)`,
        });
      }
      if (check.nonEmptyTables.length) {
        throw new TandemError('TANDEM_TARGET_NOT_EMPTY', `Target table(s) already hold rows that this migration did not load: ${check.nonEmptyTables.join(', ')}.`, {
          hint: 'Empty them (TRUNCATE) or use another target database; Tandem does not load over existing rows.',
        });
      }
      try {
        await ensureSnapshotMetadata(admin);
      } catch (e) {
        if ((e as { code?: string }).code === '42501') {
          throw new TandemError('TANDEM_PRIVILEGE', `User ${target.user} cannot create the schema ybvoyager_metadata on the target.`, {
            hint: `GRANT CREATE ON DATABASE ${target.database} TO ${target.user};`,
          });
        }
        throw e;
      }
    } finally {
      await admin.end().catch(() => {});
    }

    // Checks passed: from here on the target changes.
    meta.setDbConfig('target', toStored(target));
    meta.setValue('import_batch_size', batchSize);
    meta.setStep('import_data', 'IN_PROGRESS', { startedAt: new Date().toISOString() });
    const work = await planWork(meta, exportDir.dataDir, tables, batchSize, loaded);
    const pending = work.filter((b) => !loaded.has(`${b.fileName}#${b.batchNo}`));
    ctx.print(`Importing ${tables.length} tables into ${describeDb(target)}: ${pending.length} of ${work.length} batches to load (batch size ${batchSize}, ${jobs} parallel jobs${nodes.length ? `, ${nodes.length} YugabyteDB nodes` : ''})`);
    log.info(`import data: ${pending.length}/${work.length} batches pending`);

    await loadAll(ctx, target, nodes, jobs, work, loaded, meta, uuid);

    const seqClient = await connectPg(target);
    try {
      let restored = 0;
      for (const s of meta.sequenceValues()) {
        const [schema, ...rest] = s.sequenceKey.split('.');
        if (await restoreSequence(seqClient, schema!, rest.join('.'), s.lastValue, s.isCalled)) restored++;
      }
      if (restored) ctx.print(`Restored ${restored} sequence value(s) from the source.`);
    } finally {
      await seqClient.end().catch(() => {});
    }
    meta.setStep('import_data', 'DONE', { finishedAt: new Date().toISOString() });
    const rows = new Map<string, number>();
    for (const b of work) rows.set(b.tableKey, (rows.get(b.tableKey) ?? 0) + b.rows);
    ctx.print('');
    ctx.print(renderTable(['TABLE', 'ROWS IMPORTED'], tables.map((t) => [t.tableKey, String(rows.get(t.tableKey) ?? 0)])));
    ctx.print('Import of the snapshot is complete. Next: tandem import schema --post-snapshot-import true, then tandem get data-migration-report.');
  } catch (e) {
    if (meta.getStep('import_data').status === 'IN_PROGRESS') meta.setStep('import_data', 'FAILED');
    throw e;
  } finally {
    migration.close();
  }
}

type Work = BatchToLoad & { tableKey: string };

/** Batch boundaries are planned once and kept in meta.db, so a resumed import sees the same batches. */
async function planWork(meta: MetaStore, dataDir: string, tables: SnapshotTableRow[], batchSize: number, loaded: Set<string>): Promise<Work[]> {
  const byKey = new Map(tables.map((t) => [t.tableKey, t]));
  const work: Work[] = [];
  for (const f of meta.snapshotFiles()) {
    const t = byKey.get(f.tableKey);
    if (!t) continue;
    let batches = meta.importBatches(f.fileName);
    if (batches.length === 0 && f.rows > 0) {
      const planned = await planCopyBatches(join(dataDir, f.fileName), t.format, batchSize);
      const total = planned.reduce((s, b) => s + b.rows, 0);
      if (total !== f.rows) {
        throw new TandemError('TANDEM_DATA', `${f.fileName} holds ${total} rows but the export recorded ${f.rows}; the file was changed or damaged.`, {
          hint: 'Export the data again in a new export dir.',
        });
      }
      meta.putImportBatches(planned.map((b) => ({ fileName: f.fileName, ...b, imported: loaded.has(`${f.fileName}#${b.batchNo}`) })));
      batches = meta.importBatches(f.fileName);
    }
    for (const b of batches) {
      // The target commits a batch before meta.db hears of it: a crash in between is mended here.
      if (!b.imported && loaded.has(`${f.fileName}#${b.batchNo}`)) meta.markBatchImported(f.fileName, b.batchNo);
      work.push({
        tableKey: t.tableKey, schema: t.schemaName, table: t.tableName, columns: t.columns, format: t.format,
        filePath: join(dataDir, f.fileName), fileName: f.fileName, batchNo: b.batchNo, startOffset: b.startOffset, endOffset: b.endOffset, rows: b.rows,
      });
    }
  }
  return work;
}

async function openWriter(target: DbConfig, node: YbNode | undefined, ctx: CommandContext, warned: { v: boolean }): Promise<pg.Client> {
  const client = await connectPg(node ? { ...target, host: node.host, port: node.port } : target);
  try {
    // Loads tables in any order: foreign keys and triggers must not fire on restored rows.
    await client.query('SET session_replication_role = replica');
  } catch (e) {
    if (!warned.v) {
      warned.v = true;
      ctx.warn(`cannot set session_replication_role (${(e as Error).message}); foreign keys are checked while loading.`);
    }
  }
  return client;
}

async function loadAll(ctx: CommandContext, target: DbConfig, nodes: YbNode[], jobs: number, work: Work[], loaded: Set<string>, meta: MetaStore, uuid: string): Promise<void> {
  const progress = new ProgressBoard(ctx.stdout, 'rows');
  const perTable = new Map<string, { total: number; done: number; left: number }>();
  for (const b of work) {
    const t = perTable.get(b.tableKey) ?? { total: 0, done: 0, left: 0 };
    t.total += b.rows;
    if (loaded.has(`${b.fileName}#${b.batchNo}`)) t.done += b.rows;
    else t.left++;
    perTable.set(b.tableKey, t);
  }
  for (const [k, t] of perTable) {
    progress.add(k, t.total, t.done);
    if (t.left === 0) progress.finish(k);
  }
  const queue = work.filter((b) => !loaded.has(`${b.fileName}#${b.batchNo}`));
  const endpoints = assignConnections(nodes, Math.max(1, Math.min(jobs, queue.length)), { host: target.host, port: target.port });
  const warned = { v: false };
  progress.start();
  let next = 0;
  let failure: unknown;
  try {
    await Promise.all(endpoints.map(async (node) => {
      const client = await openWriter(target, nodes.length ? node : undefined, ctx, warned);
      try {
        while (next < queue.length && failure === undefined) {
          const b = queue[next++]!;
          await loadBatch(client, b, uuid);
          meta.markBatchImported(b.fileName, b.batchNo);
          const t = perTable.get(b.tableKey)!;
          t.done += b.rows;
          t.left--;
          if (t.left === 0) progress.finish(b.tableKey, t.done);
          else progress.update(b.tableKey, t.done);
        }
      } catch (e) {
        failure ??= e;
      } finally {
        await client.end().catch(() => {});
      }
    }));
  } finally {
    progress.stop();
  }
  if (failure !== undefined) throw failure;
}
