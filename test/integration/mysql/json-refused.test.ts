/**
 * MariaDB's JSON is text with a json_valid() check, and json_valid accepts texts that PostgreSQL's
 * json refuses (an escape such as \x, a number such as 1.; found by an exploratory run). Loaded
 * through the built CLI, such a value stops import data naming the table and the column, never the
 * value, with the way past it (the column made text); taken, the rerun loads the row as it was.
 * (Measured before: "invalid input syntax for type json", no column, no fix.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startMariaDb, type MariaDbServer } from '../../helpers/mariadb-server.js';
import { newExportDir, runTandem, targetFlags } from '../../helpers/cli.js';

let my: MariaDbServer;
let pgs: PgServer;

before(async () => {
  [my, pgs] = await Promise.all([startMariaDb(), startPg15()]);
});
after(async () => {
  await Promise.all([my?.stop(), pgs?.stop()]);
});

test('JSON MariaDB accepts and PostgreSQL refuses, in the snapshot: TANDEM_DATA naming the column and ALTER … TYPE text; after it, the rerun loads the row unchanged', { timeout: 120_000 }, async () => {
  await my.createDatabase('docs');
  await my.sql('docs', `CREATE TABLE d (id int PRIMARY KEY, body JSON);
    INSERT INTO d VALUES (1, '{"a": 1}'), (2, '"\\\\x41-secret"'), (3, '[1.]')`);
  assert.deepEqual(await my.sql('docs', 'SELECT id, json_valid(body) AS ok FROM d ORDER BY id'), [{ id: 1, ok: 1 }, { id: 2, ok: 1 }, { id: 3, ok: 1 }], 'MariaDB takes each as JSON');
  await pgs.createDatabase('yb');
  const dir = newExportDir();
  const env = { SOURCE_DB_PASSWORD: my.password, TARGET_DB_PASSWORD: pgs.password };
  const SF = ['--source-db-type', 'mysql', '--source-db-host', my.host, '--source-db-port', String(my.port), '--source-db-user', my.user, '--source-db-name', 'docs'];
  const run = (args: string[]) => runTandem([...args, '--export-dir', dir], env);
  for (const args of [['export', 'schema', ...SF], ['import', 'schema', ...targetFlags(pgs, 'yb')], ['export', 'data', ...SF]]) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  const refused = await run(['import', 'data', ...targetFlags(pgs, 'yb')]);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /error \[TANDEM_DATA\]: Loading public\.d \(batch 1 of \S+\) failed: invalid input syntax for type json \(column body\) \[SQLSTATE 22P02\]/);
  assert.match(refused.stderr, /fix: A value for the json column body of public\.d is text that the database being read accepts as JSON and PostgreSQL's json refuses .*ALTER TABLE "?public"?\."?d"? ALTER COLUMN body TYPE text;.*then rerun import data/);
  assert.doesNotMatch(refused.stdout + refused.stderr, /secret/, 'no value in the output');
  await pgs.sql('yb', 'ALTER TABLE public.d ALTER COLUMN body TYPE text');
  const loaded = await run(['import', 'data', ...targetFlags(pgs, 'yb')]);
  assert.equal(loaded.code, 0, loaded.stdout + loaded.stderr);
  assert.deepEqual(await pgs.sql('yb', 'SELECT id, body FROM public.d ORDER BY id'), [{ id: 1, body: '{"a": 1}' }, { id: 2, body: '"\\x41-secret"' }, { id: 3, body: '[1.]' }]);
});
