import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Connection, DbType, Metadata, OracleDb } from 'oracledb';
import { TandemError } from '../../core/errors.js';
import { connectTarget, tnsAdminDirectory, type OracleConnectOptions, type OracleConnectTarget } from './connect-descriptor.js';
import { mapOracleConnectError, mapOracleError } from './oracle-errors.js';
import { sessionSettingsSql } from './session-settings.js';
import { parseTnsnames, type TnsnamesFile, type TnsEntry } from './tnsnames.js';
import type { OracleBindType } from './values/pg-to-oracle.js';

/**
 * Opening Oracle connections: the only file that loads the driver. The `oracledb` package is
 * imported on first use (dynamic import), so a PostgreSQL or MySQL migration never loads it. Thin
 * mode only (pure JavaScript: no Instant Client).
 *
 * NOT RUN AGAINST A LIVE ORACLE: no Oracle server runs where Tandem is tested. The pure parts it
 * uses (connect strings, tnsnames.ora, error mapping, session settings) are unit-tested.
 */

let driver: Promise<OracleDb> | undefined;

/** Loads node-oracledb once, in thin mode. */
export function loadOracleDriver(): Promise<OracleDb> {
  driver ??= import('oracledb').then((m) => {
    const d = (m as unknown as { default?: OracleDb }).default ?? (m as unknown as OracleDb);
    if (!d.thin) throw new TandemError('TANDEM_UNSUPPORTED', 'node-oracledb is not in thin mode.', { hint: 'Tandem uses thin mode only; do not call initOracleClient().' });
    return d;
  });
  return driver;
}

