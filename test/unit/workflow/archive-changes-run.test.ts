/**
 * `archive changes` left running for days: it says why it is idle once per reason (not at every
 * pass as an importer moves on), and it ends by itself (exit 0, lock released) once no importer
 * will read the queue again, after a last pass over what is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExportDir } from '../../../src/core/export-dir.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { CommandLock } from '../../../src/core/lock.js';
import { streamReporter } from '../../../src/core/reporter.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { QueueConsumers } from '../../../src/core/queue/queue-consumers.js';
import type { CommandEnv } from '../../../src/workflow/command-env.js';
import { queueReadersFinished, runArchiveChanges } from '../../../src/workflow/archive-changes.js';
import { CutoverState } from '../../../src/workflow/cutover/cutover-state.js';
import { inserts, pos } from '../queue/queue-fixtures.js';

/** An initialised export dir whose queue holds two closed segments (events 1..10, 11..20) and an open one (21). */
async function exportDirWithQueue(): Promise<{ dir: ExportDir; meta: MetaStore }> {
  const dir = new ExportDir(mkdtempSync(join(tmpdir(), 'tandem-archive-run-')));
  dir.ensureLayout();
  const meta = MetaStore.open(dir.metaDbPath);
  meta.migrationUuid();
  const w = EventQueueWriter.open(dir.queueDir, meta, { segmentBytes: 500 });
  await w.append(inserts(10, 1), pos(0));
  await w.append(inserts(10, 11), pos(1));
  await w.append(inserts(1, 21), pos(2));
  await w.close();
  return { dir, meta };
}

