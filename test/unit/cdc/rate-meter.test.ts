import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter, estimateCatchUp } from '../../../src/workflow/cdc/rate-meter.js';

test('catch-up estimate: nothing left is 0s; seconds, minutes and hours as the metrics table shows them', () => {
  assert.equal(estimateCatchUp(0, 0), '0s');
  assert.equal(estimateCatchUp(0, 500), '0s');
  assert.equal(estimateCatchUp(420, 10), '42s');
  assert.equal(estimateCatchUp(3070, 10), '5m07s');
  assert.equal(estimateCatchUp(10_920, 1), '3h02m');
});

test('catch-up estimate: no measured rate is "unknown", a near-zero rate is not turned into an absurd time', () => {
  // The fall-back importer's start: 7426 events queued, nothing applied yet in this run.
  assert.equal(estimateCatchUp(7426, 0), 'unknown');
  assert.equal(estimateCatchUp(7426, Number.NaN), 'unknown');
  // One event in the last 3 minutes: 15 days at that rate.
  assert.equal(estimateCatchUp(7426, 1 / 180), 'more than 7 days');
  assert.equal(estimateCatchUp(7 * 86400, 1), '168h00m');
});

test('catch-up estimate from a fresh RateMeter (what the importer shows first) is "unknown"', () => {
  let now = 1_000_000;
  const meter = new RateMeter(() => now);
  assert.equal(estimateCatchUp(7426, meter.rate(3)), 'unknown');
  meter.add(100);
  now += 10_000;
  assert.equal(estimateCatchUp(7426, meter.rate(3)), '12m23s');
});
