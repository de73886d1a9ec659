import type pg from 'pg';
import { q } from '../../../core/sql-names.js';
import type { ChannelProgress } from '../../../core/change-target.js';
import { TandemError } from '../../../core/errors.js';
import type { EventCounts } from '../../../core/apply/batch-plan.js';

export const CHANNELS_TABLE = 'ybvoyager_import_data_event_channels_metainfo';
export const EVENT_COUNTS_TABLE = 'ybvoyager_imported_event_count_by_table';
/**
 * Rows each applied TRUNCATE removed (Tandem's own table, beside the spec's): counted in the
 * transaction that truncates, so FINAL_ROW_COUNT stays exact through truncates.
 */
export const TRUNCATED_ROWS_TABLE = 'tandem_truncated_rows';

/**
 * Creates the spec's two progress tables unless they exist (a user who prepared them as the spec
 * shows keeps them; statements below pass untyped parameters, so either uuid or varchar columns
 * work), adds this migration's channel rows and returns their progress.
 */
export async function prepareChannels(client: pg.Client, schema: string, migrationUuid: string, channels: number): Promise<ChannelProgress[]> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${q(schema)}.${CHANNELS_TABLE} (
    migration_uuid uuid NOT NULL,
    channel_no int NOT NULL,
    last_applied_vsn bigint NOT NULL DEFAULT 0,
    num_inserts bigint NOT NULL DEFAULT 0,
    num_updates bigint NOT NULL DEFAULT 0,
    num_deletes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (migration_uuid, channel_no))`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${q(schema)}.${EVENT_COUNTS_TABLE} (
    migration_uuid uuid NOT NULL,
    table_name text NOT NULL,
    channel_no int NOT NULL,
    total_events bigint NOT NULL DEFAULT 0,
    num_inserts bigint NOT NULL DEFAULT 0,
    num_updates bigint NOT NULL DEFAULT 0,
    num_deletes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (migration_uuid, table_name, channel_no))`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${q(schema)}.${TRUNCATED_ROWS_TABLE} (
    migration_uuid uuid NOT NULL,
    table_name text NOT NULL,
    vsn bigint NOT NULL,
    rows_removed bigint NOT NULL,
    PRIMARY KEY (migration_uuid, table_name, vsn))`);
  const existing = await client.query(
    `SELECT max(channel_no)::int AS m FROM ${q(schema)}.${CHANNELS_TABLE} WHERE migration_uuid = $1`, [migrationUuid]);
  const maxChannel = existing.rows[0].m === null ? -1 : Number(existing.rows[0].m);
  if (maxChannel >= 0 && maxChannel + 1 !== channels) {
    // Rows were hashed to channels by the old count; another count, smaller or larger, would send a
    // row's later events to a channel whose progress knows nothing of its earlier ones.
    throw new TandemError('TANDEM_EXPORT_DIR', `This migration applied changes with ${maxChannel + 1} channels; it must keep that number (asked for ${channels}).`);
  }
  await client.query(
    `INSERT INTO ${q(schema)}.${CHANNELS_TABLE} (migration_uuid, channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes)
     SELECT $1, n, 0, 0, 0, 0 FROM generate_series(0, $2::int - 1) n
     ON CONFLICT (migration_uuid, channel_no) DO NOTHING`, [migrationUuid, channels]);
  const r = await client.query(
    `SELECT channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes FROM ${q(schema)}.${CHANNELS_TABLE}
      WHERE migration_uuid = $1 ORDER BY channel_no`, [migrationUuid]);
  return r.rows.map((row) => ({
    channelNo: Number(row.channel_no),
    lastAppliedVsn: Number(row.last_applied_vsn ?? 0),
    inserts: Number(row.num_inserts ?? 0),
    updates: Number(row.num_updates ?? 0),
    deletes: Number(row.num_deletes ?? 0),
  }));
}

/** One statement that records a batch: the channel row and the per-table counts. */
export function progressSql(schema: string, param: (n: number) => string = (n) => `$${n}`): string {
  const [p1, p2, p3, p4, p5, p6, p7] = [1, 2, 3, 4, 5, 6, 7].map(param);
  return `WITH ch AS (
      UPDATE ${q(schema)}.${CHANNELS_TABLE} SET last_applied_vsn = ${p3},
             num_inserts = num_inserts + ${p4}, num_updates = num_updates + ${p5}, num_deletes = num_deletes + ${p6}
       WHERE migration_uuid = ${p1} AND channel_no = ${p2} RETURNING 1)
    INSERT INTO ${q(schema)}.${EVENT_COUNTS_TABLE} AS c (migration_uuid, table_name, channel_no, total_events, num_inserts, num_updates, num_deletes)
    SELECT ${p1}, x.t, ${p2}, x.n, x.i, x.u, x.d FROM jsonb_to_recordset(${p7}::jsonb) AS x(t text, n bigint, i bigint, u bigint, d bigint)
    ON CONFLICT (migration_uuid, table_name, channel_no) DO UPDATE SET
      total_events = c.total_events + excluded.total_events, num_inserts = c.num_inserts + excluded.num_inserts,
      num_updates = c.num_updates + excluded.num_updates, num_deletes = c.num_deletes + excluded.num_deletes`;
}

export function progressParams(migrationUuid: string, channelNo: number, lastVsn: number, plan: { inserts: number; updates: number; deletes: number; counts: Map<string, EventCounts> }): unknown[] {
  const perTable = [...plan.counts].map(([t, c]) => ({ t, n: c.total, i: c.inserts, u: c.updates, d: c.deletes }));
  return [migrationUuid, channelNo, lastVsn, plan.inserts, plan.updates, plan.deletes, JSON.stringify(perTable)];
}

/** Records the rows a TRUNCATE (at `vsn`) removed from a table (`schema.table`); same transaction. */
export function truncatedRowsSql(schema: string): string {
  return `INSERT INTO ${q(schema)}.${TRUNCATED_ROWS_TABLE} (migration_uuid, table_name, vsn, rows_removed) VALUES ($1, $2, $3, $4)`;
}
