/**
 * What Tandem knows about one MySQL/MariaDB database (the `--source-db-name`), as read from
 * `information_schema` by `readMySqlCatalog`. Plain data, so the schema conversion and the value
 * converters are pure functions of it and can be tested with literal catalogs. Names are exactly as
 * MySQL stores them (case kept).
 */
import type { MySqlServerInfo } from './server-version.js';

/** A column's default as MySQL defines it. */
export type MySqlDefault =
  /** No DEFAULT clause (a NOT NULL column then needs a value on insert). */
  | { readonly kind: 'none' }
  /** DEFAULT NULL (explicit, or implicit for a nullable column). */
  | { readonly kind: 'null' }
  /**
   * A constant: the value as MySQL would store it, as text (strings unescaped; numbers, dates and
   * times as written; BIT as its binary digits, e.g. `101`), or the bytes of a hex literal.
   */
  | { readonly kind: 'literal'; readonly value: string | Buffer }
  /** CURRENT_TIMESTAMP / NOW() / LOCALTIMESTAMP with its fractional precision (0–6). */
  | { readonly kind: 'current_timestamp'; readonly precision: number }
  /** Any other expression (MariaDB 10.2+, MySQL 8.0.13+), in MySQL syntax. */
  | { readonly kind: 'expression'; readonly sql: string };

export interface MySqlColumn {
  readonly name: string;
  /** 1-based position in the table. */
  readonly ordinal: number;
  /** `information_schema.COLUMNS.DATA_TYPE`, lower case: `int`, `varchar`, `longtext`, `enum`, `json`, … */
  readonly dataType: string;
  /** `COLUMN_TYPE` as the server prints it, e.g. `int(10) unsigned`, `enum('a','b')`, `decimal(65,30)`. */
  readonly columnType: string;
  readonly nullable: boolean;
  readonly unsigned: boolean;
  /** Characters for string types (CHARACTER_MAXIMUM_LENGTH), bytes for binary ones; null otherwise. */
  readonly charMaxLength: number | null;
  readonly numericPrecision: number | null;
  readonly numericScale: number | null;
  /** Fractional-second digits of TIME, DATETIME, TIMESTAMP (0–6); null for other types. */
  readonly datetimePrecision: number | null;
  readonly charset: string | null;
  readonly collation: string | null;
  readonly default: MySqlDefault;
  readonly autoIncrement: boolean;
  /** `ON UPDATE CURRENT_TIMESTAMP[(n)]`. */
  readonly onUpdateCurrentTimestamp: boolean;
  /** Generated column: its expression in MySQL syntax (backquoted names), STORED or VIRTUAL. */
  readonly generated: { readonly stored: boolean; readonly expression: string } | null;
  /** Members of an ENUM or SET, in definition order (index 1, 2, …); null for other types. */
  readonly members: readonly string[] | null;
  /** JSON: MySQL's JSON type, or MariaDB's alias (LONGTEXT with a `json_valid()` CHECK). */
  readonly isJson: boolean;
  /** INVISIBLE column (left out of `SELECT *`). */
  readonly invisible: boolean;
  readonly comment: string;
}

export interface MySqlIndexPart {
  /** The column, or null for a functional key part (MySQL 8.0.13+). */
  readonly column: string | null;
  /** A functional key part's expression, in MySQL syntax. */
  readonly expression: string | null;
  /** Prefix length (`col(10)`), in characters for strings, bytes for binary strings. */
  readonly prefixLength: number | null;
  readonly descending: boolean;
}

export interface MySqlIndex {
  readonly name: string;
  readonly unique: boolean;
  readonly kind: 'btree' | 'hash' | 'fulltext' | 'spatial';
  readonly parts: readonly MySqlIndexPart[];
  /** MySQL 8 INVISIBLE / MariaDB IGNORED: maintained but not used by the optimizer. */
  readonly invisible: boolean;
  /**
   * MariaDB's `UNIQUE (…, period WITHOUT OVERLAPS)`: the application-time period's name. Its parts
   * list the period's end and start columns; no two rows with the other parts equal may have
   * overlapping periods, which a unique index does not say.
   */
  readonly withoutOverlaps?: string;
  readonly comment: string;
}

/** ON DELETE / ON UPDATE action. `NO ACTION` and `RESTRICT` behave the same in InnoDB. */
export type MySqlReferentialAction = 'CASCADE' | 'SET NULL' | 'SET DEFAULT' | 'RESTRICT' | 'NO ACTION';

export interface MySqlForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  /** The referenced database; usually the same database. */
  readonly refDatabase: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onUpdate: MySqlReferentialAction;
  readonly onDelete: MySqlReferentialAction;
}

