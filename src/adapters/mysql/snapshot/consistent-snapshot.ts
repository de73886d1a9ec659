/**
 * Opening snapshot readers at one consistent point of a MySQL/MariaDB source, and the binlog position
 * of that point: the snapshot holds every change committed up to the position, the binlog after it
 * every later one. No gap, no overlap.
 *
 * How, in order of preference:
 * 1. **MariaDB, no lock.** Each reader runs `START TRANSACTION WITH CONSISTENT SNAPSHOT`; MariaDB
 *    reports the binlog position that snapshot corresponds to (`binlog_snapshot_file/position`,
 *    taken atomically with the snapshot under its commit ordering). Readers open their snapshots at
 *    the same moment; when all report the same position they all hold the same point (no commit
 *    came between them). On a busy server they may not: the attempt is repeated a few times, then:
 * 2. **A brief lock** while the readers open their snapshots: `LOCK TABLES <migrated tables> READ`
 *    from a coordinating session (privileges LOCK TABLES + SELECT: it waits only for transactions
 *    that wrote those tables and blocks only writes to them; other tables and long SELECTs go on),
 *    or, when LOCK TABLES is not granted, `FLUSH TABLES WITH READ LOCK` (privilege RELOAD: every
 *    write on the server waits, and it waits for running queries). While the lock is held no
 *    migrated table changes, so every reader's snapshot holds the same rows of them, and any binlog
 *    position inside the lock is the point: transactions committed in that window touch other
 *    tables only. Under FLUSH TABLES WITH READ LOCK nothing commits at all, so every MariaDB
 *    reader must report the same position, and that is checked. MySQL 8 has no
 *    `binlog_snapshot_*`: it always takes this path and reads `SHOW BINARY LOG STATUS` (8.2+) or
 *    `SHOW MASTER STATUS` under the lock.
 * 3. **MariaDB without either privilege:** one reader, no lock (slower, still exact).
 *
 * The session's `description` says which one ran and how long any lock was held.
 */
import type { TableInfo } from '../../../core/engine/catalog.js';
import type { SnapshotSession } from '../../../core/engine/snapshot.js';
import { TandemError } from '../../../core/errors.js';
import { readMySqlCatalog, mysqlIdent } from '../catalog.js';
import type { MySqlCatalog, MySqlTable } from '../catalog-types.js';
import { connectMySql, type MySqlDbConfig, type MySqlSession } from '../connection.js';
import { describeDb } from '../../../core/db-config.js';
import { MySqlSnapshotReader } from './mysql-snapshot-reader.js';
import { isAccessDenied } from '../privilege-errors.js';

/**
 * The binlog position of a snapshot: where the change stream starts (every event at or after it is
 * a change the snapshot does not hold). `offset` is where the next event begins. The capture's
 * position text (`capture/binlog-position.ts` on the binlog branch) is built from it:
 * `encodeBinlogPosition({ file, offset, gtid: gtid && (gtid.flavor === 'mariadb'
 *   ? { flavor, state: MariaGtidState.parse(gtid.text) } : { flavor, set: MysqlGtidSet.parse(gtid.text) }) })`.
 */
export interface MySqlSnapshotPosition {
  /** Binlog file name, e.g. `binlog.000002`. */
  readonly file: string;
  readonly offset: number;
  /**
   * The GTID state of the same point where the server has GTIDs: MariaDB's `BINLOG_GTID_POS(file,
   * offset)` (`0-1-57,1-2-9`, the `@@gtid_binlog_pos` form), MySQL's `gtid_executed` set.
   */
  readonly gtid?: { readonly flavor: 'mariadb' | 'mysql'; readonly text: string };
}

/** Which way the readers were put at one point. */
export type SnapshotMethod = 'consistent-snapshot' | 'lock-tables' | 'flush-tables-with-read-lock' | 'single-reader';

/** Readers at one consistent point of a MySQL source. */
export interface MySqlSnapshotSession extends SnapshotSession {
  readonly readers: readonly MySqlSnapshotReader[];
  /** The binlog position of the point; undefined when the server writes no binlog (offline exports only). */
  readonly position: MySqlSnapshotPosition | undefined;
  readonly method: SnapshotMethod;
  /** How long a lock was held (0 without one), and how long taking it waited. */
  readonly lockMillis: number;
  readonly lockWaitMillis: number;
  /** The catalog the readers were opened with (the chunks' tables). */
  readonly catalog: MySqlCatalog;
}

