/**
 * Starts throw-away MariaDB servers for tests, from Debian's binaries (`mariadb-install-db`,
 * `mariadbd`, MariaDB 10.11 here). Each server gets its own temp dir (data, socket, binlogs, error
 * log) owned by the `mysql` user, listens on a free loopback port, writes a row-format binlog with
 * full row images and GTIDs, and is stopped and deleted when the test process exits. `root` has a
 * password over TCP and the socket alike, so tests can create less-privileged users and check
 * wrong-password cases. No defaults file is read (`--no-defaults`): the machine's own MariaDB on
 * 3306 and its `/etc/mysql` configuration are never touched.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { copyOfTemplate } from './data-dir-template.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../../demo/embedded-server.js';

export const MARIADB_ROOT = 'root';
export const MARIADB_ROOT_PASSWORD = 'tandem-test-pw';

const INSTALL_DB = 'mariadb-install-db';
const MARIADBD = '/usr/sbin/mariadbd';

/**
 * Server settings, as `mariadbd --<name>=<value>` options (dashes or underscores). A value of `null`
 * removes a default, e.g. `{ 'log-bin': null }` starts a server without a binlog.
 */
export type MariaDbSettings = Record<string, string | number | null>;

export interface MariaDbServer {
  readonly host: string;
  readonly port: number;
  /** The administrator (`root`), with a password. */
  readonly user: string;
  readonly password: string;
  /** `SELECT VERSION()`, e.g. `10.11.19-MariaDB-0+deb12u1-log`. */
  readonly version: string;
  /** The server's temp dir (data dir in `data/`, binlogs `binlog.*`, error log `error.log`). */
  readonly dir: string;
  /** The unix socket path (for tools; tests normally use TCP). */
  readonly socketPath: string;
  /** A connection to `database` (none when omitted) as root, multiple statements allowed; the caller ends it. */
  connect(database?: string): Promise<mysql.Connection>;
  /**
   * Runs SQL as root (several statements allowed, `?` placeholders filled client-side) and returns
   * the last result set's rows; for a statement without rows, its result header.
   */
  sql(database: string | undefined, text: string, params?: unknown[]): Promise<any[]>;
  createDatabase(name: string): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 20 s) and deletes its files. */
  stop(): Promise<void>;
}

/** Fast, small and binlogged: the defaults every test server starts with. */
const DEFAULT_SETTINGS: MariaDbSettings = {
  'bind-address': '127.0.0.1',
  'skip-name-resolve': 'ON',
  'character-set-server': 'utf8mb4',
  'collation-server': 'utf8mb4_general_ci',
  'log-bin': 'binlog',
  'binlog-format': 'ROW',
  'binlog-row-image': 'FULL',
  'gtid-strict-mode': 'ON',
  'log-slave-updates': 'ON',
  'gtid-domain-id': 0,
  'innodb-buffer-pool-size': '32M',
  'innodb-log-file-size': '8M',
  'innodb-flush-log-at-trx-commit': 2,
  'innodb-doublewrite': 0,
  'sync-binlog': 0,
  'max-connections': 200,
  'performance-schema': 'OFF',
};

const INSTALL_ARGS = [
  ...(userInfo().uid === 0 ? ['--user=mysql'] : []),
  '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve',
  '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M',
];

