import type pg from 'pg';
import { TandemError } from '../../../core/errors.js';
import { exportAggregateGrants, exportAggregates } from './aggregates-export.js';
import { exportCollations } from './collations-export.js';
import { exportComments } from './comments-export.js';
import { exportDomains } from './domains-export.js';
import type { ExportContext } from './export-context.js';
import { exportForeignData } from './foreign-data-export.js';
import { exportForeignKeys } from './foreign-keys-export.js';
import { exportGrants } from './grants-export.js';
import { exportIndexes } from './indexes-export.js';
import { exportNotValidConstraints } from './not-valid-constraints-export.js';
import { exportCasts, exportOperators } from './operators-export.js';
import { exportPolicies } from './policies-export.js';
import { exportRoutines } from './routines-export.js';
import { exportRules } from './rules-export.js';
import type { SchemaObject } from '../../../core/schema-object.js';
import { exportSchemas } from './schemas-export.js';
import { exportSequences } from './sequences-export.js';
import { exportStatistics } from './statistics-export.js';
import { exportTables } from './tables-export.js';
import { exportTextSearch } from './text-search-export.js';
import { exportTriggers } from './triggers-export.js';
import { exportTypes } from './types-export.js';
import { findOutsideTypes } from './outside-types.js';
import { findSkippedDependents } from './skipped-dependents.js';
import { findUnexportedObjects, type UnexportedObject } from './unexported-objects.js';
import { exportViews } from './views-export.js';

/** Options of {@link exportPostgresSchema}. */
export interface PostgresSchemaExportOptions {
  /** Schemas to export, as stored in the catalog (`Ops`, not `"Ops"`). */
  readonly schemas: readonly string[];
  /** Also export GRANT statements. Default false. */
  readonly includeGrants?: boolean;
}

/**
 * Reads the catalog of a PostgreSQL 12–18 server and returns the DDL of every object in the given
 * schemas that Tandem exports ({@link listUnexportedPostgresObjects} names the others), grouped by
 * type and deterministically ordered within a type, plus the types and domains of other schemas
 * that those objects use (a table of `sales` with a column of domain `public.money_amount`), with
 * a `CREATE SCHEMA IF NOT EXISTS` for their schemas. Names are
 * schema-qualified: the session's search_path is emptied while reading (and restored after), so
 * the server's deparse functions qualify every name outside pg_catalog. A schema that does not
 * exist raises `TANDEM_UNKNOWN_SCHEMA`.
 *
 * @example
 * const objects = await exportPostgresSchema(client, { schemas: ['public', 'Ops'] });
 */
export async function exportPostgresSchema(
  client: pg.Client,
  options: PostgresSchemaExportOptions,
): Promise<SchemaObject[]> {
  return readCatalog(client, options.schemas, async (ctx) => {
    const objects: SchemaObject[] = [];
    for (const part of [exportSchemas, exportCollations, exportTypes, exportDomains, exportSequences, exportRoutines,
      exportOperators, exportCasts, exportTextSearch, exportAggregates, exportTables, exportForeignData, exportIndexes,
      exportForeignKeys, exportViews, exportRules, exportStatistics, exportNotValidConstraints, exportTriggers, exportPolicies,
      exportComments]) {
      objects.push(...await part(ctx));
    }
    if (options.includeGrants) objects.push(...await exportGrants(ctx), ...await exportAggregateGrants(ctx));
    return objects;
  });
}

/**
 * Lists what {@link exportPostgresSchema} with the same options leaves out and the user must
 * create on the target by hand (base types written in C, conversions, event triggers, …, each
 * with what is left out because it depends on it; see `findUnexportedObjects`), sorted by kind
 * and name. Same schema check as the export.
 *
 * @example
 * const missing = await listUnexportedPostgresObjects(client, { schemas: ['app'] });
 * // [{ kind: 'conversion', name: 'app.my_conv' }, { kind: 'event trigger', name: 'app_ddl_watch' }]
 */
export async function listUnexportedPostgresObjects(
  client: pg.Client,
  options: PostgresSchemaExportOptions,
): Promise<UnexportedObject[]> {
  return readCatalog(client, options.schemas, (ctx) => findUnexportedObjects(ctx, options.includeGrants ?? false));
}

/**
 * Checks that the schemas exist, then runs `read` with the session's search_path emptied (so the
 * server's deparse functions qualify every name outside pg_catalog) and restores it after.
 */
async function readCatalog<T>(client: pg.Client, schemas: readonly string[], read: (ctx: ExportContext) => Promise<T>): Promise<T> {
  const settings = await client.query<{ path: string; version: string }>(
    "SELECT current_setting('search_path') AS path, current_setting('server_version_num') AS version");
  const { path, version } = settings.rows[0]!;
  const found = await client.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)', [schemas]);
  const missing = schemas.filter((s) => !found.rows.some((r) => r.name === s));
  if (missing.length > 0) {
    throw new TandemError('TANDEM_UNKNOWN_SCHEMA', `Schema(s) not found in the source database: ${missing.join(', ')}.`, {
      hint: 'Schema names are case-sensitive; list them as stored, separated by commas (for example Ops, not ops).',
    });
  }
  await client.query("SELECT pg_catalog.set_config('search_path', '', false)");
  try {
    const skipped = await findSkippedDependents(client, schemas);
    const outsideTypes = await findOutsideTypes(client, schemas);
    const ctx: ExportContext = {
      client, schemas: [...schemas], serverVersionNum: Number(version), excluded: skipped.excluded, skippedRoots: skipped.roots, outsideTypes,
    };
    return await read(ctx);
  } finally {
    await client.query('SELECT pg_catalog.set_config($1, $2, false)', ['search_path', path]);
  }
}
