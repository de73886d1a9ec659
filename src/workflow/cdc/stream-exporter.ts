import { TandemError, fileSystemError, isTandemError } from '../../core/errors.js';
import { diskBytes, filesystemUsedPercent, nearlyFullBytes } from '../../core/queue/segment-archiver.js';
import { queueSpace, queueSpaceWarning } from './queue-space.js';
import { log } from '../../core/logger.js';
import { describeDb } from '../../core/db-config.js';
import type { MetaStore } from '../../core/meta-store.js';
import type { Reporter } from '../../core/reporter.js';
import { markerEvent, type MarkerKind, type UnnumberedChangeEvent } from '../../core/change-event.js';
import type { TableInfo } from '../../core/engine/catalog.js';
import type { CapturedTransaction, ChangeCapture, ChangeStream, StreamConfirmations } from '../../core/engine/change-capture.js';
import { EventQueueWriter } from '../../core/queue/event-queue-writer.js';
import { queuedCommitTimeKey } from '../../core/queue/queue-tables.js';
import type { CommandEnv } from '../command-env.js';
import { migratedSchemas, migratedSequenceScope, type Migration, type Side } from '../migration-context.js';
import { recordSourceWriteProblems } from '../cutover/source-write-check.js';
import { CutoverState, watchCutover, type CutoverDirection } from '../cutover/cutover-state.js';
import { MetricsPrinter, RateMeter, renderMetrics } from './rate-meter.js';
import { sleep } from '../../core/sleep.js';
import { spokenDuration } from '../../core/progress.js';
import { failpoint, failpointDelay } from '../../core/failpoint.js';
import { TransactionParts, alreadyQueued, type QueuedParts } from './transaction-parts.js';
import { columnsChangedSinceSnapshot, FALLBACK_STREAM_LAYOUT_KEY, fallbackDriftWarnings, goneTablesWarning, layoutDrift, listMigratedTables, matchSnapshotTables, newTablesWarning, partitionDrift, partitionDriftWarnings, readStreamLayout, type StreamLayout, tableDriftSinceSnapshot, tablesGoneSinceSnapshot } from './schema-drift.js';
import { segmentBytesFromEnv } from './queue-segment-size.js';
import { clearStreamLost, recordStreamLost } from './stream-lost.js';

export type ExporterRole = 'source' | 'target';

/**
 * Where each exporter keeps its stream state, and which cutover ends its stream. The queue keeps
 * each exporter's last position apart (`EventQueueWriter`'s `exporter`), so the target's positions
 * never have to sort after the source's. `markerPositionKey` holds the position of the transaction
 * that carried the cutover marker (the name is the stored format). `partsKey` holds what the queue
 * holds of a transaction handed over in parts (`QueuedParts`), null when none.
 */
export const EXPORTER_ROLES: Record<ExporterRole, { replicationKey: string; startKey: string; markerPositionKey: string; partsKey: string; direction: CutoverDirection; marker: MarkerKind }> = {
  source: { replicationKey: 'source_replication', startKey: 'cdc_start_position', markerPositionKey: 'source_marker_end_lsn', partsKey: 'source_transaction_in_parts', direction: 'to_target', marker: 'cutover_to_target' },
  target: { replicationKey: 'target_replication', startKey: 'target_cdc_start_position', markerPositionKey: 'target_marker_end_lsn', partsKey: 'target_transaction_in_parts', direction: 'to_source', marker: 'cutover_to_source' },
};

/** Transactions are grouped into one queue append up to this many events (fewer fsyncs). */
const MAX_EVENTS_PER_APPEND = 5000;
const RETRY_MAX_MS = 15_000;
const RETENTION_CHECK_MS = 60_000;
/** How often a streaming exporter looks for tables created (or dropped) on the source: one catalog read. */
const TABLE_DRIFT_CHECK_MS = 15_000;
const IDLE_ACK_MS = 5_000;
/** With a working watch, look anyway this often (a missed notification costs no more). */
const CUTOVER_FALLBACK_MS = 1000;
/** How old the connection the cutover's sequence read uses may be (one short-lived connection to the database this often while streaming). */
const SEQUENCE_CONNECTION_REFRESH_MS = 120_000;

/** When the stream exporter makes its pending transactions durable (see `groupStep`); milliseconds and events. */
export interface GroupingSettings {
  readonly maxGroupMs: number;
  readonly minAppendIntervalMs: number;
  readonly behindGroup: number;
  readonly behindWaitMs: number;
  readonly maxBehindGroupMs: number;
  readonly backlogBehindMs: number;
  readonly idleWaitMs: number;
  readonly readAheadMs: number;
}

