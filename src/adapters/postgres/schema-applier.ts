import type pg from 'pg';
import type {
  MissingObjectError, SchemaApplyOptions, SchemaApplyResult, SchemaStatement, StatementOutcome, StatementResult,
} from '../../core/engine/target.js';
import { MISSING_OBJECT_SQLSTATES } from './missing-object-errors.js';
import { quoteIdent } from '../../core/sql-names.js';

/**
 * SQLSTATEs that mean "this object is already there": duplicate_table (relations, indexes,
 * sequences, views, unique constraints), duplicate_object (types, constraints, triggers, policies),
 * duplicate_schema, duplicate_function, duplicate_column. With `ignoreExist` they count as skipped.
 */
export const ALREADY_EXISTS_SQLSTATES: ReadonlySet<string> = new Set(['42P07', '42710', '42P06', '42723', '42701']);

/** A statement set aside, with what it ran under the first time. */
interface WaitingStatement {
  readonly index: number;
  readonly error: MissingObjectError;
  readonly searchPath: string;
}

type Attempt = StatementOutcome | ({ readonly status: 'waiting' } & MissingObjectError);

/**
 * Runs the statements one by one with `check_function_bodies = off` (function bodies may name
 * objects created later). Each runs on its own in autocommit, that is as its own implicit
 * transaction, so a failed statement leaves nothing behind.
 *
 * A statement that fails because something it needs does not exist yet
 * ({@link MISSING_OBJECT_SQLSTATES}) is set aside and the run goes on; the set-aside statements are
 * retried after the others, in their original order and with the `search_path` they first ran
 * under, pass after pass while a pass applies at least one of them. What still fails then is a
 * failure. Not set aside: statements run inside a transaction block the files opened themselves
 * (`BEGIN … COMMIT`: they were meant to go together), and `DO` / `CALL`, which may commit part of
 * their work. Other errors behave as without retries: a failure stops the run (the statements not
 * run yet, set-aside ones included, are `not-executed`) unless `continueOnError`.
 *
 * Never throws for a failed statement: the result says what happened to each (the workflow's
 * `assertSchemaApplied` turns failures into an error).
 *
 * @example
 * const result = await applySchemaStatements(client, statements, { ignoreExist: true, continueOnError: false });
 */
export async function applySchemaStatements(
  client: pg.Client,
  statements: readonly SchemaStatement[],
  options: SchemaApplyOptions,
): Promise<SchemaApplyResult> {
  await client.query('SET check_function_bodies = off');
  // The exported statements write string constants in standard form ('C:\temp' is a backslash and a
  // t): a target whose server, database or role sets standard_conforming_strings off read them as
  // escapes, and created defaults, CHECKs, generated columns and views with other text, silently
  // (the pg-fidelity run). pg_dump pins it the same way, and xmloption with it.
  await client.query('SET standard_conforming_strings = on');
  await client.query('SET xmloption = content').catch(() => {});
  const run = new StatementRun(client, statements, options);
  const waiting = await run.firstPass();
  const left = waiting.length > 0 ? await run.retryPasses(waiting) : { waiting, passes: 0 };
  // Each ran and waited in vain: all are failures, each with its own error (measured before: after
  // the first, the rest were "not run", and a table and a function waiting for each other showed
  // only the function's "relation does not exist"; the schema-fidelity run). Stopped before the
  // retries (an earlier failure), they were never retried: not run.
  const retried = left.passes > 0;
  for (const w of left.waiting) {
    run.settle(w.index, retried || !run.stopped ? { status: 'failed', ...w.error } : { status: 'not-executed' }, left.passes);
  }
  const results = run.results;
  const count = (status: StatementResult['status']) => results.filter((r) => r.status === status).length;
  return {
    results, applied: count('applied'), skipped: count('skipped'), failed: count('failed'), notExecuted: count('not-executed'),
    waited: waiting.length,
  };
}

/** The state of one {@link applySchemaStatements} call: the results so far and whether it stopped. */
class StatementRun {
  readonly results: StatementResult[];
  stopped = false;
  private done = 0;

  constructor(
    private readonly client: pg.Client,
    private readonly statements: readonly SchemaStatement[],
    private readonly options: SchemaApplyOptions,
  ) {
    this.results = new Array<StatementResult>(statements.length);
  }

