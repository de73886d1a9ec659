import type { SchemaObjectType } from '../../adapters/postgres/schema-export/schema-object.js';

/** Where each object type lives under `<export-dir>/schema/`, relative to that directory. */
export const SCHEMA_FILES: Readonly<Record<SchemaObjectType, string>> = {
  SCHEMA: 'schemas/schemas.sql',
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
  TRIGGER: 'triggers/triggers.sql',
  POLICY: 'policies/policies.sql',
  COMMENT: 'comments/comments.sql',
  GRANT: 'grants/grants.sql',
};

/**
 * Import order of `import schema` (before the snapshot). Functions come before tables because
 * defaults, CHECKs and generated columns may call them; their bodies are not checked at creation
 * (`check_function_bodies = off`), so they may name tables that do not exist yet.
 */
export const PRE_SNAPSHOT_ORDER: readonly SchemaObjectType[] = [
  'SCHEMA', 'TYPE', 'DOMAIN', 'SEQUENCE', 'FUNCTION', 'PROCEDURE', 'TABLE', 'PARTITION', 'SEQUENCE_OWNED_BY',
  'UNIQUE', 'FOREIGN_KEY', 'VIEW', 'MVIEW', 'COMMENT', 'POLICY', 'GRANT',
];

/** Import order of `import schema --post-snapshot-import true`: secondary indexes, then triggers. */
export const POST_SNAPSHOT_ORDER: readonly SchemaObjectType[] = ['INDEX', 'TRIGGER'];
