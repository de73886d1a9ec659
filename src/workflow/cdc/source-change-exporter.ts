import type { CommandContext } from '../../cli/command-context.js';
import { TandemError, isTandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import type { UnnumberedChangeEvent } from '../../core/change-event.js';
import { EventQueueWriter } from '../../core/queue/event-queue-writer.js';
import { connectPg, clientConfig, serverInfo } from '../../adapters/postgres/pg-connection.js';
import { listSourceTables, tableKey, type SourceTable } from '../../adapters/postgres/source-catalog.js';
import { ReplicationConnection } from '../../adapters/postgres/replication/replication-connection.js';
import { createPublication, dropPublication } from '../../adapters/postgres/replication/publication.js';
import { formatLsn, positionToLsn, lsnToPosition, type Lsn } from '../../adapters/postgres/replication/lsn.js';
import { PgChangeCapture } from '../../adapters/postgres/change-capture.js';
import type { Migration } from '../migration-context.js';
import { beginSnapshot, runSnapshot, type ExportType } from '../export-data.js';
import { MetricsPrinter, RateMeter, renderMetrics } from './rate-meter.js';

/** Names of the source's slot and publication for this migration (stored in meta.db once chosen). */
export function sourceReplicationNames(migrationUuid: string): { slot: string; publication: string } {
  const id = migrationUuid.replace(/-/g, '').slice(0, 20);
  return { slot: `tandem_${id}`, publication: `tandem_pub_${id}` };
}

/**
 * Live export, first part: publication, a slot whose exported snapshot IS the snapshot that is
 * copied (no gap, no overlap between the copy and the stream), then the stream. A crash before the
 * snapshot is complete starts over with a new slot and a new snapshot id (the importer reloads).
 */
export async function exportLive(ctx: CommandContext, migration: Migration, source: DbConfig, tables: SourceTable[], exportType: ExportType): Promise<void> {
  const { meta, uuid } = migration;
  const names = meta.getValue<{ slot: string; publication: string }>('source_replication') ?? sourceReplicationNames(uuid);
  const admin = await connectPg(source);
  const rc = await ReplicationConnection.open(clientConfig(source));
  let info;
  try {
    info = await serverInfo(admin);
    // From here on the source changes: say what we create, so a failure leaves nothing unexplained.
    meta.setValue('source_replication', names);
    if (await rc.slotExists(names.slot)) {
      ctx.print(`Dropping replication slot ${names.slot} left by an interrupted snapshot; the snapshot starts over.`);
      await rc.dropSlot(names.slot, { wait: true });
    }
    await dropPublication(admin, names.publication);
    await createPublication(admin, names.publication, tables.map((t) => ({ schema: t.schema, name: t.name })));
  } catch (e) {
    await rc.close().catch(() => {});
    await admin.end().catch(() => {});
    throw e;
  }
  await admin.end().catch(() => {});
  const snapshotId = beginSnapshot(ctx, migration, source, tables, exportType);
  meta.setValue('cdc_phase', 'snapshot');
  let startLsn: Lsn;
  try {
    if (exportType === 'snapshot-and-changes') {
      const slot = await rc.createSlotWithSnapshot(names.slot);
      ctx.print(`Created replication slot ${names.slot} at ${formatLsn(slot.consistentPoint)}; copying its snapshot.`);
      startLsn = slot.consistentPoint;
      await runSnapshot(ctx, migration, source, tables, {
        snapshotName: slot.snapshotName,
        async release() {
          slot.release();
          await rc.close().catch(() => {});
        },
      }, snapshotId, info.versionNum);
    } else {
      const slot = await rc.createSlot(names.slot);
      await rc.close().catch(() => {});
      startLsn = slot.consistentPoint;
      meta.db.transaction(() => {
        for (const t of tables) meta.putSnapshotTable({ tableKey: tableKey(t.schema, t.name), schemaName: t.schema, tableName: t.name, columns: t.columns, format: 'text', exportedRows: 0, status: 'DONE' });
        meta.setStep('export_data', 'DONE', { exportType, finishedAt: new Date().toISOString() });
      })();
      ctx.print(`Created replication slot ${names.slot} at ${formatLsn(slot.consistentPoint)} (changes only, no snapshot).`);
    }
  } catch (e) {
    await rc.close().catch(() => {});
    ctx.warn(`replication slot ${names.slot} may be left on the source; the next export data drops and recreates it. To remove it by hand: SELECT pg_drop_replication_slot('${names.slot}');`);
    throw e;
  }
  meta.db.transaction(() => {
    meta.setValue('cdc_start_position', lsnToPosition(startLsn));
    meta.setValue('cdc_phase', 'streaming');
    meta.setStep('export_changes', 'IN_PROGRESS', { startedAt: new Date().toISOString() });
  })();
  await streamChanges(ctx, migration, source);
}

/** Transactions are grouped into one queue append up to this many events (fewer fsyncs). */
const MAX_EVENTS_PER_APPEND = 5000;
const RETRY_MAX_MS = 15_000;
const SLOT_CHECK_MS = 60_000;

/**
 * Live export, second part (also what a restart resumes): streams every committed change of the
 * published tables into the queue. A transaction is acknowledged to the source only after its
 * events are fsynced and recorded in meta.db; after a crash the source replays from the last
 * acknowledgement and transactions at or before the queue's last position are skipped, so nothing
 * is lost or queued twice. Connection failures are retried with backoff.
 */
export async function streamChanges(ctx: CommandContext, migration: Migration, source: DbConfig): Promise<void> {
  const { meta, exportDir } = migration;
  const names = meta.getValue<{ slot: string; publication: string }>('source_replication');
  const startPosition = meta.getValue<string>('cdc_start_position');
  if (!names || !startPosition) throw new TandemError('TANDEM_EXPORT_DIR', 'The live export state in meta.db is incomplete.', { hint: 'Start a new migration in a new export dir.' });
  const queue = EventQueueWriter.open(exportDir.queueDir, meta);
  const primaryKeys = await loadPrimaryKeys(source, meta);
  const totalAtStart = queue.lastVsn;
  const meter = new RateMeter();
  const printer = new MetricsPrinter(ctx.stdout);
  const show = (force = false) => printer.show(renderMetrics([
    ['Total Exported Events', String(queue.lastVsn)],
    ['Total Exported Events (Current Run)', String(queue.lastVsn - totalAtStart)],
    ['Export Rate(Last 3 min)', `${Math.round(meter.rate(3))}/sec`],
    ['Export Rate(Last 10 min)', `${Math.round(meter.rate(10))}/sec`],
  ]), force);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const metricsTimer = setInterval(() => show(), 1000);
  const slotTimer = setInterval(() => void warnAboutSlotLag(ctx, source, names.slot), SLOT_CHECK_MS);
  ctx.print(`Streaming changes from ${describeDb(source)} (slot ${names.slot}, publication ${names.publication}) into ${exportDir.queueDir}. Stop with Ctrl-C; a restart resumes.`);
  let delay = 500;
  try {
    while (!abort.signal.aborted) {
      const resumeFrom = queue.lastPosition ?? startPosition;
      const capture = new PgChangeCapture({ source, slotName: names.slot, publicationName: names.publication, startLsn: positionToLsn(resumeFrom), primaryKeys });
      const stopOnAbort = () => void capture.stop();
      abort.signal.addEventListener('abort', stopOnAbort);
      try {
        await capture.start();
        log.info(`change stream started at ${formatLsn(positionToLsn(resumeFrom))}`);
        delay = 500;
        let pending: UnnumberedChangeEvent[] = [];
        let pendingPosition = '';
        let pendingEnd = 0n;
        const flush = async () => {
          if (!pendingPosition) return;
          await queue.append(pending, pendingPosition);
          capture.acknowledge(pendingEnd);
          meter.add(pending.length);
          pending = [];
          pendingPosition = '';
        };
        for await (const tx of capture.transactions()) {
          const last = queue.lastPosition;
          if (last !== undefined && tx.position <= last) continue; // replayed after a crash: already queued
          if (pendingPosition && tx.position <= pendingPosition) continue;
          for (const e of tx.events) pending.push({ ...e, position: tx.position });
          pendingPosition = tx.position;
          pendingEnd = tx.endLsn;
          // Flush when caught up with the socket or the group is large: low latency under light
          // load, few fsyncs under heavy load.
          if (pending.length >= MAX_EVENTS_PER_APPEND || capture.buffered === 0) await flush();
        }
        await flush();
      } catch (e) {
        if (abort.signal.aborted) break;
        if (isTandemError(e) && e.code !== 'TANDEM_CONNECT') throw e;
        log.warn(`change stream interrupted: ${(e as Error).message}; reconnecting in ${delay} ms`);
        ctx.warn(`change stream interrupted (${(e as { code?: string }).code ?? (e as Error).message}); reconnecting in ${Math.round(delay / 1000)} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      } finally {
        abort.signal.removeEventListener('abort', stopOnAbort);
        await capture.stop().catch(() => {});
      }
    }
  } finally {
    clearInterval(metricsTimer);
    clearInterval(slotTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    show(true);
    await queue.close();
  }
  ctx.print(`Export stopped; ${queue.lastVsn} events are queued. Run the same command again to continue streaming. The replication slot ${names.slot} keeps the source's WAL until then.`);
}

async function loadPrimaryKeys(source: DbConfig, meta: Migration['meta']): Promise<Map<string, string[]>> {
  const client = await connectPg(source);
  try {
    const wanted = new Set(meta.snapshotTables().map((t) => t.tableKey));
    const all = await listSourceTables(client, source.schemas);
    return new Map(all.filter((t) => wanted.has(tableKey(t.schema, t.name))).map((t) => [tableKey(t.schema, t.name), t.primaryKey]));
  } finally {
    await client.end().catch(() => {});
  }
}

/** Warns when the slot holds more WAL than is comfortable (a stalled importer fills the source's disk). */
async function warnAboutSlotLag(ctx: CommandContext, source: DbConfig, slot: string): Promise<void> {
  try {
    const client = await connectPg(source);
    try {
      const r = await client.query(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained,
                current_setting('max_slot_wal_keep_size') AS keep FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
      if (r.rows.length === 0) return;
      const retained = Number(r.rows[0].retained);
      const keep = String(r.rows[0].keep);
      const keepBytes = keep === '-1' ? undefined : parseSize(keep);
      const limit = keepBytes !== undefined ? keepBytes * 0.8 : 10 * 1024 ** 3;
      if (retained > limit) {
        ctx.warn(`replication slot ${slot} holds ${(retained / 1024 ** 3).toFixed(1)} GB of WAL on the source${keepBytes ? ` (max_slot_wal_keep_size ${keep})` : ''}; make sure the export keeps running.`);
      }
    } finally {
      await client.end().catch(() => {});
    }
  } catch {
    /* a failed check is not a reason to stop streaming */
  }
}

function parseSize(s: string): number | undefined {
  const m = /^(\d+)\s*(kB|MB|GB|TB)?$/.exec(s.trim());
  if (!m) return undefined;
  const unit = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[m[2] ?? 'MB' as 'MB'] ?? 1024 ** 2;
  return Number(m[1]) * unit;
}

