import type { DbConfig } from '../../core/db-config.js';
import type { SequenceRestoreResult, SequenceSync, SequenceValue } from '../../core/engine/sequences.js';
import { withPg } from './pg-connection.js';
import { readSequences } from './source-catalog.js';
import { restoreSequences } from './sequence-sync.js';

/**
 * Sequences of a PostgreSQL or YugabyteDB database (serial, identity and standalone ones): read as
 * `last_value`/`is_called`, restored with `setval`, never below the highest value of a column a
 * sequence feeds (`sequence-sync.ts`).
 */
export class PgSequenceSync implements SequenceSync {
  constructor(private readonly db: DbConfig) {}

  read(schemas: readonly string[]): Promise<SequenceValue[]> {
    return withPg(this.db, (client) => readSequences(client, [...schemas]));
  }

  restore(values: readonly SequenceValue[]): Promise<SequenceRestoreResult[]> {
    return withPg(this.db, (client) => restoreSequences(client, values));
  }
}
