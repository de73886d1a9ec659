import type { CommandContext } from '../../cli/command-context.js';
import type { DbConfig } from '../../core/db-config.js';
import { connectPg, connectionPlan, serverInfo } from '../../adapters/postgres/pg-connection.js';
import { tableKey, type SourceTable } from '../../adapters/postgres/source-catalog.js';
import { ReplicationConnection } from '../../adapters/postgres/replication/replication-connection.js';
import { createPublication, dropPublication } from '../../adapters/postgres/replication/publication.js';
import { formatLsn, lsnToPosition, type Lsn } from '../../adapters/postgres/replication/lsn.js';
import type { Migration } from '../migration-context.js';
import { beginSnapshot, runSnapshot, type ExportType } from '../export-data.js';
import { continueLiveExport } from './source-after-cutover.js';

/** Names of the source's slot and publication for this migration (stored in meta.db once chosen). */
export function sourceReplicationNames(migrationUuid: string): { slot: string; publication: string } {
  const id = migrationUuid.replace(/-/g, '').slice(0, 20);
  return { slot: `tandem_${id}`, publication: `tandem_pub_${id}` };
}

/**
 * Live export, first part: publication, a slot whose exported snapshot IS the snapshot that is
 * copied (no gap, no overlap between the copy and the stream), then the stream. A crash before the
 * snapshot is complete starts over with a new slot and a new snapshot id (the importer reloads).
 */
export async function exportLive(ctx: CommandContext, migration: Migration, source: DbConfig, tables: SourceTable[], exportType: ExportType): Promise<void> {
  const { meta, uuid } = migration;
  const names = meta.getValue<{ slot: string; publication: string }>('source_replication') ?? sourceReplicationNames(uuid);
  const replicationPlan = connectionPlan(source);
  const admin = await connectPg(source);
  // A failed open must not leave `admin` open: the process would never exit.
  const rc = await ReplicationConnection.open(replicationPlan).catch(async (e) => {
    await admin.end().catch(() => {});
    throw e;
  });
  let info;
  try {
    info = await serverInfo(admin);
    // From here on the source changes: say what we create, so a failure leaves nothing unexplained.
    meta.setValue('source_replication', names);
    if (await rc.slotExists(names.slot)) {
      ctx.print(`Dropping replication slot ${names.slot} left by an interrupted snapshot; the snapshot starts over.`);
      await rc.dropSlot(names.slot, { wait: true });
    }
    await dropPublication(admin, names.publication);
    await createPublication(admin, names.publication, tables.map((t) => ({ schema: t.schema, name: t.name })));
  } catch (e) {
    await rc.close().catch(() => {});
    await admin.end().catch(() => {});
    throw e;
  }
  await admin.end().catch(() => {});
  const snapshotId = beginSnapshot(ctx, migration, source, tables, exportType);
  meta.setValue('cdc_phase', 'snapshot');
  let startLsn: Lsn;
  try {
    if (exportType === 'snapshot-and-changes') {
      const slot = await rc.createSlotWithSnapshot(names.slot);
      ctx.print(`Created replication slot ${names.slot} at ${formatLsn(slot.consistentPoint)}; copying its snapshot.`);
      startLsn = slot.consistentPoint;
      await runSnapshot(ctx, migration, source, tables, {
        snapshotName: slot.snapshotName,
        async release() {
          slot.release();
          await rc.close().catch(() => {});
        },
      }, snapshotId, info.versionNum);
    } else {
      const slot = await rc.createSlot(names.slot);
      await rc.close().catch(() => {});
      startLsn = slot.consistentPoint;
      meta.db.transaction(() => {
        for (const t of tables) meta.putSnapshotTable({ tableKey: tableKey(t.schema, t.name), schemaName: t.schema, tableName: t.name, columns: t.columns, format: 'text', exportedRows: 0, status: 'DONE' });
        meta.setStep('export_data', 'DONE', { exportType, finishedAt: new Date().toISOString() });
      })();
      ctx.print(`Created replication slot ${names.slot} at ${formatLsn(slot.consistentPoint)} (changes only, no snapshot).`);
    }
  } catch (e) {
    await rc.close().catch(() => {});
    ctx.warn(`replication slot ${names.slot} may be left on the source; the next export data drops and recreates it. To remove it by hand: SELECT pg_drop_replication_slot('${names.slot}');`);
    throw e;
  }
  meta.db.transaction(() => {
    meta.setValue('cdc_start_position', lsnToPosition(startLsn));
    meta.setValue('cdc_phase', 'streaming');
    meta.setStep('export_changes', 'IN_PROGRESS', { startedAt: new Date().toISOString() });
  })();
  await continueLiveExport(ctx, migration, source);
}

