import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowsDocument, statementSql } from '../../../src/adapters/postgres/apply/apply-sql.js';

test('rows travel as jsonb while jsonb surely holds them, as json beyond (jsonb: 256 MB per string and per array)', () => {
  assert.equal(rowsDocument('["a"]'), 'jsonb');
  assert.equal(rowsDocument('x'.repeat(100), 300), 'jsonb', 'one byte per character: 100 bytes');
  assert.equal(rowsDocument('x'.repeat(100), 99), 'json');
  // Counted in UTF-8 bytes, not characters: 60 characters of two bytes each.
  assert.equal(rowsDocument('é'.repeat(60), 119), 'json');
  assert.equal(rowsDocument('é'.repeat(60), 120), 'jsonb');
  assert.equal(rowsDocument('🚀'.repeat(10), 40), 'jsonb', 'a surrogate pair is 4 bytes');
  assert.equal(rowsDocument('🚀'.repeat(10), 39), 'json');
});

test('a statement over json reads its rows with json_array_elements, over jsonb with jsonb_array_elements', () => {
  const table = { schema: 's', name: 't', primaryKey: ['id'], columns: ['id', 'v'], types: new Map([['id', 'integer'], ['v', 'text']]) };
  const insert = { kind: 'insert' as const, table, columns: ['id', 'v'], rows: [['1', 'a']], vsns: { first: 1, last: 1 } };
  const update = { kind: 'update' as const, table, columns: ['v'], rows: [['1', 'b']], vsns: { first: 2, last: 2 } };
  const del = { kind: 'delete' as const, table, rows: [['1']], vsns: { first: 3, last: 3 } };
  for (const s of [insert, update, del]) {
    const json = statementSql(s as never, table, '$1::json', 'keys', 'json');
    assert.match(json, /FROM json_array_elements\(\$1::json\) AS r\(v\)|USING json_array_elements\(\$1::json\) AS r\(v\)/, json);
    assert.doesNotMatch(json, /jsonb/, json);
    assert.match(statementSql(s as never, table), /jsonb_array_elements\(\$1::jsonb\)/);
  }
});
