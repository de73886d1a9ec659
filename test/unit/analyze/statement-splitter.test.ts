import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSqlStatements } from '../../../src/analyze/statement-splitter.js';

const texts = (sql: string): string[] => splitSqlStatements(sql).map((c) => c.text.trim());

test('splits at top-level semicolons and keeps offsets', () => {
  const sql = 'SELECT 1;\nSELECT 2;';
  const chunks = splitSqlStatements(sql);
  assert.deepEqual(chunks.map((c) => c.text.trim()), ['SELECT 1;', 'SELECT 2;']);
  assert.equal(sql.slice(chunks[1]?.start ?? 0).trim(), 'SELECT 2;');
});

test('ignores semicolons in strings, identifiers, comments and dollar quotes', () => {
  const sql = [
    "SELECT 'a;b', E'c\\';d', \"x;y\";",
    '-- comment; here',
    '/* block; /* nested; */ still; */ SELECT 2;',
    'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;',
    'SELECT $$a;b$$;',
  ].join('\n');
  const out = texts(sql);
  assert.equal(out.length, 4);
  assert.equal(out[0], "SELECT 'a;b', E'c\\';d', \"x;y\";");
  assert.match(out[1] ?? '', /SELECT 2;$/);
  assert.match(out[2] ?? '', /\$body\$ LANGUAGE plpgsql;$/);
  assert.equal(out[3], 'SELECT $$a;b$$;');
});

test('keeps a trailing statement without semicolon and drops whitespace-only pieces', () => {
  assert.deepEqual(texts('SELECT 1;\n  \n SELECT 2'), ['SELECT 1;', 'SELECT 2']);
  assert.deepEqual(texts('SELECT 1;   '), ['SELECT 1;']);
});

test('an unterminated string runs to the end of the input', () => {
  assert.deepEqual(texts("SELECT 'abc; SELECT 2;"), ["SELECT 'abc; SELECT 2;"]);
});
