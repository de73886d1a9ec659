import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { DEFAULT_MYSQL_TARGET_SCHEMA } from './schema/convert-schema.js';

/**
 * From Tandem's resolved connection (`DbConfig`) to what the MySQL engine needs (pure).
 *
 * A MySQL database is one schema: `--source-db-name` names the database, and the PostgreSQL schema
 * it becomes on the target is `public` (as YugabyteDB Voyager does), or the one schema
 * `--source-db-schema` names. Every role names tables by that target schema, so a table's key
 * (`public.orders`) is the same on both sides, in the queue and in the reports.
 */

/** The PostgreSQL schema the MySQL database becomes on the target: `public` unless `--source-db-schema` names one. */
export function mysqlTargetSchemaOf(db: Pick<DbConfig, 'schemas'>): string {
  return db.schemas.length === 1 ? db.schemas[0]! : DEFAULT_MYSQL_TARGET_SCHEMA;
}

/** Whether `requested` names the migrated database: as the target names it, or by the MySQL database's own name. */
export function namesMySqlSchema(db: Pick<DbConfig, 'schemas' | 'database'>, requested: string): boolean {
  return requested === mysqlTargetSchemaOf(db) || requested === db.database;
}

/** What can be checked before anything connects: a database, and at most one target schema. */
export function checkMySqlConfig(db: DbConfig): void {
  if (!db.database) {
    throw new TandemError('TANDEM_USAGE', `--${db.role}-db-name is required for MySQL: name the database to migrate.`, {
      hint: `Add --${db.role}-db-name <database> (SHOW DATABASES lists them).`,
    });
  }
  if (db.schemas.length > 1) {
    throw new TandemError('TANDEM_USAGE', `A MySQL database becomes one PostgreSQL schema; --${db.role}-db-schema names ${db.schemas.length} (${db.schemas.join(', ')}).`, {
      hint: `Leave --${db.role}-db-schema out (the database becomes schema public), or name the one target schema.`,
    });
  }
}
