import type { DbConfig } from '../../core/db-config.js';
import type { AppliedEventCounts, MigrationMetadata } from '../../core/engine/migration-metadata.js';
import { q } from '../../core/sql-names.js';
import { withPg } from './pg-connection.js';
import { importedEventCounts } from './imported-event-counts.js';
import { DEFAULT_METADATA_SCHEMA } from './target-writer.js';

/** The spec's metadata schema (`ybvoyager_metadata`) on a PostgreSQL or YugabyteDB database. */
export class PgMigrationMetadata implements MigrationMetadata {
  constructor(private readonly db: DbConfig, private readonly schema = DEFAULT_METADATA_SCHEMA) {}

  appliedEventCounts(migrationUuid: string): Promise<Map<string, AppliedEventCounts>> {
    return withPg(this.db, (client) => importedEventCounts(client, migrationUuid, this.schema));
  }

  drop(): Promise<string | undefined> {
    return withPg(this.db, async (client) => {
      const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (schema.rows.length === 0) return undefined;
      await client.query(`DROP SCHEMA ${q(this.schema)} CASCADE`);
      return `schema ${this.schema}`;
    });
  }
}
