import type { Connection } from 'mysql2/promise';
import type { OpenWriters } from '../../../core/engine/change-capture.js';
import { currentAccount } from '../privilege-errors.js';

/**
 * The InnoDB transactions open on a MySQL/MariaDB server that have written or locked rows (a
 * read-only one has done neither), with their sessions: a transaction prepared with XA and left by
 * its session stays here with thread 0 and no session. Reading `INNODB_TRX` needs PROCESS.
 * `trx_started` is the server's local time.
 */
export const OPEN_WRITERS_SQL = `SELECT t.trx_mysql_thread_id AS thread, t.trx_rows_modified AS modified,
    DATE_FORMAT(t.trx_started, '%Y-%m-%d %H:%i:%s') AS since, p.USER AS user, p.HOST AS host, p.DB AS db
  FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
  WHERE (t.trx_rows_modified > 0 OR t.trx_tables_locked > 0) AND t.trx_mysql_thread_id <> CONNECTION_ID()
  ORDER BY t.trx_started, t.trx_mysql_thread_id`;

export interface OpenWriterRow {
  readonly thread: number | string;
  readonly modified: number | string;
  readonly since: string;
  readonly user: string | null;
  readonly host: string | null;
  readonly db: string | null;
}

/** One row of `OPEN_WRITERS_SQL` as the user reads it (what `SHOW PROCESSLIST` and `XA RECOVER` show to find it). */
export function describeOpenWriter(row: OpenWriterRow): string {
  const modified = Number(row.modified);
  const rows = `${modified} row${modified === 1 ? '' : 's'} modified`;
  const since = `open since ${row.since} server time`;
  if (Number(row.thread) === 0 || row.user === null) return `a transaction prepared with XA and left by its session (${rows}, ${since}; XA RECOVER lists it)`;
  return `session ${row.thread} (user ${row.user}@${row.host ?? '?'}${row.db ? `, database ${row.db}` : ''}, ${rows}, transaction ${since})`;
}

const ER_SPECIFIC_ACCESS_DENIED = 1227;
/** How old InnoDB's copy of its transactions (`trx_i_s_cache`) may be when INNODB_TRX is read. */
const INNODB_TRX_CACHE_MS = 100;

/**
 * The open transactions that have written, described; `unknown` with the GRANT when the user may
 * not see them (PROCESS missing).
 */
export async function readOpenWriters(connection: Connection, user: string): Promise<OpenWriters> {
  // InnoDB answers INNODB_TRX from a copy it refreshes at most every 100 ms (anyone's read may have
  // filled it just before the call): waiting longer first makes the copy newer than the call.
  await new Promise((r) => setTimeout(r, INNODB_TRX_CACHE_MS + 10));
  try {
    const [rows] = await connection.query(OPEN_WRITERS_SQL);
    return { open: (rows as OpenWriterRow[]).map(describeOpenWriter) };
  } catch (e) {
    if ((e as { errno?: unknown }).errno !== ER_SPECIFIC_ACCESS_DENIED) throw e;
    const grantee = await currentAccount(connection, user);
    return { open: [], unknown: `user ${grantee} may not see other sessions' transactions, PROCESS privilege missing: GRANT PROCESS ON *.* TO ${grantee};` };
  }
}