  /** Records a statement's final outcome; a failure stops the run unless `continueOnError`. */
  settle(index: number, outcome: StatementOutcome, waitedPasses?: number): void {
    this.results[index] = { statement: this.statements[index]!, ...outcome, ...(waitedPasses === undefined ? {} : { waitedPasses }) };
    if (outcome.status === 'failed' && !this.options.continueOnError) this.stopped = true;
    if (outcome.status !== 'not-executed') this.options.onProgress?.(++this.done, this.statements.length);
  }

  /** Runs every statement in file order; returns those set aside. */
  /** Whether "already exists" counts as done for this statement (`ignoreExist`, `ignoreExistFor`). */
  private ignoresExist(statement: SchemaStatement): boolean {
    return this.options.ignoreExist || (this.options.ignoreExistFor?.has(statement.sql) ?? false);
  }

  async firstPass(): Promise<WaitingStatement[]> {
    const waiting: WaitingStatement[] = [];
    for (const [index, statement] of this.statements.entries()) {
      if (this.stopped) {
        this.settle(index, { status: 'not-executed' });
        continue;
      }
      const outcome = await attempt(this.client, statement, this.options, this.ignoresExist(statement));
      if (outcome.status === 'waiting') {
        waiting.push({ index, error: this.waited(index, outcome, 0), searchPath: await searchPathOf(this.client) });
      } else {
        this.settle(index, outcome);
      }
    }
    return waiting;
  }

  /**
   * Retries the set-aside statements in their original order, each under the `search_path` it
   * first ran under, while a pass creates something; returns those still waiting.
   */
  async retryPasses(waiting: readonly WaitingStatement[]): Promise<{ waiting: readonly WaitingStatement[]; passes: number }> {
    if (this.stopped) return { waiting, passes: 0 };
    const sessionPath = await searchPathOf(this.client);
    let currentPath = sessionPath;
    let passes = 0;
    while (waiting.length > 0 && !this.stopped) {
      const pass = ++passes;
      const stillWaiting: WaitingStatement[] = [];
      let applied = 0;
      for (const w of waiting) {
        if (this.stopped) {
          stillWaiting.push(w);
          continue;
        }
        if (w.searchPath !== currentPath) await setSearchPath(this.client, (currentPath = w.searchPath));
        const outcome = await attempt(this.client, this.statements[w.index]!, this.options, this.ignoresExist(this.statements[w.index]!));
        if (outcome.status === 'waiting') {
          stillWaiting.push({ ...w, error: this.waited(w.index, outcome, pass) });
        } else {
          if (outcome.status === 'applied') applied++;
          this.settle(w.index, outcome, pass);
        }
      }
      waiting = stillWaiting;
      // Only a created object can let another statement through: without one, the rest is final.
      if (applied === 0) break;
    }
    if (currentPath !== sessionPath) await setSearchPath(this.client, sessionPath);
    return { waiting, passes };
  }

  private waited(index: number, error: MissingObjectError, pass: number): MissingObjectError {
    const e = { sqlState: error.sqlState, message: error.message };
    this.options.onWaiting?.(this.statements[index]!, e, pass);
    return e;
  }
}

/**
 * How long a statement an earlier command had started (`ignoreExistFor`) is tried again while it
 * fails on a concurrent creation of the same object (`isConcurrentCreation`), once a second.
 */
export const CONCURRENT_CREATION_RETRIES = 30;
const CONCURRENT_CREATION_WAIT_MS = 1000;

/**
 * The errors of a statement whose object another session was creating at the same time: the unique
 * index of a catalog (23505: `CREATE EXTENSION IF NOT EXISTS` while another session's creation of it
 * is not yet committed), a catalog row changed under it (XX000 "tuple concurrently updated"), a
 * deadlock between the two (40P01). A killed `import schema`'s server session goes on with its last
 * statement for a while after the client died (the pg-schema run: a rerun right after a kill -9
 * failed once this way).
 */
function isConcurrentCreation(outcome: Attempt): boolean {
  if (outcome.status !== 'failed' || outcome.sqlState === undefined) return false;
  return outcome.sqlState === '23505' || outcome.sqlState === '40P01'
    || (outcome.sqlState === 'XX000' && /tuple concurrently (?:updated|deleted)/.test(outcome.message ?? ''));
}

