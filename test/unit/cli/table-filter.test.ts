import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterTables } from '../../../src/workflow/table-filter.js';
import { TandemError } from '../../../src/core/errors.js';

const T = [
  { schema: 'shop', name: 'orders' }, { schema: 'shop', name: 'order_items' }, { schema: 'shop', name: 'customers' },
  { schema: 'analytics', name: 'orders' }, { schema: 'Ops', name: 'Audit Log' }, { schema: 'Ops', name: 'jobs' },
];
const keys = (ts: typeof T) => ts.map((t) => `${t.schema}.${t.name}`);

test('no lists keep every table; lists match by name, qualified or not', () => {
  assert.deepEqual(filterTables(T), T);
  assert.deepEqual(filterTables(T, '', ' '), T);
  assert.deepEqual(keys(filterTables(T, 'orders')), ['shop.orders', 'analytics.orders']);
  assert.deepEqual(keys(filterTables(T, 'shop.orders,customers')), ['shop.orders', 'shop.customers']);
  assert.deepEqual(keys(filterTables(T, '"Ops"."Audit Log"')), ['Ops.Audit Log']);
  assert.deepEqual(keys(filterTables(T, 'SHOP.Customers')), ['shop.customers'], 'unquoted names fold to lower case');
});

test('* matches any run of characters and nothing else is a pattern', () => {
  assert.deepEqual(keys(filterTables(T, 'order*')), ['shop.orders', 'shop.order_items', 'analytics.orders']);
  assert.deepEqual(keys(filterTables(T, 'shop.*')), ['shop.orders', 'shop.order_items', 'shop.customers']);
  assert.deepEqual(keys(filterTables(T, '*s')), ['shop.orders', 'shop.order_items', 'shop.customers', 'analytics.orders', 'Ops.jobs']);
  assert.throws(() => filterTables(T, 'order.'), TandemError);
  assert.throws(() => filterTables(T, 'o.ders'), (e: unknown) => (e as TandemError).code === 'TANDEM_UNKNOWN_TABLE', '"." inside a quoted part is not a wildcard');
});

test('exclude removes tables, after include', () => {
  assert.deepEqual(keys(filterTables(T, undefined, 'shop.*,"Ops".*')), ['analytics.orders']);
  assert.deepEqual(keys(filterTables(T, 'orders,customers', 'analytics.orders')), ['shop.orders', 'shop.customers']);
});

test('a name that matches nothing is TANDEM_UNKNOWN_TABLE naming it, in either list', () => {
  for (const [inc, exc, flag, name] of [
    ['orders,nosuch', undefined, '--table-list', 'nosuch'],
    ['"ops"."Audit Log"', undefined, '--table-list', '"ops"."Audit Log"'],
    [undefined, 'zzz*', '--exclude-table-list', 'zzz*'],
    ['Audit Logs', undefined, '--table-list', 'Audit Logs'],
  ] as const) {
    assert.throws(() => filterTables(T, inc, exc), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.code, 'TANDEM_UNKNOWN_TABLE');
      assert.ok(e.message.includes(flag), e.message);
      assert.ok(e.message.includes(name), e.message);
      assert.match(e.hint ?? '', /shop\.orders/);
      return true;
    });
  }
  assert.throws(() => filterTables(T, 'a.b.c'), (e: unknown) => (e as TandemError).code === 'TANDEM_USAGE');
});

test('unquoted names as YugabyteDB Voyager takes them: exactly as typed first, then lower case; a quoted name only as quoted', () => {
  const U = [
    { schema: 'public', name: 'CaseSensitiveTable' }, { schema: 'public', name: 'orders' }, { schema: 'CaseSensitiveSchema', name: 'Items' },
    { schema: 'public', name: 'Sales' }, { schema: 'public', name: 'SALES' },
  ];
  const k = (ts: typeof U) => ts.map((t) => `${t.schema}.${t.name}`);
  assert.deepEqual(k(filterTables(U, 'CaseSensitiveTable')), ['public.CaseSensitiveTable'], 'kept as typed (folded, it would not exist)');
  assert.deepEqual(k(filterTables(U, 'ORDERS')), ['public.orders'], 'folded when the typed case does not exist');
  assert.deepEqual(k(filterTables(U, 'CaseSensitiveSchema.Items')), ['CaseSensitiveSchema.Items']);
  assert.deepEqual(k(filterTables(U, 'casesensitivetable')), ['public.CaseSensitiveTable'], 'ignoring case when it is the only one');
  assert.deepEqual(k(filterTables(U, 'Sales,"SALES"')), ['public.Sales', 'public.SALES'], 'exact matches decide');
  assert.deepEqual(k(filterTables(U, 'CaseSensitive*')), ['public.CaseSensitiveTable']);
  assert.deepEqual(k(filterTables(U, 'casesensitive*')), ['public.CaseSensitiveTable'], 'a pattern tries the same order');
  assert.throws(() => filterTables(U, '"casesensitivetable"'), (e: unknown) => (e as TandemError).code === 'TANDEM_UNKNOWN_TABLE');
  assert.throws(() => filterTables(U, 'sales'), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_USAGE');
    assert.equal(e.message, '--table-list: sales could mean tables "Sales" or "SALES".');
    return true;
  });
});

test('a quoted name that is a table\'s whole name means that table alone, its * a character; a quoted pattern still matches (the docs-claims-2 run: \'"star*"\' also took starX)', () => {
  const S = [{ schema: 'shop', name: 'star*' }, { schema: 'shop', name: 'starX' }, { schema: 'shop', name: 'Stars' }];
  assert.deepEqual(keys(filterTables(S, '"star*"')), ['shop.star*']);
  assert.deepEqual(keys(filterTables(S, undefined, '"star*"')), ['shop.starX', 'shop.Stars']);
  assert.deepEqual(keys(filterTables(S, '"Star*"')), ['shop.Stars'], 'no table of that whole name: a pattern, case kept');
  assert.deepEqual(keys(filterTables(S, 'star*')), ['shop.star*', 'shop.starX']);
});
