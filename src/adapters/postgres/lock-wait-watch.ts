import type pg from 'pg';
import type { DbConfig } from '../../core/db-config.js';
import { describeDb } from '../../core/db-config.js';
import { watchLockWait } from '../../core/apply/lock-wait-watch.js';
import { connectPg } from './pg-connection.js';

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
 * Says what holds up a batch that waits for a lock on the written database (`watchLockWait`):
 * its session's lock holders, sessions and prepared transactions, each with what ends its hold
 * (measured before: a prepared transaction left open on the source held a row the target's
 * application then updated; the pg-dml-50 run).
 */
export class LockWaitWatch {
  constructor(private readonly config: DbConfig, private readonly warn: (message: string) => void, private readonly afterMs: number,
    private readonly notice: (message: string) => void = () => {}) {}

  /** Watches the batch `client` runs now; the returned function ends the watch when the batch ends. */
  watch(client: pg.Client): (committed: boolean) => void {
    const pid = (client as unknown as { processID?: number | null }).processID;
    if (!pid) return () => {};
    return watchLockWait({
      afterMs: this.afterMs, where: `the ${this.config.role} ${describeDb(this.config)}`, warn: this.warn, notice: this.notice,
      look: async (waited) => (await this.holders(pid)).map((h) => ({ key: `${h.kind}:${h.id}`, text: this.say(h, waited) })),
    });
  }

  private async holders(pid: number): Promise<Holder[]> {
    const client = await connectPg(this.config);
    try {
      return (await client.query(HOLDERS_SQL, [pid])).rows as Holder[];
    } finally {
      await client.end().catch(() => {});
    }
  }

  private say(h: Holder, waited: string): string {
    if (h.kind === 'prepared') {
      const gid = `'${h.id.replace(/'/g, "''")}'`;
      return `${waited} held by the prepared transaction ${gid} (two-phase commit, prepared ${h.since ?? '?'} UTC by ${h.who ?? '?'}): it holds rows these changes write, and holds them until it is committed or rolled back. `
        + `Nothing is lost meanwhile, and the import goes on at once when it ends: have its transaction manager finish it, or run COMMIT PREPARED ${gid}; or ROLLBACK PREPARED ${gid}; on that database.`;
    }
    // Another user's session shows its state and statement only to a user with pg_read_all_stats (fix-verify-50b: "<insufficient privilege>" said as its statement).
    const hidden = h.query === '<insufficient privilege>';
    const what = [h.who && `user ${h.who}`, h.app && `application '${h.app}'`, h.state && (h.since ? `${h.state}, its transaction begun ${h.since} UTC` : h.state)].filter(Boolean).join(', ');
    const statement = hidden ? `; what it runs is hidden from ${this.config.user} (pg_read_all_stats shows it)` : h.query ? `; its last statement: ${h.query.replace(/\s+/g, ' ').trim()}` : '';
    return `${waited} held by session ${h.id} (${what}${statement}). `
      + `The import goes on at once when that transaction ends: commit or roll it back there, or end the session as a user allowed to (SELECT pg_terminate_backend(${h.id});).`;
  }
}
