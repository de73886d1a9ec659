import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oracleNameToPg, storedOracleName, truncateIdentifier } from '../../../../src/adapters/oracle/schema/oracle-name.js';

test('oracleNameToPg: names Oracle stores in upper case fold to lower case; mixed-case (quoted) names are kept', () => {
  const cases: [string, string][] = [
    ['EMPLOYEES', 'employees'],
    ['EMP_ID', 'emp_id'],
    ['ORDER#', 'order#'],
    ['SYS$TEMP', 'sys$temp'],
    ['T1', 't1'],
    ['123', '123'],
    ['MixedCase', 'MixedCase'],
    ['lower', 'lower'],
    ['Order Lines', 'Order Lines'],
    ['ÄRGER', 'ärger'],
    ['Ärger', 'Ärger'],
    ['MY TABLE', 'my table'],
  ];
  for (const [stored, pg] of cases) assert.equal(oracleNameToPg(stored), pg, stored);
});

test('oracleNameToPg: a name longer than 63 bytes is cut at 63 bytes, never inside a character', () => {
  assert.equal(oracleNameToPg('A'.repeat(128)), 'a'.repeat(63));
  // 31 two-byte characters are 62 bytes; the 32nd would end at byte 64.
  assert.equal(oracleNameToPg('Ä'.repeat(40)), 'ä'.repeat(31));
  assert.equal(truncateIdentifier('x'.repeat(63)), 'x'.repeat(63));
});

test('storedOracleName: unquoted names are upper-cased, quoted ones kept', () => {
  assert.equal(storedOracleName('emp_id', false), 'EMP_ID');
  assert.equal(storedOracleName('Emp Id', true), 'Emp Id');
  assert.equal(oracleNameToPg(storedOracleName('employees', false)), 'employees');
  assert.equal(oracleNameToPg(storedOracleName('EMPLOYEES', true)), 'employees');
  assert.equal(oracleNameToPg(storedOracleName('Employees', true)), 'Employees');
});
