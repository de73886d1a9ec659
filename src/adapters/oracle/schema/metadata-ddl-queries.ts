/**
 * The SQL a live `export schema` runs on Oracle to fetch the DDL that {@link convertOracleDdl}
 * converts, as plain strings (no driver here: the Oracle connection code runs them).
 *
 * NOT TESTED HERE: no Oracle server can run on the machines this project is built on. These
 * statements follow Oracle's documentation of DBMS_METADATA (19c and later) and the ALL_* catalog
 * views, and the DDL they return has the shape of the fixtures under `test/fixtures/oracle/metadata/`,
 * which the converter is tested with; but they have never been run against an Oracle database.
 *
 * How to use them:
 * 1. Run {@link METADATA_SESSION_SETUP} once in the session (it sets session-wide transform parameters).
 * 2. Run each query of {@link METADATA_DDL_QUERIES}, in order, with the bind `:owner` set to the schema
 *    name as Oracle stores it (`HR`). Each returns rows `(OBJECT_TYPE, OBJECT_NAME, DDL)`; fetch DDL
 *    (a CLOB) as a string (node-oracledb: `fetchInfo: { DDL: { type: oracledb.STRING } }` or
 *    `oracledb.fetchAsString = [oracledb.CLOB]`).
 * 3. Join the DDL texts of all rows, in query order, into one script (each ends with its terminator)
 *    and pass it to `convertOracleDdl(script, { schema })`.
 * 4. Run {@link SEQUENCE_VALUES_QUERY} and {@link IDENTITY_VALUES_QUERY} and pass their rows as
 *    `sequenceValues` / `identityValues`, so sequences start at the database's current values.
 *
 * Privileges: the user needs SELECT_CATALOG_ROLE (or SELECT ANY DICTIONARY) for DBMS_METADATA to
 * return another schema's DDL.
 */

/**
 * Session transform parameters: statement terminators (`;` and `/`), no segment attributes
 * (storage, tablespace, logging), constraints as separate ALTER TABLE statements, foreign keys
 * fetched apart (after every table exists), schema-qualified names. COLLATION_CLAUSE exists from
 * 12.2; the block ignores its absence on older releases.
 */
export const METADATA_SESSION_SETUP = `BEGIN
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'SQLTERMINATOR', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'PRETTY', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'SEGMENT_ATTRIBUTES', FALSE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'STORAGE', FALSE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'TABLESPACE', FALSE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'CONSTRAINTS', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'CONSTRAINTS_AS_ALTER', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'REF_CONSTRAINTS', FALSE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'PARTITIONING', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'SIZE_BYTE_KEYWORD', TRUE);
  DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'EMIT_SCHEMA', TRUE);
  BEGIN
    DBMS_METADATA.SET_TRANSFORM_PARAM(DBMS_METADATA.SESSION_TRANSFORM, 'COLLATION_CLAUSE', 'NEVER');
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
END;`;

/** One query of the export, with what it returns. */
export interface MetadataQuery {
  /** What the rows hold, for logs. */
  readonly kind: string;
  /** SELECT returning OBJECT_TYPE, OBJECT_NAME, DDL; bind `:owner`. */
  readonly sql: string;
}

const OWNER = ':owner';

/**
 * The DDL queries, in the order the converter wants them: types, sequences, tables (with their
 * primary, unique and check constraints), indexes, foreign keys, views, materialized views,
 * synonyms, comments, then the PL/SQL units it lists for manual conversion.
 */
