/**
 * A MySQL "access denied" error (on a database, a table or a column) met while Tandem writes to the
 * source, as TANDEM_PRIVILEGE naming the object the server names and the GRANT that fixes it: the
 * backstop behind the checks at export data's start (`capture/prerequisites.ts`).
 */
import type { Connection } from 'mysql2/promise';
import { TandemError } from '../../core/errors.js';
import { mysqlIdent } from './catalog.js';

/** ER_DBACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR. */
const ACCESS_DENIED: ReadonlySet<number> = new Set([1044, 1142, 1143]);

/** True when `errno` says the user lacks a privilege on a database, a table or a column. */
export function isAccessDenied(errno: unknown): boolean {
  return typeof errno === 'number' && ACCESS_DENIED.has(errno);
}

/** What Tandem does in its metadata database (marker table, the fall-back writer's progress tables). */
export const METADATA_PRIVILEGES = 'CREATE, SELECT, INSERT, UPDATE, DELETE';

/** The access-denied errno of an error or of the errors it wraps (`cause`), if any. */
export function accessDeniedErrno(error: unknown): number | undefined {
  for (let e = error as { errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (isAccessDenied(e.errno)) return e.errno as number;
  }
  return undefined;
}

/** `user@host` from CURRENT_USER() as `'user'@'host'` for GRANT statements. */
export function grantAccount(current: string): string {
  const at = current.lastIndexOf('@');
  const user = at < 0 ? current : current.slice(0, at);
  const host = at < 0 ? '%' : current.slice(at + 1);
  return `'${user.replace(/'/g, "''")}'@'${host.replace(/'/g, "''")}'`;
}

/** The account of a connection for GRANT statements; `'user'@'%'` when it cannot be read. */
export async function currentAccount(connection: Connection, user: string): Promise<string> {
  try {
    const [rows] = await connection.query('SELECT CURRENT_USER() AS u');
    return grantAccount(String((rows as Array<{ u: string }>)[0]!.u));
  } catch {
    return grantAccount(`${user}@%`);
  }
}

function unquote(name: string): string {
  const t = name.trim();
  if (t.startsWith('`') && t.endsWith('`')) return t.slice(1, -1).replace(/``/g, '`');
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1);
  return t;
}

/**
 * The database and table the server's message names ("… for table `db`.`t`", "… for table 't'",
 * "… for column 'c' in table 't'", "… to database 'db'"): for the message only, never to decide what to do. `database` falls back
 * to `defaultDatabase` when the server names the table alone.
 */
export function deniedObject(error: unknown, defaultDatabase: string): { database: string; table?: string } {
  const message = String((error as { sqlMessage?: unknown; message?: unknown })?.sqlMessage ?? (error as Error)?.message ?? '');
  const db = / to database ((?:`(?:[^`]|``)+`)|(?:'[^']*')|\S+)\s*$/.exec(message);
  if (db) return { database: unquote(db[1]!) };
  const table = / (?:for|in) table ((?:`(?:[^`]|``)+`|'[^']*'|[^\s.`']+)(?:\.(?:`(?:[^`]|``)+`|'[^']*'|[^\s.`']+))?)\s*$/.exec(message);
  if (!table) return { database: defaultDatabase };
  const parts = table[1]!.match(/`(?:[^`]|``)+`|'[^']*'|[^\s.`']+/g)!.map(unquote);
  if (parts.length === 2) return { database: parts[0]!, table: parts[1]! };
  // MySQL 8 names a table as 'db.t' in one pair of quotes; otherwise the table alone.
  const dot = parts[0]!.indexOf('.');
  return dot > 0 ? { database: parts[0]!.slice(0, dot), table: parts[0]!.slice(dot + 1) } : { database: defaultDatabase, table: parts[0]! };
}

/** Options of {@link privilegeError}. */
export interface PrivilegeErrorContext {
  /** What Tandem was doing, a phrase: "Applying changes on channel 2 failed: INSERT of public.t1 in events 3..4". */
  readonly doing: string;
  /** The database to assume when the server names the table alone. */
  readonly database: string;
  /** The account for the GRANT (`currentAccount`). */
  readonly account: string;
  /** The privileges to grant on the object's database (by database name); default SELECT, INSERT, UPDATE, DELETE. */
  readonly privilegesFor?: (database: string) => string;
  /** What to do after granting. */
  readonly then: string;
}

/**
 * The access-denied error as TANDEM_PRIVILEGE naming the object and the GRANT, or undefined when
 * `error` is not one.
 */
export function privilegeError(error: unknown, ctx: PrivilegeErrorContext): TandemError | undefined {
  const errno = accessDeniedErrno(error);
  if (errno === undefined) return undefined;
  const { database, table } = deniedObject(error, ctx.database);
  const object = table !== undefined ? `the table ${database}.${table}` : `the database ${database}`;
  const privileges = ctx.privilegesFor?.(database) ?? 'SELECT, INSERT, UPDATE, DELETE';
  const code = (error as { code?: unknown }).code;
  return new TandemError('TANDEM_PRIVILEGE',
    `${ctx.doing}: user ${ctx.account} lacks a privilege on ${object} (MySQL error ${errno}${typeof code === 'string' ? ` ${code}` : ''}).`,
    { hint: `GRANT ${privileges} ON ${mysqlIdent(database)}.* TO ${ctx.account}; then ${ctx.then}`, cause: error });
}
