import type { Connection } from 'mysql2/promise';
import { watchLockWait, type LockHolderNote } from '../../../core/apply/lock-wait-watch.js';
import { describeDb } from '../../../core/db-config.js';
import { connectMySql, type MySqlDbConfig } from '../connection.js';
import type { MySqlFlavor } from '../server-version.js';
import { isAccessDenied } from '../privilege-errors.js';

/**
 * The InnoDB transactions a session's lock request waits for (MariaDB; MySQL 8 dropped
 * INNODB_LOCK_WAITS for performance_schema.data_lock_waits). A prepared XA transaction whose client
 * disconnected is one with thread 0.
 */
const HOLDERS_SQL = `
  SELECT b.trx_mysql_thread_id AS id, p.USER AS who, p.HOST AS host, p.COMMAND AS command,
         UNIX_TIMESTAMP(b.trx_started) AS since, LEFT(COALESCE(b.trx_query, p.INFO), 120) AS query
    FROM information_schema.INNODB_TRX r
    JOIN information_schema.INNODB_LOCK_WAITS w ON w.requesting_trx_id = r.trx_id
    JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
    LEFT JOIN information_schema.PROCESSLIST p ON p.ID = b.trx_mysql_thread_id
   WHERE r.trx_mysql_thread_id = ?`;

/** "Access denied; you need (at least one of) the PROCESS privilege(s)". */
const ER_SPECIFIC_ACCESS_DENIED = 1227;

interface Holder {
  readonly id: number | string;
  readonly who: string | null;
  readonly host: string | null;
  readonly command: string | null;
  readonly since: number | string | null;
  readonly query: string | null;
}

