/**
 * Connections to a MySQL 8.0+ or MariaDB 10.6+ source: the spec's SSL modes mapped onto mysql2,
 * session settings pinned so that every value arrives exactly (see `SESSION_SETTINGS`), driver
 * errors mapped to TandemErrors by errno / `err.code`, and the server's flavour and version checked.
 *
 * Every value arrives as text (a JS string) or as raw bytes (a Buffer), never as a JS number, Date
 * or parsed JSON: integers of every width, DECIMAL, FLOAT/DOUBLE, YEAR as their text; DATE,
 * DATETIME, TIMESTAMP (in UTC) and TIME as the server prints them (zero dates included); JSON as its
 * text; binary strings, BLOBs, BIT and spatial values as Buffers. `values/` converts that text.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import mysql from 'mysql2/promise';
import type { ConnectionOptions, Connection, SslOptions, TypeCast } from 'mysql2/promise';
import { TandemError } from '../../core/errors.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { checkSupportedVersion, parseServerVersion, type MySqlServerInfo } from './server-version.js';

export type { MySqlServerInfo } from './server-version.js';

/** A MySQL connection config: the common one plus the client certificate of `--source-ssl-cert/-key`. */
export interface MySqlDbConfig extends DbConfig {
  /** Client certificate (PEM file) for servers that require one (`REQUIRE X509`). */
  readonly sslCert?: string;
  /** The client certificate's private key (PEM file). */
  readonly sslKey?: string;
}

/** The port Tandem uses when `--source-db-port` is not given. */
export const MYSQL_DEFAULT_PORT = 3306;

/**
 * The session's `sql_mode`, chosen for exact reads and writes:
 * - `STRICT_ALL_TABLES`: a fall-back write that does not fit fails instead of being truncated.
 * - `NO_AUTO_VALUE_ON_ZERO`: writing 0 into an AUTO_INCREMENT column stores 0, as the source did,
 *   instead of taking the next counter value.
 * - `NO_ENGINE_SUBSTITUTION`: Tandem's own tables are InnoDB or nothing.
 * Left out on purpose: `NO_BACKSLASH_ESCAPES` (mysql2 escapes literals with backslashes),
 * `ANSI_QUOTES` and `PIPES_AS_CONCAT` (Tandem's SQL uses backquotes and CONCAT), `NO_ZERO_DATE` /
 * `NO_ZERO_IN_DATE` (they change nothing for reads; the zero-date check reads the source's own mode).
 */
export const SESSION_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'; // the server's own order

/**
 * Set on every connection: TIMESTAMP values shown in UTC (DATETIME is unaffected: it has no time
 * zone), the sql_mode above, utf8mb4 in both directions, and a long write timeout so that a
 * snapshot reader the target slows down is not cut off by the server.
 */
export const SESSION_SETTINGS = `SET SESSION time_zone = '+00:00', sql_mode = '${SESSION_SQL_MODE}', `
  + "character_set_client = 'utf8mb4', character_set_connection = 'utf8mb4', character_set_results = 'utf8mb4', "
  + 'net_write_timeout = 3600, net_read_timeout = 3600';

/**
 * No limit on a statement's run time, whatever the server sets for its applications (MariaDB's
 * `max_statement_time`, MySQL's `max_execution_time`, which applies to SELECTs): a limit would cut
 * off a snapshot's read of a big table.
 */
export function statementLimitOff(server: Pick<MySqlServerInfo, 'flavor'>): string {
  return server.flavor === 'mariadb' ? ', max_statement_time = 0' : ', max_execution_time = 0';
}

