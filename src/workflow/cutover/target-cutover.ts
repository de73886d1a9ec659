import { TandemError } from '../../core/errors.js';
import { CommandLock } from '../../core/lock.js';
import { cappedSequenceWarning, type SequenceSync, type SequenceValue } from '../../core/engine/sequences.js';
import type { CommandEnv } from '../command-env.js';
import { migratedSequenceScope, reportFindings, type Migration, type Side } from '../migration-context.js';
import { capturedTables, streamChanges } from '../cdc/stream-exporter.js';
import { FALLBACK_STREAM_LAYOUT_KEY, readStreamLayout } from '../cdc/schema-drift.js';
import type { TableInfo } from '../../core/engine/catalog.js';
import type { ChangeCapture } from '../../core/engine/change-capture.js';
import { CutoverState, watchCutover } from './cutover-state.js';
import { continueAs } from '../../core/process-role.js';
import { endChangeStream, LATE_WRITES_LOWER_BOUND, streamEndFinding } from './stream-cleanup.js';
import { verifyAtCutover, type WarmCutoverComparison } from './cutover-verification.js';
import { failpoint } from '../../core/failpoint.js';
import { log } from '../../core/logger.js';
import { settleAll } from '../../core/settle.js';
import type { TableComparison } from '../verify/table-comparison.js';
import { retryWhileUnreachable } from '../wait-reachable.js';

/**
 * Runs in `import data to target` once every change before the cutover marker is applied: restores
 * the target's sequences (never below the data), with fall-back creates the target's change stream,
 * and verifies (with `parallelJobs` connections per side), the three at once; all of them end BEFORE
 * the cutover is reported COMPLETED, so no application write on the target can predate the reverse
 * stream. Then completes, and with fall-back turns into `export data from target`. Every step is
 * safe to repeat after a crash.
 */
