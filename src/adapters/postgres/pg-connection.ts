import pg from 'pg';
import { TandemError } from '../../core/errors.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';
import { q } from '../../core/sql-names.js';
import { defaultSslFiles, isServerWithoutTls, loadTlsOptions, planSsl, tlsFailure, type SslPlan } from './ssl-config.js';

// Keep every value in its text form: Tandem copies values, it never interprets them.
const identity = (v: string) => v;
const textTypes = { getTypeParser: () => identity } as unknown as pg.CustomTypesConfig;

/** The pg settings of one connection attempt. */
export interface PgAttempt {
  readonly tls: boolean;
  readonly config: pg.ClientConfig;
}

/**
 * How to open one connection: the attempts in libpq's order for the ssl mode (`prefer`: TLS, then
 * plain; `allow`: plain, then TLS; the others: one), and what messages name. Every connection
 * Tandem opens (queries, COPY, replication) goes through one.
 */
export interface PgConnectionPlan {
  readonly attempts: readonly PgAttempt[];
  readonly ssl?: SslPlan;
  /** The connection without its password, for messages. */
  readonly db?: Omit<DbConfig, 'password'>;
}

/**
 * The connection plan for `c` (TLS files read and checked here, so a bad file fails before any
 * connection); `extra` overrides pg settings of every attempt.
 * @example await ReplicationConnection.open(connectionPlan(source));
 */
/**
 * Set on every Tandem session right after it connects, as pg_dump sets them: a timeout the server,
 * database or role sets for its applications (`ALTER ROLE app SET statement_timeout = '30s'`, common
 * in production) would cancel a snapshot's COPY of a big table, a batch being loaded, or the
 * snapshot's exporting transaction while it sits idle for its readers. A SET rather than a startup
 * option: connection poolers (PgBouncer) refuse unknown startup options.
 */
export const SESSION_TIMEOUTS_SQL = 'SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0';

export function connectionPlan(c: DbConfig, extra: Partial<pg.ClientConfig> = {}): PgConnectionPlan {
  const ssl = planSsl(c, c.host, c.role, defaultSslFiles());
  const tlsOptions = ssl.tls ? loadTlsOptions(ssl.tls, c.role) : undefined;
  const base: pg.ClientConfig = {
    host: c.host, port: c.port, user: c.user, password: c.password, database: c.database,
    application_name: 'tandem', types: textTypes, connectionTimeoutMillis: 15000, ...extra,
  };
  const { password: _password, ...db } = c;
  return {
    ssl, db,
    attempts: ssl.attempts.map((kind) => ({ tls: kind === 'tls', config: { ...base, ssl: kind === 'tls' ? tlsOptions : false } })),
  };
}

/** A plan of one attempt with these pg settings (for callers that built them themselves). */
export function toConnectionPlan(config: pg.ClientConfig | PgConnectionPlan): PgConnectionPlan {
  return 'attempts' in config ? config : { attempts: [{ tls: Boolean(config.ssl), config }] };
}

const NETWORK_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Servers (host:port) that answered a TLS request of this process with "no TLS" (`ssl = off`). */
const SERVERS_WITHOUT_TLS = new Set<string>();
const serverKey = (config: pg.ClientConfig) => `${config.host ?? ''}:${config.port ?? ''}`;

/** libpq's retry rule: after which failures the next attempt (the other TLS choice) runs. */
function worthRetrying(attempt: PgAttempt, err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && NETWORK_FAILURES.has(e.code)) return false;
  if (typeof e?.message === 'string' && /timeout/i.test(e.message)) return false;
  // allow: plain first, TLS only when the server answered the plain attempt with an error.
  // prefer: TLS first, plain after any failure of the TLS attempt (no TLS, handshake, or refusal).
  return attempt.tls || err instanceof pg.DatabaseError;
}

/** Which failure says most: a refusal by pg_hba (28000) or "no TLS" says less than any other. */
function weight(err: unknown): number {
  if (isServerWithoutTls(err)) return 0;
  return (err as { code?: unknown })?.code === '28000' ? 1 : 2;
}

/**
 * Opens a connection by `plan`, trying its attempts as libpq does. A TLS failure becomes a
 * TandemError naming the mode and what failed; other errors go through `mapError`. `create` makes
 * the pg client of an attempt (e.g. adding `replication`).
 */
