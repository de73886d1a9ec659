import type { ErrorCode } from '../errors.js';

/**
 * A table Tandem migrates, as an engine's catalog describes it (engine-neutral). An engine may
 * return a richer object of its own (PostgreSQL adds the oid, partitions and pages it plans the
 * snapshot with); the workflow hands the objects it got from `listTables` back to the same engine
 * unchanged.
 */
export interface TableInfo {
  /** Schema as the target names it (a MySQL database maps to one schema; see the engine's docs). */
  readonly schema: string;
  readonly name: string;
  /** Columns copied, in order (columns the target computes, such as generated ones, are left out). */
  readonly columns: readonly string[];
  /**
   * Optional: the columns left out of `columns` because the target computes them (generated on the
   * source, and made generated on the target by the schema export). Recorded with the snapshot, so
   * that `import data` refuses a target where one of them is an ordinary column: neither the snapshot
   * nor the stream carries its values, and every migrated row would hold NULL or its default there.
   * (Oracle leaves it unset: its schema conversion makes a virtual column it cannot convert an
   * ordinary column on purpose, with a note, and its data path never copies virtual columns.)
   */
  readonly generatedColumns?: readonly string[];
  /**
   * Optional: each column's type as the engine names it, in `columns` order. Recorded with the
   * snapshot, so that a restarted exporter can say which columns changed type while none ran.
   */
  readonly columnTypes?: readonly string[];
  /**
   * Optional: the table's identity on its server, the same after a rename (PostgreSQL: its oid).
   * Recorded with the snapshot, so that a restarted exporter finds a migrated table renamed since.
   */
  readonly id?: string;
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Estimated rows (progress bars, ordering big tables first); 0 when unknown. */
  readonly estimatedRows: number;
  /** Estimated bytes on the source (the disk-space warning); 0 when unknown. */
  readonly estimatedBytes: number;
  /**
   * This table's foreign keys whose ON DELETE / ON UPDATE action changes rows, where the engine's
   * change stream leaves those rows out (`EngineCapabilities.streamOmitsForeignKeyActions`): the
   * target's importer carries them out from these definitions.
   */
  readonly referentialActions?: readonly ReferentialActionKey[];
  /**
   * Optional: the table as its source names it, where that differs from `schema.name` (a MySQL
   * table: `database.table`, its schema being the target's): what messages about fixing it there say.
   */
  readonly sourceLabel?: string;
  /**
   * A partitioned table's leaf partitions (`schema.name`), where the engine has them (PostgreSQL):
   * the exporter says which were attached or detached since the snapshot (partitions are DDL, which
   * the stream does not carry).
   */
  readonly partitions?: readonly string[];
}

/** What a foreign key does to its referencing rows when the referenced row goes or changes key. */
export type ReferentialAction = 'cascade' | 'set null' | 'set default';

/** A foreign key with a row-changing action, named as on the target (see `TableInfo.referentialActions`). */
export interface ReferentialActionKey {
  readonly name: string;
  /** The referencing (this table's) columns, in key order. */
  readonly columns: readonly string[];
  readonly refSchema: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
}

/** A `ReferentialActionKey` with the referencing table's name, as `export data` records them in meta.db. */
export interface TableReferentialAction extends ReferentialActionKey {
  readonly schema: string;
  readonly table: string;
}

/** A table by name only, where nothing else about it is needed (publications, marker checks). */
export type TableRef = Pick<TableInfo, 'schema' | 'name'>;

/** `schema.table`, both unquoted as in the catalog: the key of a table everywhere in Tandem. */
export function tableKeyOf(t: Pick<TableInfo, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}

/**
 * How a table's column list changed, by name, for a warning: "now has a, b and no longer has c"
 * (undefined when the names are the same). `renamed` when columns were both added and dropped (a
 * rename shows as both).
 */
export function columnChange(was: readonly string[], now: readonly string[]): { text: string; renamed: boolean } | undefined {
  const added = now.filter((c) => !was.includes(c));
  const dropped = was.filter((c) => !now.includes(c));
  if (added.length === 0 && dropped.length === 0) return undefined;
  const text = [added.length ? `now has ${added.join(', ')}` : '', dropped.length ? `no longer has ${dropped.join(', ')}` : ''].filter(Boolean).join(' and ');
  return { text, renamed: added.length > 0 && dropped.length > 0 };
}

