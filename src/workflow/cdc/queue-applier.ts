import type { ChangeEvent, MarkerKind } from '../../core/change-event.js';
import { log } from '../../core/logger.js';
import { TandemError } from '../../core/errors.js';
import { tableKeyOf, type TableInfo, type TableReferentialAction } from '../../core/engine/catalog.js';
import { CutoverState } from '../cutover/cutover-state.js';
import { EventQueueReader } from '../../core/queue/event-queue-reader.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import { queuedCommitTimeKey, readQueueState } from '../../core/queue/queue-tables.js';
import type { CommandEnv } from '../command-env.js';
import { migratedSchemas, type Migration, type Side } from '../migration-context.js';
import { loadEngine } from '../../adapters/engines.js';
import { ChangeDispatcher } from './change-dispatcher.js';
import { MetricsPrinter, RateMeter, estimateCatchUp, renderMetrics } from './rate-meter.js';
import { failpoint, faultpoint, type FailpointName } from '../../core/failpoint.js';
import type { ChangeTarget, ChannelProgress } from '../../core/change-target.js';
import { describeDb } from '../../core/db-config.js';
import { EarlyVerification, earlyFindingText, type EarlyVerificationOptions } from '../verify/early-verification.js';
import type { TableComparison } from '../verify/table-comparison.js';
import { ProducerWatch } from './producer-watch.js';
import { diskNearlyFull } from '../../core/queue/segment-archiver.js';
import { streamLost } from './stream-lost.js';
import { isRunning } from '../streaming-commands.js';

export interface QueueApplyOptions {
  /** Which importer this is; its low watermark is kept in meta.db under this name. */
  readonly consumer: 'target' | 'source';
  /** The database written to, and its engine (whose change writer applies the events). */
  readonly side: Side;
  /** Parallel channels; fixed for the life of the migration (the first run's value is kept). */
  readonly channels: number;
  /** The user gave `channels` (`--parallel-jobs`): said when the kept count differs from it. */
  readonly channelsGiven?: boolean;
  readonly batchSize: number;
  /** Apply everything before this marker, then stop. */
  readonly stopAtMarker: MarkerKind;
  /** Start after this vsn even if the consumer has no watermark yet (fall-back starts after the cutover marker). */
  readonly startAfterVsn?: number;
  /** Verify quiet tables while streaming (`EarlyVerification`); opens the comparison's sides. */
  readonly openEarlyComparison?: EarlyVerificationOptions['open'];
  /** Stops the apply as Ctrl-C does (what is committed stays; a rerun resumes). */
  readonly signal?: AbortSignal;
}

export interface QueueApplyResult {
  /** The marker event, once everything before it is applied; undefined when interrupted. */
  readonly marker?: ChangeEvent;
  /** With a marker and `openEarlyComparison`: the early matches that still hold at the marker. */
  readonly stillValid?: Map<string, TableComparison>;
  /**
   * With a marker: resolves once the writer's and the early verification's connections are closed.
   * They close while the caller goes on with the cutover (part of the application's downtime);
   * await it before the process ends. Without a marker they are closed before applyQueue returns.
   */
  readonly closed: Promise<void>;
}

/**
 * Events read from the queue before the dispatcher starts the idle channels: the events of one
 * exporter append are spread over the channels first, so each channel's transaction carries a
 * share of the whole append rather than of a small part of it (fewer, larger transactions).
 */
const READ_BATCH = 5000;

/**
 * Most time between a commit on the written database and meta.db's record of the new watermark
 * (what `get data-migration-report` shows, and what lets the exporter delete applied segments).
 * Each record is an fsynced commit that blocks this thread for milliseconds: at 250 ms they took
 * 2.3% of the importer's time in bench/cdc.
 */
const WATERMARK_RECORD_MS = 1000;

/**
 * Applies the queue to one database exactly once, in parallel channels, following the exporter
 * until the given marker (a cutover) has been reached or the user stops it (Ctrl-C; a rerun resumes).
 * Shows the spec's import metrics.
 */
/** Per migration, the tables whose early match was said (`applyQueue`'s onPass). */
const SAID_MATCHED = new WeakMap<Migration, Set<string>>();

