import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChangeEvent } from '../../../src/core/change-event.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { EventQueueReader } from '../../../src/core/queue/event-queue-reader.js';
import { listSegments, readQueueState } from '../../../src/core/queue/queue-tables.js';
import { inserts, pos, tempQueue } from '../../unit/queue/queue-fixtures.js';

const CHILD = fileURLToPath(new URL('../../unit/queue/queue-writer-child.js', import.meta.url));

test('a writer killed with SIGKILL between its fsync and its commit leaves a queue that reopens clean and continues', { timeout: 60_000 }, async () => {
  const q = tempQueue();
  let committedBefore = 0;
  // The failpoint kills the child exactly after the n-th append's fsync, before its meta.db commit:
  // that append's whole lines are on disk but not committed (the torn tail a crash leaves).
  for (const killAt of [3, 8, 20]) {
    const child = spawn(process.execPath, [CHILD, q.queueDir, q.metaPath, '100000', '37', '0'], {
      stdio: 'ignore', env: { ...process.env, TANDEM_FAILPOINTS: `queue.after-append-before-commit=kill@${killAt}` },
    });
    const [, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (code, sig) => r([code, sig])));
    assert.equal(signal, 'SIGKILL', 'the child died at the failpoint');

    const state = readQueueState(q.meta);
    assert.equal(state.lastVsn, committedBefore + (killAt - 1) * 37, 'every append before the killed one is committed, the killed one is not');
    const open = listSegments(q.meta).find((s) => s.status === 'open');
    if (open) assert.ok(statSync(join(q.queueDir, open.fileName)).size > open.committedBytes, 'the killed append left its lines beyond the committed size');
    const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 4096 });
    if (open) assert.equal(statSync(join(q.queueDir, open.fileName)).size, open.committedBytes, 'reopening cut the tail off');
    assert.equal(w.lastVsn, state.lastVsn);
    const next = w.lastVsn + 1;
    await w.append(inserts(3, next), pos(next));
    await w.close();
    committedBefore = next + 2;

    const all: ChangeEvent[] = [];
    for await (const b of new EventQueueReader(q.queueDir, q.meta).read(0, { batchSize: 5000 })) all.push(...b);
    assert.equal(all.length, next + 2);
    all.forEach((e, i) => {
      assert.equal(e.vsn, i + 1);
      assert.equal(e.key.id, String(i + 1)); // the child numbers keys like vsns: nothing lost or repeated
    });
  }
});
