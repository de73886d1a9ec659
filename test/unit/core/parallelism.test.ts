import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThroughputTuner, chooseExportJobs, chooseImportJobs } from '../../../src/core/parallelism.js';

const MB = 1024 * 1024;

test('export readers: one per two cores for one big table; no more readers than the tables can use', () => {
  assert.equal(chooseExportJobs({ clientCores: 2 }, [640 * MB]), 1);
  assert.equal(chooseExportJobs({ clientCores: 8 }, [640 * MB]), 4);
  assert.equal(chooseExportJobs({ clientCores: 64 }, [640 * MB]), 8);
  assert.equal(chooseExportJobs({ clientCores: 8 }, [1 * MB, 2 * MB, 3 * MB]), 1, 'small tables: one reader');
  assert.equal(chooseExportJobs({ clientCores: 16 }, [700 * MB, 900 * MB, 1 * MB]), 3, 'two big tables and the small ones');
  assert.equal(chooseExportJobs({ clientCores: 1 }, [700 * MB, 900 * MB]), 1);
});

test('import connections: client cores on PostgreSQL, not tuned upward; two per YugabyteDB node, with room to tune upward', () => {
  assert.deepEqual(chooseImportJobs({ clientCores: 2 }), { initial: 2, max: 2 });
  assert.deepEqual(chooseImportJobs({ clientCores: 1 }), { initial: 1, max: 1 });
  assert.deepEqual(chooseImportJobs({ clientCores: 32 }), { initial: 8, max: 8 });
  assert.deepEqual(chooseImportJobs({ clientCores: 2, targetNodes: 3 }), { initial: 6, max: 12 });
  assert.deepEqual(chooseImportJobs({ clientCores: 1, targetNodes: 9 }), { initial: 4, max: 8 });
});

/** Feeds the tuner windows of a given rate per worker count; returns the worker counts it chose. */
function drive(tuner: ThroughputTuner, clock: { t: number }, rateOf: (workers: number) => number, windows: number, starvedWindows: ReadonlySet<number> = new Set()): number[] {
  const seen: number[] = [];
  for (let i = 0; i < windows; i++) {
    if (starvedWindows.has(i)) tuner.idle();
    clock.t += 2000;
    tuner.record(rateOf(tuner.active) * 2);
    seen.push(tuner.active);
  }
  return seen;
}

test('the tuner adds workers while the rate grows and steps back when one more does not pay', () => {
  const clock = { t: 0 };
  const tuner = new ThroughputTuner({ initial: 2, max: 8, now: () => clock.t, holdWindows: 3 });
  // Rows/s by workers: grows up to 4, flat after.
  const rate = (w: number) => [0, 100, 180, 240, 280, 281, 282, 283, 284][w]!;
  const seen = drive(tuner, clock, rate, 6);
  assert.deepEqual(seen, [3, 4, 5, 4, 4, 4]);
  assert.equal(tuner.active, 4);
  assert.deepEqual(tuner.changes.map((c) => c.active), [3, 4, 5, 4]);
});

test('windows in which workers waited for work are not measured; a push-back removes a worker', () => {
  const clock = { t: 0 };
  const tuner = new ThroughputTuner({ initial: 2, max: 4, now: () => clock.t });
  const seen = drive(tuner, clock, (w) => w * 100, 3, new Set([0, 1, 2]));
  assert.deepEqual(seen, [2, 2, 2], 'starved: no change');
  tuner.pushBack();
  assert.equal(tuner.active, 1);
  tuner.pushBack();
  assert.equal(tuner.active, 1, 'never below one');
});

test('a fixed count (--parallel-jobs) never changes', () => {
  const clock = { t: 0 };
  const tuner = new ThroughputTuner({ initial: 3, min: 3, max: 3, now: () => clock.t });
  assert.deepEqual(drive(tuner, clock, (w) => w * 100, 5), [3, 3, 3, 3, 3]);
  tuner.pushBack();
  assert.equal(tuner.active, 3);
});

test('a busy target takes one worker away per reading and keeps the tuner from adding any until it is not busy', () => {
  const clock = { t: 0 };
  const tuner = new ThroughputTuner({ initial: 4, max: 6, now: () => clock.t, holdWindows: 2 });
  const linear = (w: number) => w * 100; // every worker more would pay
  assert.equal(tuner.targetBusy(true), true);
  assert.equal(tuner.active, 3);
  assert.equal(tuner.targetBusy(true), true);
  assert.equal(tuner.active, 2);
  // The rate would grow with more workers, but the target said it is busy: no step up, even after the hold.
  assert.deepEqual(drive(tuner, clock, linear, 6), [2, 2, 2, 2, 2, 2]);
  tuner.targetBusy(true);
  tuner.targetBusy(true);
  assert.equal(tuner.active, 1, 'down to the minimum');
  assert.equal(tuner.targetBusy(true), false, 'never below it');
  // Not busy any more: after the hold, the throughput decides again and workers come back while they pay.
  assert.equal(tuner.targetBusy(false), false);
  assert.deepEqual(drive(tuner, clock, linear, 6), [1, 1, 2, 3, 4, 5]);
  assert.deepEqual(tuner.changes.map((c) => c.active), [3, 2, 1, 2, 3, 4, 5]);
});

test('a fixed count (--parallel-jobs) does not follow the target\'s load either', () => {
  const tuner = new ThroughputTuner({ initial: 3, min: 3, max: 3 });
  assert.equal(tuner.targetBusy(true), false);
  assert.equal(tuner.active, 3);
});