export async function applyQueue(env: CommandEnv, migration: Migration, opts: QueueApplyOptions): Promise<QueueApplyResult> {
  const { reporter } = env;
  const { meta, exportDir, uuid } = migration;
  const { db, engine } = opts.side;
  const channelsKey = `channels_${opts.consumer}`;
  const channels = meta.getValue<number>(channelsKey) ?? opts.channels;
  meta.setValue(channelsKey, channels);
  // A row's channel is its key's hash modulo the count: another count would reorder a key's
  // changes across channels, so the first run's stays (measured before: kept in silence; the pg-chaos run).
  if (opts.channelsGiven && channels !== opts.channels) {
    reporter.warn(`--parallel-jobs ${opts.channels}: the change import keeps the ${channels} channels it started with (a key's changes stay on one channel, in order); how many of them apply at once follows the backlog.`);
  }
  const catalog = await engine.openCatalog(db);
  let tables: TableInfo[];
  try {
    // The written database's own primary keys; the columns are the ones the snapshot copied.
    const onDb = new Map((await catalog.listTables(migratedSchemas(meta))).map((t) => [tableKeyOf(t), t]));
    tables = meta.snapshotTables().map((t) => ({
      schema: t.schemaName, name: t.tableName, primaryKey: onDb.get(t.tableKey)?.primaryKey ?? [], columns: t.columns, estimatedRows: 0, estimatedBytes: 0,
    }));
  } finally {
    await catalog.close();
  }
  // The stream's producer: the source for the target's importer, the target for the source's.
  const producer = meta.getDbConfig(opts.consumer === 'target' ? 'source' : 'target');
  const foreignKeyActions = producer !== undefined && (await loadEngine(producer.type)).capabilities.streamOmitsForeignKeyActions;
  const referentialActions = foreignKeyActions ? meta.getValue<TableReferentialAction[]>('source_referential_actions') : undefined;
  const target = withFailpointAfterCommit(engine.changeWriter(db, { tables, onWarning: (m) => reporter.warn(m), onNotice: (m) => reporter.print(m), foreignKeyActions, referentialActions }),
    opts.consumer === 'source' ? 'fallback.after-batch-commit' : 'apply.after-batch-commit',
    (progress) => assertNotBehind(meta.getValue<number[]>(channelAppliedKey), progress, opts.consumer, describeDb(db)));
  QueueConsumers.register(meta, opts.consumer, opts.startAfterVsn ?? 0);
  const startAfter = Math.max(QueueConsumers.appliedVsn(meta, opts.consumer) ?? 0, opts.startAfterVsn ?? 0);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (opts.signal?.aborted) abort.abort();
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  let marker: ChangeEvent | undefined;
  const meter = new RateMeter();
  const printer = new MetricsPrinter(reporter.stdout);
  let watermark = startAfter;
  // meta.db's copy of the watermark (the written database's progress rows are the truth) is
  // recorded at most every WATERMARK_RECORD_MS: each record is a synchronous, fsynced SQLite
  // commit on this thread, and one per applied batch held up the apply under load.
  let recorded = startAfter;
  let recordTimer: NodeJS.Timeout | undefined;
  // Both timers' meta.db work can fail (disk full, meta.db busy beyond its timeout). A throw in a
  // timer would end the process with a stack; the apply goes on instead, with one warning each.
  const warnedFor = new Set<string>();
  const sideJobFailed = (what: string, e: unknown) => {
    log.warn(`${what} failed: ${(e as Error).message}`);
    if (warnedFor.has(what)) return;
    warnedFor.add(what);
    reporter.warn(`${what} failed (${(e as Error).message}); applying goes on, and it is tried again.`);
  };
  // What each channel had committed on the database, as last recorded: a restart finding less there
  // (the database restored from a backup, or recreated) would skip the changes in between.
  const channelAppliedKey = `applied_by_channel_${opts.consumer}`;
  let channelApplied: readonly number[] | undefined;
  const recordWatermark = () => {
    recordTimer = undefined;
    if (watermark <= recorded) return;
    try {
      faultpoint('apply.record-watermark');
      // One commit a second, both together (a crash between two would record one without the other).
      meta.atomically(() => {
        QueueConsumers.setAppliedVsn(meta, opts.consumer, watermark);
        if (channelApplied) meta.setValue(channelAppliedKey, channelApplied);
      });
      recorded = watermark;
    } catch (e) {
      // Only meta.db's copy is behind (the queue's files are then kept longer); the next applied batch tries again.
      sideJobFailed('recording the applied position in meta.db', e);
    }
  };
  let appliedThisRun = 0;
  const RATE_WARM_UP_MS = 10_000;
  const direction = opts.stopAtMarker === 'cutover_to_target' ? 'to_target' : 'to_source';
  const feeder = opts.consumer === 'target' ? 'export data from source' : 'export data from target';
  const producerWatch = new ProducerWatch({
    command: feeder,
    exportDir: exportDir.root,
    isRunning: () => isRunning(exportDir.metainfoDir, feeder),
    markerQueued: () => CutoverState.get(meta, direction).markerVsn !== undefined,
    lost: () => streamLost(meta, opts.consumer === 'target' ? 'source' : 'target'),
    warn: (line) => reporter.warn(line),
    print: (line) => reporter.print(line),
  });
  const show = (force = false) => {
    try {
      producerWatch.tick();
    } catch (e) {
      sideJobFailed('looking for the command that feeds the queue', e);
    }
    let queued: number;
    try {
      faultpoint('apply.show-metrics');
      queued = readQueueState(meta).lastVsn;
    } catch (e) {
      sideJobFailed('reading the queue\'s state for the progress display', e);
      return;
    }
    const remaining = Math.max(0, queued - watermark);
    const rate3 = meter.rate(3);
    printer.show(renderMetrics([
      // The queue's numbering runs on across directions: a fall-back's events start after the marker.
      // The watermark trails the channels that ran ahead of the slowest one; what this run applied
      // on top of the start's watermark counts them (a total below "this Run": the mysql-hostile run).
      ['Total Imported events', String(Math.max(0, watermark - (opts.startAfterVsn ?? 0), startAfter - (opts.startAfterVsn ?? 0) + appliedThisRun))],
      ['Events Imported in this Run', String(appliedThisRun)],
      ['Ingestion Rate (last 3 mins)', `${Math.round(rate3)} events/sec`],
      ['Ingestion Rate (last 10 mins)', `${Math.round(meter.rate(10))} events/sec`],
      ['Time taken in this Run', `${((Date.now() - meter.startedAt) / 60000).toFixed(2)} mins`],
      ['Remaining Events', String(remaining)],
      // Seconds after a (re)start the rate has barely begun: an estimate from it read as a day.
      ['Estimated Time to catch up', remaining === 0 ? '0s' : Date.now() - meter.startedAt < RATE_WARM_UP_MS ? 'measuring' : estimateCatchUp(remaining, rate3)],
    ]), force);
  };
  const timer = setInterval(() => show(), 1000);
  const dispatcher = new ChangeDispatcher(target, {
    migrationUuid: uuid,
    channels,
    batchSize: opts.batchSize,
    // Bounds memory however far behind the importer is (about 270 MB with 50,000 in flight).
    maxInFlight: 16_000,
    signal: abort.signal,
    isBarrier: (e) => e.op === 'm',
    onBarrier: async (e) => {
      if (e.marker === opts.stopAtMarker) {
        // The marker and its record are committed together (EventQueueWriter.append's inCommit): a
        // marker meta.db does not record, or records at another vsn, means the queue and meta.db
        // disagree, and stopping here could lose or repeat the changes between the two.
        const recorded = CutoverState.get(meta, e.marker === 'cutover_to_target' ? 'to_target' : 'to_source').markerVsn;
        if (recorded !== e.vsn) {
          throw new TandemError('TANDEM_EXPORT_DIR', `The change queue holds the ${e.marker} marker at vsn ${e.vsn}, but meta.db records ${recorded === undefined ? 'no such marker' : `it at vsn ${recorded}`}. Nothing after vsn ${e.vsn - 1} was applied.`, {
            hint: 'The export dir is inconsistent (restored from a backup, or edited?). Do not continue the cutover; keep the export dir and report it.',
          });
        }
        marker = e;
        abort.abort();
      }
    },
    onProgress: (p) => {
      if (p.applied > appliedThisRun) meter.add(p.applied - appliedThisRun);
      appliedThisRun = p.applied;
      channelApplied = p.channelApplied;
      if (p.lowWatermark > watermark) {
        watermark = p.lowWatermark;
        recordTimer ??= setTimeout(recordWatermark, WATERMARK_RECORD_MS);
      }
    },
  });
  const reader = new EventQueueReader(exportDir.queueDir, meta);
  log.info(`applying the queue to the ${opts.consumer} after vsn ${startAfter} with ${channels} channels`);
  const comparedSides = opts.consumer === 'target' ? 'source and the target' : 'target and the source';
  // The tables whose early match was said (`onPass`), kept for the process's later rounds of the same
  // migration (the fall-back importer's, after waiting for a trigger's drop; fix-verify-48b).
  let saidMatched = SAID_MATCHED.get(migration);
  if (!saidMatched) SAID_MATCHED.set(migration, (saidMatched = new Set<string>()));
  const early = opts.openEarlyComparison ? new EarlyVerification({
    open: opts.openEarlyComparison,
    queuedVsn: () => readQueueState(meta).lastVsn,
    // The queue this importer applies is filled by the other side's exporter.
    queuedCommitMs: () => meta.getValue<number>(queuedCommitTimeKey(opts.consumer === 'target' ? 'source' : 'target')),
    appliedVsn: () => watermark,
    // Nor while the export dir's disk is (nearly) full: an exporter paused there queues nothing (fix-verify-51b).
    paused: () => producerWatch.stopped || diskNearlyFull(exportDir.queueDir) !== undefined,
    // TANDEM_EARLY_KEY_RANGES=off: every table compared whole once quiet, as before the key ranges (bench/cutover's baseline).
    keyRanges: process.env.TANDEM_EARLY_KEY_RANGES !== 'off',
    ...(target.tablesAlsoChanged ? { alsoChanged: (e: ChangeEvent) => target.tablesAlsoChanged!(e) } : {}),
    onUnavailable: (reason) => {
      reporter.warn(`The tables cannot be compared while streaming (${reason}), so the cutover compares every table itself; it needs the same connection, and if this is not fixed by then the cutover completes unverified. `
        + `Fix it and restart this command (it resumes), or run "tandem compare --export-dir ${exportDir.root}" after the cutover.`);
    },
    onPass: (results) => {
      const bad = results.filter((r) => !r.match);
      // Each table said once (again after a mismatch): a table that changes is matched again and
      // again (measured before: about 100 such lines in 15 minutes buried the metrics; the soak-mysql-48 run).
      const fresh = results.filter((r) => r.match && !saidMatched.has(r.table));
      for (const r of fresh) saidMatched.add(r.table);
      for (const r of bad) saidMatched.delete(r.table);
      if (fresh.length > 0) reporter.print(`Verified ${fresh.length} table(s) ahead of the cutover: row counts and checksums match (the cutover compares only what changes after this).`);
      for (const r of bad) reporter.warn(earlyFindingText(r, comparedSides, exportDir.root));
    },
    onCompareFailed: (r) => reporter.warn(earlyFindingText(r, comparedSides, exportDir.root)),
  }) : undefined;
  let stillValid: Map<string, TableComparison> | undefined;
  let closed: Promise<void> = Promise.resolve();
  let reached = false;
  try {
    // The exporter's commits to meta.db wake the reader; the short poll is for file systems that
    // cannot report them (the time between queuing and applying a change is replication lag).
    const read = reader.read(startAfter, { follow: true, signal: abort.signal, batchSize: READ_BATCH, pollMs: 50 });
    const events = log.level === 'debug' ? logged(read) : read;
    early?.start();
    await dispatcher.run(early ? noted(events, early) : events);
    // Every event before the marker has been read (and noted) by now.
    if (marker) stillValid = await early?.finish();
    reached = marker !== undefined;
  } finally {
    abort.abort(); // ends the reader's wait for new events (an apply error ends the run while it waits)
    clearTimeout(recordTimer);
    recordWatermark();
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    opts.signal?.removeEventListener('abort', onSignal);
    closed = Promise.all([
      reached ? early?.closed() : early?.finish({ cancel: true }),
      target.close().catch(() => {}),
    ]).then(() => {});
    if (!reached) await closed;
    show(true);
  }
  return { marker, ...(stillValid ? { stillValid } : {}), closed };
}

