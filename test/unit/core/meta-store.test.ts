import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MetaStore } from '../../../src/core/meta-store.js';
import { TandemError } from '../../../src/core/errors.js';

const newDbPath = () => join(mkdtempSync(join(tmpdir(), 'tandem-meta-')), 'meta.db');

test('two commands opening a new export dir at once agree on one migration uuid (the second insert yields)', () => {
  const path = newDbPath();
  const a = MetaStore.open(path);
  const b = MetaStore.open(path);
  // The interleaving that ended export data with a UNIQUE error: a's look finds no row, then b
  // creates it, then a inserts. The look is forced to run before b's insert by answering it from a
  // moment when the table was still empty (the schedule is forced; the database is real).
  const prepare = a.db.prepare.bind(a.db);
  let first = true;
  (a.db as { prepare: typeof a.db.prepare }).prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (first && /^SELECT migration_uuid/.test(sql)) {
      first = false;
      const fromB = b.migrationUuid();
      assert.ok(fromB);
      return { get: () => undefined } as unknown as ReturnType<typeof prepare>;
    }
    return stmt;
  }) as typeof a.db.prepare;
  const fromA = a.migrationUuid();
  assert.equal(fromA, b.migrationUuid());
  a.close();
  b.close();
});

test('the migration uuid is created once and survives reopening', () => {
  const path = newDbPath();
  const a = MetaStore.open(path);
  const uuid = a.migrationUuid();
  assert.match(uuid, /^[0-9a-f-]{36}$/);
  assert.equal(a.migrationUuid(), uuid);
  a.close();
  const b = MetaStore.open(path);
  assert.equal(b.migrationUuid(), uuid);
  b.close();
  const other = MetaStore.open(newDbPath());
  assert.notEqual(other.migrationUuid(), uuid);
  other.close();
});

