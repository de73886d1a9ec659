import { TandemError, spokenErrorMessage } from './errors.js';
import { sleep } from './sleep.js';
import { log } from './logger.js';

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

/** A batch's wait for its lost connection: when it began and how many attempts failed since. */
export interface LostConnection {
  readonly since: number;
  readonly attempts: number;
}

/**
 * One writer's outages of its database, shared by its channels: the first channel to lose its
 * connection says so (once per outage), each lost batch waits before its next attempt until the
 * budget is spent (then TANDEM_CONNECT with the rerun hint), and the first channel back says so.
 */
export class ConnectionOutage {
  private since: number | undefined;

  private readonly database: string;

  /** `role`: the written database's ("source", "target"); `described`: as `describeDb` names it. */
  constructor(private readonly role: string, described: string, private readonly warn: (message: string) => void, private readonly notice: (message: string) => void) {
    this.database = `${role} database ${described}`;
  }

  /**
   * One step of a channel's recovery after its connection was lost (`lost`: undefined at the first
   * loss; `reason`: the driver's words): the first loss of an outage is said once, then it waits
   * (TANDEM_CONNECT once the budget is spent) and tries `reconnect`. Resolves the state to retry the
   * batch with: undefined when the channel is back (after `replaceDead` replaced the other channels'
   * connections that died in the same outage, the outage is said to be over), else one more attempt.
   */
  async retry(channel: string, lost: LostConnection | undefined, reason: string, cause: unknown,
    reconnect: () => Promise<void>, replaceDead: () => Promise<void>): Promise<LostConnection | undefined> {
    reason = spokenErrorMessage(reason);
    if (!lost) {
      log.warn(`${channel}: connection to the ${this.role} lost (${reason}); reconnecting`);
      if (this.since === undefined) {
        this.since = Date.now();
        this.warn(`Lost the connection to the ${this.database} (${reason}); waiting for it to come back `
          + `(up to ${describeBudget(reconnectBudgetMs())}, trying again every few seconds). Nothing is lost: the changes are applied once it is back.`);
      }
    }
    const state = lost ?? { since: Date.now(), attempts: 0 };
    const budget = reconnectBudgetMs();
    if (Date.now() - state.since >= budget) {
      this.since = undefined;
      throw new TandemError('TANDEM_CONNECT', `Lost the connection to the ${this.database} (${reason}) and could not reconnect for ${describeBudget(Date.now() - state.since)}.`, {
        hint: `Check that the database is running and reachable, then rerun the same command: it resumes where it stopped (nothing applied is lost or applied twice). `
          + `To wait longer for a restart or failover, set TANDEM_RECONNECT_BUDGET_MS (now ${budget}).`,
        cause,
      });
    }
    await sleep(Math.min(reconnectDelayMs(state.attempts), Math.max(0, state.since + budget - Date.now())));
    try {
      await reconnect();
    } catch (e) {
      // The database is back but refuses what the writer needs (a privilege lost meanwhile): no wait mends that.
      if (e instanceof TandemError && e.code === 'TANDEM_PRIVILEGE') throw e;
      const err = e as { code?: unknown; message?: unknown };
      log.warn(`${channel}: reconnect failed: ${String(err.code ?? err.message)}`);
      return { since: state.since, attempts: state.attempts + 1 };
    }
    if (this.since !== undefined) {
      await replaceDead();
      this.notice(`The ${this.database} is back after ${Math.round((Date.now() - this.since) / 1000)} s; applying changes again.`);
      this.since = undefined;
    }
    return undefined;
  }
}
