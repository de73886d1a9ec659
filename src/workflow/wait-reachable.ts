import { describeDb } from '../core/db-config.js';
import { isTandemError } from '../core/errors.js';
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
        reporter.warn(`Cannot reach the ${db.role} database ${describeDb(db)} (${e.message.replace(/\.$/, '')}); waiting for it, up to ${describeBudget(budget)} (TANDEM_RECONNECT_BUDGET_MS sets another limit; Ctrl-C stops).`);
        said = true;
      }
      await sleep(Math.min(reconnectDelayMs(attempt + 1), Math.max(0, started + budget - Date.now())));
    }
  }
}
