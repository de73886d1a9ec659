/**
 * Checks, before anything starts, that change capture can read the source's binlog: the server
 * settings, the user's privileges (by trying what capture will do), the tables' primary keys and the
 * binlog retention. Every problem is a finding with the SQL or my.cnf line that fixes it.
 * `evaluateBinlogSettings` is the pure part; `checkCapturePrerequisites` reads the server.
 */
import type { Connection as PromiseConnection } from 'mysql2/promise';
import { TandemError } from '../../../core/errors.js';
import { mysqlIdent } from '../catalog.js';
import { connectMySql, type MySqlDbConfig } from '../connection.js';
import { grantAccount, isAccessDenied, METADATA_PRIVILEGES } from '../privilege-errors.js';
import type { MySqlFlavor } from '../server-version.js';
import { BinlogDump } from './binlog-dump-connection.js';
import { binlogRetention, type RetentionVerdict } from './binlog-retention.js';

/** What a finding is about. */
export type CapturePrerequisite =
  | 'log_bin'
  | 'scheduled_events'
  | 'binlog_format'
  | 'binlog_row_image'
  | 'binlog_checksum'
  | 'log_bin_compress'
  | 'binlog_row_value_options'
  | 'binlog_transaction_compression'
  | 'server_id'
  | 'gtid'
  | 'privilege_replication_slave'
  | 'privilege_replication_client'
  | 'privilege_select'
  | 'privilege_metadata'
  | 'privilege_process'
  | 'privilege_lock_tables'
  | 'primary_key'
  | 'retention'
  | 'binlog_filter'
  | 'replica';

/** One result of the checks. */
export interface CapturePrerequisiteFinding {
  readonly check: CapturePrerequisite;
  /** error: capture cannot run; warning: it can, but the user should know; info: for the record. */
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** The SQL statement(s) or my.cnf line(s) that fix it. */
  readonly fix?: string;
}

/** Global variables as `SHOW GLOBAL VARIABLES` gives them (names lower case, values as text). */
export type ServerVariables = Readonly<Record<string, string | undefined>>;

/** The variables the checks read. */
export const CAPTURE_VARIABLES = [
  'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_checksum', 'log_bin_compress', 'binlog_row_value_options',
  'binlog_transaction_compression', 'binlog_row_metadata', 'server_id', 'gtid_mode', 'binlog_expire_logs_seconds',
  'expire_logs_days', 'max_binlog_total_size', 'lower_case_table_names', 'log_slave_updates', 'log_replica_updates',
  'event_scheduler',
] as const;

/** Where a server setting goes to survive a restart. */
function configFile(flavor: MySqlFlavor): string {
  return flavor === 'mariadb' ? 'the [mariadbd] section of the server configuration' : 'my.cnf ([mysqld])';
}

function upper(v: string | undefined): string {
  return (v ?? '').trim().toUpperCase();
}

