import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeHold } from '../../../src/core/engine/change-capture.js';

test('a write hold unblocks, then closes its session, once however often it is released', async () => {
  const calls: string[] = [];
  const hold = writeHold(async () => { calls.push('unblock'); }, async () => { calls.push('close'); });
  await hold.release();
  await hold.release();
  assert.deepEqual(calls, ['unblock', 'close']);
});

test('a write hold whose unblock fails still closes its session, and says the failure', async () => {
  const calls: string[] = [];
  const hold = writeHold(async () => { throw new Error('connection lost'); }, async () => { calls.push('close'); });
  await assert.rejects(hold.release(), /connection lost/);
  assert.deepEqual(calls, ['close']);
  await hold.release(); // released already: nothing more
  assert.deepEqual(calls, ['close']);
});
