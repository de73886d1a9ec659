import { TandemError } from '../../core/errors.js';
import { CommandLock } from '../../core/lock.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import type { SequenceSync, SequenceValue } from '../../core/engine/sequences.js';
import type { CommandEnv } from '../command-env.js';
import { ActingWhileWriting } from '../../core/engine/write-guard.js';
import { activeOnSource, GUARD_ACTED_KEY, guardAtCutover, guardBeforeWrites, watchGuard, writeGuardOf } from './write-guard-steps.js';
import { migratedSchemas, migratedSequenceScope, reportFindings, type Migration, type Side } from '../migration-context.js';
import { applyQueue } from '../cdc/queue-applier.js';
import { CutoverState, watchCutover, whenCutoverRequested } from './cutover-state.js';
import { openEarlyComparison, verifyAtCutover, warmCutoverComparison, type WarmCutoverComparison } from './cutover-verification.js';
import type { TableComparison } from '../verify/table-comparison.js';
import { failpoint } from '../../core/failpoint.js';
import { settleAll } from '../../core/settle.js';
import { endChangeStream, endTargetStream, notCheckedSince, type TargetStreamEnd } from './stream-cleanup.js';
import { sourceWriteFindings } from './source-write-check.js';
import { retryWhileUnreachable, waitUntilReachable } from '../wait-reachable.js';

/** Options of the fall-back importer. */
export interface SourceImportOptions {
  /** Channels (fixed at the first run) and the verification's connections. */
  readonly parallelJobs: number;
  /** `--parallel-jobs` was given: said when the kept channel count differs from it. */
  readonly parallelJobsGiven?: boolean;
  /**
   * `--disable-triggers-and-fks`: for a source whose writer cannot skip triggers and foreign keys,
   * Tandem switches them off itself before the first write (and on again at the cutover to source).
   * Without it, it prints the script and waits until a DBA has run it.
   */
  readonly disableTriggersAndFks?: boolean;
  /**
   * Started by hand: connect to the source once before waiting for the cutover to target, so that
   * bad connection settings fail at once. (`export data`, which continues as this importer, has
   * just used its source connection.)
   */
  readonly checkConnectionFirst?: boolean;
}

/**
 * `import data to source` (fall-back): applies the target's changes to the source with the same
 * exactly-once contract (the source engine's change writer, with the spec's metadata tables on the
 * source), from the cutover-to-target marker until the cutover-to-source marker, then restores the
 * source's sequences, verifies and completes. Where the engine's writer skips triggers and foreign
 * keys (`EngineCapabilities.writerSkipsTriggers`: PostgreSQL's session_replication_role = replica),
 * no manual trigger or constraint changes are needed; otherwise the engine's write guard makes the
 * spec's manual step checkable (`guardBeforeWrites`). `parallelJobs`: channels (fixed at the first
 * run) and the verification's connections.
 */
