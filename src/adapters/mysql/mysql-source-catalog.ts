import type { DbConfig } from '../../core/db-config.js';
import { isMySqlReadOnly, TandemError } from '../../core/errors.js';
import { primaryKeyFinding, type ExportPurpose, type PrerequisiteFinding, type SourceCatalog, type TableInfo } from '../../core/engine/catalog.js';

/** The server's refusals of a statement for a privilege (table, column, database). */
import { mysqlIdent, readMySqlCatalog } from './catalog.js';
import { sequencesDeniedSetval } from './writer/mariadb-sequence-sync.js';
import type { MySqlCatalog, MySqlTable } from './catalog-types.js';
import { checkCapturePrerequisites, missingPrivileges } from './capture/prerequisites.js';
import { currentAccount, deniedObject, isAccessDenied } from './privilege-errors.js';
import { connectMySql, type MySqlSession } from './connection.js';
import { mysqlTargetSchemaOf, namesMySqlSchema } from './mysql-config.js';
import { captureFindings, cascadeFinding, characterSetFinding, newZeroDateFinding, nonTransactionalFinding, zeroDateFindings } from './mysql-prerequisite-findings.js';
import { mysqlTableInfos, TABLE_SIZES_SQL, type MySqlTableInfo, type MySqlTableSize } from './mysql-table-info.js';
import { scanZeroDates } from './zero-dates.js';
import { longNamesRefusal, tableNamesTooLong } from './schema/convert-schema.js';

/**
 * The MySQL/MariaDB source's catalog over one connection (`SourceCatalog`): the tables of the
 * database (`--source-db-name`) named by the target's schema (`mysql-config.ts`), and the checks
 * before an export: zero dates the target cannot store, the primary-key rule, and for a live export
 * what binlog capture needs (`capture/prerequisites.ts`: settings, REPLICATION privileges, SELECT,
 * retention).
 */
export class MySqlSourceCatalog implements SourceCatalog {
  private catalog: MySqlCatalog | undefined;

  private constructor(private readonly db: DbConfig, private readonly session: MySqlSession) {}

  static async open(db: DbConfig): Promise<MySqlSourceCatalog> {
    return new MySqlSourceCatalog(db, await connectMySql(db));
  }

  private async read(): Promise<MySqlCatalog> {
    this.catalog ??= await readMySqlCatalog(this.session.connection, this.session.server, this.db.database);
    return this.catalog;
  }

  async missingSchemas(names: readonly string[]): Promise<string[]> {
    return names.filter((n) => !namesMySqlSchema(this.db, n));
  }

  /** The one schema a MySQL database becomes (a database is a schema). */
  async listSchemas(): Promise<string[]> {
    return [mysqlTargetSchemaOf(this.db)];
  }

