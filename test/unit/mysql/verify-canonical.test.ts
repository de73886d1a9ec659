import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalColumn } from '../../../src/adapters/mysql/verify/mysql-canonical-value.js';
import { compareKeys, compareNumericText, firstDifferingKeys, keyOrderOf, type KeyedRow, type KeyedRowSource } from '../../../src/core/verify/differing-keys.js';
import { decodeTextRow } from '../../../src/adapters/mysql/verify/mysql-comparison-side.js';
import type { ComparedTable } from '../../../src/core/engine/verification.js';
import { canonicalRowText, quoteNullable, RowFingerprint } from '../../../src/core/row-fingerprint.js';
import { column } from './catalog-builders.js';

const canon = (columnType: string, over = {}) => canonicalColumn('t', column('c', columnType, over), 'mariadb');

test('canonical text is what PostgreSQL prints for the migrated value', () => {
  assert.equal(canon('float')('0.10000000149011612'), '0.1');
  assert.equal(canon('float')('16777216'), '1.6777216e+07');
  assert.equal(canon('double')('1.7976931348623157e308'), '1.7976931348623157e+308');
  assert.equal(canon('double')('-0'), '-0');
  assert.equal(canon('decimal(10,2)')('0.00'), '0.00');
  assert.equal(canon('bigint unsigned')('18446744073709551615'), '18446744073709551615');
  assert.equal(canon('int')('-0'), '0');
  assert.equal(canon('datetime(6)', { datetimePrecision: 6 })('1000-01-01 00:00:00.000000'), '1000-01-01 00:00:00');
  assert.equal(canon('datetime(6)', { datetimePrecision: 6 })('2024-02-29 12:34:56.000010'), '2024-02-29 12:34:56.00001');
  assert.equal(canon('timestamp(3)', { datetimePrecision: 3 })('2038-01-19 03:14:07.990'), '2038-01-19 03:14:07.99+00');
  assert.equal(canon('datetime')('0000-00-00 00:00:00'), null);
  assert.equal(canon('time(6)', { datetimePrecision: 6 })('-838:59:59.000000'), '-838:59:59');
  assert.equal(canon('time(6)', { datetimePrecision: 6 })('00:00:00.500000'), '00:00:00.5');
  assert.equal(canon('year')('0000'), '0');
  assert.equal(canon('char(10)')('ab'), 'ab');
  assert.equal(canon('varchar(10)')('ab  '), 'ab  ');
  assert.equal(canon('varbinary(4)')(Buffer.from([0xde, 0xad])), '\\xdead');
  assert.equal(canon('bit(10)', { numericPrecision: 10 })(Buffer.from([0x02, 0x01])), '1000000001');
  assert.equal(canon('inet4', { dataType: 'inet4' })('10.0.0.1'), '10.0.0.1/32');
  assert.equal(canon('inet6', { dataType: 'inet6' })('::1'), '::1/128');
  assert.equal(canon("enum('a','b')", { members: ['a', 'b'] })('b'), 'b');
  assert.equal(canon('varchar(10)')(null), null);
});

test('the row text and fingerprint of PostgreSQL: quote_nullable values joined by commas, MD5 sum', () => {
  assert.equal(quoteNullable(null), 'NULL');
  assert.equal(quoteNullable("O'x"), "'O''x'");
  assert.equal(quoteNullable('a\\b'), "E'a\\\\b'");
  assert.equal(canonicalRowText(['1', null, '']), "'1',NULL,''");
  const a = new RowFingerprint();
  const b = new RowFingerprint();
  a.add(['1', 'x']);
  a.add(['2', null]);
  b.add(['2', null]);
  b.addRowText("'1','x'");
  assert.deepEqual(a.result(), b.result());
  // md5("'1','x'") = 4d087e0e82e89aa…, md5("'2',NULL") = bbc1a7a22820d0c…: the sum of their first 15 hex digits.
  assert.deepEqual(a.result(), { rows: 2, checksum: '1192506513251407542' });
});

test('a text-protocol row decodes into text and bytes', () => {
  const packet = Buffer.concat([Buffer.from([2]), Buffer.from('é'), Buffer.from([0xfb]), Buffer.from([2, 0x00, 0xff]), Buffer.from([0])]);
  assert.deepEqual(decodeTextRow(packet, 0, packet.length, [false, false, true, false]), ['é', null, Buffer.from([0x00, 0xff]), '']);
});