export async function importChangesToSource(env: CommandEnv, migration: Migration, source: Side, options: SourceImportOptions): Promise<void> {
  const { reporter } = env;
  const { meta, exportDir } = migration;
  const lock = new CommandLock(exportDir.metainfoDir, 'import-data-to-source');
  lock.acquire();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    // Started by hand (a restart): a wrong user or password is an error now, not when the cutover
    // completes and the target's changes are waiting to be applied; a source still coming back (a
    // restart loop after a failover, say) is waited for.
    if (options.checkConnectionFirst) await waitUntilReachable(reporter, source);
    if (CutoverState.get(meta, 'to_target').status !== 'COMPLETED') {
      reporter.print('Waiting for "import data to target" to complete the cutover to target…');
      // Woken by meta.db's commits: the source's stream is ended right after COMPLETED.
      if (!abort.signal.aborted) await new Promise<void>((resolve) => {
        const w = watchCutover(meta, exportDir.metainfoDir, 'to_target', (r) => r.status === 'COMPLETED', () => resolve(), 500);
        abort.signal.addEventListener('abort', () => { w.stop(); resolve(); }, { once: true });
      });
      if (abort.signal.aborted) return;
    }
    process.off('SIGINT', onSignal);
    if (CutoverState.get(meta, 'to_source').status === 'COMPLETED') {
      reporter.print('The cutover to source is already COMPLETED.');
      const notChecked = CutoverState.get(meta, 'to_source').detail.notCheckedAfter;
      if (typeof notChecked === 'string') reporter.warn(`${notCheckedSince(notChecked)}. "tandem compare --export-dir ${migration.exportDir.root}" checks the two sides.`);
      // Ended before COMPLETED unless the target could not be reached then (or a kept stream: its
      // writes after the marker are said again).
      await endTargetStream(env, migration);
      return;
    }
    const fromVsn = CutoverState.get(meta, 'to_target').markerVsn;
    if (fromVsn === undefined) {
      // Starting at 0 would replay the whole forward queue into the source.
      throw new TandemError('TANDEM_EXPORT_DIR', 'The cutover to target is COMPLETED, but meta.db records no cutover marker: Tandem cannot tell where the target\'s changes begin in the queue.', {
        hint: 'Do not write to the source by hand. Keep the export dir as it is and report it.',
      });
    }
    // The source's stream ends only now, after the cutover to target: its last checks (writes after
    // the marker, dropping the slot) would otherwise take the servers' CPU and connections from the
    // cutover's own steps, which the application waits for. Also what a restart does when the
    // exporter died between queuing the marker and ending the stream.
    // A source restarting right after the cutover (the application already writes to the target) is waited for.
    await retryWhileUnreachable(reporter, source, 'ending the source\'s change stream', () => endChangeStream(env, migration, source, 'source'));
    const toSourceMarker = CutoverState.get(meta, 'to_source').markerVsn;
    const applied = QueueConsumers.appliedVsn(meta, 'source') ?? 0;
    // Matches found while streaming, still valid at the marker (a restarted importer has none).
    let stillValid: Map<string, TableComparison> | undefined;
    let closed: Promise<void> = Promise.resolve();
    let sequences: SequenceSync | undefined;
    let comparison: WarmCutoverComparison | undefined;
    if (toSourceMarker === undefined || applied < toSourceMarker) {
      await checkWritePrerequisites(env, migration, source);
      const guard = writeGuardOf(source);
      meta.setStep('import_changes_to_source', 'IN_PROGRESS');
      // The sequence restore's connection and the verification's open as soon as the cutover to source is requested.
      const request = whenCutoverRequested(meta, exportDir.metainfoDir, 'to_source', (r) => {
        if (r.status !== 'INITIATED') return;
        sequences = source.engine.sequences(source.db);
        sequences.warm?.();
        comparison = warmCutoverComparison(env, migration, source, options.parallelJobs);
      });
      let result: Awaited<ReturnType<typeof applyQueue>> | undefined;
      try {
        // Round again when a trigger or key starts acting on the written tables while writing (`watchGuard`).
        for (;;) {
          if (guard) {
            process.once('SIGINT', onSignal);
            const ready = await guardBeforeWrites(reporter, migration, guard, options.disableTriggersAndFks === true, abort.signal);
            process.off('SIGINT', onSignal);
            if (!ready) {
              reporter.print(`Import to source stopped before writing. Restart it with: ${restartCommand(exportDir.root, options)}`);
              break;
            }
          }
          reporter.print('Applying the changes captured on the target to the source (Ctrl-C to stop; a rerun resumes).');
          const watch = guard ? watchGuard(migration, guard) : undefined;
          // A writer that checks in each transaction (MySQL's triggers) stops at the first one that
          // met what acts, rolled back: nothing it did is in the source, unlike what the watch finds.
          let metInTransaction: readonly string[] | undefined;
          try {
            result = await applyQueue(env, migration, {
              consumer: 'source', side: source, channels: options.parallelJobs, ...(options.parallelJobsGiven ? { channelsGiven: true } : {}), batchSize: 2000, stopAtMarker: 'cutover_to_source', startAfterVsn: fromVsn,
              openEarlyComparison: () => openEarlyComparison(env, migration, source),
              ...(watch ? { signal: watch.signal } : {}),
            });
          } catch (e) {
            if (!guard || !(e instanceof ActingWhileWriting)) throw namingRestart(e, restartCommand(exportDir.root, options));
            metInTransaction = e.what;
            result = undefined;
          } finally {
            watch?.stop();
          }
          if (metInTransaction) {
            reporter.warn(`${ACTING_NOW}${metInTransaction.join('; ')}. The transaction that met it was rolled back, so it acted on none of Tandem's writes; writing goes on once it is off again.`);
            continue;
          }
          const found = watch?.found();
          if (result!.marker || !found) break;
          meta.setValue(GUARD_ACTED_KEY, true);
          reporter.warn(`${ACTING_NOW}${found.join('; ')}. Writing stopped; it goes on once that is off again (what it did meanwhile is outside the stream: the cutover to source compares every table).`);
        }
      } catch (e) {
        await comparison?.close();
        throw e;
      } finally {
        request.stop();
      }
      if (!result?.marker) {
        await sequences?.close?.();
        await comparison?.close();
        if (result) reporter.print(`Import to source stopped. Restart it with: ${restartCommand(exportDir.root, options)}`);
        return;
      }
      failpoint('cutover.after-marker-applied');
      stillValid = result.stillValid;
      closed = result.closed;
      // One that came in after the watch's last look, before the marker, may have acted on the last writes.
      const late = guard ? await activeOnSource(migration, guard).catch(() => [] as string[]) : [];
      if (late.length > 0) {
        meta.setValue(GUARD_ACTED_KEY, true);
        reporter.warn(`on the source, something acts on the tables the target's changes were written to, which Tandem's last writes may have set off: ${late.join('; ')}. The cutover to source compares every table.`);
      }
    }
    if (meta.getValue<boolean>(GUARD_ACTED_KEY) === true) stillValid = undefined;
    await Promise.all([completeCutoverToSource(env, migration, source, options.parallelJobs, stillValid, sequences, comparison), closed]);
  } finally {
    process.off('SIGINT', onSignal);
    lock.release();
  }
}

