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
    this.warmed.catch(() => {}); // read() connects again
  }

  async read(schemas: readonly string[]): Promise<SequenceValue[]> {
    const warmed = this.warmed;
    this.warmed = undefined;
    const client = await warmed?.catch(() => undefined);
    if (client) {
      try {
        return await readSequences(client, [...schemas]);
      } catch {
        // The warm connection may have been lost while it waited (an idle timeout): connect again.
      } finally {
        await client.end().catch(() => {});
      }
    }
    return withPg(this.db, (c) => readSequences(c, [...schemas]));
  }

  async close(): Promise<void> {
    const warmed = this.warmed;
    this.warmed = undefined;
    await (await warmed?.catch(() => undefined))?.end().catch(() => {});
  }

  restore(values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
    return withPg(this.db, (client) => restoreSequences(client, values));
  }
}