/** A new data directory: a copy of one mariadb-install-db made once per machine and MariaDB build (`copyOfTemplate`). */
function newDataDir(dataDir: string): void {
  copyOfTemplate('mariadb', `${statSync(MARIADBD).mtimeMs}|${INSTALL_ARGS.join(' ')}`, 'mysql', dataDir, (work, dir) => {
    if (userInfo().uid === 0) {
      const { uid, gid } = mysqlIds();
      chownSync(work, uid, gid);
    }
    const install = spawnSync(INSTALL_DB, ['--no-defaults', `--datadir=${dir}`, ...INSTALL_ARGS], { encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed (${install.status}): ${install.stderr}${install.stdout}`);
  });
}

const running = new Set<() => void>();
process.on('exit', () => {
  for (const stop of running) stop();
});

function mysqlIds(): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', 'mysql']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'mysql']).toString().trim()),
  };
}

function normalise(name: string): string {
  return name.replace(/_/g, '-');
}

function serverArgs(dir: string, port: number, serverId: number, settings: MariaDbSettings): string[] {
  const merged = new Map<string, string | number | null>();
  for (const [k, v] of Object.entries(DEFAULT_SETTINGS)) merged.set(normalise(k), v);
  merged.set('server-id', serverId);
  for (const [k, v] of Object.entries(settings)) merged.set(normalise(k), v);
  const args = [
    '--no-defaults',
    `--datadir=${join(dir, 'data')}`,
    `--port=${port}`,
    `--socket=${join(dir, 'mariadb.sock')}`,
    `--pid-file=${join(dir, 'mariadb.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
  ];
  if (userInfo().uid === 0) args.push('--user=mysql');
  for (const [k, v] of merged) {
    if (v === null) continue;
    // A relative log-bin base would land in the data dir; keep binlogs next to it, in the temp dir.
    args.push(k === 'log-bin' && !String(v).startsWith('/') ? `--log-bin=${join(dir, String(v))}` : `--${k}=${v}`);
  }
  return args;
}

function errorLogTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no error log)';
  }
}

async function waitForSocket(dir: string, child: ChildProcess): Promise<mysql.Connection> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (;;) {
    if (exited) throw new Error(`mariadbd exited during start-up:\n${errorLogTail(dir)}`);
    try {
      // After mariadb-install-db --auth-root-authentication-method=normal, root has no password yet.
      return await mysql.createConnection({ socketPath: join(dir, 'mariadb.sock'), user: MARIADB_ROOT, password: '', multipleStatements: true });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`mariadbd did not accept connections within 60 s (${(err as Error).message}):\n${errorLogTail(dir)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function isResultHeader(r: unknown): boolean {
  return !!r && typeof r === 'object' && !Array.isArray(r) && 'affectedRows' in r && 'insertId' in r;
}

/** mysql2 returns rows, a result header, or (several statements) an array of those: pick the last rows. */
function lastRows(result: unknown): any[] {
  if (!Array.isArray(result)) return [result];
  const multi = result.length > 0 && result.every((r) => Array.isArray(r) || isResultHeader(r));
  if (!multi) return result;
  for (let i = result.length - 1; i >= 0; i--) if (Array.isArray(result[i])) return result[i];
  return [result[result.length - 1]];
}

/**
 * Starts a MariaDB server from Debian's binaries. `settings` override or remove the defaults
 * (row binlog, full row image, GTID strict mode, utf8mb4, small buffers, relaxed durability), e.g.
 * `{ binlog_format: 'STATEMENT' }`.
 */
export async function startMariaDb(settings: MariaDbSettings = {}): Promise<MariaDbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-mariadb-'));
  if (userInfo().uid === 0) {
    const { uid, gid } = mysqlIds();
    chownSync(dir, uid, gid);
  }
  try {
    newDataDir(join(dir, 'data'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const serverId = 1000 + Math.floor(Math.random() * 100_000);
  let port = 0;
  let child: ChildProcess | undefined;
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try { child?.kill('SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stopSync);
  let boot: mysql.Connection | undefined;
  // A free port can be taken by someone else before mariadbd binds it: then it exits, and we try another.
  for (let attempt = 1; boot === undefined; attempt++) {
    port = await freePort();
    // The server's SYSTEM time zone is its process's: UTC, so that a test's literal TIMESTAMP means
    // the same instant on any machine (under TZ=Pacific/Chatham a type test read 12:45 hours off).
    child = spawn(MARIADBD, serverArgs(dir, port, serverId, settings), { stdio: 'ignore', env: { ...process.env, TZ: 'UTC' } });
    try {
      boot = await waitForSocket(dir, child);
    } catch (err) {
      const exited = child.exitCode !== null || child.signalCode !== null;
      if (!exited || attempt === 3) {
        running.delete(stopSync);
        stopSync();
        throw err;
      }
    }
  }
  const server = child!;
  let version: string;
  try {
    try {
      // Give every root account the password; drop the one named after the machine (unusable
      // under skip-name-resolve). Kept out of the binlog so that it starts empty.
      const [users] = await boot.query<any[]>("SELECT User, Host FROM mysql.user WHERE User = 'root'");
      const statements = ['SET SESSION sql_log_bin = 0'];
      for (const u of users) {
        const account = `root@'${String(u.Host).replace(/'/g, "''")}'`;
        statements.push(['localhost', '127.0.0.1', '::1'].includes(u.Host)
          ? `ALTER USER ${account} IDENTIFIED BY '${MARIADB_ROOT_PASSWORD}'`
          : `DROP USER ${account}`);
      }
      statements.push('FLUSH PRIVILEGES');
      await boot.query(statements.join(';\n'));
      const [rows] = await boot.query<any[]>('SELECT VERSION() AS v');
      version = rows[0].v;
    } finally {
      await boot.end();
    }
  } catch (err) {
    running.delete(stopSync);
    stopSync();
    throw err;
  }

  const host = '127.0.0.1';
  const connect = (database?: string) => mysql.createConnection({
    host, port, user: MARIADB_ROOT, password: MARIADB_ROOT_PASSWORD, database, multipleStatements: true,
  });
  return {
    host, port, version, dir, user: MARIADB_ROOT, password: MARIADB_ROOT_PASSWORD,
    socketPath: join(dir, 'mariadb.sock'),
    connect,
    async sql(database, text, params) {
      const c = await connect(database);
      try {
        const [result] = await c.query(text, params as any[]);
        return lastRows(result);
      } finally {
        await c.end();
      }
    },
    async createDatabase(name) {
      const c = await connect();
      try {
        await c.query(`CREATE DATABASE \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`);
      } finally {
        await c.end();
      }
    },
    async stop() {
      if (stopped) return;
      running.delete(stopSync);
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
        server.kill('SIGTERM');
        const timer = setTimeout(() => server.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      stopSync();
    },
  };
}
