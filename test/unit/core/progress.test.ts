import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ProgressBoard, groupDigits } from '../../../src/core/progress.js';

test('groupDigits groups thousands with commas, as en-US does', () => {
  for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 1234567, 5000000000, -1234, -999]) {
    assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
  }
});

test('a finished item prints one plain line with its grouped counts off a terminal', () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const board = new ProgressBoard(out);
  board.add('public.accounts', 1234567);
  board.finish('public.accounts', 1234567);
  assert.match(text, /^public\.accounts\s+\[#{30}\] 100% 1,234,567\/1,234,567 rows done\n$/);
});
