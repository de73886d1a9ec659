/** verifyMigration at a cutover where every table matched before the marker and has not changed since. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaStore } from '../../../src/core/meta-store.js';
import type { ComparisonSide } from '../../../src/core/engine/verification.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { Side } from '../../../src/workflow/migration-context.js';
import { verifyMigration } from '../../../src/workflow/verify/compare-command.js';
import type { TableComparison } from '../../../src/workflow/verify/table-comparison.js';

/** A side that records every call that would reach its database. */
function sideOf(role: 'source' | 'target', calls: string[], tables = ['s.a', 's.b']): Side {
  const comparison = (label: string): ComparisonSide => ({
    label,
    open: async () => { calls.push(`${label}.open`); },
    listColumns: async () => { calls.push(`${label}.listColumns`); return new Map(tables.map((t) => [t, ['id']])); },
    fingerprint: async (t) => { calls.push(`${label}.fingerprint ${t.key}`); return { rows: 1, checksum: '1' }; },
    close: async () => {},
  });
  const engine = { comparisonSide: (_db: DbConfig, label: string) => comparison(label), capabilities: { timesAsIntervals: false } } as unknown as SourceEngine;
  const db = { role, type: 'postgresql', host: 'h', port: 1, user: 'u', database: 'd', schemas: ['s'] } as DbConfig;
  return { db, engine };
}

const match = (table: string): TableComparison => ({ table, leftRows: 1, rightRows: 1, leftChecksum: '1', rightChecksum: '1', match: true });

test('every table still valid: the verification records a MATCH scanning nothing (it only lists the tables on both sides); one changed table is scanned; a table gone from a side is scanned, its early match not taken (measured before: "MATCH" for a table dropped on the source)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-verify-'));
  const meta = MetaStore.open(join(dir, 'meta.db'));
  try {
    for (const name of ['a', 'b']) {
      meta.putSnapshotTable({ tableKey: `s.${name}`, schemaName: 's', tableName: name, columns: ['id'], format: 'binary', exportedRows: 1, status: 'DONE' });
    }
    meta.setDbConfig('target', { type: 'postgresql', host: 'h', port: 1, user: 'u', database: 'd', schemas: ['s'] });
    const calls: string[] = [];
    const all = new Map([['s.a', match('s.a')], ['s.b', match('s.b')]]);
    const run = await verifyMigration(meta, sideOf('source', calls), sideOf('target', calls), 'cutover-to-target', { stillValid: all });
    assert.equal(run.match, true);
    assert.deepEqual(run.results.map((r) => [r.table, r.match]), [['s.a', true], ['s.b', true]]);
    assert.deepEqual(calls.sort(), ['source.listColumns', 'source.open', 'target.listColumns', 'target.open'], 'no table scanned');
    calls.length = 0;

    const some = new Map([['s.a', match('s.a')]]);
    const second = await verifyMigration(meta, sideOf('source', calls), sideOf('target', calls), 'cutover-to-target', { stillValid: some });
    assert.equal(second.match, true);
    assert.deepEqual(calls.sort(), ['source.fingerprint s.b', 'source.listColumns', 'source.open', 'target.fingerprint s.b', 'target.listColumns', 'target.open']);
    calls.length = 0;

    // s.b dropped on the source after its early match: scanned again, not taken as still matching.
    await verifyMigration(meta, sideOf('source', calls, ['s.a']), sideOf('target', calls), 'cutover-to-target', { stillValid: all });
    assert.deepEqual(calls.filter((c) => c.includes('fingerprint')).sort(), ['source.fingerprint s.b', 'target.fingerprint s.b']);
  } finally {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
