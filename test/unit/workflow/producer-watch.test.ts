import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandLock } from '../../../src/core/lock.js';
import { ProducerWatch } from '../../../src/workflow/cdc/producer-watch.js';
import { isRunning } from '../../../src/workflow/streaming-commands.js';
import type { StreamLost } from '../../../src/workflow/cdc/stream-lost.js';

/** A watch over a real metainfo dir's lock, on a clock the test moves. */
function watchOver(dir: string, markerQueued: () => boolean, lost?: () => StreamLost | undefined) {
  const lines: string[] = [];
  let now = 0;
  const watch = new ProducerWatch({
    command: 'export data from source', exportDir: '/m/exp',
    isRunning: () => isRunning(dir, 'export data from source'), markerQueued, lost,
    warn: (l) => lines.push(`WARNING: ${l}`), print: (l) => lines.push(l), now: () => now,
  });
  return { lines, tick: (atMs: number) => { now = atMs; watch.tick(); } };
}

test('an exporter that stops before the marker is said once after two looks 5 s apart, and said back when it runs again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-producer-'));
  const lock = new CommandLock(dir, 'export-data');
  lock.acquire();
  const w = watchOver(dir, () => false);
  w.tick(0);
  w.tick(6_000);
  assert.deepEqual(w.lines, [], 'said while the exporter runs');
  lock.release();
  w.tick(12_000); // first miss
  w.tick(14_000); // less than 5 s later: not a look
  assert.deepEqual(w.lines, [], 'said after one look');
  w.tick(17_000);
  assert.equal(w.lines.length, 1);
  assert.equal(w.lines[0], 'WARNING: "tandem export data from source" is not running (no process holds its lock in this export dir), so no new changes reach this import: it applies what is queued and waits. '
    + 'Start it again (it resumes where it stopped): tandem export data from source --export-dir /m/exp');
  w.tick(30_000);
  w.tick(40_000);
  assert.equal(w.lines.length, 1, 'said more than once per outage');
  const again = new CommandLock(dir, 'export-data');
  again.acquire();
  w.tick(50_000);
  assert.deepEqual(w.lines.slice(1), ['"tandem export data from source" is running again: changes reach this import once more.']);
  again.release();
  w.tick(60_000);
  w.tick(70_000);
  assert.equal(w.lines.length, 3, 'a second outage is said again');
});

test('an exporter restarted between two looks, or one whose marker is queued, is not said', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-producer-'));
  const lock = new CommandLock(dir, 'export-data');
  let marker = false;
  const w = watchOver(dir, () => marker);
  w.tick(0); // a miss: the exporter is restarting
  lock.acquire();
  w.tick(5_000);
  lock.release();
  w.tick(10_000); // a miss again, but not two in a row with it running between
  assert.deepEqual(w.lines, []);
  marker = true; // the exporter queued the cutover marker and ended: its work is done
  w.tick(15_000);
  w.tick(20_000);
  w.tick(25_000);
  assert.deepEqual(w.lines, []);
});

test('an exporter whose stream was lost for good is said to be unable to resume, with the way out, not "it resumes"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-producer-'));
  const w = watchOver(dir, () => false, () => ({ message: 'The source cannot stream its binlog from binlog.000005:4 (error 1236).', at: '2026-12-05T19:00:00.000Z' }));
  w.tick(0);
  w.tick(5_000);
  assert.deepEqual(w.lines, ['WARNING: "tandem export data from source" stopped for good at 2026-12-05T19:00:00.000Z and cannot resume: The source cannot stream its binlog from binlog.000005:4 (error 1236). '
    + 'No new changes reach this import; it applies what is queued. This migration cannot go on from its change stream: start it again from a new snapshot '
    + '(tandem end migration --export-dir /m/exp, then a new export dir and empty target tables).']);
});

test('a stream found lost after "not running" was said (the rerun found its binlog purged, too briefly to be seen running) is said then, once (measured before: only "start it again, it resumes")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-producer-'));
  let lost: StreamLost | undefined;
  const w = watchOver(dir, () => false, () => lost);
  w.tick(0);
  w.tick(5_000);
  assert.equal(w.lines.length, 1);
  assert.match(w.lines[0]!, /Start it again \(it resumes where it stopped\)/);
  lost = { message: 'The source cannot stream its binlog (error 1236).', at: '2026-12-06T01:00:00.000Z' };
  w.tick(10_000);
  assert.equal(w.lines.length, 2);
  assert.match(w.lines[1]!, /^WARNING: "tandem export data from source" stopped for good at 2026-12-06T01:00:00\.000Z and cannot resume/);
  w.tick(15_000);
  w.tick(20_000);
  assert.equal(w.lines.length, 2, 'said once');
});
