import { tableKeyOf, type TableInfo } from '../../core/engine/catalog.js';
import type { StreamStart } from '../../core/engine/change-capture.js';
import type { CommandEnv } from '../command-env.js';
import type { Migration, Side } from '../migration-context.js';
import { beginSnapshot, readersFor, runSnapshot, type ExportType } from '../export-data.js';
import { continueLiveExport } from './source-after-cutover.js';
import { recordGuardBaseline } from '../cutover/write-guard-steps.js';
import { noteForInterrupt } from '../../core/interrupt-notes.js';
import type { SourceImportOptions } from '../cutover/source-importer.js';

/**
 * Live export, first part: the stream's objects on the source, a stream whose consistent start IS
 * the snapshot that is copied (no gap, no overlap between the copy and the stream), then the
 * stream. A crash before the snapshot is complete starts over with a new stream and a new snapshot
 * id (the importer reloads).
 */
/** "replication slot x and …" as "The replication slot x and …"; "the marker rows …" as "The marker rows …". */
function capitalized(objects: string): string {
  return /^the /i.test(objects) ? `T${objects.slice(1)}` : `The ${objects}`;
}

export async function exportLive(env: CommandEnv, migration: Migration, source: Side, tables: TableInfo[],
  options: SourceImportOptions & { exportType: ExportType; snapshotJobs: number }): Promise<void> {
  const { reporter } = env;
  const { meta, uuid } = migration;
  const { exportType, snapshotJobs } = options;
  // The triggers and keys as the DBA keeps them: what a fall-back must leave enabled at its end.
  await recordGuardBaseline(migration, source, tables, options.disableTriggersAndFks === true ? { reporter } : undefined);
  const capture = source.engine.changeCapture(source.db, { id: uuid, side: 'source' });
  // From here on the source changes: say what we create, so a failure leaves nothing unexplained.
  meta.setValue('source_replication', capture.record);
  // Until the stream runs (it stops by itself, and a rerun resumes it), a stop leaves these behind:
  // say what, and how to get rid of them (measured before: only "run the same command again"; the
  // crash-resume and new-user runs).
  const clearNote = noteForInterrupt(`${capitalized(capture.labels.objects)} on the source, as far as they were created, stay there${source.engine.capabilities.acknowledgesPositions ? `, keeping its ${capture.labels.changeLog}` : ''}: running "tandem export data" again drops them and starts the snapshot over. To give up instead, run "tandem end migration --export-dir ${migration.exportDir.root}", or remove those that exist by hand: ${capture.labels.dropAll}`);
  const { droppedLeftover } = await capture.prepare(tables);
  if (droppedLeftover) reporter.print(`Dropping ${capture.labels.stream} left by an interrupted snapshot; the snapshot starts over.`);
  const withSnapshot = exportType === 'snapshot-and-changes';
  const chunks = withSnapshot ? await source.engine.snapshotSource(source.db).planChunks(tables, snapshotJobs) : [];
  const snapshotId = beginSnapshot(reporter, migration, source.db, tables, chunks, exportType);
  meta.setValue('cdc_phase', 'snapshot');
  let start: StreamStart;
  try {
    if (withSnapshot) {
      const created = await capture.createWithSnapshot(readersFor(chunks, snapshotJobs), (m) => reporter.warn(m));
      start = created;
      reporter.print(`Created ${capture.labels.stream} at ${capture.describePosition(start.startPosition)}; copying its snapshot.`);
      await runSnapshot(reporter, migration, source, { tables, chunks, session: created.snapshot, snapshotId, parallelJobs: snapshotJobs });
    } else {
      start = await capture.createWithoutSnapshot((m) => reporter.warn(m));
      meta.db.transaction(() => {
        for (const t of tables) meta.putSnapshotTable({ tableKey: tableKeyOf(t), schemaName: t.schema, tableName: t.name, columns: [...t.columns], format: 'text', exportedRows: 0, status: 'DONE' });
        meta.setStep('export_data', 'DONE', { exportType, finishedAt: new Date().toISOString() });
      })();
      reporter.print(`Created ${capture.labels.stream} at ${capture.describePosition(start.startPosition)} (changes only, no snapshot).`);
    }
  } catch (e) {
    reporter.warn(`${capture.labels.stream} may be left on the source; the next export data drops and recreates it. To remove it by hand: ${capture.labels.dropStream}`);
    throw e;
  } finally {
    clearNote();
  }
  meta.db.transaction(() => {
    meta.setValue('cdc_start_position', start.startPosition);
    meta.setValue('cdc_phase', 'streaming');
    meta.setStep('export_changes', 'IN_PROGRESS', { startedAt: new Date().toISOString() });
  })();
  await continueLiveExport(env, migration, source, { parallelJobs: options.parallelJobs, disableTriggersAndFks: options.disableTriggersAndFks });
}