/** Numbers arrive as their text; spatial values as their bytes; everything else as mysql2's text/Buffer. */
const exactTypeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case 'TINY': case 'SHORT': case 'LONG': case 'INT24': case 'LONGLONG': case 'YEAR':
    case 'FLOAT': case 'DOUBLE': case 'DECIMAL': case 'NEWDECIMAL':
      return field.string('ascii');
    case 'GEOMETRY':
      return field.buffer();
    default:
      // DATE/DATETIME/TIMESTAMP as text (dateStrings), TIME as text, JSON as text (jsonStrings),
      // binary-collated strings, BLOBs and BIT as Buffers, other strings decoded from utf8mb4.
      return next();
  }
};

type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function readPem(path: string | undefined, flag: string, c: MySqlDbConfig): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new TandemError('TANDEM_TLS', `Cannot read ${flag} ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: `Pass a readable PEM file for the ${c.role} database's ${flag}.`,
    });
  }
}

/**
 * mysql2's `ssl` option for the spec's `--*-ssl-mode`: undefined for a plain connection.
 * - `disable`, `allow`: plain (`allow` would only try TLS after a plain login failed, which MySQL
 *   cannot tell apart from a wrong password).
 * - `prefer` (the default): TLS without verification; `connectMySql` falls back to plain when the
 *   server has no TLS.
 * - `require`: TLS without verification, unless a root certificate is given (then as `verify-ca`,
 *   like libpq).
 * - `verify-ca`: TLS, the server certificate must chain to `--*-ssl-root-cert`.
 * - `verify-full`: as `verify-ca`, and the certificate must name the host (its DNS name or IP address).
 * `--*-ssl-cert` / `--*-ssl-key` add a client certificate in every TLS mode.
 */
export function sslOptions(c: MySqlDbConfig): SslOptions | undefined {
  const mode = (c.sslMode ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(mode)) {
    throw new TandemError('TANDEM_USAGE', `--${c.role}-ssl-mode ${mode} is not one of ${SSL_MODES.join(', ')}.`);
  }
  // mysql2 builds its TLS context without a CRL: refused rather than accepted and never checked
  // (measured before: accepted silently; the docs-claims run).
  if (c.sslCrl) {
    throw new TandemError('TANDEM_USAGE', `--${c.role}-ssl-crl does not apply to a MySQL/MariaDB ${c.role}: Tandem's MySQL driver cannot check a certificate revocation list.`, {
      hint: `Leave --${c.role}-ssl-crl out (the server's certificate is still checked against --${c.role}-ssl-root-cert with verify-ca or verify-full).`,
    });
  }
  if (mode === 'disable' || mode === 'allow') return undefined;
  const ca = readPem(c.sslRootCert, `--${c.role}-ssl-root-cert`, c);
  const cert = readPem(c.sslCert, `--${c.role}-ssl-cert`, c);
  const key = readPem(c.sslKey, `--${c.role}-ssl-key`, c);
  if ((cert === undefined) !== (key === undefined)) {
    throw new TandemError('TANDEM_TLS', `--${c.role}-ssl-cert and --${c.role}-ssl-key go together.`, {
      hint: 'Pass both the client certificate and its key, or neither.',
    });
  }
  const verify = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && ca !== undefined);
  if ((mode === 'verify-ca' || mode === 'verify-full') && ca === undefined) {
    throw new TandemError('TANDEM_TLS', `--${c.role}-ssl-mode ${mode} checks the server's certificate against a CA certificate, and none was given (--${c.role}-ssl-root-cert).`, {
      hint: 'Pass the CA certificate (PEM) that signed the server certificate.',
    });
  }
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert, key } : {}),
    rejectUnauthorized: verify,
    // mysql2 checks the name only for host names (for an IP it would compare with "localhost"):
    // `connectMySql` checks an IP against the certificate itself, before any query runs.
    verifyIdentity: mode === 'verify-full' && isIP(c.host) === 0,
  };
}

/** mysql2 connection options for `c`, with the exact-value settings; `extra` overrides. */
export function mysqlConnectionOptions(c: MySqlDbConfig, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    host: c.host,
    port: c.port || MYSQL_DEFAULT_PORT,
    user: c.user,
    password: c.password ?? '',
    database: c.database,
    ssl: sslOptions(c),
    charset: 'UTF8MB4_GENERAL_CI',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    typeCast: exactTypeCast,
    connectTimeout: 15_000,
    multipleStatements: false,
    ...extra,
  };
}

