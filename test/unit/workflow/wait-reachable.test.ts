/**
 * A restarted streaming command waits for a database its export dir names while it cannot be reached
 * (measured before: `import data to source` restarted a second after MariaDB came back exited 1 at
 * once with TANDEM_CONNECT, found by the mysql-fallback-crash run), within the reconnection budget.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { loadEngine } from '../../../src/adapters/engines.js';
import { TandemError } from '../../../src/core/errors.js';
import type { DbConfig } from '../../../src/core/db-config.js';
import type { SourceEngine } from '../../../src/core/engine/engine.js';
import type { Reporter } from '../../../src/core/reporter.js';
import { waitUntilReachable } from '../../../src/workflow/wait-reachable.js';
import { withReconnectBudget } from '../../helpers/reconnect-budget-env.js';

function recorder(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, print: (l = '') => lines.push(l), warn: (l) => lines.push(`WARNING: ${l}`), stdout: process.stdout, stderr: process.stderr } as Reporter & { lines: string[] };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

test('a source nobody answers on: said once with the budget, tried again until the budget is spent, then TANDEM_CONNECT (the real PostgreSQL driver)', async () => {
  const engine = await loadEngine('postgresql');
  const db = { role: 'source', type: 'postgresql', host: '127.0.0.1', port: await closedPort(), user: 'u', password: 'p', database: 'd', schemas: ['public'] } as DbConfig;
  const reporter = recorder();
  const started = Date.now();
  await withReconnectBudget(1500, () => assert.rejects(waitUntilReachable(reporter, { db, engine }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_CONNECT'));
  assert.ok(Date.now() - started >= 1400, `gave up after ${Date.now() - started} ms, before its budget`);
  assert.equal(reporter.lines.length, 1, reporter.lines.join('\n'));
  assert.match(reporter.lines[0]!, /^WARNING: Cannot reach the source database u@127\.0\.0\.1:\d+\/d \(.*ECONNREFUSED.*\); waiting for it, up to 2 s \(TANDEM_RECONNECT_BUDGET_MS sets another limit; Ctrl-C stops\)\.$/);
});

test('a database back after two refusals: said when it is back; any other error (a wrong password) is thrown at once', async () => {
  let calls = 0;
  const refusing = { describeServer: async () => {
    if (++calls <= 2) throw new TandemError('TANDEM_CONNECT', 'Cannot reach the source database (ECONNREFUSED).');
    return 'PostgreSQL 15';
  } } as unknown as SourceEngine;
  const db = { role: 'source', type: 'postgresql', host: 'h', port: 1, user: 'u', database: 'd', schemas: ['public'] } as DbConfig;
  const reporter = recorder();
  await withReconnectBudget(10_000, () => waitUntilReachable(reporter, { db, engine: refusing }));
  assert.equal(calls, 3);
  assert.match(reporter.lines[0]!, /^WARNING: Cannot reach the source database/);
  assert.match(reporter.lines[1]!, /^The source database u@h:1\/d is back after \d+ s\.$/);

  let tries = 0;
  const wrongPassword = { describeServer: async () => {
    tries++;
    throw new TandemError('TANDEM_AUTH', 'password authentication failed');
  } } as unknown as SourceEngine;
  const quiet = recorder();
  await assert.rejects(waitUntilReachable(quiet, { db, engine: wrongPassword }), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_AUTH');
  assert.equal(tries, 1);
  assert.deepEqual(quiet.lines, []);
});
