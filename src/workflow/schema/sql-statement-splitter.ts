import { loadModule, parseSync } from 'libpg-query';
import { TandemError } from '../../core/errors.js';

/** One statement cut out of a SQL file. */
export interface SplitStatement {
  /** The statement text without its trailing semicolon and surrounding comments. */
  readonly sql: string;
  /** 1-based line of the statement's first token. */
  readonly line: number;
  /** The parse tree node of the statement, e.g. `{ CreateStmt: {...} }`. */
  readonly node: Record<string, unknown>;
}

let loading: Promise<void> | undefined;

/** Loads the WASM parser once; every splitter call awaits it. */
export async function loadSqlParser(): Promise<void> {
  loading ??= loadModule();
  await loading;
}

/**
 * Splits SQL text into statements with PostgreSQL's own parser (libpg-query), so dollar quotes,
 * comments and semicolons inside strings are handled exactly as the server would. Text that does
 * not parse raises `TANDEM_SCHEMA_PARSE` naming `fileLabel` and the line of the error.
 * Call {@link loadSqlParser} first.
 *
 * @example
 * await loadSqlParser();
 * splitSqlStatements('CREATE TABLE a (x int); -- note\nCREATE INDEX ON a (x);', 'tables.sql'); // two statements
 */
export function splitSqlStatements(text: string, fileLabel: string): SplitStatement[] {
  if (text.trim() === '') return [];
  let stmts: { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[];
  try {
    stmts = (parseSync(text) as unknown as { stmts?: typeof stmts }).stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    // libpg-query reports a 0-based character offset.
    const at = details?.cursorPosition !== undefined ? ` at line ${lineOf(text, details.cursorPosition)}` : '';
    throw new TandemError('TANDEM_SCHEMA_PARSE', `${fileLabel}${at}: ${(error as Error).message}`, {
      hint: 'Fix the statement in the file and run the command again.', cause: error,
    });
  }
  // stmt_location and stmt_len count bytes of the UTF-8 text, not characters.
  const bytes = Buffer.from(text, 'utf8');
  const out: SplitStatement[] = [];
  for (const s of stmts) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const sql = bytes.subarray(start, end).toString('utf8').trim().replace(/;\s*$/, '');
    if (sql === '' || !s.stmt) continue;
    const line = bytes.subarray(0, start).toString('utf8').split('\n').length;
    out.push({ sql, line, node: s.stmt });
  }
  return out;
}

function lineOf(text: string, charOffset: number): number {
  return text.slice(0, charOffset).split('\n').length;
}
