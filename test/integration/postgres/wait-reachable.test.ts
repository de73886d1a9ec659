/**
 * `waitUntilReachable` (a restarted streaming command waiting for a database it cannot reach) with
 * the real PostgreSQL driver and a real server behind a TCP relay: the network cut, the command
 * waits and says so, the network back, it says how long it waited and goes on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from '../../../src/adapters/engines.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { Reporter } from '../../../src/core/reporter.js';
import { waitUntilReachable } from '../../../src/workflow/wait-reachable.js';
import { startPg15, type PgServer } from '../../helpers/pg-server.js';
import { startTcpRelay, type TcpRelay } from '../../helpers/tcp-relay.js';
import { withReconnectBudget } from '../../helpers/reconnect-budget-env.js';
import { sleep } from '../../helpers/live-process.js';

let pg: PgServer;
let relay: TcpRelay;

before(async () => {
  pg = await startPg15();
  relay = await startTcpRelay(pg.host, pg.port);
});
after(async () => {
  await relay?.close();
  await pg?.stop();
});

test('a source unreachable for 2 s (its network cut, the server up): waited for, said once, then "back after" with the time, through the real driver', async () => {
  const engine = await loadEngine('postgresql');
  const db = { role: 'source', type: 'postgresql', host: '127.0.0.1', port: relay.port, user: pg.user, password: pg.password, database: 'postgres', schemas: ['public'] } as DbConfig;
  const lines: string[] = [];
  const reporter = { print: (l = '') => lines.push(l), warn: (l: string) => lines.push(`WARNING: ${l}`), stdout: process.stdout, stderr: process.stderr } as unknown as Reporter;
  await relay.cut();
  const started = Date.now();
  const restoring = sleep(2000).then(() => relay.restore());
  await withReconnectBudget(30_000, () => waitUntilReachable(reporter, { db, engine }));
  await restoring;
  assert.ok(Date.now() - started >= 2000, `returned after ${Date.now() - started} ms, before the network was back`);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, new RegExp(`^WARNING: Cannot reach the source database ${pg.user}@127\\.0\\.0\\.1:${relay.port}/postgres \\(.*\\); waiting for it, up to 30 s `));
  assert.match(lines[1]!, new RegExp(`^The source database ${pg.user}@127\\.0\\.0\\.1:${relay.port}/postgres is back after [2-9] s\\.$`));
  assert.doesNotMatch(lines.join('\n'), new RegExp(pg.password), 'no password');
});
