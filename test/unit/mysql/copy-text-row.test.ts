import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyDataMessage, copyTextValue, encodeCopyTextRow, mysqlRowToCopyText, mysqlToCopyField } from '../../../src/adapters/mysql/values/copy-text-row.js';
import type { MySqlValueKind, MySqlValueType } from '../../../src/adapters/mysql/values/value-type.js';
import { TandemError } from '../../../src/core/errors.js';

const t = (kind: MySqlValueKind, extra: Partial<MySqlValueType> = {}): MySqlValueType => ({ kind, column: 't.c', nullable: true, ...extra });

test('COPY text values: \\N for NULL, the four special characters escaped, everything else as it is', () => {
  assert.equal(copyTextValue(null), '\\N');
  assert.equal(copyTextValue(''), '');
  assert.equal(copyTextValue('\\N'), '\\\\N');
  assert.equal(copyTextValue('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyTextValue('é 😀 \x01'), 'é 😀 \x01');
  assert.equal(copyTextValue('\\.'), '\\\\.');
});

test('a row is tab-separated and ends in a newline', () => {
  assert.equal(encodeCopyTextRow(['1', null, '', 'x\ty']), '1\t\\N\t\tx\\ty\n');
  assert.equal(encodeCopyTextRow([]), '\n');
});

test('a CopyData message: d, big-endian length counting itself, the UTF-8 row', () => {
  assert.deepEqual(copyDataMessage(['1', 'é']), Buffer.from([0x64, 0x00, 0x00, 0x00, 0x09, 0x31, 0x09, 0xc3, 0xa9, 0x0a]));
  assert.deepEqual(copyDataMessage([null]), Buffer.from([0x64, 0x00, 0x00, 0x00, 0x07, 0x5c, 0x4e, 0x0a]));
});

test('the MySQL fast path: fields already escaped for COPY, binary as \\\\x hex, zero dates as \\N', () => {
  assert.equal(mysqlToCopyField(null, t('text')), '\\N');
  assert.equal(mysqlToCopyField('a\tb\\', t('text')), 'a\\tb\\\\');
  assert.equal(mysqlToCopyField('{"a":"\\n"}', t('json')), '{"a":"\\\\n"}');
  assert.equal(mysqlToCopyField(Buffer.from([0x00, 0xff]), t('binary')), '\\\\x00ff');
  assert.equal(mysqlToCopyField('0000-00-00', t('date')), '\\N');
  assert.equal(mysqlToCopyField('2024-01-01 00:00:00', t('timestamp')), '2024-01-01 00:00:00+00');
  assert.equal(mysqlToCopyField(Buffer.from([5]), t('bit', { bitLength: 3 })), '101');
  assert.throws(() => mysqlToCopyField('0000-00-00', t('date', { nullable: false })), (e: TandemError) => e.code === 'TANDEM_DATA');
  assert.equal(mysqlRowToCopyText(['7', null, Buffer.from('\\')], [t('integer'), t('text'), t('binary')]), '7\t\\N\t\\\\x5c\n');
});