export async function completeCutoverToTarget(env: CommandEnv, migration: Migration, target: Side,
  options: { parallelJobs: number; stillValid?: ReadonlyMap<string, TableComparison>; reversePrepared?: Promise<ChangeCapture>; sequences?: SequenceSync;
    comparison?: WarmCutoverComparison }): Promise<void> {
  const { reporter } = env;
  const { meta } = migration;
  let record = CutoverState.get(meta, 'to_target');
  let listing: Promise<TableInfo[] | undefined> | undefined;
  // Warmed when the request was seen, if this process saw it.
  const sequences = options.sequences ?? target.engine.sequences(target.db);
  try {
    if (record.status !== 'COMPLETED') {
      // The application waits for COMPLETED, so these three run at once: none reads or writes what
      // another does (sequences are not table rows, a slot and a publication are not data, the
      // verification only reads the tables), and each is safe to repeat after a crash in any other.
      const restoring = (async () => {
        const values = meta.getValue<SequenceValue[]>('sequences_at_cutover_to_target') ?? [];
        const started = Date.now();
        // A target restarting meanwhile is waited for, on a connection of its own (setval is safe to repeat).
        const restored = await retryWhileUnreachable(reporter, target, 'restoring the sequences', async (attempt) => {
          if (attempt === 0) return sequences.restore(values, migratedSequenceScope(meta));
          const fresh = target.engine.sequences(target.db);
          try {
            return await fresh.restore(values, migratedSequenceScope(meta));
          } finally {
            await fresh.close?.();
          }
        });
        log.debug(`cutover to target: ${values.length} sequence value(s) restored in ${Date.now() - started} ms`);
        failpoint('cutover.after-sequences-restored');
        if (restored.length) reporter.print(`Restored ${restored.length} sequence(s) on the target from the source's values${restored.some((r) => r.raisedToData) ? ' (some raised to the highest value in their column)' : ''}.`);
        for (const r of restored.filter((x) => x.cappedFrom !== undefined)) reporter.warn(cappedSequenceWarning(r));
      })();
      // Made again from the start after a restart of the target (a rerun of the command does the same).
      const reverse = record.prepareForFallBack
        ? retryWhileUnreachable(reporter, target, 'creating the fall-back stream', (attempt) => prepareReverseStream(env, migration, target, attempt === 0 ? options.reversePrepared : undefined))
        : Promise.resolve();
      // The reverse stream's tables, listed meanwhile: "export data from target" then starts streaming
      // right after COMPLETED. A failure here is not the cutover's: the stream lists them again.
      if (record.prepareForFallBack) listing = capturedTables(target, meta).catch(() => undefined);
      const verifying = verifyAtCutover(env, migration, target, 'cutover-to-target', options.parallelJobs, options.stillValid, options.comparison);
      // Every step settles before a failure is reported: none is left running behind it.
      const [, , verification] = await settleAll([restoring, reverse, verifying]);
      failpoint('cutover.before-completed');
      CutoverState.complete(meta, 'to_target', { verification });
      meta.setStep('import_changes', 'DONE');
      record = CutoverState.get(meta, 'to_target');
      reporter.print(completedToTargetMessage(record.detail));
    }
  } finally {
    await sequences.close?.();
    // Opened when the request was seen, and not used when the cutover had already completed.
    await options.comparison?.close();
  }
  if (!record.prepareForFallBack) return;
  // After the cutover to source there is no fall-back left to stream (a rerun only ends the target's stream, if still there).
  if (CutoverState.get(meta, 'to_source').status !== 'COMPLETED') {
    reporter.print(`Fall-back: this process continues as "export data from target" (if it stops, restart it with: tandem export data from target --export-dir ${migration.exportDir.root}).`);
  }
  continueAs('export data from target');
  // With fall-back the source's stream ends after COMPLETED (in "import data to source"): what it
  // finds is said here too, where the application was told it may write to the target (measured
  // before: only in the other terminal; the new-user run followed this one and the fall-back stopped
  // on a duplicate key).
  let said = streamEndFinding(record.detail) !== undefined;
  const watch = said ? undefined : watchCutover(meta, migration.exportDir.metainfoDir, 'to_target', (r) => !said && streamEndFinding(r.detail) !== undefined, (r) => {
    said = true;
    reporter.warn(lateSourceWritesWarning(streamEndFinding(r.detail)!));
  });
  try {
    await exportChangesFromTarget(env, migration, target, await listing);
  } finally {
    watch?.stop();
  }
}

/**
 * The fall-back stream's objects on the target, before its slot: the prerequisites checked, a
 * leftover slot dropped, the publication (re)created. `import data to target` runs this as soon as
 * a cutover with fall-back is requested, while the last changes are still applied (none of it is
 * data, and no application write can reach the target before COMPLETED); the slot itself waits
 * until everything up to the marker is applied.
 */
export async function prepareReverseStreamObjects(env: CommandEnv, migration: Migration, target: Side): Promise<ChangeCapture> {
  const { meta, uuid } = migration;
  const started = Date.now();
  const capture = target.engine.changeCapture(target.db, { id: uuid, side: 'target' });
  // Recorded before anything is made, so that a crash leaves the names for the clean-up.
  meta.setValue('target_replication', capture.record);
  // The check and the objects at once: this runs while the marker travels, and when it takes
  // longer the slot (and so COMPLETED) waits for it (measured: 0.35-0.54 s one after the other on a
  // loaded machine, longer than the marker's trip). Not yet COMPLETED, so no application write can
  // have reached the target: a leftover stream from a crash here holds nothing the fall-back needs,
  // and a fresh one is exact. A failed check is reported first (the objects it let be made are
  // harmless and made again by a rerun).
  const timed = <T>(what: string, p: Promise<T>) => p.finally(() => log.debug(`cutover to target: the fall-back stream's ${what} after ${Date.now() - started} ms`));
  const checking = timed('prerequisites checked', capture.checkPrerequisites());
  const making = timed('objects made', capture.prepare(meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }))));
  // What "export data from target" later says the target's tables and partitions drifted from (no
  // application write can reach the target yet). A failed read leaves it to that command's first look.
  const layout = readStreamLayout(target, meta).then((l) => meta.setValue(FALLBACK_STREAM_LAYOUT_KEY, l), (e) => log.debug(`the target's layout not read: ${(e as Error).message}`));
  const [checked, made] = await Promise.allSettled([checking, making, layout]);
  if (checked.status === 'rejected') throw checked.reason;
  reportFindings(checked.value, env.reporter);
  if (made.status === 'rejected') throw made.reason;
  return capture;
}

