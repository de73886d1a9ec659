/** whenCutoverRequested: the importer's early notice of a cutover request, woken by meta.db's commits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import { CutoverState, whenCutoverRequested, type CutoverRecord } from '../../../src/workflow/cutover/cutover-state.js';

function metaIn(): { dir: string; meta: MetaStore; other: MetaStore } {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-request-watch-'));
  // Two handles, as two processes have: the request is committed by the other one.
  return { dir, meta: MetaStore.open(join(dir, 'meta.db')), other: MetaStore.open(join(dir, 'meta.db')) };
}

test('a request committed by another handle is seen once, without waiting for the fallback look', async () => {
  const { dir, meta, other } = metaIn();
  try {
    const seen: CutoverRecord[] = [];
    // A fallback of 60 s: only the commit's notification can wake the watch within this test.
    const w = whenCutoverRequested(meta, dir, 'to_target', (r) => seen.push(r), 60_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 0, 'nothing requested yet');
    const t0 = Date.now();
    CutoverState.request(other, 'to_target', true);
    while (seen.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.status, 'INITIATED');
    assert.equal(seen[0]!.prepareForFallBack, true);
    CutoverState.request(other, 'to_source', false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(seen.length, 1, 'called once');
    w.stop();
  } finally {
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a request made before the watch starts is seen at once; a stopped watch never calls', async () => {
  const { dir, meta, other } = metaIn();
  try {
    CutoverState.request(other, 'to_target', false);
    const seen: CutoverRecord[] = [];
    const w = whenCutoverRequested(meta, dir, 'to_target', (r) => seen.push(r), 60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen.map((r) => [r.status, r.prepareForFallBack]), [['INITIATED', false]]);
    w.stop();

    const none: CutoverRecord[] = [];
    const stopped = whenCutoverRequested(meta, dir, 'to_source', (r) => none.push(r), 60_000);
    stopped.stop();
    CutoverState.request(other, 'to_source', false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(none.length, 0);
  } finally {
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