/** The server settings, judged (pure). */
export function evaluateBinlogSettings(vars: ServerVariables, flavor: MySqlFlavor): CapturePrerequisiteFinding[] {
  const out: CapturePrerequisiteFinding[] = [];
  const cnf = configFile(flavor);
  const persist = flavor === 'mysql' ? 'SET PERSIST' : 'SET GLOBAL';
  if (upper(vars.log_bin) !== 'ON' && upper(vars.log_bin) !== '1') {
    out.push({
      check: 'log_bin', severity: 'error',
      message: 'The source does not write a binlog (log_bin is OFF), so there are no changes to capture.',
      fix: `Add to ${cnf}: log_bin = mysql-bin, binlog_format = ROW, binlog_row_image = FULL, server_id = 1; then restart the server.`,
    });
    return out; // the other binlog settings do not matter yet
  }
  const format = upper(vars.binlog_format);
  if (format !== 'ROW') {
    out.push({
      check: 'binlog_format', severity: 'error',
      message: `binlog_format is ${format || 'unknown'}, but change capture needs ROW: in STATEMENT or MIXED format the binlog holds SQL instead of the changed rows.`,
      fix: `${persist} binlog_format = 'ROW'; and binlog_format = ROW in ${cnf}. Sessions already open keep their format: reconnect the applications afterwards.`,
    });
  }
  const image = upper(vars.binlog_row_image);
  if (image !== 'FULL') {
    out.push({
      check: 'binlog_row_image', severity: 'error',
      message: `binlog_row_image is ${image || 'unknown'}, but change capture needs FULL: every column of every changed row.`,
      fix: `${persist} binlog_row_image = 'FULL'; and binlog_row_image = FULL in ${cnf}. Sessions already open keep the old value: reconnect the applications afterwards.`,
    });
  }
  const checksum = upper(vars.binlog_checksum);
  if (checksum !== '' && checksum !== 'NONE' && checksum !== 'CRC32') {
    out.push({ check: 'binlog_checksum', severity: 'error', message: `binlog_checksum is ${checksum}, which Tandem does not know.`, fix: `${persist} binlog_checksum = 'CRC32';` });
  } else {
    out.push({ check: 'binlog_checksum', severity: 'info', message: `binlog_checksum is ${checksum || 'NONE'}${checksum === 'CRC32' ? ': every event is verified' : ''}.` });
  }
  if (flavor === 'mariadb' && (upper(vars.log_bin_compress) === 'ON' || upper(vars.log_bin_compress) === '1')) {
    out.push({ check: 'log_bin_compress', severity: 'info', message: 'log_bin_compress is ON: Tandem inflates the compressed binlog events (zlib).' });
  }
  if (flavor === 'mysql' && /PARTIAL_JSON/.test(upper(vars.binlog_row_value_options))) {
    out.push({
      check: 'binlog_row_value_options', severity: 'error',
      message: 'binlog_row_value_options is PARTIAL_JSON: updates of JSON columns are logged as diffs, not as the full value.',
      fix: "SET PERSIST binlog_row_value_options = '';",
    });
  }
  if (flavor === 'mysql' && (upper(vars.binlog_transaction_compression) === 'ON' || upper(vars.binlog_transaction_compression) === '1')) {
    out.push({
      check: 'binlog_transaction_compression', severity: 'error',
      message: 'binlog_transaction_compression is ON: transactions are logged zstd-compressed, which Tandem cannot read.',
      fix: 'SET PERSIST binlog_transaction_compression = OFF;',
    });
  }
  if (vars.server_id !== undefined && Number(vars.server_id) === 0) {
    out.push({
      check: 'server_id', severity: 'error',
      message: 'server_id is 0: the source refuses every replica connection.',
      fix: `${persist} server_id = 1; (any number not used by another server) and server_id = 1 in ${cnf}.`,
    });
  }
  if (flavor === 'mysql') {
    const gtid = upper(vars.gtid_mode);
    out.push(gtid === 'ON'
      ? { check: 'gtid', severity: 'info', message: 'gtid_mode is ON: positions carry the GTID set and survive a failover to a replica.' }
      : { check: 'gtid', severity: 'info', message: `gtid_mode is ${gtid || 'OFF'}: positions are binlog file and offset, valid on this server only.`, fix: 'To survive a failover, enable GTIDs (gtid_mode = ON, enforce_gtid_consistency = ON) before the migration starts.' });
  } else {
    out.push({ check: 'gtid', severity: 'info', message: 'MariaDB GTIDs: positions carry the GTID position and survive a failover to a replica.' });
  }
  return out;
}

/**
 * The server's binlog filters (`binlog-do-db`, `binlog-ignore-db`, from SHOW MASTER STATUS), judged
 * for the databases whose changes capture must read (pure). With row-based logging a change is
 * logged by the database of its table: only the do-list's when there is one, else every database
 * but the ignore-list's. A database left out has its changes missing from the binlog, with no sign
 * of them: the snapshot would be migrated and every later change of it lost.
 *
 * @param databases the migrated database and the metadata database (whose marker rows end the streams).
 */
