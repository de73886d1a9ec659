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
    ['"ops"."Audit Log"', undefined, '--table-list', 'ops.Audit Log'],
    [undefined, 'zzz*', '--exclude-table-list', 'zzz*'],
    ['Audit Log', undefined, '--table-list', 'audit log'],
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
