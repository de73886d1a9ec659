import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchChoice, benchNumber, benchNumbers } from '../../../bench/env.js';

const NAME = 'TANDEM_TEST_BENCH_SETTING';

function withEnv<T>(value: string | undefined, run: () => T): T {
  const before = process.env[NAME];
  if (value === undefined) delete process.env[NAME];
  else process.env[NAME] = value;
  try {
    return run();
  } finally {
    if (before === undefined) delete process.env[NAME];
    else process.env[NAME] = before;
  }
}

test('a bench number: the fallback when unset or empty, the value when it is one', () => {
  assert.equal(withEnv(undefined, () => benchNumber(NAME, 7)), 7);
  assert.equal(withEnv('  ', () => benchNumber(NAME, 7)), 7);
  assert.equal(withEnv('12', () => benchNumber(NAME, 7)), 12);
  assert.equal(withEnv('0', () => benchNumber(NAME, 7)), 0);
  assert.equal(withEnv('2.5', () => benchNumber(NAME, 7, { integer: false })), 2.5);
});

test('a bench number that is not one, not whole or below its minimum stops the bench with the setting named', () => {
  assert.throws(() => withEnv('5k', () => benchNumber(NAME, 7)), /TANDEM_TEST_BENCH_SETTING="5k": expected a whole number of at least 0/);
  assert.throws(() => withEnv('2.5', () => benchNumber(NAME, 7)), /expected a whole number/);
  assert.throws(() => withEnv('0', () => benchNumber(NAME, 7, { min: 1 })), /at least 1/);
  assert.throws(() => withEnv('-1', () => benchNumber(NAME, 7, { integer: false })), /expected a number of at least 0/);
  assert.throws(() => withEnv('Infinity', () => benchNumber(NAME, 7, { integer: false })), /expected a number/);
});

test('a list of bench numbers is checked item by item', () => {
  assert.deepEqual(withEnv(undefined, () => benchNumbers(NAME, [1, 4])), [1, 4]);
  assert.deepEqual(withEnv('2, 8', () => benchNumbers(NAME, [1])), [2, 8]);
  assert.throws(() => withEnv('2,,8', () => benchNumbers(NAME, [1])), /in a comma-separated list\), not ""/);
  assert.throws(() => withEnv('2,x', () => benchNumbers(NAME, [1])), /not "x"/);
});

test('a bench choice takes only its listed values', () => {
  assert.equal(withEnv(undefined, () => benchChoice(NAME, ['all', 'live'], 'all')), 'all');
  assert.equal(withEnv('live', () => benchChoice(NAME, ['all', 'live'], 'all')), 'live');
  assert.throws(() => withEnv('lvie', () => benchChoice(NAME, ['all', 'live'], 'all')), /TANDEM_TEST_BENCH_SETTING="lvie": expected one of all, live/);
});