export function evaluateBinlogFilters(doDb: readonly string[], ignoreDb: readonly string[], databases: readonly string[], caseInsensitive: boolean, flavor: MySqlFlavor): CapturePrerequisiteFinding[] {
  const norm = (n: string) => (caseInsensitive ? n.toLowerCase() : n);
  const doSet = new Set(doDb.map(norm));
  const ignoreSet = new Set(ignoreDb.map(norm));
  const unlogged = databases.filter((d) => (doSet.size > 0 ? !doSet.has(norm(d)) : ignoreSet.has(norm(d))));
  if (unlogged.length === 0) return [];
  const cnf = configFile(flavor);
  const setting = doSet.size > 0 ? `binlog-do-db (${doDb.join(', ')})` : `binlog-ignore-db (${ignoreDb.join(', ')})`;
  return [{
    check: 'binlog_filter', severity: 'error',
    message: `The source's binlog leaves out the changes of ${unlogged.join(' and ')} (${setting}), so capture would never see them: the snapshot would be migrated and every later change lost.`,
    fix: doSet.size > 0
      ? `Add binlog-do-db = ${unlogged.join(' and binlog-do-db = ')} to ${cnf} (one line each), or remove every binlog-do-db line; then restart the server and export again.`
      : `Remove binlog-ignore-db = ${unlogged.join(' and binlog-ignore-db = ')} from ${cnf}; then restart the server and export again.`,
  }];
}

/** What {@link evaluateReplica} reads: whether the server replicates from a primary, and from which. */
export interface ReplicaState {
  /** Sources it replicates from (host:port), as SHOW ALL SLAVES STATUS / SHOW REPLICA STATUS list them; undefined when unknown. */
  readonly primaries: readonly string[] | undefined;
  /** Replication threads running (MariaDB's Slaves_running), when the list could not be read. */
  readonly running?: number;
}

/**
 * A source that is itself a replica (pure): without log_slave_updates (log_replica_updates) the
 * changes it applies from its primary, the application's writes, never reach its binlog. With it,
 * the binlog has them, but the application writes to the primary: the cutover must wait for this
 * server to catch up, and a fall-back writes into this replica, not the primary.
 */
export function evaluateReplica(state: ReplicaState, vars: ServerVariables, flavor: MySqlFlavor): CapturePrerequisiteFinding[] {
  const isReplica = state.primaries !== undefined ? state.primaries.length > 0 : (state.running ?? 0) > 0;
  if (!isReplica) return [];
  const from = state.primaries && state.primaries.length > 0 ? ` of ${state.primaries.join(', ')}` : '';
  const logsUpdates = ['ON', '1'].includes(upper(vars.log_replica_updates ?? vars.log_slave_updates));
  if (!logsUpdates) {
    const name = flavor === 'mariadb' ? 'log_slave_updates' : 'log_replica_updates';
    return [{
      check: 'replica', severity: 'error',
      message: `The source is a replica${from} and ${name} is OFF: the changes it applies from its primary (the application's writes) are not written to its binlog, so capture would never see them.`,
      fix: `Add ${name} = ON to ${configFile(flavor)} and restart the server (or migrate from the primary itself); then export again.`,
    }];
  }
  return [{
    check: 'replica', severity: 'warning',
    message: `The source is a replica${from}: its binlog has the primary's changes once it has applied them. Before initiating the cutover, stop the application on the primary and wait until this server has caught up (SHOW ${flavor === 'mariadb' ? 'SLAVE' : 'REPLICA'} STATUS: Seconds_Behind_${flavor === 'mariadb' ? 'Master' : 'Source'} 0); a change applied after the cutover's marker is reported as a late write. A fall-back writes the target's changes into this replica, not into its primary.`,
  }];
}

/** The tables capture will read: their primary keys decide the events' keys. */
export interface CaptureTableRef {
  readonly database: string;
  readonly table: string;
  readonly primaryKey: readonly string[];
}

/** Options for {@link checkCapturePrerequisites}. */
export interface CapturePrerequisiteOptions {
  readonly source: MySqlDbConfig;
  readonly tables: readonly CaptureTableRef[];
  /** The binlog file the migration would resume from (a restart), to check it is still there. */
  readonly neededFile?: string;
  /** Commit time of the position's transaction, seconds since the epoch. */
  readonly positionTime?: number;
  /**
   * Server id of the short dump that tests REPLICATION SLAVE: must differ from every running
   * capture's id (the source ends an older dump with the same id). Default: random.
   */
  readonly probeServerId?: number;
  /** For tests: now, seconds since the epoch. */
  readonly now?: number;
  /** The metadata database (marker table, fall-back progress tables). Default `ybvoyager_metadata`. */
  readonly metadataDatabase?: string;
}

