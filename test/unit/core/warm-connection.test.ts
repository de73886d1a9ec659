/**
 * WarmConnection: a connection opened ahead of the call that needs it, and with a refresh interval
 * kept open and replaced (the new one first) until that call or close. The "connections" here are
 * numbered objects: what is tested is which one a run gets and which ones are ended.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WarmConnection } from '../../../src/core/warm-connection.js';

function fakeConnections(opts: { failFrom?: number } = {}) {
  let opened = 0;
  const ended: number[] = [];
  const conn = new WarmConnection<number>(async () => {
    const n = ++opened;
    if (opts.failFrom !== undefined && n >= opts.failFrom) throw new Error(`connect ${n} failed`);
    return n;
  }, async (c) => { ended.push(c); });
  return { conn, ended, opened: () => opened };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('warm with a refresh interval replaces the connection, ending the old one once the new one is up; run uses the newest', async () => {
  const { conn, ended, opened } = fakeConnections();
  conn.warm(30);
  await sleep(110);
  assert.ok(opened() >= 3, `replaced at least twice (opened ${opened()})`);
  assert.deepEqual(ended, Array.from({ length: opened() - 1 }, (_, i) => i + 1), 'every connection but the newest was ended');
  const newest = opened();
  assert.equal(await conn.run(async (c) => c), newest);
  await sleep(80);
  assert.equal(opened(), newest, 'no refresh after the run');
  assert.ok(ended.includes(newest), 'the used one is closed behind its answer');
});

test('a failed refresh keeps the connection it has; close ends it and stops refreshing', async () => {
  const { conn, ended, opened } = fakeConnections({ failFrom: 2 });
  conn.warm(20);
  await sleep(90);
  assert.ok(opened() >= 3, 'refreshes were tried');
  assert.deepEqual(ended, [], 'the first connection is kept while the new ones fail');
  await conn.close();
  assert.deepEqual(ended, [1]);
  const after = opened();
  await sleep(60);
  assert.equal(opened(), after, 'no refresh after close');
});

test('without a refresh interval a warm connection is opened once and never replaced', async () => {
  const { conn, opened } = fakeConnections();
  conn.warm();
  conn.warm();
  await sleep(50);
  assert.equal(opened(), 1);
  assert.equal(await conn.run(async (c) => c * 10), 10);
});
