import type { CommandContext } from '../../cli/command-context.js';
import { TandemError } from '../../core/errors.js';
import { CommandLock } from '../../core/lock.js';
import type { DbConfig } from '../../core/db-config.js';
import { connectPg, connectionPlan } from '../../adapters/postgres/pg-connection.js';
import type { SequenceInfo } from '../../adapters/postgres/source-catalog.js';
import { restoreSequences } from '../../adapters/postgres/sequence-sync.js';
import { ReplicationConnection } from '../../adapters/postgres/replication/replication-connection.js';
import { checkReplicationPrerequisites } from '../../adapters/postgres/replication/replication-prerequisites.js';
import { createPublication, dropPublication } from '../../adapters/postgres/replication/publication.js';
import { lsnToPosition, formatLsn } from '../../adapters/postgres/replication/lsn.js';
import type { Migration } from '../migration-context.js';
import { streamChanges } from '../cdc/stream-exporter.js';
import { CutoverState } from './cutover-state.js';
import { endChangeStream } from './stream-cleanup.js';
import { verifyAtCutover } from './cutover-verification.js';
import { failpoint } from '../../core/failpoint.js';

/** Slot and publication names on the target (for the fall-back stream). */
export function targetReplicationNames(migrationUuid: string): { slot: string; publication: string } {
  const id = migrationUuid.replace(/-/g, '').slice(0, 20);
  return { slot: `tandem_fb_${id}`, publication: `tandem_fb_pub_${id}` };
}

/**
 * Runs in `import data to target` once every change before the cutover marker is applied: restores
 * the target's sequences (never below the data), and with fall-back creates the target's slot
 * BEFORE the cutover is reported COMPLETED, so no application write on the target can predate the
 * reverse stream. Then verifies, completes, and with fall-back turns into `export data from target`.
 * Every step is safe to repeat after a crash.
 */
export async function completeCutoverToTarget(ctx: CommandContext, migration: Migration, target: DbConfig): Promise<void> {
  const { meta } = migration;
  let record = CutoverState.get(meta, 'to_target');
  if (record.status !== 'COMPLETED') {
    const values = meta.getValue<SequenceInfo[]>('sequences_at_cutover_to_target') ?? [];
    const client = await connectPg(target);
    try {
      const restored = await restoreSequences(client, values);
      failpoint('cutover.after-sequences-restored');
      if (restored.length) ctx.print(`Restored ${restored.length} sequence(s) on the target from the source's values${restored.some((r) => r.raisedToData) ? ' (some raised to the highest value in their column)' : ''}.`);
      if (record.prepareForFallBack) await prepareReverseStream(ctx, migration, target, client);
    } finally {
      await client.end().catch(() => {});
    }
    const verification = await verifyAtCutover(ctx, migration, target, 'cutover-to-target');
    failpoint('cutover.before-completed');
    CutoverState.complete(meta, 'to_target', { verification });
    meta.setStep('import_changes', 'DONE');
    ctx.print('Cutover to target COMPLETED: the application can now write to the target.');
    record = CutoverState.get(meta, 'to_target');
  }
  if (!record.prepareForFallBack) return;
  ctx.print(`Fall-back: this process continues as "export data from target" (if it stops, restart it with: tandem export data from target --export-dir ${migration.exportDir.root}).`);
  await exportChangesFromTarget(ctx, migration, target);
}

async function prepareReverseStream(ctx: CommandContext, migration: Migration, target: DbConfig, client: Awaited<ReturnType<typeof connectPg>>): Promise<void> {
  const { meta, uuid } = migration;
  const names = meta.getValue<{ slot: string; publication: string }>('target_replication') ?? targetReplicationNames(uuid);
  await checkReplicationPrerequisites(client, 1);
  meta.setValue('target_replication', names);
  const tables = meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }));
  await dropPublication(client, names.publication);
  await createPublication(client, names.publication, tables);
  const rc = await ReplicationConnection.open(connectionPlan(target));
  try {
    // Not yet COMPLETED, so no application write can have reached the target: a leftover slot from
    // a crash here holds nothing, and a fresh one is exact.
    if (await rc.slotExists(names.slot)) await rc.dropSlot(names.slot, { wait: true });
    failpoint('cutover.before-reverse-slot');
    const slot = await rc.createSlot(names.slot);
    failpoint('cutover.after-reverse-slot');
    meta.setValue('target_cdc_start_position', lsnToPosition(slot.consistentPoint));
    ctx.print(`Created replication slot ${names.slot} on the target at ${formatLsn(slot.consistentPoint)} for the fall-back stream.`);
  } finally {
    await rc.close().catch(() => {});
  }
}

/** `export data from target`: streams the target's changes into the queue until the cutover to source. */
export async function exportChangesFromTarget(ctx: CommandContext, migration: Migration, target: DbConfig): Promise<void> {
  const { meta, exportDir } = migration;
  const lock = new CommandLock(exportDir.metainfoDir, 'export-data-from-target');
  lock.acquire();
  try {
    if (!meta.getValue('target_cdc_start_position')) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The target has no fall-back stream yet: the cutover to target has not completed with --prepare-for-fall-back true.');
    }
    meta.setStep('export_changes_from_target', 'IN_PROGRESS');
    const outcome = await streamChanges(ctx, migration, target, 'target');
    if (outcome === 'cutover') {
      meta.setStep('export_changes_from_target', 'DONE');
      await endChangeStream(ctx, meta, target, 'target_replication', 'to_source', 'target');
      ctx.print('The target stream has ended; "import data to source" completes the cutover to source.');
    }
  } finally {
    lock.release();
  }
}