/** The source's own checks before fall-back writes (Oracle: the spec's metadata user and tables, the writer role; PostgreSQL: UPDATE on the sequences). */
async function checkWritePrerequisites(env: CommandEnv, migration: Migration, source: Side): Promise<void> {
  reportFindings(await sourceWriteFindings(migration.meta, source), env.reporter, 'Then rerun the same import command.');
}

async function completeCutoverToSource(env: CommandEnv, migration: Migration, source: Side, parallelJobs: number,
  stillValid?: ReadonlyMap<string, TableComparison>, warmSequences?: SequenceSync, comparison?: WarmCutoverComparison): Promise<void> {
  // Warmed when the request was seen, if this process saw it.
  const sequences = warmSequences ?? source.engine.sequences(source.db);
  try {
    await completeWithSequences(env, migration, source, parallelJobs, sequences, stillValid, comparison);
  } finally {
    await sequences.close?.();
    await comparison?.close();
  }
}

async function completeWithSequences(env: CommandEnv, migration: Migration, source: Side, parallelJobs: number, sequences: SequenceSync,
  stillValid?: ReadonlyMap<string, TableComparison>, comparison?: WarmCutoverComparison): Promise<void> {
  const { reporter } = env;
  const { meta } = migration;
  const guard = writeGuardOf(source);
  let leftDisabled: string[];
  if (guard) {
    // What Tandem switched off comes back first, so that sequences restart as the columns are then.
    leftDisabled = await guardAtCutover(reporter, migration, guard);
  }
  // The application waits for COMPLETED, so these run at once, as at the cutover to target: the
  // counters, the catalog check and the verification's reads do not touch what the others do.
  const restoring = (async () => {
    const values = meta.getValue<SequenceValue[]>('sequences_at_cutover_to_source') ?? [];
    const restored = await sequences.restore(values, migratedSequenceScope(meta));
    failpoint('cutover.after-sequences-restored');
    if (restored.length) reporter.print(`Restored ${restored.length} sequence(s) on the source from the target's values.`);
  })();
  const checking = (async () => {
    if (guard) return;
    // Tandem never disables triggers or constraints here; make sure nothing else left them disabled.
    const catalog = await source.engine.openCatalog(source.db);
    try {
      leftDisabled = await catalog.disabledObjects(migratedSchemas(meta));
    } finally {
      await catalog.close();
    }
    if (leftDisabled.length) reporter.warn(`on the source, these are disabled or not validated (Tandem did not do this; re-enable them if they should be on): ${leftDisabled.join('; ')}`);
  })();
  const verifying = verifyAtCutover(env, migration, source, 'cutover-to-source', parallelJobs, stillValid, comparison);
  // Every step settles before a failure is reported: none is left running behind it.
  const [, , verification] = await settleAll([restoring, checking, verifying]);
  // After the verification (the longest step), so that the application's writes on the target
  // until then are counted too; before COMPLETED, so that `cutover status` shows them with it.
  // COMPLETED is recorded while the target's writes are held (endChangeStream): a write committed
  // before it is in the stream's report; one after it, after the cutover.
  const ended = await endTargetStream(env, migration, () => {
    failpoint('cutover.before-completed');
    CutoverState.complete(meta, 'to_source', { verification, disabledOnSource: leftDisabled! });
    meta.setStep('import_changes_to_source', 'DONE');
  });
  reporter.print(completionMessage(ended, String(CutoverState.get(meta, 'to_source').detail.keptSlot ?? '')));
}

