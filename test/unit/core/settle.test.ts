import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleAll } from '../../../src/core/settle.js';

test('settleAll returns every value in order once all are fulfilled', async () => {
  const [a, b, c] = await settleAll([Promise.resolve(1), Promise.resolve('two'), Promise.resolve(undefined)]);
  assert.deepEqual([a, b, c], [1, 'two', undefined]);
});

test('settleAll throws the first failure in the order given, only after every step has settled', async () => {
  const finished: string[] = [];
  let releaseSlow!: () => void;
  const slow = new Promise<void>((resolve) => { releaseSlow = resolve; }).then(() => { finished.push('slow'); });
  const firstFailure = Promise.reject(new Error('first'));
  const secondFailure = Promise.reject(new Error('second'));
  let settled = false;
  const all = settleAll([slow, firstFailure, secondFailure]).finally(() => { settled = true; });
  // The failures are known at once, but nothing is reported while the slow step still runs.
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  releaseSlow();
  await assert.rejects(all, /first/);
  assert.deepEqual(finished, ['slow']);
});
