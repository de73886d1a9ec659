import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import type { TargetEngine } from '../../core/engine/engine.js';
import type { CommandEnv } from '../command-env.js';
import { TARGET_MAY_STREAM_KEY, TARGET_STREAM_PROBLEMS_KEY, type Migration, type Side } from '../migration-context.js';
import { log } from '../../core/logger.js';
import { CutoverState, whenCutoverRequested } from '../cutover/cutover-state.js';
import { completeCutoverToTarget, prepareReverseStreamObjects } from '../cutover/target-cutover.js';
import type { ChangeCapture } from '../../core/engine/change-capture.js';
import type { SequenceSync } from '../../core/engine/sequences.js';
import { applyQueue } from './queue-applier.js';
import { failpoint } from '../../core/failpoint.js';
import { openEarlyComparison, warmCutoverComparison, type WarmCutoverComparison } from '../cutover/cutover-verification.js';
import type { TableComparison } from '../verify/table-comparison.js';

/**
 * `import data to target`, after the snapshot: applies every queued change to the target until the
 * cutover marker (or until stopped; a rerun resumes exactly where the channels left off), then
 * completes the cutover to target. `parallelJobs` is the channel count (fixed at the first run).
 */
export async function importChangesToTarget(env: CommandEnv, migration: Migration, target: Side<TargetEngine>, options: { parallelJobs: number; parallelJobsGiven?: boolean }): Promise<void> {
  const { reporter } = env;
  const { meta } = migration;
  const marker = CutoverState.get(meta, 'to_target').markerVsn;
  const applied = QueueConsumers.appliedVsn(meta, 'target') ?? 0;
  // Matches found while streaming, still valid at the marker (a restarted importer has none).
  let stillValid: Map<string, TableComparison> | undefined;
  let closed: Promise<void> = Promise.resolve();
  let reversePrepared: Promise<ChangeCapture> | undefined;
  let sequences: SequenceSync | undefined;
  let comparison: WarmCutoverComparison | undefined;
  if (marker === undefined || applied < marker) {
    meta.setStep('import_changes', 'IN_PROGRESS');
    reporter.print('Applying the changes captured on the source (Ctrl-C to stop; a rerun resumes).');
    // As soon as the cutover is requested, while the marker travels and the last changes are
    // applied (part of the application's downtime): the sequence restore's connection and the
    // verification's open, and with fall-back the reverse stream's objects are made.
    const request = whenCutoverRequested(meta, migration.exportDir.metainfoDir, 'to_target', (r) => {
      if (r.status !== 'INITIATED') return;
      sequences = target.engine.sequences(target.db);
      sequences.warm?.();
      comparison = warmCutoverComparison(env, migration, target, options.parallelJobs);
      if (!r.prepareForFallBack) return;
      reversePrepared = prepareReverseStreamObjects(env, migration, target);
      reversePrepared.catch(() => {}); // reported where it is awaited, at the cutover
    });
    const streamCheck = watchTargetStreamProblems(env, migration, target);
    let result: Awaited<ReturnType<typeof applyQueue>>;
    try {
      result = await applyQueue(env, migration, {
        consumer: 'target', side: target, channels: options.parallelJobs, ...(options.parallelJobsGiven ? { channelsGiven: true } : {}), batchSize: 2000, stopAtMarker: 'cutover_to_target',
        openEarlyComparison: () => openEarlyComparison(env, migration, target),
      });
    } catch (e) {
      await comparison?.close();
      throw e;
    } finally {
      request.stop();
      streamCheck.stop();
    }
    if (!result.marker) {
      await reversePrepared?.catch(() => {});
      await sequences?.close?.();
      await comparison?.close();
      reporter.print('Import of changes stopped. Run the same command again to continue.');
      return;
    }
    reporter.print(`All changes up to the cutover marker (vsn ${result.marker.vsn}) are applied to the target.`);
    failpoint('cutover.after-marker-applied');
    stillValid = result.stillValid;
    closed = result.closed;
  }
  // The apply's connections close while the cutover goes on.
  await Promise.all([completeCutoverToTarget(env, migration, target, { ...options, stillValid, reversePrepared, sequences, comparison }), closed]);
}

/** How often the target's streaming privileges are looked at again (TANDEM_STREAM_CHECK_MS for tests). */
function streamCheckMs(): number {
  const n = Number(process.env.TANDEM_STREAM_CHECK_MS);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}

/**
 * What would stop the fall-back's stream from the target (the REPLICATION attribute, ownership of
 * the migrated tables for its publication) is looked at again every minute while changes stream,
 * and recorded, so that `initiate cutover to target --prepare-for-fall-back true` refuses from what
 * is true now without connecting itself, which would add to the application's downtime (measured
 * before: a table's ownership lost after import data started was not seen, the cutover was
 * accepted and stopped midway with the application stopped; the grants run). Said when it appears
 * or changes.
 */
function watchTargetStreamProblems(env: CommandEnv, migration: Migration, target: Side<TargetEngine>): { stop(): void } {
  const { meta } = migration;
  let said = (meta.getValue<string[]>(TARGET_STREAM_PROBLEMS_KEY) ?? []).join(' ');
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    const db = target.engine.targetDatabase(target.db, () => {});
    try {
      if (!db.streamProblems) return;
      const problems = await db.streamProblems(meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName })));
      meta.setValue(TARGET_MAY_STREAM_KEY, problems.length === 0);
      meta.setValue(TARGET_STREAM_PROBLEMS_KEY, problems);
      const text = problems.join(' ');
      if (text && text !== said) {
        env.reporter.warn(`A fall-back could not stream the target's changes now: ${text} Until it is fixed, "initiate cutover to target --prepare-for-fall-back true" is refused (this is looked at again every minute).`);
      }
      said = text;
    } finally {
      running = false;
      await db.close();
    }
  };
  const timer = setInterval(() => {
    check().catch((e) => log.debug(`target stream check failed: ${(e as Error).message}`));
  }, streamCheckMs());
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
