/**
 * Loads converted Oracle DDL into a real PostgreSQL database the way `tandem import schema` does
 * (schema files written by writeSchemaFiles, read back in import order, applied with
 * applySchemaStatements; then the post-snapshot phase), and measures from PostgreSQL's catalog which
 * of the Oracle objects and constraints exist afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { OracleConversionResult, SourceConstraint, SourceObject } from '../../../src/adapters/oracle/schema/conversion-result.js';
import type { SchemaObject } from '../../../src/core/schema-object.js';
import { applySchemaStatements } from '../../../src/adapters/postgres/schema-applier.js';
import type { StatementResult } from '../../../src/core/engine/target.js';
import { writeSchemaFiles } from '../../../src/workflow/schema/schema-files-writer.js';
import { readSchemaStatements } from '../../../src/workflow/schema/schema-statements-reader.js';

/** The outcome of loading: every statement's result. */
export interface LoadOutcome {
  readonly results: readonly StatementResult[];
  readonly failed: readonly StatementResult[];
}

/** Writes the objects as schema files and imports them into the database of `client` (both phases). */
export async function importLikeTandem(client: pg.Client, objects: readonly SchemaObject[]): Promise<LoadOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-oracle-ddl-'));
  try {
    await writeSchemaFiles(dir, objects);
    const results: StatementResult[] = [];
    for (const postSnapshot of [false, true]) {
      const statements = await readSchemaStatements(dir, { postSnapshot });
      const applied = await applySchemaStatements(client, statements, { ignoreExist: false, continueOnError: true });
      results.push(...applied.results);
    }
    return { results, failed: results.filter((r) => r.status === 'failed') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Share of objects and constraints that exist on PostgreSQL. */
export interface LoadShare {
  /**
   * Objects other than PL/SQL units and objects that need hand-converted PL/SQL first (those are
   * counted in `needsPlsql`): the ones the converter is responsible for.
   */
  readonly objects: { readonly total: number; readonly loaded: number; readonly omitted: number; readonly missing: readonly string[] };
  /** Views and other objects that call PL/SQL and wait for its manual conversion. */
  readonly needsPlsql: number;
  readonly constraints: { readonly total: number; readonly loaded: number; readonly omitted: number; readonly missing: readonly string[] };
  readonly plsqlUnits: number;
}

const RELKINDS: Readonly<Record<string, readonly string[]>> = {
  TABLE: ['r', 'p'], VIEW: ['v'], SYNONYM: ['v'], MVIEW: ['m'], SEQUENCE: ['S'], INDEX: ['i', 'I'],
};

/**
 * Checks every non-PL/SQL object and every constraint of the inventory against PostgreSQL's catalog.
 * An object or constraint counts as loaded only when it exists there; one the converter left for
 * manual conversion counts as not loaded; one deliberately not created (a disabled constraint, a
 * materialized view ON PREBUILT TABLE) is counted apart.
 */
export async function measureLoad(client: pg.Client, results: readonly OracleConversionResult[]): Promise<LoadShare> {
  const objects = results.flatMap((r) => r.inventory.objects);
  const constraints = results.flatMap((r) => r.inventory.constraints);
  const missingObjects: string[] = [];
  let loadedObjects = 0;
  let omittedObjects = 0;
  const nonPlsql = objects.filter((o) => !o.plsql && !o.needsPlsql);
  for (const o of nonPlsql) {
    if (o.status === 'omitted') {
      omittedObjects++;
      continue;
    }
    if (o.status !== 'manual' && (await objectExists(client, o))) loadedObjects++;
    else missingObjects.push(`${o.kind} ${o.oracleName} (${o.status})`);
  }
  const missingConstraints: string[] = [];
  let loadedConstraints = 0;
  let omittedConstraints = 0;
  for (const k of constraints) {
    if (k.status === 'omitted') {
      omittedConstraints++;
      continue;
    }
    if (k.status !== 'manual' && (await constraintExists(client, k))) loadedConstraints++;
    else missingConstraints.push(`${k.kind} ${k.schema}.${k.table}.${k.name} (${k.status})`);
  }
  return {
    objects: { total: nonPlsql.length, loaded: loadedObjects, omitted: omittedObjects, missing: missingObjects },
    constraints: { total: constraints.length, loaded: loadedConstraints, omitted: omittedConstraints, missing: missingConstraints },
    plsqlUnits: objects.filter((o) => o.plsql).length,
    needsPlsql: objects.filter((o) => o.needsPlsql).length,
  };
}

async function objectExists(client: pg.Client, o: SourceObject): Promise<boolean> {
  if (o.kind === 'TYPE') {
    const r = await client.query(
      'SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2', [o.schema, o.name]);
    return r.rowCount === 1;
  }
  const kinds = RELKINDS[o.kind];
  if (!kinds) return false;
  const r = await client.query(
    'SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [o.schema, o.name]);
  return r.rowCount === 1 && kinds.includes(r.rows[0].relkind);
}

async function constraintExists(client: pg.Client, k: SourceConstraint): Promise<boolean> {
  if (k.form === 'not-null') {
    const r = await client.query(
      `SELECT a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped`, [k.schema, k.table, k.column]);
    return r.rowCount === 1 && r.rows[0].attnotnull === true;
  }
  const contype = { 'PRIMARY KEY': 'p', UNIQUE: 'u', 'FOREIGN KEY': 'f', CHECK: 'c', 'NOT NULL': 'c' }[k.kind];
  const r = await client.query(
    `SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND k.conname = $3 AND k.contype = $4`, [k.schema, k.table, k.name, contype]);
  return r.rowCount === 1;
}

/** Formats a share as `loaded/total (xx.x%)`. */
export function percent(loaded: number, total: number): string {
  return `${loaded}/${total} (${total === 0 ? '100.0' : ((100 * loaded) / total).toFixed(1)}%)`;
}
