/**
 * How import schema reports failed statements: a missing privilege (SQLSTATE 42501) is
 * TANDEM_PRIVILEGE with the GRANT the target named; other failures are TANDEM_SCHEMA_IMPORT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrant } from '../../../src/adapters/postgres/schema-applier.js';
import type { SchemaApplyResult, SchemaStatement, StatementResult } from '../../../src/core/engine/target.js';
import { TandemError } from '../../../src/core/errors.js';
import { assertSchemaApplied } from '../../../src/workflow/schema/schema-apply-report.js';

const statement = (file: string, line: number, sql: string): SchemaStatement => ({ objectType: 'TABLE', file, line, sql });

function resultOf(results: StatementResult[]): SchemaApplyResult {
  const count = (status: StatementResult['status']) => results.filter((r) => r.status === status).length;
  return { results, applied: count('applied'), skipped: count('skipped'), failed: count('failed'), notExecuted: count('not-executed'), waited: 0 };
}

function thrown(result: SchemaApplyResult): TandemError {
  try {
    assertSchemaApplied(result);
  } catch (e) {
    assert.ok(e instanceof TandemError);
    return e;
  }
  assert.fail('assertSchemaApplied did not throw');
}

test('createGrant names the CREATE grant on the database or schema the server names, quoting where needed', () => {
  assert.equal(createGrant('permission denied for database shop_off', 'app'), 'GRANT CREATE ON DATABASE shop_off TO app;');
  assert.equal(createGrant('permission denied for schema public', 'app'), 'GRANT CREATE ON SCHEMA public TO app;');
  assert.equal(createGrant('permission denied for schema Sales Data', 'Mig"rator'), 'GRANT CREATE ON SCHEMA "Sales Data" TO "Mig""rator";');
  assert.equal(createGrant('permission denied for schema public', undefined), 'GRANT CREATE ON SCHEMA public TO <migration user>;');
  assert.equal(createGrant('must be owner of table orders', 'app'), undefined);
  assert.equal(createGrant('keine Berechtigung für Schema public', 'app'), undefined);
});

test('a failure for a missing privilege is TANDEM_PRIVILEGE with the GRANT, not "fix the files"', () => {
  const e = thrown(resultOf([
    { statement: statement('tables/table.sql', 3, 'CREATE TABLE public.a (id int)'), status: 'failed', sqlState: '42501',
      message: 'permission denied for schema public', grant: 'GRANT CREATE ON SCHEMA public TO app;' },
    { statement: statement('tables/table.sql', 4, 'CREATE TABLE public.b (id int)'), status: 'not-executed' },
    { statement: statement('tables/table.sql', 5, 'CREATE TABLE public.c (id int)'), status: 'not-executed' },
  ]));
  assert.equal(e.code, 'TANDEM_PRIVILEGE');
  assert.equal(e.message, '1 schema statement(s) failed:\n  tables/table.sql:3 [42501] permission denied for schema public\n    CREATE TABLE public.a (id int)\n2 later statement(s) were not run.');
  assert.equal(e.hint, 'As the object\'s owner or a superuser: GRANT CREATE ON SCHEMA public TO app; then rerun the same import schema: what its earlier runs created is found done.');
});

test('the same GRANT is named once; a 42501 without a nameable object gets the general privilege hint', () => {
  const denied = (line: number) => ({ statement: statement('tables/table.sql', line, 'CREATE TABLE public.t (id int)'), status: 'failed' as const,
    sqlState: '42501', message: 'permission denied for schema public', grant: 'GRANT CREATE ON SCHEMA public TO app;' });
  assert.equal(thrown(resultOf([denied(1), denied(2)])).hint,
    'As the object\'s owner or a superuser: GRANT CREATE ON SCHEMA public TO app; then rerun the same import schema: what its earlier runs created is found done.');
  const notOwner = thrown(resultOf([{ statement: statement('tables/table.sql', 1, 'ALTER TABLE public.t ADD c int'), status: 'failed', sqlState: '42501', message: 'must be owner of table t' }]));
  assert.equal(notOwner.code, 'TANDEM_PRIVILEGE');
  assert.equal(notOwner.hint, 'Grant the migration user what the message names (as the object\'s owner or a superuser), then rerun the same import schema: what its earlier runs created is found done.');
});

test('other failures stay TANDEM_SCHEMA_IMPORT; a privilege failure among them adds its GRANT to the hint', () => {
  const syntax = { statement: statement('views/view.sql', 7, 'CREATE VIEW v AS SELEC 1'), status: 'failed' as const, sqlState: '42601', message: 'syntax error at or near "SELEC"' };
  assert.equal(thrown(resultOf([syntax])).code, 'TANDEM_SCHEMA_IMPORT');
  assert.equal(thrown(resultOf([syntax])).hint, 'Fix the files under schema/ (or the target) and rerun the same import schema: what its earlier runs created is found done. '
    + 'Add --ignore-exist true only to keep objects the target had before (look at them first).');
  const mixed = thrown(resultOf([syntax, { statement: statement('tables/table.sql', 1, 'CREATE TABLE public.t (id int)'), status: 'failed',
    sqlState: '42501', message: 'permission denied for schema public', grant: 'GRANT CREATE ON SCHEMA public TO app;' }]));
  assert.equal(mixed.code, 'TANDEM_SCHEMA_IMPORT');
  assert.match(mixed.hint ?? '', /^Fix the files under schema\/ \(or the target\), run GRANT CREATE ON SCHEMA public TO app; and rerun/);
});

test('nothing failed: nothing thrown', () => {
  assertSchemaApplied(resultOf([{ statement: statement('tables/table.sql', 1, 'CREATE TABLE t (id int)'), status: 'applied' }]));
});

test('statements that waited for a role, or for an object no failed statement creates, are not told as a cycle: the hint names the role or the object (measured before: the cycle hint; the schema-pg-53 run)', () => {
  const failed = (file: string, line: number, sql: string, sqlState: string, message: string) => ({ statement: statement(file, line, sql), status: 'failed' as const, sqlState, message, waitedPasses: 2 });
  const roles = thrown(resultOf([
    failed('policies/policy.sql', 1, 'CREATE POLICY p ON s2.parent TO app_reader USING (true)', '42704', 'role "app_reader" does not exist'),
    failed('grants/grant.sql', 3, 'GRANT SELECT ON TABLE s2.parent TO app_reader', '42704', 'role "app_reader" does not exist'),
  ]));
  assert.match(roles.hint ?? '', /^Role app_reader does not exist on the target \(roles are not part of a schema export\): create it there \(CREATE ROLE app_reader;\), or take the GRANT and POLICY statements naming it out of schema\/\. Fix the files/);
  const unmade = thrown(resultOf([
    failed('tables/tables.sql', 54, 'CREATE TABLE app.bookings (\n  id int PRIMARY KEY, tm app.trange_multi)', '42704', 'type "app.trange_multi" does not exist'),
    failed('uniques/uniques.sql', 7, 'ALTER TABLE app.bookings ADD CONSTRAINT b_u UNIQUE (id)', '42P01', 'relation "app.bookings" does not exist'),
  ]));
  assert.match(unmade.hint ?? '', /^No statement that ran creates type app\.trange_multi: add it to schema\/ \(the statement that should have, edited\), or create it on the target\. Fix the files/);
  assert.doesNotMatch(unmade.hint ?? '', /cycle/);
  // A real cycle keeps its hint: each waits for what the other creates.
  const cycle = thrown(resultOf([
    failed('tables/tables.sql', 1, 'CREATE TABLE app.t (id int DEFAULT app.next_id())', '42883', 'function app.next_id() does not exist'),
    failed('functions/function.sql', 1, 'CREATE FUNCTION app.next_id() RETURNS int LANGUAGE sql AS $$ SELECT max(id) + 1 FROM app.t $$', '42P01', 'relation "app.t" does not exist'),
  ]));
  assert.match(cycle.hint ?? '', /^The 2 statements that waited to the end may need one another's objects \(a cycle/);
});
