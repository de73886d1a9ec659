/**
 * AUTO_INCREMENT counters and MariaDB sequences behind the `SequenceSync` role.
 *
 * Names: a counter is found by the name of the PostgreSQL sequence that feeds its column on the
 * target, so that values read on one side restore on the other: `<table>_<column>_seq` as
 * PostgreSQL names an identity column's sequence (`pgIdentitySequenceName`: cut to 63 bytes as
 * PostgreSQL's makeObjectName does), the sequence Tandem creates for a BIGINT UNSIGNED column
 * (`autoIncrementSequenceName`), or the table's own name.
 *
 * - `read`: each AUTO_INCREMENT column's counter as that sequence's state (next value N is
 *   last value N-1, called; a counter at 1 is 1, not called), in the target's schema.
 * - `restore` (cutover to source): sets each table's counter from the other side's value, never
 *   below the column's maximum + 1 (InnoDB would refuse to go lower anyway; reading the maximum
 *   first lets the result say so). Every value is worked out before any counter is set.
 * - With a `SequenceScope`, only the migrated tables' counters: `export schema` creates every
 *   table on the target, but the others are not the migration's.
 * - MariaDB sequences, read and set alike (`mariadb-sequence-sync.ts`): all of the database's, as
 *   `export schema` creates them all on the target.
 */
import type { SequenceRestoreResult, SequenceScope, SequenceSync, SequenceValue } from '../../../core/engine/sequences.js';
import { TandemError } from '../../../core/errors.js';
import { failpoint } from '../../../core/failpoint.js';
import { mysqlIdent, readMySqlCatalog } from '../catalog.js';
import { connectMySql, type MySqlDbConfig, type MySqlSession } from '../connection.js';
import { currentAccount, privilegeError } from '../privilege-errors.js';
import { WarmConnection } from '../../../core/warm-connection.js';
import { autoIncrementSequenceName } from '../schema/table-ddl.js';
import { pgIdentitySequenceName } from '../schema/pg-names.js';

export { pgIdentitySequenceName };
import { DEFAULT_MYSQL_TARGET_SCHEMA } from '../schema/convert-schema.js';
import { autoIncrementColumns, readAutoIncrementCounters, setMySqlAutoIncrementSql } from '../sequences.js';
import type { MySqlCatalog } from '../catalog-types.js';
import { checkSequencePrivileges, mariaDbSequenceValues, planMariaDbSequences, setMariaDbSequenceSql } from './mariadb-sequence-sync.js';

/** The names under which a counter is found (see the file's comment). */
export function counterNames(table: string, column: string): string[] {
  return [...new Set([pgIdentitySequenceName(table, column), autoIncrementSequenceName(table, column), table])];
}

export class MySqlAutoIncrementSync implements SequenceSync {
  /**
   * @param config the MySQL database
   * @param targetSchema the PostgreSQL schema the database became (default public): the schema of what `read` returns
   */
  constructor(private readonly config: MySqlDbConfig, private readonly targetSchema = DEFAULT_MYSQL_TARGET_SCHEMA) {
    this.connection = new WarmConnection(() => connectMySql(config), (s) => s.connection.end().catch(() => s.connection.destroy()));
  }

  private readonly connection: WarmConnection<MySqlSession>;

