import type { MarkerKind } from '../../core/change-event.js';
import { log } from '../../core/logger.js';
import type { DbConfig } from '../../core/db-config.js';
import type { PrerequisiteFinding, TableInfo, TableRef } from '../../core/engine/catalog.js';
import { type ChangeCapture, type ChangeCounts, type ChangeStream, type ChangeStreamLabels, type ChangeStreamNames, type OpenWriters, type StreamStart, type WriteHold, writeHold } from '../../core/engine/change-capture.js';
import type { SnapshotSession } from '../../core/engine/snapshot.js';
import { mysqlIdent, readMySqlCatalog } from './catalog.js';
import { BinlogCapture, currentBinlogPosition } from './capture/binlog-capture.js';
import { decodeBinlogPosition, encodeBinlogPosition, type BinlogPosition } from './capture/binlog-position.js';
import { binlogRetention } from './capture/binlog-retention.js';
import { MariaGtidState, MysqlGtidSet } from './capture/gtid-state.js';
import {
  countAllRowsSql, countStreamRowsSql, createMarkerTableSql, deleteStreamRowsSql, insertMarkerSql, isMissingMarkerTable, MARKER_TABLE, markerTableName,
  mysqlStreamId, STREAM_CREATED,
} from './capture/marker-table.js';
import { checkCapturePrerequisites } from './capture/prerequisites.js';
import { readOpenWriters } from './capture/open-transactions.js';
import { connectMySql, withMySql, type MySqlSession } from './connection.js';
import { accessDeniedErrno, currentAccount, METADATA_PRIVILEGES, privilegeError } from './privilege-errors.js';
import { binlogCaptureOptions, capturedTransaction, MySqlChangeStream, type StreamScope } from './mysql-change-stream.js';
import { captureFindings } from './mysql-prerequisite-findings.js';
import { lockTablesReadSql, openMySqlSnapshot, type MySqlSnapshotPosition } from './snapshot/consistent-snapshot.js';
import { DEFAULT_MYSQL_METADATA_DATABASE } from './writer/mysql-change-target.js';

/**
 * Change capture on a MySQL/MariaDB source from its binlog (`capture/`): nothing on the server holds
 * the changes for Tandem (the binlog does, on the server's own schedule); the stream's start is the
 * consistent snapshot's binlog position (`openMySqlSnapshot`); markers are rows of Tandem's marker
 * table in the metadata database (`capture/marker-table.ts`); writes after a marker are found by
 * reading the binlog from the marker's position to its current end. Positions:
 * `capture/binlog-position.ts`.
 */

/** `binlog.000003:1543` (and the GTID state where the server has one), as `SHOW MASTER STATUS` prints it. */
export function describeMySqlPosition(position: string): string {
  const p = decodeBinlogPosition(position);
  const gtid = position.split('|')[2] ?? '';
  const text = gtid.replace(/^(mariadb|mysql):/, '');
  return `binlog ${p.file}:${p.offset}${text !== '' ? ` (GTID ${text})` : ''}`;
}

/** The position text of a snapshot's binlog position (pure). */
export function snapshotStartPosition(p: MySqlSnapshotPosition): string {
  const decoded: BinlogPosition = {
    file: p.file,
    offset: p.offset,
    ...(p.gtid && {
      gtid: p.gtid.flavor === 'mariadb'
        ? { flavor: 'mariadb' as const, state: MariaGtidState.parse(p.gtid.text) }
        : { flavor: 'mysql' as const, set: MysqlGtidSet.parse(p.gtid.text) },
    }),
  };
  return encodeBinlogPosition(decoded);
}

