import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoZeroDatesInNotNull, describeNullableZeroDates, zeroDateColumns, zeroDateCountSql, zeroDatesAllowed } from '../../../src/adapters/mysql/zero-dates.js';
import { autoIncrementColumns, setMySqlAutoIncrementSql, setPgIdentitySql } from '../../../src/adapters/mysql/sequences.js';
import { parseColumnDefault } from '../../../src/adapters/mysql/catalog-defaults.js';
import { TandemError } from '../../../src/core/errors.js';
import { catalog, column, table } from './catalog-builders.js';

test('the columns that can hold zero dates: DATE, DATETIME, TIMESTAMP (not generated ones)', () => {
  const t = table('t', [column('id', 'int(11)'), column('d', 'date', { nullable: false }), column('dt', 'datetime(6)'), column('ts', 'timestamp'),
    column('g', 'date', { generated: { stored: true, expression: '`d`' } }), column('tm', 'time')]);
  assert.deepEqual(zeroDateColumns(t), [{ name: 'd', nullable: false }, { name: 'dt', nullable: true }, { name: 'ts', nullable: true }]);
  assert.equal(zeroDateCountSql('shop', 'o`t', ['d']), 'SELECT SUM((YEAR(`d`) = 0 OR MONTH(`d`) = 0 OR DAYOFMONTH(`d`) = 0 '
    + "OR DAYOFMONTH(`d`) > DAYOFMONTH(LAST_DAY(CONCAT(YEAR(`d`), '-', MONTH(`d`), '-01'))))) AS z0 FROM `shop`.`o``t`");
});

test('whether the sql_mode lets applications write new zero dates', () => {
  assert.equal(zeroDatesAllowed('STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'), true); // MariaDB's default
  assert.equal(zeroDatesAllowed('ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'), false); // MySQL 8's
  assert.equal(zeroDatesAllowed('NO_ZERO_IN_DATE,NO_ZERO_DATE'), true); // warnings only without strict mode
  assert.equal(zeroDatesAllowed('TRADITIONAL'), false);
  assert.equal(zeroDatesAllowed(''), true);
});

test('zero dates in NOT NULL columns stop the export with table, column and count; nullable ones are described', () => {
  const scan = { counts: [{ table: 'a', column: 'd', nullable: true, count: 3 }, { table: 'b', column: 'e', nullable: false, count: 1 }, { table: 'c', column: 'f', nullable: false, count: 12 }], newZeroDatesAllowed: true };
  assert.throws(() => assertNoZeroDatesInNotNull(scan, 'shop'), (e: TandemError) => e.code === 'TANDEM_PREREQUISITE'
    && e.message === 'Zero dates in NOT NULL columns of shop: b.e (1 row), c.f (12 rows). PostgreSQL can store neither the zero date nor NULL there.');
  assert.deepEqual(describeNullableZeroDates(scan), ['a.d: 3 zero date(s) will become NULL on the target']);
  assertNoZeroDatesInNotNull({ counts: [scan.counts[0]!], newZeroDatesAllowed: false }, 'shop');
});

test('AUTO_INCREMENT: which columns, and the statements that set counters on both sides', () => {
  const c = catalog([table('a', [column('id', 'int(11)', { autoIncrement: true })]), table('b', [column('id', 'int(11)')])]);
  assert.deepEqual(autoIncrementColumns(c), [{ table: 'a', column: 'id' }]);
  assert.equal(setMySqlAutoIncrementSql('shop', 'or`ders', '18446744073709551615'), 'ALTER TABLE `shop`.`or``ders` AUTO_INCREMENT = 18446744073709551615');
  assert.throws(() => setMySqlAutoIncrementSql('shop', 't', '1; DROP TABLE t'));
  assert.equal(setPgIdentitySql('public', 'Orders', 'Id'),
    `SELECT setval(pg_get_serial_sequence('public."Orders"', 'Id'), greatest($1::numeric, (SELECT coalesce(max("Id"), 0) + 1 FROM public."Orders"))::bigint, false)`);
});

test('COLUMN_DEFAULT: MariaDB prints SQL, MySQL 8 prints the value', () => {
  const cases: [Parameters<typeof parseColumnDefault>, unknown][] = [
    [['mariadb', null, '', 'int', false], { kind: 'none' }],
    [['mariadb', 'NULL', '', 'int', true], { kind: 'null' }],
    [['mariadb', "'it''s \\\\ back'", '', 'varchar', true], { kind: 'literal', value: "it's \\ back" }],
    [['mariadb', '1.50', '', 'decimal', true], { kind: 'literal', value: '1.50' }],
    [['mariadb', '-5', '', 'int', true], { kind: 'literal', value: '-5' }],
    [['mariadb', "b'101'", '', 'bit', true], { kind: 'literal', value: '101' }],
    [['mariadb', 'current_timestamp(3)', 'on update current_timestamp(3)', 'timestamp', false], { kind: 'current_timestamp', precision: 3 }],
    [['mariadb', 'current_timestamp()', '', 'datetime', true], { kind: 'current_timestamp', precision: 0 }],
    [['mariadb', 'uuid()', '', 'varchar', true], { kind: 'expression', sql: 'uuid()' }],
    [['mariadb', '(1 + 1)', '', 'int', true], { kind: 'expression', sql: '(1 + 1)' }],
    [['mysql', null, '', 'int', true], { kind: 'null' }],
    [['mysql', null, '', 'int', false], { kind: 'none' }],
    [['mysql', "it's", '', 'varchar', true], { kind: 'literal', value: "it's" }],
    [['mysql', "b'101'", '', 'bit', true], { kind: 'literal', value: '101' }],
    [['mysql', '0x00ff', '', 'varbinary', true], { kind: 'literal', value: Buffer.from([0x00, 0xff]) }],
    [['mysql', 'CURRENT_TIMESTAMP(6)', 'DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)', 'datetime', true], { kind: 'current_timestamp', precision: 6 }],
    [['mysql', 'uuid()', 'DEFAULT_GENERATED', 'varchar', true], { kind: 'expression', sql: 'uuid()' }],
    [['mysql', 'CURRENT_TIMESTAMP', '', 'varchar', true], { kind: 'literal', value: 'CURRENT_TIMESTAMP' }],
  ];
  for (const [args, expected] of cases) assert.deepEqual(parseColumnDefault(...args), expected, JSON.stringify(args));
});

test('MySQL 8 expressions whose quotes are all escaped are unescaped once; others are left alone', async () => {
  const { unescapeMySql8Expression } = await import('../../../src/adapters/mysql/catalog.js');
  assert.equal(unescapeMySql8Expression("concat(`s`,_utf8mb4\\'-\\',`s2`)"), "concat(`s`,_utf8mb4'-',`s2`)");
  assert.equal(unescapeMySql8Expression("(`c` <> _utf8mb4\\'a\\\\\\\\b\\')"), "(`c` <> _utf8mb4'a\\\\b')");
  assert.equal(unescapeMySql8Expression("`s2` <> 'x'"), "`s2` <> 'x'");
  assert.equal(unescapeMySql8Expression("'it\\'s'"), "'it\\'s'");
});