export interface MySqlCheck {
  readonly name: string;
  /** The condition in MySQL syntax, e.g. `` `price` > 0 ``. */
  readonly clause: string;
  /** false for MySQL's `NOT ENFORCED`. */
  readonly enforced: boolean;
}

export interface MySqlTable {
  readonly name: string;
  /** InnoDB, MyISAM, Aria, MEMORY, …; null if the server does not say. */
  readonly engine: string | null;
  readonly collation: string | null;
  readonly comment: string;
  /** The next AUTO_INCREMENT value as text, when the table has an AUTO_INCREMENT column. */
  readonly autoIncrement: string | null;
  /** PARTITION BY …: migrated as one table. */
  readonly partitioned: boolean;
  /** MariaDB WITH SYSTEM VERSIONING: the current rows are migrated, not the history. */
  readonly systemVersioned: boolean;
  /**
   * The row-start and row-end columns of a system-versioned table (MariaDB), which are not in
   * `columns`: the target has no history, so they are neither created nor written there. Only
   * change capture needs them, since the binlog carries them in every row.
   */
  readonly systemPeriod?: MySqlSystemPeriod;
  /** The user's columns (a system-versioned table's period columns left out: `systemPeriod`). */
  readonly columns: readonly MySqlColumn[];
  /**
   * Primary key columns in key order; empty when the table has none. MariaDB adds the row-end
   * column to every primary and unique key of a system-versioned table; it is left out here and in
   * `indexes`.
   */
  readonly primaryKey: readonly string[];
  /** The primary key's columns ordered descending (MariaDB 10.8+, MySQL 8: `PRIMARY KEY (id DESC)`); absent when none is. */
  readonly primaryKeyDescending?: readonly string[];
  /** Every index except the primary key (unique keys included). */
  readonly indexes: readonly MySqlIndex[];
  readonly foreignKeys: readonly MySqlForeignKey[];
  /** CHECK constraints (MariaDB's automatic `json_valid` checks of JSON columns left out). */
  readonly checks: readonly MySqlCheck[];
}

/**
 * The period columns of a MariaDB system-versioned table, as the binlog writes them in every row
 * image. A row whose row end holds its type's maximum is current; any other is history.
 */
export interface MySqlSystemPeriod {
  readonly rowStart: MySqlColumn;
  readonly rowEnd: MySqlColumn;
  /**
   * True for `WITH SYSTEM VERSIONING` without period columns: MariaDB adds hidden `row_start` and
   * `row_end` TIMESTAMP(6) columns, after every other column, that `information_schema` does not
   * list (their ordinals here follow the last listed column).
   */
  readonly implicit: boolean;
}

export interface MySqlView {
  readonly name: string;
  /** The SELECT, as `information_schema.VIEWS.VIEW_DEFINITION` has it; null when the user may not see it. */
  readonly definition: string | null;
  /** NONE, CASCADED or LOCAL. */
  readonly checkOption: string;
  readonly updatable: boolean;
  /** SQL SECURITY INVOKER (the view runs with the caller's rights, not its definer's). */
  readonly securityInvoker?: boolean;
}

/** A MariaDB SEQUENCE object. Numbers as text (they may exceed 2^53). */
export interface MySqlSequence {
  readonly name: string;
  readonly nextValue: string;
  readonly minValue: string;
  readonly maxValue: string;
  readonly start: string;
  readonly increment: string;
  readonly cache: string;
  readonly cycle: boolean;
}

/** A trigger, procedure, function or event: exported as MySQL wrote it, for manual conversion. */
export interface MySqlSourceObject {
  readonly kind: 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT';
  readonly name: string;
  /** For a trigger: its table. */
  readonly table?: string;
  /** `SHOW CREATE …` output; null when the user lacks the privilege to see it. */
  readonly createSql: string | null;
}

export interface MySqlCatalog {
  readonly database: string;
  readonly server: MySqlServerInfo;
  /** `@@lower_case_table_names`: 0 names are case-sensitive, 1 stored lower case, 2 compared lower case. */
  readonly lowerCaseTableNames: number;
  /** The server's global sql_mode: what the applications' sessions normally write under. */
  readonly sqlMode: string;
  readonly defaultCharset: string;
  readonly defaultCollation: string;
  readonly tables: readonly MySqlTable[];
  readonly views: readonly MySqlView[];
  readonly sequences: readonly MySqlSequence[];
  readonly triggers: readonly MySqlSourceObject[];
  readonly routines: readonly MySqlSourceObject[];
  readonly events: readonly MySqlSourceObject[];
}
