/**
 * The spec's metadata tables on a MySQL database Tandem writes to (the fall-back writer's
 * `ybvoyager_metadata` database): the counts the data-migration report reads, and their removal at
 * `end migration`. Shaped as the `MigrationMetadata` role (`core/engine/migration-metadata.ts` on
 * main): `appliedEventCounts` and `drop`.
 */
import { mysqlIdent } from '../catalog.js';
import { TandemError } from '../../../core/errors.js';
import { describeDb } from '../../../core/db-config.js';
import { accessDeniedErrno, currentAccount } from '../privilege-errors.js';
import { withMySql, type MySqlDbConfig } from '../connection.js';
import { DEFAULT_MYSQL_METADATA_DATABASE } from './mysql-change-target.js';
import { CHANNELS_TABLE, EVENT_COUNTS_TABLE, TRUNCATED_ROWS_TABLE, mysqlLiteral } from './writer-sql.js';

/** Change events applied to one table (as `AppliedEventCounts`). */
export interface MySqlAppliedEventCounts {
  readonly inserts: number;
  readonly updates: number;
  readonly deletes: number;
  /** Rows removed by the truncates applied to this database. */
  readonly truncatedRows: number;
}

export class MySqlMigrationMetadata {
  constructor(private readonly config: MySqlDbConfig, private readonly database = DEFAULT_MYSQL_METADATA_DATABASE) {}

  /** Change events this migration applied, per table (`schema.table` as events name it); empty when none. */
  appliedEventCounts(migrationUuid: string): Promise<Map<string, MySqlAppliedEventCounts>> {
    return withMySql(this.config, async ({ connection }) => {
      const out = new Map<string, MySqlAppliedEventCounts>();
      const [tables] = await connection.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [this.database]);
      const present = new Set((tables as { t: string }[]).map((r) => r.t));
      const db = mysqlIdent(this.database);
      if (present.has(EVENT_COUNTS_TABLE)) {
        const [rows] = await connection.query(`SELECT table_name AS t, SUM(num_inserts) AS i, SUM(num_updates) AS u, SUM(num_deletes) AS d
          FROM ${db}.${mysqlIdent(EVENT_COUNTS_TABLE)} WHERE migration_uuid = ${mysqlLiteral(migrationUuid)} GROUP BY table_name`);
        for (const r of rows as { t: string; i: string; u: string; d: string }[]) {
          out.set(r.t, { inserts: Number(r.i), updates: Number(r.u), deletes: Number(r.d), truncatedRows: 0 });
        }
      }
      if (present.has(TRUNCATED_ROWS_TABLE)) {
        const [rows] = await connection.query(`SELECT table_name AS t, SUM(rows_removed) AS n FROM ${db}.${mysqlIdent(TRUNCATED_ROWS_TABLE)}
          WHERE migration_uuid = ${mysqlLiteral(migrationUuid)} GROUP BY table_name`);
        for (const r of rows as { t: string; n: string }[]) {
          out.set(r.t, { ...(out.get(r.t) ?? { inserts: 0, updates: 0, deletes: 0 }), truncatedRows: Number(r.n) });
        }
      }
      return out;
    });
  }

  /**
   * Removes this migration's rows (`migrationUuid`), and the database once no table in it holds
   * rows of another migration (several migrations from one server share it); without a uuid, the
   * database. What was removed, for the message, or undefined when there was nothing.
   */
  drop(migrationUuid?: string): Promise<string | undefined> {
    return withMySql(this.config, async ({ connection }) => {
      const [rows] = await connection.query('SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [this.database]);
      if (!(rows as { s: string }[]).some((r) => r.s === this.database)) return undefined;
      const db = mysqlIdent(this.database);
      if (migrationUuid !== undefined) {
        const [tables] = await connection.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [this.database]);
        const names = (tables as { t: string }[]).map((r) => r.t);
        let removed = 0;
        let left = 0;
        for (const t of names) {
          if ([CHANNELS_TABLE, EVENT_COUNTS_TABLE, TRUNCATED_ROWS_TABLE].includes(t)) {
            const [r] = await connection.query(`DELETE FROM ${db}.${mysqlIdent(t)} WHERE migration_uuid = ${mysqlLiteral(migrationUuid)}`);
            removed += Number((r as { affectedRows?: number }).affectedRows ?? 0);
          }
          const [n] = await connection.query(`SELECT COUNT(*) AS n FROM ${db}.${mysqlIdent(t)}`);
          left += Number((n as { n: string | number }[])[0]?.n ?? 0);
        }
        if (left > 0) return removed > 0 ? `this migration's rows in database ${this.database} (other migrations' rows kept)` : undefined;
      }
      try {
        await connection.query(`DROP DATABASE ${db}`);
      } catch (e) {
        if (accessDeniedErrno(e) === undefined) throw e;
        // Nothing else is left to do on this database: a rerun of end migration resumes here.
        const account = await currentAccount(connection, this.config.user);
        throw new TandemError('TANDEM_PRIVILEGE', `User ${account} may not drop Tandem's metadata database ${this.database} on ${describeDb(this.config)} (DROP privilege missing): ${migrationUuid !== undefined ? 'this migration\'s rows in it are removed, ' : ''}the database is kept.`, {
          hint: `GRANT DROP ON ${db}.* TO ${account}; then rerun tandem end migration (it resumes), or drop it as an administrator: DROP DATABASE ${db};`,
          cause: e,
        });
      }
      return `database ${this.database}`;
    });
  }
}
