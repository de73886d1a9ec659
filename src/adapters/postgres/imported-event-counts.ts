import type pg from 'pg';
import { q } from '../../core/sql-names.js';
import { DEFAULT_METADATA_SCHEMA } from './target-writer.js';
import { relationExists } from './source-catalog.js';
import { EVENT_COUNTS_TABLE } from './apply/apply-metadata.js';

export interface ImportedCounts { readonly inserts: number; readonly updates: number; readonly deletes: number }

/** Change events this migration applied to a database, per table, from its own metadata table. */
export async function importedEventCounts(client: pg.Client, migrationUuid: string, schema = DEFAULT_METADATA_SCHEMA): Promise<Map<string, ImportedCounts>> {
  if (!(await relationExists(client, `${q(schema)}.${EVENT_COUNTS_TABLE}`))) return new Map();
  const r = await client.query(
    `SELECT table_name, sum(num_inserts)::bigint AS i, sum(num_updates)::bigint AS u, sum(num_deletes)::bigint AS d
       FROM ${q(schema)}.${EVENT_COUNTS_TABLE} WHERE migration_uuid::text = $1 GROUP BY table_name`, [migrationUuid]);
  return new Map(r.rows.map((row) => [String(row.table_name), { inserts: Number(row.i), updates: Number(row.u), deletes: Number(row.d) }]));
}
