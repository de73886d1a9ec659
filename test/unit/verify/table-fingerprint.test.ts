import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintQuery, rowTextExpression } from '../../../src/adapters/postgres/table-fingerprint.js';

test('the row text quotes every column name and value, with NULL as a bare word between commas', () => {
  assert.equal(rowTextExpression(['id', 'Mixed "Case"']), `quote_nullable(t."id"::text) || ',' || quote_nullable(t."Mixed ""Case"""::text)`);
  assert.equal(rowTextExpression([]), "''");
});

test('an unbounded bpchar column is printed by its output function (its stored trailing spaces kept), the others cast to text', () => {
  assert.equal(rowTextExpression(['id', 'v'], 't', { daysAsHours: new Set(), padded: new Set(['v']) }), `quote_nullable(t."id"::text) || ',' || quote_nullable(format('%s', t."v"))`);
});

test('more than 100 columns stay one expression (concat_ws would stop at 100 arguments)', () => {
  const cols = Array.from({ length: 250 }, (_, i) => `c${i}`);
  const expr = rowTextExpression(cols);
  assert.equal(expr.split('quote_nullable(').length - 1, 250);
  assert.doesNotMatch(expr, /concat/);
});

test('plain tables are scanned with ONLY, partitioned roots without it; the sum is numeric', () => {
  const plain = fingerprintQuery('shop', 'orders', ['id'], { kind: 'table', only: true });
  assert.match(plain, /FROM ONLY "shop"\."orders" t$/);
  assert.match(fingerprintQuery('analytics', 'events', ['id'], { kind: 'table', only: false }), /FROM "analytics"\."events" t$/);
  assert.match(plain, /sum\(\('x' \|\| substr\(md5\(.*\), 1, 15\)\)::bit\(60\)::bigint\)/);
});

test('a partitioned table with foreign partitions is scanned leaf by leaf, local leaves only, columns named', () => {
  const leaves = [{ schema: 'app', name: 'parted_a' }, { schema: 'app', name: 'Parted B' }];
  assert.match(fingerprintQuery('app', 'parted', ['id', 'k'], { kind: 'leaves', leaves }),
    /FROM \(SELECT "id", "k" FROM ONLY "app"\."parted_a" UNION ALL SELECT "id", "k" FROM ONLY "app"\."Parted B"\) t$/);
  assert.match(fingerprintQuery('app', 'parted', ['id'], { kind: 'leaves', leaves: [] }), /FROM \(SELECT "id" FROM ONLY "app"\."parted"\) t$/);
});

test('the row text is hashed as UTF-8: converted on a server in another encoding, as it is on UTF8 and SQL_ASCII ones', () => {
  const scan = { kind: 'table', only: true } as const;
  assert.match(fingerprintQuery('app', 't', ['v'], scan, 'LATIN1'), /md5\(convert_to\(quote_nullable\(t\."v"::text\), 'UTF8'\)\)/);
  for (const enc of ['UTF8', 'SQL_ASCII', undefined]) {
    const sql = fingerprintQuery('app', 't', ['v'], scan, enc);
    assert.match(sql, /md5\(quote_nullable\(t\."v"::text\)\)/, String(enc));
    assert.doesNotMatch(sql, /convert_to/);
  }
});
