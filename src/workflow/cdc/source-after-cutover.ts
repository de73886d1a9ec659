import type { CommandEnv } from '../command-env.js';
import { CommandLock } from '../../core/lock.js';
import { STREAMING_COMMANDS } from '../streaming-commands.js';
import type { Migration, Side } from '../migration-context.js';
import { CutoverState } from '../cutover/cutover-state.js';
import { endChangeStream } from '../cutover/stream-cleanup.js';
import { continueAs } from '../../core/process-role.js';
import { streamChanges } from './stream-exporter.js';
import type { SourceImportOptions } from '../cutover/source-importer.js';

/**
 * `export data from source` once the snapshot is done (and on every restart): streams the source's
 * changes until the cutover marker, then ends the source stream, or with fall-back turns into
 * `import data to source` (with `parallelJobs` channels), which ends it after the cutover to target.
 */
export async function continueLiveExport(env: CommandEnv, migration: Migration, source: Side, options: SourceImportOptions, run: { readonly restart?: boolean } = {}): Promise<void> {
  const { reporter } = env;
  // A restart has not warned at its start (the first run did, before its snapshot): its stream says at once what would stop a fall-back.
  const outcome = await streamChanges(env, migration, source, 'source', { sayWriteProblemsAtOnce: run.restart === true });
  if (outcome === 'stopped') return;
  const { meta } = migration;
  meta.setStep('export_changes', 'DONE');
  if (!CutoverState.get(meta, 'to_target').prepareForFallBack) {
    await endChangeStream(env, migration, source, 'source');
    // A rerun after the cutover completed says so, rather than that the importer still has to.
    reporter.print(CutoverState.get(meta, 'to_target').status === 'COMPLETED'
      ? 'Cutover to target COMPLETED (without fall-back): the source stream has ended; nothing is left for export data to do.'
      : 'Cutover to target: the source stream has ended. "import data to target" completes the cutover.');
    return;
  }
  // With fall-back, "import data to source" ends the source stream once the cutover to target has completed.
  const { importChangesToSource, restartCommand } = await import('../cutover/source-importer.js');
  // Started by hand meanwhile (as a stop of this process told the user to): it carries on from here
  // (measured before: TANDEM_LOCKED, an error after the marker was queued; the crash-resume run).
  const running = CommandLock.holder(migration.exportDir.metainfoDir, STREAMING_COMMANDS['import data to source']);
  if (running !== undefined) {
    reporter.print(`"import data to source" already runs on this export dir (pid ${running}) and carries on from here: nothing more for this process to do.`);
    return;
  }
  if (CutoverState.get(meta, 'to_source').status !== 'COMPLETED') {
    reporter.print(`Preparing for fall-back: this process continues as "import data to source" (if it stops, restart it with: ${restartCommand(migration.exportDir.root, options)}).`);
  }
  continueAs('import data to source');
  await importChangesToSource(env, migration, source, options);
}