/** The same batches, each logged when read (debug: with the commits' log lines this shows where the lag goes). */
async function* logged(events: AsyncIterable<ChangeEvent[]>): AsyncGenerator<ChangeEvent[]> {
  for await (const batch of events) {
    log.debug(`read ${batch.length} events (vsn ${batch[0]?.vsn}..${batch[batch.length - 1]?.vsn})`);
    yield batch;
  }
}

/** The same batches, each first recorded by the early verification (which tables changed, at which vsn). */
async function* noted(events: AsyncIterable<ChangeEvent[]>, early: EarlyVerification): AsyncGenerator<ChangeEvent[]> {
  for await (const batch of events) {
    early.note(batch);
    yield batch;
  }
}

/** The same target, stopping at the named failpoint after each committed batch (a crash test arms it). */
function withFailpointAfterCommit(target: ChangeTarget, name: FailpointName, afterPrepare: (progress: readonly ChannelProgress[]) => void): ChangeTarget {
  return {
    async prepare(uuid, channels) {
      const progress = await target.prepare(uuid, channels);
      afterPrepare(progress);
      return progress;
    },
    uniqueKeys: () => target.uniqueKeys(),
    changesOtherRows: target.changesOtherRows ? (e) => target.changesOtherRows!(e) : undefined,
    tablesAlsoChanged: target.tablesAlsoChanged ? (e) => target.tablesAlsoChanged!(e) : undefined,
    async applyBatch(channelNo, events) {
      const t0 = log.level === 'debug' ? Date.now() : 0;
      await target.applyBatch(channelNo, events);
      if (t0) log.debug(`channel ${channelNo}: ${events.length} events (vsn ${events[0]?.vsn}..${events[events.length - 1]?.vsn}) committed in ${Date.now() - t0} ms`);
      failpoint(name);
    },
    isKeyConflict: (e) => target.isKeyConflict(e),
    isTransientConflict: (e) => target.isTransientConflict(e),
    cancel: target.cancel ? () => target.cancel!() : undefined,
    close: () => target.close(),
  };
}

