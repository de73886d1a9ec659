/**
 * `import data to source` into MySQL/MariaDB: the `ChangeTarget` the dispatcher drives, one
 * connection per channel. Each batch is ONE MySQL transaction: its statements (`writer-sql.ts`)
 * and the spec's progress rows in the `ybvoyager_metadata` database, committed together; events at
 * or below the channel's last_applied_vsn are skipped, so re-sending a batch after a crash or a lost
 * connection changes nothing.
 *
 * Sessions: the pinned settings of every Tandem connection (UTC, strict sql_mode, utf8mb4), plus
 * ALLOW_INVALID_DATES (see `openChannel`) and `foreign_key_checks = 0` (rows arrive in their channel's order, not the application's; MySQL then
 * also skips cascades, whose effects arrive as events of their own) and READ COMMITTED (no gap
 * locks between channels). MySQL has no session switch for triggers: they fire for these writes,
 * which is why the workflow refuses a fall-back while the source has triggers on migrated tables
 * (`triggers.ts`).
 */
import type { Connection } from 'mysql2/promise';
import type { ChangeEvent } from '../../../core/change-event.js';
import type { ChangeTarget, ChannelProgress, UniqueKeyInfo } from '../../../core/change-target.js';
import type { ChangeWriterOptions } from '../../../core/engine/engine.js';
import { TandemError } from '../../../core/errors.js';
import { ActingWhileWriting } from '../../../core/engine/write-guard.js';
import { readTriggers, triggerBlockers, type MySqlTriggerState } from './triggers.js';
import { MySqlLockWaitWatch } from './lock-wait-watch.js';
import { rowsNotFoundError } from '../../../core/apply/rows-not-found.js';
import { describeDb } from '../../../core/db-config.js';
import { failpoint } from '../../../core/failpoint.js';
import { log } from '../../../core/logger.js';
import { planBatch, writtenTables, type AppliedTable, type PlannedStatement } from '../../../core/apply/batch-plan.js';
import { readMySqlCatalog } from '../catalog.js';
import type { MySqlCatalog, MySqlTable } from '../catalog-types.js';
import { connectMySql, type MySqlDbConfig } from '../connection.js';
import { currentAccount, METADATA_PRIVILEGES, privilegeError } from '../privilege-errors.js';
import { valueTypeOf } from '../schema/type-map.js';
import type { MySqlValueType } from '../values/value-type.js';
import type { MySqlFlavor } from '../server-version.js';
import { applyErrorHint, CHECK_FAILED_MARIADB, STRING_TYPES } from './apply-error-hints.js';
import {
  describeStatement, ensureChannelsSql, ER_SUBQUERY_NO_1_ROW, metadataDdl, noTriggerSql, progressStatements, readChannelsSql, truncateSql, truncatedRowsSql,
  writeStatements, type WriterTable, type WriteStatement,
} from './writer-sql.js';

/** The metadata database on MySQL unless told otherwise. */
export const DEFAULT_MYSQL_METADATA_DATABASE = 'ybvoyager_metadata';

import { ConnectionOutage, type LostConnection } from '../../../core/reconnect-budget.js';
/** ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME, ER_DUP_KEY. */
const UNIQUE_VIOLATIONS = new Set([1062, 1586, 1022]);
/** ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_CHECKREAD (MariaDB: record changed since last read). */
const TRANSIENT_CONFLICTS = new Set([1213, 1205, 1020]);

/** The errno of an error or of the errors it wraps (`cause`), outermost first. */
export function mysqlErrnosOf(error: unknown): number[] {
  const out: number[] = [];
  for (let e = error as { errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.errno === 'number') out.push(e.errno);
  }
  return out;
}

/** Options of `MySqlChangeTarget`: the common ones (`metadataSchema` names the metadata database). */
export type MySqlChangeTargetOptions = ChangeWriterOptions;

/** innodb_lock_wait_timeout at MariaDB's largest value (3 years; MySQL takes it too), for the writer's sessions. */
const LOCK_WAIT_FOREVER_S = 100_000_000;

/** MySQL's error for a packet over max_allowed_packet. */
const ER_NET_PACKET_TOO_LARGE = 1153;

/** A statement found too large for the source's max_allowed_packet before it was sent. */
class PacketTooLarge extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`statement of ${bytes} bytes over max_allowed_packet ${limit}`);
  }
}

/**
 * @example
 * const target = new MySqlChangeTarget(sourceConfig, { tables, onWarning: (m) => reporter.warn(m) });
 * const progress = await target.prepare(migrationUuid, 4);
 */
