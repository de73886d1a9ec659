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

test('a writer killed with SIGKILL mid-stream leaves a queue that reopens clean and continues', { timeout: 60_000 }, async () => {
  const q = tempQueue();
  for (const killAfterMs of [400, 450, 600]) {
    const child = spawn(process.execPath, [CHILD, q.queueDir, q.metaPath, '100000', '37', '0'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, killAfterMs));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));

    const state = readQueueState(q.meta);
    const open = listSegments(q.meta).find((s) => s.status === 'open');
    const w = EventQueueWriter.open(q.queueDir, q.meta, { segmentBytes: 4096 });
    if (open) assert.equal(statSync(join(q.queueDir, open.fileName)).size, open.committedBytes);
    assert.equal(w.lastVsn, state.lastVsn);
    const next = w.lastVsn + 1;
    await w.append(inserts(3, next), pos(next));
    await w.close();

    const all: ChangeEvent[] = [];
    for await (const b of new EventQueueReader(q.queueDir, q.meta).read(0, { batchSize: 5000 })) all.push(...b);
    assert.equal(all.length, next + 2);
    assert.ok(state.lastVsn > 0, `the child wrote nothing in ${killAfterMs} ms`);
    all.forEach((e, i) => {
      assert.equal(e.vsn, i + 1);
      assert.equal(e.key.id, String(i + 1)); // the child numbers keys like vsns: nothing lost or repeated
    });
  }
});
