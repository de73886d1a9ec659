import type { DbConfig } from '../../core/db-config.js';
import type { SequenceRestoreResult, SequenceSync, SequenceValue } from '../../core/engine/sequences.js';
import type pg from 'pg';
import { connectPg } from './pg-connection.js';
import { WarmConnection } from '../../core/warm-connection.js';
import { readSequences } from './source-catalog.js';
import { restoreSequences } from './sequence-sync.js';

/**
 * Sequences of a PostgreSQL or YugabyteDB database (serial, identity and standalone ones): read as
 * `last_value`/`is_called`, restored with `setval`, never below the highest value of a column a
 * sequence feeds (`sequence-sync.ts`).
 */
export class PgSequenceSync implements SequenceSync {
  private readonly connection: WarmConnection<pg.Client>;

  constructor(db: DbConfig) {
    this.connection = new WarmConnection(() => connectPg(db), (c) => c.end());
  }

  warm(refreshMs?: number): void {
    this.connection.warm(refreshMs);
  }

  read(schemas: readonly string[]): Promise<SequenceValue[]> {
    return this.connection.run((c) => readSequences(c, [...schemas]));
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** Safe to repeat (a second run on a new connection if the warm one was lost): every value is worked out before any is set. */
  restore(values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
    return this.connection.run((c) => restoreSequences(c, values));
  }
}
