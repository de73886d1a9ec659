import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNameRefs, resolveNameRef, resolveNameRefs } from '../../../src/core/identifier-list.js';
import { TandemError } from '../../../src/core/errors.js';

const SCHEMAS = ['public', 'CaseSensitiveSchema', 'analytics', 'Sales', 'SALES'];
const what = { flag: '--source-db-schema', kind: 'schema', code: 'TANDEM_UNKNOWN_SCHEMA' } as const;

test('parseNameRefs keeps the typed case and says which names were quoted', () => {
  assert.deepEqual(parseNameRefs(' public ,CaseSensitiveSchema,"Ops"', '--source-db-schema'), [
    { text: 'public', quoted: false }, { text: 'CaseSensitiveSchema', quoted: false }, { text: 'Ops', quoted: true },
  ]);
});

test('an unquoted name resolves exactly as typed, then folded, then ignoring case; a quoted one only as quoted', () => {
  assert.deepEqual(resolveNameRef({ text: 'CaseSensitiveSchema', quoted: false }, SCHEMAS), ['CaseSensitiveSchema']);
  assert.deepEqual(resolveNameRef({ text: 'Analytics', quoted: false }, SCHEMAS), ['analytics']);
  assert.deepEqual(resolveNameRef({ text: 'casesensitiveschema', quoted: false }, SCHEMAS), ['CaseSensitiveSchema']);
  assert.deepEqual(resolveNameRef({ text: 'Sales', quoted: false }, SCHEMAS), ['Sales']);
  assert.deepEqual(resolveNameRef({ text: 'sales', quoted: false }, SCHEMAS), ['Sales', 'SALES']);
  assert.deepEqual(resolveNameRef({ text: 'analytics', quoted: true }, SCHEMAS), ['analytics']);
  assert.deepEqual(resolveNameRef({ text: 'Analytics', quoted: true }, SCHEMAS), []);
});

test('resolveNameRefs: the names as the catalog spells them; nothing found or an ambiguity is an error naming the candidates', () => {
  assert.deepEqual(resolveNameRefs(parseNameRefs('public,CaseSensitiveSchema', what.flag), SCHEMAS, what), ['public', 'CaseSensitiveSchema']);
  assert.throws(() => resolveNameRefs(parseNameRefs('public,nosuch,"Public"', what.flag), SCHEMAS, what), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_UNKNOWN_SCHEMA');
    assert.equal(e.message, 'Schema(s) not found: nosuch, "Public".');
    assert.equal(e.hint, 'Schemas there: public, CaseSensitiveSchema, analytics, Sales, SALES.');
    return true;
  });
  assert.throws(() => resolveNameRefs(parseNameRefs('sales', what.flag), SCHEMAS, what), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_USAGE');
    assert.equal(e.message, '--source-db-schema: sales could mean schemas "Sales" or "SALES".');
    assert.equal(e.hint, `Quote the one you mean, e.g. --source-db-schema '"Sales"'.`);
    return true;
  });
});
