import type pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import { describeDb } from '../../core/db-config.js';
import { log } from '../../core/logger.js';
import { connectPg } from './pg-connection.js';

/** After the first look, how often a batch still waiting is looked at again for new holders. */
const LOOK_AGAIN_MS = 30_000;

/**
 * What holds a session's lock request: the sessions `pg_blocking_pids` names, and, where it names
 * 0 (a prepared transaction holds the lock), the prepared transactions the session waits for (by the
 * transaction id its request waits on), or else every one prepared in this database.
 */
const HOLDERS_SQL = `
  WITH b AS (SELECT unnest(pg_catalog.pg_blocking_pids($1)) AS pid)
  SELECT 'session' AS kind, a.pid::text AS id, a.usename::text AS who, a.application_name AS app, a.state AS state,
         to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS since, left(a.query, 120) AS query
    FROM pg_catalog.pg_stat_activity a WHERE a.pid IN (SELECT pid FROM b WHERE pid <> 0)
  UNION ALL
  SELECT 'prepared', p.gid, p.owner::text, NULL, NULL, to_char(p.prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), NULL
    FROM pg_catalog.pg_prepared_xacts p
   WHERE EXISTS (SELECT 1 FROM b WHERE pid = 0) AND p.database = pg_catalog.current_database()
     AND (p.transaction IN (SELECT l.transactionid FROM pg_catalog.pg_locks l WHERE l.pid = $1 AND NOT l.granted AND l.locktype = 'transactionid')
          OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_prepared_xacts q ON q.transaction = l.transactionid
                          WHERE l.pid = $1 AND NOT l.granted AND l.locktype = 'transactionid'))`;

interface Holder {
  readonly kind: 'session' | 'prepared';
  readonly id: string;
  readonly who: string | null;
  readonly app: string | null;
  readonly state: string | null;
  readonly since: string | null;
  readonly query: string | null;
}

/**
 * Says what holds up a batch that waits for a lock on the written database (measured before: a
 * prepared transaction left open on the source held a row the target's application then updated;
 * the fall-back waited on it for minutes while only its metrics were printed, "21h12m to catch up";
 * the pg-dml-50 run). Each batch is watched from its start: once it has waited `afterMs`, and every
 * 30 s after, its session's lock holders are read on a connection of their own, and each holder is
 * said once, with what ends its hold. Nothing is changed: the batch goes on as soon as the lock is free.
 */
export class LockWaitWatch {
  constructor(private readonly config: DbConfig, private readonly warn: (message: string) => void, private readonly afterMs: number) {}

  /** Watches the batch `client` runs now; the returned function ends the watch when the batch ends. */
  watch(client: pg.Client): () => void {
    const pid = (client as unknown as { processID?: number | null }).processID;
    if (!pid) return () => {};
    const started = Date.now();
    // Each holder is said once per wait: the same session (a pooled connection) holding up a later
    // batch is said again (measured before: once per process, so a second wait was silent; the
    // fix-verify-50b run).
    const said = new Set<string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const look = async (): Promise<void> => {
      try {
        const holders = await this.holders(pid);
        // A batch that ended while the holders were read waits no more: nothing to say.
        if (!stopped) this.say(holders, Date.now() - started, said);
      } catch (e) {
        log.debug(`could not read what holds the lock the batch waits for: ${(e as Error).message}`);
      }
      if (!stopped) timer = setTimeout(() => void look(), LOOK_AGAIN_MS).unref();
    };
    timer = setTimeout(() => void look(), this.afterMs).unref();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  private async holders(pid: number): Promise<Holder[]> {
    const client = await connectPg(this.config);
    try {
      return (await client.query(HOLDERS_SQL, [pid])).rows as Holder[];
    } finally {
      await client.end().catch(() => {});
    }
  }

  private say(holders: readonly Holder[], waitedMs: number, said: Set<string>): void {
    const db = describeDb(this.config);
    const waited = `Writing the changes on the ${this.config.role} ${db} has waited ${Math.round(waitedMs / 1000)} s for a lock`;
    for (const h of holders) {
      const key = `${h.kind}:${h.id}`;
      if (said.has(key)) continue;
      said.add(key);
      if (h.kind === 'prepared') {
        const gid = `'${h.id.replace(/'/g, "''")}'`;
        this.warn(`${waited} held by the prepared transaction ${gid} (two-phase commit, prepared ${h.since ?? '?'} UTC by ${h.who ?? '?'}): it holds rows these changes write, and holds them until it is committed or rolled back. `
          + `Nothing is lost meanwhile, and the import goes on at once when it ends: have its transaction manager finish it, or run COMMIT PREPARED ${gid}; or ROLLBACK PREPARED ${gid}; on that database.`);
      } else {
        // Another user's session shows its state and statement only to a user with pg_read_all_stats (fix-verify-50b: "<insufficient privilege>" said as its statement).
        const hidden = h.query === '<insufficient privilege>';
        const what = [h.who && `user ${h.who}`, h.app && `application '${h.app}'`, h.state && (h.since ? `${h.state}, its transaction begun ${h.since} UTC` : h.state)].filter(Boolean).join(', ');
        const statement = hidden ? `; what it runs is hidden from ${this.config.user} (pg_read_all_stats shows it)` : h.query ? `; its last statement: ${h.query.replace(/\s+/g, ' ').trim()}` : '';
        this.warn(`${waited} held by session ${h.id} (${what}${statement}). `
          + `The import goes on at once when that transaction ends: commit or roll it back there, or end the session as a user allowed to (SELECT pg_terminate_backend(${h.id});).`);
      }
    }
  }
}
