import type { DbConfig } from '../../core/db-config.js';
import type { AppliedEventCounts, MigrationMetadata } from '../../core/engine/migration-metadata.js';
import { isOracleMissingTable } from './oracle-errors.js';
import { withDataSession } from './oracle-sessions.js';
import { CHANNELS_TABLE, EVENT_COUNTS_TABLE } from './writer/writer-sql.js';

/**
 * The spec's metadata tables on an Oracle source (`ybvoyager_metadata.ybvoyager_import_data_event_channels_metainfo`
 * and `…_imported_event_count_by_table`, created by the DBA with the spec's DDL; `import data to
 * source` writes them in the same transaction as each batch). They belong to the DBA and may serve
 * several migrations, so `end migration` removes only this migration's rows, never the tables or
 * the user.
 *
 * NOT RUN AGAINST A LIVE ORACLE. The SQL and the row mapping are pure and tested.
 */

/** Applied counts per table of one migration. Binds: :uuid. */
export const APPLIED_COUNTS_SQL = `SELECT table_name AS TABLE_NAME, TO_CHAR(SUM(NVL(num_inserts, 0))) AS INS,
       TO_CHAR(SUM(NVL(num_updates, 0))) AS UPD, TO_CHAR(SUM(NVL(num_deletes, 0))) AS DEL
  FROM ${EVENT_COUNTS_TABLE} WHERE migration_uuid = :uuid GROUP BY table_name ORDER BY table_name`;

/** Removes one migration's rows. Binds: :uuid. */
export const DELETE_MIGRATION_ROWS_SQL = [
  `DELETE FROM ${EVENT_COUNTS_TABLE} WHERE migration_uuid = :uuid`,
  `DELETE FROM ${CHANNELS_TABLE} WHERE migration_uuid = :uuid`,
] as const;

/** The counts from APPLIED_COUNTS_SQL's rows (keys as the writer wrote them: the target's `schema.table`). */
export function appliedCountsFromRows(rows: readonly Record<string, unknown>[]): Map<string, AppliedEventCounts> {
  // TRUNCATEs replayed into Oracle are DELETEs whose removed rows the spec's tables do not count.
  return new Map(rows.map((r) => [String(r.TABLE_NAME), { inserts: Number(r.INS ?? 0), updates: Number(r.UPD ?? 0), deletes: Number(r.DEL ?? 0), truncatedRows: 0 }]));
}

/** "The table does not exist / is not visible": no fall-back ever wrote here. */
const missingTable = isOracleMissingTable;

export class OracleMigrationMetadata implements MigrationMetadata {
  constructor(private readonly db: DbConfig) {}

  appliedEventCounts(migrationUuid: string): Promise<Map<string, AppliedEventCounts>> {
    return withDataSession(this.db, async (s) => {
      try {
        return appliedCountsFromRows(await s.query(APPLIED_COUNTS_SQL, { uuid: migrationUuid }));
      } catch (e) {
        if (missingTable(e)) return new Map();
        throw e;
      }
    });
  }

  /** Deletes this migration's rows from the two tables (they are the DBA's: never dropped). */
  drop(migrationUuid?: string): Promise<string | undefined> {
    if (migrationUuid === undefined) return Promise.resolve(undefined);
    return withDataSession(this.db, async (s) => {
      let rows = 0;
      try {
        for (const sql of DELETE_MIGRATION_ROWS_SQL) rows += await s.execute(sql, { uuid: migrationUuid });
        await s.commit();
      } catch (e) {
        await s.rollback().catch(() => {});
        if (missingTable(e)) return undefined;
        throw e;
      }
      return rows > 0 ? `this migration's ${rows} row(s) in YBVOYAGER_METADATA's tables (the tables and the user stay: they are the DBA's)` : undefined;
    });
  }
}