export class MySqlChangeTarget implements ChangeTarget {
  private readonly metadataDb: string;
  private connections: Connection[] = [];
  private lastApplied: number[] = [];
  private migrationUuid = '';
  private uniques: UniqueKeyInfo[] = [];
  private applied = new Map<string, AppliedTable>();
  private writers = new Map<string, WriterTable>();
  /** Each migrated table as the source's catalog has it (for the hint of a refused write), by event key. */
  private sourceTables = new Map<string, MySqlTable>();
  private flavor: MySqlFlavor | undefined;
  private maxStatementBytes = 4 << 20;
  /** The source's max_allowed_packet when the writer prepared (undefined before). */
  private maxPacketBytes: number | undefined;
  /** The account for a GRANT in an access-denied error (read in `prepare`). */
  private account = '';
  /** The database's outages, shared by the channels. */
  private readonly outage: ConnectionOutage;
  private readonly lockWait: MySqlLockWaitWatch;
  /** The connections whose batch runs now (for `cancel`). */
  private readonly running = new Set<Connection>();
  /** `cancel` was called: a failed batch is neither retried nor replayed. */
  private cancelled = false;

  constructor(private readonly config: MySqlDbConfig, private readonly options: MySqlChangeTargetOptions) {
    this.metadataDb = options.metadataSchema ?? DEFAULT_MYSQL_METADATA_DATABASE;
    const warn = options.onWarning ?? ((m) => process.emitWarning(m));
    const notice = options.onNotice ?? ((m) => log.info(m));
    this.outage = new ConnectionOutage(config.role, describeDb(config), warn, notice);
    this.lockWait = new MySqlLockWaitWatch(config, () => this.flavor, () => this.account, warn, notice, options.lockWaitLookMs ?? 10_000);
  }

  async prepare(migrationUuid: string, channels: number): Promise<ChannelProgress[]> {
    if (!Number.isInteger(channels) || channels < 1) throw new TandemError('TANDEM_USAGE', `The channel count must be a positive integer (got ${channels}).`);
    if (!/^[0-9a-f-]{36}$/i.test(migrationUuid)) throw new TandemError('TANDEM_USAGE', `"${migrationUuid}" is not a migration uuid.`);
    await this.close();
    this.migrationUuid = migrationUuid;
    const admin = await connectMySql(this.config);
    let progress: ChannelProgress[];
    try {
      // Everything that can refuse is checked before the metadata database is created.
      this.loadTables(await readMySqlCatalog(admin.connection, admin.server, this.config.database));
      this.account = await currentAccount(admin.connection, this.config.user);
      try {
        for (const sql of metadataDdl(this.metadataDb)) await admin.connection.query(sql);
      } catch (e) {
        throw this.privilegeError(e, `Creating the metadata tables in ${this.metadataDb}`) ?? e;
      }
      const existing = await this.readProgress(admin.connection);
      if (existing.length > 0 && existing.length !== channels) {
        // Rows were hashed to channels by the old count; another count would break exactly-once.
        throw new TandemError('TANDEM_EXPORT_DIR', `This migration applied changes with ${existing.length} channels; it must keep that number (asked for ${channels}).`);
      }
      await admin.connection.query(ensureChannelsSql(this.metadataDb, migrationUuid, channels));
      progress = await this.readProgress(admin.connection);
      const [rows] = await admin.connection.query('SELECT @@max_allowed_packet AS m');
      const packet = Number((rows as { m: string }[])[0]!.m);
      this.maxStatementBytes = Math.max(64 << 10, Math.min(16 << 20, Math.floor(packet / 4)));
      this.maxPacketBytes = packet;
    } finally {
      await admin.connection.end().catch(() => admin.connection.destroy());
    }
    this.lastApplied = progress.map((p) => p.lastAppliedVsn);
    this.connections = await Promise.all(progress.map(() => this.openChannel()));
    return progress;
  }

  uniqueKeys(): readonly UniqueKeyInfo[] {
    return this.uniques;
  }

