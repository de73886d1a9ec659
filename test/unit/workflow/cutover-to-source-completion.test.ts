/**
 * The cutover to source's last line: it says the application can write to the source again only
 * when the target's stream was checked and held no writes after the marker; otherwise it names the
 * lost writes and the kept slot, or says that the target was not checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionMessage } from '../../../src/workflow/cutover/source-importer.js';

test('no writes after the marker: the application can write to the source again', () => {
  assert.equal(completionMessage({ checked: true }, ''), 'Cutover to source COMPLETED: the application can write to the source again.');
});

test('writes after the marker: named with the kept slot, and the application is not told to go ahead', () => {
  const text = completionMessage({ checked: true, writesAfterMarker: 'shop.customers: 7 insert(s)' }, 'target:tandem_fb_x');
  assert.equal(text, 'Cutover to source COMPLETED, but the source does NOT have the writes the target received after the cutover marker: shop.customers: 7 insert(s). '
    + 'The target\'s change stream keeps them (slot kept: target:tandem_fb_x). Apply them to the source, or accept their loss, before the application writes to the source again; then drop the stream as the warning above says.');
  assert.doesNotMatch(text, /can write to the source again/);
});

test('the target not reached: said on the same line', () => {
  assert.equal(completionMessage({ checked: false, reason: 'password authentication failed' }, ''),
    'Cutover to source COMPLETED, but the target was NOT checked for writes made on it after the cutover marker (see the warning above): check it before the application writes to the source again.');
});

test('the cutover to target\'s last line: the application is told to go ahead only when the source\'s stream found nothing (measured before: said alone after late writes; the new-user run)', async () => {
  const { completedToTargetMessage } = await import('../../../src/workflow/cutover/target-cutover.js');
  assert.equal(completedToTargetMessage({}), 'Cutover to target COMPLETED: the application can now write to the target.');
  const counted = completedToTargetMessage({ writesAfterMarker: 'shop.customers: 1 insert(s)', writesCounted: true, keptSlot: 'source:s' });
  assert.match(counted, /^Cutover to target COMPLETED, but the source received writes after the cutover marker, which are NOT on the target: shop\.customers: 1 insert\(s\) \(at least: counted when the stream ended, now; writes after that are neither migrated nor counted; "tandem compare" shows every difference\)\. Deal with them before the application writes to the target/);
  assert.doesNotMatch(counted, /can now write to the target/);
  // A record written before writesCounted existed is a count.
  assert.match(completedToTargetMessage({ writesAfterMarker: 'shop.orders: 2 update(s)' }), /received writes after the cutover marker, which are NOT on the target: shop\.orders: 2 update\(s\)/);
  assert.match(completedToTargetMessage({ writesAfterMarker: 'transactions open on the source when its change stream ended (what they commit is NOT migrated): …', writesCounted: false }),
    /^Cutover to target COMPLETED, but the source's change stream was kept when it ended: transactions open on the source when its change stream ended \(what they commit is NOT migrated\): …\. Check the two sides \("tandem compare"\) before the application writes to the target\.$/);
});
