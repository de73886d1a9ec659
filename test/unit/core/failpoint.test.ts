/**
 * failpoint() and failpointDelay(): the actions a test arms through TANDEM_FAILPOINTS, checked
 * through the hit log (the kill action is exercised by the crash suites, which die there).
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failpoint, failpointDelay, faultpoint, resetFailpoints, FAILPOINTS, PAUSE_POINTS, FAULT_POINTS } from '../../../src/core/failpoint.js';

function arm(spec: string): string {
  const log = join(mkdtempSync(join(tmpdir(), 'tandem-fp-')), 'hits.log');
  process.env.TANDEM_FAILPOINTS = spec;
  process.env.TANDEM_FAILPOINT_LOG = log;
  resetFailpoints();
  return log;
}

const hitsIn = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);

afterEach(() => {
  delete process.env.TANDEM_FAILPOINTS;
  delete process.env.TANDEM_FAILPOINT_LOG;
  resetFailpoints();
});

test('pause:<ms> pauses at every hit; pause:<ms>@n only at the n-th', () => {
  let log = arm('import.before-batch-commit=pause:30');
  let t0 = Date.now();
  for (let i = 0; i < 3; i++) failpoint('import.before-batch-commit');
  assert.ok(Date.now() - t0 >= 90, 'three pauses of 30 ms');
  assert.equal(hitsIn(log), 3);

  log = arm('import.before-batch-commit=pause:200@2');
  t0 = Date.now();
  failpoint('import.before-batch-commit');
  assert.equal(hitsIn(log), 0, 'the first hit is neither logged nor paused');
  failpoint('import.before-batch-commit');
  assert.ok(Date.now() - t0 >= 200, 'the second hit pauses');
  assert.equal(hitsIn(log), 1);
  failpoint('import.before-batch-commit');
  assert.equal(hitsIn(log), 1, 'the third is not logged');
});

test('delay:<ms>@n at a pause point: a promise at the n-th hit only, and the event loop runs on meanwhile', async () => {
  const log = arm('cdc.before-hold=delay:150@2');
  assert.equal(failpointDelay('cdc.before-hold'), undefined, 'the first hit costs no await');
  const t0 = Date.now();
  const delayed = failpointDelay('cdc.before-hold');
  assert.ok(delayed instanceof Promise);
  assert.equal(hitsIn(log), 1);
  let ticked = false;
  setTimeout(() => { ticked = true; }, 10);
  await delayed;
  assert.ok(Date.now() - t0 >= 145, 'waited the delay');
  assert.ok(ticked, 'a timer ran during the delay');
  assert.equal(failpointDelay('cdc.before-hold'), undefined);
  arm('');
  assert.equal(failpointDelay('cdc.before-hold'), undefined, 'unarmed');
});

test('pause points and fault points are not crash points: the crash suites, which kill at each of FAILPOINTS, never arm them', () => {
  for (const p of [...PAUSE_POINTS, ...FAULT_POINTS]) assert.ok(!(FAILPOINTS as readonly string[]).includes(p), p);
});

test('a fault point throws at every hit when armed with error, and does nothing unarmed', () => {
  const log = arm('apply.record-watermark=error');
  assert.throws(() => faultpoint('apply.record-watermark'), /failpoint apply.record-watermark/);
  assert.throws(() => faultpoint('apply.record-watermark'), /failpoint apply.record-watermark/);
  assert.equal(hitsIn(log), 2);
  assert.doesNotThrow(() => faultpoint('apply.show-metrics'), 'another fault point is not armed');
  arm('');
  assert.doesNotThrow(() => faultpoint('apply.record-watermark'));
});

test('an unknown name or action, or an action the point does not take, is refused when the first point is reached', () => {
  arm('cdc.no-such-point=delay:1');
  assert.throws(() => failpointDelay('cdc.before-hold'), /unknown failpoint "cdc.no-such-point"/);
  arm('cdc.before-hold=pause');
  assert.throws(() => failpoint('queue.after-commit-before-ack'), /unknown action "pause"/);
  arm('cdc.before-hold=kill');
  assert.throws(() => failpointDelay('cdc.before-hold'), /cdc.before-hold takes only delay/);
  arm('queue.after-commit-before-ack=delay:5');
  assert.throws(() => failpoint('queue.after-commit-before-ack'), /does not take delay/);
  arm('apply.show-metrics=kill');
  assert.throws(() => faultpoint('apply.show-metrics'), /apply.show-metrics takes only error/);
  arm('apply.show-metrics=delay:5');
  assert.throws(() => faultpoint('apply.show-metrics'), /does not take delay/);
  arm('import.before-batch-commit=error');
  assert.throws(() => failpoint('import.before-batch-commit'), /failpoint import.before-batch-commit/);
});
