import { describeDb } from '../core/db-config.js';
import { connectionLostError, isTandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { describeBudget, reconnectBudgetMs, reconnectDelayMs } from '../core/reconnect-budget.js';
import type { Reporter } from '../core/reporter.js';
import { sleep } from '../core/sleep.js';
import type { Side } from './migration-context.js';

/**
 * Connects once to a database whose settings the export dir recorded, waiting for it while it cannot
 * be reached (TANDEM_CONNECT: a server restarting, a failover), up to the reconnection budget
 * (`TANDEM_RECONNECT_BUDGET_MS`, default 5 minutes), said once with how long and again when it is
 * back. For a restarted streaming command: its settings are not typed again, so an unreachable
 * database is an outage rather than a typo, and a restart loop should wait, as a running command
 * does (measured before: a restart a second after MariaDB came back exited 1 at once). Any other
 * error (a wrong password, a missing database) is thrown at once.
 */
export async function waitUntilReachable(reporter: Reporter, { db, engine }: Side): Promise<void> {
  const budget = reconnectBudgetMs();
  const started = Date.now();
  let said = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.describeServer(db);
      if (said) reporter.print(`The ${db.role} database ${describeDb(db)} is back after ${Math.round((Date.now() - started) / 1000)} s.`);
      return;
    } catch (e) {
      if (!isTandemError(e) || e.code !== 'TANDEM_CONNECT' || Date.now() - started >= budget) throw e;
      if (!said) {
        // The error may already say "Cannot reach the … database …" (fix-verify-51b: said twice): its reason only, then.
        const reason = /^Cannot reach the \w+ database \S+ \((.*)\)\.?$/.exec(e.message)?.[1] ?? e.message.replace(/\.$/, '');
        reporter.warn(`Cannot reach the ${db.role} database ${describeDb(db)} (${reason}); waiting for it, up to ${describeBudget(budget)} (TANDEM_RECONNECT_BUDGET_MS sets another limit; Ctrl-C stops).`);
        said = true;
      }
      await sleep(Math.min(reconnectDelayMs(attempt + 1), Math.max(0, started + budget - Date.now())));
    }
  }
}

/** Tries of {@link retryWhileUnreachable} after the first, each after the database was reached again. */
const UNREACHABLE_RETRIES = 5;

/**
 * Runs `step` (one that is safe to run again: it starts over where it failed), and when it fails
 * because `side`'s database went away (a restart, a failover: TANDEM_CONNECT, or a connection lost),
 * waits for the database (`waitUntilReachable`) and runs it again, a few times. For the cutover's
 * steps, which the application waits for (measured before: a restart of the target during the
 * cutover to target, or of the source right after it, stopped the command, which the user had to
 * rerun; the server-restarts run). `what` names the step in the log.
 */
export async function retryWhileUnreachable<T>(reporter: Reporter, side: Side, what: string, step: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step(attempt);
    } catch (e) {
      const lost = (isTandemError(e) && e.code === 'TANDEM_CONNECT') || connectionLostError(e, '') !== undefined;
      if (!lost || attempt >= UNREACHABLE_RETRIES) throw e;
      log.warn(`${what}: the ${side.db.role} database went away (${(e as Error).message.split('\n')[0]}); waiting for it, then again`);
      await waitUntilReachable(reporter, side);
    }
  }
}
