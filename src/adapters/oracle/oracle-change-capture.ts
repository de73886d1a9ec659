import type { MarkerKind } from '../../core/change-event.js';
import type { DbConfig } from '../../core/db-config.js';
import type { PrerequisiteFinding, TableInfo, TableRef } from '../../core/engine/catalog.js';
import { type ChangeCapture, type ChangeCounts, type ChangeStream, type ChangeStreamLabels, type ChangeStreamNames, type OpenWriters, type StreamStart, type WriteHold, writeHold } from '../../core/engine/change-capture.js';
import type { SnapshotSession } from '../../core/engine/snapshot.js';
import type { OracleSession } from './connection.js';
import { LogMinerCapture, readSnapshotStart } from './capture/logminer-capture.js';
import { createFlushTableSql, CURRENT_SCN_SQL, describeOpenTransaction, FLUSH_TABLE, lockTablesInShareModeSql, OPEN_TRANSACTIONS_SQL } from './capture/logminer-sql.js';
import {
  COUNT_ALL_ROWS_SQL, COUNT_STREAM_ROWS_SQL, CREATE_MARKER_TABLE_SQL, DELETE_STREAM_ROWS_SQL, dropOwnTableSql, INSERT_MARKER_SQL, MARKER_TABLE, STREAM_CREATED,
} from './capture/marker-table.js';
import { AFTER_ALL, decodeOraclePosition, encodeOraclePosition } from './capture/oracle-position.js';
import { oracleSchemaOf } from './oracle-config.js';
import { isOracleMissingTable } from './oracle-errors.js';
import { readOracleTables } from './oracle-catalog.js';
import { exportFindings } from './oracle-prerequisite-findings.js';
import { objectNumbersOf, tableLookupOf, OracleChangeStream } from './oracle-change-stream.js';
import { toOracleTableInfo, TARGET_NAMES } from './oracle-names.js';
import { CURRENT_USER_SQL, openDataSession, openMiningSession, withDataSession } from './oracle-sessions.js';
import { openSnapshotReaders } from './oracle-snapshot-source.js';
import { checkOraclePrerequisites } from './prerequisites.js';

/**
 * Change capture on an Oracle source with LogMiner (`capture/`): no object on the server holds the
 * changes (redo does, on Oracle's own schedule); the stream's start is the snapshot's SCN (read with
 * the oldest open transaction, so a transaction that began before it and commits after it is mined
 * whole); markers are rows of Tandem's marker table; writes after a marker are found by mining from
 * the marker's position. Positions: `capture/oracle-position.ts`.
 *
 * NOT RUN AGAINST A LIVE ORACLE. The names, labels, stream id and position text below are pure and
 * tested; the SQL is tested text.
 */

/** The stream id of one side of a migration (the marker table's STREAM_ID): `tandem_<id>` / `tandem_fb_<id>`. */
export function oracleStreamId(names: ChangeStreamNames): string {
  const id = names.id.replace(/-/g, '').slice(0, 20);
  return names.side === 'source' ? `tandem_${id}` : `tandem_fb_${id}`;
}

/** A position as a DBA reads it: `SCN 48812233` (a checkpoint or the snapshot) or `SCN 48812233 (commit 2 at that SCN)`. */
export function describeOraclePosition(position: string): string {
  const p = decodeOraclePosition(position);
  return p.ordinal === AFTER_ALL ? `SCN ${p.commitScn}` : `SCN ${p.commitScn} (commit ${p.ordinal + 1} at that SCN)`;
}

/** How messages name the Oracle stream (every field a complete phrase). */
export function oracleStreamLabels(streamId: string): ChangeStreamLabels {
  const deleteRows = `DELETE FROM ${MARKER_TABLE} WHERE STREAM_ID = '${streamId}'; COMMIT;`;
  return {
    stream: `LogMiner stream ${streamId}`,
    name: streamId,
    objects: `the marker rows of LogMiner stream ${streamId} (table ${MARKER_TABLE} of the migration user)`,
    brief: `LogMiner, markers of ${streamId} in ${MARKER_TABLE}`,
    changeLog: 'redo log',
    dropStream: `-- nothing holds redo for a LogMiner stream; as the migration user: ${deleteRows}`,
    dropAll: `-- as the migration user: ${deleteRows} DROP TABLE ${MARKER_TABLE} PURGE; DROP TABLE ${FLUSH_TABLE} PURGE; (the tables only when no other migration uses them)`,
  };
}

