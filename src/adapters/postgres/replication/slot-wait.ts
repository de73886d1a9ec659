import type { DbConfig } from '../../../core/db-config.js';
import { describeDb } from '../../../core/db-config.js';
import { log } from '../../../core/logger.js';
import { withPg } from '../pg-connection.js';

/** A transaction that keeps a logical slot's creation waiting. */
export interface BlockingTransaction {
  /** The backend's pid, or undefined for a prepared transaction. */
  readonly pid?: number;
  readonly user: string | null;
  readonly database: string | null;
  /** `idle in transaction`, `active`, … (null when this user may not see it), or `prepared`. */
  readonly state: string | null;
  readonly seconds: number | null;
  readonly gid?: string;
}

/**
 * The transactions that hold an xid (so a logical slot being created waits for them: it starts
 * after every transaction that was running, in every database of the server) and prepared
 * transactions, oldest first. Without `pg_read_all_stats` another user's session shows its xid but
 * not its type, state or start: it is listed with those unknown. No query text is read (it may hold
 * values or passwords).
 */
export async function blockingTransactions(db: DbConfig): Promise<BlockingTransaction[]> {
  return withPg(db, async (client) => {
    const r = await client.query(`
      SELECT pid, usename AS user, datname AS database, state,
             extract(epoch FROM now() - xact_start)::int AS seconds, NULL AS gid
        FROM pg_stat_activity
       WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND coalesce(backend_type, 'client backend') = 'client backend'
      UNION ALL
      SELECT NULL, owner, database, 'prepared', extract(epoch FROM now() - prepared)::int, gid
        FROM pg_prepared_xacts
       ORDER BY seconds DESC NULLS LAST
       LIMIT 10`);
    return r.rows.map((row) => ({
      ...(row.pid !== null && { pid: Number(row.pid) }),
      user: row.user, database: row.database, state: row.state,
      seconds: row.seconds === null ? null : Number(row.seconds),
      ...(row.gid !== null && { gid: String(row.gid) }),
    }));
  });
}

function age(seconds: number | null): string {
  if (seconds === null) return 'open for an unknown time';
  if (seconds < 120) return `open for ${seconds} s`;
  if (seconds < 7200) return `open for ${Math.round(seconds / 60)} min`;
  return `open for ${(seconds / 3600).toFixed(1)} h`;
}

/** What the user is told while a slot's creation waits, `waitedS` seconds in. */
export function slotWaitMessage(where: string, waitedS: number, blocking: readonly BlockingTransaction[]): string {
  const head = `Creating the replication slot on ${where} has waited ${waitedS} s: PostgreSQL starts a logical slot only once every transaction that was open on the server (any database) has ended.`;
  if (blocking.length === 0) {
    return `${head} No open transaction is visible to this user; look for long transactions as a superuser (pg_stat_activity with backend_xid set, pg_prepared_xacts). Nothing is lost meanwhile: it goes on by itself once they end.`;
  }
  const list = blocking.map((b) => (b.gid !== undefined
    ? `prepared transaction '${b.gid}' (user ${b.user ?? '?'}, database ${b.database ?? '?'}, ${age(b.seconds)})`
    : `pid ${b.pid} (user ${b.user ?? '?'}, database ${b.database ?? '?'}, ${b.state ?? 'state hidden'}, ${age(b.seconds)})`)).join('; ');
  const pids = blocking.filter((b) => b.pid !== undefined).map((b) => b.pid);
  const fix = [
    pids.length ? `end them (COMMIT or ROLLBACK in their sessions, or SELECT pg_terminate_backend(pid) for ${pids.join(', ')})` : '',
    blocking.some((b) => b.gid !== undefined) ? 'COMMIT PREPARED or ROLLBACK PREPARED the prepared ones' : '',
  ].filter(Boolean).join('; ');
  return `${head} Waiting for: ${list}. To go on, ${fix}, or wait for them. Nothing is lost meanwhile: it goes on by itself once they end.`;
}

/**
 * Resolves with `creating` (a slot's creation); while it has not, says after `firstMs` and then every
 * `everyMs` which transactions it waits for (`onWaiting`). A failed look is logged, never thrown.
 */
export async function watchSlotCreation<T>(db: DbConfig, creating: Promise<T>, onWaiting: ((message: string) => void) | undefined,
  timing: { readonly firstMs: number; readonly everyMs: number } = { firstMs: 5000, everyMs: 30_000 }): Promise<T> {
  if (!onWaiting) return creating;
  const started = Date.now();
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const look = async () => {
    try {
      const blocking = await blockingTransactions(db);
      if (!done) onWaiting(slotWaitMessage(describeDb(db), Math.round((Date.now() - started) / 1000), blocking));
    } catch (e) {
      log.debug(`looking for transactions that hold the slot's creation failed: ${(e as Error).message}`);
    }
    if (!done) timer = setTimeout(() => void look(), timing.everyMs);
  };
  timer = setTimeout(() => void look(), timing.firstMs);
  try {
    return await creating;
  } finally {
    done = true;
    clearTimeout(timer);
  }
}
