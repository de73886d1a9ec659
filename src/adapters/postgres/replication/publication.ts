/**
 * Publications name the tables a slot streams. Tandem always lists its tables (`FOR TABLE a, b`),
 * never `FOR ALL TABLES`, so its own bookkeeping in the metadata schema is never captured.
 */
import type pg from 'pg';
import { TandemError } from '../../../core/errors.js';
import { q } from '../../../core/sql-names.js';

/** A table to publish. */
export interface QualifiedTable {
  readonly schema: string;
  readonly name: string;
}

/** Schema of Tandem's own tables, which must never be published. */
export const METADATA_SCHEMA = 'ybvoyager_metadata';

/**
 * Creates publication `name` for exactly `tables`. On PostgreSQL 13+ it sets
 * `publish_via_partition_root = true`, so changes to partitions arrive as the parent table.
 * @example await createPublication(client, 'tandem_pub', [{ schema: 'public', name: 'orders' }]);
 */
export async function createPublication(
  client: pg.ClientBase,
  name: string,
  tables: readonly QualifiedTable[],
  options: { metadataSchema?: string } = {},
): Promise<void> {
  if (tables.length === 0) throw new TandemError('TANDEM_USAGE', 'A publication needs at least one table.');
  const metadataSchema = options.metadataSchema ?? METADATA_SCHEMA;
  const own = tables.find((t) => t.schema === metadataSchema);
  if (own) {
    // Publishing Tandem's bookkeeping would carry it back and forth in a fall-back.
    throw new TandemError('TANDEM_USAGE', `Table ${q(own.schema)}.${q(own.name)} belongs to Tandem's metadata and cannot be migrated.`);
  }
  const versionNum = Number((await client.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
  const list = tables.map((t) => `${q(t.schema)}.${q(t.name)}`).join(', ');
  const withClause = versionNum >= 130000 ? ' WITH (publish_via_partition_root = true)' : '';
  try {
    await client.query(`CREATE PUBLICATION ${q(name)} FOR TABLE ${list}${withClause}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42501') throw e;
    // The prerequisite check says this before anything is created; a grant revoked since lands here.
    const who = (await client.query('SELECT current_user AS u, current_database() AS d').catch(() => undefined))?.rows[0];
    const user = who ? q(String(who.u)) : '<user>';
    throw new TandemError('TANDEM_PRIVILEGE', `Cannot create publication ${name}: ${(e as Error).message}.`, {
      hint: `As a superuser: GRANT CREATE ON DATABASE ${who ? q(String(who.d)) : '<database>'} TO ${user}; and make ${user} the owner (ALTER TABLE … OWNER TO ${user};) or a member of the owner (GRANT <owner> TO ${user};) of each migrated table.`,
      cause: e,
    });
  }
}

/** Drops publication `name` if it exists. */
export async function dropPublication(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`DROP PUBLICATION IF EXISTS ${q(name)}`);
}

/** The tables of publication `name` (as `pg_publication_tables` lists them), or undefined if none. */
export async function publicationTables(client: pg.ClientBase, name: string): Promise<QualifiedTable[] | undefined> {
  const exists = await client.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [name]);
  if (exists.rows.length === 0) return undefined;
  const { rows } = await client.query(
    'SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2',
    [name],
  );
  return rows.map((r) => ({ schema: r.schemaname, name: r.tablename }));
}
