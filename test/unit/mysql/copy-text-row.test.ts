import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyDataMessage, copyTextValue, encodeCopyTextRow } from '../../../src/adapters/mysql/values/copy-text-row.js';

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
