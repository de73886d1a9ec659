import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../../../src/workflow/text-table.js';

test('renderTable pads the first column left-aligned and the others right-aligned', () => {
  const out = renderTable(['TABLE', 'ROWS'], [['shop.orders', '12'], ['a', '1000000']]);
  assert.equal(out, [
    '| ----------- | ------- |',
    '| TABLE       |    ROWS |',
    '| ----------- | ------- |',
    '| shop.orders |      12 |',
    '| a           | 1000000 |',
    '| ----------- | ------- |',
  ].join('\n'));
});

test('renderTable with no rows still prints the header, and every line has the same width', () => {
  const out = renderTable(['A', 'LONG HEADER'], []);
  assert.equal(out.split('\n').length, 4);
  const wide = renderTable(['X', 'Y', 'Z'], [['1', '22', ''], ['333', '', '4']]);
  const widths = new Set(wide.split('\n').map((l) => l.length));
  assert.equal(widths.size, 1);
});
