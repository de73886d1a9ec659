import { TandemError } from '../../core/errors.js';
import { CommandLock } from '../../core/lock.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import type { SequenceValue } from '../../core/engine/sequences.js';
import type { CommandEnv } from '../command-env.js';
import { migratedSchemas, type Migration, type Side } from '../migration-context.js';
import { applyQueue } from '../cdc/queue-applier.js';
import { CutoverState } from './cutover-state.js';
import { verifyAtCutover } from './cutover-verification.js';
import { sleep } from '../../core/sleep.js';
import { failpoint } from '../../core/failpoint.js';

/**
 * `import data to source` (fall-back): applies the target's changes to the source with the same
 * exactly-once contract (the source engine's change writer, with the spec's metadata tables on the
 * source), from the cutover-to-target marker until the cutover-to-source marker, then restores the
 * source's sequences, verifies and completes. Where the engine's writer skips triggers and foreign
 * keys (`EngineCapabilities.writerSkipsTriggers`: PostgreSQL's session_replication_role = replica),
 * no manual trigger or constraint changes are needed. `parallelJobs`: channels (fixed at the first
 * run) and the verification's connections.
 */
export async function importChangesToSource(env: CommandEnv, migration: Migration, source: Side, options: { parallelJobs: number }): Promise<void> {
  const { reporter } = env;
  const { meta, exportDir } = migration;
  const lock = new CommandLock(exportDir.metainfoDir, 'import-data-to-source');
  lock.acquire();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    let announced = false;
    while (CutoverState.get(meta, 'to_target').status !== 'COMPLETED') {
      if (abort.signal.aborted) return;
      if (!announced) reporter.print('Waiting for "import data to target" to complete the cutover to target…');
      announced = true;
      await sleep(500);
    }
    process.off('SIGINT', onSignal);
    if (CutoverState.get(meta, 'to_source').status === 'COMPLETED') {
      reporter.print('The cutover to source is already COMPLETED.');
      return;
    }
    const fromVsn = CutoverState.get(meta, 'to_target').markerVsn;
    if (fromVsn === undefined) {
      // Starting at 0 would replay the whole forward queue into the source.
      throw new TandemError('TANDEM_EXPORT_DIR', 'The cutover to target is COMPLETED, but meta.db records no cutover marker: Tandem cannot tell where the target\'s changes begin in the queue.', {
        hint: 'Do not write to the source by hand. Keep the export dir as it is and report it.',
      });
    }
    const toSourceMarker = CutoverState.get(meta, 'to_source').markerVsn;
    const applied = QueueConsumers.appliedVsn(meta, 'source') ?? 0;
    if (toSourceMarker === undefined || applied < toSourceMarker) {
      meta.setStep('import_changes_to_source', 'IN_PROGRESS');
      reporter.print('Applying the changes captured on the target to the source (Ctrl-C to stop; a rerun resumes).');
      const result = await applyQueue(env, migration, {
        consumer: 'source', side: source, channels: options.parallelJobs, batchSize: 2000, stopAtMarker: 'cutover_to_source', startAfterVsn: fromVsn,
      });
      if (!result.marker) {
        reporter.print(`Import to source stopped. Restart it with: tandem import data to source --export-dir ${exportDir.root}`);
        return;
      }
      failpoint('cutover.after-marker-applied');
    }
    await completeCutoverToSource(env, migration, source, options.parallelJobs);
  } finally {
    process.off('SIGINT', onSignal);
    lock.release();
  }
}

async function completeCutoverToSource(env: CommandEnv, migration: Migration, source: Side, parallelJobs: number): Promise<void> {
  const { reporter } = env;
  const { meta } = migration;
  const values = meta.getValue<SequenceValue[]>('sequences_at_cutover_to_source') ?? [];
  const restored = await source.engine.sequences(source.db).restore(values);
  failpoint('cutover.after-sequences-restored');
  if (restored.length) reporter.print(`Restored ${restored.length} sequence(s) on the source from the target's values.`);
  // Tandem never disables triggers or constraints; make sure nothing else left them disabled.
  const catalog = await source.engine.openCatalog(source.db);
  let leftDisabled: string[];
  try {
    leftDisabled = await catalog.disabledObjects(migratedSchemas(meta));
  } finally {
    await catalog.close();
  }
  if (leftDisabled.length) reporter.warn(`on the source, these are disabled or not validated (Tandem did not do this; re-enable them if they should be on): ${leftDisabled.join('; ')}`);
  const verification = await verifyAtCutover(env, migration, source, 'cutover-to-source', parallelJobs);
  failpoint('cutover.before-completed');
  CutoverState.complete(meta, 'to_source', { verification, disabledOnSource: leftDisabled });
  meta.setStep('import_changes_to_source', 'DONE');
  reporter.print('Cutover to source COMPLETED: the application can write to the source again.');
}
