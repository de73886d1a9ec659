import { readFileSync } from 'node:fs';
import pg from 'pg';
import { TandemError } from '../../core/errors.js';
import { describeDb, type DbConfig } from '../../core/db-config.js';

// Keep every value in its text form: Tandem copies values, it never interprets them.
const identity = (v: string) => v;
const textTypes = { getTypeParser: () => identity } as unknown as pg.CustomTypesConfig;

export function clientConfig(c: DbConfig, extra: Partial<pg.ClientConfig> = {}): pg.ClientConfig {
  let ssl: pg.ClientConfig['ssl'];
  switch (c.sslMode ?? 'prefer') {
    case 'disable':
    case 'allow':
    case 'prefer':
      ssl = false; // node-postgres cannot "prefer"; plain connections like libpq's fallback
      break;
    case 'require':
      ssl = { rejectUnauthorized: false };
      break;
    case 'verify-ca':
    case 'verify-full':
      ssl = {
        rejectUnauthorized: true,
        ca: c.sslRootCert ? readFileSync(c.sslRootCert, 'utf8') : undefined,
        checkServerIdentity: c.sslMode === 'verify-ca' ? () => undefined : undefined,
      };
      break;
  }
  return {
    host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ssl,
    application_name: 'tandem', types: textTypes, connectionTimeoutMillis: 15000, ...extra,
  };
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
      return new TandemError('TANDEM_AUTH', `The password for user "${c.user}" was rejected by ${where}.`, {
        hint: `Pass the right password with --${c.role}-db-password, ${c.role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD, or the prompt.`,
      });
    case '28000':
      return new TandemError('TANDEM_AUTH', `${where} refused the login: ${err.message}`, { hint: 'Check the user name and pg_hba.conf on the server.' });
    case '3D000':
      return new TandemError('TANDEM_DB_MISSING', `The database "${c.database}" does not exist on ${c.host}:${c.port}.`, {
        hint: `Check --${c.role}-db-name${c.role === 'target' ? ', or create it first: CREATE DATABASE ' + c.database + ';' : ''}`,
      });
  }
  if (err.message && /timeout/i.test(err.message)) {
    return new TandemError('TANDEM_CONNECT', `Timed out connecting to ${where}.`, { hint: `Check --${c.role}-db-host and --${c.role}-db-port.` });
  }
  if (err.message && /password/i.test(err.message) && /SASL|client password/i.test(err.message)) {
    return new TandemError('TANDEM_AUTH', `${where} asks for a password and none was given.`, {
      hint: `Pass it with --${c.role}-db-password or ${c.role === 'source' ? 'SOURCE' : 'TARGET'}_DB_PASSWORD.`,
    });
  }
  return e;
}

/** Opens one connection with errors mapped for the user. */
export async function connectPg(c: DbConfig, extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(c, extra));
  client.on('error', () => { /* surfaced by the failing query instead */ });
  try {
    await client.connect();
  } catch (e) {
    client.end().catch(() => {});
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
