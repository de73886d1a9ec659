/** Change events applied to one table of a database, as its own metadata tables record them. */
export interface AppliedEventCounts {
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  /** Rows removed by the TRUNCATEs applied to this database. */
  readonly truncatedRows: number;
}

/**
 * The spec's metadata tables that Tandem keeps on a database it writes to (`ybvoyager_metadata`:
 * the change writer's channel progress and per-table counts, and on the target the snapshot's batch
 * records). Read by the data-migration report, removed by `end migration`.
 */
export interface MigrationMetadata {
  /** Change events this migration applied to the database, per table (`schema.table`); empty when none. */
  appliedEventCounts(migrationUuid: string): Promise<Map<string, AppliedEventCounts>>;
  /**
   * Drops the metadata tables; resolves with what was dropped, for the message ("schema
   * ybvoyager_metadata"), or undefined when there was none. Where the tables are the DBA's and shared
   * (Oracle's `ybvoyager_metadata` user), only this migration's rows (`migrationUuid`) are removed.
   */
  drop(migrationUuid?: string): Promise<string | undefined>;
}
