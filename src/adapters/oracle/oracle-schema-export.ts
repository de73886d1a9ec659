import type { DbConfig } from '../../core/db-config.js';
import type { SchemaExportOptions, SchemaExportResult } from '../../core/engine/schema-export.js';
import type { OracleSession } from './connection.js';
import { oracleSchemaOf } from './oracle-config.js';
import { withDataSession } from './oracle-sessions.js';
import {
  convertOracleDdl, IDENTITY_VALUES_QUERY, liveValues, manualSqlFiles, METADATA_DDL_QUERIES, METADATA_SESSION_SETUP, readOracleDdlFiles,
  SEQUENCE_VALUES_QUERY, type DdlScript, type OracleConversionResult,
} from './schema/index.js';

/**
 * `export schema` for an Oracle source: the DDL of the schema (from DBMS_METADATA on a connection,
 * or from the user's DDL files with `--source-ddl-files`, with no connection at all) converted to
 * PostgreSQL by the schema converter (`schema/`, docs/oracle-schema.md). PL/SQL and what has no
 * PostgreSQL form are not converted: they go to `schema/oracle_manual/` with the conversion notes,
 * for a person (and `analyze-schema` lists them).
 *
 * The DBMS_METADATA path is NOT RUN AGAINST A LIVE ORACLE; the conversion it feeds is the one the
 * DDL-file path runs, which is tested end to end into PostgreSQL 15.
 */

/** What the workflow gets from a conversion (pure). */
export function schemaExportResult(result: OracleConversionResult): SchemaExportResult {
  return {
    objects: [...result.objects],
    unexported: result.manual.map((m) => ({ kind: m.kind, name: `${m.schema}.${m.name}` })),
    manualFiles: manualSqlFiles(result),
  };
}

/**
 * The schema's DDL from DBMS_METADATA, one script per query (in the converter's order), and the
 * sequences' and identity columns' current values.
 */
export async function fetchMetadataDdl(session: OracleSession, schema: string): Promise<{ scripts: DdlScript[]; sequenceValues: Map<string, string>; identityValues: Map<string, string> }> {
  await session.execute(METADATA_SESSION_SETUP);
  const scripts: DdlScript[] = [];
  for (const q of METADATA_DDL_QUERIES) {
    const rows = await session.query(q.sql, { owner: schema });
    const text = rows.map((r) => String(r.DDL ?? '').trim()).filter((t) => t !== '').join('\n\n');
    if (text !== '') scripts.push({ name: `DBMS_METADATA: ${q.kind}`, text: `${text}\n` });
  }
  const seq = (await session.query(SEQUENCE_VALUES_QUERY, { owner: schema })) as unknown as { SEQUENCE_NAME: string; LAST_NUMBER: string }[];
  const ids = (await session.query(IDENTITY_VALUES_QUERY, { owner: schema })) as unknown as { TABLE_NAME: string; COLUMN_NAME: string; LAST_NUMBER: string }[];
  return { scripts, ...liveValues(schema, seq, ids) };
}

/** `export schema` on a connection. */
export async function exportOracleSchema(db: DbConfig, _options: SchemaExportOptions): Promise<SchemaExportResult> {
  const schema = oracleSchemaOf(db);
  const { scripts, sequenceValues, identityValues } = await withDataSession(db, (s) => fetchMetadataDdl(s, schema));
  return schemaExportResult(await convertOracleDdl(scripts, { schema, sequenceValues, identityValues }));
}

/** `export schema --source-ddl-files <file or directory>`: the same conversion, no connection. */
export async function convertOracleSchemaFiles(path: string, options: SchemaExportOptions): Promise<SchemaExportResult> {
  const schema = oracleSchemaOf({ schemas: [...options.schemas] });
  return schemaExportResult(await convertOracleDdl(await readOracleDdlFiles(path), { schema }));
}