export const GROUPING: GroupingSettings = {
  /**
   * Most time a group waits for the socket to run dry: under a steady stream the socket is rarely
   * empty, and a group that only ended at MAX_EVENTS_PER_APPEND held its first transaction for up
   * to a second at 5,000 events/s (replication lag).
   */
  maxGroupMs: 10,
  /**
   * Least time between two appends of a live stream. Each append costs an fdatasync, a meta.db
   * commit, a wake-up of the importer and a transaction on the target, whatever its size: at
   * 3,400 changes/s (bench/cdc) appends every 7 ms carried 18 events (p50), and spacing them 25 ms
   * apart cut Tandem's CPU per change by about a third (the target's by a fifth). A transaction
   * after a quiet spell is appended at once; under load each waits at most this long. Not applied
   * after a backlog-sized append (`behindGroup` events or more): a backlog must not wait.
   */
  minAppendIntervalMs: 25,
  /**
   * A group of this many events when the socket runs dry means the stream is behind (a backlog),
   * unless the source tells that its newest transaction is fresh (`backlogBehindMs`).
   */
  behindGroup: 1000,
  /** ... and then waits this long for the next batch, growing towards MAX_EVENTS_PER_APPEND. */
  behindWaitMs: 5,
  /**
   * ... but appends once it has gathered this long. A live group can pass `behindGroup` after a slow
   * fsync or a hold (where the engine does not tell `sourceBehindMs`, it is then taken for a
   * backlog's); while batches keep coming within `behindWaitMs` it would otherwise gather
   * towards MAX_EVENTS_PER_APPEND (about 400 ms at 3,400 changes/s: the lag outliers of bench/cdc).
   * A real backlog fills MAX_EVENTS_PER_APPEND sooner than this.
   */
  maxBehindGroupMs: 100,
  /**
   * A large group is a backlog's only when its newest transaction was sent this long or longer after
   * its commit (`CapturedTransaction.sourceBehindMs`, where the engine tells it). A live stream's
   * group passes `behindGroup` after any hiccup at 14,000 changes/s (bench/cdc: 70 ms of changes),
   * and then gathered up to maxBehindGroupMs: the heartbeats' p99 of the group's wait was 126 ms
   * against 35-41 ms when such groups went as live ones (docs/benchmarks.md, twenty-ninth session).
   */
  backlogBehindMs: 1000,
  /** With nothing else to wait for: how long the next batch may take before the group is flushed anyway. */
  idleWaitMs: 10,
  /**
   * A hold that stopped reading the source (`holdGroup`) reads it again this long before it ends, so
   * that what waited in the connection is read by then and goes with the group. Resumed exactly at
   * the end, the first read's transactions went alone, and the rest (at 12,000 MySQL transactions/s,
   * 25 ms of them fill several reads) waited for the next hold: the lag's median doubled
   * (docs/benchmarks.md, thirty-second session).
   */
  readAheadMs: 5,
};

/**
 * What the exporter does with its pending group after handling a batch of transactions:
 * - `'append'` it now;
 * - `{ waitMs }`: wait up to that long for the next batch, and append if none arrives by then;
 * - `{ holdMs }`: gather for that long without looking at each batch as it arrives (the rate
 *   limit: nothing that arrives meanwhile could make the group go sooner), then decide again.
 * Pure; the times are milliseconds since the last append and since the group began gathering (its
 * first transaction arrived, or its last hold ended: what collected during a hold is read before it goes).
 */
/**
 * A change holding a value larger than Node.js can hold as one string or buffer (a text form of
 * more than about 512 million characters: a PostgreSQL bytea of more than about 256 MB, whose hex
 * text is twice its size), as TANDEM_UNSUPPORTED: every reconnection would meet it again (found by
 * an exploratory run: `export data` reconnected every 15 s for ever while the cutover waited for
 * its marker). Anything else: undefined.
 */
export function valueTooLargeError(e: unknown, side: string): TandemError | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  const tooLarge = code === 'ERR_STRING_TOO_LONG' || code === 'ERR_BUFFER_TOO_LARGE'
    || (e instanceof RangeError && /^(Invalid string length|Array buffer allocation failed)/.test(e.message));
  if (!tooLarge) return undefined;
  return new TandemError('TANDEM_UNSUPPORTED',
    `A change on the ${side} holds a value too large for Tandem to carry (${(e as Error).message}): one value of more than about 512 million characters as text (a bytea of more than about 256 MB). The stream cannot get past it; everything before it is queued.`,
    { hint: `Such a value cannot be migrated live. Leave its table out (--exclude-table-list) and migrate it offline at the cutover, or make the value smaller on the ${side}; either way start the migration again from a new snapshot (tandem end migration, then a new export dir and empty target tables).`, streamLost: true });
}

export function groupStep(g: {
  readonly pendingEvents: number; readonly socketEmpty: boolean; readonly sinceAppendMs: number; readonly sinceGroupMs: number;
  /** Events of the last append: a backlog-sized one (behindGroup or more) means the stream is behind, and is never held. */
  readonly lastAppendEvents: number;
  /** The newest pending transaction's `sourceBehindMs`; undefined when the engine does not tell. */
  readonly sourceBehindMs?: number;
}, c: GroupingSettings = GROUPING): 'append' | { readonly waitMs: number } | { readonly holdMs: number } {
  // A large group is a backlog's unless the source says its transactions are fresh.
  const backlog = g.pendingEvents >= c.behindGroup && !freshSource(g.sourceBehindMs, c);
  if (backlog && g.sinceGroupMs >= c.maxBehindGroupMs) return 'append';
  if (backlog) return { waitMs: g.socketEmpty ? c.behindWaitMs : c.idleWaitMs };
  if (g.sinceAppendMs < c.minAppendIntervalMs && g.lastAppendEvents < c.behindGroup) return { holdMs: Math.max(1, c.minAppendIntervalMs - g.sinceAppendMs) };
  if (g.socketEmpty || g.sinceGroupMs >= c.maxGroupMs) return 'append';
  return { waitMs: c.idleWaitMs };
}

