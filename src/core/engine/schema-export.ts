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
}