/** The channels whose progress rows on the written database are below what the export dir recorded them at. */
export function channelsBehind(recorded: readonly number[] | undefined, found: readonly ChannelProgress[]): { channel: number; recorded: number; found: number }[] {
  if (!recorded) return []; // an export dir from before the record, or nothing applied yet
  return found.filter((p) => p.lastAppliedVsn < (recorded[p.channelNo] ?? 0))
    .map((p) => ({ channel: p.channelNo, recorded: recorded[p.channelNo]!, found: p.lastAppliedVsn }));
}

/**
 * Refuses to apply to a database that went back (restored from a backup, recreated) after changes
 * were applied to it: the queue is read from the export dir's watermark, so the changes between what
 * the database holds and that watermark would be skipped without a word (measured before: 100 rows
 * missing on a restored target, and the report showing them; found by the ops-edges run).
 */
export function assertNotBehind(recorded: readonly number[] | undefined, found: readonly ChannelProgress[], consumer: string, where: string): void {
  const behind = channelsBehind(recorded, found);
  if (behind.length === 0) return;
  const gone = found.every((p) => p.lastAppliedVsn === 0);
  const first = behind[0]!;
  throw new TandemError('TANDEM_DATA', `The ${consumer} database ${where} holds less than this migration applied to it: `
    + `${gone ? 'Tandem\'s progress rows are gone from it' : `its progress rows say channel ${first.channel} applied changes up to vsn ${first.found}, but up to vsn ${first.recorded} were applied (the export dir recorded it)`}`
    + `${behind.length > 1 && !gone ? `, and ${behind.length - 1} more channel(s) likewise` : ''}. `
    + 'It was recreated or restored from a backup after changes were applied: the changes in between are not on it, and resuming would skip them. Nothing was applied.', {
    hint: gone
      ? 'Its data cannot be trusted either: start the migration again in a new export dir (export schema, import schema, export data, import data), or restore the database to its latest state and rerun this command.'
      : 'Restore the database to its latest state (a backup taken after the changes were applied) and rerun this command, or start the migration again in a new export dir. Never edit the progress rows: they are how each change is applied exactly once.',
  });
}
