import { TandemError } from '../core/errors.js';
import { describeDb, toStored, type DbConfig } from '../core/db-config.js';
import { log } from '../core/logger.js';
import type { CommandEnv } from './command-env.js';
import { writeSchemaFiles } from './schema/schema-files-writer.js';
import { checkSameDatabase, openMigration, resolveTypedSchemas, sourceSide } from './migration-context.js';
import { renderTable } from './text-table.js';

/** Options of `tandem export schema`. */
export interface ExportSchemaOptions {
  readonly exportDir: string;
  /** Also export GRANT statements (`--include-grants`). */
  readonly includeGrants: boolean;
  /** Replace a previous schema export without asking (`--start-clean`). */
  readonly startClean: boolean;
}

/** `tandem export schema`: the source schema as editable PostgreSQL DDL under schema/. */
export async function runExportSchema(env: CommandEnv, options: ExportSchemaOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: true, lock: 'export-schema' });
  try {
    const { meta, exportDir } = m;
    const side = await sourceSide(env, meta);
    const { engine } = side;
    checkSameDatabase(meta, side.db);
    if (meta.getStep('export_schema').status === 'DONE' && !options.startClean) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The schema was already exported into this export dir; exporting again would overwrite your edits under schema/.', {
        hint: 'Add --start-clean true to replace it.',
      });
    }
    const catalog = await engine.openCatalog(side.db);
    let missing: string[];
    let source: DbConfig;
    try {
      source = await resolveTypedSchemas(catalog, side.db);
      missing = await catalog.missingSchemas(source.schemas);
    } finally {
      await catalog.close();
    }
    if (missing.length) {
      throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema(s) not found in ${describeDb(source)}: ${missing.join(', ')}.`, {
        hint: 'Check --source-db-schema; quote mixed-case names, e.g. --source-db-schema \'public,"Sales"\'.',
      });
    }
    const { objects, unexported } = await engine.exportSchema(source, { schemas: source.schemas, includeGrants: options.includeGrants });
    const written = await writeSchemaFiles(exportDir.schemaDir, objects);
    meta.setDbConfig('source', toStored(source));
    meta.setStep('export_schema', 'DONE', { objects: objects.length });
    reporter.print(renderTable(['OBJECT TYPE', 'COUNT', 'FILE'], written.map((w) => [w.type, String(w.count), `schema/${w.file}`])));
    reporter.print(`Exported ${objects.length} objects from ${describeDb(source)} (schemas ${source.schemas.join(', ')}) into ${exportDir.schemaDir}.`);
    if (unexported.length > 0) {
      // One warning, on the terminal and in logs/export-schema.log: these objects exist only in the source.
      const warning = `not exported (create them on the target by hand): ${unexported.map((o) => `${o.kind} ${o.name}`).join('; ')}`;
      reporter.warn(warning);
      log.warn(warning);
    }
    reporter.print(`Next: tandem analyze-schema --export-dir ${exportDir.root}`);
  } finally {
    m.close();
  }
}
