import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import type { RowChange } from './transaction-assembler.js';

/**
 * Where the changes of an open Oracle transaction go once it holds more than the assembler keeps in
 * memory (`TransactionAssembler`'s `inMemory` limit): LogMiner shows a transaction's changes before
 * it commits, so a batch job's million-row UPDATE would otherwise be held whole in the exporter's
 * memory until its COMMIT (or ROLLBACK) arrives.
 *
 * A scratch file: nothing in it outlives the stream. A restarted exporter mines again from the
 * oldest open transaction's start (the position's restart SCN) and rebuilds whatever was here, so
 * the file is created empty, written without a journal or fsync, and removed when the stream stops.
 */
export interface ChangeSpill {
  /** Appends changes of `xid` after its earlier spilled ones. */
  append(xid: string, changes: readonly RowChange[]): void;
  /**
   * Removes the latest spilled change of `xid` among `operations` to the row `rowId` of
   * `owner.table` (a partial rollback undoing it); false when there is none.
   */
  removeLatest(xid: string, owner: string, table: string, rowId: string | null, operations: readonly number[]): boolean;
  /** The spilled changes of `xid` in order, `size` at a time (read page by page: never all at once). */
  chunks(xid: string, size: number): Generator<RowChange[]>;
  /** Forgets `xid`'s spilled changes (its commit was handed on, or it rolled back). */
  drop(xid: string): void;
  /** Closes the store and removes its file. */
  close(): void;
}

interface SpillRow {
  seq: number;
  op: number;
  operation: string | null;
  scn: string;
  owner: string;
  tbl: string;
  row_id: string | null;
  sql_redo: string;
  info: string | null;
  status: number | null;
}

/** A `ChangeSpill` in a SQLite file at `path` (any file there is replaced). */
export function openChangeSpill(path: string): ChangeSpill {
  rmSync(path, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(`CREATE TABLE spill (seq INTEGER PRIMARY KEY, xid TEXT NOT NULL, op INTEGER NOT NULL, operation TEXT, scn TEXT NOT NULL,
               owner TEXT NOT NULL, tbl TEXT NOT NULL, row_id TEXT, sql_redo TEXT NOT NULL, info TEXT, status INTEGER);
             CREATE INDEX spill_row ON spill (xid, owner, tbl, row_id, seq);
             CREATE INDEX spill_xid ON spill (xid, seq);`);
  } catch (e) {
    db.close();
    throw e;
  }
  const insert = db.prepare('INSERT INTO spill (xid, op, operation, scn, owner, tbl, row_id, sql_redo, info, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const appendAll = db.transaction((xid: string, changes: readonly RowChange[]) => {
    for (const c of changes) insert.run(xid, c.operationCode, c.operation ?? null, c.scn.toString(), c.owner, c.table, c.rowId, c.sqlRedo, c.info, c.status ?? null);
  });
  const latest = db.prepare(`SELECT seq FROM spill WHERE xid = ? AND owner = ? AND tbl = ? AND row_id IS ?
                                AND op IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT 1`);
  const remove = db.prepare('DELETE FROM spill WHERE seq = ?');
  const page = db.prepare('SELECT seq, op, operation, scn, owner, tbl, row_id, sql_redo, info, status FROM spill WHERE xid = ? AND seq > ? ORDER BY seq LIMIT ?');
  const dropXid = db.prepare('DELETE FROM spill WHERE xid = ?');
  return {
    append(xid, changes) {
      appendAll(xid, changes);
    },
    removeLatest(xid, owner, table, rowId, operations) {
      const found = latest.get(xid, owner, table, rowId, JSON.stringify(operations)) as { seq: number } | undefined;
      if (found) remove.run(found.seq);
      return found !== undefined;
    },
    *chunks(xid, size) {
      let after = -1;
      for (;;) {
        const rows = page.all(xid, after, size) as SpillRow[];
        if (rows.length === 0) return;
        after = rows[rows.length - 1]!.seq;
        yield rows.map((r) => ({
          operationCode: r.op, operation: r.operation, scn: BigInt(r.scn), owner: r.owner, table: r.tbl, rowId: r.row_id, sqlRedo: r.sql_redo, info: r.info, status: r.status,
        }));
        if (rows.length < size) return;
      }
    },
    drop(xid) {
      dropXid.run(xid);
    },
    close() {
      db.close();
      rmSync(path, { force: true });
    },
  };
}
