import type { MetaStore } from '../meta-store.js';
import { ensureQueueTables } from './queue-tables.js';

/** One importer reading the queue, and how far it has applied it. */
export interface QueueConsumer {
  /** e.g. 'target' (import data to target) or 'source' (import data to source, for fall-back). */
  readonly name: string;
  /** Every event with vsn <= appliedVsn has been applied on this consumer's database. */
  readonly appliedVsn: number;
  readonly updatedAt: string;
}

/**
 * The importers of the queue and their applied low-watermarks (`queue_consumers` in meta.db).
 * `archive changes` only removes a segment once every registered consumer has applied all of it,
 * so an importer registers before it starts reading, and reports progress after its batches commit
 * on its database (the database's own progress table stays the truth; this is the queue's mirror).
 *
 * @example
 * QueueConsumers.register(meta, 'target');
 * QueueConsumers.setAppliedVsn(meta, 'target', lowWatermark);
 */
export class QueueConsumers {
  /**
   * Registers `name` if it is not registered yet, with `appliedVsn` (default 0: needs everything).
   * Registering again keeps the recorded watermark.
   */
  static register(meta: MetaStore, name: string, appliedVsn = 0): void {
    ensureQueueTables(meta);
    meta.prepare('INSERT INTO queue_consumers (name, applied_vsn, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(name, appliedVsn, new Date().toISOString());
  }

  /**
   * Records that `name` has applied every event up to `appliedVsn`. The watermark never moves
   * back: an older value (a late report from a restarted channel) is ignored. Registers if needed.
   */
  static setAppliedVsn(meta: MetaStore, name: string, appliedVsn: number): void {
    ensureQueueTables(meta);
    meta.prepare(`INSERT INTO queue_consumers (name, applied_vsn, updated_at) VALUES (?, ?, ?)
                     ON CONFLICT (name) DO UPDATE SET applied_vsn = MAX(applied_vsn, excluded.applied_vsn), updated_at = excluded.updated_at`)
      .run(name, appliedVsn, new Date().toISOString());
  }

  /** The applied watermark of `name`, or undefined if it never registered. */
  static appliedVsn(meta: MetaStore, name: string): number | undefined {
    ensureQueueTables(meta);
    const row = meta.prepare('SELECT applied_vsn FROM queue_consumers WHERE name = ?').get(name) as { applied_vsn: number } | undefined;
    return row?.applied_vsn;
  }

  /** Every registered consumer, by name. */
  static list(meta: MetaStore): QueueConsumer[] {
    ensureQueueTables(meta);
    const rows = meta.prepare('SELECT name, applied_vsn, updated_at FROM queue_consumers ORDER BY name').all() as
      { name: string; applied_vsn: number; updated_at: string }[];
    return rows.map((r) => ({ name: r.name, appliedVsn: r.applied_vsn, updatedAt: r.updated_at }));
  }

  /** The lowest watermark over all consumers: events up to it are applied everywhere. Undefined with none. */
  static minAppliedVsn(meta: MetaStore): number | undefined {
    ensureQueueTables(meta);
    const row = meta.prepare('SELECT COUNT(*) AS n, MIN(applied_vsn) AS m FROM queue_consumers').get() as { n: number; m: number | null };
    return row.n === 0 ? undefined : row.m ?? undefined;
  }

  /** Removes a consumer that will never read again (e.g. the source importer after the migration ends). */
  static unregister(meta: MetaStore, name: string): void {
    ensureQueueTables(meta);
    meta.prepare('DELETE FROM queue_consumers WHERE name = ?').run(name);
  }
}