/**
 * Whether the source says the newest transaction of a group is fresh: sent under `backlogBehindMs`
 * after its commit (`CapturedTransaction.sourceBehindMs`; false where the engine does not tell). It
 * decides twice:
 * - `groupStep`: a large group is a backlog's (gathered longer) only when it is not fresh;
 * - the hold: the exporter stops reading the source during a fresh group's hold, so that what the
 *   source sends meanwhile is read at once afterwards, instead of waking this process for every
 *   transaction (half the exporter's CPU at a live rate). Behind, a group must be able to grow past
 *   `behindGroup` during the hold, or every hold would let one socket read through, each append
 *   would stay small and be held again (a backlog exported 3x slower: docs/benchmarks.md,
 *   thirteenth session).
 */
export function freshSource(sourceBehindMs: number | undefined, c: GroupingSettings = GROUPING): boolean {
  return sourceBehindMs !== undefined && sourceBehindMs < c.backlogBehindMs;
}

/**
 * The exporter's hold (`groupStep`'s `holdMs`): sleeps `holdMs` or until `signal` aborts. When the
 * group is fresh (`freshSource` of its newest transaction's `sourceBehindMs`) and the stream can,
 * the source is not read for all but the hold's last `readAheadMs`, and is read again however the
 * hold ends. Resolves true when it stopped the reads. The pause point `cdc.while-paused` is reached
 * only then.
 */
export async function holdGroup(stream: Pick<ChangeStream, 'pauseReading' | 'resumeReading'>, sourceBehindMs: number | undefined, holdMs: number, signal: AbortSignal, c: GroupingSettings = GROUPING): Promise<boolean> {
  const pauseMs = holdMs - c.readAheadMs;
  if (pauseMs <= 0 || !freshSource(sourceBehindMs, c) || !stream.pauseReading) {
    await sleep(holdMs, signal);
    return false;
  }
  stream.pauseReading();
  try {
    const delayed = failpointDelay('cdc.while-paused');
    if (delayed) await delayed;
    await sleep(pauseMs, signal);
  } finally {
    stream.resumeReading?.();
  }
  await sleep(c.readAheadMs, signal);
  return true;
}

/**
 * Live export, second part (also what a restart resumes): streams every committed change of the
 * migrated tables into the queue. A transaction is acknowledged to the source only after its
 * events are fsynced and recorded in meta.db; after a crash the source replays from the last
 * acknowledgement and transactions at or before the exporter's last queued position are skipped,
 * so nothing is lost or queued twice. Connection failures are retried with backoff.
 *
 * Everything engine-specific is the side's change capture (`ChangeCapture`): the stream, markers,
 * the retention check. This function keeps the queue, the timers and the protocol.
 */
