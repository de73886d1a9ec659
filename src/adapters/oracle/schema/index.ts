/**
 * The Oracle schema converter's public surface: Oracle DDL (from DBMS_METADATA or DDL files) to
 * PostgreSQL `SchemaObject`s, notes and a manual list. See docs/oracle-schema.md.
 */
export { convertOracleDdl, type OracleDdlOptions } from './convert-oracle-ddl.js';
export { readOracleDdlFiles, DDL_FILE_EXTENSIONS } from './ddl-file-reader.js';
export { oracleNameToPg, storedOracleName } from './oracle-name.js';
export { manualSqlFiles, renderConversionNotes, type ManualFile } from './manual-files.js';
export {
  METADATA_SESSION_SETUP, METADATA_DDL_QUERIES, SEQUENCE_VALUES_QUERY, IDENTITY_VALUES_QUERY, liveValues, type MetadataQuery,
} from './metadata-ddl-queries.js';
export { convertOracleExpression, convertOracleQuery, type ExpressionOptions } from './expression-converter.js';
export { mapOracleType, type ValueKind, type TypeMapping } from './type-mapping.js';
export type { DdlScript } from './model-reader.js';
export type { ConversionNote, NoteSeverity } from './conversion-note.js';
export type {
  OracleConversionResult, ManualObject, SourceObject, SourceConstraint, ConvertedTable, ObjectStatus,
} from './conversion-result.js';