export class OracleChangeCapture implements ChangeCapture {
  readonly labels: ChangeStreamLabels;
  readonly record: Readonly<Record<string, string>>;
  private readonly streamId: string;
  private readonly spillDir: string | undefined;

  constructor(private readonly db: DbConfig, names: ChangeStreamNames) {
    this.streamId = oracleStreamId(names);
    this.spillDir = names.spillDir;
    this.labels = oracleStreamLabels(this.streamId);
    this.record = { capture: 'logminer', stream: this.streamId, markerTable: MARKER_TABLE };
  }

  async checkPrerequisites(): Promise<PrerequisiteFinding[]> {
    return withDataSession(this.db, async (s) => {
      const user = String((await s.query(CURRENT_USER_SQL))[0]!.USERNAME);
      const schema = oracleSchemaOf(this.db);
      const tables = (await readOracleTables(s, schema)).map((t) => t.name);
      return exportFindings(await checkOraclePrerequisites(s, { schema, user, live: true, fallBack: false, tables }), true);
    });
  }

  /**
   * Creates the marker table (and LogMiner's flush table in the mining session's schema) and the
   * stream's `created` row, committed before the consistent point (so never mined). Rows a previous,
   * interrupted start left are removed first.
   */
  async prepare(_tables: readonly TableRef[]): Promise<{ readonly droppedLeftover: boolean }> {
    const data = await openDataSession(this.db);
    try {
      const mining = await openMiningSession(this.db, data);
      try {
        await mining.session.execute(createFlushTableSql());
      } finally {
        if (!mining.shared) await mining.session.close();
      }
      await data.execute(CREATE_MARKER_TABLE_SQL);
      const leftover = await data.execute(DELETE_STREAM_ROWS_SQL, { streamId: this.streamId });
      await data.execute(INSERT_MARKER_SQL, { streamId: this.streamId, kind: STREAM_CREATED });
      await data.commit();
      return { droppedLeftover: leftover > 0 };
    } finally {
      await data.close();
    }
  }

  /**
   * Reads the snapshot SCN and where mining must start (`readSnapshotStart`: CURRENT_SCN, the oldest
   * open transaction, CURRENT_SCN again), then opens `readers` readers AS OF that SCN: every commit
   * at or before it is in the snapshot, every later one in the stream.
   */
  async createWithSnapshot(readers: number): Promise<StreamStart & { readonly snapshot: SnapshotSession }> {
    const start = await withDataSession(this.db, (s) => readSnapshotStart(s));
    const snapshot = await openSnapshotReaders(this.db, start.commitScn.toString(), readers);
    return { startPosition: encodeOraclePosition(start), snapshot };
  }

  async createWithoutSnapshot(): Promise<StreamStart> {
    const start = await withDataSession(this.db, (s) => readSnapshotStart(s));
    return { startPosition: encodeOraclePosition(start) };
  }

  async exists(): Promise<boolean> {
    return withDataSession(this.db, async (s) => {
      try {
        return Number((await s.query(COUNT_STREAM_ROWS_SQL, { streamId: this.streamId }))[0]?.N ?? 0) > 0;
      } catch (e) {
        if (isOracleMissingTable(e)) return false; // the marker table is gone
        throw e;
      }
    });
  }

  open(from: string, tables: readonly TableInfo[], onWarning?: (message: string) => void): ChangeStream {
    return new OracleChangeStream(this.db, { from, tables, streamId: this.streamId, ...(this.spillDir ? { spillDir: this.spillDir } : {}), ...(onWarning ? { onWarning } : {}) });
  }

  /** A heartbeat needs no row: the capture's checkpoints move the position. A marker is a committed row. */
  async writeMarker(marker: MarkerKind | 'heartbeat'): Promise<void> {
    if (marker === 'heartbeat') return;
    await withDataSession(this.db, async (s) => {
      await s.execute(INSERT_MARKER_SQL, { streamId: this.streamId, kind: marker });
      await s.commit();
    });
  }

