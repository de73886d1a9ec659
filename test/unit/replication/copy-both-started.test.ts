/**
 * The WAL stream tells an error of starting from one of streaming by whether the server has answered
 * START_REPLICATION; that answer is seen through pg-copy-streams' own field (copyBothStarted). This
 * pins the field: an upgrade that renames it fails here, not in a race of the live tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Connection } from 'pg';
import { copyBothStarted, createCopyBothStream } from '../../../src/adapters/postgres/replication/copy-both-stream.js';

test('copyBothStarted is false until the CopyBothResponse has arrived, true from then on', async () => {
  const socket = new PassThrough();
  socket.on('data', () => {}); // pg's own listener, which pg-copy-streams takes over
  const connection = { stream: socket, query: () => {} } as unknown as Connection;
  const stream = createCopyBothStream('START_REPLICATION', 2);
  assert.equal(copyBothStarted(stream), false);
  stream.on('readable', () => {}); // as the WAL stream listens (pg-copy-streams reads the socket once asked to)
  stream.submit(connection);
  // A ParameterStatus-like interspersed message first: not an answer yet.
  const notice = Buffer.from([0x53, 0, 0, 0, 8, 0x61, 0, 0x62, 0]);
  socket.write(notice.subarray(0, 8)); // 'S', length 8, "a\0b" without its last byte
  await new Promise((r) => setImmediate(r));
  assert.equal(copyBothStarted(stream), false);
  socket.write(Buffer.concat([notice.subarray(8), Buffer.from([0x57, 0, 0, 0, 7, 0, 0, 0])])); // 'W': binary, 0 columns
  await new Promise((r) => setImmediate(r));
  assert.equal(copyBothStarted(stream), true);
});
