/**
 * One row change as it travels through the queue (`data/queue/segment.<n>.ndjson`, one JSON object
 * per line). Engine-neutral: every value is the source's text form, exactly as the database printed
 * it, or null. The JSON field names are the stored format; do not rename them.
 *
 * Column presence matters: in `after`, a column that is absent was not changed and must be left as
 * it is on the target (pgoutput's unchanged-TOAST marker, YugabyteDB's CHANGE replica identity);
 * a column present with `null` was set to NULL.
 */
export interface ChangeEvent {
  /** Strictly increasing across the whole migration, including restarts and the cutover. */
  readonly vsn: number;
  /**
   * c = insert, u = update, d = delete, t = truncate (table-level; key and after are empty),
   * m = a marker (no row: schema and table are empty; `marker` says which), such as the point of a
   * cutover after which the other side's changes begin.
   */
  readonly op: 'c' | 'u' | 'd' | 't' | 'm';
  readonly schema: string;
  readonly table: string;
  /**
   * The primary key of the row as it was before the change (for c: the new row's key). An update
   * that changes the primary key has the old key here and the new key values in `after`.
   */
  readonly key: Readonly<Record<string, string | null>>;
  /** c: every column; u: the columns the source carried (absent = unchanged); d: absent. */
  readonly after?: Readonly<Record<string, string | null>>;
  /** Source position of the transaction's commit, as a string that sorts correctly as text. */
  readonly position: string;
  /** Source transaction id (for humans and diagnostics). */
  readonly txId: string;
  /** Only for op 'm'. */
  readonly marker?: MarkerKind;
  /**
   * u and d only: the source carried out no foreign-key actions for this change (a MySQL session
   * with `foreign_key_checks = 0`: the binlog's NO_FOREIGN_KEY_CHECKS flag), so a writer that carries
   * them out for a stream that leaves them out must not either.
   */
  readonly noForeignKeyActions?: true;
}

/** The markers the queue can hold. */
export type MarkerKind = 'cutover_to_target' | 'cutover_to_source';

/** A marker event (not yet numbered). */
export function markerEvent(marker: MarkerKind, position: string): Omit<ChangeEvent, 'vsn'> {
  return { op: 'm', schema: '', table: '', key: {}, position, txId: '', marker };
}

/** A change event before the queue has numbered it. */
export type UnnumberedChangeEvent = Omit<ChangeEvent, 'vsn'>;

/** The table of an event as `schema.table` (unquoted, as in the catalog). */
export function eventTableKey(e: Pick<ChangeEvent, 'schema' | 'table'>): string {
  return `${e.schema}.${e.table}`;
}

/** True when an update moves the row to another primary key. */
export function changesPrimaryKey(e: ChangeEvent): boolean {
  if (e.op !== 'u' || !e.after) return false;
  const after = e.after;
  for (const col in e.key) {
    if (col in after && after[col] !== e.key[col]) return true;
  }
  return false;
}