  /**
   * Mines from `position` (the marker's transaction) to the current SCN and counts the row changes
   * of the migrated tables committed after it. Without a position there is no marker to count
   * from: nothing is counted.
   */
  async changesAfter(position: string | undefined, _tables: readonly TableRef[]): Promise<ChangeCounts> {
    const counts: ChangeCounts = new Map();
    if (position === undefined) return counts;
    const data = await openDataSession(this.db);
    let mining: { session: OracleSession; shared: boolean } | undefined;
    try {
      const schema = oracleSchemaOf(this.db);
      const tables = tableLookupOf((await readOracleTables(data, schema)).map((t) => toOracleTableInfo(t)));
      // Rows LogMiner cannot name count too (they stop the count with the reason, as in the stream).
      const unnamedObjects = await objectNumbersOf(data, schema, tables);
      const m = await openMiningSession(this.db, data);
      mining = m;
      const until = BigInt(String((await m.session.query(CURRENT_SCN_SQL))[0]!.SCN));
      const capture = new LogMinerCapture(m.session, {
        owner: schema, unnamedObjects, ...(m.target.pdb ? { pdb: m.target.pdb } : {}), tables, names: TARGET_NAMES,
      }, decodeOraclePosition(position));
      await capture.run(async (tx) => {
        for (const e of tx.events) {
          const key = `${e.schema}.${e.table}`;
          let c = counts.get(key);
          if (!c) counts.set(key, (c = { inserts: 0, updates: 0, deletes: 0, truncates: 0 }));
          if (e.op === 'c') c.inserts++;
          else if (e.op === 'u') c.updates++;
          else if (e.op === 'd') c.deletes++;
          else if (e.op === 't') c.truncates++;
        }
      }, async () => {}, new AbortController().signal, until);
      return counts;
    } finally {
      if (mining && !mining.shared) await mining.session.close();
      await data.close();
    }
  }

  /** The transactions open on the database (`OPEN_TRANSACTIONS_SQL`; every Oracle transaction has written or locked rows). NOT RUN AGAINST A LIVE ORACLE. */
  async openWriters(): Promise<OpenWriters> {
    return withDataSession(this.db, async (s) => ({ open: (await s.query(OPEN_TRANSACTIONS_SQL)).map((r) => describeOpenTransaction(r as Parameters<typeof describeOpenTransaction>[0])) }));
  }

  /**
   * `LOCK TABLE … IN SHARE MODE WAIT n` on the migrated tables that exist, in a transaction of a
   * session of its own, rolled back at release (`lockTablesInShareModeSql`). The tables are matched
   * by the names the workflow gives them (the target's) and locked by their Oracle names. A commit
   * that returned before the lock is in the redo, which `changesAfter` mines to the current SCN.
   * NOT RUN AGAINST A LIVE ORACLE.
   */
  async holdWrites(tables: readonly TableRef[], timeoutMs: number): Promise<WriteHold> {
    const data = await openDataSession(this.db);
    try {
      const schema = oracleSchemaOf(this.db);
      const wanted = new Set(tables.map((t) => t.name));
      const names = (await readOracleTables(data, schema)).filter((t) => wanted.has(toOracleTableInfo(t).name)).map((t) => t.name);
      if (names.length > 0) await data.execute(lockTablesInShareModeSql(schema, names, timeoutMs / 1000));
    } catch (e) {
      await data.close().catch(() => {});
      throw e;
    }
    return writeHold(async () => { await data.rollback(); }, async () => { await data.close().catch(() => {}); });
  }

  /** Oracle removes archived redo on its own schedule (RMAN, RDS retention): nothing Tandem can read says how close that is. */
  async retentionWarning(): Promise<string | undefined> {
    return undefined;
  }

  describePosition(position: string): string {
    return describeOraclePosition(position);
  }

  /**
   * Removes the stream's marker rows; when no stream has rows left, the marker and flush tables too.
   * Resolves true when the stream had rows.
   */
  async drop(): Promise<boolean> {
    const data = await openDataSession(this.db);
    try {
      let existed: boolean;
      try {
        existed = (await data.execute(DELETE_STREAM_ROWS_SQL, { streamId: this.streamId })) > 0;
        await data.commit();
      } catch (e) {
        if (isOracleMissingTable(e)) return false; // no marker table: nothing was ever created
        throw e;
      }
      if (Number((await data.query(COUNT_ALL_ROWS_SQL))[0]?.N ?? 0) === 0) {
        await data.execute(dropOwnTableSql(MARKER_TABLE));
        const mining = await openMiningSession(this.db, data);
        try {
          await mining.session.execute(dropOwnTableSql(FLUSH_TABLE));
        } finally {
          if (!mining.shared) await mining.session.close();
        }
      }
      return existed;
    } finally {
      await data.close();
    }
  }
}