/** All findings, and the retention verdict. */
export interface CapturePrerequisiteReport {
  readonly flavor: MySqlFlavor;
  readonly findings: readonly CapturePrerequisiteFinding[];
  readonly retention?: RetentionVerdict;
}

const ER_SPECIFIC_ACCESS_DENIED = 1227;
const ER_NO_SUCH_TABLE = 1146;
const ER_NO_BINARY_LOGGING = 1381;
const ER_BAD_DB = 1049;
const ER_DUP_FIELDNAME = 1060;
const ER_PARSE_ERROR = 1064;

/** A table name no database holds: the probes below are refused before (or because) it is not found. */
const PROBE_TABLE = 'tandem_privilege_probe';

/**
 * Statements that test one privilege on a database and change nothing: the server checks the
 * privilege first, then refuses the statement (no such table, a duplicate column); a user without
 * it gets an access-denied error (`isAccessDenied`) instead.
 */
export function privilegeProbes(database: string): ReadonlyArray<{ readonly privilege: string; readonly sql: string }> {
  const t = `${mysqlIdent(database)}.${mysqlIdent(PROBE_TABLE)}`;
  return [
    { privilege: 'CREATE', sql: `CREATE TABLE ${t} (c int, c int)` },
    { privilege: 'SELECT', sql: `SELECT c FROM ${t} WHERE 1 = 0` },
    { privilege: 'INSERT', sql: `INSERT INTO ${t} (c) SELECT 1 FROM DUAL WHERE 1 = 0` },
    { privilege: 'UPDATE', sql: `UPDATE ${t} SET c = 1 WHERE 1 = 0` },
    { privilege: 'DELETE', sql: `DELETE FROM ${t} WHERE 1 = 0` },
    // Refused for the duplicate column even if a table of that name existed: nothing is ever altered.
    { privilege: 'ALTER', sql: `ALTER TABLE ${t} ADD COLUMN tandem_probe int, ADD COLUMN tandem_probe int` },
  ];
}

/** The privileges of `wanted` (names as in `privilegeProbes`) the connection's user lacks on `database`. */
export async function missingPrivileges(connection: PromiseConnection, database: string, wanted: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const probe of privilegeProbes(database).filter((p) => wanted.includes(p.privilege))) {
    try {
      await connection.query(probe.sql);
    } catch (e) {
      const n = errnoOf(e);
      if (isAccessDenied(n)) missing.push(probe.privilege);
      else if (n !== ER_NO_SUCH_TABLE && n !== ER_BAD_DB && n !== ER_DUP_FIELDNAME) throw e;
    }
  }
  return missing;
}