/** How messages name the binlog stream of `streamId` (every field a complete phrase). */
export function mysqlStreamLabels(streamId: string, metadataDb: string): ChangeStreamLabels {
  const table = markerTableName(metadataDb);
  const deleteRows = `DELETE FROM ${table} WHERE stream_id = '${streamId}';`;
  return {
    stream: `binlog stream ${streamId}`,
    name: streamId,
    objects: `the marker rows of binlog stream ${streamId} (table ${metadataDb}.${MARKER_TABLE})`,
    brief: `binlog, markers of ${streamId} in ${metadataDb}.${MARKER_TABLE}`,
    changeLog: 'binlog',
    dropStream: `-- nothing holds binlogs for a binlog stream; ${deleteRows}`,
    dropAll: `${deleteRows} DROP TABLE ${table}; (the table only when no other migration uses it)`,
  };
}

/** The position's prefix that sorts in binlog order (file sequence and offset). */
function orderKey(position: string): string {
  return position.slice(0, 23);
}

export class MySqlChangeCapture implements ChangeCapture {
  readonly labels: ChangeStreamLabels;
  readonly changesAfterMiss = 'rows that foreign-key actions (ON DELETE/UPDATE CASCADE, SET NULL) changed in child tables are not in the binlog, so they are not counted here: compare the tables that reference these';
  readonly record: Readonly<Record<string, string>>;
  private readonly streamId: string;
  private readonly metadataDb = DEFAULT_MYSQL_METADATA_DATABASE;
  /** The migrated tables as `prepare` was given them (the snapshot locks and reads these). */
  private tables: readonly TableRef[] = [];

  constructor(private readonly db: DbConfig, names: ChangeStreamNames) {
    this.streamId = mysqlStreamId(names);
    this.labels = mysqlStreamLabels(this.streamId, this.metadataDb);
    this.record = { capture: 'binlog', stream: this.streamId, markerTable: `${this.metadataDb}.${MARKER_TABLE}` };
  }

  private scope(tables: readonly string[]): StreamScope {
    return { streamId: this.streamId, metadataDb: this.metadataDb, tables };
  }

  async checkPrerequisites(): Promise<PrerequisiteFinding[]> {
    const tables = await withMySql(this.db, async ({ connection, server }) => (await readMySqlCatalog(connection, server, this.db.database)).tables);
    const report = await checkCapturePrerequisites({
      source: this.db, tables: tables.map((t) => ({ database: this.db.database, table: t.name, primaryKey: t.primaryKey })),
    });
    return captureFindings(report.findings);
  }

  /**
   * Creates the metadata database and the marker table, removes rows an interrupted start left,
   * and writes the stream's `created` row, committed before the consistent point (so never read as a marker).
   */
  async prepare(tables: readonly TableRef[]): Promise<{ readonly droppedLeftover: boolean }> {
    this.tables = [...tables];
    return withMySql(this.db, async ({ connection }) => {
      try {
        return await this.prepareMarkers(connection);
      } catch (e) {
        // Checked at export data's start (capture/prerequisites.ts); the backstop for a grant revoked since.
        throw privilegeError(e, {
          doing: `Preparing the marker table ${this.metadataDb}.${MARKER_TABLE}`, database: this.metadataDb,
          account: await currentAccount(connection, this.db.user), privilegesFor: () => METADATA_PRIVILEGES,
          then: 'run export data again.',
        }) ?? e;
      }
    });
  }

