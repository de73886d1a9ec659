/**
 * Access-denied errors as TANDEM_PRIVILEGE (pure): the object named from each message form of
 * MariaDB 10.11 and MySQL 8 (literal messages; MySQL 8 is not run here), the GRANT, other errors left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deniedObject, privilegeError } from '../../../src/adapters/mysql/privilege-errors.js';

const err = (errno: number, sqlMessage: string) => Object.assign(new Error(sqlMessage), { errno, sqlMessage, code: 'ER_X' });

test('the database and table each message form names', () => {
  assert.deepEqual(deniedObject(err(1142, "ALTER command denied to user 'mig3'@'127.0.0.1' for table `shop3`.`t2`"), 'x'), { database: 'shop3', table: 't2' });
  assert.deepEqual(deniedObject(err(1142, "INSERT command denied to user 'u'@'h' for table 't2'"), 'shop'), { database: 'shop', table: 't2' });
  assert.deepEqual(deniedObject(err(1142, "INSERT command denied to user 'u'@'h' for table 'shop.t2'"), 'x'), { database: 'shop', table: 't2' });
  assert.deepEqual(deniedObject(err(1143, "UPDATE command denied to user 'u'@'h' for column 'v' in table 't1'"), 'shop'), { database: 'shop', table: 't1' });
  assert.deepEqual(deniedObject(err(1044, "Access denied for user 'u'@'%' to database 'ybvoyager_metadata'"), 'shop'), { database: 'ybvoyager_metadata' });
  assert.deepEqual(deniedObject(err(1142, 'something else'), 'shop'), { database: 'shop' });
});

test('privilegeError: TANDEM_PRIVILEGE with the GRANT for the named database; undefined for other errors', () => {
  const e = privilegeError(err(1143, "UPDATE command denied to user 'u'@'h' for column 'v' in table 't1'"), {
    doing: 'Doing it', database: 'shop', account: "'u'@'h'", then: 'rerun.',
  })!;
  assert.equal(e.code, 'TANDEM_PRIVILEGE');
  assert.equal(e.message, "Doing it: user 'u'@'h' lacks a privilege on the table shop.t1 (MySQL error 1143 ER_X).");
  assert.equal(e.hint, "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'u'@'h'; then rerun.");
  assert.equal(privilegeError(err(1062, 'Duplicate entry'), { doing: 'x', database: 'shop', account: "'u'@'h'", then: '' }), undefined);
});
