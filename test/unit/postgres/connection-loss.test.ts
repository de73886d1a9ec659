import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConnectionLoss } from '../../../src/adapters/postgres/sql-state.js';
import { TandemError } from '../../../src/core/errors.js';
import { DEFAULT_RECONNECT_BUDGET_MS, reconnectBudgetMs, reconnectDelayMs } from '../../../src/core/reconnect-budget.js';

test('isConnectionLoss: the driver\'s lost-socket errors, socket codes, shutdown and class-08 SQLSTATEs; not other server errors', () => {
  const lost: unknown[] = [
    new Error('Client has encountered a connection error and is not queryable'),
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    Object.assign(new Error('connection failure'), { code: '08006' }),
    new TandemError('TANDEM_CONNECT', 'Cannot reach the target database'),
    new Error('wrapped', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }),
  ];
  for (const e of lost) assert.equal(isConnectionLoss(e), true, String(e));
  const other: unknown[] = [
    Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
    Object.assign(new Error('Connection terminated unexpectedly'), { code: '42P01' }), // a server's text never decides
    new TandemError('TANDEM_PRIVILEGE', 'permission denied'),
    new Error('something else'),
    undefined,
  ];
  for (const e of other) assert.equal(isConnectionLoss(e), false, String(e));
});

test('reconnect budget: 5 minutes unless TANDEM_RECONNECT_BUDGET_MS says otherwise; backoff doubles from 250 ms to at most 5 s', () => {
  assert.equal(DEFAULT_RECONNECT_BUDGET_MS, 300_000);
  assert.equal(reconnectBudgetMs({}), 300_000);
  assert.equal(reconnectBudgetMs({ TANDEM_RECONNECT_BUDGET_MS: '2000' }), 2000);
  assert.equal(reconnectBudgetMs({ TANDEM_RECONNECT_BUDGET_MS: 'soon' }), 300_000);
  assert.equal(reconnectBudgetMs({ TANDEM_RECONNECT_BUDGET_MS: '' }), 300_000);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 50].map(reconnectDelayMs), [250, 500, 1000, 2000, 4000, 5000, 5000]);
});
