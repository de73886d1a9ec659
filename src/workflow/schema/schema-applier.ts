import type pg from 'pg';
import { TandemError } from '../../core/errors.js';
import type { PlannedStatement } from './schema-statements-reader.js';

/**
 * SQLSTATEs that mean "this object is already there": duplicate_table (relations, indexes,
 * sequences, views, unique constraints), duplicate_object (types, constraints, triggers, policies),
 * duplicate_schema, duplicate_function, duplicate_column. With `ignoreExist` they count as skipped.
 */
export const ALREADY_EXISTS_SQLSTATES: ReadonlySet<string> = new Set(['42P07', '42710', '42P06', '42723', '42701']);

/** What happened to one statement. */
export type StatementOutcome =
  | { readonly status: 'applied' }
  | { readonly status: 'skipped'; readonly sqlState: string; readonly message: string }
  | { readonly status: 'failed'; readonly sqlState?: string; readonly message: string }
  | { readonly status: 'not-executed' };

/** One statement and its outcome. */
export type StatementResult = { readonly statement: PlannedStatement } & StatementOutcome;

/** The outcome of {@link applySchemaStatements}: one result per statement, in order, and the totals. */
export interface SchemaApplyResult {
  readonly results: readonly StatementResult[];
  readonly applied: number;
  readonly skipped: number;
  readonly failed: number;
  readonly notExecuted: number;
}

/** Options of {@link applySchemaStatements}. */
export interface SchemaApplyOptions {
  /** Count "already exists" errors as skipped instead of failed (`--ignore-exist`). */
  readonly ignoreExist: boolean;
  /** Go on after a failure (`--continue-on-error`); otherwise stop and mark the rest not executed. */
  readonly continueOnError: boolean;
  /** Called after each statement. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the statements one by one, each in its own transaction, with `check_function_bodies = off`
 * (function bodies may name objects created later). Never throws for a failed statement: the
 * result says what happened to each; {@link assertSchemaApplied} turns failures into an error.
 *
 * @example
 * const result = await applySchemaStatements(client, statements, { ignoreExist: true, continueOnError: false });
 * assertSchemaApplied(result);
 */
export async function applySchemaStatements(
  client: pg.Client,
  statements: readonly PlannedStatement[],
  options: SchemaApplyOptions,
): Promise<SchemaApplyResult> {
  await client.query('SET check_function_bodies = off');
  const results: StatementResult[] = [];
  let stopped = false;
  for (const statement of statements) {
    if (stopped) {
      results.push({ statement, status: 'not-executed' });
      continue;
    }
    try {
      await client.query(statement.sql);
      results.push({ statement, status: 'applied' });
    } catch (error) {
      const sqlState = (error as { code?: unknown }).code;
      const code = typeof sqlState === 'string' ? sqlState : undefined;
      const message = (error as Error).message;
      if (options.ignoreExist && code !== undefined && ALREADY_EXISTS_SQLSTATES.has(code)) {
        results.push({ statement, status: 'skipped', sqlState: code, message });
      } else {
        results.push(code !== undefined
          ? { statement, status: 'failed', sqlState: code, message }
          : { statement, status: 'failed', message });
        if (!options.continueOnError) stopped = true;
      }
    }
    options.onProgress?.(results.length, statements.length);
  }
  const count = (status: StatementResult['status']) => results.filter((r) => r.status === status).length;
  return {
    results, applied: count('applied'), skipped: count('skipped'), failed: count('failed'), notExecuted: count('not-executed'),
  };
}

/**
 * Throws `TANDEM_SCHEMA_IMPORT` if any statement failed, naming each failure's file, line,
 * SQLSTATE and message (DDL only, never row values).
 */
export function assertSchemaApplied(result: SchemaApplyResult): void {
  const failures = result.results.filter((r) => r.status === 'failed');
  if (failures.length === 0) return;
  const lines = failures.map((r) => r.status === 'failed'
    ? `${r.statement.file}:${r.statement.line} [${r.sqlState ?? '?'}] ${r.message}\n    ${firstLine(r.statement.sql)}`
    : '');
  const tail = result.notExecuted > 0 ? `\n${result.notExecuted} later statement(s) were not run.` : '';
  throw new TandemError('TANDEM_SCHEMA_IMPORT',
    `${failures.length} schema statement(s) failed:\n  ${lines.join('\n  ')}${tail}`,
    { hint: 'Fix the files under schema/ (or the target) and rerun import schema with --ignore-exist true.' });
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
