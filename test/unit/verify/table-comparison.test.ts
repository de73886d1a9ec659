import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDatabases, type ComparedTable, type FingerprintingSide, type SideFingerprint } from '../../../src/workflow/verify/table-comparison.js';
import { TandemError } from '../../../src/core/errors.js';

const table = (key: string, estimatedRows = 0): ComparedTable => {
  const [schema, name] = key.split('.') as [string, string];
  return { key, schema, name, columns: ['id'], estimatedRows };
};

/** A side answering from a map; a missing key behaves like a missing table. */
function fakeSide(label: string, data: Record<string, SideFingerprint>, opts: { delayMs?: number; track?: { now: number; max: number } } = {}): FingerprintingSide {
  return {
    label,
    async fingerprint(t) {
      if (opts.track) {
        opts.track.now++;
        opts.track.max = Math.max(opts.track.max, opts.track.now);
      }
      try {
        await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
        const fp = data[t.key];
        if (!fp) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${t.key} does not exist.`);
        return fp;
      } finally {
        if (opts.track) opts.track.now--;
      }
    },
  };
}

test('equal counts and checksums match; results keep the input order', async () => {
  const data = { 's.a': { rows: 3, checksum: '123' }, 's.b': { rows: 0, checksum: '0' } };
  const r = await compareDatabases({ left: fakeSide('source', data), right: fakeSide('target', data), tables: [table('s.b'), table('s.a', 1000)] });
  assert.deepEqual(r.results.map((x) => x.table), ['s.b', 's.a']);
  assert.ok(r.results.every((x) => x.match && x.error === undefined));
  assert.equal(r.summary.match, true);
  assert.equal(r.summary.matched, 2);
  assert.deepEqual(r.summary.mismatched, []);
  assert.equal(r.leftLabel, 'source');
  assert.equal(r.rightLabel, 'target');
  assert.deepEqual(r.results[1], { table: 's.a', leftRows: 3, rightRows: 3, leftChecksum: '123', rightChecksum: '123', match: true });
});

test('a different count or a different checksum with the same count is a mismatch', async () => {
  const left = { 's.a': { rows: 3, checksum: '100' }, 's.b': { rows: 3, checksum: '100' }, 's.c': { rows: 1, checksum: '7' } };
  const right = { 's.a': { rows: 2, checksum: '100' }, 's.b': { rows: 3, checksum: '101' }, 's.c': { rows: 1, checksum: '7' } };
  const r = await compareDatabases({ left: fakeSide('source', left), right: fakeSide('target', right), tables: ['s.a', 's.b', 's.c'].map((k) => table(k)) });
  assert.deepEqual(r.results.map((x) => x.match), [false, false, true]);
  assert.deepEqual(r.summary.mismatched, ['s.a', 's.b']);
  assert.equal(r.summary.match, false);
  assert.equal(r.results[1]!.leftRows, r.results[1]!.rightRows);
});

test('a table missing on one side is a mismatch with an error naming the side; the others still run', async () => {
  const left = { 's.a': { rows: 1, checksum: '1' }, 's.b': { rows: 1, checksum: '1' } };
  const right = { 's.b': { rows: 1, checksum: '1' } };
  const r = await compareDatabases({ left: fakeSide('source', left), right: fakeSide('target', right), tables: [table('s.a'), table('s.b')] });
  const a = r.results[0]!;
  assert.equal(a.match, false);
  assert.equal(a.leftRows, 1);
  assert.equal(a.rightRows, null);
  assert.equal(a.rightChecksum, null);
  assert.match(a.error!, /^target: Table s\.a does not exist\.$/);
  assert.equal(r.results[1]!.match, true);
  assert.deepEqual(r.summary.mismatched, ['s.a']);
});

test('errors on both sides are both reported; a database error keeps its SQLSTATE but not its detail', async () => {
  const failing = (label: string): FingerprintingSide => ({
    label,
    async fingerprint() {
      throw Object.assign(new Error('permission denied for table a'), { code: '42501', detail: 'Key (id)=(secret) …' });
    },
  });
  const r = await compareDatabases({ left: failing('source'), right: failing('target'), tables: [table('s.a')] });
  assert.equal(r.results[0]!.error, 'source: permission denied for table a (SQLSTATE 42501); target: permission denied for table a (SQLSTATE 42501)');
  assert.doesNotMatch(r.results[0]!.error!, /secret/);
});

test('no more than parallelJobs scans run at once on a side, and all of them do run', async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `s.t${i}`);
  const data = Object.fromEntries(keys.map((k) => [k, { rows: 1, checksum: '1' }]));
  const track = { now: 0, max: 0 };
  const events: string[] = [];
  const r = await compareDatabases({
    left: fakeSide('source', data, { delayMs: 5, track }), right: fakeSide('target', data, { delayMs: 5 }),
    tables: keys.map((k) => table(k)), parallelJobs: 3,
    onProgress: (e) => events.push(`${e.kind}:${e.table.key}`),
  });
  assert.equal(track.max, 3);
  assert.equal(r.results.length, 12);
  assert.equal(events.filter((e) => e.startsWith('start:')).length, 12);
  assert.equal(events.filter((e) => e.startsWith('done:')).length, 12);
  for (const k of keys) assert.ok(events.indexOf(`start:${k}`) < events.indexOf(`done:${k}`));
});

test('the largest tables start first', async () => {
  const data = { 's.small': { rows: 1, checksum: '1' }, 's.big': { rows: 1, checksum: '1' }, 's.mid': { rows: 1, checksum: '1' } };
  const started: string[] = [];
  await compareDatabases({
    left: fakeSide('source', data), right: fakeSide('target', data), parallelJobs: 1,
    tables: [table('s.small', 1), table('s.big', 1000), table('s.mid', 50)],
    onProgress: (e) => { if (e.kind === 'start') started.push(e.table.key); },
  });
  assert.deepEqual(started, ['s.big', 's.mid', 's.small']);
});

test('no tables is a trivial match', async () => {
  const r = await compareDatabases({ left: fakeSide('source', {}), right: fakeSide('target', {}), tables: [] });
  assert.deepEqual(r.results, []);
  assert.equal(r.summary.match, true);
});
