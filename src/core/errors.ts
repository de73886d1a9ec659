/**
 * Every error a user can cause has a code here. The text next to each code says what it means and how
 * to fix it; `tandem` prints it, and docs/errors.md is generated from the same table.
 */
export const ERROR_CODES = {
  TANDEM_USAGE: 'A command-line flag or argument is missing or malformed. Run the command with --help to see its flags.',
  TANDEM_CONFIG: 'The --config-file could not be read or holds a key Tandem does not know. Fix the YAML file.',
  TANDEM_CONNECT: 'Tandem could not reach the database server. Check --*-db-host, --*-db-port, that the server is running and that a firewall lets you through. Also raised when a database lost while streaming did not come back within the importer\'s wait (5 minutes; TANDEM_RECONNECT_BUDGET_MS), the source went away during the snapshot\'s copy, or any other connection to a database was lost: rerun the same command once the server is up (an importer resumes, a snapshot starts over).',
  TANDEM_TLS: 'A TLS (SSL) connection could not be made as --*-ssl-mode asks: the server does not accept TLS, its certificate did not verify against --*-ssl-root-cert (or, with verify-full, is for another host name), it refused the client certificate, or a certificate or key file cannot be read. The message names the mode and what failed; fix the file or flag it names, or the server\'s ssl settings.',
  TANDEM_AUTH: 'The database rejected the user name or password. Check --*-db-user and the password (flag, SOURCE_DB_PASSWORD / TARGET_DB_PASSWORD, or the prompt).',
  TANDEM_DB_MISSING: 'The database named by --*-db-name does not exist on the server.',
  TANDEM_PRIVILEGE: 'The database user lacks a privilege Tandem needs. The message names the object and the GRANT that fixes it.',
  TANDEM_PREREQUISITE: 'The database is not configured for this step (for example wal_level is not logical, a table has no primary key, or a target table lacks an exported column or has a column refusing NULL without a default that the source does not export, which would refuse every row). The message says what to change.',
  TANDEM_UNKNOWN_TABLE: 'A table named in --table-list or --exclude-table-list does not exist in the selected schemas.',
  TANDEM_UNKNOWN_SCHEMA: 'A schema named in --source-db-schema does not exist in the source database.',
  TANDEM_EXPORT_DIR: 'The --export-dir is missing, not writable, damaged (a file of its state is not a database any more), belongs to another migration, or is in the wrong state for this command. The message says which step must run first.',
  TANDEM_LOCKED: 'Another Tandem process is running the same command on this export dir. Wait for it or stop it; if it crashed, the lock is released automatically.',
  TANDEM_TARGET_NOT_EMPTY: 'Tables on the target already hold rows, so importing the snapshot would duplicate or conflict. Empty them (TRUNCATE) or choose another target database.',
  TANDEM_SCHEMA_IMPORT: 'Some DDL statements failed on the target. The report lists each statement and its error; fix the files under schema/ and rerun the same command (what earlier runs created is found done; --ignore-exist true also keeps objects the target had before). When every failure is a missing privilege (SQLSTATE 42501), the error is TANDEM_PRIVILEGE instead, naming the GRANT.',
  TANDEM_SCHEMA_PARSE: 'A DDL file under schema/ is not valid SQL. The message names the file and the position of the syntax error.',
  TANDEM_DATA: 'A row could not be read or written. The message names the table and the database error (never the row values).',
  TANDEM_UNSUPPORTED: 'The source uses a feature Tandem cannot migrate in this mode. The message names it and the ways out.',
  TANDEM_DISK: 'The disk that holds the export dir is full. Free space on it (`tandem archive changes` moves or deletes applied change segments) or move the export dir to a bigger disk, then rerun the same command: it resumes. A streaming exporter does not stop for it: it pauses, says so, and goes on by itself once the disk has room.',
  TANDEM_ABORTED: 'The user declined a confirmation prompt, or the command was interrupted. Nothing further was changed.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit codes: 1 is an expected user-facing failure, 2 a usage error, 70 an internal bug. */
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** A failure the user can act on. `message` must never contain passwords or row values. */
export class TandemError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /**
   * Set on a change stream's failure that no rerun can get past (the binlog, redo or slot it needs
   * is gone): the exporter records it, so that the importer and the reports say so instead of
   * "rerun: it resumes".
   */
  readonly streamLost: boolean;
  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown; streamLost?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'TandemError';
    this.code = code;
    this.hint = options?.hint;
    this.streamLost = options?.streamLost ?? false;
  }

  get exitCode(): number {
    return this.code === 'TANDEM_USAGE' ? EXIT_USAGE : EXIT_USER_ERROR;
  }
}

