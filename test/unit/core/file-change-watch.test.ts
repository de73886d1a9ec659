import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileChangeWatch, SignalFile, writeSignalFile } from '../../../src/core/file-change-watch.js';

const isSignal = (name: string) => name === 'queue.signal';

const elapsed = async (p: Promise<void>): Promise<number> => {
  const t = Date.now();
  await p;
  return Date.now() - t;
};

test('a write to a watched file wakes a waiter long before its fallback time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  const w = new FileChangeWatch(dir, isSignal);
  try {
    assert.equal(w.watching, true);
    const v = w.version;
    const waited = w.waitForChange(v, 30_000);
    setTimeout(() => appendFileSync(join(dir, 'queue.signal'), 'x'), 20);
    const ms = await elapsed(waited);
    assert.ok(ms < 10_000, `woken after ${ms} ms, not by the 30 s fallback`);
    assert.ok(w.version > v);
  } finally {
    w.close();
  }
});

test('a change seen before the wait starts returns at once (no lost wake-up)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  const w = new FileChangeWatch(dir, isSignal);
  try {
    const v = w.version;
    writeFileSync(join(dir, 'queue.signal'), 'y');
    // The notification arrives through the event loop: wait for it with a generous fallback.
    await w.waitForChange(v, 30_000);
    assert.ok(w.version > v);
    // Waiting again from the old version returns immediately.
    assert.ok(await elapsed(w.waitForChange(v, 30_000)) < 1000);
  } finally {
    w.close();
  }
});

test('files the filter rejects do not wake; the fallback time bounds the wait', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  const w = new FileChangeWatch(dir, isSignal);
  try {
    const v = w.version;
    writeFileSync(join(dir, 'meta.db-wal'), 'z');
    const ms = await elapsed(w.waitForChange(v, 300));
    assert.ok(ms >= 250, `returned after ${ms} ms: meta.db's own files must not count as a signal`);
    assert.equal(w.version, v);
  } finally {
    w.close();
  }
});

test('close releases a waiter and an abort signal ends the wait', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  const w = new FileChangeWatch(dir);
  const waiting = w.waitForChange(w.version, 30_000);
  w.close();
  assert.ok(await elapsed(waiting) < 1000);
  assert.equal(w.watching, false);
  const w2 = new FileChangeWatch(dir);
  const ac = new AbortController();
  const aborted = w2.waitForChange(w2.version, 30_000, ac.signal);
  ac.abort();
  assert.ok(await elapsed(aborted) < 1000);
  w2.close();
});

test('one write, one wake-up: no further wake-ups follow it (the writer signals after its commit is visible)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  writeFileSync(join(dir, 'queue.signal'), '.'); // created before: its creation is a notification too
  const w = new FileChangeWatch(dir, isSignal);
  try {
    const v = w.version;
    assert.equal(writeSignalFile(dir, 'queue.signal'), true);
    await w.waitForChange(v, 30_000);
    const afterFirst = w.version;
    const ms = await elapsed(w.waitForChange(afterFirst, 400));
    assert.ok(ms >= 350, `woken again ${ms} ms later without another write`);
    assert.equal(w.version, afterFirst);
  } finally {
    w.close();
  }
});

test('a signal file kept open wakes the watch at every touch, creates the file, and opens it again after close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-watch-'));
  const w = new FileChangeWatch(dir, isSignal);
  const file = new SignalFile(join(dir, 'queue.signal'));
  try {
    for (let i = 0; i < 3; i++) {
      const v = w.version;
      assert.equal(file.touch(), true);
      await w.waitForChange(v, 30_000);
      assert.ok(w.version > v, `touch ${i + 1} noticed`);
      if (i === 1) file.close();
    }
    assert.equal(readFileSync(join(dir, 'queue.signal'), 'utf8'), '.');
  } finally {
    file.close();
    w.close();
  }
  assert.equal(new SignalFile(join(dir, 'missing', 'queue.signal')).touch(), false, 'a directory that is gone: false, no throw');
});