  async applyBatch(channelNo: number, events: readonly ChangeEvent[], lost?: LostConnection): Promise<void> {
    const connection = this.connections[channelNo];
    if (!connection) throw new Error(`internal: channel ${channelNo} is not prepared`);
    const done = this.lastApplied[channelNo]!;
    // Events are in vsn order: skip the prefix a previous run already committed.
    let from = 0;
    while (from < events.length && events[from]!.vsn <= done) from++;
    if (from === events.length) return;
    const todo = from === 0 ? events : events.slice(from);
    const plan = planBatch(todo, (e) => this.appliedTable(e));
    const lastVsn = todo[todo.length - 1]!.vsn;
    // The planned statements whose SQL is in the packet being sent (for the error message).
    let current: PlannedStatement[] = [];
    const unwatch = this.lockWait.watch(connection);
    this.running.add(connection);
    let committed = false;
    try {
      let pending: string[] = ['START TRANSACTION'];
      // What each statement of `pending` must find (UPDATE and DELETE), by its index.
      let checks = new Map<number, { s: PlannedStatement; w: WriteStatement }>();
      let bytes = 0;
      const flush = async () => {
        const results = await this.send(connection, pending);
        this.checkFound(results, checks);
        pending = [];
        checks = new Map();
        bytes = 0;
        current = [];
      };
      for (const s of plan.statements) {
        if (s.kind === 'truncate') {
          await flush();
          current = [s];
          for (const t of s.tables) {
            const w = this.writers.get(`${t.schema}.${t.name}`)!;
            const [r] = await connection.query(truncateSql(w));
            pending.push(truncatedRowsSql(this.metadataDb, this.migrationUuid, w.key, s.vsns.first, (r as { affectedRows: number }).affectedRows));
          }
          continue;
        }
        const w = this.writers.get(`${s.table.schema}.${s.table.name}`)!;
        current.push(s);
        for (const ws of writeStatements(s, w, this.maxStatementBytes)) {
          if (ws.mustFind !== undefined) checks.set(pending.length, { s, w: ws });
          pending.push(ws.sql);
          bytes += ws.sql.length;
          if (bytes > this.maxStatementBytes) {
            await flush();
            current = [s];
          }
        }
      }
      pending.push(...progressStatements(this.metadataDb, this.migrationUuid, channelNo, lastVsn, plan));
      // A batch larger than one packet has its first statements applied in the open transaction by now.
      failpoint('mysql.fallback-before-commit');
      // COMMIT only once every UPDATE and DELETE found its rows (one more round trip when there are any).
      if (checks.size > 0) await flush();
      pending.push(noTriggerSql(this.config.database, writtenNames(plan, this.writers)));
      pending.push('COMMIT');
      await this.send(connection, pending);
      committed = true;
    } catch (e) {
      const alive = await connection.query('ROLLBACK').then(() => true, () => false);
      // Cancelled for a stop (`cancel`): rolled back, neither retried nor replayed.
      if (this.cancelled) throw e;
      if (!alive && !(e instanceof TandemError) && !(e instanceof PacketTooLarge) && (e as { errno?: number }).errno !== ER_NET_PACKET_TOO_LARGE) {
        // The connection was cut (server restart, failover, KILL, network): reconnect and retry for
        // as long as the budget allows. The batch may have committed just before the cut, so the
        // channel's progress is read again and the committed prefix skipped: still exactly once.
        const next = await this.outage.retry(`channel ${channelNo}`, lost, (e as { code?: string }).code ?? (e as Error).message, e, () => this.reconnect(channelNo),
          // Idle channels' connections died in the same outage: replaced now (a ping tells), so that
          // they do not report an outage of their own at their next batch.
          async () => {
            await Promise.all(this.connections.map(async (c, i) => {
              if (i !== channelNo && !(await c.ping().then(() => true, () => false))) await this.reconnect(i).catch(() => {});
            }));
          });
        return this.applyBatch(channelNo, events, next);
      }
      if (alive && mysqlErrnosOf(e).includes(ER_SUBQUERY_NO_1_ROW)) {
        const triggers = await readTriggers(connection, this.config.database, writtenNames(plan, this.writers)).catch(() => []);
        if (triggers.length > 0) throw triggerCreatedWhileWriting(this.config.database, describeDb(this.config), triggers);
      }
      throw this.describe(e, channelNo, current, todo[0]!.vsn, lastVsn);
    } finally {
      this.running.delete(connection);
      unwatch(committed);
    }
    this.lastApplied[channelNo] = lastVsn;
  }

  isKeyConflict(error: unknown): boolean {
    return mysqlErrnosOf(error).some((n) => UNIQUE_VIOLATIONS.has(n));
  }

  isTransientConflict(error: unknown): boolean {
    return mysqlErrnosOf(error).some((n) => TRANSIENT_CONFLICTS.has(n));
  }