export interface OpenMySqlSnapshotOptions {
  /** The binlog position is needed (a live migration): refuse a server without a binlog. Default false. */
  readonly requirePosition?: boolean;
  /** MariaDB: attempts at a common point without a lock before locking. Default 3. */
  readonly lockFreeAttempts?: number;
  /** `always`: skip the lock-free attempts (MySQL always locks). Default `auto`. */
  readonly lock?: 'auto' | 'always';
  /** Seconds to wait for the lock before giving up (lock_wait_timeout). Default 60. */
  readonly lockWaitSeconds?: number;
  /** A catalog already read (else it is read here). */
  readonly catalog?: MySqlCatalog;
  /** For tests: runs before reader `reader` opens its snapshot in lock-free attempt `attempt`. */
  readonly beforeSnapshot?: (reader: number, attempt: number) => Promise<void>;
}

const ER_SPECIFIC_ACCESS_DENIED = 1227;
const ER_LOCK_WAIT_TIMEOUT = 1205;

function errnoOf(e: unknown): number | undefined {
  const n = (e as { errno?: unknown } | undefined)?.errno;
  return typeof n === 'number' ? n : undefined;
}

function isPrivilegeError(e: unknown): boolean {
  const n = errnoOf(e);
  return isAccessDenied(n) || n === ER_SPECIFIC_ACCESS_DENIED;
}

/** `file:offset` for messages. */
export function describePosition(p: MySqlSnapshotPosition | undefined): string {
  if (!p) return 'no binlog';
  return `binlog ${p.file}:${p.offset}${p.gtid && p.gtid.text !== '' ? ` (GTID ${p.gtid.text})` : ''}`;
}

/** Orders two positions of one server (file sequence, then offset). */
export function comparePositions(a: MySqlSnapshotPosition, b: MySqlSnapshotPosition): number {
  const seq = (f: string) => Number(/\.(\d+)$/.exec(f)?.[1] ?? 0);
  return seq(a.file) - seq(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.offset - b.offset;
}

/** MariaDB: the binlog position of the session's consistent snapshot ('' file when there is no binlog). */
async function snapshotBinlogPosition(s: MySqlSession): Promise<{ file: string; offset: number }> {
  const [rows] = await s.connection.query("SHOW SESSION STATUS LIKE 'binlog\\_snapshot\\_%'");
  const v = new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), String(r.Value ?? '')]));
  return { file: v.get('binlog_snapshot_file') ?? '', offset: Number(v.get('binlog_snapshot_position') ?? 0) };
}

async function startSnapshot(s: MySqlSession): Promise<void> {
  await s.connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}

/** MariaDB's GTID state at a binlog position ('' when the server has written no GTID yet). */
async function mariaGtidAt(s: MySqlSession, file: string, offset: number): Promise<string> {
  const [rows] = await s.connection.query('SELECT BINLOG_GTID_POS(?, ?) AS g', [file, offset]);
  return String((rows as { g: string | null }[])[0]?.g ?? '');
}

/** MySQL: the binlog end and gtid_executed now (under the lock). */
async function mysqlBinlogStatus(s: MySqlSession): Promise<MySqlSnapshotPosition | undefined> {
  const v = s.server;
  const sql = v.major > 8 || (v.major === 8 && v.minor >= 2) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
  const [rows] = await s.connection.query(sql);
  const r = (rows as Record<string, string | null>[])[0];
  if (!r || !r.File) return undefined;
  const gtid = String(r.Executed_Gtid_Set ?? '').replace(/\s+/g, '');
  return { file: String(r.File), offset: Number(r.Position), ...(gtid !== '' ? { gtid: { flavor: 'mysql' as const, text: gtid } } : {}) };
}

/** `LOCK TABLES` with a READ lock on each of `tables` (names) of `database`: blocks their writers, not their readers (pure). */
export function lockTablesReadSql(database: string, tables: readonly string[]): string {
  return `LOCK TABLES ${[...new Set(tables)].map((n) => `${mysqlIdent(database)}.${mysqlIdent(n)} READ`).join(', ')}`;
}

async function closeAll(sessions: readonly MySqlSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.connection.end().catch(() => s.connection.destroy())));
}

/**
 * Opens `jobs` readers at one consistent point of `config.database` for `tables` (their MySQL
 * names are `TableInfo.name`), and the binlog position of that point. The change capture calls this
 * to start its stream exactly where the snapshot ends.
 *
 * @example
 * const session = await openMySqlSnapshot(config, tables, 4, { requirePosition: true });
 * // session.position → { file: 'binlog.000002', offset: 1543, gtid: { flavor: 'mariadb', text: '0-1-57' } }
 */
