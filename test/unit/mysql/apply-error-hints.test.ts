import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyErrorHint, columnNamedIn, keyNamedIn } from '../../../src/adapters/mysql/writer/apply-error-hints.js';
import type { MySqlColumn, MySqlTable } from '../../../src/adapters/mysql/catalog-types.js';

const column = (name: string, dataType: string, extra: Partial<MySqlColumn> = {}) => ({ name, dataType, charset: null, collation: null, datetimePrecision: null, ...extra }) as unknown as MySqlColumn;
const table = (name: string, columns: MySqlColumn[], primaryKey: string[], indexes: MySqlTable['indexes'] = []) => ({ name, columns, primaryKey, indexes }) as unknown as MySqlTable;

test('the names in MySQL\'s and MariaDB\'s messages are read from the end, never from the quoted value', () => {
  assert.deepEqual(columnNamedIn("Incorrect datetime value: '2040-01-01 00:00:00' for column `shop`.`my``t`.`ts` at row 1"), { table: 'my`t', column: 'ts' });
  assert.deepEqual(columnNamedIn("Incorrect datetime value: '2040-01-01 00:00:00' for column 'ts' at row 1"), { column: 'ts' });
  assert.deepEqual(columnNamedIn("Out of range value for column 'it''s' at row 3"), { column: "it's" });
  assert.deepEqual(columnNamedIn("Column 'email' cannot be null"), { column: 'email' });
  assert.equal(columnNamedIn("Truncated incorrect DOUBLE value: 'x for column 'c' at row 1'"), undefined);
  assert.equal(keyNamedIn("Duplicate entry 'ABC' for key 'PRIMARY'"), 'PRIMARY');
  assert.equal(keyNamedIn("Duplicate entry 'x' for key 'y'' for key 'ci_pk.PRIMARY'"), 'ci_pk.PRIMARY');
  assert.equal(keyNamedIn("Can't write; duplicate key in table 't'"), undefined);
});

