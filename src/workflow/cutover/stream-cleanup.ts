import { describeChangeCounts } from '../../core/engine/change-capture.js';
import type { CommandEnv } from '../command-env.js';
import type { Migration, Side } from '../migration-context.js';
import { EXPORTER_ROLES, type ExporterRole } from '../cdc/stream-exporter.js';
import { CutoverState } from './cutover-state.js';

/**
 * After a cutover marker, ends one side's change stream: if the stream holds row changes committed
 * after the marker (someone kept writing after the cutover was initiated), they are reported by
 * table and count, recorded in the cutover's status, and the stream is KEPT so nothing is lost
 * silently; otherwise its objects are dropped so it cannot fill the database's disk.
 */
export async function endChangeStream(env: CommandEnv, migration: Migration, { db, engine }: Side, side: ExporterRole): Promise<void> {
  const { reporter } = env;
  const { meta, uuid } = migration;
  const r = EXPORTER_ROLES[side];
  if (meta.getValue(r.replicationKey) === undefined) return;
  const capture = engine.changeCapture(db, { id: uuid, side });
  if (!(await capture.exists())) return; // dropped by an earlier run
  const tables = meta.snapshotTables().map((t) => ({ schema: t.schemaName, name: t.tableName }));
  const pending = await capture.changesAfter(meta.getValue<string>(r.markerPositionKey), tables);
  if (pending.size > 0) {
    const what = describeChangeCounts(pending);
    CutoverState.note(meta, r.direction, { writesAfterMarker: what, keptSlot: `${side}:${capture.labels.name}` });
    reporter.warn(`the ${side} received writes AFTER the cutover marker; they are NOT migrated: ${what}.`);
    reporter.warn(`the ${side}'s ${capture.labels.stream} is kept so nothing is lost; inspect it, then drop it: ${capture.labels.dropAll}`);
    return;
  }
  await capture.drop();
  reporter.print(`Dropped ${capture.labels.objects} on the ${side}.`);
}
