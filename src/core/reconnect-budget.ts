/**
 * How long a writer waits for a database it lost while streaming (a restart, a failover) before it
 * stops with TANDEM_CONNECT. A restart or failover easily takes a minute; a rerun resumes anyway,
 * so the wait is generous but bounded. `TANDEM_RECONNECT_BUDGET_MS` overrides it (tests use a short
 * budget). Default 300 000 ms (5 minutes).
 *
 * @example
 * TANDEM_RECONNECT_BUDGET_MS=2000 tandem import data to target …
 */
export const DEFAULT_RECONNECT_BUDGET_MS = 300_000;

/** Longest wait between two reconnection attempts. */
export const RECONNECT_BACKOFF_MAX_MS = 5_000;

/** The budget in milliseconds: `TANDEM_RECONNECT_BUDGET_MS` when it is a non-negative number, else the default. */
export function reconnectBudgetMs(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.TANDEM_RECONNECT_BUDGET_MS);
  return env.TANDEM_RECONNECT_BUDGET_MS !== undefined && env.TANDEM_RECONNECT_BUDGET_MS !== '' && Number.isFinite(given) && given >= 0
    ? given : DEFAULT_RECONNECT_BUDGET_MS;
}

/** The wait before reconnection attempt `attempt` (0-based): 250 ms doubling, capped at 5 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.min(attempt, 20), RECONNECT_BACKOFF_MAX_MS);
}

/** Whole seconds for a message ("5 minutes" reads better than 300000 ms). */
export function describeBudget(ms: number): string {
  return ms >= 120_000 && ms % 60_000 === 0 ? `${ms / 60_000} minutes` : `${Math.round(ms / 1000)} s`;
}