  /** Cancels the statements of the batches running now (`ChangeTarget.cancel`): KILL QUERY from a session of its own. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const threads = [...this.running].map((c) => c.threadId).filter((t): t is number => !!t);
    if (threads.length === 0) return;
    const { connection } = await connectMySql(this.config);
    try {
      for (const t of threads) await connection.query(`KILL QUERY ${Number(t)}`).catch(() => {});
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  }

  async close(): Promise<void> {
    const c = this.connections;
    this.connections = [];
    await Promise.all(c.map((x) => x.end().catch(() => x.destroy())));
  }

  /** Runs statements as one multi-statement packet (one round trip); the result of each. */
  private async send(connection: Connection, statements: readonly string[]): Promise<readonly unknown[]> {
    if (statements.length === 0) return [];
    const text = statements.join(';\n');
    // One row's statement is never split: over max_allowed_packet the server refuses it, closes the
    // connection, and refuses it again on every new one. Said before it is sent (measured before:
    // taken for a lost connection and resent without end; the mysql-hostile run).
    const bytes = this.maxPacketBytes === undefined ? 0 : Buffer.byteLength(text);
    if (this.maxPacketBytes !== undefined && bytes > this.maxPacketBytes) throw new PacketTooLarge(bytes, this.maxPacketBytes);
    const [results] = await connection.query(text);
    return statements.length === 1 ? [results] : results as unknown[];
  }

  /** Every UPDATE and DELETE in `checks` (by index into `results`) found the rows it names, or the batch stops. */
  private checkFound(results: readonly unknown[], checks: ReadonlyMap<number, { s: PlannedStatement; w: WriteStatement }>): void {
    const missed = new Map<PlannedStatement, { missing: number; total: number; keys: string[] }>();
    for (const [i, { s, w }] of checks) {
      const found = Number((results[i] as { affectedRows?: number } | undefined)?.affectedRows ?? 0);
      const m = missed.get(s) ?? { missing: 0, total: 0, keys: [] };
      m.total += w.mustFind!;
      if (found < w.mustFind!) {
        m.missing += w.mustFind! - found;
        if (w.row && s.kind !== 'truncate' && m.keys.length < 5) m.keys.push(this.writers.get(`${s.table.schema}.${s.table.name}`)!.primaryKey.map((k, j) => `${k}=${w.row![j] ?? 'NULL'}`).join(', '));
      }
      missed.set(s, m);
    }
    for (const [s, m] of missed) {
      if (m.missing === 0 || s.kind === 'truncate' || s.kind === 'insert') continue;
      throw rowsNotFoundError({
        table: `${s.table.schema}.${s.table.name}`, kind: s.kind, missing: m.missing, total: m.total, vsns: s.vsns, where: describeDb(this.config),
        ...(m.keys.length > 0 ? { keys: m.keys } : {}),
      });
    }
  }