/** errno values, for servers whose codes mysql2 names differently (MariaDB's 4xxx numbers). */
const ERRNO = {
  ACCESS_DENIED: 1045,
  DB_ACCESS_DENIED: 1044,
  BAD_DB: 1049,
  HOST_NOT_PRIVILEGED: 1130,
  HOST_IS_BLOCKED: 1129,
  TOO_MANY_CONNECTIONS: 1040,
  USER_LIMIT_REACHED: 1226,
  ACCESS_DENIED_NO_PASSWORD: 1698,
  MUST_CHANGE_PASSWORD: 1820,
  MUST_CHANGE_PASSWORD_LOGIN: 1862,
  MYSQL_ACCOUNT_LOCKED: 3118,
  MARIADB_ACCOUNT_LOCKED: 4151,
  SECURE_TRANSPORT_REQUIRED: 3159,
} as const;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HANDSHAKE_SSL_ERROR', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/**
 * Turns a mysql2 connection error into one clear TandemError, by errno or `err.code` (never by the
 * message text); unknown errors pass through unchanged. Never includes the password.
 */
export function mapMySqlConnectError(e: unknown, c: Pick<MySqlDbConfig, 'role' | 'host' | 'port' | 'user' | 'database' | 'sslMode' | 'password'>): unknown {
  const err = e as { code?: unknown; errno?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const errno = typeof err?.errno === 'number' ? err.errno : undefined;
  const where = `the ${c.role} database ${describeDb(c)}`;
  const role = c.role;
  const variable = `${role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD`;
  const make = (code: ConstructorParameters<typeof TandemError>[0], message: string, hint: string) => new TandemError(code, message, { hint, cause: e });
  if (code && NETWORK_CODES.has(code)) {
    // A server that accepts the connection but never sends MySQL's greeting (PostgreSQL waits for
    // the client to speak first) ends in the same timeout.
    const silent = code === 'ETIMEDOUT' ? ` A server that accepts the connection but does not greet as MySQL does (a PostgreSQL server, say) ends this way too: check${role === 'source' ? ' --source-db-type and' : ''} the port.` : '';
    return make('TANDEM_CONNECT', `Cannot reach ${where} (${code}).`, `Check --${role}-db-host and --${role}-db-port (MySQL's default is 3306) and that the server accepts TCP connections.${silent}`);
  }
  if (code === 'PROTOCOL_CONNECTION_LOST') {
    return make('TANDEM_CONNECT', `${where} closed the connection during the login.`, `Check that --${role}-db-host/--${role}-db-port point at a MySQL or MariaDB server.`);
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return make('TANDEM_TLS', `${where} does not offer TLS, and --${role}-ssl-mode ${c.sslMode} requires it.`, `Enable TLS on the server, or choose --${role}-ssl-mode prefer or disable.`);
  }
  if (code && TLS_CODES.has(code)) {
    return make('TANDEM_TLS', `The TLS handshake with ${where} failed (${code}).`, `Check --${role}-ssl-root-cert (the CA that signed the server certificate) and, for verify-full, that the certificate names ${c.host}.`);
  }
  switch (errno) {
    case ERRNO.ACCESS_DENIED:
    case ERRNO.ACCESS_DENIED_NO_PASSWORD:
      // No flag, no variable and no terminal to prompt in (a script): said as such, not as a wrong password.
      if (!c.password) {
        return make('TANDEM_AUTH', `The user "${c.user}" was rejected by ${where}, and no password was given.`,
          `Pass it with --${role}-db-password or ${variable} (Tandem prompts for it only when run in a terminal, and not with --yes); check --${role}-db-user.`);
      }
      return make('TANDEM_AUTH', `The user name or password for user "${c.user}" was rejected by ${where}.`,
        `Check --${role}-db-user and pass the right password with --${role}-db-password, ${variable}, or the prompt. A user may also be limited to certain client hosts ('${c.user}'@'host').`);
    case ERRNO.HOST_NOT_PRIVILEGED:
      return make('TANDEM_AUTH', `${where} does not let user "${c.user}" connect from this machine.`,
        `Create the account for this client's host on the server (CREATE USER '${c.user}'@'<this host>' ...) or use an account that may connect from here.`);
    case ERRNO.HOST_IS_BLOCKED:
      return make('TANDEM_CONNECT', `${where} blocks this machine after too many failed connections.`, 'Run FLUSH HOSTS on the server (or raise max_connect_errors).');
    case ERRNO.TOO_MANY_CONNECTIONS:
    case ERRNO.USER_LIMIT_REACHED:
      return make('TANDEM_CONNECT', `${where} has no free connection for user "${c.user}".`, 'Raise max_connections (or the user\'s MAX_USER_CONNECTIONS), or lower --parallel-jobs.');
    case ERRNO.MUST_CHANGE_PASSWORD:
    case ERRNO.MUST_CHANGE_PASSWORD_LOGIN:
      return make('TANDEM_AUTH', `The password of user "${c.user}" on ${where} has expired.`, 'Set a new password for the user (ALTER USER ... IDENTIFIED BY ...), then retry.');
    case ERRNO.MYSQL_ACCOUNT_LOCKED:
    case ERRNO.MARIADB_ACCOUNT_LOCKED:
      return make('TANDEM_AUTH', `The account "${c.user}" is locked on ${where}.`, `Unlock it: ALTER USER '${c.user}'@'<host>' ACCOUNT UNLOCK.`);
    case ERRNO.SECURE_TRANSPORT_REQUIRED:
      return make('TANDEM_TLS', `${where} accepts only TLS connections.`, `Use --${role}-ssl-mode prefer, require, verify-ca or verify-full.`);
    case ERRNO.BAD_DB:
      return make('TANDEM_DB_MISSING', `The database "${c.database}" does not exist on ${c.host}:${c.port}.`,
        `Check --${role}-db-name (MySQL database names are case-sensitive on most systems); SHOW DATABASES lists them.`);
    case ERRNO.DB_ACCESS_DENIED:
      // MySQL says the same to a user without rights there when the database does not exist (the docs-truth-51 run).
      return make('TANDEM_PRIVILEGE', `User "${c.user}" may not use the database "${c.database}" on ${c.host}:${c.port}, or it does not exist: the server says the same for both to a user without rights on it.`,
        `Check --${role}-db-name first (MySQL database names are case-sensitive on most systems); if it is right: GRANT SELECT ON \`${c.database}\`.* TO '${c.user}'@'<host>';`);
  }
  return e;
}

/**
 * verify-full to an IP address: the certificate must list that address. mysql2 cannot check this
 * during the handshake, so it is checked here, right after it and before any query.
 */
function checkIpIdentity(connection: Connection, c: MySqlDbConfig): void {
  if (c.sslMode !== 'verify-full' || isIP(c.host) === 0) return;
  const stream = (connection as unknown as { connection?: { stream?: Partial<TLSSocket> } }).connection?.stream;
  const cert = typeof stream?.getPeerCertificate === 'function' ? stream.getPeerCertificate() : undefined;
  const problem = cert && Object.keys(cert).length > 0 ? checkServerIdentity(c.host, cert) : new Error('no peer certificate');
  if (problem) {
    connection.destroy();
    throw new TandemError('TANDEM_TLS', `The certificate of the ${c.role} database ${describeDb(c)} does not name ${c.host} (--${c.role}-ssl-mode verify-full).`, {
      hint: `Connect with the name or address the certificate lists, or use --${c.role}-ssl-mode verify-ca.`,
    });
  }
}

async function rawConnect(c: MySqlDbConfig, extra: Partial<ConnectionOptions>): Promise<Connection> {
  const options = mysqlConnectionOptions(c, extra);
  try {
    const connection = await mysql.createConnection(options);
    checkIpIdentity(connection, c);
    return connection;
  } catch (e) {
    if (e instanceof TandemError) throw e;
    // "prefer": a server without TLS is accepted in plain text, as libpq does.
    const code = (e as { code?: unknown }).code;
    if ((c.sslMode ?? 'prefer') === 'prefer' && code === 'HANDSHAKE_NO_SSL_SUPPORT') {
      try {
        return await mysql.createConnection({ ...options, ssl: undefined });
      } catch (e2) {
        throw mapMySqlConnectError(e2, c);
      }
    }
    throw mapMySqlConnectError(e, c);
  }
}

/** An open connection together with what the server is. */
export interface MySqlSession {
  readonly connection: Connection;
  readonly server: MySqlServerInfo;
}

/**
 * Opens one connection with errors mapped for the user, pins the session settings, and refuses a
 * server older than MySQL 8.0 / MariaDB 10.6 (TANDEM_UNSUPPORTED). The caller ends the connection.
 */
export async function connectMySql(c: MySqlDbConfig, extra: Partial<ConnectionOptions> = {}): Promise<MySqlSession> {
  const connection = await rawConnect(c, extra);
  connection.on('error', () => { /* surfaced by the failing query instead */ });
  try {
    const [rows] = await connection.query<any[]>('SELECT VERSION() AS version, @@version_comment AS comment');
    const server = parseServerVersion(String(rows[0].version), String(rows[0].comment ?? ''));
    checkSupportedVersion(server, `the ${c.role} database ${describeDb(c)}`);
    await connection.query(SESSION_SETTINGS + statementLimitOff(server));
    return { connection, server };
  } catch (e) {
    connection.destroy();
    // MariaDB lets an account whose password expired log in (sandbox mode) and refuses its first
    // statement (measured before: an internal error, exit 70; the docs-claims run).
    throw (e as { errno?: unknown }).errno === ERRNO.MUST_CHANGE_PASSWORD ? mapMySqlConnectError(e, c) : e;
  }
}

/** Runs `fn` with a connection that is always closed afterwards. */
export async function withMySql<T>(c: MySqlDbConfig, fn: (session: MySqlSession) => Promise<T>): Promise<T> {
  const session = await connectMySql(c);
  try {
    return await fn(session);
  } finally {
    await session.connection.end().catch(() => session.connection.destroy());
  }
}

/** Error codes after which a connection is gone (a restart, a failover, a cut network, a KILL). */
const CONNECTION_LOSS_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'HEARTBEAT_TIMEOUT', 'ECONNREFUSED']);
const CONNECTION_LOSS_ERRNOS = new Set([
  1053, // ER_SERVER_SHUTDOWN
  // Aborted connection, packet and net errors; not 1153 (ER_NET_PACKET_TOO_LARGE): the server closes
  // the connection, but a statement over max_allowed_packet fails again on every new one (measured
  // before: the fall-back writer reconnected and resent it 694 times in 5 minutes; the mysql-hostile run).
  1152, 1154, 1155, 1156, 1157, 1158, 1159, 1160, 1161,
  1927, // MariaDB ER_CONNECTION_KILLED
  2013, // CR_SERVER_LOST
  3169, // MySQL ER_SESSION_WAS_KILLED
]);

/** True when a mysql2 error says the connection was lost (its code or errno, never its text). */
export function isMySqlConnectionLoss(e: unknown): boolean {
  const err = e as { code?: unknown; errno?: unknown } | undefined;
  if (typeof err?.code === 'string' && CONNECTION_LOSS_CODES.has(err.code)) return true;
  return typeof err?.errno === 'number' && CONNECTION_LOSS_ERRNOS.has(err.errno);
}
