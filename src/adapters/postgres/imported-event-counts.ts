import type pg from 'pg';
import type { AppliedEventCounts } from '../../core/engine/migration-metadata.js';
import { q } from '../../core/sql-names.js';
import { DEFAULT_METADATA_SCHEMA } from './target-writer.js';
import { relationExists } from './source-catalog.js';
import { EVENT_COUNTS_TABLE, TRUNCATED_ROWS_TABLE } from './apply/apply-metadata.js';

export type ImportedCounts = AppliedEventCounts;

/** Change events this migration applied to a database, per table, from its own metadata table. */
export async function importedEventCounts(client: pg.Client, migrationUuid: string, schema = DEFAULT_METADATA_SCHEMA): Promise<Map<string, ImportedCounts>> {
  if (!(await relationExists(client, `${q(schema)}.${EVENT_COUNTS_TABLE}`))) return new Map();
  const r = await client.query(
    `SELECT table_name, sum(num_inserts)::bigint AS i, sum(num_updates)::bigint AS u, sum(num_deletes)::bigint AS d
       FROM ${q(schema)}.${EVENT_COUNTS_TABLE} WHERE migration_uuid::text = $1 GROUP BY table_name`, [migrationUuid]);
  const out = new Map<string, ImportedCounts>(r.rows.map((row) => [String(row.table_name), { inserts: Number(row.i), updates: Number(row.u), deletes: Number(row.d), truncatedRows: 0 }]));
  if (await relationExists(client, `${q(schema)}.${TRUNCATED_ROWS_TABLE}`)) {
    const t = await client.query(
      `SELECT table_name, sum(rows_removed)::bigint AS n FROM ${q(schema)}.${TRUNCATED_ROWS_TABLE} WHERE migration_uuid::text = $1 GROUP BY table_name`, [migrationUuid]);
    for (const row of t.rows) {
      const key = String(row.table_name);
      out.set(key, { ...(out.get(key) ?? { inserts: 0, updates: 0, deletes: 0 }), truncatedRows: Number(row.n) });
    }
  }
  return out;
}