  private async openChannel(): Promise<Connection> {
    const { connection } = await connectMySql(this.config, { multipleStatements: true });
    try {
      // ALLOW_INVALID_DATES: an update keeps a day its month does not have (2024-02-30, written under
      // that mode on the source; the target holds it as NULL), which strict mode refuses to assign
      // even unchanged (`writer-sql.ts`, updatedValue). Every value from the target is a real date.
      await connection.query("SET SESSION foreign_key_checks = 0, sql_mode = CONCAT(@@SESSION.sql_mode, ',ALLOW_INVALID_DATES')");
      await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      // A row lock is waited for as long as it is held, as on PostgreSQL, and what holds it is said
      // (`MySqlLockWaitWatch`): a timeout (50 s by default) only stopped the import, to wait again
      // on its rerun. Deadlocks are still refused at once (errno 1213) and replayed in order.
      await connection.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_FOREVER_S}`);
    } catch (e) {
      connection.destroy();
      throw e;
    }
    return connection;
  }

  private async readProgress(connection: Connection): Promise<ChannelProgress[]> {
    const [rows] = await connection.query(readChannelsSql(this.metadataDb, this.migrationUuid));
    return (rows as Record<string, string | number>[]).map((r) => ({
      channelNo: Number(r.channel_no), lastAppliedVsn: Number(r.last_applied_vsn),
      inserts: Number(r.num_inserts), updates: Number(r.num_updates), deletes: Number(r.num_deletes),
    }));
  }

  /** Replaces a channel's connection and reloads its committed progress. */
  private async reconnect(channelNo: number): Promise<void> {
    this.connections[channelNo]?.destroy();
    const c = await this.openChannel();
    let progress: ChannelProgress[];
    try {
      progress = await this.readProgress(c);
    } catch (e) {
      c.destroy();
      throw e;
    }
    // Only a connection whose progress is known replaces the old one.
    this.connections[channelNo] = c;
    this.lastApplied[channelNo] = progress[channelNo]!.lastAppliedVsn;
  }

  private appliedTable(e: ChangeEvent): AppliedTable {
    const t = this.applied.get(`${e.schema}.${e.table}`);
    if (!t) throw new TandemError('TANDEM_DATA', `A change event (vsn ${e.vsn}) names the table ${e.schema}.${e.table}, which is not among the tables being migrated.`);
    return t;
  }

  /** The writer's view of each migrated table, from the MySQL catalog; the unique keys for the dispatcher. */
  private loadTables(catalog: MySqlCatalog): void {
    this.applied.clear();
    this.writers.clear();
    this.sourceTables.clear();
    this.flavor = catalog.server.flavor;
    const uniques: UniqueKeyInfo[] = [];
    for (const info of this.options.tables) {
      const key = `${info.schema}.${info.name}`;
      const t = catalog.tables.find((x) => x.name === info.name);
      if (!t) {
        throw new TandemError('TANDEM_PREREQUISITE', `The table ${info.name} does not exist in the ${this.config.role} database ${this.config.database}.`, {
          hint: 'Fall-back writes into the tables the migration started from: do not drop or rename them until the migration has ended.',
        });
      }
      if (t.primaryKey.length === 0) {
        throw new TandemError('TANDEM_PREREQUISITE', `The table ${this.config.database}.${t.name} has no primary key; the fall-back writer finds rows by their key.`, {
          hint: `Add the primary key back (ALTER TABLE \`${t.name}\` ADD PRIMARY KEY (…)), then run import data to source again.`,
        });
      }
      const types = new Map<string, MySqlValueType>();
      for (const c of t.columns) if (!c.generated) types.set(c.name, valueTypeOf(t.name, c, catalog.server.flavor));
      const missing = info.columns.filter((c) => !t.columns.some((x) => x.name === c));
      if (missing.length) {
        throw new TandemError('TANDEM_PREREQUISITE', `The table ${this.config.database}.${t.name} lacks the columns ${missing.join(', ')}.`, {
          hint: 'The table differs between the target and the source: make its columns the same on both.',
        });
      }
      this.writers.set(key, {
        key, database: this.config.database, name: t.name, primaryKey: t.primaryKey, types,
        generated: new Set(t.columns.filter((c) => c.generated).map((c) => c.name)),
      });
      this.sourceTables.set(key, t);
      this.applied.set(key, { schema: info.schema, name: info.name, primaryKey: t.primaryKey, columns: t.columns.map((c) => c.name) });
      uniques.push(...uniqueKeysOf(info.schema, t));
    }
    this.uniques = uniques;
  }

  /** A TandemError naming channel, operation, vsns and the MySQL errno and code, never row values (MySQL's messages quote them). */
  private describe(e: unknown, channelNo: number, statements: readonly PlannedStatement[], first: number, last: number): unknown {
    if (e instanceof TandemError) return e;
    const err = e instanceof PacketTooLarge ? { errno: ER_NET_PACKET_TOO_LARGE, code: 'ER_NET_PACKET_TOO_LARGE' } : e as { errno?: number; code?: string };
    if (typeof err.errno !== 'number') return e;
    // A packet holds several statements; MySQL does not say which one failed: name them all.
    const parts = statements.map(describeStatement);
    const what = parts.length === 0 ? 'recording the progress of the batch' : [...new Set(parts.map((p) => p.what))].join(', ');
    const from = parts.length ? Math.min(...parts.map((p) => p.vsns.first)) : first;
    const to = parts.length ? Math.max(...parts.map((p) => p.vsns.last)) : last;
    const doing = `Applying changes on channel ${channelNo} failed: ${what} in events ${from}..${to}`;
    // The source's tables these statements wrote: what the hint says of the column or key MySQL names.
    const tables = [...new Set(statements.flatMap((s) => (s.kind === 'truncate' ? s.tables : [s.table]).map((t) => this.sourceTables.get(`${t.schema}.${t.name}`))))]
      .filter((t): t is MySqlTable => t !== undefined);
    if (e instanceof PacketTooLarge) {
      return new TandemError('TANDEM_DATA', `${doing}: its statement takes ${e.bytes} bytes, more than the source's max_allowed_packet (${e.limit}); MySQL would refuse it (error 1153, ER_NET_PACKET_TOO_LARGE). Nothing of the batch was applied.`,
        { hint: applyErrorHint(ER_NET_PACKET_TOO_LARGE, '', { tables, ...(this.flavor ? { flavor: this.flavor } : {}) }) });
    }
    const code = errorName(err.errno, err.code, this.flavor);
    return this.privilegeError(e, doing) ?? new TandemError('TANDEM_DATA', `${doing}: MySQL error ${err.errno}${code ? ` (${code})` : ''}.`,
      { cause: e, hint: applyErrorHint(err.errno, (e as Error).message, { tables, ...(this.flavor ? { flavor: this.flavor } : {}) }) });
  }

  /** An access-denied error as TANDEM_PRIVILEGE naming the table the server names and the GRANT (undefined for other errors). */
  private privilegeError(e: unknown, doing: string): TandemError | undefined {
    return privilegeError(e, {
      doing, database: this.config.database, account: this.account || `'${this.config.user}'@'%'`,
      privilegesFor: (db) => (db === this.metadataDb ? METADATA_PRIVILEGES : 'SELECT, INSERT, UPDATE, DELETE'),
      then: 'run import data to source again: it resumes after the last committed batch.',
    });
  }
}


