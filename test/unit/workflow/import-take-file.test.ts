import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeFile } from '../../../src/workflow/import-data.js';

const file = (tableKey: string, name: string) => [{ tableKey, name }];

test('takeFile: a worker takes the oldest file of a table that no other worker is loading (equal rows waiting)', () => {
  const files = [file('public.events', 'e1'), file('public.events', 'e2'), file('public.orders', 'o1'), file('public.blobs', 'b1')];
  assert.equal(takeFile(files, ['public.events', undefined])?.[0]?.name, 'o1');
  assert.equal(takeFile(files, ['public.events', 'public.orders'])?.[0]?.name, 'b1');
  assert.deepEqual(files.map((f) => f[0]!.name), ['e1', 'e2']);
});

test('takeFile: with only busy tables left, it takes the oldest file (a single table gets every connection)', () => {
  const files = [file('public.events', 'e1'), file('public.events', 'e2')];
  assert.equal(takeFile(files, ['public.events', undefined])?.[0]?.name, 'e1');
  assert.equal(takeFile(files, ['public.events', 'public.events'])?.[0]?.name, 'e2');
  assert.equal(takeFile(files, [undefined, undefined]), undefined);
});

test('takeFile: with no worker loading, files go in the order they were exported', () => {
  const files = [file('a.t1', 'x'), file('a.t2', 'y')];
  assert.equal(takeFile(files, [undefined, undefined])?.[0]?.name, 'x');
  assert.equal(takeFile(files, [undefined, undefined])?.[0]?.name, 'y');
});

test('takeFile: freeTablesOnly leaves a busy table\'s files for later (an index is waiting to be built)', () => {
  const files = [file('public.events', 'e1'), file('public.orders', 'o1')];
  assert.equal(takeFile(files, ['public.events', undefined], true)?.[0]?.name, 'o1');
  assert.equal(takeFile(files, ['public.events', undefined], true), undefined);
  assert.deepEqual(files.map((f) => f[0]!.name), ['e1']);
  assert.equal(takeFile(files, ['public.events', undefined])?.[0]?.name, 'e1');
});

test('takeFile: the free table with the most bytes waiting goes first (it finishes last), its oldest file first', () => {
  const rows = (tableKey: string, name: string, n: number) => [{ tableKey, name, startOffset: 0, endOffset: n }, { tableKey, name: `${name}b`, startOffset: n, endOffset: 2 * n }];
  const files = [rows('app.small', 's1', 10), rows('app.big', 'b1', 500), rows('app.mid', 'm1', 300), rows('app.big', 'b2', 500)];
  assert.equal(takeFile(files, [undefined, undefined])?.[0]?.name, 'b1');
  // The worker that loads app.big goes on with it; another worker takes the next largest free table.
  assert.equal(takeFile(files, ['app.big', undefined])?.[0]?.name, 'm1');
  assert.equal(takeFile(files, [undefined, 'app.mid'])?.[0]?.name, 'b2');
  assert.equal(takeFile(files, [undefined, 'app.mid'])?.[0]?.name, 's1');
  assert.equal(takeFile(files, [undefined, undefined]), undefined);
});
