import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import { VerificationStore } from '../../../src/workflow/verify/verification-store.js';
import { renderVerificationReport, verdictLine } from '../../../src/workflow/verify/verification-report.js';
import type { KeyDifference } from '../../../src/core/verify/differing-keys.js';
import type { ComparisonResult, TableComparison } from '../../../src/workflow/verify/table-comparison.js';

const newDbPath = () => join(mkdtempSync(join(tmpdir(), 'tandem-verify-')), 'meta.db');

function result(results: TableComparison[]): ComparisonResult {
  const mismatched = results.filter((r) => !r.match).map((r) => r.table);
  return {
    leftLabel: 'source', rightLabel: 'target', results,
    summary: { tables: results.length, matched: results.length - mismatched.length, mismatched, match: mismatched.length === 0,
      startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:05.000Z' },
  };
}

const ok: TableComparison = { table: 'shop.orders', leftRows: 1203, rightRows: 1203, leftChecksum: '99', rightChecksum: '99', match: true };
const differs: TableComparison = { table: 'shop.customers', leftRows: 502, rightRows: 502, leftChecksum: '10', rightChecksum: '11', match: false };
const missing: TableComparison = { table: 'Ops.AuditLog', leftRows: 301, rightRows: null, leftChecksum: '5', rightChecksum: null, match: false, error: 'target: Table Ops.AuditLog does not exist.' };

test('a recorded run reads back as the latest, per occasion and overall, across reopening', () => {
  const path = newDbPath();
  const meta = MetaStore.open(path);
  const store = new VerificationStore(meta);
  assert.equal(store.latest(), undefined);
  const first = store.record('compare', result([ok]));
  const second = store.record('cutover-to-target', result([ok, differs, missing]));
  assert.equal(first.match, true);
  assert.equal(second.match, false);
  assert.ok(second.runId > first.runId);
  meta.close();

  const again = MetaStore.open(path);
  const s2 = new VerificationStore(again);
  const latest = s2.latest()!;
  assert.equal(latest.runId, second.runId);
  assert.equal(latest.occasion, 'cutover-to-target');
  assert.deepEqual(latest.results, [ok, differs, missing]);
  assert.deepEqual(latest.summary, second.summary);
  assert.equal(s2.latest('compare')!.runId, first.runId);
  assert.equal(s2.latest('cutover-to-source'), undefined);
  assert.deepEqual(s2.runs().map((r) => [r.occasion, r.tables, r.mismatches, r.match]), [['compare', 1, 0, true], ['cutover-to-target', 3, 2, false]]);
  again.close();
});

test('the text report shows every table, MISMATCH rows, errors, and the verdict as the last line', () => {
  const meta = MetaStore.open(newDbPath());
  const run = new VerificationStore(meta).record('compare', result([ok, differs, missing]));
  meta.close();
  const text = renderVerificationReport(run, 'table');
  const lines = text.split('\n');
  assert.match(lines[1]!, /TABLE\s*\|\s*SOURCE ROWS \| TARGET ROWS \|\s*RESULT \|/);
  assert.match(text, /shop\.orders\s*\|\s*1203 \|\s*1203 \|\s*MATCH \|/);
  assert.match(text, /shop\.customers\s*\|\s*502 \|\s*502 \| MISMATCH \|/);
  assert.match(text, /Ops\.AuditLog\s*\|\s*301 \|\s*- \| MISMATCH \|/);
  assert.match(text, /Ops\.AuditLog: target: Table Ops\.AuditLog does not exist\./);
  assert.match(text, /Same row count but different content.*shop\.customers/);
  assert.equal(lines.at(-1), 'MISMATCH in 2 table(s): shop.customers, Ops.AuditLog');
  assert.equal(verdictLine(run), lines.at(-1));
});

test('a matching run ends with MATCH; JSON has snake_case keys named after the sides', () => {
  const meta = MetaStore.open(newDbPath());
  const store = new VerificationStore(meta);
  const good = store.record('compare', result([ok]));
  assert.match(renderVerificationReport(good, 'table').split('\n').at(-1)!, /^MATCH: all 1 table\(s\)/);
  const bad = store.record('compare', result([ok, missing]));
  meta.close();
  const json = JSON.parse(renderVerificationReport(bad, 'json'));
  assert.equal(json.result, 'MISMATCH');
  assert.equal(json.occasion, 'compare');
  assert.deepEqual(json.mismatched_tables, ['Ops.AuditLog']);
  assert.deepEqual(json.tables[0], { table_name: 'shop.orders', source_rows: 1203, target_rows: 1203, source_checksum: '99', target_checksum: '99', result: 'MATCH' });
  assert.equal(json.tables[1].target_rows, null);
  assert.equal(json.tables[1].error, 'target: Table Ops.AuditLog does not exist.');
});

// The pg-values-51 run: keys '0 ' and '0' || chr(160) both printed as '0 ', control characters went
// raw to the terminal, and the eleventh table that differed was not mentioned under the keys.
test('differing keys are printed so that unseen characters show (escaped), and the tables whose keys were not looked for are named', () => {
  const meta = MetaStore.open(newDbPath());
  try {
    const t = (n: number): TableComparison => ({ ...differs, table: `s.t${n}` });
    const run = new VerificationStore(meta).record('compare', result([t(1), t(2)]));
    const keys = new Map<string, KeyDifference[]>([['s.t1', [
      { kind: 'changed', key: { k: '0 ' } },
      { kind: 'changed', key: { k: '0\u00a0' } },
      { kind: 'missing', key: { k: 'a\x1b[2J\r\nb\\c' }, presentOn: 'source' },
      { kind: 'changed', key: { k: "it's C:\\x", n: '12' } },
      { kind: 'changed', key: { k: 'zero\u200bwidth😀' } },
    ]]]);
    const text = renderVerificationReport(run, 'table', keys);
    assert.ok(text.includes("  s.t1: k='0 ' (different values); k=E'0\\u00A0' (different values); k=E'a\\u001B[2J\\r\\nb\\\\c' (only on source); k='it''s C:\\x', n=12 (different values); k=E'zero\\u200Bwidth😀' (different values)\n"), text);
    assert.doesNotMatch(text, /[\x1b\r\u00a0\u200b]/);
    assert.match(text, /\n {2}\(not looked for in 1 more table\(s\) that differ: s\.t2; compare them alone with --table-list to have theirs named\)\n/);
  } finally {
    meta.close();
  }
});