export async function openPgClient(
  plan: PgConnectionPlan,
  create: (config: pg.ClientConfig) => pg.Client,
  mapError: (err: unknown) => unknown,
): Promise<pg.Client> {
  const failures: { attempt: PgAttempt; err: unknown }[] = [];
  for (const [i, attempt] of plan.attempts.entries()) {
    // A server that answered this process's TLS request with "no TLS" is asked again only when
    // TLS is all the plan allows: where a plain attempt follows (prefer), it runs at once. libpq
    // goes on in plain on the same connection after that answer; node-postgres cannot, so every
    // TLS attempt at such a server costs a connection and a server process forked and dropped.
    if (attempt.tls && plan.attempts.slice(i + 1).some((a) => !a.tls) && SERVERS_WITHOUT_TLS.has(serverKey(attempt.config))) continue;
    const client = create(attempt.config);
    client.on('error', () => { /* a failed connect rejects; the caller listens once connected */ });
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.end().catch(() => {});
      if (attempt.tls && isServerWithoutTls(err)) SERVERS_WITHOUT_TLS.add(serverKey(attempt.config));
      failures.push({ attempt, err });
      if (!worthRetrying(attempt, err)) break;
    }
  }
  // The failure that says most; of equals, the last (as libpq reports the last attempt).
  const chosen = failures.reduce((best, f) => (weight(f.err) >= weight(best.err) ? f : best));
  throw explainFailure(plan, chosen.attempt, chosen.err, mapError);
}

function explainFailure(plan: PgConnectionPlan, attempt: PgAttempt, err: unknown, mapError: (err: unknown) => unknown): unknown {
  if (attempt.tls && plan.ssl && plan.db) {
    const t = tlsFailure(err, { db: plan.db, plan: plan.ssl });
    if (t) return t;
  }
  const mapped = mapError(err);
  if (!(mapped instanceof TandemError) || (err as { code?: unknown })?.code !== '28000' || !plan.ssl) return mapped;
  // pg_hba refused the login: the TLS choice may be why.
  const role = plan.db?.role ?? '*';
  let extra: string | undefined;
  if (!attempt.tls && plan.ssl.mode === 'disable') {
    extra = `If the server accepts this host only over TLS ("hostssl" lines in pg_hba.conf, as on managed services), use --${role}-ssl-mode verify-full with --${role}-ssl-root-cert <CA file> (or require, which does not check the certificate).`;
  } else if (attempt.tls && !plan.ssl.tls?.cert) {
    extra = `If pg_hba.conf asks this user for a client certificate ("cert", or clientcert=verify-ca/verify-full), pass it with --${role}-ssl-cert and its key with --${role}-ssl-key.`;
  }
  if (!extra) return mapped;
  return new TandemError(mapped.code, mapped.message, { hint: mapped.hint ? `${mapped.hint} ${extra}` : extra, cause: err });
}

/** Turns a driver error into one clear TandemError; unknown errors pass through unchanged. */
export function mapConnectError(e: unknown, c: DbConfig): unknown {
  const err = e as { code?: string; message?: string };
  const where = `the ${c.role} database ${describeDb(c)}`;
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
      return new TandemError('TANDEM_CONNECT', `Cannot reach ${where} (${err.code}).`, {
        hint: `Check --${c.role}-db-host and --${c.role}-db-port and that the server accepts TCP connections.`,
      });
    case '28P01':
      // No password at all (no flag, no environment variable, no terminal to prompt on) is not a wrong one.
      if (!c.password) {
        return new TandemError('TANDEM_AUTH', `User "${c.user}" was rejected by ${where}, and no password was given.`, {
          hint: `Pass it with --${c.role}-db-password or ${c.role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD (Tandem prompts for it only when its input is a terminal, and not with --yes).`,
        });
      }
      return new TandemError('TANDEM_AUTH', `The password for user "${c.user}" was rejected by ${where}.`, {
        hint: `Pass the right password with --${c.role}-db-password, ${c.role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD, or the prompt.`,
      });
    case '28000':
      return new TandemError('TANDEM_AUTH', `${where} refused the login: ${err.message}`, { hint: 'Check the user name and pg_hba.conf on the server.' });
    case '42501':
      // insufficient_privilege at login: the user lacks CONNECT on the database (PUBLIC's was revoked).
      return new TandemError('TANDEM_PRIVILEGE', `User "${c.user}" may not connect to ${where}: ${err.message}.`, {
        hint: `As a superuser or the database's owner: GRANT CONNECT ON DATABASE ${q(c.database)} TO ${q(c.user)}; then rerun the same command.`,
      });
    case '57P03':
      // cannot_connect_now: "the database system is starting up" (or in recovery, or shutting down).
      // Measured before: "A database connection was lost", for a connection never made (the mysql-chaos run).
      return new TandemError('TANDEM_CONNECT', `${where.charAt(0).toUpperCase()}${where.slice(1)} does not accept connections yet: ${err.message}.`, {
        hint: 'It is starting up or recovering after a crash: rerun the same command once it accepts connections (a few seconds, usually). A command already running waits for it by itself.',
      });
    case '3D000':
      return new TandemError('TANDEM_DB_MISSING', `The database "${c.database}" does not exist on ${c.host}:${c.port}.`, {
        hint: `Check --${c.role}-db-name${c.role === 'target' ? ', or create it first: CREATE DATABASE ' + c.database + ';' : ''}`,
      });
  }
  if (err.message && /timeout/i.test(err.message)) {
    return new TandemError('TANDEM_CONNECT', `Timed out connecting to ${where}.`, { hint: `Check --${c.role}-db-host and --${c.role}-db-port.` });
  }
  // pg-protocol's parser meets a first byte no PostgreSQL server sends (a MySQL server's greeting, say).
  if (err.message && /^received invalid response: /.test(err.message)) {
    return new TandemError('TANDEM_CONNECT', `The server at ${c.host}:${c.port} does not answer as PostgreSQL does (${err.message}): another kind of server listens there.`, {
      hint: `Check --${c.role}-db-port${c.role === 'source' ? ' and --source-db-type (mysql for a MySQL or MariaDB server)' : ''}.`,
    });
  }
  // Closed by the server before any PostgreSQL answer: another kind of server (a MariaDB that
  // took the SSL request for a bad handshake), or one that refuses this host.
  if (err.message === 'Connection terminated unexpectedly') {
    return new TandemError('TANDEM_CONNECT', `The server at ${c.host}:${c.port} closed the connection as Tandem connected, without a PostgreSQL answer.`, {
      hint: `Check --${c.role}-db-port${c.role === 'source' ? ' and --source-db-type (mysql for a MySQL or MariaDB server)' : ''}, that the server runs, and its log (it may refuse this host).`,
      cause: e,
    });
  }
  if (err.message && /password/i.test(err.message) && /SASL|client password/i.test(err.message)) {
    return new TandemError('TANDEM_AUTH', `${where} asks for a password and none was given.`, {
      hint: `Pass it with --${c.role}-db-password or ${c.role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD.`,
    });
  }
  return e;
}