function q(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function errnoOf(e: unknown): number | undefined {
  const n = (e as { errno?: unknown })?.errno;
  return typeof n === 'number' ? n : undefined;
}


/**
 * Runs every check against the source. Connection failures throw (as `connectMySql` maps them);
 * everything else becomes a finding.
 */
export async function checkCapturePrerequisites(options: CapturePrerequisiteOptions): Promise<CapturePrerequisiteReport> {
  const { connection, server } = await connectMySql(options.source);
  const flavor = server.flavor;
  const findings: CapturePrerequisiteFinding[] = [];
  let retention: RetentionVerdict | undefined;
  try {
    const names = CAPTURE_VARIABLES.map((v) => `'${v}'`).join(',');
    const [rows] = await connection.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names})`);
    const vars: Record<string, string> = {};
    for (const r of rows as Array<{ Variable_name: string; Value: string }>) vars[r.Variable_name.toLowerCase()] = String(r.Value);
    findings.push(...evaluateBinlogSettings(vars, flavor));
    const [who] = await connection.query('SELECT CURRENT_USER() AS u');
    const grantee = grantAccount(String((who as Array<{ u: string }>)[0]!.u));
    const binlogOn = !findings.some((f) => f.check === 'log_bin');

    // REPLICATION CLIENT (MariaDB: BINLOG MONITOR): SHOW BINARY LOGS is what the retention check needs.
    let binaryLogs: Array<{ name: string; size: number }> | undefined;
    if (binlogOn) {
      try {
        const [logs] = await connection.query('SHOW BINARY LOGS');
        binaryLogs = (logs as Array<{ Log_name: string; File_size: string | number }>).map((l) => ({ name: l.Log_name, size: Number(l.File_size) }));
      } catch (e) {
        if (errnoOf(e) === ER_SPECIFIC_ACCESS_DENIED) {
          findings.push({
            check: 'privilege_replication_client', severity: 'error',
            message: `User ${grantee} may not list the binlogs (${flavor === 'mariadb' ? 'BINLOG MONITOR' : 'REPLICATION CLIENT'} privilege missing).`,
            fix: flavor === 'mariadb' ? `GRANT BINLOG MONITOR ON *.* TO ${grantee};` : `GRANT REPLICATION CLIENT ON *.* TO ${grantee};`,
          });
        } else if (errnoOf(e) !== ER_NO_BINARY_LOGGING) throw e;
      }
    }

    // Binlog filters: a database they leave out has no changes in the binlog at all.
    if (binlogOn) {
      const status = await binlogStatus(connection);
      if (status) {
        findings.push(...evaluateBinlogFilters(status.doDb, status.ignoreDb, [options.source.database, options.metadataDatabase ?? 'ybvoyager_metadata'],
          (vars.lower_case_table_names ?? '0') !== '0', flavor));
      }
      findings.push(...evaluateReplica(await replicaState(connection, flavor), vars, flavor));
    }

    // REPLICATION SLAVE: start a dump that ends at once, as capture will.
    if (binlogOn) {
      const probe = await replicationProbe(options, flavor);
      if (probe === 'denied') {
        findings.push({
          check: 'privilege_replication_slave', severity: 'error',
          message: `User ${grantee} may not read the binlog as a replica (REPLICATION SLAVE privilege missing).`,
          fix: `GRANT REPLICATION SLAVE ON *.* TO ${grantee};`,
        });
      }
    }

    // PROCESS: a cutover looks for transactions still open (INNODB_TRX) before it ends the stream.
    try {
      await connection.query('SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX'); // LIMIT 0 is answered without the check
    } catch (e) {
      if (errnoOf(e) !== ER_SPECIFIC_ACCESS_DENIED) throw e;
      findings.push({
        check: 'privilege_process', severity: 'warning',
        message: `User ${grantee} may not see other sessions' transactions (PROCESS privilege missing): at the cutover Tandem cannot tell whether one still open would commit writes after the stream ends, and keeps the stream as if one were.`,
        fix: `GRANT PROCESS ON *.* TO ${grantee};`,
      });
    }

    // LOCK TABLES: a cutover holds writes to the migrated tables while it ends the stream
    // (MySqlChangeCapture.holdWrites). Probed on a table that does not exist: the server checks the
    // privilege before it opens the table (measured on MariaDB 10.11), so nothing is ever locked.
    try {
      await connection.query(`LOCK TABLES ${q(options.source.database)}.${q(PROBE_TABLE)} READ`);
      await connection.query('UNLOCK TABLES'); // only if such a table existed
    } catch (e) {
      const n = errnoOf(e);
      if (isAccessDenied(n)) {
        findings.push({
          check: 'privilege_lock_tables', severity: 'warning',
          message: `User ${grantee} may not LOCK TABLES on ${options.source.database}: at the cutover Tandem cannot hold writes to the migrated tables while it ends the stream (a write committed at that moment would be neither migrated nor reported), so it keeps the stream's markers and says so, as if a write had been found.`,
          fix: `GRANT LOCK TABLES ON ${q(options.source.database)}.* TO ${grantee};`,
        });
      } else if (n !== ER_NO_SUCH_TABLE) throw e;
    }

    // SELECT on every table (the snapshot reads them; capture reads their catalog).
    for (const t of options.tables) {
      try {
        await connection.query(`SELECT 1 FROM ${q(t.database)}.${q(t.table)} LIMIT 0`);
      } catch (e) {
        const n = errnoOf(e);
        if (isAccessDenied(n)) {
          findings.push({
            check: 'privilege_select', severity: 'error',
            message: `User ${grantee} may not read ${t.database}.${t.table} (SELECT privilege missing).`,
            fix: `GRANT SELECT ON ${q(t.database)}.* TO ${grantee};`,
          });
        } else if (n !== ER_NO_SUCH_TABLE) throw e;
      }
      if (t.primaryKey.length === 0) {
        findings.push({
          check: 'primary_key', severity: 'error',
          message: `${t.database}.${t.table} has no primary key, so a change to one of its rows cannot be applied to exactly that row on the target.`,
          fix: `ALTER TABLE ${q(t.database)}.${q(t.table)} ADD PRIMARY KEY (…); or leave the table out with --exclude-table-list ${t.table} (table lists name it without the MySQL database, or with the target's schema).`,
        });
      }
    }

    // The event scheduler's enabled events in the migrated database: writers the application's
    // stop at the cutover does not stop (the mysql-live-edges-2 run: one kept writing the source
    // after the cutover to target, and the fall-back stopped at a duplicate key). Named now; the
    // events a user may not see (no EVENT privilege) are not listed.
    if ((vars.event_scheduler ?? '').toUpperCase() === 'ON') {
      const [events] = await connection.query(`SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND STATUS = 'ENABLED' ORDER BY 1`, [options.source.database]);
      const names = (events as Array<{ name: string }>).map((e) => String(e.name));
      if (names.length > 0) {
        findings.push({
          check: 'scheduled_events', severity: 'warning',
          message: `The event scheduler runs ${names.length} enabled event(s) in ${options.source.database} (${names.join(', ')}): they write on their own schedule, so stopping the application at the cutover to target does not stop them. One that writes a migrated table after the cutover marker writes a source the migration has left (and, with a fall-back, collides with the target's rows).`,
          fix: `At the cutover to target, with the application: ${names.map((n) => `ALTER EVENT ${q(options.source.database)}.${q(n)} DISABLE;`).join(' ')} (and create them on the target, or enable them again on the source after a cutover back).`,
        });
      }
    }

    // The metadata database: capture's marker table, the fall-back writer's progress tables.
    const metadataDb = options.metadataDatabase ?? 'ybvoyager_metadata';
    const metadataMissing = await missingPrivileges(connection, metadataDb, METADATA_PRIVILEGES.split(', '));
    if (metadataMissing.length > 0) {
      findings.push({
        check: 'privilege_metadata', severity: 'error',
        message: `User ${grantee} may not use Tandem's metadata database ${metadataDb} (${metadataMissing.join(', ')} privilege${metadataMissing.length === 1 ? '' : 's'} missing): `
          + 'live migration keeps its marker table there, and a fall-back its progress.',
        fix: `GRANT ${METADATA_PRIVILEGES} ON ${q(metadataDb)}.* TO ${grantee};`,
      });
    }

    if (binaryLogs) {
      retention = binlogRetention({
        ...(vars.binlog_expire_logs_seconds !== undefined && { expireLogsSeconds: Number(vars.binlog_expire_logs_seconds) }),
        ...(vars.expire_logs_days !== undefined && { expireLogsDays: Number(vars.expire_logs_days) }),
        ...(vars.max_binlog_total_size !== undefined && { maxTotalSize: Number(vars.max_binlog_total_size) }),
        binaryLogs,
        ...(options.neededFile !== undefined && { neededFile: options.neededFile }),
        ...(options.positionTime !== undefined && { positionTime: options.positionTime }),
        now: options.now ?? Math.floor(Date.now() / 1000),
      });
      findings.push({ check: 'retention', severity: retention.severity, message: retention.message, fix: retention.fix });
    }
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
  return { flavor, findings, ...(retention && { retention }) };
}

