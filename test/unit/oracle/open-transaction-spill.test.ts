/**
 * An Oracle transaction larger than the capture keeps in memory: LogMiner shows its changes before
 * its COMMIT, so the assembler holds at most a limit of them per open transaction and spills the
 * older ones to a scratch SQLite file (`transaction-spill.ts`); partial rollbacks still undo the
 * right change, a rollback forgets the file's rows, and the commit is handed on in parts, as
 * PostgreSQL and MySQL hand on theirs. Pure apart from that file: LogMiner rows are fixtures in
 * V$LOGMNR_CONTENTS's documented shape; no Oracle runs here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MinedRowPipeline, type MinedTransaction } from '../../../src/adapters/oracle/capture/logminer-capture.js';
import { decodeOraclePosition, snapshotPosition, type OraclePosition } from '../../../src/adapters/oracle/capture/oracle-position.js';
import { openChangeSpill, type ChangeSpill } from '../../../src/adapters/oracle/capture/transaction-spill.js';
import { TransactionAssembler } from '../../../src/adapters/oracle/capture/transaction-assembler.js';
import { logMinerRowFromRecord } from '../../../src/adapters/oracle/capture/logminer-row.js';
import { tableLookupOf } from '../../../src/adapters/oracle/oracle-change-stream.js';
import { TARGET_NAMES, toOracleTableInfo } from '../../../src/adapters/oracle/oracle-names.js';
import { TandemError } from '../../../src/core/errors.js';
import { TABLES } from './logminer-fixtures.js';

let rs = 0;
type Record_ = Record<string, unknown>;
const row = (scn: number, xid: string, op: number, rowId: string | null, sql: string, rollback = 0, owner = 'HR', table = 'EMP'): Record_ => ({
  SCN: String(scn), XID: xid, OPERATION_CODE: op, SEG_OWNER: rowId === null ? null : owner, TABLE_NAME: rowId === null ? null : table,
  ROW_ID: rowId ?? 'AAAAAAAAAAAAAAAAAA', SQL_REDO: sql, CSF: 0, RS_ID: ` 0x000099.${String(++rs).padStart(8, '0')}.0010 `, SSN: 0, ROLLBACK: rollback,
});
const start = (scn: number, xid: string) => row(scn, xid, 6, null, 'set transaction read write;');
const commit = (scn: number, xid: string) => row(scn, xid, 7, null, 'commit;');
const rollbackAll = (scn: number, xid: string) => row(scn, xid, 36, null, 'rollback;');
const rid = (id: number) => `AAAR3sAAEAAAACX${String(id).padStart(3, '0')}`;
const insert = (scn: number, xid: string, id: number) => row(scn, xid, 1, rid(id),
  `insert into "HR"."EMP"("ID","NAME","HIRED","SALARY","NOTE") values ('${id}','N${id}',NULL,'10',NULL);`);
const update = (scn: number, xid: string, id: number, salary: number) => row(scn, xid, 3, rid(id),
  `update "HR"."EMP" set "SALARY" = '${salary}' where "ID" = '${id}' and "SALARY" = '10' and ROWID = '${rid(id)}';`);
/** The undo of a change to row `id` (a statement failed, or a rollback to a savepoint): ROLLBACK = 1. */
const undo = (scn: number, xid: string, id: number, op: number) => row(scn, xid, op, rid(id), `delete from "HR"."EMP" where ROWID = '${rid(id)}';`, 1);
const marker = (scn: number, xid: string, kind: string) => row(scn, xid, 1, 'AAAR4sAAEAAAACXAAA',
  `insert into "C##YBVOYAGER"."TANDEM_MARKERS"("STREAM_ID","SEQ","KIND","WRITTEN_AT") values ('tandem_abc','2','${kind}',TO_TIMESTAMP('2026-11-30 10:00:00.123456'));`, 0, 'C##YBVOYAGER', 'TANDEM_MARKERS');

const OPTIONS = { tables: tableLookupOf([toOracleTableInfo(TABLES['HR.EMP']!)]), names: TARGET_NAMES, markers: { owner: 'C##YBVOYAGER', streamId: 'tandem_abc' } };
const SNAPSHOT = snapshotPosition(3_000_000n, 3_000_000n);

/**
 * Redo after the snapshot: B, a batch job of 1,000 inserts and 300 updates, three of whose changes are
 * undone (two spilled, one still in memory) and a marker in the middle; S, a small transaction
 * committing while B is open; R, a large transaction rolled back; and T, one committing after B.
 */
