/** A table Tandem migrates, as an engine's catalog describes it (engine-neutral). */
export interface TableInfo {
  /** Schema as the target names it (a MySQL database maps to one schema; see the engine's docs). */
  readonly schema: string;
  readonly name: string;
  /** Columns copied, in order (columns the target computes, such as generated ones, are left out). */
  readonly columns: readonly string[];
  /** Primary-key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Estimated rows (progress bars, ordering big tables first); 0 when unknown. */
  readonly estimatedRows: number;
  /** Estimated bytes on the source (the disk-space warning); 0 when unknown. */
  readonly estimatedBytes: number;
}

/** `schema.table`, both unquoted as in the catalog: the key of a table everywhere in Tandem. */
export function tableKeyOf(t: Pick<TableInfo, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}

/** A problem found before anything changes, with the way to fix it. */
export interface PrerequisiteFinding {
  /** 'error' stops the command; 'warning' is printed and the command goes on. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** What to run or change (SQL, a configuration line). */
  readonly fix: string;
}

/** What an export may do, so the prerequisite check asks for exactly what it needs. */
export interface ExportPurpose {
  /** Stream changes after the snapshot (live migration). */
  readonly live: boolean;
  /** The tables to migrate. */
  readonly tables: readonly TableInfo[];
}

/** A connection to a source's catalog, open until `close`. */
export interface SourceCatalog {
  /** The schemas of `names` that do not exist. */
  missingSchemas(names: readonly string[]): Promise<string[]>;
  /** The tables of the given schemas that Tandem can migrate. */
  listTables(schemas: readonly string[]): Promise<TableInfo[]>;
  /**
   * Everything about the source that must hold before an export starts (read privileges, change
   * logging configured, keys, retention): errors stop the export before anything changes.
   */
  checkPrerequisites(purpose: ExportPurpose): Promise<PrerequisiteFinding[]>;
  close(): Promise<void>;
}
