/**
 * The Oracle snapshot's own pieces: the chunk plan (part k of n of a table), the query of each part
 * from the ROWID ranges read after the SCN, and the part files (copydata-rows-v1) written from
 * encoded rows, with their row index, on a real file system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotFileWriter } from '../../../src/core/snapshot-file-writer.js';
import { partQuery, partsFor, rowidRangesFromRows, SPLIT_BLOCKS } from '../../../src/adapters/oracle/snapshot/rowid-parts.js';
import { copyDataMessage, copyTextRow } from '../../../src/adapters/oracle/snapshot/copy-text-row.js';
import { planOracleChunks, writeRows } from '../../../src/adapters/oracle/oracle-snapshot-source.js';
import { toOracleTableInfo } from '../../../src/adapters/oracle/oracle-names.js';
import type { SnapshotFilePart } from '../../../src/core/engine/snapshot.js';
import type { OracleTable } from '../../../src/adapters/oracle/values/oracle-type.js';

const EMP: OracleTable = {
  schema: 'HR', name: 'EMP', primaryKey: ['ID'],
  columns: [
    { name: 'ID', nullable: false, type: { dataType: 'NUMBER', precision: 6, scale: 0 } },
    { name: 'HIRED', nullable: true, type: { dataType: 'DATE' } },
    { name: 'TOTAL', nullable: true, virtual: true, type: { dataType: 'NUMBER' } },
  ],
};
const IOT: OracleTable = { ...EMP, name: 'EMP_IOT', indexOrganized: true };

test('a heap table above 8192 blocks is read in up to one part per job; small, index-organized or single-job tables in one', () => {
  assert.equal(SPLIT_BLOCKS, 8192);
  assert.equal(partsFor(EMP, 100_000, 4), 4);
  assert.equal(partsFor(EMP, 20_000, 4), 3);
  assert.equal(partsFor(EMP, 8192, 4), 1);
  assert.equal(partsFor(EMP, 100_000, 1), 1);
  assert.equal(partsFor(IOT, 100_000, 4), 1);
  const emp = { ...toOracleTableInfo(EMP, { rows: 1000, blocks: 20_000 }) };
  const iot = toOracleTableInfo(IOT, { rows: 10 });
  assert.deepEqual(planOracleChunks([emp, iot], new Map([['EMP', 20_000]]), 4).map((c) => [c.tableKey, c.chunkNo, c.part, c.parts, c.format, c.estimatedRows]), [
    ['hr.emp', 0, 0, 3, 'text', 334], ['hr.emp', 1, 1, 3, 'text', 334], ['hr.emp', 2, 2, 3, 'text', 334], ['hr.emp_iot', 0, 0, 1, 'text', 10],
  ]);
});

test('each part reads the ROWID ranges of its group, all at the snapshot SCN; a group without extents reads nothing; unreadable ranges: part 0 reads all', () => {
  const ranges = rowidRangesFromRows([
    { GRP: 1, LO_ROWID: 'AAAR3sAAEAAAACAAAA', HI_ROWID: 'AAAR3sAAEAAAAGAAAA' },
    { GRP: 2, LO_ROWID: 'AAAR3sAAEAAAAGAAAA', HI_ROWID: 'AAAR3sAAEAAAAKAAAA' },
    { GRP: 2, LO_ROWID: 'AAAR3tAAEAAAACAAAA', HI_ROWID: 'AAAR3tAAEAAAADAAAA' },
  ]);
  const select = `SELECT t."ID" AS C0, TO_CHAR(t."HIRED", 'SYYYY-MM-DD HH24:MI:SS') AS C1 FROM "HR"."EMP" AS OF SCN :scn t`;
  assert.deepEqual(partQuery(EMP, 0, 3, '48812233', ranges), {
    sql: `${select} WHERE (t.ROWID >= CHARTOROWID(:lo0) AND t.ROWID < CHARTOROWID(:hi0))`,
    binds: { scn: '48812233', lo0: 'AAAR3sAAEAAAACAAAA', hi0: 'AAAR3sAAEAAAAGAAAA' },
  });
  assert.deepEqual(partQuery(EMP, 1, 3, '48812233', ranges), {
    sql: `${select} WHERE (t.ROWID >= CHARTOROWID(:lo0) AND t.ROWID < CHARTOROWID(:hi0)) OR (t.ROWID >= CHARTOROWID(:lo1) AND t.ROWID < CHARTOROWID(:hi1))`,
    binds: { scn: '48812233', lo0: 'AAAR3sAAEAAAAGAAAA', hi0: 'AAAR3sAAEAAAAKAAAA', lo1: 'AAAR3tAAEAAAACAAAA', hi1: 'AAAR3tAAEAAAADAAAA' },
  });
  assert.equal(partQuery(EMP, 2, 3, '48812233', ranges), undefined, 'fewer extent groups than parts');
  assert.deepEqual(partQuery(EMP, 0, 3, '48812233', undefined), { sql: select, binds: { scn: '48812233' } });
  assert.equal(partQuery(EMP, 1, 3, '48812233', undefined), undefined);
  assert.deepEqual(partQuery(EMP, 0, 1, '7', undefined), { sql: select, binds: { scn: '7' } });
});

test('part files on disk: CopyData messages written through, each part reported once complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ora-parts-'));
  const reported: SnapshotFilePart[] = [];
  const w = new SnapshotFileWriter({ pathOf: (n) => join(dir, `emp.0.${n}.txt`), rowIndexStep: 2, partBytes: 30, onPart: (p) => reported.push(p) });
  const rows = [['1', '2024-01-15 10:30:00'], ['2', null], ['3', 'tab\there']].map((r) => copyDataMessage(copyTextRow(r)));
  await writeRows(w, rows.slice(0, 2));
  await writeRows(w, rows.slice(2));
  assert.deepEqual(await w.finish(), { rows: 3, parts: 2 });
  assert.deepEqual(rows.map((r) => r.length), [27, 10, 17]);
  assert.deepEqual(reported, [{ partNo: 0, rows: 2, bytes: 37, rowIndex: [[0, 37, 2]] }, { partNo: 1, rows: 1, bytes: 17, rowIndex: [[0, 17, 1]] }]);
  assert.deepEqual(readFileSync(join(dir, 'emp.0.0.txt')), Buffer.concat(rows.slice(0, 2)));
  assert.equal(readFileSync(join(dir, 'emp.0.1.txt')).toString('latin1'), 'd\u0000\u0000\u0000\u00103\ttab\\there\n');
  const none: SnapshotFilePart[] = [];
  const e = new SnapshotFileWriter({ pathOf: (n) => join(dir, `empty.0.${n}.txt`), rowIndexStep: 2, partBytes: 40, onPart: (p) => none.push(p) });
  assert.deepEqual(await e.finish(), { rows: 0, parts: 1 });
  assert.deepEqual(none, [{ partNo: 0, rows: 0, bytes: 0, rowIndex: [] }]);
  assert.equal(statSync(join(dir, 'empty.0.0.txt')).size, 0);
});

test('a full disk (/dev/full) fails the chunk with ENOSPC, through the next write or finish, and reports no part', async () => {
  const reported: SnapshotFilePart[] = [];
  const w = new SnapshotFileWriter({ pathOf: () => '/dev/full', rowIndexStep: 2, partBytes: 1 << 20, onPart: (p) => reported.push(p) });
  const rows = Array.from({ length: 100 }, (_, i) => copyDataMessage(copyTextRow([String(i), 'x'.repeat(100)])));
  const copied = (async () => {
    await writeRows(w, rows.slice(0, 50));
    await writeRows(w, rows.slice(50));
    return w.finish();
  })();
  await assert.rejects(copied, (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
  await w.abort();
  assert.deepEqual(reported, []);
});
