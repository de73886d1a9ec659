import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TandemError } from '../core/errors.js';
import { describeDb, toStored, type DbConfig } from '../core/db-config.js';
import { log } from '../core/logger.js';
import type { SchemaExportResult } from '../core/engine/schema-export.js';
import { loadEngine } from '../adapters/engines.js';
import type { CommandEnv } from './command-env.js';
import { writeSchemaFiles } from './schema/schema-files-writer.js';
import { checkNewSourceFlags, checkSameDatabase, openMigration, resolveTypedSchemas, sourceSide, type Migration } from './migration-context.js';
import { renderTable } from './text-table.js';

/** Options of `tandem export schema`. */
export interface ExportSchemaOptions {
  readonly exportDir: string;
  /** Also export GRANT statements (`--include-grants`). */
  readonly includeGrants: boolean;
  /** Replace a previous schema export without asking (`--start-clean`). */
  readonly startClean: boolean;
  /**
   * `--source-ddl-files`: convert the DDL in this file or directory instead of reading the source;
   * nothing connects (for engines whose schema comes as DDL text: Oracle).
   */
  readonly ddlFiles?: string;
}

/** What the meta.db key `schema_export_source` records when the schema came from DDL files (no connection settings). */
export interface SchemaFromFiles {
  readonly type: string;
  readonly schemas: readonly string[];
  readonly ddlFiles: string;
}

/** The meta.db key of the source's statistics of indexed columns (`ColumnStatistic[]`), read by analyze-schema. */
export const SOURCE_STATISTICS_KEY = 'source_index_statistics';

/** The directories of files for a person under schema/ (`<engine>_manual/`), which export schema replaces as a whole. */
const MANUAL_DIR = /^[a-z0-9]+_manual$/;

/** Writes the DDL files, replaces the manual files, and prints what was written. */
async function writeExport(env: CommandEnv, m: Migration, result: SchemaExportResult, from: string): Promise<void> {
  const { reporter } = env;
  const { exportDir } = m;
  const { objects, unexported } = result;
  const written = await writeSchemaFiles(exportDir.schemaDir, objects);
  for (const name of await readdir(exportDir.schemaDir).catch(() => [] as string[])) {
    if (MANUAL_DIR.test(name)) await rm(join(exportDir.schemaDir, name), { recursive: true, force: true });
  }
  for (const f of result.manualFiles ?? []) {
    if (!MANUAL_DIR.test(f.path.split('/')[0] ?? '') || f.path.split('/').includes('..')) throw new Error(`internal: manual file ${f.path} is outside a <engine>_manual directory`);
    const path = join(exportDir.schemaDir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text, 'utf8');
  }
  // Objects written commented out, for conversion by hand, are not counted as exported (measured
  // before: "TRIGGER 1" beside the warning that it was not exported; the newuser-50 run).
  reporter.print(renderTable(['OBJECT TYPE', 'COUNT', 'FILE'], written.map((w) => [w.type, w.commentedOut ? `${w.count} (+${w.commentedOut} commented out)` : String(w.count), `schema/${w.file}`])));
  const byHand = objects.filter((o) => o.commentedOut).length;
  reporter.print(`Exported ${objects.length - byHand} objects from ${from} into ${exportDir.schemaDir}${byHand ? `; ${byHand} more written there commented out, for conversion by hand` : ''}.`);
  for (const note of result.notes ?? []) {
    reporter.print(note);
    log.info(note);
  }
  if (unexported.length > 0) {
    // One warning, on the terminal and in logs/export-schema.log: these objects exist only in the source.
    const warning = `not exported (create them on the target by hand): ${unexported.map((o) => `${o.kind} ${o.name}`).join('; ')}`;
    reporter.warn(warning);
    log.warn(warning);
  }
  const manualDirs = [...new Set((result.manualFiles ?? []).map((f) => f.path.split('/')[0]!))];
  for (const d of manualDirs) {
    reporter.print(`Not converted, for you to convert by hand (never run by import schema): schema/${d}/ (${(result.manualFiles ?? []).filter((f) => f.path.startsWith(`${d}/`)).map((f) => f.path.slice(d.length + 1)).join(', ')}).`);
  }
  reporter.print(`Next: tandem analyze-schema --export-dir ${exportDir.root}`);
}

