import type { CommandContext } from '../../cli/command-context.js';
import type { DbConfig } from '../../core/db-config.js';
import type { MetaStore } from '../../core/meta-store.js';
import { connectPg } from '../../adapters/postgres/pg-connection.js';
import { dropPublication } from '../../adapters/postgres/replication/publication.js';
import { emitDurableMessage, WAL_FLUSH_MESSAGE } from '../../adapters/postgres/logical-message.js';
import { describePending, peekPendingChanges } from '../../adapters/postgres/slot-inspection.js';
import { CutoverState, type CutoverDirection } from './cutover-state.js';

/**
 * After a cutover marker, ends one side's change stream: if the slot holds row changes committed
 * after the marker (someone kept writing after the cutover was initiated), they are reported by
 * table and count, recorded in the cutover's status, and the slot is KEPT so nothing is lost
 * silently; otherwise slot and publication are dropped so the slot cannot fill the disk.
 */
export async function endChangeStream(ctx: CommandContext, meta: MetaStore, db: DbConfig, replicationKey: string, direction: CutoverDirection, side: string): Promise<void> {
  const names = meta.getValue<{ slot: string; publication: string }>(replicationKey);
  if (!names) return;
  const client = await connectPg(db);
  try {
    const exists = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [names.slot]);
    if (exists.rows.length === 0) return; // dropped by an earlier run
    // Commits that returned to the application but are not flushed yet (synchronous_commit off)
    // are invisible to a peek: flush the WAL first, or such writes would be missed and their slot
    // dropped.
    await emitDurableMessage(client, WAL_FLUSH_MESSAGE);
    const pending = await peekPendingChanges(client, names.slot, names.publication);
    if (pending.size > 0) {
      const what = describePending(pending);
      CutoverState.note(meta, direction, { writesAfterMarker: what, keptSlot: `${side}:${names.slot}` });
      ctx.warn(`the ${side} received writes AFTER the cutover marker; they are NOT migrated: ${what}.`);
      ctx.warn(`the ${side}'s replication slot ${names.slot} is kept so nothing is lost; inspect it, then drop it: SELECT pg_drop_replication_slot('${names.slot}'); DROP PUBLICATION ${names.publication};`);
      return;
    }
    await client.query('SELECT pg_drop_replication_slot($1)', [names.slot]);
    await dropPublication(client, names.publication);
    ctx.print(`Dropped replication slot ${names.slot} and publication ${names.publication} on the ${side}.`);
  } finally {
    await client.end().catch(() => {});
  }
}
