/**
 * Two processes merging facts into one cutover record at once (the exporter's note of late writes,
 * the importer's COMPLETED): each keeps the other's. A child process stops, with its failpoint,
 * between its read of the record and its write; this process merges meanwhile. Found by a CI run
 * before the merge was one write transaction: the COMPLETED of the process that had read first
 * wrote the note away, and cutover status showed no late writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetaStore } from '../../../src/core/meta-store.js';
import { CutoverState } from '../../../src/workflow/cutover/cutover-state.js';

const META_MODULE = fileURLToPath(new URL('../../../src/core/meta-store.js', import.meta.url));
const STATE_MODULE = fileURLToPath(new URL('../../../src/workflow/cutover/cutover-state.js', import.meta.url));

/** Runs `call` (CutoverState.note or complete, on its own handle) in a child that pauses at the merge; resolves once it paused. */
async function pausedChild(dbPath: string, hits: string, call: string): Promise<{ done: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { MetaStore } from ${JSON.stringify(META_MODULE)};
    import { CutoverState } from ${JSON.stringify(STATE_MODULE)};
    const meta = MetaStore.open(${JSON.stringify(dbPath)});
    ${call};
    meta.close();`], {
    env: { ...process.env, TANDEM_FAILPOINTS: 'cutover.record-merge=pause:1500', TANDEM_FAILPOINT_LOG: hits },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const done = once(child, 'close').then(([code]) => code as number | null);
  while (!existsSync(hits)) await new Promise((r) => setTimeout(r, 20));
  return { done };
}

for (const [first, second] of [['note', 'complete'], ['complete', 'note']] as const) {
  test(`a ${first} paused between its read and its write, and a ${second} from another process meanwhile: the record holds both`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-record-merge-'));
    const dbPath = join(dir, 'meta.db');
    const meta = MetaStore.open(dbPath);
    try {
      CutoverState.request(meta, 'to_target', true);
      const calls = {
        note: "CutoverState.note(meta, 'to_target', { lateWrites: { inserts: 3 } })",
        complete: "CutoverState.complete(meta, 'to_target', { verification: { match: true } })",
      };
      const child = await pausedChild(dbPath, join(dir, 'hits.log'), calls[first]);
      const t0 = Date.now();
      // Waits (busy_timeout) for the child's transaction, then reads what it wrote.
      if (second === 'note') CutoverState.note(meta, 'to_target', { lateWrites: { inserts: 3 } });
      else CutoverState.complete(meta, 'to_target', { verification: { match: true } });
      assert.ok(Date.now() - t0 >= 500, 'this merge waited for the paused one');
      assert.equal(await child.done, 0);
      const r = CutoverState.get(meta, 'to_target');
      assert.equal(r.status, 'COMPLETED');
      assert.deepEqual(r.detail, { lateWrites: { inserts: 3 }, verification: { match: true } });
    } finally {
      meta.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
