import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCHEMA_OBJECT_TYPES } from '../../../src/core/schema-object.js';
import { isTandemError } from '../../../src/core/errors.js';
import { objectTypeFilter } from '../../../src/workflow/schema/object-type-filter.js';

const selected = (keep: (t: (typeof SCHEMA_OBJECT_TYPES)[number]) => boolean) => SCHEMA_OBJECT_TYPES.filter(keep);

test('no lists keep everything', () => {
  assert.deepEqual(selected(objectTypeFilter(undefined, undefined)), [...SCHEMA_OBJECT_TYPES]);
  assert.deepEqual(selected(objectTypeFilter([], [])), [...SCHEMA_OBJECT_TYPES]);
});

test('TABLE covers partitions, sequence ownership, uniques, foreign keys and NOT VALID constraints; finer names exclude parts', () => {
  assert.deepEqual(selected(objectTypeFilter(['table'], undefined)),
    ['TABLE', 'PARTITION', 'UNIQUE', 'FOREIGN_KEY', 'SEQUENCE_OWNED_BY', 'NOT_VALID_CONSTRAINT']);
  assert.deepEqual(selected(objectTypeFilter(['TABLE', ' view '], ['FOREIGN_KEY', 'not_valid_constraint'])),
    ['TABLE', 'PARTITION', 'UNIQUE', 'VIEW', 'SEQUENCE_OWNED_BY']);
  assert.deepEqual(selected(objectTypeFilter(undefined, ['INDEX', 'TRIGGER', 'TABLE'])).includes('INDEX'), false);
  assert.equal(objectTypeFilter(undefined, ['TABLE'])('UNIQUE'), false);
});

test('an unknown name is a usage error listing the valid names', () => {
  assert.throws(() => objectTypeFilter(['TABLES'], undefined), (e: unknown) => {
    assert.ok(isTandemError(e));
    assert.equal(e.code, 'TANDEM_USAGE');
    assert.match(e.message, /--object-type-list: unknown object type "TABLES"\. Valid types: SCHEMA, TYPE, .*GRANT, NOT_VALID_CONSTRAINT, FOREIGN_TABLE, OPERATOR, CAST, TEXT_SEARCH\./);
    return true;
  });
  assert.throws(() => objectTypeFilter(undefined, ['nope']), /--exclude-object-type-list/);
});