export async function streamChanges(env: CommandEnv, migration: Migration, side: Side, role: ExporterRole,
  options: { readonly tables?: TableInfo[]; readonly sayWriteProblemsAtOnce?: boolean } = {}): Promise<'stopped' | 'cutover'> {
  const { reporter } = env;
  const { meta, exportDir, uuid } = migration;
  const { db, engine } = side;
  const r = EXPORTER_ROLES[role];
  if (CutoverState.get(meta, r.direction).markerVsn !== undefined) return 'cutover'; // written by an earlier run
  const recorded = meta.getValue<Record<string, string>>(r.replicationKey);
  const startPosition = meta.getValue<string>(r.startKey);
  if (!recorded || !startPosition) throw new TandemError('TANDEM_EXPORT_DIR', `The ${role} change stream's state in meta.db is incomplete.`, { hint: 'Start a new migration in a new export dir.' });
  const capture = engine.changeCapture(db, { id: uuid, side: role, spillDir: exportDir.tempDir });
  const queue = EventQueueWriter.open(exportDir.queueDir, meta, { exporter: role, segmentBytes: segmentBytesFromEnv() });
  const tables = options.tables ?? await capturedTables(side, meta);
  // A migrated table attached since as a partition of another is not gone: its rows stream as that one's.
  const attachedAtStart = new Set(role === 'source' ? partitionDrift(meta, tables).attached.map((c) => c.partition) : []);
  const goneAtStart = role === 'source' ? tablesGoneSinceSnapshot(meta, tables).filter((t) => !attachedAtStart.has(t)) : [];
  if (role === 'source') {
    for (const w of columnsChangedSinceSnapshot(meta, tables, describeDb(db))) reporter.warn(w);
    if (goneAtStart.length > 0) reporter.warn(goneTablesWarning(goneAtStart, describeDb(db)));
  }
  let reachedMarker = false;
  const parts = new TransactionParts(meta.getValue<QueuedParts | null>(r.partsKey) ?? undefined);
  const totalAtStart = queue.lastVsn;
  // The queue's numbering runs on across directions: the target's events come after the source's,
  // from the cutover marker on, and the spec's totals are this exporter's own.
  const base = role === 'target' ? CutoverState.get(meta, 'to_target').markerVsn ?? 0 : 0;
  const meter = new RateMeter();
  const printer = new MetricsPrinter(reporter.stdout);
  const show = (force = false) => printer.show(renderMetrics([
    ['Total Exported Events', String(Math.max(0, queue.lastVsn - base))],
    ['Total Exported Events (Current Run)', String(queue.lastVsn - totalAtStart)],
    ['Export Rate(Last 3 min)', `${Math.round(meter.rate(3))}/sec`],
    ['Export Rate(Last 10 min)', `${Math.round(meter.rate(10))}/sec`],
  ]), force);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const metricsTimer = setInterval(() => show(), 1000);
  // The counters are read once the marker arrives, on a connection kept open (and replaced every
  // SEQUENCE_CONNECTION_REFRESH_MS) while streaming: opened only when the request is seen, it was
  // still connecting when the marker came back (bench/cutover: the read took 73-90 ms, most of it
  // the connection's set-up, while the application waited).
  const sequences = engine.sequences(db);
  sequences.warm?.(SEQUENCE_CONNECTION_REFRESH_MS);
  const cutoverWatch = watchForCutover(reporter, meta, exportDir.metainfoDir, capture, role, () => sequences.warm?.());
  let diskWarnedAt: number | undefined;
  const checkQueueSpace = async () => {
    const space = queueSpace(meta, exportDir.metainfoDir, await filesystemUsedPercent(exportDir.queueDir));
    const w = queueSpaceWarning(space, diskWarnedAt, exportDir.root);
    diskWarnedAt = w.warnedAt;
    if (w.message) reporter.warn(w.message);
  };
  // Tables created on the source after the snapshot, and migrated ones dropped, each said once per run.
  const driftSaid = new Set<string>(goneAtStart.map((t) => `gone ${t}`));
  // Each said once per run: the items not said yet, now marked said.
  const unsaid = <T>(kind: string, items: readonly T[], name: (item: T) => string): T[] => items.filter((item) => {
    const key = `${kind} ${name(item)}`;
    if (driftSaid.has(key)) return false;
    driftSaid.add(key);
    return true;
  });
  const checkNewTables = async () => {
    if (role !== 'source') {
      // The target's layout when its fall-back stream began, recorded by the cutover (or here, by a first run of an export dir from before it was).
      const was = meta.getValue<StreamLayout>(FALLBACK_STREAM_LAYOUT_KEY);
      const now = await readStreamLayout(side, meta);
      if (!was) {
        meta.setValue(FALLBACK_STREAM_LAYOUT_KEY, now);
        return;
      }
      const drift = layoutDrift(was, now);
      const fresh = {
        created: unsaid('new', drift.created, (t) => t), gone: unsaid('gone', drift.gone, (t) => t),
        attached: unsaid('attached', drift.attached, (c) => c.partition), detached: unsaid('detached', drift.detached, (c) => c.partition),
      };
      for (const w of fallbackDriftWarnings(fresh, describeDb(db), new Set(meta.snapshotTables().map((t) => t.tableKey)))) reporter.warn(w);
      return;
    }
    const drift = await tableDriftSinceSnapshot(side, meta);
    const fresh = unsaid('new', drift.created, (t) => t);
    const attachedNow = new Set(drift.attached.map((c) => c.partition));
    const gone = unsaid('gone', drift.gone.filter((t) => !attachedNow.has(t)), (t) => t);
    if (fresh.length > 0) reporter.warn(newTablesWarning(fresh, describeDb(db)));
    if (gone.length > 0) reporter.warn(goneTablesWarning(gone, describeDb(db)));
    const partitions = { attached: unsaid('attached', drift.attached, (c) => c.partition), detached: unsaid('detached', drift.detached, (c) => c.partition) };
    for (const w of partitionDriftWarnings(partitions, describeDb(db), new Set(meta.snapshotTables().map((t) => t.tableKey)))) reporter.warn(w);
  };
  // What would stop the fall-back's writes into the source (a trigger set to fire in replica
  // sessions, a privilege taken away) is looked at while streaming, so that initiate cutover with
  // fall-back can refuse before the application stops (measured before: found by import data to
  // source only after the cutover completed). Said here when it appears after the first look, and
  // at the first look of a restart.
  let writeProblemsSeen: string | undefined;
  const checkSourceWrites = async (say: boolean) => {
    if (role !== 'source') return;
    const problems = await recordSourceWriteProblems(migration, side);
    const text = problems?.findings.map((f) => f.message).join(' ');
    if (say && text && text !== writeProblemsSeen) {
      reporter.warn(`"import data to source" could not write a fall-back into the source now: ${text} Fix: ${problems!.findings.map((f) => f.fix).join(' ')} `
        + 'Until it is fixed, "initiate cutover to target --prepare-for-fall-back true" is refused (this is looked at again every minute).');
    }
    writeProblemsSeen = text;
  };
  const retentionTimer = setInterval(() => {
    checkSourceWrites(true).catch((e) => log.debug(`source write check failed: ${(e as Error).message}`));
    void capture.retentionWarning().then(
      (w) => { if (w) reporter.warn(w); },
      () => { /* a failed check is not a reason to stop streaming */ });
  }, RETENTION_CHECK_MS);
  // The disk every 15 s too (one statfs): once a minute, a fast fill got no warning before it was
  // full (found by the ops-edges run); the warning itself is rate-limited (queueSpaceWarning).
  const driftTimer = setInterval(() => {
    checkQueueSpace().catch((e) => log.debug(`queue space check failed: ${(e as Error).message}`));
    checkNewTables().catch((e) => log.debug(`new-table check failed: ${(e as Error).message}`));
  }, TABLE_DRIFT_CHECK_MS);
  reporter.print(`Streaming changes from the ${role} ${describeDb(db)} (${capture.labels.brief}) into ${exportDir.queueDir}. Stop with Ctrl-C; a restart resumes.`);
  // At once, then every 15 s: a disk already nearly full is said before it fills.
  await checkQueueSpace().catch((e) => log.debug(`queue space check failed: ${(e as Error).message}`));
  // Beside the stream's start, not before it: on the target it is the fall-back stream, started
  // right after the cutover, while the application writes there (bench/cutover: the layout's read,
  // on a connection of its own, held the stream's start back), and on either side it only warns.
  void checkNewTables().catch((e) => log.debug(`new-table check failed: ${(e as Error).message}`));
  // Measured before: a restarted export never warned, and initiate with fall-back was refused later (the docs-claims run).
  void checkSourceWrites(options.sayWriteProblemsAtOnce === true).catch((e) => log.debug(`source write check failed: ${(e as Error).message}`));
  // Idle positions the source may confirm beyond the last queued transaction: in meta.db first, so
  // that a restart can tell an export dir older than the stream (StreamConfirmations). At most one
  // fsynced record a second; a keepalive skipped meanwhile is confirmed with the next one.
  const idleKey = `${role}_stream_idle_confirmed`;
  const commitTimeKey = queuedCommitTimeKey(role);
  let idleRecordedAt = 0;
  const confirmations: StreamConfirmations = {
    get lastRecorded() { return meta.getValue<string>(idleKey); },
    record: (position) => {
      if (Date.now() - idleRecordedAt < 1000) throw new Error('recorded less than a second ago');
      meta.setValue(idleKey, position);
      idleRecordedAt = Date.now();
    },
  };
  let delay = 500;
  // Why the last turn's queue append failed on a full disk: the next turn waits for room first.
  let diskFull: string | undefined;
  let lastRoomAt = -Infinity;
  // When the stream was interrupted (undefined while it runs): its return is said on screen too.
  let interruptedAt: number | undefined;
  // A reconnected stream describes the tables again, and would warn again about a change already said.
  const streamWarnings = new Set<string>();
  const streamWarning = (m: string) => {
    if (streamWarnings.has(m)) return;
    streamWarnings.add(m);
    reporter.warn(m);
  };
  try {
    while (!abort.signal.aborted) {
      if (diskFull !== undefined) {
        await waitForRoom(reporter, exportDir.root, exportDir.queueDir, role, engine.capabilities.acknowledgesPositions
          ? `the ${capture.labels.stream} keeps the ${role}'s changes not yet queued`
          : `the ${role}'s ${capture.labels.changeLog} holds the changes not yet queued until the ${role} purges it`, diskFull,
          Date.now() - lastRoomAt < 10 * 60_000, () => queueSpace(meta, exportDir.metainfoDir, 100).freeableBytes, abort.signal);
        diskFull = undefined;
        lastRoomAt = Date.now();
        if (abort.signal.aborted) break;
      }
      const resumeFrom = queue.lastPosition ?? startPosition;
      const stream = capture.open(resumeFrom, tables, streamWarning, confirmations);
      const stopOnAbort = () => void stream.stop().catch(() => {}); // the loop's finally stops it again and waits
      let idleTimer: NodeJS.Timeout | undefined;
      abort.signal.addEventListener('abort', stopOnAbort);
      try {
        await stream.start();
        log.info(`change stream started at ${capture.describePosition(resumeFrom)}`);
        if (interruptedAt !== undefined) {
          reporter.print(`The change stream from the ${role} is back after ${Math.round((Date.now() - interruptedAt) / 1000)} s; streaming again from where it was queued.`);
          interruptedAt = undefined;
        }
        clearStreamLost(meta, role); // an earlier run's lost stream is back (a purged file restored, say)
        // A heartbeat now also opens the connection a cutover marker is written through.
        void capture.writeMarker('heartbeat').catch((e) => log.warn(`heartbeat failed: ${(e as Error).message}`));
        delay = 500;
        let pending: UnnumberedChangeEvent[] = [];
        // The last transaction of `pending`: what is acknowledged once the group is durable.
        let pendingTx: CapturedTransaction | undefined;
        // The latest source commit time among `pending`'s transactions (where the engine tells it).
        let pendingCommitMs: number | undefined;
        // When the group's first transaction arrived (it is the one that has waited longest).
        let groupSince = 0;
        let flushing = false;
        // When the last append finished (0: none yet in this connection, so the first is not held).
        let lastAppendAt = 0;
        let lastAppendEvents = 0;
        const flush = async () => {
          if (!pendingTx) return;
          flushing = true;
          try {
            const t0 = Date.now();
            // A group that holds a transaction's last part clears, in its commit, the record of its earlier parts.
            const clears = parts.clearsRecord;
            const committedAt = pendingCommitMs;
            await queue.append(pending, pendingTx.position, clears || committedAt !== undefined ? () => {
              if (clears) meta.setValue(r.partsKey, null);
              if (committedAt !== undefined) meta.setValue(commitTimeKey, committedAt);
            } : undefined);
            if (clears) parts.lastPartQueued();
            lastAppendAt = Date.now();
            lastAppendEvents = pending.length;
            if (log.level === 'debug') {
              const sent = pendingTx.sourceBehindMs === undefined ? '' : `; its newest transaction was sent ${Math.round(pendingTx.sourceBehindMs)} ms after its commit`;
              log.debug(`queued ${pending.length} events in ${Date.now() - t0} ms, ${t0 - groupSince} ms after the group's first transaction arrived${sent}`);
            }
            failpoint('queue.after-commit-before-ack');
            stream.acknowledge(pendingTx);
            meter.add(pending.length);
            pending = [];
            pendingTx = undefined;
            pendingCommitMs = undefined;
          } finally {
            flushing = false;
          }
        };
        // While the migrated tables are quiet, write a heartbeat into the change log: it comes back
        // through the stream like any transaction, is queued (as a position only) and acknowledged,
        // so the stream moves on and does not keep the log other tables write. Only positions of
        // queued transactions are ever acknowledged, never the server's keepalive positions.
        let lastActivity = Date.now();
        idleTimer = setInterval(() => {
          if (flushing || pendingTx || reachedMarker || Date.now() - lastActivity < IDLE_ACK_MS) return;
          lastActivity = Date.now();
          void capture.writeMarker('heartbeat').catch((e) => log.warn(`heartbeat failed: ${(e as Error).message}`));
        }, IDLE_ACK_MS);
        // Streams that can hand out everything already received at once save an await per transaction.
        const batches = stream.transactionBatches?.() ?? oneByOne(stream.transactions());
        parts.streamStarted();
        let flushWaitMs = GROUPING.idleWaitMs;
        let holdMs = 0;
        let heldUntil = 0;
        stream: for (;;) {
          const step = batches.next();
          // The stream may fail (walsender terminated, connection cut) while this loop awaits
          // something else (the hold below): `step` then rejects with nobody listening yet, which
          // Node.js treats as an uncaught error and exits on. Its rejection still reaches `await
          // step` below, which reconnects.
          step.catch(() => {});
          if (pendingTx && holdMs > 0) {
            // The rate limit: let what arrives meanwhile collect (one look at it afterwards, not one
            // per arrival), then append unless more is already here.
            const delayed = failpointDelay('cdc.before-hold');
            if (delayed) await delayed;
            await holdGroup(stream, pendingTx.sourceBehindMs, holdMs, abort.signal);
            holdMs = 0;
            heldUntil = Date.now();
            flushWaitMs = 0;
          }
          // Caught up: the server follows a commit with a keepalive, so `buffered` is rarely 0 right
          // after it. When no next transaction arrives within the wait `groupStep` chose, make the
          // pending ones durable now instead of holding them until the next commit.
          // (A step that fails is not a wait that ended: its error is taken below.)
          if (pendingTx && await Promise.race([step.then(() => false, () => false), sleep(flushWaitMs).then(() => true)])) await flush();
          let next: Awaited<typeof step>;
          try {
            next = await step;
          } catch (e) {
            // A stream that stops for good (a partial row image, XA, a purged binlog…) stops after
            // every whole transaction it handed out before: they are queued first, as the docs say.
            // (A flush that fails then does not hide the stream's error.)
            if (pendingTx && isTandemError(e) && e.code !== 'TANDEM_CONNECT' && !abort.signal.aborted) {
              await flush().catch((f) => log.warn(`queuing the transactions before the stream's error failed: ${(f as Error).message}`));
            }
            throw e;
          }
          if (next.done) break;
          lastActivity = Date.now();
          for (const tx of next.value) {
            const { position } = tx;
            // Replayed after a crash or a reconnection: already queued.
            if (alreadyQueued(tx, queue.lastPosition) || (pendingTx && alreadyQueued(tx, pendingTx.position))) continue;
            if (parts.skipsPositionOnly(tx)) continue;
            const events = parts.unqueuedEvents(tx);
            if (tx.continues) {
              // A part of a transaction too large to hold: queued at once (after the whole ones
              // before it), without moving the queue's position; meta.db records, in the same
              // commit, how much of the transaction the queue holds.
              await flush();
              if (events.length > 0) {
                const at = queue.lastPosition ?? startPosition;
                const record = parts.partRecord(tx, at, events.length);
                await queue.append(events.map((e) => (e.position === position ? e : { ...e, position })), at, () => meta.setValue(r.partsKey, record));
                parts.partQueued(record);
                failpoint('queue.after-part-commit');
                lastAppendAt = Date.now();
                lastAppendEvents = events.length;
                meter.add(events.length);
              }
              continue;
            }
            // Events that already carry their transaction's position are queued as they are.
            for (const e of events) pending.push(e.position === position ? e : { ...e, position });
            if (!pendingTx) groupSince = Date.now();
            pendingTx = tx;
            if (tx.commitTimeMs !== undefined) pendingCommitMs = Math.max(pendingCommitMs ?? tx.commitTimeMs, tx.commitTimeMs);
            if (tx.markers.includes(r.marker) && CutoverState.get(meta, r.direction).status === 'INITIATED') {
              // Everything committed before the marker is in `pending` or already queued. The other
              // side restores its sequences from these values (this side is quiet now).
              const held = failpointDelay('cdc.before-marker');
              if (held) await held;
              const values = await sequences.read(migratedSchemas(meta), migratedSequenceScope(meta));
              pending.push(markerEvent(r.marker, position));
              // The marker, its record in the cutover table and the sequence values are committed
              // together: a crash leaves either all of them or none (the source then replays the
              // marker's transaction and the next run writes it once).
              const clears = parts.clearsRecord;
              await queue.append(pending, position, ({ lastVsn }) => {
                if (clears) meta.setValue(r.partsKey, null);
                CutoverState.setMarker(meta, r.direction, lastVsn);
                meta.setValue(`sequences_at_${r.marker}`, values);
                meta.setValue(r.markerPositionKey, position);
              });
              if (clears) parts.lastPartQueued();
              failpoint('queue.marker-after-append');
              stream.acknowledge(tx);
              meter.add(pending.length - 1);
              pending = [];
              pendingTx = undefined;
              reachedMarker = true;
              abort.abort();
              await batches.return(undefined);
              break stream;
            }
            if (pending.length >= MAX_EVENTS_PER_APPEND) await flush();
          }
          // Append when caught up with the socket (low latency under light load), but not sooner
          // than GROUPING.minAppendIntervalMs after the last append (few appends under a steady
          // stream: each costs fsyncs, a wake-up and a transaction on the other side), or once the
          // group's first transaction has waited GROUPING.maxGroupMs while the socket never ran dry.
          // A group that is already large when the socket runs dry means the stream is behind (a
          // backlog): the next batch follows at once, so the group waits for it a little (the race
          // above) and grows towards MAX_EVENTS_PER_APPEND, which also hands the importer larger groups.
          flushWaitMs = GROUPING.idleWaitMs;
          if (pendingTx) {
            const now = Date.now();
            const decision = groupStep({ pendingEvents: pending.length, socketEmpty: stream.buffered === 0, sinceAppendMs: now - lastAppendAt, sinceGroupMs: now - Math.max(groupSince, heldUntil), lastAppendEvents, sourceBehindMs: pendingTx.sourceBehindMs });
            if (decision === 'append') await flush();
            else if ('holdMs' in decision) holdMs = decision.holdMs;
            else flushWaitMs = decision.waitMs;
          }
        }
        if (!reachedMarker) await flush();
      } catch (e) {
        if (abort.signal.aborted) break;
        if (isTandemError(e) && e.streamLost) recordStreamLost(meta, role, e);
        // A full disk pauses the stream instead of ending the command: the append that did not fit
        // was cut back, the source was not told, and the stream resumes from the last queued
        // transaction once there is room, as after an interruption (measured before: the exporter
        // stopped with TANDEM_DISK, and with a backlog each rerun filled the disk again before
        // "archive changes" could free it; the ops-edges-50 run).
        const full = isTandemError(e) && e.code === 'TANDEM_DISK' ? e : fileSystemError(e)?.code === 'TANDEM_DISK' ? e : undefined;
        if (full !== undefined) {
          // Waited for at the next turn, once the stream is stopped (below): a stream left open and
          // unread would fill memory, or be dropped by the server, while the disk stays full.
          diskFull = (full as Error).message;
          continue;
        }
        if (isTandemError(e) && e.code !== 'TANDEM_CONNECT') throw e;
        const fsError = fileSystemError(e); // meta.db on a full disk, say: not a stream interruption
        if (fsError) throw fsError;
        // The same change would fail the same way after every reconnection: stop, saying why.
        const tooLarge = valueTooLargeError(e, role);
        if (tooLarge) {
          recordStreamLost(meta, role, tooLarge);
          throw tooLarge;
        }
        log.warn(`change stream interrupted: ${(e as Error).message}; reconnecting in ${delay} ms`);
        // From when the engine began reconnecting by itself, if it did: the outage began then.
        interruptedAt ??= stream.interruptedSince ?? Date.now();
        reporter.warn(`the change stream from the ${role} was interrupted (${String((e as Error).message).split('\n')[0]!.replace(/\.$/, '')}); reconnecting in ${Math.round(delay / 1000)} s (nothing queued is lost)`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      } finally {
        if (idleTimer) clearInterval(idleTimer);
        abort.signal.removeEventListener('abort', stopOnAbort);
        await stream.stop().catch(() => {});
      }
    }
  } finally {
    clearInterval(metricsTimer);
    cutoverWatch.stop();
    await sequences.close?.().catch(() => {});
    clearInterval(retentionTimer);
    clearInterval(driftTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    show(true);
    await queue.close();
    await capture.close?.().catch(() => {});
  }
  if (reachedMarker) {
    reporter.print(`The cutover marker is queued (vsn ${queue.lastVsn}); the ${role} stream is complete.`);
    return 'cutover';
  }
  const kept = engine.capabilities.acknowledgesPositions
    ? `The ${capture.labels.stream} keeps the ${role}'s ${capture.labels.changeLog} until then.`
    : `The ${role} purges its ${capture.labels.changeLog} on its own schedule: restart before it removes what the stream still needs.`;
  // This stream's own, as its metrics count them (measured before: the target's stream said both directions' sum; the newuser-50 run).
  reporter.print(`Export stopped; ${Math.max(0, queue.lastVsn - base)} events are queued. Run the same command again to continue streaming. ${kept}`);
  return 'stopped';
}

/** How often a stream paused on a full disk looks for room. */
const ROOM_LOOK_MS = 2000;

/**
 * Waits, on a full disk, until the export dir's disk has room again: `nearlyFullBytes` (64 MiB, or
 * a quarter of a smaller disk) more than was free when the pause began, so that the append that did not fit
 * fits now (measured before: a tenth of the disk free was taken for room while the append needed
 * more, and the stream paused and went on in a loop). Says when the pause begins and when it ends;
 * `again`: a pause soon after the last, said in one line. Returns at once on an abort.
 */
async function waitForRoom(reporter: Reporter, exportRoot: string, queueDir: string, role: ExporterRole, kept: string, why: string, again: boolean,
  freeable: () => number, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const atStart = diskBytes(queueDir);
  const more = atStart ? nearlyFullBytes(atStart.total) : 0;
  const need = atStart ? atStart.free + more : 0;
  const room = () => (diskBytes(queueDir)?.free ?? -1) >= need;
  // What "archive changes" could free now (measured before: it was advised when it could free
  // nothing, the applied changes being in the segment still written; the fix-verify-51 run).
  let canFree = 0;
  try {
    canFree = freeable();
  } catch {
    // meta.db unreadable: said as nothing to free.
  }
  const archive = canFree > 0
    ? `"tandem archive changes --export-dir ${exportRoot} --move-to <dir on another disk>" (or --delete-changes-without-archiving true) also frees the ${mib(canFree)} of change segments every importer has applied`
    : '"archive changes" can free nothing now: no segment every importer has applied is closed yet (a segment closes at its full size)';
  const cutover = 'A cutover cannot be initiated meanwhile: its request is written in the export dir.';
  if (again) reporter.warn(`The export dir's disk is full again: streaming from the ${role} is paused again, nothing lost; it goes on by itself once ${mib(more)} more are free.`);
  else {
    reporter.warn(`The export dir's disk is full (${exportRoot}): streaming from the ${role} is paused, and nothing is lost (${kept}). It goes on by itself once ${mib(more)} more are free on that disk: `
      + `free space there (delete or move other files; ${archive}). ${cutover}`);
  }
  log.warn(`queue disk full (${why}); paused until ${need} bytes are free`);
  while (!signal.aborted && !room()) await sleep(ROOM_LOOK_MS, signal);
  if (signal.aborted) return;
  reporter.print(`The export dir's disk has room again after ${spokenDuration((Date.now() - started) / 1000)}: streaming from the ${role} goes on.`);
}

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A stream's transactions one at a time, as one-element batches. */
async function* oneByOne(txs: AsyncGenerator<CapturedTransaction>): AsyncGenerator<readonly CapturedTransaction[]> {
  for await (const tx of txs) yield [tx];
}

/**
 * Watches for a cutover request (this wait is part of the application's downtime: `initiate
 * cutover` commits to meta.db, and that commit wakes this watch at once) and then writes the marker
 * into the change log, where it arrives after every change committed before it. A failed write is
 * retried every 5 s while the request stands.
 */
export function watchForCutover(reporter: Reporter, meta: MetaStore, metainfoDir: string, capture: Pick<ChangeCapture, 'writeMarker' | 'labels'>, role: ExporterRole,
  onRequest: () => void, retryMs = 5000): { stop(): void } {
  const r = EXPORTER_ROLES[role];
  const stop = new AbortController();
  const watch = watchCutover(meta, metainfoDir, r.direction, (c) => c.status === 'INITIATED', () => {
    log.info('cutover request seen; writing the marker');
    onRequest();
    void writeMarkerRetrying(reporter, meta, capture, role, stop.signal, retryMs);
  }, CUTOVER_FALLBACK_MS);
  return {
    stop: () => {
      stop.abort();
      watch.stop();
    },
  };
}

async function writeMarkerRetrying(reporter: Reporter, meta: MetaStore, capture: Pick<ChangeCapture, 'writeMarker' | 'labels'>, role: ExporterRole,
  signal: AbortSignal, retryMs: number): Promise<void> {
  const r = EXPORTER_ROLES[role];
  let warned = false;
  for (;;) {
    try {
      await capture.writeMarker(r.marker);
      if (warned) noteMarkerProblem(meta, r.direction, undefined);
      reporter.print(`Cutover requested: waiting for the marker to come through the ${role} stream.`);
      return;
    } catch (e) {
      // Retry, but not at once: the database may be briefly unreachable.
      if (!warned) {
        reporter.warn(`could not write the cutover marker into the ${role}'s ${capture.labels.changeLog} (${(e as Error).message}); retrying every 5 s.`);
        // cutover status says why too (measured before: only "waiting for … to write the cutover marker"; the server-restarts run).
        noteMarkerProblem(meta, r.direction, (e as Error).message.split('\n')[0]!);
      }
      warned = true;
      log.warn(`could not write the cutover marker: ${(e as Error).message}`);
    }
    await sleep(retryMs, signal);
    if (signal.aborted || !stillRequested(meta, r.direction)) return;
  }
}

/** Records (or clears) why the marker cannot be written, for cutover status; a busy meta.db only loses the note. */
function noteMarkerProblem(meta: MetaStore, direction: CutoverDirection, problem: string | undefined): void {
  try {
    CutoverState.note(meta, direction, { markerWriteFails: problem });
  } catch (e) {
    log.warn(`could not note the marker's problem in meta.db: ${(e as Error).message}`);
  }
}

/** Whether the direction's cutover still waits for its marker (a busy meta.db counts as yes: retry). */
function stillRequested(meta: MetaStore, direction: CutoverDirection): boolean {
  try {
    return CutoverState.get(meta, direction).status === 'INITIATED';
  } catch {
    return true;
  }
}

/** The migrated tables as the streamed database's catalog has them now (their primary keys name the rows). */
export async function capturedTables({ db, engine }: Side, meta: MetaStore): Promise<TableInfo[]> {
  const catalog = await engine.openCatalog(db);
  try {
    // The identities the snapshot recorded are the source's: on the target (a fall-back's stream) tables go by name.
    const byIdentity = db.role === 'source';
    return matchSnapshotTables(meta, await listMigratedTables(catalog, meta, byIdentity), byIdentity).tables;
  } finally {
    await catalog.close();
  }
}
