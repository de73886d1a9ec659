import type { DbConfig } from '../db-config.js';
import type { ChangeTarget } from '../change-target.js';
import type { SourceCatalog, TableInfo, TableReferentialAction } from './catalog.js';
import type { SchemaExportOptions, SchemaExportResult } from './schema-export.js';
import type { SnapshotSource } from './snapshot.js';
import type { ChangeCapture, ChangeStreamNames } from './change-capture.js';
import type { SequenceSync } from './sequences.js';
import type { ComparisonSide } from './verification.js';
import type { MigrationMetadata } from './migration-metadata.js';
import type { TargetDatabase } from './target.js';
import type { WriteGuard } from './write-guard.js';

/** The database engines Tandem knows, as `--source-db-type` / `--target-db-type` name them. */
export type EngineType = 'postgresql' | 'yugabytedb' | 'mysql' | 'oracle';

/** Every engine type, in the order `--source-db-type` lists them. */
export const ENGINE_TYPES: readonly EngineType[] = ['postgresql', 'mysql', 'oracle', 'yugabytedb'];

/**
 * What an engine can and cannot do, so the workflow asks a question instead of naming an engine
 * (`if (engine.capabilities.writerSkipsTriggers)`, never `if (type === 'mysql')`).
 */
export interface EngineCapabilities {
  /**
   * The change writer's own sessions fire no triggers and check no foreign keys
   * (`session_replication_role = replica`). When false, the user must deal with triggers before a
   * fall-back (the spec's manual step) and Tandem checks it.
   */
  readonly writerSkipsTriggers: boolean;
  /**
   * The change capture is told what it may forget (a PostgreSQL slot's acknowledgement). When false
   * the source forgets on its own schedule (binlog expiry, archived redo removal): the exporter warns
   * how long it may stop.
   */
  readonly acknowledgesPositions: boolean;
  /** Snapshot files may be binary COPY (only a PostgreSQL source produces them). */
  readonly binarySnapshot: boolean;
  /**
   * The source's objects go into one target schema the user may name with `--target-db-schema` (a
   * MySQL database, an Oracle schema). False when the source's schemas keep their names on the
   * target (PostgreSQL).
   */
  readonly namesTargetSchema: boolean;
  /**
   * The change stream leaves out the rows the source's own foreign-key actions changed (InnoDB
   * carries out ON DELETE / ON UPDATE CASCADE and SET NULL below MySQL's binlog). The target's
   * change writer then carries out the written database's foreign-key actions itself
   * (`ChangeWriterOptions.foreignKeyActions`).
   */
  readonly streamOmitsForeignKeyActions: boolean;
  /**
   * The source's duration type becomes a PostgreSQL interval of hours only (MySQL's TIME,
   * `51:00:00`), and a day of an interval on the target is 24 of its hours: the application may
   * write `2 days 03:00:00` there, which the fall-back writes back as `51:00:00`. The target's
   * comparison counts each day of an interval as 24 hours (`ComparedTable.intervalDaysAsHours`).
   */
  readonly timesAsIntervals: boolean;
  /**
   * The source's foreign keys may hold where the target's do not: MySQL compares a key's values by
   * their collation (letter case, trailing spaces: `'ABC'` references `'abc'`) and lets a session
   * turn its checks off (`foreign_key_checks = 0`). The snapshot loads without checking keys, so
   * `import data` then looks for rows that break the target's (`TargetDatabase.brokenForeignKeys`).
   */
  readonly keysLooserThanTarget: boolean;
}

/** Options every engine's change writer takes. */
export interface ChangeWriterOptions {
  /** The migrated tables as the written database has them (names, primary keys, columns). */
  readonly tables: readonly TableInfo[];
  /** Non-fatal news for the terminal (a trigger that fired, values that changed on the way). */
  readonly onWarning: (message: string) => void;
  /** News that needs no action (the written database is back after an outage); default: the log only. */
  readonly onNotice?: (message: string) => void;
  /** Schema of the spec's metadata tables on the written database. Default ybvoyager_metadata. */
  readonly metadataSchema?: string;
  /**
   * The stream this writer applies leaves out the rows foreign-key actions changed on its source
   * (`EngineCapabilities.streamOmitsForeignKeyActions`): for each delete or key update of a row
   * that the written database's foreign keys with ON DELETE / ON UPDATE CASCADE, SET NULL or SET
   * DEFAULT reference, the writer changes the referencing rows as the source did, in the same
   * transaction. Only PostgreSQL's writer (the target's) implements it; the others are only ever
   * written to from a PostgreSQL or YugabyteDB stream, which carries those rows.
   */
  readonly foreignKeyActions?: boolean;
  /**
   * With `foreignKeyActions`: the source's keys with row-changing actions, as `export data` recorded
   * them. The writer carries out these (the source's behaviour, whatever the written database's own
   * keys are); without them it reads the written database's foreign keys.
   */
  readonly referentialActions?: readonly TableReferentialAction[];
  /** How long a batch waits for a lock before what holds it is looked for and said. Default 10 s. */
  readonly lockWaitLookMs?: number;
}