/** 'ok' when the source starts streaming to this user, 'denied' when it refuses for lack of privilege. */
async function replicationProbe(options: CapturePrerequisiteOptions, flavor: MySqlFlavor): Promise<'ok' | 'denied'> {
  const { connection } = await connectMySql(options.source);
  const serverId = options.probeServerId ?? 2_100_000_000 + Math.floor(Math.random() * 100_000_000);
  let dump: BinlogDump | undefined;
  try {
    const checksum = await globalChecksum(connection);
    // From the first binlog, non-blocking: the first event proves the privilege; then it is closed.
    dump = await BinlogDump.open(connection, { serverId, flavor, checksum, start: { mode: 'file', file: '', offset: 4 }, nonBlocking: true });
    for await (const _ of dump) break;
    return 'ok';
  } catch (e) {
    if (errnoOf(e) === ER_SPECIFIC_ACCESS_DENIED) return 'denied';
    throw e;
  } finally {
    dump?.close();
    connection.destroy();
  }
}

/** A statement refused for a missing privilege: a global one (1227) or one on an object. */
function deniedStatement(errno: number | undefined): boolean {
  return errno === ER_SPECIFIC_ACCESS_DENIED || isAccessDenied(errno);
}

/** The binlog filters from SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.4); undefined when the user may not read it. */
async function binlogStatus(connection: PromiseConnection): Promise<{ doDb: string[]; ignoreDb: string[] } | undefined> {
  const list = (v: unknown) => String(v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const sql of ['SHOW MASTER STATUS', 'SHOW BINARY LOG STATUS']) {
    try {
      const [rows] = await connection.query(sql);
      const r = (rows as Array<Record<string, unknown>>)[0];
      return r ? { doDb: list(r.Binlog_Do_DB), ignoreDb: list(r.Binlog_Ignore_DB) } : undefined;
    } catch (e) {
      const n = errnoOf(e);
      if (deniedStatement(n)) return undefined; // reported with the missing BINLOG MONITOR / REPLICATION CLIENT
      if (n !== ER_PARSE_ERROR) throw e; // MySQL 8.4 removed SHOW MASTER STATUS
    }
  }
  return undefined;
}