async function prepareReverseStream(env: CommandEnv, migration: Migration, target: Side, prepared?: Promise<ChangeCapture>): Promise<void> {
  const { meta } = migration;
  const capture = await (prepared ?? prepareReverseStreamObjects(env, migration, target));
  failpoint('cutover.before-reverse-slot');
  const started = Date.now();
  // The application waits meanwhile: a transaction left open on the target holds the slot's creation,
  // and says so, here and in `cutover status` (which the one who initiated the cutover watches).
  let waited = false;
  const start = await capture.createWithoutSnapshot((m) => {
    waited = true;
    CutoverState.note(meta, 'to_target', { fallBackStreamWaitsFor: m });
    env.reporter.warn(m);
  });
  if (waited) CutoverState.note(meta, 'to_target', { fallBackStreamWaitsFor: undefined });
  log.debug(`cutover to target: the fall-back stream's ${capture.labels.stream} created in ${Date.now() - started} ms`);
  failpoint('cutover.after-reverse-slot');
  meta.setValue('target_cdc_start_position', start.startPosition);
  env.reporter.print(`Created ${capture.labels.stream} on the target at ${capture.describePosition(start.startPosition)} for the fall-back stream.`);
}

/** `export data from target`: streams the target's changes into the queue until the cutover to source. */
export async function exportChangesFromTarget(env: CommandEnv, migration: Migration, target: Side, tables?: TableInfo[]): Promise<void> {
  const { meta, exportDir } = migration;
  const lock = new CommandLock(exportDir.metainfoDir, 'export-data-from-target');
  lock.acquire();
  try {
    if (!meta.getValue('target_cdc_start_position')) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The target has no fall-back stream yet: the cutover to target has not completed with --prepare-for-fall-back true.');
    }
    meta.setStep('export_changes_from_target', 'IN_PROGRESS');
    const outcome = await streamChanges(env, migration, target, 'target', { tables });
    if (outcome === 'cutover') {
      meta.setStep('export_changes_from_target', 'DONE');
      // The target's stream is ended by "import data to source" when it completes the cutover to
      // source, as the source's is after the cutover to target: checked now, right after the
      // marker, it missed every write the application made on the target a moment later and
      // dropped the slot that held them. Only a rerun after that importer could not reach the
      // target ends it here.
      if (CutoverState.get(meta, 'to_source').status === 'COMPLETED') {
        await endChangeStream(env, migration, target, 'target');
        env.reporter.print('The target stream has ended; the cutover to source is COMPLETED.');
      } else {
        env.reporter.print('The target stream has ended; "import data to source" completes the cutover to source and then ends the target\'s change stream (writes made on the target after the marker keep it, and are reported).');
      }
    }
  } finally {
    lock.release();
  }
}

/** What the end of the source's stream found, said where the cutover to target was said COMPLETED. */
function lateSourceWritesWarning(found: { readonly counted: boolean; readonly text: string }): string {
  return found.counted
    ? `the source received writes after the cutover marker, which are NOT on the target: ${found.text} (${LATE_WRITES_LOWER_BOUND}). Deal with them before the application writes to the target (a row inserted there may hold a key value the target hands out next): "tandem cutover status" says more.`
    : `the source's change stream was kept when it ended: ${found.text}. Check the two sides ("tandem compare") before the application writes to the target.`;
}

/** The cutover to target's last line: never "the application can now write to the target" alone when the source's stream found writes after the marker. */
export function completedToTargetMessage(detail: Readonly<Record<string, unknown>>): string {
  const found = streamEndFinding(detail);
  if (!found) return 'Cutover to target COMPLETED: the application can now write to the target.';
  return `Cutover to target COMPLETED, but ${lateSourceWritesWarning(found)}`;
}
