import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdentifierList, parseNameList } from '../../../src/core/identifier-list.js';
import { quoteIdent, q } from '../../../src/core/sql-names.js';
import { TandemError } from '../../../src/core/errors.js';

const usage = (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE';

test('unquoted names fold to lower case and lose surrounding blanks', () => {
  assert.deepEqual(parseIdentifierList('Orders, Shop.Customers ,x', '--table-list'), [['orders'], ['shop', 'customers'], ['x']]);
  assert.deepEqual(parseIdentifierList('', '--table-list'), []);
  assert.deepEqual(parseIdentifierList('   ', '--table-list'), []);
});

test('quoted names keep their case, commas, dots and blanks, and "" is one quote', () => {
  assert.deepEqual(parseIdentifierList('"Ops"."Audit Log",public."a,b.c"', '--table-list'), [['Ops', 'Audit Log'], ['public', 'a,b.c']]);
  assert.deepEqual(parseIdentifierList('"say ""hi"""', '--table-list'), [['say "hi"']]);
  assert.deepEqual(parseIdentifierList(' "MiXeD" , plain', '--table-list'), [['MiXeD'], ['plain']]);
  assert.deepEqual(parseIdentifierList('"Sales".orders', '--table-list'), [['Sales', 'orders']]);
});

test('malformed lists are usage errors naming the flag', () => {
  for (const bad of ['"unterminated', 'a,"b', 'a,,b', 'a.', '.a', 'ab"c"', '"a"b', 'x,']) {
    assert.throws(() => parseIdentifierList(bad, '--table-list'), (e: unknown) => usage(e) && /--table-list/.test((e as Error).message), bad);
  }
  assert.throws(() => parseIdentifierList('"open', '--x'), /unterminated quote/);
});

test('parseNameList takes plain names only', () => {
  assert.deepEqual(parseNameList('public,"Sales", Analytics', '--source-db-schema'), ['public', 'Sales', 'analytics']);
  assert.deepEqual(parseNameList('"a.b"', '--source-db-schema'), ['a.b']);
  assert.throws(() => parseNameList('shop.orders', '--source-db-schema'), (e: unknown) => usage(e) && /plain names/.test((e as Error).message));
  assert.throws(() => parseNameList('"Sales', '--source-db-schema'), usage);
});

test('quoteIdent quotes only when PostgreSQL would change or reject the name; q always quotes', () => {
  assert.equal(quoteIdent('orders'), 'orders');
  assert.equal(quoteIdent('Orders'), '"Orders"');
  assert.equal(quoteIdent('select'), '"select"');
  assert.equal(quoteIdent('1abc'), '"1abc"');
  assert.equal(quoteIdent('a"b'), '"a""b"');
  assert.equal(q('orders'), '"orders"');
  assert.equal(q('say "hi"'), '"say ""hi"""');
  // Round trip: what q produces parses back to the same name.
  for (const name of ['Audit Log', 'a,b.c', 'say "hi"', 'plain']) assert.deepEqual(parseIdentifierList(q(name), '--x'), [[name]]);
});