/**
 * Whether the server replicates from a primary: the replication channels it lists (MariaDB: SHOW
 * ALL SLAVES STATUS, which needs SLAVE MONITOR; MySQL: SHOW REPLICA STATUS, REPLICATION CLIENT), or,
 * when the user may not list them, MariaDB's count of running replication threads (no privilege).
 */
async function replicaState(connection: PromiseConnection, flavor: MySqlFlavor): Promise<ReplicaState> {
  const statements = flavor === 'mariadb' ? ['SHOW ALL SLAVES STATUS'] : ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS'];
  for (const sql of statements) {
    try {
      const [rows] = await connection.query(sql);
      return {
        primaries: (rows as Array<Record<string, unknown>>).map((r) => `${String(r.Master_Host ?? r.Source_Host ?? '?')}:${String(r.Master_Port ?? r.Source_Port ?? '?')}`),
      };
    } catch (e) {
      const n = errnoOf(e);
      if (!deniedStatement(n) && n !== ER_PARSE_ERROR) throw e;
    }
  }
  if (flavor !== 'mariadb') return { primaries: undefined };
  const [rows] = await connection.query("SHOW GLOBAL STATUS LIKE 'Slaves_running'");
  return { primaries: undefined, running: Number((rows as Array<{ Value: string }>)[0]?.Value ?? 0) };
}

async function globalChecksum(connection: PromiseConnection): Promise<'NONE' | 'CRC32'> {
  const [rows] = await connection.query('SELECT @@global.binlog_checksum AS c');
  return String((rows as Array<{ c: string }>)[0]!.c).toUpperCase() === 'CRC32' ? 'CRC32' : 'NONE';
}

/**
 * Throws one TandemError listing every error finding with its fix (TANDEM_PRIVILEGE when only
 * privileges are missing, TANDEM_PREREQUISITE otherwise); returns the warnings and infos.
 */
export function requireCapturePrerequisites(report: CapturePrerequisiteReport): CapturePrerequisiteFinding[] {
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const onlyPrivileges = errors.every((f) => f.check.startsWith('privilege_'));
    throw new TandemError(onlyPrivileges ? 'TANDEM_PRIVILEGE' : 'TANDEM_PREREQUISITE',
      `The source is not ready for change capture:\n${errors.map((f) => `- ${f.message}`).join('\n')}`,
      { hint: errors.filter((f) => f.fix).map((f) => f.fix).join('\n') });
  }
  return report.findings.filter((f) => f.severity !== 'error');
}
