import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mysqlSelectExpression, pgColumnType, UnknownMySqlTypeError, valueTypeOf } from '../../../src/adapters/mysql/schema/type-map.js';
import { column } from './catalog-builders.js';

/** `COLUMN_TYPE` → [PostgreSQL type, value kind, range CHECK]. */
const MAP: [string, string, string, string?][] = [
  ['tinyint(4)', 'smallint', 'integer', '-128..127'],
  ['tinyint(1)', 'smallint', 'integer', '-128..127'],
  ['tinyint(3) unsigned', 'smallint', 'integer', '0..255'],
  ['smallint(6)', 'smallint', 'integer'],
  ['smallint(5) unsigned', 'integer', 'integer', '0..65535'],
  ['mediumint(9)', 'integer', 'integer', '-8388608..8388607'],
  ['mediumint(8) unsigned', 'integer', 'integer', '0..16777215'],
  ['int(11)', 'integer', 'integer'],
  ['int(10) unsigned', 'bigint', 'integer', '0..4294967295'],
  ['bigint(20)', 'bigint', 'integer'],
  ['bigint(20) unsigned', 'numeric(20,0)', 'integer', '0..18446744073709551615'],
  ['decimal(65,30)', 'numeric(65,30)', 'decimal'],
  ['decimal(10,2) unsigned', 'numeric(10,2)', 'decimal', '0..'],
  ['float', 'real', 'float'],
  ['float unsigned', 'real', 'float', '0..'],
  ['double', 'double precision', 'double'],
  ['bit(1)', 'bit(1)', 'bit'],
  ['bit(64)', 'bit(64)', 'bit'],
  ['char(10)', 'char(10)', 'text'],
  ['varchar(255)', 'varchar(255)', 'text'],
  ['tinytext', 'text', 'text'],
  ['longtext', 'text', 'text'],
  ['binary(16)', 'bytea', 'binary'],
  ['varbinary(255)', 'bytea', 'binary'],
  ['longblob', 'bytea', 'binary'],
  ['date', 'date', 'date'],
  ['datetime', 'timestamp(0)', 'datetime'],
  ['datetime(6)', 'timestamp(6)', 'datetime'],
  ['timestamp(3)', 'timestamp(3) with time zone', 'timestamp'],
  ['time', 'interval(0)', 'time'],
  ['time(6)', 'interval(6)', 'time'],
  ['year(4)', 'smallint', 'year'],
  ['set(\'a\',\'b\')', 'text', 'text'],
  ['uuid', 'uuid', 'text'],
  ['inet6', 'inet', 'text'],
  ['point', 'bytea', 'binary'],
];

test('each MySQL type becomes the narrowest PostgreSQL type holding all its values, with CHECKs for the rest of the range', () => {
  for (const [columnType, sql, kind, range] of MAP) {
    const t = pgColumnType(column('c', columnType), 'mariadb');
    assert.equal(t.sql, sql, columnType);
    assert.equal(t.kind, kind, columnType);
    assert.equal(t.range ? `${t.range.min ?? ''}..${t.range.max ?? ''}` : undefined, range, columnType);
  }
});

test('JSON: MariaDB\'s (text kept as written) becomes json, MySQL\'s (binary) jsonb', () => {
  assert.equal(pgColumnType(column('j', 'longtext', { isJson: true }), 'mariadb').sql, 'json');
  assert.equal(pgColumnType(column('j', 'json', { dataType: 'json' }), 'mysql').sql, 'jsonb');
  assert.equal(pgColumnType(column('j', 'json', { dataType: 'json' }), 'mysql').kind, 'jsonb');
});

test('ENUM: a type with the members in order and MySQL\'s index-0 \'\' first; SET: allowed members', () => {
  const e = pgColumnType(column('e', "enum('small','large')", { members: ['small', 'large'] }), 'mariadb');
  assert.equal(e.sql, null);
  assert.deepEqual(e.enumLabels, ['', 'small', 'large']);
  assert.deepEqual(pgColumnType(column('e', "enum('','x')", { members: ['', 'x'] }), 'mariadb').enumLabels, ['', 'x']);
  assert.deepEqual(pgColumnType(column('s', "set('a','b')", { members: ['a', 'b'] }), 'mariadb').setMembers, ['a', 'b']);
  assert.equal(pgColumnType(column('y', 'year(4)'), 'mariadb').year, true);
});

test('a type Tandem does not know is refused by name', () => {
  assert.throws(() => pgColumnType(column('v', 'vector(3)'), 'mariadb'), (e: Error) => e instanceof UnknownMySqlTypeError && e.message === 'the type vector(3)');
});

test('value types carry table.column, nullability and the BIT length; FLOAT is read as DOUBLE', () => {
  assert.deepEqual(valueTypeOf('t', column('b', 'bit(10)', { nullable: false }), 'mariadb'), { kind: 'bit', column: 't.b', nullable: false, bitLength: 10 });
  assert.deepEqual(valueTypeOf('t', column('d', 'datetime(6)'), 'mariadb'), { kind: 'datetime', column: 't.d', nullable: true });
  assert.equal(mysqlSelectExpression(column('f', 'float'), '`f`'), 'CAST(`f` AS DOUBLE)');
  // A text column's character set, when it stores fewer characters than UTF-8 (for the fall-back writer's check).
  assert.deepEqual(valueTypeOf('t', column('l', 'varchar(9)', { charset: 'latin1' }), 'mariadb'), { kind: 'text', column: 't.l', nullable: true, charset: 'latin1' });
  assert.deepEqual(valueTypeOf('t', column('e', "enum('a')", { charset: 'UTF8MB3' }), 'mariadb'), { kind: 'text', column: 't.e', nullable: true, charset: 'utf8mb3', isEnum: true });
  // A CHAR, which character(n) pads on the target (the fall-back's kept text compares it without the padding).
  assert.deepEqual(valueTypeOf('t', column('c', 'char(5)', { charset: 'sjis' }), 'mariadb'), { kind: 'text', column: 't.c', nullable: true, charset: 'sjis', padded: true });
  assert.deepEqual(valueTypeOf('t', column('u', 'text'), 'mariadb'), { kind: 'text', column: 't.u', nullable: true });
  assert.equal(mysqlSelectExpression(column('d', 'double'), '`d`'), '`d`');
});
