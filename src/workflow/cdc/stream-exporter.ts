import type { CommandContext } from '../../cli/command-context.js';
import { TandemError, fileSystemError, isTandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { markerEvent, type MarkerKind, type UnnumberedChangeEvent } from '../../core/change-event.js';
import { EventQueueWriter } from '../../core/queue/event-queue-writer.js';
import { connectPg } from '../../adapters/postgres/pg-connection.js';
import { listSourceTables, readSequences, tableKey, type SequenceInfo } from '../../adapters/postgres/source-catalog.js';
import { formatLsn, positionToLsn, lsnToPosition } from '../../adapters/postgres/replication/lsn.js';
import { PgChangeCapture } from '../../adapters/postgres/change-capture.js';
import { emitDurableMessage } from '../../adapters/postgres/logical-message.js';
import type { Migration } from '../migration-context.js';
import { CutoverState, type CutoverDirection } from '../cutover/cutover-state.js';
import { MetricsPrinter, RateMeter, renderMetrics } from './rate-meter.js';
import { sleep } from '../../core/sleep.js';
import { failpoint } from '../../core/failpoint.js';

export type ExporterRole = 'source' | 'target';

/**
 * Where each exporter keeps its stream state, and which cutover ends its stream. The queue keeps
 * each exporter's last position apart (`EventQueueWriter`'s `exporter`), so the target's positions
 * never have to sort after the source's.
 */
export const EXPORTER_ROLES: Record<ExporterRole, { replicationKey: string; startKey: string; direction: CutoverDirection; marker: MarkerKind }> = {
  source: { replicationKey: 'source_replication', startKey: 'cdc_start_position', direction: 'to_target', marker: 'cutover_to_target' },
  target: { replicationKey: 'target_replication', startKey: 'target_cdc_start_position', direction: 'to_source', marker: 'cutover_to_source' },
};

/** Transactions are grouped into one queue append up to this many events (fewer fsyncs). */
const MAX_EVENTS_PER_APPEND = 5000;
const RETRY_MAX_MS = 15_000;
const SLOT_CHECK_MS = 60_000;
const IDLE_ACK_MS = 5_000;
const CUTOVER_POLL_MS = 100;
/** The logical message written while idle (see the idle timer). */
const HEARTBEAT = 'heartbeat';
const IDLE_FLUSH_MS = 50;

/**
 * Live export, second part (also what a restart resumes): streams every committed change of the
 * published tables into the queue. A transaction is acknowledged to the source only after its
 * events are fsynced and recorded in meta.db; after a crash the source replays from the last
 * acknowledgement and transactions at or before the queue's last position are skipped, so nothing
 * is lost or queued twice. Connection failures are retried with backoff.
 */
export async function streamChanges(ctx: CommandContext, migration: Migration, source: DbConfig, role: ExporterRole): Promise<'stopped' | 'cutover'> {
  const { meta, exportDir } = migration;
  const r = EXPORTER_ROLES[role];
  if (CutoverState.get(meta, r.direction).markerVsn !== undefined) return 'cutover'; // written by an earlier run
  const names = meta.getValue<{ slot: string; publication: string }>(r.replicationKey);
  const startPosition = meta.getValue<string>(r.startKey);
  if (!names || !startPosition) throw new TandemError('TANDEM_EXPORT_DIR', `The ${role} change stream's state in meta.db is incomplete.`, { hint: 'Start a new migration in a new export dir.' });
  const queue = EventQueueWriter.open(exportDir.queueDir, meta, { exporter: role });
  const primaryKeys = await loadPrimaryKeys(source, meta);
  let markerEmitted = false;
  let markerWarned = false;
  let reachedMarker = false;
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
  // A cutover request (checked often: this wait is part of the application's downtime): write a
  // marker into the WAL; it arrives after every change committed before it.
  const cutoverTimer = setInterval(() => {
    if (!markerEmitted && CutoverState.get(meta, r.direction).status === 'INITIATED') {
      markerEmitted = true;
      void emitMarker(source, r.marker).then(
        () => ctx.print(`Cutover requested: waiting for the marker to come through the ${role} stream.`),
        (e) => {
          // Retry, but not every poll: the database may be briefly unreachable.
          if (!markerWarned) ctx.warn(`could not write the cutover marker into the ${role}'s WAL (${(e as Error).message}); retrying every 5 s.`);
          markerWarned = true;
          log.warn(`could not write the cutover marker: ${(e as Error).message}`);
          setTimeout(() => { markerEmitted = false; }, 5000).unref();
        });
    }
  }, CUTOVER_POLL_MS);
  const slotTimer = setInterval(() => void warnAboutSlotLag(ctx, source, names.slot), SLOT_CHECK_MS);
  ctx.print(`Streaming changes from the ${role} ${describeDb(source)} (slot ${names.slot}, publication ${names.publication}) into ${exportDir.queueDir}. Stop with Ctrl-C; a restart resumes.`);
  let delay = 500;
  try {
    while (!abort.signal.aborted) {
      const resumeFrom = queue.lastPosition ?? startPosition;
      const capture = new PgChangeCapture({ source, slotName: names.slot, publicationName: names.publication, startLsn: positionToLsn(resumeFrom), primaryKeys });
      const stopOnAbort = () => void capture.stop();
      let idleTimer: NodeJS.Timeout | undefined;
      abort.signal.addEventListener('abort', stopOnAbort);
      try {
        await capture.start();
        log.info(`change stream started at ${formatLsn(positionToLsn(resumeFrom))}`);
        delay = 500;
        let pending: UnnumberedChangeEvent[] = [];
        let pendingPosition = '';
        let pendingEnd = 0n;
        let flushing = false;
        const flush = async () => {
          if (!pendingPosition) return;
          flushing = true;
          try {
            await queue.append(pending, pendingPosition);
            failpoint('queue.after-commit-before-ack');
            capture.acknowledge(pendingEnd);
            meter.add(pending.length);
            pending = [];
            pendingPosition = '';
          } finally {
            flushing = false;
          }
        };
        // While the migrated tables are quiet, write a heartbeat into the WAL: it comes back through
        // the stream like any transaction, is queued (as a position only) and acknowledged, so the
        // slot moves on and does not keep the WAL other tables write. Only positions of queued
        // transactions are ever acknowledged, never the server's keepalive positions.
        let lastActivity = Date.now();
        idleTimer = setInterval(() => {
          if (flushing || pendingPosition || reachedMarker || Date.now() - lastActivity < IDLE_ACK_MS) return;
          lastActivity = Date.now();
          void emitMarker(source, HEARTBEAT).catch((e) => log.warn(`heartbeat failed: ${(e as Error).message}`));
        }, IDLE_ACK_MS);
        const txs = capture.transactions();
        for (;;) {
          const step = txs.next();
          // Caught up: the server follows a commit with a keepalive, so `buffered` is rarely 0 right
          // after it. When no next transaction arrives within IDLE_FLUSH_MS, make the pending ones
          // durable now instead of holding them until the next commit.
          if (pendingPosition && await Promise.race([step.then(() => false), sleep(IDLE_FLUSH_MS).then(() => true)])) await flush();
          const next = await step;
          if (next.done) break;
          const tx = next.value;
          lastActivity = Date.now();
          const position = tx.position;
          const last = queue.lastPosition;
          if (last !== undefined && position <= last) continue; // replayed after a crash: already queued
          if (pendingPosition && position <= pendingPosition) continue;
          for (const e of tx.events) pending.push({ ...e, position });
          pendingPosition = position;
          pendingEnd = tx.endLsn;
          if (tx.markers.includes(r.marker) && CutoverState.get(meta, r.direction).status === 'INITIATED') {
            // Everything committed before the marker is in `pending` or already queued. The other
            // side restores its sequences from these values (this side is quiet now).
            const sequences = await readSequenceValues(source, meta);
            pending.push(markerEvent(r.marker, position));
            // The marker, its record in the cutover table and the sequence values are committed
            // together: a crash leaves either all of them or none (the source then replays the
            // marker's transaction and the next run writes it once).
            const markerEnd = lsnToPosition(pendingEnd);
            await queue.append(pending, pendingPosition, ({ lastVsn }) => {
              CutoverState.setMarker(meta, r.direction, lastVsn);
              meta.setValue(`sequences_at_${r.marker}`, sequences);
              meta.setValue(`${role}_marker_end_lsn`, markerEnd);
            });
            failpoint('queue.marker-after-append');
            capture.acknowledge(pendingEnd);
            meter.add(pending.length - 1);
            pending = [];
            pendingPosition = '';
            reachedMarker = true;
            abort.abort();
            await txs.return(undefined);
            break;
          }
          // Flush when caught up with the socket or the group is large: low latency under light
          // load, few fsyncs under heavy load.
          if (pending.length >= MAX_EVENTS_PER_APPEND || capture.buffered === 0) await flush();
        }
        if (!reachedMarker) await flush();
      } catch (e) {
        if (abort.signal.aborted) break;
        if (isTandemError(e) && e.code !== 'TANDEM_CONNECT') throw e;
        const fsError = fileSystemError(e); // meta.db on a full disk, say: not a stream interruption
        if (fsError) throw fsError;
        log.warn(`change stream interrupted: ${(e as Error).message}; reconnecting in ${delay} ms`);
        ctx.warn(`change stream interrupted (${(e as { code?: string }).code ?? (e as Error).message}); reconnecting in ${Math.round(delay / 1000)} s`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      } finally {
        if (idleTimer) clearInterval(idleTimer);
        abort.signal.removeEventListener('abort', stopOnAbort);
        await capture.stop().catch(() => {});
      }
    }
  } finally {
    clearInterval(metricsTimer);
    clearInterval(cutoverTimer);
    clearInterval(slotTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    show(true);
    await queue.close();
  }
  if (reachedMarker) {
    ctx.print(`The cutover marker is queued (vsn ${queue.lastVsn}); the ${role} stream is complete.`);
    return 'cutover';
  }
  ctx.print(`Export stopped; ${queue.lastVsn} events are queued. Run the same command again to continue streaming. The replication slot ${names.slot} keeps the ${role}'s WAL until then.`);
  return 'stopped';
}

/** Current sequence values of the migrated schemas on `db`. */
async function readSequenceValues(db: DbConfig, meta: Migration['meta']): Promise<SequenceInfo[]> {
  const client = await connectPg(db);
  try {
    const schemas = [...new Set(meta.snapshotTables().map((t) => t.schemaName))];
    return await readSequences(client, schemas);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Writes a transactional logical-decoding message: it is decoded after every earlier commit, and it
 * is committed synchronously so it (and every earlier commit) reaches the stream at once even on a
 * server that runs with synchronous_commit off.
 */
async function emitMarker(db: DbConfig, marker: MarkerKind | typeof HEARTBEAT): Promise<void> {
  const client = await connectPg(db);
  try {
    await emitDurableMessage(client, marker);
  } finally {
    await client.end().catch(() => {});
  }
}

async function loadPrimaryKeys(source: DbConfig, meta: Migration['meta']): Promise<Map<string, string[]>> {
  const client = await connectPg(source);
  try {
    const tables = meta.snapshotTables();
    const wanted = new Set(tables.map((t) => t.tableKey));
    const all = await listSourceTables(client, [...new Set(tables.map((t) => t.schemaName))]);
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

