/**
 * The proof of the Oracle schema converter: Oracle DDL fixtures (hand-written install scripts and
 * DBMS_METADATA.GET_DDL output) are converted, written as schema files, imported into a real
 * PostgreSQL 15 the way `tandem import schema` does (both phases), and the share of Oracle objects
 * and constraints that exist afterwards is measured from PostgreSQL's catalog and printed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { convertOracleDdl } from '../../../src/adapters/oracle/schema/convert-oracle-ddl.js';
import type { OracleConversionResult } from '../../../src/adapters/oracle/schema/conversion-result.js';
import { readOracleDdlFiles } from '../../../src/adapters/oracle/schema/ddl-file-reader.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { importLikeTandem, measureLoad, percent, type LoadOutcome } from './ddl-load-kit.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/oracle/', import.meta.url));

/** Each fixture: its path, its Oracle schema. */
const SETS = [
  { path: 'scripts/library', schema: 'LIBRARY' },
  { path: 'scripts/shop', schema: 'SHOP' },
  { path: 'scripts/warehouse', schema: 'WAREHOUSE' },
  { path: 'scripts/entry', schema: 'ENTRY' },
  { path: 'metadata/billing.sql', schema: 'BILLING' },
  { path: 'metadata/fleet.sql', schema: 'FLEET' },
  { path: 'metadata/clinic_sqldeveloper_export.sql', schema: 'CLINIC' },
  // In the shape of public schema scripts the converter was measured on (docs/oracle-schema.md).
  { path: 'public/depot_export_noterm.sql', schema: 'DEPOT' },
  { path: 'public/permits_changelog.sql', schema: 'PERMITS' },
  { path: 'public/atlas', schema: 'ATLAS' },
  { path: 'public/meters_install.sql', schema: 'METERS' },
] as const;

let server: PgServer;
let client: pg.Client;
const results = new Map<string, OracleConversionResult>();
let outcome: LoadOutcome;

before(async () => {
  server = await startPg15();
  await server.createDatabase('oracle_ddl');
  client = await server.client('oracle_ddl');
  for (const set of SETS) {
    results.set(set.schema, await convertOracleDdl(await readOracleDdlFiles(join(FIXTURES, set.path)), { schema: set.schema }));
  }
  outcome = await importLikeTandem(client, [...results.values()].flatMap((r) => r.objects));
});

after(async () => {
  await client?.end();
  await server?.stop();
});

test('every converted statement loads into PostgreSQL 15', () => {
  const failures = outcome.failed.map((f) => `${f.statement.file}:${f.statement.line} ${'message' in f ? f.message : ''}\n    ${f.statement.sql.split('\n')[0]}`);
  assert.deepEqual(failures, []);
  assert.ok(outcome.results.length > 300, `only ${outcome.results.length} statements ran`);
});

test('at least 98% of the Oracle objects and of the constraints exist on PostgreSQL (measured from its catalog)', async () => {
  const row = (label: string, share: Awaited<ReturnType<typeof measureLoad>>) => {
    const objects = share.objects.total - share.objects.omitted;
    return `${label.padEnd(10)} objects ${percent(share.objects.loaded, objects).padEnd(18)}`
      + ` constraints ${percent(share.constraints.loaded, share.constraints.total - share.constraints.omitted).padEnd(18)}`
      + ` objects incl. the ${share.needsPlsql} calling PL/SQL ${percent(share.objects.loaded, objects + share.needsPlsql).padEnd(18)}`
      + ` PL/SQL units (manual) ${share.plsqlUnits}`;
  };
  const rows: string[] = [];
  for (const set of SETS) rows.push(row(set.schema, await measureLoad(client, [results.get(set.schema)!])));
  const all = await measureLoad(client, [...results.values()]);
  const objectShare = all.objects.loaded / (all.objects.total - all.objects.omitted);
  const constraintShare = all.constraints.loaded / (all.constraints.total - all.constraints.omitted);
  console.log([
    'Oracle DDL loaded into PostgreSQL 15. Objects: tables, views, materialized views, sequences, indexes, types, synonyms;',
    'those that call PL/SQL wait for its manual conversion and are counted apart, like the PL/SQL itself.',
    ...rows,
    row('ALL', all),
    `deliberately not created (not counted): ${all.objects.omitted} objects, ${all.constraints.omitted} disabled constraints`,
    'not loaded:', ...all.objects.missing.map((m) => `  ${m}`), ...all.constraints.missing.map((m) => `  ${m}`),
  ].join('\n'));
  assert.ok(objectShare >= 0.98, `objects: ${percent(all.objects.loaded, all.objects.total - all.objects.omitted)}`);
  assert.ok(constraintShare >= 0.98, `constraints: ${percent(all.constraints.loaded, all.constraints.total - all.constraints.omitted)}`);
});

test('every note code the fixtures produce is documented in docs/oracle-schema.md', async () => {
  const doc = await readFile(fileURLToPath(new URL('../../../../docs/oracle-schema.md', import.meta.url)), 'utf8');
  const codes = new Set([...results.values()].flatMap((r) => [...r.notes.map((n) => n.code), ...r.manual.map((m) => m.code)]));
  assert.ok(codes.size > 40, `only ${codes.size} codes`);
  assert.deepEqual([...codes].filter((c) => !doc.includes(`\`${c}\``)), []);
});
