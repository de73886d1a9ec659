/**
 * The unit of exported DDL: one database object and the statements that create it. Engine-neutral
 * in shape, so MySQL and Oracle exporters can produce the same objects (it may move to `core/`).
 */

/** Every kind of object an exporter produces, in the spec's vocabulary plus two helpers. */
export const SCHEMA_OBJECT_TYPES = [
  'SCHEMA', 'TYPE', 'DOMAIN', 'SEQUENCE', 'TABLE', 'PARTITION', 'UNIQUE', 'INDEX', 'FOREIGN_KEY', 'VIEW',
  'MVIEW', 'FUNCTION', 'PROCEDURE', 'TRIGGER', 'POLICY', 'COMMENT', 'GRANT', 'SEQUENCE_OWNED_BY',
  'COLLATION', 'AGGREGATE', 'RULE', 'STATISTICS', 'NOT_VALID_CONSTRAINT', 'FOREIGN_TABLE', 'OPERATOR', 'CAST',
  'TEXT_SEARCH',
] as const;

/**
 * The kind of a schema object. `SCHEMA` also holds `CREATE EXTENSION IF NOT EXISTS` statements
 * (they must run right after the schemas they live in); `SEQUENCE_OWNED_BY` holds the
 * `ALTER SEQUENCE … OWNED BY` statements that can only run once the tables exist;
 * `NOT_VALID_CONSTRAINT` holds CHECK and foreign-key constraints the source has not validated
 * (old rows may break them), created after the data; `FOREIGN_TABLE` holds foreign-data wrappers,
 * servers and user mappings before the foreign tables; `OPERATOR` holds operators, operator
 * families and classes; `TEXT_SEARCH` text search dictionaries and configurations.
 */
export type SchemaObjectType = (typeof SCHEMA_OBJECT_TYPES)[number];

/** One exported object. */
export interface SchemaObject {
  readonly type: SchemaObjectType;
  /** The schema the object lives in (for a schema or extension: its own schema). */
  readonly schema: string;
  /** Unquoted object name; for objects on a table (index, trigger, constraint) the object's own name. */
  readonly name: string;
  /** One or more complete SQL statements, each ending in `;`. */
  readonly sql: string;
  /**
   * Written commented out, with its note, for conversion by hand (a MySQL trigger or routine): nothing
   * of it runs, so `export schema` does not count it as exported.
   */
  readonly commentedOut?: boolean;
}

/**
 * What exported DDL holds where the source had a secret that Tandem never copies (a user mapping's
 * password, …): the user replaces it by hand before `import schema`, and `analyze-schema` reports
 * every statement that still holds it.
 */
export const CREDENTIAL_PLACEHOLDER = '<fill in by hand>';

/**
 * Written into an unpopulated materialized view's statement (a comment inside the statement survives
 * the statement splitter): the post-snapshot import does not refresh it (measured before, the
 * pg-schema run: a view created WITH NO DATA on the source was filled on the target, where reading it
 * had been an error). Delete the comment from the file to have it refreshed.
 */
export const NOT_POPULATED_MARK = '/* not populated on the source: import schema does not refresh it */';
