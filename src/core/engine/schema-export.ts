import type { SchemaObject } from '../schema-object.js';

/** Options of an engine's schema export. */
export interface SchemaExportOptions {
  /** Schemas to export, as stored in the catalog (for MySQL: the database). */
  readonly schemas: readonly string[];
  /** Also export GRANT statements. Default false. */
  readonly includeGrants?: boolean;
}

/** The converted schema. */
export interface SchemaExportResult {
  readonly objects: SchemaObject[];
  /** Objects the export leaves out; the user creates them by hand. */
  readonly unexported: readonly { readonly kind: string; readonly name: string }[];
  /** Sentences for the user about what was exported beyond the listed schemas (printed after the summary). */
  readonly notes?: readonly string[];
  /**
   * Files for a person, written under `schema/` next to the DDL files but never run by `import
   * schema` (the source's own DDL of what was not converted, the conversion notes). Each path is
   * relative to `schema/` and starts with a directory named `<engine>_manual/`, which `export schema`
   * replaces as a whole and `analyze-schema` reports from (instead of parsing it as PostgreSQL).
   */
  readonly manualFiles?: readonly { readonly path: string; readonly text: string }[];
  /** The source's statistics of its indexed columns, for analyze-schema's advice on skewed indexes (when the engine reads them). */
  readonly statistics?: readonly ColumnStatistic[];
}

/**
 * What the source's planner statistics say about one indexed column, under its name on the target
 * (`table` as the exported DDL writes it: `schema.table`). Estimates, as of the source's last ANALYZE.
 */
export interface ColumnStatistic {
  readonly table: string;
  readonly column: string;
  /** The table's estimated rows. */
  readonly rows: number;
  /** Estimated distinct values (not NULL). */
  readonly distinct: number;
  /** Estimated fraction of rows where the column is NULL; null when the source does not say (MySQL). */
  readonly nullFraction: number | null;
}

