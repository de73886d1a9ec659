import { loadModule, parseSync } from 'libpg-query';
import type { Node, RawStmt } from 'libpg-query';
import type { ParseError } from './analysis-types.js';
import { SourceText, leadingTriviaLength } from './source-text.js';
import { splitSqlStatements } from './statement-splitter.js';

/** One parsed top-level statement with where it came from. */
export interface ParsedStatement {
  readonly file: string;
  /** 1-based line of the statement's first token. */
  readonly line: number;
  /** The statement text without leading comments or the trailing semicolon. */
  readonly sql: string;
  /** The statement node, e.g. `{ CreateStmt: {...} }`. */
  readonly node: Node;
}

/** The statements of a file that parsed, and the errors of those that did not. */
export interface ParsedFile {
  readonly statements: ParsedStatement[];
  readonly errors: ParseError[];
}

let moduleReady: Promise<void> | undefined;

/** Loads the WASM parser once per process. */
export function ensureParserLoaded(): Promise<void> {
  moduleReady ??= loadModule();
  return moduleReady;
}

/**
 * Parses a file with the PostgreSQL 18 parser. When the file as a whole does not parse, it is split at
 * top-level semicolons and parsed statement by statement, so one bad statement costs only itself.
 * Call `ensureParserLoaded` first.
 */
export function parseSchemaFile(path: string, sql: string): ParsedFile {
  const source = new SourceText(blankPsqlMetaCommands(sql));
  try {
    const result = parseSync(source.text);
    return { statements: toStatements(path, source, result.stmts ?? [], 0), errors: [] };
  } catch (wholeFileError) {
    return parseChunkByChunk(path, source, wholeFileError);
  }
}

function parseChunkByChunk(path: string, source: SourceText, wholeFileError: unknown): ParsedFile {
  const statements: ParsedStatement[] = [];
  const errors: ParseError[] = [];
  const chunks = splitSqlStatements(source.text);
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    if (chunk === undefined) continue;
    try {
      const result = parseSync(chunk.text);
      statements.push(...toStatements(path, source, result.stmts ?? [], source.byteOffsetOf(chunk.start)));
      continue;
    } catch (chunkError) {
      // A BEGIN ATOMIC body holds semicolons of its own: try re-joining it with the chunks that follow.
      const joined = /\bbegin\s+atomic\b/i.test(chunk.text) ? joinAtomicBody(chunks, i) : undefined;
      if (joined !== undefined) {
        statements.push(...toStatements(path, source, joined.stmts, source.byteOffsetOf(chunk.start)));
        i = joined.end;
        continue;
      }
      const cursor = errorCursor(chunkError);
      const at = chunk.start + (cursor ?? leadingTriviaLength(chunk.text));
      errors.push({ file: path, line: source.lineOfChar(at), message: errorMessage(chunkError) });
    }
  }
  if (errors.length === 0) {
    // The splitter and the parser disagree about statement boundaries; report what the parser said.
    const cursor = errorCursor(wholeFileError);
    errors.push({ file: path, line: cursor === undefined ? 1 : source.lineOfChar(cursor), message: errorMessage(wholeFileError) });
  }
  return { statements, errors };
}

function joinAtomicBody(chunks: readonly { text: string }[], from: number): { end: number; stmts: RawStmt[] } | undefined {
  let text = '';
  for (let j = from; j < chunks.length && j < from + 200; j++) {
    text += chunks[j]?.text ?? '';
    if (j === from) continue;
    try {
      return { end: j, stmts: parseSync(text).stmts ?? [] };
    } catch {
      // keep adding chunks until the body's END closes it
    }
  }
  return undefined;
}

function toStatements(path: string, source: SourceText, raws: readonly RawStmt[], baseByte: number): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  for (const raw of raws) {
    if (raw.stmt === undefined) continue;
    const startByte = baseByte + (raw.stmt_location ?? 0);
    // A stmt_len of 0 means "to the end of the input".
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : source.byteLength;
    const rawText = source.sliceBytes(startByte, endByte);
    const trivia = leadingTriviaLength(rawText);
    const sql = rawText.slice(trivia).replace(/;\s*$/, '').trimEnd();
    const line = source.lineOfByte(startByte + Buffer.byteLength(rawText.slice(0, trivia), 'utf8'));
    out.push({ file: path, line, sql, node: raw.stmt });
  }
  return out;
}

function errorCursor(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'sqlDetails' in error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    if (typeof details?.cursorPosition === 'number' && details.cursorPosition >= 0) return details.cursorPosition;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * pg_dump output can hold psql meta-commands (`\connect`, `\restrict`) that are not SQL. Blank them
 * out with spaces so that offsets and line numbers stay the same.
 */
function blankPsqlMetaCommands(sql: string): string {
  return sql.replace(/^\\[^\n]*/gm, (line) => ' '.repeat(line.length));
}
