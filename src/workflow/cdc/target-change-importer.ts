import type { CommandContext } from '../../cli/command-context.js';
import type { DbConfig } from '../../core/db-config.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import type { Migration } from '../migration-context.js';
import { CutoverState } from '../cutover/cutover-state.js';
import { applyQueue } from './queue-applier.js';
import { failpoint } from '../../core/failpoint.js';

/**
 * `import data to target`, after the snapshot: applies every queued change to the target until the
 * cutover marker (or until stopped; a rerun resumes exactly where the channels left off), then
 * completes the cutover to target.
 */
export async function importChangesToTarget(ctx: CommandContext, migration: Migration, target: DbConfig): Promise<void> {
  const { meta } = migration;
  const marker = CutoverState.get(meta, 'to_target').markerVsn;
  const applied = QueueConsumers.appliedVsn(meta, 'target') ?? 0;
  if (marker === undefined || applied < marker) {
    meta.setStep('import_changes', 'IN_PROGRESS');
    ctx.print('Applying the changes captured on the source (Ctrl-C to stop; a rerun resumes).');
    const result = await applyQueue(ctx, migration, {
      consumer: 'target', db: target, channels: ctx.int('parallel-jobs') ?? 4, batchSize: 2000, stopAtMarker: 'cutover_to_target',
    });
    if (!result.marker) {
      ctx.print('Import of changes stopped. Run the same command again to continue.');
      return;
    }
    ctx.print(`All changes up to the cutover marker (vsn ${result.marker.vsn}) are applied to the target.`);
    failpoint('cutover.after-marker-applied');
  }
  const { completeCutoverToTarget } = await import('../cutover/target-cutover.js');
  await completeCutoverToTarget(ctx, migration, target);
}
