/**
 * Shared pieces of the binlog integration tests: the source config of a test server, reading the
 * current position, and collecting what a capture emits until a condition holds (with a deadline,
 * so that a missing event fails the test instead of hanging it).
 */
import type { MariaDbServer } from '../../helpers/mariadb-server.js';
import { connectMySql, type MySqlDbConfig } from '../../../src/adapters/mysql/connection.js';
import { BinlogCapture, currentBinlogPosition, type BinlogCaptureOptions } from '../../../src/adapters/mysql/capture/binlog-capture.js';
import type { AssembledTransaction } from '../../../src/adapters/mysql/capture/transaction-assembler.js';

/** The source config of a test server, as a user (root by default). */
export function sourceConfig(server: MariaDbServer, database: string, user = server.user, password = server.password): MySqlDbConfig {
  return { role: 'source', type: 'mysql', host: server.host, port: server.port, user, password, database, schemas: [], sslMode: 'disable' } as MySqlDbConfig;
}

/** The server's current position (end of the last transaction). */
export async function positionNow(server: MariaDbServer, database: string): Promise<string> {
  const s = await connectMySql(sourceConfig(server, database));
  try {
    return await currentBinlogPosition(s.connection, s.server.flavor);
  } finally {
    await s.connection.end();
  }
}

/**
 * Runs a capture from `from` until `done(all transactions so far)` is true, then stops it.
 * Rejects when the capture fails, or after `timeoutMs` (naming how far it got).
 */
export async function captureUntil(
  options: BinlogCaptureOptions,
  from: string,
  done: (txs: readonly AssembledTransaction[]) => boolean,
  timeoutMs = 20_000,
  onTransaction?: (tx: AssembledTransaction, capture: BinlogCapture) => void | Promise<void>,
): Promise<AssembledTransaction[]> {
  const capture = BinlogCapture.start(options, from);
  const txs: AssembledTransaction[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void capture.stop();
  }, timeoutMs);
  try {
    if (done(txs)) return txs;
    for await (const tx of capture) {
      txs.push(tx);
      if (onTransaction) await onTransaction(tx, capture);
      if (done(txs)) break;
    }
  } finally {
    clearTimeout(timer);
    await capture.stop();
  }
  if (timedOut) throw new Error(`capture timed out after ${timeoutMs} ms with ${txs.length} transaction(s), ${txs.reduce((n, t) => n + t.events.length, 0)} event(s)`);
  return txs;
}

/** Number of change events in a list of transactions. */
export function eventCount(txs: readonly AssembledTransaction[]): number {
  return txs.reduce((n, t) => n + t.events.length, 0);
}

/** Runs SQL on the server's database as root (several statements allowed). */
export async function exec(server: MariaDbServer, database: string, sql: string, params?: unknown[]): Promise<any[]> {
  return server.sql(database, sql, params);
}

/** The ids of the server's binlog dump connections (in these tests only Tandem's exporter reads the binlog). */
export async function dumpConnections(server: MariaDbServer): Promise<number[]> {
  return (await server.sql(undefined, "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%' ORDER BY ID")).map((r) => Number(r.id));
}
