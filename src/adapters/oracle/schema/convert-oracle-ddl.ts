/**
 * The Oracle schema converter's entry point: Oracle DDL text in, PostgreSQL `SchemaObject`s out.
 * A pure function of its input (it reads no files and opens no connection), so the same code
 * converts what a live export fetches with DBMS_METADATA (`metadata-ddl-queries.ts`) and DDL files
 * a user hands over (`readOracleDdlFiles`).
 */
import { loadModule, parseSync } from 'libpg-query';
import { TandemError } from '../../../core/errors.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import type { ManualObject, OracleConversionResult, SourceObject } from './conversion-result.js';
import { readOracleModel, type DdlScript } from './model-reader.js';
import { oracleNameToPg } from './oracle-name.js';
import { writePostgresDdl } from './pg-ddl-writer.js';

/** Options of {@link convertOracleDdl}. */
export interface OracleDdlOptions {
  /**
   * The Oracle schema the DDL belongs to, as Oracle stores it (`HR`); unqualified names are in it.
   * Quoted or lower-case input is taken as written, so pass what `--source-db-schema` names.
   */
  readonly schema: string;
  /** The PostgreSQL schema its objects go into. Default: `oracleNameToPg(schema)` (`hr`). */
  readonly targetSchema?: string;
  /**
   * PostgreSQL major version of the target (YugabyteDB 2.25+ is 15, older releases 11). Decides
   * `numeric` with a negative scale and the PostgreSQL 15 regexp functions. Default 15.
   */
  readonly targetPgMajor?: number;
  /** Next values of sequences read from the live database (`ALL_SEQUENCES.LAST_NUMBER`), by `SCHEMA.NAME`. */
  readonly sequenceValues?: ReadonlyMap<string, string>;
  /** Next values of identity columns from the live database, by `SCHEMA.TABLE.COLUMN`. */
  readonly identityValues?: ReadonlyMap<string, string>;
}

let parserReady: Promise<void> | undefined;

/**
 * Converts Oracle DDL to PostgreSQL DDL. `input` is one script's text or several scripts (their
 * names appear in notes and in the manual list). Every statement of the returned objects parses
 * with PostgreSQL's own parser: an object whose SQL would not (a converter bug) is moved to the
 * manual list instead of breaking `import schema`.
 *
 * @example
 * const result = await convertOracleDdl(ddlText, { schema: 'HR' });
 * await writeSchemaFiles(join(exportDir, 'schema'), result.objects);
 */
export async function convertOracleDdl(input: string | readonly DdlScript[], options: OracleDdlOptions): Promise<OracleConversionResult> {
  if (options.schema.trim() === '') {
    throw new TandemError('TANDEM_USAGE', 'The Oracle schema name is empty.', { hint: 'Pass the schema with --source-db-schema.' });
  }
  const scripts = typeof input === 'string' ? [{ name: 'input.sql', text: input }] : input;
  const schema = options.schema === options.schema.toUpperCase() || /^[a-z0-9_$#]+$/.test(options.schema) ? options.schema.toUpperCase() : options.schema;
  const model = readOracleModel(scripts, schema);
  const result = writePostgresDdl(model, {
    schema,
    targetSchema: options.targetSchema ?? oracleNameToPg(schema),
    targetPgMajor: options.targetPgMajor ?? 15,
    ...(options.sequenceValues ? { sequenceValues: options.sequenceValues } : {}),
    ...(options.identityValues ? { identityValues: options.identityValues } : {}),
  });
  return keepParsableObjects(result);
}

/**
 * Objects whose SQL PostgreSQL's parser rejects go to the manual list (they would stop
 * `import schema` with TANDEM_SCHEMA_PARSE), marked PG_SYNTAX: a converter bug to report.
 */
export async function keepParsableObjects(result: OracleConversionResult): Promise<OracleConversionResult> {
  parserReady ??= loadModule();
  await parserReady;
  const objects: SchemaObject[] = [];
  const manual: ManualObject[] = [...result.manual];
  const notes = [...result.notes];
  const failed = new Set<string>();
  for (const o of result.objects) {
    try {
      parseSync(o.sql);
      objects.push(o);
    } catch (error) {
      failed.add(`${o.schema}\u0000${o.name}`);
      const reason = `the converted SQL does not parse on PostgreSQL (${(error as Error).message}); this is a converter bug, please report it`;
      manual.push({ kind: o.type, plsql: false, schema: o.schema, name: o.name, oracleSql: o.sql, reason, code: 'PG_SYNTAX', source: { file: '', line: 0 } });
      notes.push({ objectType: o.type, schema: o.schema, name: o.name, code: 'PG_SYNTAX', severity: 'manual', message: reason });
    }
  }
  if (failed.size === 0) return result;
  const inventoryObjects: SourceObject[] = result.inventory.objects.map((x) =>
    failed.has(`${x.schema}\u0000${x.name}`) && x.status === 'created' ? { ...x, status: 'manual' } : x);
  return { ...result, objects, manual, notes, inventory: { objects: inventoryObjects, constraints: result.inventory.constraints } };
}
