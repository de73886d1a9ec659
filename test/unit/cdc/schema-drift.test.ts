/** The restarted exporter's comparison of a table's column types with its snapshot's, and the new-table warning's wording. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackDriftWarnings, layoutDrift, newTablesWarning, retypedColumns } from '../../../src/workflow/cdc/schema-drift.js';

test('retyped columns: only columns in both lists, named with both types; nothing when either side has no types', () => {
  assert.deepEqual(retypedColumns(['id', 'qty', 'note'], ['integer', 'integer', 'text'], ['id', 'note', 'qty', 'extra'], ['bigint', 'text', 'numeric(12,2)', 'date']),
    ['id (integer to bigint)', 'qty (integer to numeric(12,2))']);
  assert.deepEqual(retypedColumns(['id'], ['integer'], ['id'], ['integer']), []);
  assert.deepEqual(retypedColumns(['id'], undefined, ['id'], ['bigint']), [], 'a snapshot recorded before types were');
  assert.deepEqual(retypedColumns(['id'], ['integer'], ['id'], undefined), [], 'an engine that does not name types');
  assert.deepEqual(retypedColumns(['id', 'x'], ['integer'], ['id'], ['bigint']), [], 'lists that do not match their columns are not trusted');
  // A type named with its schema or without it, as the session's search_path decides, is the same type (the pg-types-49 run).
  assert.deepEqual(retypedColumns(['h', 'e', 'q'], ['hstore', 'gamma.email[]', '"My Type"'], ['h', 'e', 'q'], ['public.hstore', 'email[]', '"S.x"."My Type"']), []);
  assert.deepEqual(retypedColumns(['h'], ['hstore'], ['h'], ['public.citext']), ['h (hstore to public.citext)']);
});

test('the new-table warning names the tables and what to do, in the singular and the plural', () => {
  assert.match(newTablesWarning(['app.c'], 'postgres@h:5/src'), /^app\.c was created on postgres@h:5\/src after the migration's snapshot: its rows are not migrated .*create it there and copy its rows while nothing writes to it/);
  assert.match(newTablesWarning(['app.c', 'app.d'], 'db'), /^app\.c, app\.d were created on db after the migration's snapshot: their rows are not migrated/);
  assert.match(newTablesWarning(['app.c'], 'db'), /Unless it is a partition detached since from a migrated partitioned table \(DETACH PARTITION is not streamed either\): then it was migrated inside that table, where the target still holds its rows; detach it there too/);
});

test('the target\'s drift since its fall-back stream began: a detached partition is not a new table, an attached table not a dropped one, a dropped partitioned table not its partitions', () => {
  const was = { tables: ['app.a', 'app.p', 'app.q', 'app.x', 'app.gone'], partitions: { 'app.p': ['app.p_1', 'app.p_2'], 'app.q': ['app.q_1'] } };
  const now = { tables: ['app.a', 'app.p', 'app.p_1', 'app.new'], partitions: { 'app.p': ['app.p_2', 'app.p_3', 'app.x'] } };
  assert.deepEqual(layoutDrift(was, now), {
    created: ['app.new'],
    gone: ['app.q', 'app.gone'],
    attached: [{ table: 'app.p', partition: 'app.p_3' }, { table: 'app.p', partition: 'app.x' }],
    detached: [{ table: 'app.p', partition: 'app.p_1' }],
  });
  assert.deepEqual(layoutDrift(was, was), { created: [], gone: [], attached: [], detached: [] });
  // Only the migration's tables dropped matter to the fall-back; a table created after the cutover and dropped again is not named.
  const warnings = fallbackDriftWarnings(layoutDrift(was, now), 'db', new Set(['app.a', 'app.p', 'app.q', 'app.x']));
  assert.equal(warnings.length, 5);
  assert.match(warnings[0]!, /^app\.new was created on db after the cutover to it: its rows are not streamed back to the source/);
  assert.match(warnings[1]!, /^app\.q is no longer on db \(dropped after the cutover to it\?\)/);
  assert.doesNotMatch(warnings[1]!, /app\.gone/);
  assert.match(warnings[2]!, /^app\.p_3 was attached to app\.p on db after the cutover to it .*Give that table a place for them/);
  assert.match(warnings[4]!, /^app\.p_1 was detached from app\.p on db after the cutover to it \(not replicated\): its rows stay in the source's app\.p/);
});

test('the target\'s drift: a migrated table renamed there is neither created nor dropped (its changes still stream); a table created since and its partitions are one created table; another table\'s partitions are not named (the fix-verify-49 run)', () => {
  const was = { tables: ['app.pk', 'app.p', 'app.other'], partitions: { 'app.p': ['app.p_1'], 'app.other': ['app.other_1'] }, ids: { 'app.pk': '16400', 'app.p': '16410', 'app.other': '16420' } };
  const now = {
    tables: ['app.pk_renamed', 'app.p', 'app.other', 'app.np'],
    partitions: { 'app.p': ['app.p_1'], 'app.other': ['app.other_1', 'app.other_2'], 'app.np': ['app.np_1', 'app.np_2'] },
    ids: { 'app.pk_renamed': '16400', 'app.p': '16410', 'app.other': '16420', 'app.np': '16500' },
  };
  const drift = layoutDrift(was, now);
  assert.deepEqual(drift, { created: ['app.np'], gone: [], attached: [{ table: 'app.other', partition: 'app.other_2' }], detached: [] });
  const warnings = fallbackDriftWarnings(drift, 'db', new Set(['app.pk', 'app.p']));
  assert.deepEqual(warnings.map((w) => w.slice(0, 40)), ['app.np was created on db after the cutov'], 'app.other is not migrated: its partitions mean nothing to the fall-back');
  // A new table under a renamed table's name is a created one (its rows are not streamed back), the renamed one neither created nor gone.
  assert.deepEqual(layoutDrift(was, { ...now, tables: [...now.tables, 'app.pk'], ids: { ...now.ids, 'app.pk': '16600' } }),
    { created: ['app.np', 'app.pk'], gone: [], attached: [{ table: 'app.other', partition: 'app.other_2' }], detached: [] });
  // Dropped and created again under its name: the migrated one is gone, the new one created.
  const recreated = layoutDrift(was, { tables: ['app.pk', 'app.p', 'app.other'], partitions: was.partitions, ids: { 'app.pk': '16700', 'app.p': '16410', 'app.other': '16420' } });
  assert.deepEqual([recreated.created, recreated.gone], [['app.pk'], ['app.pk']]);
  // A migrated table attached as a partition of a table created since is not gone (its changes still stream).
  assert.deepEqual(layoutDrift(was, { tables: ['app.p', 'app.other', 'app.np'], partitions: { ...was.partitions, 'app.np': ['app.np_1', 'app.pk'] }, ids: { 'app.p': '16410', 'app.other': '16420', 'app.np': '16500' } }).gone, []);
});