/**
 * Runs one statement and classifies its error, if any. A statement an earlier command had started
 * that fails on a concurrent creation of its object is tried again (rolled back, so harmless) until
 * that other session is done: then it is found done, or applies.
 */
async function attempt(client: pg.Client, statement: SchemaStatement, options: SchemaApplyOptions, ignoreExist: boolean): Promise<Attempt> {
  const startedElsewhere = options.ignoreExistFor?.has(statement.sql) ?? false;
  for (let retries = 0; ; retries++) {
    options.beforeRun?.(statement);
    const outcome = await run(client, statement, ignoreExist);
    // Rejected by the server (an SQLSTATE): rolled back. No answer at all: it may have committed.
    options.afterRun?.(statement, !((outcome.status === 'failed' && outcome.sqlState !== undefined) || outcome.status === 'waiting'));
    if (!startedElsewhere || retries >= CONCURRENT_CREATION_RETRIES || !isConcurrentCreation(outcome)) return outcome;
    await new Promise((resolve) => setTimeout(resolve, options.concurrentCreationWaitMs ?? CONCURRENT_CREATION_WAIT_MS));
  }
}

async function run(client: pg.Client, statement: SchemaStatement, ignoreExist: boolean): Promise<Attempt> {
  // 'I': no transaction block is open, so the statement is its own transaction (see above).
  const mayWait = client.getTransactionStatus() === 'I' && !statement.mayCommitInside;
  try {
    await client.query(statement.sql);
    return { status: 'applied' };
  } catch (error) {
    const sqlState = (error as { code?: unknown }).code;
    const code = typeof sqlState === 'string' ? sqlState : undefined;
    const message = (error as Error).message;
    if (code === undefined) return { status: 'failed', message };
    // Text search objects and mappings have no duplicate check: a pg_ts_* catalog index reports them (23505).
    const textSearchDuplicate = code === '23505' && /^pg_ts_/.test(String((error as { constraint?: unknown }).constraint));
    // 42701 is also a column named like a system column (xmin) or named twice in one statement:
    // nothing exists then, and the statement must fail (measured before: such a table was counted
    // "already done" and never created).
    const notThere = code === '42701' && (/conflicts with a system column name|specified more than once/.test(message)
      || /^CREATE\s+(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED)\s+)*TABLE\b/i.test(statement.sql.replace(/^(?:\s*--[^\n]*\n)*\s*/, '')));
    if (ignoreExist && !notThere && (ALREADY_EXISTS_SQLSTATES.has(code) || textSearchDuplicate)) return { status: 'skipped', sqlState: code, message };
    if (mayWait && MISSING_OBJECT_SQLSTATES.has(code)) return { status: 'waiting', sqlState: code, message };
    if (code === INSUFFICIENT_PRIVILEGE) return { status: 'failed', sqlState: code, message, grant: createGrant(message, client.user) };
    return { status: 'failed', sqlState: code, message };
  }
}

/** SQLSTATE insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * The GRANT of CREATE that a DDL statement refused with 42501 lacks, when the server names a
 * database or a schema (CREATE SCHEMA without CREATE on the database; CREATE TABLE in a schema
 * without CREATE on it, as PostgreSQL 15's public schema is for users other than its owner);
 * undefined for anything else (a table it does not own, a server with translated messages). The
 * SQLSTATE says that it is a privilege; only the object's name is read from the message, which
 * carries it nowhere else.
 */
export function createGrant(message: string, user: string | undefined): string | undefined {
  const m = /^permission denied for (database|schema) (.+)$/.exec(message);
  if (!m) return undefined;
  return `GRANT CREATE ON ${m[1]!.toUpperCase()} ${quoteIdent(m[2]!)} TO ${user ? quoteIdent(user) : '<migration user>'};`;
}

async function searchPathOf(client: pg.Client): Promise<string> {
  const r = await client.query<{ path: string }>("SELECT pg_catalog.current_setting('search_path') AS path");
  return r.rows[0]!.path;
}

async function setSearchPath(client: pg.Client, path: string): Promise<void> {
  await client.query("SELECT pg_catalog.set_config('search_path', $1, false)", [path]);
}