test('steps, values and db configs round-trip; a password is never stored', () => {
  const path = newDbPath();
  const m = MetaStore.open(path);
  assert.deepEqual(m.getStep('export_data'), { status: 'NOT_STARTED' });
  m.setStep('export_data', 'IN_PROGRESS', { exportType: 'snapshot-only' });
  m.setStep('export_data', 'DONE');
  const s = m.getStep('export_data');
  assert.equal(s.status, 'DONE');
  assert.equal(s.detail, undefined);
  assert.ok(s.updatedAt);
  assert.equal(m.getValue('import_batch_size'), undefined);
  m.setValue('import_batch_size', 500);
  m.setValue('import_batch_size', 700);
  assert.equal(m.getValue<number>('import_batch_size'), 700);
  assert.equal(m.getDbConfig('source'), undefined);
  const config = { type: 'postgresql', host: 'h', port: 5432, user: 'u', database: 'd', schemas: ['public', 'Sales'], sslMode: 'prefer', password: 'sekret-pw' };
  m.setDbConfig('source', config as never);
  const { password: _omit, ...stored } = config;
  assert.deepEqual(m.getDbConfig('source'), stored);
  assert.equal(m.getDbConfig('target'), undefined);
  m.close();
  assert.doesNotMatch(readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`, { flag: 'a+' }).toString('latin1'), /sekret-pw/);
});

test('snapshot tables, files and import batches; putImportBatches never overwrites; resetSnapshot clears', () => {
  const m = MetaStore.open(newDbPath());
  m.putSnapshotTable({ tableKey: 'shop.orders', schemaName: 'shop', tableName: 'orders', columns: ['id', 'Note'], format: 'binary', exportedRows: 0, status: 'IN_PROGRESS' });
  m.putSnapshotTable({ tableKey: 'shop.orders', schemaName: 'shop', tableName: 'orders', columns: ['id', 'Note'], format: 'binary', exportedRows: 10, status: 'DONE' });
  m.putSnapshotTable({ tableKey: 'a.t', schemaName: 'a', tableName: 't', columns: ['x'], format: 'text', exportedRows: 3, status: 'DONE' });
  assert.deepEqual(m.snapshotTables().map((t) => [t.tableKey, t.exportedRows, t.status, t.columns]), [['a.t', 3, 'DONE', ['x']], ['shop.orders', 10, 'DONE', ['id', 'Note']]]);
  m.putSnapshotFile({ fileName: 'shop.orders.1.bin', tableKey: 'shop.orders', chunkNo: 1, rows: 4, bytes: 40, status: 'DONE' });
  m.putSnapshotFile({ fileName: 'shop.orders.0.bin', tableKey: 'shop.orders', chunkNo: 0, rows: 6, bytes: 60, status: 'DONE' });
  assert.deepEqual(m.snapshotFiles().map((f) => f.chunkNo), [0, 1]);

  m.putImportBatches([
    { fileName: 'shop.orders.0.bin', batchNo: 1, startOffset: 19, endOffset: 40, rows: 3, imported: false },
    { fileName: 'shop.orders.0.bin', batchNo: 2, startOffset: 40, endOffset: 60, rows: 3, imported: true },
  ]);
  m.putImportBatches([{ fileName: 'shop.orders.0.bin', batchNo: 1, startOffset: 0, endOffset: 1, rows: 99, imported: true }]);
  const b = m.importBatches('shop.orders.0.bin');
  assert.deepEqual(b.map((x) => [x.batchNo, x.startOffset, x.endOffset, x.rows, x.imported]), [[1, 19, 40, 3, false], [2, 40, 60, 3, true]]);
  m.markBatchImported('shop.orders.0.bin', 1);
  assert.equal(m.importBatches().every((x) => x.imported), true);
  assert.deepEqual(m.importBatches('nope'), []);

  m.putSequenceValues([{ sequenceKey: 'shop.s', lastValue: '9223372036854775807', isCalled: true }]);
  m.putSequenceValues([{ sequenceKey: 'shop.s', lastValue: '5', isCalled: false }]);
  assert.deepEqual(m.sequenceValues(), [{ sequenceKey: 'shop.s', lastValue: '5', isCalled: false }]);

  m.resetSnapshot();
  assert.deepEqual([m.snapshotTables(), m.snapshotFiles(), m.importBatches(), m.sequenceValues()], [[], [], [], []]);
  m.close();
});

test('an unsynced write commits without an fsync and leaves every later commit FULL, also when it throws or runs inside a transaction', () => {
  const path = newDbPath();
  const m = MetaStore.open(path);
  const level = () => m.db.pragma('synchronous', { simple: true });
  assert.equal(level(), 2, 'meta.db commits with synchronous = FULL');
  let inside: unknown;
  m.unsynced(() => {
    inside = level();
    m.setValue('k', 1);
  });
  assert.equal(inside, 1, 'the unsynced commit runs with synchronous = NORMAL');
  assert.equal(level(), 2);
  assert.throws(() => m.unsynced(() => {
    m.setValue('k', 2);
    throw new Error('boom');
  }), /boom/);
  assert.equal(level(), 2, 'FULL again after a throw');
  // Inside a transaction the level cannot change: the write joins the transaction and its fate.
  assert.throws(() => m.db.transaction(() => {
    m.unsynced(() => m.setValue('k', 3));
    throw new Error('rolled back');
  })(), /rolled back/);
  assert.equal(m.getValue('k'), 2);
  assert.equal(level(), 2);
  // Another connection (another Tandem process) sees the unsynced commit at once.
  const other = MetaStore.open(path);
  assert.equal(other.getValue('k'), 2);
  other.close();
  m.close();
});

test('a meta.db written by a newer Tandem is refused', () => {
  const path = newDbPath();
  const raw = new Database(path);
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => MetaStore.open(path), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR' && /newer/.test(e.message));
});

test('opening an existing meta.db writes nothing: it opens and reads while another process holds the write lock', () => {
  const path = newDbPath();
  const first = MetaStore.open(path);
  const uuid = first.migrationUuid();
  first.close();
  const writer = new Database(path);
  writer.exec('BEGIN IMMEDIATE'); // what the exporter or importer holds while it commits
  try {
    const again = MetaStore.open(path);
    try {
      assert.equal(again.migrationUuid(), uuid);
    } finally {
      again.close();
    }
  } finally {
    writer.exec('COMMIT');
    writer.close();
  }
});

test('atomically: everything recorded in one commit, or nothing when it throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-meta-atomic-'));
  try {
    const meta = MetaStore.open(join(dir, 'meta.db'));
    try {
      meta.atomically(() => {
        meta.setValue('a', 1);
        meta.setValue('b', 2);
      });
      assert.deepEqual([meta.getValue('a'), meta.getValue('b')], [1, 2]);
      assert.throws(() => meta.atomically(() => {
        meta.setValue('a', 10);
        throw new Error('crash between the two');
      }), /crash between the two/);
      assert.equal(meta.getValue('a'), 1, 'the first write went back with the failure');
    } finally {
      meta.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a meta.db that is not a SQLite database: TANDEM_EXPORT_DIR naming the file, and the file is left as it was', () => {
  const path = newDbPath();
  const bytes = Buffer.from('SQLite format 3\u0000' + 'x'.repeat(5000));
  writeFileSync(path, bytes);
  assert.throws(() => MetaStore.open(path), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR' && e.message.includes(path) && /is damaged: file is not a database/.test(e.message));
  assert.deepEqual(readFileSync(path), bytes);
});