/** Opens one connection (TLS as the ssl mode says) with errors mapped for the user. */
export async function connectPg(c: DbConfig, extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = await openPgClient(connectionPlan(c, extra), (config) => new pg.Client(config), (e) => mapConnectError(e, c));
  try {
    await client.query(SESSION_TIMEOUTS_SQL);
  } catch (e) {
    await client.end().catch(() => {});
    throw mapConnectError(e, c);
  }
  return client;
}

export interface ServerInfo {
  readonly versionNum: number;
  readonly versionText: string;
  readonly isYugabyte: boolean;
}

export async function serverInfo(client: pg.Client): Promise<ServerInfo> {
  const r = await client.query("SELECT version() AS v, current_setting('server_version_num') AS n");
  const versionText = String(r.rows[0].v);
  return { versionText, versionNum: Number(r.rows[0].n), isYugabyte: /-YB-/.test(versionText) || /\bYB\b/.test(versionText) };
}

/** Runs fn in a connection that is always closed afterwards. */
export async function withPg<T>(c: DbConfig, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectPg(c);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Settings of a session that writes migrated rows; a server that refuses one leaves it as it was.
 * - row_security off: where a policy would filter a statement for this user, the statement then
 *   fails (SQLSTATE 42501) instead of silently touching fewer rows (`import data` refuses such
 *   tables first; this is the second line).
 * - lc_monetary C: `money` is read in C's text form (`CANONICAL_SESSION_OPTIONS`, the snapshot
 *   reader) and parsed by the same rules here, whatever either server's setting (a source with a
 *   German lc_monetary sent `1.234,56 €`, which a target in C refused).
 * - array_nulls on: an unquoted NULL in an array's text is a null element (with it off, as a
 *   server may be configured for old applications, it was read as the text 'NULL', silently).
 * - standard_conforming_strings on: a name or value quoted in a statement's text keeps its
 *   backslashes (values travel dollar-quoted or as parameters anyway).
 * - xmloption content: an `xml` value is read as XML content, as the source's default wrote it
 *   (with DOCUMENT, as a database may be set, a value like `just text` stopped the load: the
 *   pg-fidelity run). YugabyteDB has no xml type; a server without the setting keeps its own.
 */
export async function prepareWritingSession(client: pg.Client): Promise<void> {
  await client.query('SET row_security = off').catch(() => {});
  await client.query("SET lc_monetary = 'C'; SET array_nulls = on; SET standard_conforming_strings = on").catch(() => {});
  await client.query('SET xmloption = content').catch(() => {});
}
