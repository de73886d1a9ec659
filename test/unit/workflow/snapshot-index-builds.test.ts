import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotIndexBuilds } from '../../../src/workflow/snapshot-index-builds.js';
import type { TableIndexStatement } from '../../../src/workflow/schema/schema-statements-reader.js';

const index = (sql: string, table: string, schema?: string): TableIndexStatement => ({
  statement: { objectType: 'INDEX', file: 'indexes/indexes.sql', line: 1, sql }, table, ...(schema ? { schema } : {}),
});
const table = (schemaName: string, tableName: string) => ({ tableKey: `${schemaName}.${tableName}`, schemaName, tableName });

test('SnapshotIndexBuilds: a table\'s indexes wait until it is loaded, then go in file order', () => {
  const builds = new SnapshotIndexBuilds(
    [index('i1', 'orders', 'app'), index('i2', 'events', 'app'), index('i3', 'orders', 'app')],
    [table('app', 'orders'), table('app', 'events')], new Set(),
  );
  assert.equal(builds.planned, 3);
  assert.equal(builds.waiting, false);
  assert.equal(builds.take(), undefined);
  builds.tableLoaded('app.orders');
  builds.tableLoaded('app.orders'); // a second release adds nothing
  assert.equal(builds.take()?.statement.sql, 'i1');
  assert.equal(builds.busy, true);
  assert.equal(builds.take()?.statement.sql, 'i3');
  assert.equal(builds.take(), undefined);
  builds.finished(true);
  builds.finished(false);
  assert.equal(builds.busy, false);
  assert.deepEqual([builds.built, builds.failed], [1, 1]);
  builds.tableLoaded('app.events');
  assert.equal(builds.waiting, true);
  assert.equal(builds.take()?.statement.sql, 'i2');
});

test('SnapshotIndexBuilds: an index built by an earlier run, on another table, or on an ambiguous unqualified name is not built', () => {
  const builds = new SnapshotIndexBuilds(
    [
      index('done', 'orders', 'app'),
      index('parent', 'measurements', 'app'), // a partitioned table's parent: not a snapshot table
      index('ambiguous', 'orders'), // two schemas have an orders table
      index('unique-name', 'events'), // only one events table: matched
      index('other-schema', 'events', 'archive'),
    ],
    [table('app', 'orders'), table('sales', 'orders'), table('app', 'events')], new Set(['done']),
  );
  assert.equal(builds.planned, 1);
  for (const k of ['app.orders', 'sales.orders', 'app.events']) builds.tableLoaded(k);
  assert.equal(builds.take()?.statement.sql, 'unique-name');
  assert.equal(builds.take(), undefined);
});

test('SnapshotIndexBuilds: an index an earlier run started and did not record built is resumed (an existing one then counts as built)', () => {
  const builds = new SnapshotIndexBuilds([index('started', 'orders', 'app'), index('fresh', 'orders', 'app')], [table('app', 'orders')], new Set(), new Set(['started']));
  builds.tableLoaded('app.orders');
  const first = builds.take()!;
  const second = builds.take()!;
  assert.deepEqual([first.statement.sql, builds.resumed(first)], ['started', true]);
  assert.deepEqual([second.statement.sql, builds.resumed(second)], ['fresh', false]);
});