export async function openMySqlSnapshot(config: MySqlDbConfig, tables: readonly TableInfo[], jobs: number, options: OpenMySqlSnapshotOptions = {}): Promise<MySqlSnapshotSession> {
  const readerCount = Math.max(1, Math.floor(jobs));
  const sessions: MySqlSession[] = [];
  try {
    for (let i = 0; i < readerCount; i++) sessions.push(await connectMySql(config));
    const first = sessions[0]!;
    const catalog = options.catalog ?? await readMySqlCatalog(first.connection, first.server, config.database);
    const byName = new Map(catalog.tables.map((t) => [t.name, t]));
    const missing = tables.filter((t) => !byName.has(t.name)).map((t) => t.name);
    if (missing.length) {
      throw new TandemError('TANDEM_UNKNOWN_TABLE', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a table of ${config.database}.`);
    }
    for (const s of sessions) {
      // A consistent snapshot exists only in REPEATABLE READ; no statement time limit for a long copy.
      await s.connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await s.connection.query(s.server.flavor === 'mariadb' ? 'SET SESSION max_statement_time = 0' : 'SET SESSION max_execution_time = 0');
    }
    const point = await putAtOnePoint(config, sessions, tables, options);
    if (point.readers < sessions.length) {
      await closeAll(sessions.splice(point.readers));
    }
    const position = point.position;
    if (options.requirePosition && !position) {
      throw new TandemError('TANDEM_PREREQUISITE', `The source ${config.database} writes no binlog, so changes after the snapshot cannot be streamed.`, {
        hint: 'Start the server with log_bin, binlog_format=ROW and binlog_row_image=FULL (and GTIDs if you can), then export again.',
      });
    }
    const readers = sessions.map((s) => new MySqlSnapshotReader(s, byName as ReadonlyMap<string, MySqlTable>, `the ${config.role} database ${describeDb(config)}`));
    const description = `${describePosition(position)}; ${point.how}`;
    return {
      readers, position, description, catalog,
      method: point.method, lockMillis: point.lockMillis, lockWaitMillis: point.lockWaitMillis,
      async close() {
        await Promise.all(readers.map((r) => r.close()));
      },
    };
  } catch (e) {
    await closeAll(sessions);
    throw e;
  }
}

interface OnePoint {
  readonly position: MySqlSnapshotPosition | undefined;
  readonly method: SnapshotMethod;
  /** The first `readers` sessions are at the point (the others are to be closed). */
  readonly readers: number;
  readonly lockMillis: number;
  readonly lockWaitMillis: number;
  /** For the description. */
  readonly how: string;
}

async function putAtOnePoint(config: MySqlDbConfig, sessions: MySqlSession[], tables: readonly TableInfo[], options: OpenMySqlSnapshotOptions): Promise<OnePoint> {
  const mariadb = sessions[0]!.server.flavor === 'mariadb';
  const n = sessions.length;
  const readersText = `${n} reader${n === 1 ? '' : 's'}`;
  if (mariadb && options.lock !== 'always') {
    const attempts = Math.max(1, options.lockFreeAttempts ?? 3);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const positions = await Promise.all(sessions.map(async (s, i) => {
        await options.beforeSnapshot?.(i, attempt);
        await startSnapshot(s);
        return snapshotBinlogPosition(s);
      }));
      const p0 = positions[0]!;
      const noBinlog = p0.file === '';
      if (n === 1 || (!noBinlog && positions.every((p) => p.file === p0.file && p.offset === p0.offset))) {
        const position = noBinlog ? undefined : await mariaPosition(sessions[0]!, p0);
        return { position, method: 'consistent-snapshot', readers: n, lockMillis: 0, lockWaitMillis: 0,
          how: `${readersText} at one consistent snapshot, no lock (MariaDB${attempt > 0 ? `, attempt ${attempt + 1}` : ''})` };
      }
      await Promise.all(sessions.map((s) => s.connection.query('ROLLBACK')));
      if (noBinlog) break; // nothing to compare: only a lock puts several readers at one point
    }
  }
  return lockedPoint(config, sessions, tables, options);
}

async function mariaPosition(s: MySqlSession, p: { file: string; offset: number }): Promise<MySqlSnapshotPosition> {
  const gtid = await mariaGtidAt(s, p.file, p.offset);
  return { file: p.file, offset: p.offset, gtid: { flavor: 'mariadb', text: gtid } };
}

/** Path 2 (and 3): readers open their snapshots under a brief lock. */
async function lockedPoint(config: MySqlDbConfig, sessions: MySqlSession[], tables: readonly TableInfo[], options: OpenMySqlSnapshotOptions): Promise<OnePoint> {
  const mariadb = sessions[0]!.server.flavor === 'mariadb';
  const coordinator = await connectMySql(config);
  try {
    await coordinator.connection.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.floor(options.lockWaitSeconds ?? 60))}`);
    let method: SnapshotMethod;
    const t0 = Date.now();
    try {
      await coordinator.connection.query(lockTablesReadSql(config.database, tables.map((t) => t.name)));
      method = 'lock-tables';
    } catch (e) {
      if (errnoOf(e) === ER_LOCK_WAIT_TIMEOUT) throw lockTimeout(config, e, 'LOCK TABLES … READ');
      if (!isPrivilegeError(e)) throw e;
      try {
        await coordinator.connection.query('FLUSH TABLES WITH READ LOCK');
        method = 'flush-tables-with-read-lock';
      } catch (e2) {
        if (errnoOf(e2) === ER_LOCK_WAIT_TIMEOUT) throw lockTimeout(config, e2, 'FLUSH TABLES WITH READ LOCK');
        if (!isPrivilegeError(e2)) throw e2;
        if (mariadb) return singleReader(sessions);
        throw new TandemError('TANDEM_PRIVILEGE', `User "${config.user}" may neither LOCK TABLES nor FLUSH TABLES WITH READ LOCK on the source: MySQL needs one of them for a moment to put the snapshot at one binlog position.`, {
          hint: `GRANT LOCK TABLES ON \`${config.database}\`.* TO '${config.user}'@'<host>'; (preferred: it blocks only writes to the migrated tables) or GRANT RELOAD ON *.* TO '${config.user}'@'<host>';`,
          cause: e2,
        });
      }
    }
    const locked = Date.now();
    let position: MySqlSnapshotPosition | undefined;
    try {
      const positions = await Promise.all(sessions.map(async (s) => {
        await startSnapshot(s);
        return mariadb ? snapshotBinlogPosition(s) : undefined;
      }));
      if (mariadb) {
        const found = positions.filter((p): p is { file: string; offset: number } => !!p && p.file !== '');
        if (found.length > 0) {
          const sorted = [...found].sort(comparePositions);
          const p = sorted[0]!;
          if (method === 'flush-tables-with-read-lock' && comparePositions(p, sorted[sorted.length - 1]!) !== 0) {
            throw new Error(`internal: under FLUSH TABLES WITH READ LOCK the readers report different binlog positions (${found.map((x) => `${x.file}:${x.offset}`).join(', ')})`);
          }
          position = await mariaPosition(coordinator, p);
        }
      } else {
        position = await mysqlBinlogStatus(coordinator);
      }
    } finally {
      await coordinator.connection.query('UNLOCK TABLES');
    }
    const lockMillis = Date.now() - locked;
    const what = method === 'lock-tables' ? `LOCK TABLES … READ on ${tables.length} table${tables.length === 1 ? '' : 's'}` : 'FLUSH TABLES WITH READ LOCK';
    const n = sessions.length;
    return {
      position, method, readers: n, lockMillis, lockWaitMillis: locked - t0,
      how: `${n} reader${n === 1 ? '' : 's'} opened their snapshots under ${what}, held ${lockMillis} ms (waited ${locked - t0} ms for it)`,
    };
  } finally {
    await coordinator.connection.end().catch(() => coordinator.connection.destroy());
  }
}

/** MariaDB without LOCK TABLES or RELOAD: one reader needs no lock. */
async function singleReader(sessions: MySqlSession[]): Promise<OnePoint> {
  const s = sessions[0]!;
  await startSnapshot(s);
  const p = await snapshotBinlogPosition(s);
  const position = p.file === '' ? undefined : await mariaPosition(s, p);
  return {
    position, method: 'single-reader', readers: 1, lockMillis: 0, lockWaitMillis: 0,
    how: `1 reader at a consistent snapshot, no lock (MariaDB; ${sessions.length} asked for, but several readers need LOCK TABLES or RELOAD to share one point)`,
  };
}

function lockTimeout(config: MySqlDbConfig, cause: unknown, what: string): TandemError {
  return new TandemError('TANDEM_PREREQUISITE', `The snapshot could not take ${what} on ${config.database} within the wait limit: a long transaction holds the migrated tables.`, {
    hint: 'Find it in SHOW PROCESSLIST / information_schema.INNODB_TRX and let it finish (or end it), then export again.',
    cause,
  });
}
