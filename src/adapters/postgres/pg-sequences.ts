import type { DbConfig } from '../../core/db-config.js';
import type { SequenceRestoreResult, SequenceSync, SequenceValue } from '../../core/engine/sequences.js';
import type pg from 'pg';
import { connectPg, withPg } from './pg-connection.js';
import { readSequences } from './source-catalog.js';
import { restoreSequences } from './sequence-sync.js';

/**
 * Sequences of a PostgreSQL or YugabyteDB database (serial, identity and standalone ones): read as
 * `last_value`/`is_called`, restored with `setval`, never below the highest value of a column a
 * sequence feeds (`sequence-sync.ts`).
 */
export class PgSequenceSync implements SequenceSync {
  private warmed: Promise<pg.Client> | undefined;

  constructor(private readonly db: DbConfig) {}

  warm(): void {
    if (this.warmed) return;
    this.warmed = connectPg(this.db);
    this.warmed.catch(() => {}); // read() or restore() connects again
  }

  read(schemas: readonly string[]): Promise<SequenceValue[]> {
    return this.onWarmConnection((c) => readSequences(c, [...schemas]));
  }

  async close(): Promise<void> {
    const warmed = this.warmed;
    this.warmed = undefined;
    await (await warmed?.catch(() => undefined))?.end().catch(() => {});
  }

  restore(values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
    return this.onWarmConnection((c) => restoreSequences(c, values));
  }

  /**
   * Runs `fn` on the warm connection if there is one (then closes it), else on a new one. A failure
   * on the warm connection runs `fn` once more on a new one: it may have been lost while it waited
   * (an idle timeout), and both reading and restoring are safe to repeat (a restore works out every
   * value before it sets any).
   */
  private async onWarmConnection<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const warmed = this.warmed;
    this.warmed = undefined;
    const client = await warmed?.catch(() => undefined);
    if (client) {
      try {
        return await fn(client);
      } catch {
        // connect again below
      } finally {
        // Closed behind the answer: the cutover waits for the answer, not for the socket to close.
        void client.end().catch(() => {});
      }
    }
    return withPg(this.db, fn);
  }
}