/** The I/O surface the Oracle adapter's roles use: queries return plain objects, NUMBER as text. */
export interface OracleSession {
  /** host:port/service or the alias, for messages. */
  readonly describe: string;
  /** Runs a query; rows keyed by upper-case column name. */
  query(sql: string, binds?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** Streams a query's rows in batches of `batchRows` to `onRows` (awaited, so back-pressure holds). */
  stream(sql: string, binds: Record<string, unknown>, batchRows: number, onRows: (rows: Record<string, unknown>[]) => Promise<void>): Promise<number>;
  /** Runs a statement or PL/SQL block; returns rows affected. */
  execute(sql: string, binds?: Record<string, unknown>): Promise<number>;
  /** Array DML: one statement, many bind rows, one round trip; returns rows affected. */
  executeMany(sql: string, rows: Record<string, unknown>[], bindTypes: Record<string, { type: OracleBindType; maxSize?: number }>): Promise<number>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** Reads tnsnames.ora (and the files its IFILE lines include) from `dir`. */
export async function readTnsnames(dir: string): Promise<TnsnamesFile> {
  const entries = new Map<string, TnsEntry>();
  const seen = new Set<string>();
  const load = async (path: string): Promise<void> => {
    if (seen.has(path)) return;
    seen.add(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new TandemError('TANDEM_CONFIG', `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`, { hint: 'Set TNS_ADMIN (or --oracle-home) to the directory holding tnsnames.ora.', cause: e });
    }
    const f = parseTnsnames(text);
    for (const [k, v] of f.entries) if (!entries.has(k)) entries.set(k, v);
    for (const inc of f.includes) await load(isAbsolute(inc) ? inc : join(dir, inc));
  };
  await load(join(dir, 'tnsnames.ora'));
  return { entries, includes: [] };
}

function bindDbType(d: OracleDb, t: OracleBindType): DbType {
  switch (t) {
    case 'varchar': return d.DB_TYPE_VARCHAR;
    case 'nvarchar': return d.DB_TYPE_NVARCHAR;
    case 'char': return d.DB_TYPE_CHAR;
    case 'nchar': return d.DB_TYPE_NCHAR;
    case 'long': return d.DB_TYPE_LONG;
    case 'clob': return d.DB_TYPE_CLOB;
    case 'nclob': return d.DB_TYPE_NCLOB;
    case 'raw': return d.DB_TYPE_RAW;
    case 'long_raw': return d.DB_TYPE_LONG_RAW;
    case 'blob': return d.DB_TYPE_BLOB;
    case 'binary_double': return d.DB_TYPE_BINARY_DOUBLE;
    case 'binary_float': return d.DB_TYPE_BINARY_FLOAT;
    case 'number': return d.DB_TYPE_NUMBER;
  }
}

/**
 * How each column type is fetched: NUMBER, LOB text and ROWIDs as strings (the thin driver decodes
 * NUMBER digit by digit into text: exact), BLOB as bytes, BINARY_FLOAT/DOUBLE as numbers (exact).
 * Dates, timestamps and intervals must be selected through TO_CHAR: the thin driver would turn them
 * into JavaScript Dates (milliseconds, local time zone), so fetching one raw is a programming error.
 */
function fetchTypeHandler(d: OracleDb): (m: Metadata) => { type?: DbType } | undefined {
  return (m) => {
    switch (m.dbType) {
      case d.DB_TYPE_NUMBER: case d.DB_TYPE_CLOB: case d.DB_TYPE_NCLOB: case d.DB_TYPE_ROWID: case d.DB_TYPE_XMLTYPE:
        return { type: d.STRING };
      case d.DB_TYPE_BLOB:
        return { type: d.BUFFER };
      case d.DB_TYPE_DATE: case d.DB_TYPE_TIMESTAMP: case d.DB_TYPE_TIMESTAMP_TZ: case d.DB_TYPE_TIMESTAMP_LTZ:
      case d.DB_TYPE_INTERVAL_DS: case d.DB_TYPE_INTERVAL_YM:
        throw new TandemError('TANDEM_UNSUPPORTED', `Column ${m.name} (${m.dbType.name}) was selected without TO_CHAR; Tandem reads date-times and intervals as text only.`, { hint: 'This is a bug in Tandem: report it.' });
      default:
        return undefined;
    }
  };
}

function wrap(e: unknown, where: string): unknown {
  return mapOracleError(e, where) ?? e;
}

class ThinSession implements OracleSession {
  constructor(private readonly d: OracleDb, private readonly conn: Connection, readonly describe: string) {}

  private opts() {
    return { outFormat: this.d.OUT_FORMAT_OBJECT, fetchTypeHandler: fetchTypeHandler(this.d) };
  }

  async query(sql: string, binds: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    try {
      return (await this.conn.execute(sql, binds, this.opts())).rows ?? [];
    } catch (e) {
      throw wrap(e, this.describe);
    }
  }

  async stream(sql: string, binds: Record<string, unknown>, batchRows: number, onRows: (rows: Record<string, unknown>[]) => Promise<void>): Promise<number> {
    let total = 0;
    try {
      const r = await this.conn.execute(sql, binds, { ...this.opts(), resultSet: true, fetchArraySize: batchRows });
      const rs = r.resultSet!;
      try {
        for (;;) {
          const rows = await rs.getRows(batchRows);
          if (rows.length === 0) break;
          total += rows.length;
          await onRows(rows);
        }
      } finally {
        await rs.close();
      }
    } catch (e) {
      throw wrap(e, this.describe);
    }
    return total;
  }

  async execute(sql: string, binds: Record<string, unknown> = {}): Promise<number> {
    try {
      return (await this.conn.execute(sql, binds, { autoCommit: false })).rowsAffected ?? 0;
    } catch (e) {
      throw wrap(e, this.describe);
    }
  }

  async executeMany(sql: string, rows: Record<string, unknown>[], bindTypes: Record<string, { type: OracleBindType; maxSize?: number }>): Promise<number> {
    if (rows.length === 0) return 0;
    const bindDefs = Object.fromEntries(Object.entries(bindTypes).map(([k, v]) => [k, { type: bindDbType(this.d, v.type), ...(v.maxSize ? { maxSize: v.maxSize } : {}) }]));
    try {
      return (await this.conn.executeMany(sql, rows, { autoCommit: false, bindDefs })).rowsAffected ?? 0;
    } catch (e) {
      throw wrap(e, this.describe);
    }
  }

  async commit(): Promise<void> {
    try { await this.conn.commit(); } catch (e) { throw wrap(e, this.describe); }
  }

  async rollback(): Promise<void> {
    try { await this.conn.rollback(); } catch (e) { throw wrap(e, this.describe); }
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => {});
  }
}

/** Credentials and Oracle-only settings that are not part of the connect target. */
export interface OracleLogin {
  readonly user: string;
  readonly password?: string;
  /** --oracle-home (for tnsnames.ora when TNS_ADMIN is not set). */
  readonly oracleHome?: string;
  /** --oracle-wallet-password (or ORACLE_WALLET_PASSWORD): for an encrypted ewallet.pem. */
  readonly walletPassword?: string;
  readonly connectTimeoutSeconds?: number;
}

/** The connect strings this process has opened a session on: an Oracle listener answers there. */
const reached = new Set<string>();

/**
 * Opens a session on the database holding the data (`pdb`) or on its container (`cdb`, for
 * LogMiner), with Tandem's session settings. Errors are TandemErrors by ORA-/NJS- code.
 */
export async function openOracleSession(options: OracleConnectOptions, login: OracleLogin, which: 'pdb' | 'cdb' = 'pdb', env: NodeJS.ProcessEnv = process.env): Promise<OracleSession> {
  const needsTns = options.tnsAlias !== undefined || options.cdbTnsAlias !== undefined;
  const tnsAdmin = tnsAdminDirectory(env, login.oracleHome);
  const tns = needsTns && tnsAdmin ? await readTnsnames(tnsAdmin) : undefined;
  const target: OracleConnectTarget = connectTarget(options, which, tns, tnsAdmin);
  const d = await loadOracleDriver();
  let conn: Connection;
  try {
    conn = await d.getConnection({
      user: login.user,
      ...(login.password !== undefined ? { password: login.password } : {}),
      connectString: target.connectString,
      ...(target.walletLocation ? { walletLocation: target.walletLocation } : {}),
      ...(login.walletPassword ? { walletPassword: login.walletPassword } : {}),
      ...(target.sslServerDNMatch !== undefined ? { sslServerDNMatch: target.sslServerDNMatch } : {}),
      ...(target.sslServerCertDN ? { sslServerCertDN: target.sslServerCertDN } : {}),
      connectTimeout: login.connectTimeoutSeconds ?? 30,
    });
  } catch (e) {
    // Before this process ever connected there, a connection closed at once is more likely the
    // wrong kind of server than a dropped one; after, it is a drop (a rerun resumes).
    if (reached.has(target.connectString)) throw wrap(e, target.describe);
    const byAlias = which === 'cdb' ? options.cdbTnsAlias ?? options.tnsAlias : options.tnsAlias;
    throw mapOracleConnectError(e, target.describe, byAlias !== undefined ? undefined : options.port ?? 1521) ?? e;
  }
  reached.add(target.connectString);
  const session = new ThinSession(d, conn, target.describe);
  try {
    await session.execute(sessionSettingsSql());
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}