/** A problem found before anything changes, with the way to fix it. */
export interface PrerequisiteFinding {
  /** 'error' stops the command; 'warning' is printed and the command goes on. */
  readonly severity: 'error' | 'warning';
  /** The error code an 'error' stops the command with (TANDEM_PRIVILEGE, TANDEM_PREREQUISITE, …). */
  readonly code: ErrorCode;
  readonly message: string;
  /** What to run or change (SQL, a configuration line); empty when there is nothing to add. */
  readonly fix: string;
  /**
   * A warning that matters if the migration falls back to the source (characters the source cannot
   * store, say): `export data` records it, and `initiate cutover to target --prepare-for-fall-back
   * true` says it again, when the choice is made.
   */
  readonly fallBack?: boolean;
}

/** What an export may do, so the prerequisite check asks for exactly what it needs. */
export interface ExportPurpose {
  /** Stream changes after the snapshot (live migration). */
  readonly live: boolean;
  /** The tables to migrate. */
  readonly tables: readonly TableInfo[];
}

/**
 * The engine-neutral rule every source shares: a live migration needs a primary key on every table
 * (the change stream names rows by it); offline, tables without one are only named. An engine's
 * `checkPrerequisites` returns it after its read-access findings and before its change-capture ones.
 */
export function primaryKeyFinding(purpose: ExportPurpose): PrerequisiteFinding | undefined {
  const noPk = purpose.tables.filter((t) => t.primaryKey.length === 0).map((t) => t.sourceLabel ?? tableKeyOf(t));
  if (noPk.length === 0) return undefined;
  if (!purpose.live) {
    return { severity: 'warning', code: 'TANDEM_PREREQUISITE', message: `tables without a primary key (fine offline, refused for live migration): ${noPk.join(', ')}`, fix: '' };
  }
  return {
    severity: 'error', code: 'TANDEM_PREREQUISITE',
    message: `Live migration needs a primary key on every table; these have none: ${noPk.join(', ')}.`,
    fix: 'Add a primary key on the source (ALTER TABLE … ADD PRIMARY KEY (…); a unique key on NOT NULL columns can become it: DROP CONSTRAINT <the unique key>, ADD PRIMARY KEY (<its columns>) in one ALTER TABLE), leave the tables out with --exclude-table-list, or migrate offline with --export-type snapshot-only.',
  };
}

/** A connection to a database's catalog, open until `close`. */
export interface SourceCatalog {
  /** The schemas of `names` that do not exist. */
  missingSchemas(names: readonly string[]): Promise<string[]>;
  /** Every schema the user could name in `--source-db-schema` (system schemas left out), as the catalog spells them. */
  listSchemas(): Promise<string[]>;
  /**
   * The tables of the given schemas that Tandem can migrate. A schema that does not exist is a
   * TANDEM_UNKNOWN_SCHEMA error naming the schemas there are.
   */
  listTables(schemas: readonly string[]): Promise<TableInfo[]>;
  /**
   * The tables with these identities (`TableInfo.id`) wherever they are now, in any schema: a
   * migrated table moved to another schema, or whose schema was renamed, during the migration.
   * Engines whose tables have no identity leave it out.
   */
  tablesByIds?(ids: readonly string[]): Promise<TableInfo[]>;
  /**
   * Everything about the source that must hold before an export starts (read privileges,
   * {@link primaryKeyFinding}, change logging configured, retention), in that order and up to the
   * first error: errors stop the export before anything changes, warnings are printed.
   */
  checkPrerequisites(purpose: ExportPurpose): Promise<PrerequisiteFinding[]>;
  /**
   * Triggers and constraints in the schemas that are disabled or not enforced, in words ("trigger
   * t on app.orders"). After a fall-back Tandem checks that nothing was left off.
   */
  disabledObjects(schemas: readonly string[]): Promise<string[]>;
  /**
   * What writing the other side's changes into this database needs beyond its connection (the
   * spec's metadata tables and writer role on Oracle, UPDATE on the sequences on PostgreSQL),
   * checked before `import data to source` writes anything. Engines whose writer needs nothing
   * more leave it out.
   */
  checkWritePrerequisites?(tables: readonly TableInfo[]): Promise<PrerequisiteFinding[]>;
  close(): Promise<void>;
}
