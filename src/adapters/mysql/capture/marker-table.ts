/**
 * Tandem's markers in a MySQL binlog (pure SQL and names): a marker is a row inserted into a small
 * table of the metadata database (`ybvoyager_metadata.tandem_markers`), committed on its own, so it
 * reaches the binlog after every transaction committed before it and arrives through the capture
 * like any row change. The capture reads the table as one more table and turns its rows into
 * markers (`markersOf`); they never reach the queue as row changes. A `created` row per stream
 * says that the stream exists (MySQL has no slot to ask).
 */
import type { MarkerKind, UnnumberedChangeEvent } from '../../../core/change-event.js';
import type { ChangeStreamNames } from '../../../core/engine/change-capture.js';
import { mysqlIdent } from '../catalog.js';
import type { CaptureTable } from './capture-table.js';

/** The marker table, in the metadata database. */
export const MARKER_TABLE = 'tandem_markers';

/** The `kind` of the row that says a stream exists. */
export const STREAM_CREATED = 'created';

/**
 * The schema the capture gives the marker table's events: no migrated table can have it (a MySQL
 * table's events carry the target's schema, a PostgreSQL name, which cannot contain a NUL).
 */
export const MARKER_EVENT_SCHEMA = '\u0000tandem-markers';

const MARKER_KINDS: readonly MarkerKind[] = ['cutover_to_target', 'cutover_to_source'];

/** The stream id of one side of a migration (the marker rows' `stream_id`): `tandem_<id>` / `tandem_fb_<id>`. */
export function mysqlStreamId(names: ChangeStreamNames): string {
  const id = names.id.replace(/-/g, '').slice(0, 20);
  return names.side === 'source' ? `tandem_${id}` : `tandem_fb_${id}`;
}

/** `ybvoyager_metadata`.`tandem_markers`. */
export function markerTableName(metadataDb: string): string {
  return `${mysqlIdent(metadataDb)}.${mysqlIdent(MARKER_TABLE)}`;
}

/** The database and the table, created if missing (InnoDB: a marker commits with the binlog). */
export function createMarkerTableSql(metadataDb: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${mysqlIdent(metadataDb)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${markerTableName(metadataDb)} (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  stream_id varchar(64) NOT NULL,
  kind varchar(32) NOT NULL,
  created_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  ];
}

/** The marker table as the capture reads it (its columns as `createMarkerTableSql` creates them). */
export function markerCaptureTable(metadataDb: string): CaptureTable {
  return {
    database: metadataDb,
    table: MARKER_TABLE,
    columns: [
      { name: 'id', dataType: 'bigint', unsigned: false, charset: null },
      { name: 'stream_id', dataType: 'varchar', charset: 'utf8mb4' },
      { name: 'kind', dataType: 'varchar', charset: 'utf8mb4' },
      { name: 'created_at', dataType: 'timestamp', charset: null, fsp: 6 },
    ],
    primaryKey: ['id'],
    eventSchema: MARKER_EVENT_SCHEMA,
  };
}

/** Inserts one marker row. Binds: stream id, kind. */
export function insertMarkerSql(metadataDb: string): string {
  return `INSERT INTO ${markerTableName(metadataDb)} (stream_id, kind) VALUES (?, ?)`;
}

/** Removes a stream's rows. Binds: stream id. */
export function deleteStreamRowsSql(metadataDb: string): string {
  return `DELETE FROM ${markerTableName(metadataDb)} WHERE stream_id = ?`;
}

/** Counts a stream's rows. Binds: stream id. */
export function countStreamRowsSql(metadataDb: string): string {
  return `SELECT COUNT(*) AS n FROM ${markerTableName(metadataDb)} WHERE stream_id = ?`;
}

/** Counts every stream's rows. */
export function countAllRowsSql(metadataDb: string): string {
  return `SELECT COUNT(*) AS n FROM ${markerTableName(metadataDb)}`;
}

/** Whether an event is a row of the marker table (never a row change to queue). */
export function isMarkerRow(e: Pick<UnnumberedChangeEvent, 'schema'>): boolean {
  return e.schema === MARKER_EVENT_SCHEMA;
}

/**
 * Splits a transaction's events into the row changes of migrated tables and the markers of
 * `streamId` inserted in it (another stream's rows, `created` rows and deletes are ignored).
 */
export function markersOf(events: UnnumberedChangeEvent[], streamId: string): { events: UnnumberedChangeEvent[]; markers: MarkerKind[] } {
  // Nearly every transaction has no marker row: its events are passed on as they are.
  let i = 0;
  while (i < events.length && !isMarkerRow(events[i]!)) i++;
  if (i === events.length) return { events, markers: [] };
  const rows: UnnumberedChangeEvent[] = [];
  const markers: MarkerKind[] = [];
  for (const e of events) {
    if (!isMarkerRow(e)) {
      rows.push(e);
      continue;
    }
    const kind = e.after?.kind;
    if (e.op === 'c' && e.after?.stream_id === streamId && MARKER_KINDS.includes(kind as MarkerKind)) markers.push(kind as MarkerKind);
  }
  return { events: rows, markers };
}

/** The SQL errors that mean the marker table (or its database) is not there: ER_BAD_DB_ERROR, ER_NO_SUCH_TABLE. */
export function isMissingMarkerTable(e: unknown): boolean {
  const n = (e as { errno?: unknown } | undefined)?.errno;
  return n === 1049 || n === 1146;
}