test('key orders and comparisons: numbers exactly, text by UTF-8 bytes, lexical, intervals', () => {
  assert.equal(keyOrderOf('numeric(20,0)'), 'numeric');
  assert.equal(keyOrderOf('integer'), 'numeric');
  assert.equal(keyOrderOf('timestamp(6) with time zone'), 'temporal');
  assert.equal(keyOrderOf('date'), 'temporal');
  assert.equal(keyOrderOf('bytea'), 'lexical');
  assert.equal(keyOrderOf('interval(6)'), 'interval');
  assert.equal(keyOrderOf('character varying(40)'), 'text');
  assert.equal(keyOrderOf('uuid'), 'text');
  assert.equal(compareNumericText('9007199254740993', '9007199254740992'), 1);
  assert.equal(compareNumericText('2', '10'), -1);
  assert.equal(compareNumericText('-2', '-10'), 1);
  assert.equal(compareNumericText('1.50', '1.5'), 0);
  assert.equal(compareNumericText('-0.0', '0'), 0);
  assert.equal(compareNumericText('0.000000000000000000000000000001', '0'), 1);
  assert.equal(compareNumericText('1e+21', '9.99e+20'), 1); // floats' shortest text: compared as the doubles they are
  assert.equal(compareNumericText('NaN', 'Infinity'), 1);
  assert.equal(compareKeys(['B'], ['b'], ['text']), -1);
  assert.equal(compareKeys(['b'], ['é'], ['text']), -1);
  assert.equal(compareKeys(['\uffff'], ['😀'], ['text']), -1); // UTF-16 order would say the opposite
  assert.equal(compareKeys(['\\x00ff'], ['\\x01'], ['lexical']), -1);
  assert.equal(compareKeys(['-838:59:59'], ['-01:00:00'], ['interval']), -1);
  // Dates and timestamps in PostgreSQL's order (the pg-values run: BC and infinite keys stopped compare).
  const chronological = ['-infinity', '0045-12-31 BC', '0044-03-15 BC', '0044-03-16 BC', '0044-03-16 00:00:01 BC', '0001-01-01', '2024-01-01 00:00:00+00', '2024-01-01 00:00:00.5+00', '9999-12-31', '10000-01-01', '294276-12-31', 'infinity'];
  for (let i = 0; i < chronological.length; i++) {
    for (let j = 0; j < chronological.length; j++) {
      assert.equal(compareKeys([chronological[i]!], [chronological[j]!], ['temporal']), Math.sign(i - j), `${chronological[i]} vs ${chronological[j]}`);
    }
  }
  assert.equal(compareKeys(['1', 'b'], ['1', 'a'], ['numeric', 'text']), 1);
});

const TABLE: ComparedTable = { key: 'public.t', schema: 'public', name: 't', columns: ['id', 'v'] };
function source(label: string, rows: [string, string][]): KeyedRowSource {
  return {
    label,
    async *rowsByKey(): AsyncGenerator<KeyedRow> {
      for (const [id, v] of rows) yield { key: [id], text: canonicalRowText([id, v]) };
    },
  };
}

test('first differing keys: changed and missing rows in key order, up to the limit; rows out of order are an error', async () => {
  const a = source('source', [['1', 'a'], ['2', 'b'], ['3', 'c'], ['5', 'e'], ['10', 'x']]);
  const b = source('target', [['1', 'a'], ['2', 'B'], ['4', 'd'], ['5', 'e'], ['10', 'x'], ['11', 'y']]);
  assert.deepEqual(await firstDifferingKeys(a, b, TABLE, ['id'], ['numeric'], 10), [
    { key: { id: '2' }, kind: 'changed' },
    { key: { id: '3' }, kind: 'missing', presentOn: 'source' },
    { key: { id: '4' }, kind: 'missing', presentOn: 'target' },
    { key: { id: '11' }, kind: 'missing', presentOn: 'target' },
  ]);
  assert.deepEqual(await firstDifferingKeys(a, b, TABLE, ['id'], ['numeric'], 2), [
    { key: { id: '2' }, kind: 'changed' }, { key: { id: '3' }, kind: 'missing', presentOn: 'source' },
  ]);
  assert.deepEqual(await firstDifferingKeys(a, a, TABLE, ['id'], ['numeric'], 10), []);
  const textOrder = source('target', [['1', 'a'], ['10', 'x'], ['2', 'b']]);
  await assert.rejects(firstDifferingKeys(a, textOrder, TABLE, ['id'], ['numeric'], 10), /rows of public\.t on target did not arrive in key order/);
});