/**
 * One database engine, everything the workflow needs from it, each role a separate object an engine
 * folder implements in its own file (`adapters/<engine>/…`). Loaded lazily by type
 * (`adapters/engines.ts`): a PostgreSQL migration never loads the MySQL or Oracle driver.
 *
 * The roles are the same whichever side the database is on: the source before a cutover, and the
 * target (YugabyteDB, whose engine is PostgreSQL's) as the source of the fall-back stream, with the
 * original source then written by this engine's change writer.
 *
 * Every method that connects takes the resolved `DbConfig` (password in memory only) and maps
 * connection failures to TandemErrors (TANDEM_CONNECT, TANDEM_AUTH, TANDEM_DB_MISSING, TANDEM_TLS…).
 * Methods that return a role object do not connect; the role connects when first used.
 */
export interface SourceEngine {
  readonly type: EngineType;
  /** For messages: "PostgreSQL", "YugabyteDB", "MySQL", "Oracle". */
  readonly displayName: string;
  readonly defaultPort: number;
  readonly capabilities: EngineCapabilities;
  /**
   * How the engine stores a name written without quotes (`--source-db-schema HR` or `hr`): Oracle
   * folds it to upper case. Default lower (PostgreSQL, MySQL as Tandem reads it).
   */
  readonly unquotedNameCase?: 'lower' | 'upper';
  /**
   * Checks the connection settings the engine alone has (its `engineOptions`, the number of schemas)
   * before anything connects; a TANDEM_USAGE error names the flag to fix. Engines without such
   * settings leave it out.
   */
  checkConfig?(db: DbConfig): void;
  /**
   * The schemas the source's tables have on the target (PostgreSQL: its schemas, same names; MySQL:
   * the one target schema; Oracle: the converter's name, `HR` → `hr`). `--target-db-schema` may
   * only repeat the one name, as the exported DDL and every change event use it.
   */
  targetSchemas(db: Pick<DbConfig, 'schemas'>): readonly string[];
  /** Connects once and names the server ("MariaDB 10.11.9", "PostgreSQL 15.4"); a wrong host or password fails here. */
  describeServer(db: DbConfig): Promise<string>;
  /** The database's tables, keys and columns in the configured schemas, and the prerequisite checks. */
  openCatalog(db: DbConfig): Promise<SourceCatalog>;
  /** The schema converted into PostgreSQL DDL (objects, plus what was left out or needs a hand). */
  exportSchema(db: DbConfig, options: SchemaExportOptions): Promise<SchemaExportResult>;
  /**
   * The same conversion without a connection, from DDL files the user has (a file or a directory:
   * `export schema --source-ddl-files`). Only engines whose schema comes as DDL text (Oracle) have it.
   */
  convertSchemaFiles?(path: string, options: SchemaExportOptions): Promise<SchemaExportResult>;
  /** Snapshot chunks, and readers at one consistent point. */
  snapshotSource(db: DbConfig): SnapshotSource;
  /** Change capture: the stream's objects on the database, its consistent start, the stream itself, markers. */
  changeCapture(db: DbConfig, names: ChangeStreamNames): ChangeCapture;
  /** The change writer for fall-back (and, for PostgreSQL/YugabyteDB, the target's applier). */
  changeWriter(db: DbConfig, options: ChangeWriterOptions): ChangeTarget;
  /** Reading and restoring sequences / auto-increment counters / identity columns. */
  sequences(db: DbConfig): SequenceSync;
  /** One side of a verification, at most `maxConnections` connections. */
  comparisonSide(db: DbConfig, label: string, maxConnections: number): ComparisonSide;
  /** The spec's metadata tables Tandem keeps on this database when it writes to it. */
  migrationMetadata(db: DbConfig): MigrationMetadata;
  /**
   * Triggers and foreign keys around fall-back writes (the spec's manual step, checked). Present
   * exactly when `capabilities.writerSkipsTriggers` is false.
   */
  writeGuard?(db: DbConfig): WriteGuard;
}

/**
 * An engine that can also be the migration's target (YugabyteDB, and PostgreSQL standing in for it):
 * the roles only a target plays (snapshot loading, schema creation) on top of every source role.
 */
export interface TargetEngine extends SourceEngine {
  /** The target's own roles; `onWarning` gets non-fatal news (a session setting the user lacks). */
  targetDatabase(db: DbConfig, onWarning: (message: string) => void): TargetDatabase;
}