/** A UNIX time as `YYYY-MM-DD HH:MM:SS` UTC. */
function utc(seconds: number | string | null): string {
  return seconds === null ? '?' : new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Says what holds up a fall-back batch that waits for a lock on a MySQL/MariaDB source
 * (`watchLockWait`): the sessions whose transactions hold the rows, a prepared XA transaction, or a
 * table lock (LOCK TABLES, DDL). The writer's sessions wait for a lock as PostgreSQL's do, for as
 * long as it is held (see `openChannel`), instead of failing after innodb_lock_wait_timeout
 * (measured before: errno 1205 after 50 s, then the same wait one event at a time, then the
 * import stopped with MySQL's "Lock wait timeout exceeded" and nothing more).
 */
export class MySqlLockWaitWatch {
  constructor(private readonly config: MySqlDbConfig, private readonly flavor: () => MySqlFlavor | undefined, private readonly account: () => string,
    private readonly warn: (message: string) => void, private readonly notice: (message: string) => void, private readonly afterMs: number) {}

  /** Watches the batch `connection` runs now; the returned function ends the watch when the batch ends. */
  watch(connection: Connection): (committed: boolean) => void {
    const thread = connection.threadId;
    if (!thread) return () => {};
    return watchLockWait({
      afterMs: this.afterMs, where: `the ${this.config.role} ${describeDb(this.config)}`, warn: this.warn, notice: this.notice,
      look: (waited) => this.look(thread, waited),
    });
  }

  private async look(thread: number, waited: string): Promise<LockHolderNote[]> {
    const goesOn = 'Nothing is lost meanwhile, and the import goes on at once when the lock is free';
    if (this.flavor() === 'mysql') {
      // Not run here (no MySQL 8 server): only the place to look is said.
      return [{ key: 'mysql', text: `${waited}. ${goesOn}: SELECT * FROM sys.innodb_lock_waits WHERE waiting_pid = ${thread}; names the session that holds it.` }];
    }
    const { connection } = await connectMySql(this.config);
    try {
      let holders: Holder[];
      try {
        [holders] = await connection.query(HOLDERS_SQL, [thread]) as unknown as [Holder[]];
      } catch (e) {
        const errno = (e as { errno?: number }).errno;
        if (errno !== ER_SPECIFIC_ACCESS_DENIED && !isAccessDenied(errno)) throw e;
        const account = this.account() || `'${this.config.user}'@'<host>'`;
        return [{ key: 'privilege', text: `${waited}; what holds it cannot be read: ${this.config.user} lacks PROCESS (GRANT PROCESS ON *.* TO ${account}; has it named). ${goesOn}: SHOW PROCESSLIST as an administrator shows the sessions with open transactions.` }];
      }
      const notes: LockHolderNote[] = [];
      // A session that prepared an XA transaction looks like any idle one, but KILL leaves its
      // transaction prepared (fix-verify-51): the prepared ones are named beside it.
      const xids = holders.some((h) => Number(h.id) !== 0 && h.command === 'Sleep') ? await this.recoveredXids(connection) : undefined;
      for (const h of holders) {
        if (Number(h.id) === 0) notes.push(...await this.preparedXa(connection, waited, goesOn));
        else notes.push({ key: `session:${h.id}`, text: this.sessionText(h, waited, xids) });
      }
      if (notes.length === 0) {
        // No row lock: a table lock (LOCK TABLES, FLUSH TABLES, DDL) shows as the session's state.
        const [rows] = await connection.query('SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?', [thread]) as unknown as [{ state: string | null }[]];
        const state = rows[0]?.state ?? '';
        if (/^Waiting for .*lock/i.test(state)) {
          notes.push({ key: `state:${state}`, text: `${waited}: its session is "${state}": another session holds a table these changes write (LOCK TABLES, FLUSH TABLES WITH READ LOCK, or DDL waiting behind an open transaction). ${goesOn}: SHOW PROCESSLIST shows the sessions; end that lock (UNLOCK TABLES there, or KILL its session).` });
        }
      }
      return notes;
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  }

  private sessionText(h: Holder, waited: string, xids: readonly string[] | undefined): string {
    const what = [h.who && `user ${h.who}`, h.host && `from ${h.host}`, h.command === 'Sleep' ? 'idle in its transaction' : h.command && `running (${h.command})`,
      `its transaction begun ${utc(h.since)} UTC`].filter(Boolean).join(', ');
    const statement = h.query ? `; its statement: ${h.query.replace(/\s+/g, ' ').trim()}` : '';
    const xa = xids?.length ? ` If it prepared an XA transaction (XA RECOVER lists ${xids.join(', ')}), KILL leaves that prepared: XA COMMIT or XA ROLLBACK it instead.` : '';
    return `${waited} held by session ${h.id} (${what}${statement}). `
      + `The import goes on at once when that transaction ends: commit or roll it back there, or end the session as a user allowed to (KILL ${h.id};).${xa}`;
  }

  /** The xids of the prepared XA transactions, in SQL form (undefined when XA RECOVER is refused). */
  private recoveredXids(connection: Connection): Promise<string[] | undefined> {
    return connection.query("XA RECOVER FORMAT='SQL'").then(([rows]) => (rows as { data: string }[]).map((r) => r.data), () => undefined);
  }

  /** The prepared XA transactions (one of them holds the lock; XA RECOVER does not say which). */
  private async preparedXa(connection: Connection, waited: string, goesOn: string): Promise<LockHolderNote[]> {
    const xids = await this.recoveredXids(connection);
    const which = xids === undefined ? 'XA RECOVER lists it'
      : xids.length === 1 ? `${xids[0]}` : `one of ${xids.join(', ')}`;
    const end = xids?.length === 1 ? `XA COMMIT ${xids[0]}; or XA ROLLBACK ${xids[0]};` : 'XA COMMIT <xid>; or XA ROLLBACK <xid>;';
    return [{ key: 'xa', text: `${waited} held by a prepared XA transaction (${which}; two-phase commit, its client gone): it holds rows these changes write until it is committed or rolled back. ${goesOn}: have its transaction manager finish it, or run ${end} on that database.` }];
  }
}
