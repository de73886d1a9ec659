import type { CommandContext } from '../../cli/command-context.js';
import type { DbConfig } from '../../core/db-config.js';
import type { Migration } from '../migration-context.js';
import { CutoverState } from '../cutover/cutover-state.js';
import { endChangeStream } from '../cutover/stream-cleanup.js';
import { streamChanges } from './stream-exporter.js';

/**
 * `export data from source` once the snapshot is done (and on every restart): streams the source's
 * changes until the cutover marker, ends the source stream, and with fall-back turns into
 * `import data to source`.
 */
export async function continueLiveExport(ctx: CommandContext, migration: Migration, source: DbConfig): Promise<void> {
  const outcome = await streamChanges(ctx, migration, source, 'source');
  if (outcome === 'stopped') return;
  const { meta } = migration;
  meta.setStep('export_changes', 'DONE');
  await endChangeStream(ctx, meta, source, 'source_replication', 'to_target', 'source');
  if (!CutoverState.get(meta, 'to_target').prepareForFallBack) {
    ctx.print('Cutover to target: the source stream has ended. "import data to target" completes the cutover.');
    return;
  }
  ctx.print('Preparing for fall-back: this process continues as "import data to source" (if it stops, restart it with: tandem import data to source --export-dir ' + migration.exportDir.root + ').');
  const { importChangesToSource } = await import('../cutover/source-importer.js');
  await importChangesToSource(ctx, migration, source);
}