function capturingEnv(): CommandEnv & { stdout: () => string } {
  const chunks: string[] = [];
  const out = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  const err = new Writable({ write(_chunk, _enc, done) { done(); } });
  return {
    commandName: 'archive changes', reporter: streamReporter(out, err),
    resolveDb: async () => { throw new Error('archive changes connects to no database'); },
    stdout: () => chunks.join(''),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: () => string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await pause(25);
  assert.ok(cond(), `timed out: ${what()}`);
}

const idleLines = (text: string) => text.split('\n').filter((l) => l.startsWith('Nothing to archive'));

test('archive changes says the same idle reason again, with its numbers now, after a while (the soak-pg-49 run: "applied up to event 0" stood for 16 minutes)', { timeout: 30_000 }, async () => {
  const { dir, meta } = await exportDirWithQueue();
  const archiveDir = mkdtempSync(join(tmpdir(), 'tandem-archive-dest-'));
  QueueConsumers.register(meta, 'target');
  QueueConsumers.setAppliedVsn(meta, 'target', 3);
  const env = capturingEnv();
  const run = runArchiveChanges(env, {
    exportDir: dir.root, moveTo: archiveDir, deleteChangesWithoutArchiving: false, fsUtilizationThreshold: '70', once: false, passIntervalMs: 10, idleRepeatMs: 400,
  });
  await waitFor(() => env.stdout().includes('applied up to event 3'), env.stdout);
  QueueConsumers.setAppliedVsn(meta, 'target', 5);
  await waitFor(() => env.stdout().includes('applied up to event 5'), env.stdout);
  const said = (n: number) => `Nothing to archive: no closed segment is fully applied yet (every importer has applied up to event ${n}).`;
  const lines = idleLines(env.stdout());
  // Said again with the number now (a slow machine may have said 3 twice meanwhile, never anything else).
  assert.equal(lines[0], said(3));
  assert.equal(lines.at(-1), said(5));
  assert.ok(lines.every((l) => l === said(3) || l === said(5)), lines.join('\n'));
  CutoverState.request(meta, 'to_target', false);
  CutoverState.complete(meta, 'to_target');
  await run;
  meta.close();
});

test('archive changes says why it is idle once per reason, and exits after the cutover to target without fall-back', { timeout: 30_000 }, async () => {
  const { dir, meta } = await exportDirWithQueue();
  const archiveDir = mkdtempSync(join(tmpdir(), 'tandem-archive-dest-'));
  QueueConsumers.register(meta, 'target');
  QueueConsumers.setAppliedVsn(meta, 'target', 3);
  const env = capturingEnv();
  let ended = false;
  const run = runArchiveChanges(env, {
    exportDir: dir.root, moveTo: archiveDir, deleteChangesWithoutArchiving: false, fsUtilizationThreshold: '70', once: false, passIntervalMs: 10,
  }).finally(() => { ended = true; });

  await waitFor(() => env.stdout().includes('applied up to event 3'), env.stdout);
  for (const vsn of [4, 5, 6]) {
    QueueConsumers.setAppliedVsn(meta, 'target', vsn);
    await pause(150); // many passes
  }
  assert.deepEqual(idleLines(env.stdout()), [
    'Nothing to archive: no closed segment is fully applied yet (every importer has applied up to event 3).',
  ]);

  QueueConsumers.setAppliedVsn(meta, 'target', 12);
  await waitFor(() => existsSync(join(archiveDir, 'segment.1.ndjson')), env.stdout);
  await pause(150);
  // After a segment was moved, being idle again is news: said once more.
  assert.deepEqual(idleLines(env.stdout()), [
    'Nothing to archive: no closed segment is fully applied yet (every importer has applied up to event 3).',
    'Nothing to archive: no closed segment is fully applied yet (every importer has applied up to event 12).',
  ]);
  assert.equal(ended, false, 'still running while the target importer reads');

  CutoverState.request(meta, 'to_target', false);
  CutoverState.setMarker(meta, 'to_target', 21);
  CutoverState.complete(meta, 'to_target');
  await run;
  const out = env.stdout();
  assert.match(out, /Moved segment\.2\.ndjson \(events 11\.\.20,/, 'the last pass moves what is left');
  assert.match(out, /The cutover to target has completed without fall-back: no importer will read the change queue again, so archive changes is done\./);
  assert.match(out, /archive changes: 2 segments moved, .* freed in the export dir\./);
  assert.equal(idleLines(out).length, 2);
  assert.deepEqual(readdirSync(archiveDir).sort(), ['segment.1.ndjson', 'segment.2.ndjson']);
  assert.equal(CommandLock.holder(dir.metainfoDir, 'archive-changes'), undefined, 'end migration may run now');
  meta.close();
});

test('with fall-back, archive changes goes on after the cutover to target and ends after the cutover to source', { timeout: 30_000 }, async () => {
  const { dir, meta } = await exportDirWithQueue();
  const archiveDir = mkdtempSync(join(tmpdir(), 'tandem-archive-dest-'));
  QueueConsumers.register(meta, 'target');
  QueueConsumers.setAppliedVsn(meta, 'target', 5);
  CutoverState.request(meta, 'to_target', true);
  CutoverState.setMarker(meta, 'to_target', 5);
  CutoverState.complete(meta, 'to_target');
  assert.equal(queueReadersFinished(meta), undefined, 'the fall-back importer has yet to read');

  const env = capturingEnv();
  let ended = false;
  const run = runArchiveChanges(env, {
    exportDir: dir.root, moveTo: archiveDir, deleteChangesWithoutArchiving: false, fsUtilizationThreshold: '70', once: false, passIntervalMs: 10,
  }).finally(() => { ended = true; });
  await waitFor(() => env.stdout().includes('applied up to event 5'), env.stdout);
  await pause(150);
  assert.equal(ended, false);

  QueueConsumers.register(meta, 'source', 5);
  QueueConsumers.setAppliedVsn(meta, 'source', 21);
  CutoverState.request(meta, 'to_source', false);
  CutoverState.setMarker(meta, 'to_source', 21);
  CutoverState.complete(meta, 'to_source');
  assert.equal(queueReadersFinished(meta), 'The cutovers to target and back to source have completed');
  await run;
  assert.match(env.stdout(), /The cutovers to target and back to source have completed: no importer will read the change queue again, so archive changes is done\./);
  assert.deepEqual(readdirSync(archiveDir).sort(), ['segment.1.ndjson', 'segment.2.ndjson']);
  meta.close();
});