export const METADATA_DDL_QUERIES: readonly MetadataQuery[] = [
  {
    kind: 'type specifications',
    sql: `SELECT 'TYPE' AS object_type, o.object_name, DBMS_METADATA.GET_DDL('TYPE_SPEC', o.object_name, o.owner) AS ddl
  FROM all_objects o
 WHERE o.owner = ${OWNER} AND o.object_type = 'TYPE' AND o.object_name NOT LIKE 'SYS\\_PLSQL\\_%' ESCAPE '\\'
 ORDER BY o.created, o.object_id`,
  },
  {
    kind: 'sequences (not the ISEQ$$ sequences of identity columns)',
    sql: `SELECT 'SEQUENCE' AS object_type, s.sequence_name AS object_name, DBMS_METADATA.GET_DDL('SEQUENCE', s.sequence_name, s.sequence_owner) AS ddl
  FROM all_sequences s
 WHERE s.sequence_owner = ${OWNER} AND s.sequence_name NOT LIKE 'ISEQ$$\\_%' ESCAPE '\\'
 ORDER BY s.sequence_name`,
  },
  {
    kind: 'tables (not nested-table storage, IOT overflow, materialized view containers, MV logs or the recycle bin)',
    sql: `SELECT 'TABLE' AS object_type, t.table_name AS object_name, DBMS_METADATA.GET_DDL('TABLE', t.table_name, t.owner) AS ddl
  FROM all_tables t
 WHERE t.owner = ${OWNER}
   AND t.nested = 'NO'
   AND t.secondary = 'N'
   AND t.dropped = 'NO'
   AND (t.iot_type IS NULL OR t.iot_type = 'IOT')
   AND t.table_name NOT LIKE 'MLOG$\\_%' ESCAPE '\\'
   AND t.table_name NOT LIKE 'RUPD$\\_%' ESCAPE '\\'
   AND NOT EXISTS (SELECT 1 FROM all_mviews m WHERE m.owner = t.owner AND m.container_name = t.table_name)
 ORDER BY t.table_name`,
  },
  {
    kind: 'indexes (not LOB, IOT-top or system-generated ones)',
    sql: `SELECT 'INDEX' AS object_type, i.index_name AS object_name, DBMS_METADATA.GET_DDL('INDEX', i.index_name, i.owner) AS ddl
  FROM all_indexes i
 WHERE i.owner = ${OWNER}
   AND i.table_owner = ${OWNER}
   AND i.index_type NOT IN ('LOB', 'IOT - TOP', 'CLUSTER')
   AND i.generated = 'N'
   AND i.dropped = 'NO'
 ORDER BY i.table_name, i.index_name`,
  },
  {
    kind: 'foreign keys',
    sql: `SELECT 'REF_CONSTRAINT' AS object_type, t.table_name AS object_name, DBMS_METADATA.GET_DEPENDENT_DDL('REF_CONSTRAINT', t.table_name, t.owner) AS ddl
  FROM all_tables t
 WHERE t.owner = ${OWNER}
   AND t.dropped = 'NO'
   AND EXISTS (SELECT 1 FROM all_constraints c WHERE c.owner = t.owner AND c.table_name = t.table_name AND c.constraint_type = 'R')
 ORDER BY t.table_name`,
  },
  {
    kind: 'views',
    sql: `SELECT 'VIEW' AS object_type, v.view_name AS object_name, DBMS_METADATA.GET_DDL('VIEW', v.view_name, v.owner) AS ddl
  FROM all_views v
 WHERE v.owner = ${OWNER}
 ORDER BY v.view_name`,
  },
  {
    kind: 'materialized views',
    sql: `SELECT 'MATERIALIZED_VIEW' AS object_type, m.mview_name AS object_name, DBMS_METADATA.GET_DDL('MATERIALIZED_VIEW', m.mview_name, m.owner) AS ddl
  FROM all_mviews m
 WHERE m.owner = ${OWNER}
 ORDER BY m.mview_name`,
  },
  {
    kind: 'synonyms of the schema, and public synonyms of its objects',
    sql: `SELECT 'SYNONYM' AS object_type, s.synonym_name AS object_name, DBMS_METADATA.GET_DDL('SYNONYM', s.synonym_name, s.owner) AS ddl
  FROM all_synonyms s
 WHERE s.owner = ${OWNER} OR (s.owner = 'PUBLIC' AND s.table_owner = ${OWNER})
 ORDER BY s.owner, s.synonym_name`,
  },
  {
    kind: 'comments on tables, views, materialized views and their columns',
    sql: `SELECT 'COMMENT' AS object_type, o.object_name, DBMS_METADATA.GET_DEPENDENT_DDL('COMMENT', o.object_name, o.owner) AS ddl
  FROM all_objects o
 WHERE o.owner = ${OWNER}
   AND o.object_type IN ('TABLE', 'VIEW', 'MATERIALIZED VIEW')
   AND (EXISTS (SELECT 1 FROM all_tab_comments c WHERE c.owner = o.owner AND c.table_name = o.object_name AND c.comments IS NOT NULL)
     OR EXISTS (SELECT 1 FROM all_col_comments c WHERE c.owner = o.owner AND c.table_name = o.object_name AND c.comments IS NOT NULL))
 ORDER BY o.object_name`,
  },
  {
    kind: 'PL/SQL units (exported as they are, for manual conversion)',
    sql: `SELECT o.object_type, o.object_name,
       DBMS_METADATA.GET_DDL(DECODE(o.object_type, 'PACKAGE', 'PACKAGE_SPEC', 'PACKAGE BODY', 'PACKAGE_BODY', 'TYPE BODY', 'TYPE_BODY', o.object_type),
                             o.object_name, o.owner) AS ddl
  FROM all_objects o
 WHERE o.owner = ${OWNER}
   AND o.object_type IN ('PACKAGE', 'PACKAGE BODY', 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'TYPE BODY')
 ORDER BY DECODE(o.object_type, 'PACKAGE', 1, 'TYPE BODY', 2, 'FUNCTION', 3, 'PROCEDURE', 4, 'PACKAGE BODY', 5, 6), o.object_name`,
  },
];

