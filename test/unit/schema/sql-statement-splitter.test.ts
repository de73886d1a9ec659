import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTandemError } from '../../../src/core/errors.js';
import { loadSqlParser, splitSqlStatements } from '../../../src/workflow/schema/sql-statement-splitter.js';

test('splits on real statement boundaries: dollar quotes, strings and comments hold semicolons', async () => {
  await loadSqlParser();
  const text = [
    '-- TABLE "Zürich".t',
    'CREATE TABLE "Zürich".t (a text DEFAULT \'x;y\'); -- trailing; comment',
    '/* block; comment */',
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END; $fn$;',
    '',
    'COMMENT ON TABLE t IS \'東京; 🎉\'',
  ].join('\n');
  const parts = splitSqlStatements(text, 'tables/tables.sql');
  assert.deepEqual(parts.map((p) => p.sql), [
    'CREATE TABLE "Zürich".t (a text DEFAULT \'x;y\')',
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END; $fn$',
    'COMMENT ON TABLE t IS \'東京; 🎉\'',
  ]);
  assert.deepEqual(parts.map((p) => p.line), [2, 4, 6]);
  assert.ok('CreateStmt' in parts[0]!.node);
});

test('empty files, comment-only files and stray semicolons give no statements', async () => {
  await loadSqlParser();
  assert.deepEqual(splitSqlStatements('', 'a.sql'), []);
  assert.deepEqual(splitSqlStatements('-- nothing here\n/* at all */\n', 'a.sql'), []);
  assert.equal(splitSqlStatements('SELECT 1;;\n;', 'a.sql').length, 1);
});

test('a syntax error names the file and the line, after multi-byte text', async () => {
  await loadSqlParser();
  const text = "COMMENT ON TABLE t IS 'Zürich 東京';\n\nCREATE TABLE broken (a int,);\n";
  assert.throws(() => splitSqlStatements(text, 'tables/tables.sql'), (e: unknown) => {
    assert.ok(isTandemError(e));
    assert.equal(e.code, 'TANDEM_SCHEMA_PARSE');
    assert.match(e.message, /^tables\/tables\.sql at line 3: syntax error/);
    return true;
  });
});
