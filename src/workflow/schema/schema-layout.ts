import type { SchemaObjectType } from '../../core/schema-object.js';

/** Where each object type lives under `<export-dir>/schema/`, relative to that directory. */
export const SCHEMA_FILES: Readonly<Record<SchemaObjectType, string>> = {
  SCHEMA: 'schemas/schemas.sql',
  COLLATION: 'collations/collations.sql',
  TYPE: 'types/types.sql',
  DOMAIN: 'domains/domains.sql',
  SEQUENCE: 'sequences/sequences.sql',
  SEQUENCE_OWNED_BY: 'sequences/sequence_owned_by.sql',
  TABLE: 'tables/tables.sql',
  PARTITION: 'partitions/partitions.sql',
  UNIQUE: 'uniques/uniques.sql',
  INDEX: 'indexes/indexes.sql',
  FOREIGN_KEY: 'foreign_keys/foreign_keys.sql',
  VIEW: 'views/views.sql',
  MVIEW: 'mviews/mviews.sql',
  FUNCTION: 'functions/functions.sql',
  PROCEDURE: 'procedures/procedures.sql',
  AGGREGATE: 'aggregates/aggregates.sql',
  RULE: 'rules/rules.sql',
  STATISTICS: 'statistics/statistics.sql',
  TRIGGER: 'triggers/triggers.sql',
  POLICY: 'policies/policies.sql',
  COMMENT: 'comments/comments.sql',
  GRANT: 'grants/grants.sql',
  NOT_VALID_CONSTRAINT: 'constraints/not_valid_constraints.sql',
  FOREIGN_TABLE: 'foreign_tables/foreign_tables.sql',
  OPERATOR: 'operators/operators.sql',
  CAST: 'casts/casts.sql',
  TEXT_SEARCH: 'text_search/text_search.sql',
};

/**
 * Import order of `import schema` (before the snapshot). Collations come before the types, domains
 * and tables that use them. Functions come before tables because defaults, CHECKs and generated
 * columns may call them; their bodies are not checked at creation (`check_function_bodies = off`),
 * so they may name tables that do not exist yet. Operators, casts and text search objects come
 * after the functions that implement them and before the tables whose defaults and checks may use
 * them; foreign tables (after their wrappers, servers and user mappings, in the same file) after
 * the tables they may be partitions of and before the sequence ownerships that may name them.
 * Aggregates come after their functions and the
 * tables (an argument or state type may be a table's row type) and before the views that call
 * them; rules and extended statistics after the tables and views they are on. (COPY does not fire
 * rules, so they do not touch the snapshot load.) Policies come before the comments, which may be on them.
 * A dependency that crosses this order (a view on a
 * materialized view, a function taking a table's row type, …) makes its statement wait and be
 * retried after the rest: see `applySchemaStatements`.
 */
export const PRE_SNAPSHOT_ORDER: readonly SchemaObjectType[] = [
  'SCHEMA', 'COLLATION', 'TYPE', 'DOMAIN', 'SEQUENCE', 'FUNCTION', 'PROCEDURE', 'OPERATOR', 'CAST', 'TEXT_SEARCH', 'TABLE',
  'PARTITION', 'FOREIGN_TABLE', 'SEQUENCE_OWNED_BY',
  'UNIQUE', 'FOREIGN_KEY', 'AGGREGATE', 'VIEW', 'MVIEW', 'RULE', 'STATISTICS', 'POLICY', 'COMMENT', 'GRANT',
];

/**
 * Import order of `import schema --post-snapshot-import true`: secondary indexes, the constraints
 * the source has not validated (created NOT VALID: old rows may break them), then triggers.
 */
export const POST_SNAPSHOT_ORDER: readonly SchemaObjectType[] = ['INDEX', 'NOT_VALID_CONSTRAINT', 'TRIGGER'];