test('1062 from MySQL 8 (key named table.key): the key\'s PAD SPACE column gets the NO PAD binary collation MySQL has', () => {
  const t = table('ci_pk', [column('k', 'varchar', { charset: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci' }), column('name', 'varchar', { charset: 'utf8mb4', collation: 'utf8mb4_bin' })], ['k'],
    [{ name: 'name_u', unique: true, kind: 'btree', parts: [{ column: 'name', expression: null, prefixLength: null, descending: false }], invisible: false, comment: '' }]);
  const ci = applyErrorHint(1062, "Duplicate entry 'ABC' for key 'ci_pk.PRIMARY'", { tables: [t], flavor: 'mysql' });
  assert.match(ci, /^A row written on the target has the same value in key `PRIMARY` \(`k`\) of the source's table `ci_pk` .* `k` compares with utf8mb4_0900_ai_ci on the source \(case-insensitive\): /);
  assert.match(ci, /COLLATE utf8mb4_bin \(the source's own queries/);
  const pad = applyErrorHint(1062, "Duplicate entry 'a ' for key 'ci_pk.name_u'", { tables: [t], flavor: 'mysql' });
  assert.match(pad, /key `name_u` \(`name`\) .* `name` compares with utf8mb4_bin on the source \(PAD SPACE\): .*\('a' and 'a '\).* COLLATE utf8mb4_bin \(utf8mb4_0900_bin to tell 'a' from 'a ' as well/);
});

test('1264 and 1292 on columns that are not FLOAT or TIMESTAMP keep the general hints', () => {
  const t = table('t', [column('n', 'int'), column('d', 'date'), column('x', 'double')], ['n']);
  assert.match(applyErrorHint(1264, "Out of range value for column 'n' at row 1", { tables: [t] }), /^A number written on the target is outside the range of column `n` .*a larger integer type, more DECIMAL digits/);
  assert.match(applyErrorHint(1264, "Out of range value for column 'x' at row 1", { tables: [t] }), /^A floating-point number .* column `x` of the source's table, a DOUBLE, can hold .*MODIFY `x` DOUBLE without UNSIGNED and \(M,D\)/);
  assert.match(applyErrorHint(1292, "Incorrect date value: '0000-01-01' for column `db`.`t`.`d` at row 1", { tables: [t] }), /^A value written on the target is not one that column `d` of the source's table takes/);
});

test('1153 (a statement over max_allowed_packet) names the setting and its fix, and is not a lost connection to wait for (measured before: retried without end; the mysql-hostile run)', async () => {
  const { isMySqlConnectionLoss } = await import('../../../src/adapters/mysql/connection.js');
  assert.match(applyErrorHint(1153, "Got a packet bigger than 'max_allowed_packet' bytes"), /larger than the source server's max_allowed_packet .* SET GLOBAL max_allowed_packet = 1073741824; .*then run import data to source again/);
  assert.equal(isMySqlConnectionLoss({ errno: 1153, code: 'ER_NET_PACKET_TOO_LARGE' }), false);
  assert.equal(isMySqlConnectionLoss({ errno: 2013 }), true);
});

test('an error on a generated column says MySQL computed it from the row\'s other values, and how to widen it (it said "written on the target"; the mysql-hostile run)', () => {
  const t = table('g', [column('n', 'int'), column('v', 'tinyint', { generated: { stored: false, expression: '`n` * 1000' } })], ['n']);
  const hint = applyErrorHint(1264, "Out of range value for column 'v' at row 1", { tables: [t] });
  assert.match(hint, /^Column `v` of the source's table `g` is generated \(AS \(`n` \* 1000\) VIRTUAL\): the fall-back does not write it, MySQL computes it from the values the target's row holds/);
  assert.match(hint, /ALTER TABLE `g` MODIFY `v` <wider type> AS \(`n` \* 1000\) VIRTUAL\), or change that row on the target, then run import data to source again/);
  assert.doesNotMatch(hint, /written on the target/);
  assert.match(applyErrorHint(1264, "Out of range value for column 'n' at row 1", { tables: [t] }), /^A number written on the target/);
});

// The mysql-values-roundtrip run: MariaDB's 4025 (a CHECK that failed: a JSON column's json_valid())
// was named ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE (MySQL 8's 4025) with the generic hint; a
// 400-byte text in a utf8mb4 TINYTEXT (MariaDB's 1366) was told to change its character set.
test('a failed CHECK on MariaDB is named as MariaDB names it and explained (a JSON column\'s json_valid(), or the constraint); 1366 on a TINYTEXT names its bytes', async () => {
  const { errorName } = await import('../../../src/adapters/mysql/writer/mysql-change-target.js');
  assert.equal(errorName(4025, 'ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE', 'mariadb'), 'ER_CONSTRAINT_FAILED');
  assert.equal(errorName(4025, 'ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE', 'mysql'), 'ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE');
  assert.equal(errorName(4100, 'ER_SOMETHING_OF_MYSQL', 'mariadb'), undefined);
  assert.equal(errorName(1406, 'ER_DATA_TOO_LONG', 'mariadb'), 'ER_DATA_TOO_LONG');
  const t = table('strs', [column('id', 'int'), column('j', 'longtext', { isJson: true }), column('n', 'int'), column('tt', 'tinytext', { charset: 'utf8mb4' })], ['id']);
  assert.match(applyErrorHint(4025, 'CONSTRAINT `strs.j` failed for `vals`.`strs`', { tables: [t], flavor: 'mariadb' }),
    /^Column `j` of the source's table `strs` is JSON, which MariaDB checks with json_valid\(\): it refuses JSON that PostgreSQL accepts \(nested deeper than 32 levels.*MODIFY `j` LONGTEXT.*then run import data to source again/);
  assert.match(applyErrorHint(4025, 'CONSTRAINT `n_positive` failed for `vals`.`strs`', { tables: [t], flavor: 'mariadb' }),
    /^The CHECK constraint `n_positive` of the source's table refuses the target's row .*DROP CONSTRAINT `n_positive`\), then run import data to source again/);
  assert.match(applyErrorHint(3819, "Check constraint 'n_positive' is violated.", { tables: [t], flavor: 'mysql' }), /^The CHECK constraint `n_positive`/);
  assert.match(applyErrorHint(1366, "Incorrect string value: '\\xC3\\xA9\\xC3\\xA9...' for column `vals`.`strs`.`tt` at row 1", { tables: [t], flavor: 'mariadb' }),
    /^A value written on the target does not fit column `tt` of the source's table: a TINYTEXT holds 255 bytes .*MODIFY `tt` TEXT/);
});
