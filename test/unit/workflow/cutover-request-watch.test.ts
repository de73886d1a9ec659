/**
 * whenCutoverRequested: the importer's early notice of a cutover request, woken by meta.db's commits;
 * watchForCutover: the exporter's, which writes the marker and retries a failed write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import { Writable } from 'node:stream';
import { CutoverState, watchCutover, whenCutoverRequested, type CutoverRecord } from '../../../src/workflow/cutover/cutover-state.js';
import { watchForCutover } from '../../../src/workflow/cdc/stream-exporter.js';
import { streamReporter } from '../../../src/core/reporter.js';
import type { ChangeCapture } from '../../../src/core/engine/change-capture.js';

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

test('other commits to meta.db (the queue\'s, dozens a second) do not make the watch look; a cutover change does', async () => {
  const { dir, meta, other } = metaIn();
  let w: { stop(): void } | undefined;
  try {
    let looks = 0;
    const seen: CutoverRecord[] = [];
    w = watchCutover(meta, dir, 'to_target', (r) => { looks++; return r.status === 'COMPLETED'; }, (r) => seen.push(r), 60_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(looks, 1, 'one look at the start');
    for (let i = 0; i < 20; i++) {
      other.setValue('unrelated', i);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(looks, 1, 'twenty unrelated commits: no look');
    CutoverState.request(other, 'to_target', false);
    const t0 = Date.now();
    while (looks < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(looks >= 2, 'the request made it look');
    assert.equal(seen.length, 0, 'INITIATED is not COMPLETED');
    CutoverState.complete(other, 'to_target');
    while (seen.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen.map((r) => r.status), ['COMPLETED']);
  } finally {
    w?.stop();
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an onRequest that throws is logged, not left as an unhandled rejection (which would end the process)', async () => {
  const { dir, meta, other } = metaIn();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    CutoverState.request(other, 'to_target', false);
    let called = 0;
    const w = whenCutoverRequested(meta, dir, 'to_target', () => {
      called++;
      throw new Error('the reaction failed');
    }, 60_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(called, 1);
    assert.deepEqual(unhandled, []);
    w.stop();
  } finally {
    process.off('unhandledRejection', onUnhandled);
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exporter writes the marker once per request; a failed write is retried while the request stands, and warned about once', async () => {
  const { dir, meta, other } = metaIn();
  const out: string[] = [];
  const err: string[] = [];
  const sink = (to: string[]) => new Writable({ write(chunk, _enc, done) { to.push(String(chunk)); done(); } });
  const writes: string[] = [];
  let failuresLeft = 2;
  const capture: Pick<ChangeCapture, 'writeMarker' | 'labels'> = {
    labels: { changeLog: 'WAL' } as ChangeCapture['labels'],
    writeMarker: async (m) => {
      writes.push(m);
      if (failuresLeft-- > 0) throw new Error('connection refused');
    },
  };
  let requests = 0;
  const w = watchForCutover(streamReporter(sink(out), sink(err)), meta, dir, capture, 'source', () => requests++, 20);
  try {
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(writes, [], 'no request, no marker');
    CutoverState.request(other, 'to_target', true);
    const t0 = Date.now();
    while (!out.join('').includes('Cutover requested') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(writes, ['cutover_to_target', 'cutover_to_target', 'cutover_to_target'], 'two failures, then the write that succeeds');
    assert.equal(requests, 1);
    assert.equal(err.join('').match(/could not write the cutover marker/g)?.length, 1, err.join(''));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(writes.length, 3, 'nothing is written after the marker');
  } finally {
    w.stop();
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing marker write stops being retried once the request no longer waits for it', async () => {
  const { dir, meta, other } = metaIn();
  const writes: string[] = [];
  const capture: Pick<ChangeCapture, 'writeMarker' | 'labels'> = {
    labels: { changeLog: 'WAL' } as ChangeCapture['labels'],
    writeMarker: async (m) => { writes.push(m); throw new Error('connection refused'); },
  };
  const quiet = new Writable({ write(_c, _e, done) { done(); } });
  CutoverState.request(other, 'to_target', false);
  const w = watchForCutover(streamReporter(quiet, quiet), meta, dir, capture, 'source', () => {}, 20);
  try {
    const t0 = Date.now();
    while (writes.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    assert.ok(writes.length >= 2, 'retried');
    CutoverState.complete(other, 'to_target');
    await new Promise((r) => setTimeout(r, 100));
    const after = writes.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(writes.length, after, 'no retry once the cutover no longer waits for a marker');
  } finally {
    w.stop();
    meta.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
