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

  /**
   * Removes this migration's rows (`migrationUuid`) from every table of the schema that has a
   * migration_uuid column, and the schema once no table in it holds rows: several migrations into
   * one database share it, and another one's channel progress dropped with the schema would make
   * its importer apply again what it had applied. Without a uuid, the schema. What was removed, for
   * the message, or undefined when there was nothing.
   */
  drop(migrationUuid?: string): Promise<string | undefined> {
    return withPg(this.db, async (client) => {
      const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (schema.rows.length === 0) return undefined;
      if (migrationUuid !== undefined) {
        const tables = await client.query(
          `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'migration_uuid' AND NOT a.attisdropped) AS keyed
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1`, [this.schema]);
        let removed = 0;
        let left = 0;
        for (const t of tables.rows as { name: string; keyed: boolean }[]) {
          const table = `${q(this.schema)}.${q(t.name)}`;
          if (t.keyed) removed += (await client.query(`DELETE FROM ${table} WHERE migration_uuid::text = $1`, [migrationUuid])).rowCount ?? 0;
          left += Number((await client.query(`SELECT count(*)::bigint AS n FROM (SELECT 1 FROM ${table} LIMIT 1) x`)).rows[0].n);
        }
        if (left > 0) return removed > 0 ? `this migration's rows in schema ${this.schema} (other migrations' rows kept)` : undefined;
      }
      await client.query(`DROP SCHEMA ${q(this.schema)} CASCADE`);
      return `schema ${this.schema}`;
    });
  }
}
