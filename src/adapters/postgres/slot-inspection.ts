import type pg from 'pg';
import type { ChangeCounts } from '../../core/engine/change-capture.js';
import { decodePgoutputMessage } from './replication/pgoutput-decoder.js';
import type { RelationMessage } from './replication/pgoutput-messages.js';
import type { Lsn } from './replication/lsn.js';

/** Row changes per table that a slot holds beyond what was acknowledged. */
export type PendingChanges = ChangeCounts;

/**
 * Counts the row changes a logical slot still holds (beyond its confirmed position) without
 * consuming them, by decoding the pgoutput bytes of `pg_logical_slot_peek_binary_changes`. Used at
 * cutover: writes that reached a database after the cutover marker must never be dropped silently.
 * The slot must not be in use by a walsender; a briefly lingering one is waited for.
 *
 * With `after` (the end LSN of the cutover marker's transaction), only transactions committed after
 * it count: an exporter killed between queuing the marker and acknowledging it leaves the marker's
 * transaction, and those queued with it, in the slot, and they are not writes after the marker.
 */
export async function peekPendingChanges(client: pg.Client, slot: string, publication: string, options: { after?: Lsn } = {}): Promise<PendingChanges> {
  let rows: { data: string }[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await client.query(
        // As hex text whatever the session's bytea_output (measured before: a database default of
        // escape made every decode fail, and the cutovers with it; the pg-types-49 run).
        "SELECT encode(data, 'hex') AS data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)", [slot, publication]);
      rows = r.rows;
      break;
    } catch (e) {
      // 55006: the slot is still active for the walsender that is shutting down.
      if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  const relations = new Map<number, RelationMessage>();
  const out: PendingChanges = new Map();
  let counting = true;
  const bump = (rel: RelationMessage | undefined, kind: 'inserts' | 'updates' | 'deletes' | 'truncates') => {
    if (!counting) return;
    const key = rel ? `${rel.schema}.${rel.name}` : '(unknown table)';
    const c = out.get(key) ?? { inserts: 0, updates: 0, deletes: 0, truncates: 0 };
    c[kind]++;
    out.set(key, c);
  };
  for (const row of rows) {
    const buf = Buffer.from(String(row.data), 'hex');
    const m = decodePgoutputMessage(buf);
    // A transaction's commit record lies at or after the end of every transaction committed before it.
    if (m.tag === 'begin') counting = options.after === undefined || m.finalLsn >= options.after;
    else if (m.tag === 'relation') relations.set(m.relationId, m);
    else if (m.tag === 'insert') bump(relations.get(m.relationId), 'inserts');
    else if (m.tag === 'update') bump(relations.get(m.relationId), 'updates');
    else if (m.tag === 'delete') bump(relations.get(m.relationId), 'deletes');
    else if (m.tag === 'truncate') for (const id of m.relationIds) bump(relations.get(id), 'truncates');
  }
  return out;
}
