/**
 * Which rows of a MariaDB system-versioned table are current, and what change of the current rows
 * each row event makes (the binlog's shapes, checked on MariaDB 10.11, are in system-versioned-rows.ts
 * and test/integration/mysql/system-versioned.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentRowChange, isCurrentRowEnd } from '../../../src/adapters/mysql/capture/system-versioned-rows.js';

test('a row end at TIMESTAMP\'s maximum (before and from MariaDB 11.5) or BIGINT UNSIGNED\'s is current; any other, or none, is history', () => {
  for (const v of ['2038-01-19 03:14:07.999999', '2038-01-19 03:14:07', '2106-02-07 06:28:15.999999', '18446744073709551615']) assert.equal(isCurrentRowEnd(v), true, v);
  for (const v of ['2026-12-05 12:24:15.230000', '2038-01-19 03:14:06.999999', '1844674407370955161', null, undefined, Buffer.from('2038-01-19 03:14:07.999999')]) {
    assert.equal(isCurrentRowEnd(v), false, String(v));
  }
});

test('an insert writes a current row; an UPDATE updates one; a DELETE closes one; history rows written or deleted change nothing', () => {
  assert.equal(currentRowChange(undefined, true), 'c'); // INSERT
  assert.equal(currentRowChange(true, true), 'u'); // UPDATE: the current row
  assert.equal(currentRowChange(undefined, false), null); // UPDATE: the old version written as history
  assert.equal(currentRowChange(true, false), 'd'); // DELETE: the row end set
  assert.equal(currentRowChange(true, undefined), 'd'); // a current row deleted outright
  assert.equal(currentRowChange(false, undefined), null); // DELETE HISTORY
  assert.equal(currentRowChange(false, true), 'c');
  assert.equal(currentRowChange(false, false), null);
});