/** The MySQL names of the tables a batch writes (truncated ones included). */
function writtenNames(plan: { statements: readonly PlannedStatement[] }, writers: ReadonlyMap<string, WriterTable>): string[] {
  return [...new Set(writtenTables(plan.statements).map((t) => writers.get(`${t.schema}.${t.name}`)!.name))];
}

/** The error of a batch that met triggers created while Tandem wrote (rolled back, nothing of it written). */
function triggerCreatedWhileWriting(database: string, where: string, triggers: readonly MySqlTriggerState[]): ActingWhileWriting {
  const { lines, dropSql } = triggerBlockers(database, triggers);
  return new ActingWhileWriting(lines.map((l) => `trigger on ${database}.${l}`),
    `Triggers were created on ${where} while Tandem was writing there, and would fire for every row it writes (MySQL cannot switch them off for a session), repeating what the target's own writes already did: ${lines.join('; ')}. The transaction that met them was rolled back, so nothing of it was written (MySQL creates a trigger on a table only once the transactions writing it have ended, so they fired for none of the rows written before).`,
    `Keep their definitions (SHOW CREATE TRIGGER) and drop them while Tandem writes: ${dropSql.join(' ')} Then rerun the same import command: it resumes. Create them again after the cutover to the source.`);
}

/**
 * The unique keys of a table other than its primary key. `byValue` only when two rows can collide
 * solely by holding the same text in the key's columns: not for prefix or functional key parts,
 * and not for character columns, whose collations make different texts equal ('A' = 'a' under a
 * `_ci` collation, 'a' = 'a ' under PAD SPACE).
 */
export function uniqueKeysOf(schema: string, t: MySqlTable): UniqueKeyInfo[] {
  return t.indexes.filter((i) => i.unique).map((i) => {
    // A functional key part reads the columns its expression names (backquoted in the catalog).
    const read = (p: { column: string | null; expression: string | null }) => (p.column ? [p.column]
      : [...(p.expression ?? '').matchAll(/`((?:[^`]|``)+)`/g)].map((m) => m[1]!.replace(/``/g, '`')).filter((n) => t.columns.some((c) => c.name === n)));
    const columns = [...new Set(i.parts.flatMap(read))].sort();
    const plain = i.parts.every((p) => p.column !== null && p.prefixLength === null);
    const textual = i.parts.some((p) => {
      const c = t.columns.find((x) => x.name === p.column);
      return !c || STRING_TYPES.has(c.dataType.toLowerCase());
    });
    return { schema, table: t.name, name: i.name, columns, byValue: plain && !textual };
  });
}

/**
 * The name of a server error: the driver's (MySQL's list), except where MariaDB numbers errors
 * otherwise (from 1900 on): MariaDB's own for the ones Tandem explains, none for the rest
 * (measured before: MariaDB's 4025, a CHECK that failed, was named ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE).
 */
export function errorName(errno: number, driverCode: string | undefined, flavor: MySqlFlavor | undefined): string | undefined {
  if (flavor !== 'mariadb' || errno < 1900) return driverCode;
  return MARIADB_ERROR_NAMES[errno];
}

const MARIADB_ERROR_NAMES: Readonly<Record<number, string>> = { 1927: 'ER_CONNECTION_KILLED', [CHECK_FAILED_MARIADB]: 'ER_CONSTRAINT_FAILED' };
