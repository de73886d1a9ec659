import { TandemError } from '../../core/errors.js';
import type { CommandContext } from '../../cli/command-context.js';
import { CommandLock } from '../../core/lock.js';
import type { DbConfig } from '../../core/db-config.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import { connectPg } from '../../adapters/postgres/pg-connection.js';
import type { SequenceInfo } from '../../adapters/postgres/source-catalog.js';
import { restoreSequences } from '../../adapters/postgres/sequence-sync.js';
import type { Migration } from '../migration-context.js';
import { applyQueue } from '../cdc/queue-applier.js';
import { CutoverState } from './cutover-state.js';
import { verifyAtCutover } from './cutover-verification.js';
import { sleep } from '../../core/sleep.js';
import { failpoint } from '../../core/failpoint.js';


/**
 * `import data to source` (fall-back): applies the target's changes to the source with the same
 * exactly-once contract (Tandem's metadata tables on the source), from the cutover-to-target marker
 * until the cutover-to-source marker, then restores the source's sequences, verifies and completes.
 * Foreign keys and triggers on the source do not fire for these writes (session_replication_role =
 * replica on Tandem's sessions), so no manual trigger or constraint changes are needed.
 */
export async function importChangesToSource(ctx: CommandContext, migration: Migration, source: DbConfig): Promise<void> {
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
      if (!announced) ctx.print('Waiting for "import data to target" to complete the cutover to target…');
      announced = true;
      await sleep(500);
    }
    process.off('SIGINT', onSignal);
    if (CutoverState.get(meta, 'to_source').status === 'COMPLETED') {
      ctx.print('The cutover to source is already COMPLETED.');
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
      ctx.print('Applying the changes captured on the target to the source (Ctrl-C to stop; a rerun resumes).');
      const result = await applyQueue(ctx, migration, {
        consumer: 'source', db: source, channels: ctx.int('parallel-jobs') ?? 4, batchSize: 2000, stopAtMarker: 'cutover_to_source', startAfterVsn: fromVsn,
      });
      if (!result.marker) {
        ctx.print(`Import to source stopped. Restart it with: tandem import data to source --export-dir ${exportDir.root}`);
        return;
      }
      failpoint('cutover.after-marker-applied');
    }
    await completeCutoverToSource(ctx, migration, source);
  } finally {
    process.off('SIGINT', onSignal);
    lock.release();
  }
}

async function completeCutoverToSource(ctx: CommandContext, migration: Migration, source: DbConfig): Promise<void> {
  const { meta } = migration;
  const values = meta.getValue<SequenceInfo[]>('sequences_at_cutover_to_source') ?? [];
  const client = await connectPg(source);
  let leftDisabled: string[] = [];
  try {
    const restored = await restoreSequences(client, values);
    failpoint('cutover.after-sequences-restored');
    if (restored.length) ctx.print(`Restored ${restored.length} sequence(s) on the source from the target's values.`);
    // Tandem never disables triggers or constraints; make sure nothing else left them disabled.
    const schemas = [...new Set(meta.snapshotTables().map((t) => t.schemaName))];
    const r = await client.query(
      `SELECT format('trigger %s on %s.%s', t.tgname, n.nspname, c.relname) AS what FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND t.tgenabled = 'D' AND n.nspname = ANY($1)
       UNION ALL
       SELECT format('constraint %s on %s.%s (NOT VALID)', co.conname, n.nspname, c.relname) FROM pg_constraint co
         JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT co.convalidated AND n.nspname = ANY($1)`, [schemas]);
    leftDisabled = r.rows.map((row) => String(row.what));
  } finally {
    await client.end().catch(() => {});
  }
  if (leftDisabled.length) ctx.warn(`on the source, these are disabled or not validated (Tandem did not do this; re-enable them if they should be on): ${leftDisabled.join('; ')}`);
  const verification = await verifyAtCutover(ctx, migration, source, 'cutover-to-source');
  failpoint('cutover.before-completed');
  CutoverState.complete(meta, 'to_source', { verification, disabledOnSource: leftDisabled });
  meta.setStep('import_changes_to_source', 'DONE');
  ctx.print('Cutover to source COMPLETED: the application can write to the source again.');
}