  /** Opens the connection the next `read` or `restore` uses (the cutover waits for both). */
  warm(refreshMs?: number): void {
    this.connection.warm(refreshMs);
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /**
   * The counters of the database (the schemas argument names the target schema; others give
   * nothing): the AUTO_INCREMENT counters of the scope's tables (every table without a scope), then
   * the MariaDB sequences.
   */
  async read(schemas: readonly string[], scope?: SequenceScope): Promise<SequenceValue[]> {
    if (!schemas.includes(this.targetSchema) && !schemas.includes(this.config.database)) return [];
    return this.connection.run(async ({ connection, server }) => {
      const catalog = this.scoped(await readMySqlCatalog(connection, server, this.config.database), scope);
      const counters = await readAutoIncrementCounters(connection, catalog);
      return [...counters.map((c) => {
        const next = BigInt(c.nextValue);
        const col = catalog.tables.find((t) => t.name === c.table)?.columns.find((x) => x.name === c.column);
        // A BIGINT UNSIGNED column became numeric(20,0), fed by a sequence of Tandem's own name.
        const bigUnsigned = col?.dataType === 'bigint' && col.unsigned;
        return {
          schema: this.targetSchema,
          name: bigUnsigned ? autoIncrementSequenceName(c.table, c.column) : pgIdentitySequenceName(c.table, c.column),
          lastValue: next > 1n ? (next - 1n).toString() : '1',
          isCalled: next > 1n,
        };
      }), ...mariaDbSequenceValues(catalog, this.targetSchema)];
    });
  }

  /** The catalog with only the scope's tables (by their target names); all of them without a scope. */
  private scoped(catalog: MySqlCatalog, scope: SequenceScope | undefined): MySqlCatalog {
    if (!scope) return catalog;
    const names = new Set(scope.tables.filter((t) => t.schema === this.targetSchema || t.schema === this.config.database).map((t) => t.name));
    return { ...catalog, tables: catalog.tables.filter((t) => names.has(t.name)) };
  }

  async restore(values: readonly SequenceValue[], scope?: SequenceScope): Promise<SequenceRestoreResult[]> {
    return this.connection.run(async ({ connection, server }) => {
      const full = await readMySqlCatalog(connection, server, this.config.database);
      const catalog = this.scoped(full, scope);
      const byName = new Map(values.filter((v) => v.schema === this.targetSchema || v.schema === this.config.database).map((v) => [v.name, v]));
      const plan: { table: string; column: string; next: bigint; raised: boolean }[] = [];
      for (const { table, column } of autoIncrementColumns(catalog)) {
        const v = counterNames(table, column).map((n) => byName.get(n)).find((x) => x !== undefined);
        if (!v) continue;
        if (!/^-?\d+$/.test(v.lastValue)) throw new TandemError('TANDEM_DATA', `The counter value for ${table}.${column} is not an integer.`);
        let next = v.isCalled ? BigInt(v.lastValue) + 1n : BigInt(v.lastValue);
        if (next < 1n) next = 1n;
        const [rows] = await connection.query(`SELECT MAX(${mysqlIdent(column)}) AS m FROM ${mysqlIdent(this.config.database)}.${mysqlIdent(table)}`);
        const max = (rows as { m: string | null }[])[0]?.m;
        let raised = false;
        if (max !== null && max !== undefined && BigInt(max) + 1n > next) {
          next = BigInt(max) + 1n;
          raised = true;
        }
        plan.push({ table, column, next, raised });
      }
      // Sequences may feed any table's DEFAULT, migrated or not: the maxima of all of them.
      const sequences = await planMariaDbSequences(connection, full, byName, this.config.user);
      await checkSequencePrivileges(connection, this.config.database, this.config.user, sequences);
      const out: SequenceRestoreResult[] = [];
      for (const p of plan) {
        if (out.length > 0) failpoint('cutover.between-sequence-restores');
        try {
          await connection.query(setMySqlAutoIncrementSql(this.config.database, p.table, p.next.toString()));
        } catch (e) {
          throw privilegeError(e, {
            doing: `Setting the AUTO_INCREMENT counter of ${this.config.database}.${p.table} to ${p.next}`, database: this.config.database,
            account: await currentAccount(connection, this.config.user), privilegesFor: () => 'ALTER',
            then: 'rerun "import data to source", which completes the cutover to source (the counters are set once more; the data is already there; initiating the cutover again changes nothing).',
          }) ?? e;
        }
        out.push({ sequence: `${this.config.database}.${p.table}.${p.column}`, value: p.next.toString(), raisedToData: p.raised });
      }
      for (const s of sequences) {
        if (out.length > 0) failpoint('cutover.between-sequence-restores');
        // NULL when the sequence was already past the value (SETVAL never moves it back).
        await connection.query(setMariaDbSequenceSql(this.config.database, s.sequence.name, s.value, s.used));
        out.push({ sequence: `${this.config.database}.${s.sequence.name}`, value: s.value.toString(), raisedToData: s.raised });
      }
      return out;
    });
  }
}