export function isTandemError(e: unknown): e is TandemError {
  return e instanceof TandemError;
}

/** A full disk, as Node (ENOSPC, EDQUOT) or SQLite (SQLITE_FULL) reports it. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** One of the export dir's SQLite files is not a database, or is damaged (SQLITE_NOTADB, SQLITE_CORRUPT). */
export function isDamagedDatabase(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

/**
 * A file-system failure the user can act on, as a TandemError: a full disk (ENOSPC, EDQUOT, or
 * SQLite's SQLITE_FULL for meta.db) or a path Tandem may not write (EACCES, EPERM, EROFS).
 * Anything else: undefined.
 */
export function fileSystemError(e: unknown): TandemError | undefined {
  const err = e as { code?: unknown; path?: unknown; message?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const where = typeof err?.path === 'string' ? ` (${err.path})` : '';
  if (isDiskFull(e)) {
    return new TandemError('TANDEM_DISK', `The disk holding the export dir is full${where}.`, {
      hint: 'Free space on it, or move the export dir to a bigger disk, then rerun the same command: it resumes. Once changes stream, tandem archive changes moves or deletes the change segments already applied; it frees nothing during the snapshot.',
      cause: e,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TandemError('TANDEM_EXPORT_DIR', `Tandem may not write${where || ' in the export dir'}: ${String(err?.message ?? code)}.`, {
      hint: 'Check the owner, permissions and mount of the export dir.',
      cause: e,
    });
  }
  if (isDamagedDatabase(e)) return damagedStateError(String(err?.message ?? code), where, e, false);
  return undefined;
}

/**
 * One of the export dir's SQLite files (metainfo/meta.db, which holds the migration's state, or a
 * command's lock file) is not a database or is damaged: a disk fault, or a file written over by
 * hand. Not a bug of Tandem's, and nothing Tandem can rebuild.
 */
export function damagedStateError(message: string, where: string, cause: unknown, atOpen: boolean): TandemError {
  const lockFile = /\.lock\)?$/.test(where);
  if (lockFile) {
    return new TandemError('TANDEM_EXPORT_DIR', `The lock file${where} is damaged: ${message}.`, { hint: 'If the command it belongs to is not running, delete the lock file and run the command again.', cause });
  }
  return new TandemError('TANDEM_EXPORT_DIR', `A file of the export dir${where} is damaged: ${message}. ${where ? 'It holds what the migration has done so far; Tandem cannot go on without it' : 'If it is a lock file (metainfo/<command>.lock), delete it; if it is metainfo/meta.db, it holds what the migration has done so far'}${atOpen ? ', and nothing was changed' : ''}.`, {
    hint: 'Restore the whole export dir from a backup (metainfo/ with meta.db and meta.db-wal, and the data files beside it) and run the same command again. Without a backup this migration cannot go on: start it over with a new export dir and empty target tables.',
    cause,
  });
}

/** An error's fields the safety nets read. */
type ErrorFields = { code?: unknown; errno?: unknown; message?: unknown; cause?: unknown };

/** The error and those it wraps (`cause`), at most five deep. */
function* causeChain(e: unknown): Generator<ErrorFields> {
  let err = e as ErrorFields | undefined;
  for (let depth = 0; err && depth < 5; depth++, err = err.cause as ErrorFields | undefined) yield err;
}

/** MySQL's access-denied error numbers (see privilegeError). */
const MYSQL_ACCESS_DENIED: ReadonlySet<unknown> = new Set([1044, 1142, 1143, 1227]);

/**
 * The database's own "permission denied", as a TandemError, for one that no step turned into a
 * message of its own (those name the object and the GRANT; this one passes on the server's message).
 * Recognised by code, never by text, on the error or one it wraps:
 * - PostgreSQL and YugabyteDB: SQLSTATE 42501 (insufficient_privilege), in `code`;
 * - MySQL: access-denied errors by number, in `errno`: 1044 (database), 1142 (table), 1143 (column),
 *   1227 (a statement that needs a global privilege such as REPLICATION CLIENT).
 * Anything else: undefined.
 */
export function privilegeError(e: unknown): TandemError | undefined {
  for (const err of causeChain(e)) {
    if (err.code === '42501' || MYSQL_ACCESS_DENIED.has(err.errno)) {
      return new TandemError('TANDEM_PRIVILEGE', `The database refused: ${String(err.message ?? err.code).split('\n')[0]}.`, {
        hint: 'Grant the migration user what the message names (as the object\'s owner or a superuser), then rerun the same command: it resumes.',
        cause: e,
      });
    }
  }
  return undefined;
}

/**
 * MySQL's read-only refusals: InnoDB's (1836, ER_READ_ONLY_MODE), and --read-only / super_read_only
 * (1290, ER_OPTION_PREVENTS_STATEMENT, which other options raise too: told apart by its message).
 */
export function isMySqlReadOnly(errno: unknown, message: unknown): boolean {
  return errno === 1836 || (errno === 1290 && /read.only/i.test(String(message ?? '')));
}

/** What to do about a read-only database Tandem must write to. */
export const READ_ONLY_HINT = 'Tandem writes there (its progress, and the changes it carries): make it writable '
  + '(PostgreSQL: ALTER SYSTEM RESET default_transaction_read_only; SELECT pg_reload_conf(); or ALTER DATABASE/ROLE … RESET it from a session of another database, and a primary, not a hot standby; '
  + 'MySQL/MariaDB: SET GLOBAL read_only = 0, or give the migration user READ ONLY ADMIN on MariaDB), then rerun the same command: it resumes. '
  + 'To stop the application\'s writes before a cutover, stop the application or revoke its own privileges instead.';

/**
 * A database that refuses writes because it is read-only, as a TandemError, where no step turned it
 * into a message of its own (measured before: an internal error, "This is a bug in Tandem", when a
 * source was made read-only to stop the application before a cutover with fall-back; the
 * server-restarts run). By code: PostgreSQL's SQLSTATE 25006 (read_only_sql_transaction), MySQL's
 * 1290 and 1836, Oracle's ORA-16000. Anything else: undefined.
 */
export function readOnlyError(e: unknown): TandemError | undefined {
  for (const err of causeChain(e)) {
    if (err.code === '25006' || isMySqlReadOnly(err.errno, err.message) || /^ORA-16000\b/.test(String(err.message ?? ''))) {
      return new TandemError('TANDEM_PREREQUISITE', `The database is read-only: ${String(err.message ?? err.code).split('\n')[0]}.`, { hint: READ_ONLY_HINT, cause: e });
    }
  }
  return undefined;
}

/** Node's socket errors that mean the server went away or cannot be reached. */
const SOCKET_LOST: ReadonlySet<unknown> = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** PostgreSQL's connection exceptions (class 08) and server shutdowns (57P01-57P03), by SQLSTATE. */
const PG_CONNECTION_LOST = /^(08...|57P0[123])$/;
/** mysql2's lost connections, by code, and the server's by number: shutdown (1053), connection killed (1927), gone away (2006), lost (2013). */
const MYSQL_LOST_CODES: ReadonlySet<unknown> = new Set(['PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED']);
const MYSQL_LOST_ERRNOS: ReadonlySet<unknown> = new Set([1053, 1927, 2006, 2013]);
/** node-oracledb's broken connections and Oracle's end-of-file on the channel. */
const ORACLE_LOST: ReadonlySet<unknown> = new Set(['NJS-500', 'NJS-501', 'NJS-503', 'ORA-03113', 'ORA-03114', 'ORA-03135']);
/** node-postgres and mysql2 say so in messages of their own, without a code (a query on a connection already lost). */
const DRIVER_LOST_MESSAGES: ReadonlySet<unknown> = new Set([
  'Connection terminated unexpectedly', 'Connection terminated', 'Client has encountered a connection error and is not queryable',
  'Can\'t add new command when connection is in closed state',
]);

/** The drivers' fixed texts for a connection used after it was lost, said in the user's words. */
const DRIVER_LOST_WORDS: ReadonlyMap<string, string> = new Map([
  ['Client has encountered a connection error and is not queryable', 'its connection had broken: the server went away or the network failed'],
  ['Can\'t add new command when connection is in closed state', 'its connection had been closed: the server went away or the network failed'],
]);

/**
 * An error's message for the terminal, with a driver's fixed text for a connection already lost
 * put in words (measured before: node-pg's "is not queryable" and mysql2's "closed state" reached
 * the screen as they are; the kill-mysql-51 run). Any other message is returned as it is.
 */
export function spokenErrorMessage(message: string): string {
  return DRIVER_LOST_WORDS.get(message) ?? message;
}

/**
 * A database connection lost where no step turned it into a message of its own (the streams, the
 * writers and the snapshot's copy do), as TANDEM_CONNECT: never an internal error. Recognised by
 * the drivers' and servers' codes (a few fixed messages of the drivers aside), on the error or one
 * it wraps. Anything else: undefined.
 */
export function connectionLostError(e: unknown, command: string): TandemError | undefined {
  for (const err of causeChain(e)) {
    const lost = SOCKET_LOST.has(err.code) || (typeof err.code === 'string' && PG_CONNECTION_LOST.test(err.code))
      || MYSQL_LOST_CODES.has(err.code) || MYSQL_LOST_ERRNOS.has(err.errno) || ORACLE_LOST.has(err.code) || DRIVER_LOST_MESSAGES.has(err.message);
    if (lost) {
      return new TandemError('TANDEM_CONNECT', `A database connection was lost: ${String(err.message ?? err.code).split('\n')[0]!.replace(/\.+$/, '')}.`, {
        hint: `Check that the database server is running and reachable, then rerun "tandem ${command}": what it had finished is kept (an importer resumes, a snapshot starts over).`,
        cause: e,
      });
    }
  }
  return undefined;
}

/**
 * A native module (better-sqlite3, which keeps meta.db) that cannot load: npm 11 installs it
 * without running its build unless allowed (`bindings` then finds no file), or it was built for
 * another Node.js (ERR_DLOPEN_FAILED, NODE_MODULE_VERSION). The user's to fix, not a bug.
 * Anything else: undefined.
 */
export function nativeModuleError(e: unknown): TandemError | undefined {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const message = typeof err?.message === 'string' ? err.message : '';
  const unbuilt = /^Could not locate the bindings file\b/.test(message);
  const mismatched = err?.code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION \d+/.test(message);
  if (!unbuilt && !mismatched) return undefined;
  const what = unbuilt ? 'was installed without being built (npm 11 runs a package\'s install script only when allowed)' : `was built for another Node.js than this one (${process.version})`;
  return new TandemError('TANDEM_PREREQUISITE', `Tandem's native module better-sqlite3 cannot load: it ${what}.`, {
    hint: unbuilt
      ? 'Install Tandem again allowing its build: npm install -g --allow-scripts=better-sqlite3,oracledb <tandem package> (in a project with a package.json: "allowScripts": {"better-sqlite3": true, "oracledb": true}); it compiles with make, g++ and python3 when no prebuilt binary can be downloaded.'
      : 'Rebuild it for this Node.js: npm rebuild better-sqlite3, in the directory Tandem is installed in (or install Tandem again).',
    cause: e,
  });
}