function redo(): Record_[] {
  const rows: Record_[] = [start(3_000_010, 'B')];
  let scn = 3_000_011;
  for (let id = 1; id <= 1000; id++) {
    rows.push(insert(scn++, 'B', id));
    if (id === 40) rows.push(start(scn++, 'R'));
    if (id > 40 && id <= 340) rows.push(insert(scn++, 'R', 5000 + id));
    if (id === 500) rows.push(start(scn++, 'S'), insert(scn++, 'S', 2000), commit(scn++, 'S'), marker(scn++, 'B', 'cutover_to_target'));
    if (id === 600) rows.push(rollbackAll(scn++, 'R'));
  }
  rows.push(undo(scn++, 'B', 7, 1)); // the insert of 7: spilled long ago
  for (let id = 1; id <= 300; id++) rows.push(update(scn++, 'B', id, 20 + id));
  rows.push(undo(scn++, 'B', 299, 3)); // the update of 299 (spilled, after 299's insert, also spilled): the latest is undone
  rows.push(undo(scn++, 'B', 300, 3)); // the update of 300: in memory
  rows.push(commit(scn++, 'B'), start(scn++, 'T'), insert(scn++, 'T', 3000), commit(scn++, 'T'));
  return rows;
}

function withSpill<T>(run: (open: () => ChangeSpill) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-spill-'));
  const stores: ChangeSpill[] = [];
  try {
    return run(() => {
      const s = openChangeSpill(join(dir, `spill-${stores.length}.sqlite`));
      stores.push(s);
      return s;
    });
  } finally {
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function mine(rows: readonly Record_[], resume: OraclePosition, spill?: ChangeSpill): MinedTransaction[] {
  const p = new MinedRowPipeline({ ...OPTIONS, ...(spill ? { spill: { store: spill, inMemory: 100 }, partEvents: 250 } : {}) }, resume);
  return rows.flatMap((r) => [...p.push(r)]);
}

/** Events and markers per transaction, parts joined, as an exporter would queue them. */
function joined(out: readonly MinedTransaction[]): { txId: string; position: string; events: unknown[]; markers: readonly string[] }[] {
  const whole: { txId: string; position: string; events: unknown[]; markers: readonly string[] }[] = [];
  let open: MinedTransaction[] = [];
  for (const t of out) {
    if (t.continues) {
      open.push(t);
      continue;
    }
    assert.ok(open.every((p) => p.txId === t.txId), 'parts are followed by their own transaction\'s last part');
    whole.push({ txId: t.txId, position: t.position, events: [...open, t].flatMap((p) => p.events.map((e) => ({ ...e, position: t.position }))), markers: t.markers });
    open = [];
  }
  assert.deepEqual(open, [], 'no part is left without its last part');
  return whole;
}

test('a transaction larger than the capture keeps in memory is handed on in parts, with the same events and markers as when held whole', () => {
  const rows = redo();
  const held = mine(rows, SNAPSHOT);
  withSpill((open) => {
    const parted = mine(rows, SNAPSHOT, open());
    assert.deepEqual(joined(parted), joined(held));
    // What B is: 999 inserts (7's undone), 298 updates (299's and 300's undone), the marker in its last part.
    const b = joined(held).find((t) => t.txId === 'B')!;
    assert.equal(b.events.length, 999 + 298);
    assert.ok(b.events.some((e) => (e as { key: { id: string } }).key.id === '299' && (e as { op: string }).op === 'c'));
    assert.ok(!b.events.some((e) => (e as { key: { id: string } }).key.id === '7' && (e as { op: string }).op === 'c'));
    assert.deepEqual(b.markers, ['cutover_to_target']);
    assert.deepEqual(joined(held).map((t) => t.txId), ['S', 'B', 'T'], 'R rolled back');
    // Its parts: 250 events each; every part at the position before B's commit (S's), strictly
    // before B's own and at or after S's; the last part at B's own, with the marker.
    const parts = parted.filter((t) => t.txId === 'B');
    const s = parted.find((t) => t.txId === 'S')!;
    assert.deepEqual(parts.map((t) => [t.events.length, t.continues ?? false]), [[250, true], [250, true], [250, true], [250, true], [250, true], [47, false]]);
    for (const p of parts.slice(0, -1)) {
      assert.equal(p.position, s.position);
      assert.ok(p.position < parts.at(-1)!.position);
      assert.deepEqual(p.markers, []);
    }
    assert.equal(parts.at(-1)!.position, held.find((t) => t.txId === 'B')!.position);
    assert.deepEqual(parts.at(-1)!.markers, ['cutover_to_target']);
  });
});

test('an open transaction keeps at most the limit in memory; a rolled-back one and a handed-on one leave nothing in the file', () => {
  withSpill((open) => {
    const store = open();
    const a = new TransactionAssembler(SNAPSHOT, { store, inMemory: 100 });
    let most = 0;
    const committed: string[] = [];
    for (const r of redo()) {
      const tx = a.push(logMinerRowFromRecord(r));
      for (const t of a.openTransactions()) most = Math.max(most, t.inMemory);
      if (r.XID === 'R' && r.OPERATION_CODE === 36) assert.deepEqual([...store.chunks('R', 1000)], [], 'R\'s 300 spilled changes are forgotten with it');
      if (!tx) continue;
      committed.push(tx.xid);
      if (tx.xid === 'B') {
        assert.equal(tx.spilled!.count + tx.changes.length, 1000 + 1 + 300 - 3, 'every change but the three undone, marker included');
        assert.ok(tx.changes.length < 100);
        tx.spilled!.release();
        assert.deepEqual([...store.chunks('B', 1000)], []);
      }
    }
    assert.equal(most, 99, 'never 100 changes of one transaction in memory');
    assert.deepEqual(committed, ['S', 'B', 'T']);
  });
});

test('restarted from a checkpoint taken while the large transaction was open, the capture hands on its parts again, the same events', () => {
  const rows = redo();
  withSpill((open) => {
    const first = new MinedRowPipeline({ ...OPTIONS, spill: { store: open(), inMemory: 100 }, partEvents: 250 }, SNAPSHOT);
    const out: MinedTransaction[] = [];
    let checkpoint: string | undefined;
    for (const r of rows) {
      out.push(...first.push(r));
      // A mining window ends just after S committed (B open, with changes in the spill).
      if (r.XID === 'S' && r.OPERATION_CODE === 7) checkpoint = first.endWindow(BigInt(String(r.SCN)));
    }
    const resume = decodeOraclePosition(checkpoint!);
    assert.equal(resume.restartScn, 3_000_010n, 'mining restarts at B\'s start');
    const again = mine(rows.filter((r) => BigInt(String(r.SCN)) >= resume.restartScn), resume, open());
    assert.deepEqual(joined(again), joined(out).filter((t) => t.txId !== 'S'));
    assert.ok(again.filter((t) => t.continues).every((t) => t.position >= checkpoint!), 'a replayed part is not taken as already queued');
  });
});

test('a partial rollback of a spilled change that was never mined still fails the transaction, never emits it partially', () => {
  const rows = redo().filter((r) => !(r.XID === 'B' && r.OPERATION_CODE === 1 && r.ROW_ID === rid(7) && r.ROLLBACK === 0));
  withSpill((open) => {
    assert.throws(() => mine(rows, SNAPSHOT, open()), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_DATA' && /B .*partial rollback/.test(e.message));
  });
});

test('the spill file is created empty and removed when closed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-spill-'));
  try {
    const path = join(dir, 'x.sqlite');
    const a = openChangeSpill(path);
    a.append('X', [{ operationCode: 1, scn: 5n, owner: 'HR', table: 'EMP', rowId: null, sqlRedo: 'insert', info: null }]);
    // OPERATION goes through the file too: a spilled LOB_ERASE coded 29 is still refused by its name.
    a.append('X', [{ operationCode: 29, operation: 'LOB_ERASE', scn: 6n, owner: 'HR', table: 'EMP', rowId: null, sqlRedo: '', info: null }]);
    // And STATUS: a spilled change LogMiner could not rebuild is still refused.
    a.append('X', [{ operationCode: 3, scn: 7n, owner: 'HR', table: 'EMP', rowId: null, sqlRedo: 'update', info: 'Dictionary Version Mismatch', status: 2 }]);
    assert.deepEqual([...a.chunks('X', 10)].flat().map((c) => [c.operationCode, c.operation, c.status]), [[1, null, null], [29, 'LOB_ERASE', null], [3, null, 2]]);
    a.close();
    assert.equal(existsSync(path), false);
    const left = openChangeSpill(path);
    left.append('X', [{ operationCode: 1, scn: 5n, owner: 'HR', table: 'EMP', rowId: null, sqlRedo: 'insert', info: null }]);
    const again = openChangeSpill(path); // a restarted stream: what a crash left is not read
    assert.deepEqual([...again.chunks('X', 10)], []);
    assert.equal(again.removeLatest('X', 'HR', 'EMP', null, [1]), false);
    again.close();
    left.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