/** The cutover to source's last line: never "the application can write to the source again" alone when writes are missing from it. */
export function completionMessage(ended: TargetStreamEnd, keptSlot: string): string {
  if (ended.checked && ended.writesAfterMarker !== undefined) {
    return `Cutover to source COMPLETED, but the source does NOT have the writes the target received after the cutover marker: ${ended.writesAfterMarker}. `
      + `The target's change stream keeps them (slot kept: ${keptSlot}). Apply them to the source, or accept their loss, before the application writes to the source again; then drop the stream as the warning above says.`;
  }
  if (!ended.checked) {
    return 'Cutover to source COMPLETED, but the target was NOT checked for writes made on it after the cutover marker (see the warning above): check it before the application writes to the source again.';
  }
  return 'Cutover to source COMPLETED: the application can write to the source again.';
}

/** How the fall-back's warnings begin when something acts on the written tables while it writes. */
const ACTING_NOW = 'on the source, something now acts on the tables the target\'s changes are written to, which Tandem\'s writes would set off: ';

/**
 * A writer's error whose fix ends "rerun the same import command", with the command named: this
 * process may have been started as "export data from source" (the fix-verify-48 run: the command to
 * run was printed only far above).
 */
function namingRestart(e: unknown, command: string): unknown {
  if (!(e instanceof TandemError) || !e.hint?.includes('the same import command')) return e;
  return new TandemError(e.code, e.message, { hint: e.hint.replace(/the same import command/g, `"${command}"`), ...(e.cause !== undefined ? { cause: e.cause } : {}), streamLost: e.streamLost });
}

/** The command that restarts this importer as it was started (the consent to disable triggers included). */
export function restartCommand(exportDir: string, options: { readonly disableTriggersAndFks?: boolean }): string {
  return `tandem import data to source --export-dir ${exportDir}${options.disableTriggersAndFks === true ? ' --disable-triggers-and-fks true' : ''}`;
}