/** `tandem export schema`: the source schema as editable PostgreSQL DDL under schema/. */
export async function runExportSchema(env: CommandEnv, options: ExportSchemaOptions): Promise<void> {
  if (options.ddlFiles === undefined) await checkNewSourceFlags(env, options.exportDir);
  const m = openMigration(env, options.exportDir, { create: true, lock: 'export-schema' });
  try {
    const { meta } = m;
    // Once the data export has begun, its tables and the recorded source (schemas included) are the
    // migration's: a new schema export would replace schema/ and the recorded schema list under it
    // (a stream carries on with the old tables, and import schema would create tables nothing fills).
    const dataExport = meta.getStep('export_data').status;
    if (meta.getStep('export_schema').status === 'DONE' && !options.startClean) {
      // Never offer --start-clean where it would be refused (the docs-claims-2 run).
      throw new TandemError('TANDEM_EXPORT_DIR', 'The schema was already exported into this export dir; exporting again would overwrite your edits under schema/.', {
        hint: dataExport === 'NOT_STARTED'
          ? 'Add --start-clean true to replace it.'
          : `Nothing to do: the data export has begun, so this migration's schema export is the one it has (to change a DDL file, edit it under schema/ and rerun import schema; to migrate other schemas or tables, start a new migration in a new export dir).`,
      });
    }
    if (options.startClean && dataExport !== 'NOT_STARTED') {
      throw new TandemError('TANDEM_EXPORT_DIR', `The data export of this export dir has begun (${dataExport}${meta.getValue<string>('cdc_phase') === 'streaming' ? ', streaming changes' : ''}): --start-clean cannot replace its schema export now; nothing was changed.`, {
        hint: `The migration's tables were fixed when export data began. To migrate other schemas or tables, start a new migration in a new export dir (and "tandem end migration --export-dir ${m.exportDir.root}" for this one when it is done); to change a DDL file of this one, edit it under schema/ and rerun import schema.`,
      });
    }
    if (options.ddlFiles !== undefined) {
      await exportFromFiles(env, m, options.ddlFiles);
      return;
    }
    const side = await sourceSide(env, meta);
    const { engine } = side;
    checkSameDatabase(meta, side.db);
    const catalog = await engine.openCatalog(side.db);
    let missing: string[];
    let source: DbConfig;
    try {
      source = await resolveTypedSchemas(catalog, side.db, engine.unquotedNameCase);
      missing = await catalog.missingSchemas(source.schemas);
    } finally {
      await catalog.close();
    }
    if (missing.length) {
      throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema(s) not found in ${describeDb(source)}: ${missing.join(', ')}.`, {
        hint: 'Check --source-db-schema; quote mixed-case names, e.g. --source-db-schema \'public,"Sales"\'.',
      });
    }
    const result = await engine.exportSchema(source, { schemas: source.schemas, includeGrants: options.includeGrants });
    meta.setDbConfig('source', toStored(source));
    // Which server it was ("MariaDB 10.11.19", "MySQL 8.0.36"): a name for the message only, so a
    // server that will not say is no reason to fail.
    const server = await engine.describeServer(source).then((name) => `${name}, `, () => '');
    await writeExport(env, m, result, `${describeDb(source)} (${server}schemas ${source.schemas.join(', ')})`);
    // For analyze-schema's advice on skewed indexes; replaced (or removed) with every export.
    meta.setValue(SOURCE_STATISTICS_KEY, result.statistics ?? []);
    meta.setStep('export_schema', 'DONE', { objects: result.objects.length });
  } finally {
    m.close();
  }
}

/**
 * `export schema --source-ddl-files`: the engine converts the DDL files; nothing connects and no
 * connection setting is recorded (a later `export data` records the real ones), only where the
 * schema came from.
 */
async function exportFromFiles(env: CommandEnv, m: Migration, ddlFiles: string): Promise<void> {
  const { meta } = m;
  const source = await env.resolveDb(meta, 'source', { offline: true, prompt: false });
  const engine = await loadEngine(source.type);
  if (!engine.convertSchemaFiles) {
    throw new TandemError('TANDEM_USAGE', `--source-ddl-files is for sources whose schema comes as DDL text (Oracle); a ${engine.displayName} schema is read from the database.`, {
      hint: 'Leave --source-ddl-files out and give the source connection flags.',
    });
  }
  const result = await engine.convertSchemaFiles(ddlFiles, { schemas: source.schemas });
  const record: SchemaFromFiles = { type: source.type, schemas: source.schemas, ddlFiles };
  meta.setValue('schema_export_source', record);
  meta.setValue(SOURCE_STATISTICS_KEY, []); // DDL files carry no statistics
  await writeExport(env, m, result, `the ${engine.displayName} DDL in ${ddlFiles} (schema ${source.schemas.join(', ')}; no connection)`);
  meta.setStep('export_schema', 'DONE', { objects: result.objects.length, from: 'ddl-files' });
}
