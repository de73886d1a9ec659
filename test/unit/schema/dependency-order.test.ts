import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderByDependencies } from '../../../src/adapters/postgres/schema-export/dependency-order.js';

test('dependencies come first, otherwise the given order is kept', () => {
  const items = [
    { k: 'a', deps: ['c'] }, { k: 'b', deps: [] }, { k: 'c', deps: ['d', 'outside'] }, { k: 'd', deps: [] },
  ];
  assert.deepEqual(orderByDependencies(items, (i) => i.k, (i) => i.deps).map((i) => i.k), ['d', 'c', 'a', 'b']);
});

test('a cycle does not loop forever and loses no item', () => {
  const items = [{ k: 'a', deps: ['b'] }, { k: 'b', deps: ['a'] }, { k: 'c', deps: ['c'] }];
  assert.deepEqual(orderByDependencies(items, (i) => i.k, (i) => i.deps).map((i) => i.k).sort(), ['a', 'b', 'c']);
});
