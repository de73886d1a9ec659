/** The restarted exporter's comparison of a table's column types with its snapshot's, and the new-table warning's wording. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTablesWarning, retypedColumns } from '../../../src/workflow/cdc/schema-drift.js';

test('retyped columns: only columns in both lists, named with both types; nothing when either side has no types', () => {
  assert.deepEqual(retypedColumns(['id', 'qty', 'note'], ['integer', 'integer', 'text'], ['id', 'note', 'qty', 'extra'], ['bigint', 'text', 'numeric(12,2)', 'date']),
    ['id (integer to bigint)', 'qty (integer to numeric(12,2))']);
  assert.deepEqual(retypedColumns(['id'], ['integer'], ['id'], ['integer']), []);
  assert.deepEqual(retypedColumns(['id'], undefined, ['id'], ['bigint']), [], 'a snapshot recorded before types were');
  assert.deepEqual(retypedColumns(['id'], ['integer'], ['id'], undefined), [], 'an engine that does not name types');
  assert.deepEqual(retypedColumns(['id', 'x'], ['integer'], ['id'], ['bigint']), [], 'lists that do not match their columns are not trusted');
});

test('the new-table warning names the tables and what to do, in the singular and the plural', () => {
  assert.match(newTablesWarning(['app.c'], 'postgres@h:5/src'), /^app\.c was created on postgres@h:5\/src after the migration's snapshot: its rows are not migrated .*create it there and copy its rows while nothing writes to it/);
  assert.match(newTablesWarning(['app.c', 'app.d'], 'db'), /^app\.c, app\.d were created on db after the migration's snapshot: their rows are not migrated/);
  assert.match(newTablesWarning(['app.c'], 'db'), /Unless it is a partition detached since from a migrated partitioned table \(DETACH PARTITION is not streamed either\): then it was migrated inside that table, where the target still holds its rows; detach it there too/);
});
