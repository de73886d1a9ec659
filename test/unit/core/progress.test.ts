import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ProgressBoard, groupDigits, spokenDuration } from '../../../src/core/progress.js';

test('groupDigits groups thousands with commas, as en-US does', () => {
  for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 1234567, 5000000000, -1234, -999]) {
    assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
  }
});

/** A board drawing on a (pretend) terminal with the clock at `now()`, and what it has drawn since `clear()`. */
function ttyBoard(): { board: ProgressBoard; text: () => string; clear: () => void } {
  const out = new PassThrough() as PassThrough & { isTTY: boolean };
  out.isTTY = true;
  let text = '';
  out.on('data', (d) => (text += d));
  return { board: new ProgressBoard(out), text: () => text, clear: () => { text = ''; } };
}

/** A board writing to a stream off a terminal, and what it has written so far. */
function plainBoard(): { board: ProgressBoard; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return { board: new ProgressBoard(out), text: () => text };
}

test('a finished item prints one plain line with its grouped counts off a terminal', () => {
  const { board, text } = plainBoard();
  board.add('public.accounts', 1234567);
  board.finish('public.accounts', 1234567);
  assert.match(text(), /^public\.accounts\s+\[#{30}\] 100% 1,234,567\/1,234,567 rows done\n$/);
});

test('an item finished below its estimated total shows its real count as whole, not a part of the estimate', () => {
  const { board, text } = plainBoard();
  board.add('analytics.daily_totals', 295);
  board.update('analytics.daily_totals', 150);
  board.finish('analytics.daily_totals', 196);
  assert.match(text(), /^analytics\.daily_totals\s+\[#{30}\] 100% 196\/196 rows done\n$/);
});

test('an item that stopped short keeps its total and says why instead of "done"', () => {
  const { board, text } = plainBoard();
  board.add('schema objects', 8);
  board.update('schema objects', 3);
  board.finishShort('schema objects', 3, 'run, 1 failed, 5 not run');
  assert.equal(text(), `schema objects${' '.repeat(26)} [###########...................]  38% 3/8 rows run, 1 failed, 5 not run\n`);
});

test('an item that tells nothing until it ends is shown running with the time taken, not at 0%; finished, as any other (the new-user run: a slow compare looked hung)', () => {
  const { board, text, clear } = ttyBoard();
  const realNow = Date.now;
  let now = 1_000_000;
  Date.now = () => now;
  try {
    board.addRunning('public.orders', 300250);
    now += 12_000;
    board.stop(); // draws the block once
    assert.match(text(), /public\.orders\s+\[[-\\|/] {29}\] scanning about 300,250 rows, 12 s so far\n/);
    assert.doesNotMatch(text(), /0%/);
    board.finish('public.orders', 300251);
    clear();
    board.stop();
    assert.match(text(), /public\.orders\s+\[#{30}\] 100% 300,251\/300,251 rows done\n/);
  } finally {
    Date.now = realNow;
  }
});

test('an unfinished item shows its rate since its first count and the time left at that rate; a finished one its count only (the newuser-50 run: no rate, no time left)', () => {
  const { board, text, clear } = ttyBoard();
  const realNow = Date.now;
  let now = 1_000_000;
  Date.now = () => now;
  try {
    board.add('public.big', 3_000_000);
    now += 30_000; // queued behind other tables: not counted in the rate
    board.update('public.big', 100_000);
    now += 1_000;
    board.update('public.big', 300_000);
    board.stop();
    assert.match(text(), /public\.big\s+\[#{3}\.{27}\]  10% 300,000\/3,000,000 rows\n/, 'no rate before 2 s of counts');
    now += 3_000;
    board.update('public.big', 900_000);
    clear();
    board.stop();
    // 800,000 rows in 4 s since the first count: 200,000 rows/s, 2,100,000 left: 10.5 s.
    assert.match(text(), /public\.big\s+\[#{9}\.{21}\]  30% 900,000\/3,000,000 rows, 200,000 rows\/s, about 11 s left\n/);
    board.finish('public.big', 3_000_000);
    clear();
    board.stop();
    assert.match(text(), /public\.big\s+\[#{30}\] 100% 3,000,000\/3,000,000 rows done\n/);
  } finally {
    Date.now = realNow;
  }
});

test('durations are said in seconds, minutes and hours', () => {
  assert.deepEqual([0.4, 59, 60, 95, 3599, 3600, 4000, 90061].map(spokenDuration), ['0 s', '59 s', '1 min', '1 min 35 s', '59 min 59 s', '1 h', '1 h 7 min', '25 h 1 min']);
});

test('an item without an estimate shows its count, not 0%, while rows are done (fix-verify-50b: "0%" beside millions of rows)', () => {
  const { board, text } = ttyBoard();
  board.add('public.never_analyzed', 0);
  board.update('public.never_analyzed', 2_500_000);
  board.stop();
  assert.match(text(), /public\.never_analyzed\s+\[\.{30}\]    \? 2,500,000 rows\n/);
  assert.doesNotMatch(text(), /0%/);
});
