import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { BoundedBuffer } from '../../../src/core/bounded-buffer.js';

/** Whether `p` has settled after the pending callbacks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await tick();
  return done;
}

test('items come out one at a time in the order they went in, then the consumer ends', async () => {
  const buffer = new BoundedBuffer<string>(4);
  buffer.push('a');
  buffer.pushAll(['b', 'c']);
  assert.equal(buffer.size, 3);
  buffer.end();
  const seen: string[] = [];
  for await (const x of buffer.items()) seen.push(x);
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.equal(buffer.size, 0);
});

test('batches hand over everything waiting per wake-up', async () => {
  const buffer = new BoundedBuffer<number>(10);
  const reader = buffer.batches();
  buffer.pushAll([1, 2, 3]);
  assert.deepEqual((await reader.next()).value, [1, 2, 3]);
  const next = reader.next();
  assert.equal(await settled(next), false, 'an empty buffer makes the consumer wait');
  buffer.push(4);
  buffer.push(5);
  assert.deepEqual((await next).value, [4, 5]);
  buffer.end();
  assert.deepEqual(await reader.next(), { value: undefined, done: true });
});

test('the producer waits for room while the limit is reached, and goes on once an item is read', async () => {
  const buffer = new BoundedBuffer<string>(2);
  await buffer.room();
  buffer.pushAll(['a', 'b']);
  const waiting = buffer.room();
  assert.equal(await settled(waiting), false, 'two of two: no room');
  const reader = buffer.items();
  assert.deepEqual(await reader.next(), { value: 'a', done: false });
  assert.equal(await settled(waiting), true, 'one read: room again');
});

test('one add of several items may go past the limit; room is asked before an add, not after', async () => {
  const buffer = new BoundedBuffer<number>(2);
  await buffer.room();
  buffer.pushAll([1, 2, 3, 4, 5]);
  assert.equal(buffer.size, 5);
  const waiting = buffer.room();
  assert.equal(await settled(waiting), false);
  const reader = buffer.batches();
  assert.deepEqual((await reader.next()).value, [1, 2, 3, 4, 5]);
  assert.equal(await settled(waiting), true);
});

test('release lets a waiting producer go on, and room does not wait after it', async () => {
  const buffer = new BoundedBuffer<string>(1);
  buffer.push('a');
  const waiting = buffer.room();
  assert.equal(await settled(waiting), false);
  buffer.release();
  assert.equal(await settled(waiting), true);
  buffer.push('b');
  assert.equal(await settled(buffer.room()), true, 'released: no wait although full');
  assert.equal(buffer.size, 2);
});

test('a failure reaches the consumer after what was waiting; only the first end decides it', async () => {
  const buffer = new BoundedBuffer<string>(4);
  buffer.push('a');
  buffer.end(new Error('capture failed'));
  buffer.end();
  const reader = buffer.items();
  assert.deepEqual(await reader.next(), { value: 'a', done: false });
  await assert.rejects(reader.next(), { message: 'capture failed' });
});

test('an end without a failure ends a waiting consumer', async () => {
  const buffer = new BoundedBuffer<string>(4);
  const next = buffer.items().next();
  assert.equal(await settled(next), false);
  buffer.end();
  assert.deepEqual(await next, { value: undefined, done: true });
});

test('with a weight limit the producer also waits while the waiting items weigh that much, however few they are', async () => {
  const buffer = new BoundedBuffer<number[]>(100, { limit: 10, of: (xs) => xs.length });
  buffer.push([1, 2, 3, 4, 5, 6]);
  assert.equal(await settled(buffer.room()), true, 'weight 6 of 10: room');
  buffer.push([7, 8, 9, 10]);
  const waiting = buffer.room();
  assert.equal(await settled(waiting), false, 'weight 10 of 10: the producer waits with only 2 items waiting');
  const reader = buffer.items();
  assert.deepEqual((await reader.next()).value, [1, 2, 3, 4, 5, 6]);
  assert.equal(await settled(waiting), true, 'weight 4 after one read: room again');
  buffer.push([11, 12, 13, 14, 15, 16, 17]);
  assert.equal(await settled(buffer.room()), false, 'weight 11');
  const batches = buffer.batches();
  assert.deepEqual((await batches.next()).value, [[7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17]]);
  assert.equal(await settled(buffer.room()), true, 'a batch read empties the weight too');
});
