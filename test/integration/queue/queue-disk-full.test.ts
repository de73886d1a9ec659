/**
 * The change queue on a disk that fills up (a 1 MB tmpfs mounted for the test; the tests run as
 * root): the append that does not fit fails with TANDEM_DISK, leaves no torn tail, and after space
 * is freed appends go on with the next vsn; a reader sees every committed event once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { EventQueueReader } from '../../../src/core/queue/event-queue-reader.js';
import { listSegments } from '../../../src/core/queue/queue-tables.js';
import { TandemError } from '../../../src/core/errors.js';
import { tempQueue, inserts, pos } from '../../unit/queue/queue-fixtures.js';

test('a full disk fails the append with TANDEM_DISK and cuts its tail; once there is room the queue goes on', async () => {
  const q = tempQueue(); // meta.db stays on the big disk; the queue files go on the small one
  const small = join(q.root, 'data', 'small');
  mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  try {
    const queueDir = join(small, 'queue');
    mkdirSync(queueDir);
    const w = EventQueueWriter.open(queueDir, q.meta);
    let appended = 0;
    let failure: unknown;
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      try {
        await w.append(inserts(500, appended + 1), pos(i + 1));
        appended += 500;
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(failure instanceof TandemError, `an append failed: ${String(failure)}`);
    assert.equal((failure as TandemError).code, 'TANDEM_DISK');
    assert.match((failure as TandemError).message, /The disk holding the change queue is full/);
    assert.ok(appended > 0);
    const seg = listSegments(q.meta).at(-1)!;
    assert.equal(statSync(join(queueDir, seg.fileName)).size, seg.committedBytes, 'no torn tail after the failed append');

    execFileSync('mount', ['-o', 'remount,size=8m', small]);
    await w.append(inserts(500, appended + 1), pos(5000));
    appended += 500;
    await w.close();
    const vsns: number[] = [];
    for await (const batch of new EventQueueReader(queueDir, q.meta).read(0, { batchSize: 1000 })) for (const e of batch) vsns.push(e.vsn);
    assert.equal(vsns.length, appended);
    assert.ok(vsns.every((v, i) => v === i + 1), 'every committed event once, in vsn order');
  } finally {
    execFileSync('umount', [small]);
    q.meta.close();
    rmSync(q.root, { recursive: true, force: true });
  }
});
