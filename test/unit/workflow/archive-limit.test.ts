/**
 * archiveLimit: how far `archive changes` may move the queue, through every phase of a migration.
 * An importer whose cutover has completed never reads again; the fall-back importer needs every
 * event after the cutover-to-target marker from the moment that cutover completes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import { QueueConsumers } from '../../../src/core/queue/queue-consumers.js';
import { CutoverState } from '../../../src/workflow/cutover/cutover-state.js';
import { archiveLimit } from '../../../src/workflow/archive-changes.js';

function withMeta(body: (meta: MetaStore) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-archive-limit-'));
  const meta = MetaStore.open(join(dir, 'meta.db'));
  try {
    body(meta);
  } finally {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('with fall-back: the target importer holds the queue until its cutover completes, then the fall-back importer does', () => {
  withMeta((meta) => {
    assert.equal(archiveLimit(meta), undefined, 'no importer registered yet');
    QueueConsumers.register(meta, 'target');
    assert.equal(archiveLimit(meta), 0);
    QueueConsumers.setAppliedVsn(meta, 'target', 70);
    assert.equal(archiveLimit(meta), 70);

    CutoverState.request(meta, 'to_target', true);
    CutoverState.setMarker(meta, 'to_target', 81);
    QueueConsumers.setAppliedVsn(meta, 'target', 81);
    assert.equal(archiveLimit(meta), 81, 'initiated: still the target importer');

    CutoverState.complete(meta, 'to_target');
    // The target's own changes (vsn 82 on) are queued before "import data to source" registers.
    assert.equal(archiveLimit(meta), 81, 'completed: the fall-back importer needs everything after the marker');
    QueueConsumers.register(meta, 'source', 81);
    assert.equal(archiveLimit(meta), 81);
    QueueConsumers.setAppliedVsn(meta, 'source', 140);
    assert.equal(archiveLimit(meta), 140, 'the stopped target importer (at 81) no longer holds the fall-back phase');

    CutoverState.request(meta, 'to_source', false);
    CutoverState.setMarker(meta, 'to_source', 150);
    QueueConsumers.setAppliedVsn(meta, 'source', 150);
    assert.equal(archiveLimit(meta), 150);
    CutoverState.complete(meta, 'to_source');
    assert.equal(archiveLimit(meta), Infinity, 'both cutovers completed: nobody reads the queue again');
  });
});

test('without fall-back: the queue is free once the cutover to target completes', () => {
  withMeta((meta) => {
    QueueConsumers.register(meta, 'target');
    QueueConsumers.setAppliedVsn(meta, 'target', 40);
    CutoverState.request(meta, 'to_target', false);
    CutoverState.setMarker(meta, 'to_target', 41);
    assert.equal(archiveLimit(meta), 40);
    CutoverState.complete(meta, 'to_target');
    assert.equal(archiveLimit(meta), Infinity);
  });
});