/** The next value of each sequence (LAST_NUMBER: never below a value handed out, also with caching). Rows: SEQUENCE_NAME, LAST_NUMBER. */
export const SEQUENCE_VALUES_QUERY = `SELECT s.sequence_name, TO_CHAR(s.last_number) AS last_number
  FROM all_sequences s
 WHERE s.sequence_owner = ${OWNER} AND s.sequence_name NOT LIKE 'ISEQ$$\\_%' ESCAPE '\\'`;

/** The next value of each identity column's sequence. Rows: TABLE_NAME, COLUMN_NAME, LAST_NUMBER. */
export const IDENTITY_VALUES_QUERY = `SELECT c.table_name, c.column_name, TO_CHAR(s.last_number) AS last_number
  FROM all_tab_identity_cols c
  JOIN all_sequences s ON s.sequence_owner = c.owner AND s.sequence_name = c.sequence_name
 WHERE c.owner = ${OWNER}`;

/**
 * The `sequenceValues` / `identityValues` options of `convertOracleDdl` from the rows of
 * {@link SEQUENCE_VALUES_QUERY} and {@link IDENTITY_VALUES_QUERY}.
 *
 * @example
 * const { sequenceValues, identityValues } = liveValues('HR', seqRows, identityRows);
 */
export function liveValues(
  owner: string,
  sequences: readonly { readonly SEQUENCE_NAME: string; readonly LAST_NUMBER: string }[],
  identities: readonly { readonly TABLE_NAME: string; readonly COLUMN_NAME: string; readonly LAST_NUMBER: string }[],
): { sequenceValues: Map<string, string>; identityValues: Map<string, string> } {
  return {
    sequenceValues: new Map(sequences.map((r) => [`${owner}.${r.SEQUENCE_NAME}`, r.LAST_NUMBER])),
    identityValues: new Map(identities.map((r) => [`${owner}.${r.TABLE_NAME}.${r.COLUMN_NAME}`, r.LAST_NUMBER])),
  };
}