  private async prepareMarkers(connection: MySqlSession['connection']): Promise<{ readonly droppedLeftover: boolean }> {
    // Only when missing: another migration's stream on this server reads the marker table, and DDL
    // on a table a stream reads stops that stream. (MySQL documents that it logs CREATE TABLE IF
    // NOT EXISTS even when the table exists; MariaDB 10.11 was seen not to.)
    const [present] = await connection.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [this.metadataDb, MARKER_TABLE]);
    if ((present as { t: string }[]).length === 0) for (const sql of createMarkerTableSql(this.metadataDb)) await connection.query(sql);
    const [deleted] = await connection.query(deleteStreamRowsSql(this.metadataDb), [this.streamId]);
    await connection.query(insertMarkerSql(this.metadataDb), [this.streamId, STREAM_CREATED]);
    return { droppedLeftover: Number((deleted as { affectedRows?: number }).affectedRows ?? 0) > 0 };
  }

  /** Readers at one consistent point (`openMySqlSnapshot`); the stream starts at its binlog position. */
  async createWithSnapshot(readers: number): Promise<StreamStart & { readonly snapshot: SnapshotSession }> {
    const asInfo: TableInfo[] = this.tables.map((t) => ({ schema: t.schema, name: t.name, columns: [], primaryKey: [], estimatedRows: 0, estimatedBytes: 0 }));
    const snapshot = await openMySqlSnapshot(this.db, asInfo, readers, { requirePosition: true });
    try {
      return { startPosition: snapshotStartPosition(snapshot.position!), snapshot };
    } catch (e) {
      await snapshot.close();
      throw e;
    }
  }

  async createWithoutSnapshot(): Promise<StreamStart> {
    const startPosition = await withMySql(this.db, ({ connection, server }) => currentBinlogPosition(connection, server.flavor));
    return { startPosition };
  }

  async exists(): Promise<boolean> {
    return withMySql(this.db, async ({ connection }) => {
      try {
        const [rows] = await connection.query(countStreamRowsSql(this.metadataDb), [this.streamId]);
        return Number((rows as { n: string | number }[])[0]?.n ?? 0) > 0;
      } catch (e) {
        if (isMissingMarkerTable(e)) return false;
        throw e;
      }
    });
  }

  open(from: string, tables: readonly TableInfo[], onWarning?: (message: string) => void): ChangeStream {
    return new MySqlChangeStream(this.db, from, this.scope(tables.map((t) => t.name)), onWarning);
  }

  /** A heartbeat needs no row: the capture passes quiet transactions on with their positions. A marker is a committed row. */
  async writeMarker(marker: MarkerKind | 'heartbeat'): Promise<void> {
    if (marker === 'heartbeat') return;
    await withMySql(this.db, async ({ connection }) => {
      await connection.query(insertMarkerSql(this.metadataDb), [this.streamId, marker]);
    });
  }

  /**
   * Reads the binlog from `position` (the marker's transaction) to its current end and counts the
   * row changes of `tables` committed after it. Without a position there is no marker to count from.
   */
  async changesAfter(position: string | undefined, tables: readonly TableRef[]): Promise<ChangeCounts> {
    const counts: ChangeCounts = new Map();
    if (position === undefined) return counts;
    const end = await withMySql(this.db, ({ connection, server }) => currentBinlogPosition(connection, server.flavor));
    if (orderKey(end) <= orderKey(position)) return counts;
    const options = await binlogCaptureOptions(this.db, this.scope(tables.map((t) => t.name)), 'look');
    const capture = BinlogCapture.start({ ...options, nonBlocking: true, idleProgressMs: 0, reconnectForMs: 0 }, position);
    for await (const tx of capture) {
      for (const e of capturedTransaction(tx, this.streamId).events) {
        const key = `${e.schema}.${e.table}`;
        let c = counts.get(key);
        if (!c) counts.set(key, (c = { inserts: 0, updates: 0, deletes: 0, truncates: 0 }));
        if (e.op === 'c') c.inserts++;
        else if (e.op === 'u') c.updates++;
        else if (e.op === 'd') c.deletes++;
        else if (e.op === 't') c.truncates++;
      }
    }
    return counts;
  }

  /**
   * `LOCK TABLES … READ` on the migrated tables that exist, from a session of its own until
   * released: a READ lock conflicts with every writer's (an INSERT, UPDATE, DELETE or TRUNCATE
   * waits for it, up to its own lock_wait_timeout), not with readers, the binlog reading of
   * `changesAfter` or the marker table (not locked). It waits at most `timeoutMs` for transactions
   * that have written to these tables and not ended. A commit that returned before the lock is in
   * the binlog (written at commit), so `changesAfter` reads it. Needs the LOCK TABLES privilege
   * (the export's prerequisites warn without it).
   */
  async holdWrites(tables: readonly TableRef[], timeoutMs: number): Promise<WriteHold> {
    const session = await connectMySql(this.db);
    const { connection } = session;
    try {
      await connection.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`);
      const names = tables.map((t) => t.name);
      if (names.length > 0) {
        const [rows] = await connection.query(
          "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
          [this.db.database, names]);
        const existing = (rows as { t: string }[]).map((r) => r.t);
        if (existing.length > 0) await connection.query(lockTablesReadSql(this.db.database, existing));
      }
    } catch (e) {
      await connection.end().catch(() => connection.destroy());
      // Said as the privilege and its GRANT (measured before: the server's "Access denied … to database" alone; the mysql-hostile run).
      if (accessDeniedErrno(e) !== undefined) throw new Error(`the user may not LOCK TABLES on ${this.db.database}: GRANT LOCK TABLES ON ${mysqlIdent(this.db.database)}.* TO '${this.db.user}'@'<host>';`, { cause: e });
      throw e;
    }
    return writeHold(async () => { await connection.query('UNLOCK TABLES'); }, async () => { await connection.end().catch(() => connection.destroy()); });
  }

  /** Transactions open on the server that have written (or locked) rows, XA ones left prepared included (`INNODB_TRX`). */
  async openWriters(): Promise<OpenWriters> {
    return withMySql(this.db, ({ connection }) => readOpenWriters(connection, this.db.user));
  }

  /** How long the migration may stop before the server purges the binlog (settings and `SHOW BINARY LOGS`); undefined when binlogs do not expire. */
  async retentionWarning(): Promise<string | undefined> {
    return withMySql(this.db, async ({ connection }) => {
      const [vars] = await connection.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days', 'max_binlog_total_size')");
      const v = new Map((vars as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), Number(r.Value)]));
      const [logs] = await connection.query('SHOW BINARY LOGS');
      const verdict = binlogRetention({
        ...(v.has('binlog_expire_logs_seconds') && { expireLogsSeconds: v.get('binlog_expire_logs_seconds')! }),
        ...(v.has('expire_logs_days') && { expireLogsDays: v.get('expire_logs_days')! }),
        ...(v.has('max_binlog_total_size') && { maxTotalSize: v.get('max_binlog_total_size')! }),
        binaryLogs: (logs as { Log_name: string; File_size: string | number }[]).map((l) => ({ name: l.Log_name, size: Number(l.File_size) })),
        now: Math.floor(Date.now() / 1000),
      });
      return verdict.severity === 'info' ? undefined : `${verdict.message} ${verdict.fix}`;
    });
  }

  describePosition(position: string): string {
    return describeMySqlPosition(position);
  }

  /**
   * Removes the stream's marker rows; when no stream has rows left, the marker table too. Resolves
   * true when the stream had rows. A user without DROP on the metadata database (the up-front check
   * asks for CREATE, SELECT, INSERT, UPDATE, DELETE only) keeps the empty table: the cutover that
   * ends the stream must not fail over it, and end migration, which drops the whole metadata
   * database, names the GRANT it needs.
   */
  async drop(): Promise<boolean> {
    return withMySql(this.db, async ({ connection }) => {
      let existed: boolean;
      try {
        const [deleted] = await connection.query(deleteStreamRowsSql(this.metadataDb), [this.streamId]);
        existed = Number((deleted as { affectedRows?: number }).affectedRows ?? 0) > 0;
      } catch (e) {
        if (isMissingMarkerTable(e)) return false;
        throw e;
      }
      const [rows] = await connection.query(countAllRowsSql(this.metadataDb));
      if (Number((rows as { n: string | number }[])[0]?.n ?? 0) === 0) {
        try {
          await connection.query(`DROP TABLE IF EXISTS ${markerTableName(this.metadataDb)}`);
        } catch (e) {
          if (accessDeniedErrno(e) === undefined) throw e;
          log.info(`the empty marker table ${markerTableName(this.metadataDb)} is kept: the user may not drop it (${(e as Error).message}); end migration removes it`);
        }
      }
      return existed;
    });
  }
}
