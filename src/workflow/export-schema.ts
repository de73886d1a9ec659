import pg from 'pg';
import type { CommandContext } from '../cli/command-context.js';
import { TandemError } from '../core/errors.js';
import { describeDb } from '../core/db-config.js';
import { log } from '../core/logger.js';
import { connectPg } from '../adapters/postgres/pg-connection.js';
import { exportPostgresSchema, listUnexportedPostgresObjects } from '../adapters/postgres/schema-export/export-postgres-schema.js';
import { writeSchemaFiles } from './schema/schema-files-writer.js';
import { checkSameDatabase, openMigration, resolveDbConfig, toStored } from './migration-context.js';
import { renderTable } from './text-table.js';

/** `tandem export schema`: the source schema as editable PostgreSQL DDL under schema/. */
export async function runExportSchema(ctx: CommandContext): Promise<void> {
  const m = openMigration(ctx, { create: true, lock: 'export-schema' });
  try {
    const { meta, exportDir } = m;
    const source = await resolveDbConfig(ctx, meta, 'source');
    checkSameDatabase(meta, source);
    if (meta.getStep('export_schema').status === 'DONE' && !ctx.bool('start-clean')) {
      throw new TandemError('TANDEM_EXPORT_DIR', 'The schema was already exported into this export dir; exporting again would overwrite your edits under schema/.', {
        hint: 'Add --start-clean true to replace it.',
      });
    }
    // The catalog reader wants the driver's usual type parsing (arrays as arrays).
    const client = await connectPg(source, { types: pg.types });
    let objects;
    let unexported;
    try {
      const missing = await client.query('SELECT s FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)', [source.schemas]);
      if (missing.rows.length) {
        throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema(s) not found in ${describeDb(source)}: ${missing.rows.map((r) => r.s).join(', ')}.`, {
          hint: 'Check --source-db-schema; quote mixed-case names, e.g. --source-db-schema \'public,"Sales"\'.',
        });
      }
      const options = { schemas: source.schemas, includeGrants: ctx.bool('include-grants') };
      objects = await exportPostgresSchema(client, options);
      unexported = await listUnexportedPostgresObjects(client, options);
    } finally {
      await client.end().catch(() => {});
    }
    const written = await writeSchemaFiles(exportDir.schemaDir, objects);
    meta.setDbConfig('source', toStored(source));
    meta.setStep('export_schema', 'DONE', { objects: objects.length });
    ctx.print(renderTable(['OBJECT TYPE', 'COUNT', 'FILE'], written.map((w) => [w.type, String(w.count), `schema/${w.file}`])));
    ctx.print(`Exported ${objects.length} objects from ${describeDb(source)} (schemas ${source.schemas.join(', ')}) into ${exportDir.schemaDir}.`);
    if (unexported.length > 0) {
      // One warning, on the terminal and in logs/export-schema.log: these objects exist only in the source.
      const warning = `not exported (create them on the target by hand): ${unexported.map((o) => `${o.kind} ${o.name}`).join('; ')}`;
      ctx.warn(warning);
      log.warn(warning);
    }
    ctx.print(`Next: tandem analyze-schema --export-dir ${exportDir.root}`);
  } finally {
    m.close();
  }
}
