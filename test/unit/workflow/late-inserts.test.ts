import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lateInsertsCollide } from '../../../src/workflow/cutover/stream-cleanup.js';
import type { ChangeCounts } from '../../../src/core/engine/change-capture.js';

const counts = (entries: [string, number, number][]): ChangeCounts =>
  new Map(entries.map(([t, inserts, updates]) => [t, { inserts, updates, deletes: 0, truncates: 0 }]));

test('late inserts on the source with fall-back: the duplicate key they may cause in import data to source is said, naming the tables inserted into', () => {
  const pending = counts([['shop.audit', 1, 0], ['shop.customers', 0, 1], ['shop.orders', 2, 3]]);
  assert.equal(lateInsertsCollide(pending, 'source', true),
    ' A row inserted there may hold a key that a new row on the target gets too (from the target\'s identity or sequence, or chosen by the application) (shop.audit, shop.orders): import data to source would then stop at the target\'s row with a duplicate key. '
    + 'Delete such rows on the source (their data is in the stream kept below), or move them to the target yourself, before the application writes to the target.');
});

test('late writes that cannot collide say nothing more: updates only, no fall-back, or the target\'s side', () => {
  assert.equal(lateInsertsCollide(counts([['shop.customers', 0, 4]]), 'source', true), '');
  assert.equal(lateInsertsCollide(counts([['shop.audit', 1, 0]]), 'source', false), '');
  assert.equal(lateInsertsCollide(counts([['shop.audit', 1, 0]]), 'target', true), '');
});