  async listTables(schemas: readonly string[]): Promise<MySqlTableInfo[]> {
    const target = mysqlTargetSchemaOf(this.db);
    const other = schemas.filter((s) => !namesMySqlSchema(this.db, s));
    if (other.length > 0) {
      throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema ${other.join(', ')} is not the migrated MySQL database ${this.db.database} (schema ${target} on the target).`, {
        hint: 'A MySQL migration moves one database: the one of --source-db-name.',
      });
    }
    const catalog = await this.read();
    const [rows] = await this.session.connection.query(TABLE_SIZES_SQL, [this.db.database]);
    const sizes = new Map<string, MySqlTableSize>((rows as { name: string; n: string | null; bytes: string | null }[])
      .map((r) => [r.name, { rows: Number(r.n ?? 0), bytes: Number(r.bytes ?? 0) }]));
    return mysqlTableInfos(catalog, target, sizes);
  }

  /**
   * Zero dates in the migrated tables (one scan of each table with date columns), the primary-key
   * rule, then for a live export the binlog checks with their fixes and the foreign-key actions the
   * binlog does not carry.
   */
  async checkPrerequisites(purpose: ExportPurpose): Promise<PrerequisiteFinding[]> {
    const catalog = await this.read();
    const names = new Set(purpose.tables.map((t) => t.name));
    const tables = catalog.tables.filter((t) => names.has(t.name));
    const out: PrerequisiteFinding[] = [];
    // Warnings before errors: the workflow prints findings up to the first error.
    const nonTransactional = purpose.live ? nonTransactionalFinding(tables, this.db.database) : undefined;
    if (nonTransactional) out.push(nonTransactional);
    const charsets = purpose.live ? characterSetFinding(tables, this.db.database) : undefined;
    if (charsets) out.push(charsets);
    const zeroDates = await scanZeroDates(this.session.connection, catalog, tables);
    const newZeroDates = purpose.live ? newZeroDateFinding(zeroDates, tables, this.db.database, catalog.sqlMode) : undefined;
    if (newZeroDates) out.push(newZeroDates);
    out.push(...zeroDateFindings(zeroDates, this.db.database));
    // What export schema refuses, refused here too (measured before: export data streamed a table
    // whose name PostgreSQL would cut short; the docs-claims run).
    const long = tableNamesTooLong(tables);
    if (long.length > 0) {
      const { message, hint } = longNamesRefusal(this.db.database, long, true);
      out.push({ severity: 'error', code: 'TANDEM_UNSUPPORTED', message, fix: hint });
    }
    const pk = primaryKeyFinding(purpose);
    if (pk) out.push(pk);
    if (purpose.live) {
      const report = await checkCapturePrerequisites({
        source: this.db,
        tables: tables.map((t) => ({ database: this.db.database, table: t.name, primaryKey: t.primaryKey })),
      });
      const alter = await this.alterFinding(tables);
      if (alter) out.unshift(alter); // a warning: before any error
      const writes = await this.writeFinding(tables);
      if (writes) out.unshift({ ...writes, severity: 'warning', fallBack: true });
      const setval = await this.setvalFinding(catalog);
      if (setval) out.unshift(setval);
      out.push(...captureFindings(report.findings));
      const cascades = cascadeFinding(tables, this.db.database);
      if (cascades) out.push(cascades);
      const byTransaction = transactionVersionedFinding(tables, this.db.database);
      if (byTransaction) out.push(byTransaction);
    }
    return out;
  }

  /**
   * For a live export, a fall-back warning when the user may not ALTER the migrated tables and one
   * has an AUTO_INCREMENT column: the cutover to source sets their counters (ALTER TABLE …
   * AUTO_INCREMENT) and would stop there.
   */
  private async alterFinding(tables: readonly MySqlTable[]): Promise<PrerequisiteFinding | undefined> {
    const counted = tables.filter((t) => t.columns.some((c) => c.autoIncrement)).map((t) => t.name);
    if (counted.length === 0) return undefined;
    const { connection } = this.session;
    if ((await missingPrivileges(connection, this.db.database, ['ALTER'])).length === 0) return undefined;
    const grant = `GRANT ALTER ON \`${this.db.database.replace(/`/g, '``')}\`.* TO ${await currentAccount(connection, this.db.user)};`;
    return {
      severity: 'warning', code: 'TANDEM_PRIVILEGE', fallBack: true, fix: grant,
      message: `User ${this.db.user} may not ALTER the tables of ${this.db.database}: if the migration falls back, the cutover to source cannot set the AUTO_INCREMENT counters of ${counted.join(', ')} `
        + 'and stops there until it is granted: grant it before a cutover prepared for fall-back.',
    };
  }

  /**
   * For a live export from MariaDB, a fall-back warning when the user may not SETVAL the database's
   * sequences (INSERT on each): the cutover to source moves them past the target's values and would
   * stop there. The probe changes nothing (`sequencesDeniedSetval`).
   */
  private async setvalFinding(catalog: MySqlCatalog): Promise<PrerequisiteFinding | undefined> {
    if (catalog.sequences.length === 0) return undefined;
    const { connection } = this.session;
    const denied = await sequencesDeniedSetval(connection, this.db.database, catalog.sequences);
    if (denied.length === 0) return undefined;
    const account = await currentAccount(connection, this.db.user);
    const grant = denied.map((n) => `GRANT INSERT ON ${mysqlIdent(this.db.database)}.${mysqlIdent(n)} TO ${account};`).join(' ');
    return {
      severity: 'warning', code: 'TANDEM_PRIVILEGE', fallBack: true, fix: grant,
      message: `User ${this.db.user} may not SETVAL the sequence(s) ${denied.map((n) => `${this.db.database}.${n}`).join(', ')}: if the migration falls back, the cutover to source cannot move them past the target's values `
        + 'and stops there until it is granted: grant it before a cutover prepared for fall-back.',
    };
  }

  /**
   * A fall-back writes the target's changes into the migrated tables (INSERT, UPDATE, DELETE): what
   * the user lacks there is an error before `import data to source` writes anything (said here
   * rather than at its first change, after the application moved to the target), and a fall-back
   * warning when a live export starts.
   */
  async checkWritePrerequisites(tables: readonly TableInfo[] = []): Promise<PrerequisiteFinding[]> {
    const names = new Set(tables.map((t) => t.name));
    const finding = await this.writeFinding((await this.read()).tables.filter((t) => names.has(t.name)));
    return finding ? [finding] : [];
  }

  /**
   * The migrated tables the user may not INSERT into, UPDATE or DELETE from, each probed with a
   * statement that matches no row (the server checks the privilege first, and writes nothing: no
   * row, no binlog event, no trigger), as one error finding with the GRANT.
   */
  /** The server's read-only refusal the write probe met, if any. */
  private readOnly: string | undefined;

  private async writeFinding(tables: readonly MySqlTable[]): Promise<PrerequisiteFinding | undefined> {
    const { connection } = this.session;
    this.readOnly = undefined;
    const lacking: { database: string; table: string; missing: string[] }[] = [];
    // In a transaction rolled back: a statement-format binlog would log even a statement that
    // matches no row, and nothing of a rolled-back transaction on InnoDB tables is logged.
    await connection.query('START TRANSACTION');
    try {
      await this.probeWrites(tables, lacking);
    } finally {
      await connection.query('ROLLBACK');
    }
    if (this.readOnly !== undefined) {
      return {
        severity: 'error', code: 'TANDEM_PREREQUISITE',
        message: `The source ${this.db.database} is read-only for user ${this.db.user} (${this.readOnly}): if the migration falls back, "import data to source" could write nothing into it.`,
        fix: 'Make it writable: SET GLOBAL read_only = 0; (and super_read_only), or on MariaDB GRANT READ ONLY ADMIN ON *.* to the migration user. To stop the application\'s writes before the cutover, stop the application or revoke its own privileges instead.',
      };
    }
    if (lacking.length === 0) return undefined;
    const account = await currentAccount(connection, this.db.user);
    return {
      severity: 'error', code: 'TANDEM_PRIVILEGE',
      message: `User ${this.db.user} may not write the target's changes into ${lacking.map((l) => `${l.database}.${l.table} (lacks ${l.missing.join(', ')})`).join(', ')}: if the migration falls back, `
        + '"import data to source" would stop at its first change there.',
      fix: `${[...new Set(lacking.map((l) => l.database))].map((d) => `GRANT INSERT, UPDATE, DELETE ON ${mysqlIdent(d)}.* TO ${account};`).join(' ')} (or on each of those tables)`,
    };
  }

  private async probeWrites(tables: readonly MySqlTable[], lacking: { database: string; table: string; missing: string[] }[]): Promise<void> {
    const { connection } = this.session;
    for (const t of tables) {
      const name = `${mysqlIdent(this.db.database)}.${mysqlIdent(t.name)}`;
      const column = t.columns.find((c) => !c.generated);
      if (!column) continue;
      const c = mysqlIdent(column.name);
      const missing: string[] = [];
      for (const [privilege, sql] of [
        ['INSERT', `INSERT INTO ${name} (${c}) SELECT NULL FROM DUAL WHERE 1 = 0`],
        ['UPDATE', `UPDATE ${name} SET ${c} = ${c} WHERE 1 = 0`],
        ['DELETE', `DELETE FROM ${name} WHERE 1 = 0`],
      ] as const) {
        try {
          await connection.query(sql);
        } catch (e) {
          const errno = (e as { errno?: number }).errno;
          // read_only (for a user without READ ONLY ADMIN or SUPER) refuses even a write of no row.
          if (isMySqlReadOnly(errno, (e as Error).message)) {
            this.readOnly ??= (e as Error).message.split('\n')[0];
            continue;
          }
          if (!isAccessDenied(errno)) continue;
          // An INSERT into a table whose DEFAULT takes NEXT VALUE FOR a MariaDB sequence is refused
          // for the sequence (measured before: the table blamed; the docs-claims run).
          const denied = deniedObject(e, this.db.database);
          if (denied.table !== undefined && (denied.database !== this.db.database || denied.table !== t.name)) {
            lacking.push({ database: denied.database, table: denied.table, missing: [`${privilege}, which the DEFAULT of ${this.db.database}.${t.name} needs to take its next value`] });
          } else {
            missing.push(privilege);
          }
        }
      }
      if (missing.length > 0) lacking.push({ database: this.db.database, table: t.name, missing });
    }
  }

  /** MySQL cannot disable a trigger or a constraint (only drop it): nothing is ever left disabled. */
  async disabledObjects(_schemas: readonly string[]): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.session.connection.end().catch(() => this.session.connection.destroy());
  }
}

/**
 * MariaDB logs every change of a table versioned by transaction ids (`BIGINT UNSIGNED GENERATED
 * ALWAYS AS ROW START/END`) as a statement, even under binlog_format=ROW: its changes cannot be
 * captured, and the capture would stop at the first one. Refused before anything is created.
 */
function transactionVersionedFinding(tables: readonly MySqlTable[], database: string): PrerequisiteFinding | undefined {
  const names = tables.filter((t) => t.systemPeriod !== undefined && t.systemPeriod.rowEnd.dataType.toLowerCase() === 'bigint').map((t) => t.name);
  if (names.length === 0) return undefined;
  return {
    severity: 'error', code: 'TANDEM_UNSUPPORTED',
    message: `Tables of ${database} versioned by transaction id (WITH SYSTEM VERSIONING on BIGINT UNSIGNED period columns) have every change logged as a statement, even with binlog_format=ROW, so their changes cannot be streamed: ${names.join(', ')}.`,
    fix: `Leave them out (--exclude-table-list ${names.join(',')}) and move them another way, or migrate offline (--export-type snapshot-only).`,
  };
}
