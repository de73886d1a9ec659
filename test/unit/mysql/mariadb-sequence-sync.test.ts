import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultUsesSequence, mariaDbSequenceValues, setMariaDbSequenceSql } from '../../../src/adapters/mysql/writer/mariadb-sequence-sync.js';
import type { MySqlCatalog } from '../../../src/adapters/mysql/catalog-types.js';

test('a column DEFAULT feeds from a sequence as MariaDB\'s catalog prints NEXTVAL (qualified or not), never from another one', () => {
  assert.equal(defaultUsesSequence('nextval(`shop`.`seq1`)', 'shop', 'seq1'), true);
  assert.equal(defaultUsesSequence('nextval(`seq1`)', 'shop', 'seq1'), true);
  assert.equal(defaultUsesSequence('NEXT VALUE FOR seq1', 'shop', 'seq1'), true);
  assert.equal(defaultUsesSequence('nextval(`my``db`.`s``q`)', 'my`db', 's`q'), true);
  assert.equal(defaultUsesSequence('nextval(`other`.`seq1`)', 'shop', 'seq1'), false);
  assert.equal(defaultUsesSequence('nextval(`shop`.`seq10`)', 'shop', 'seq1'), false);
  assert.equal(defaultUsesSequence('nextval(`shop`.`seq1`) + 1', 'shop', 'seq1'), false);
  assert.equal(defaultUsesSequence('lastval(`shop`.`seq1`)', 'shop', 'seq1'), false);
});

test('SETVAL: the database-qualified sequence, the value and is_used', () => {
  assert.equal(setMariaDbSequenceSql('shop', 'seq1', 4099n, true), 'SELECT SETVAL(`shop`.`seq1`, 4099, 1)');
  assert.equal(setMariaDbSequenceSql('sh`op', 's', -5n, false), 'SELECT SETVAL(`sh``op`.`s`, -5, 0)');
});

test('a MySQL catalog (no sequences) reads none; a MariaDB sequence reads as its next value not yet cached, not called', () => {
  const catalog = (sequences: MySqlCatalog['sequences']) => ({ database: 'shop', tables: [], sequences }) as unknown as MySqlCatalog;
  assert.deepEqual(mariaDbSequenceValues(catalog([]), 'public'), []);
  assert.deepEqual(mariaDbSequenceValues(catalog([{ name: 'seq1', nextValue: '3100', minValue: '1', maxValue: '9223372036854775806', start: '100', increment: '1', cache: '1000', cycle: false }]), 'app'),
    [{ schema: 'app', name: 'seq1', lastValue: '3100', isCalled: false }]);
});
