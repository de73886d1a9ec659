/** A piece of a SQL file that ends at a top-level semicolon. */
export interface SqlChunk {
  /** Character offset of the chunk in the file. */
  readonly start: number;
  /** The chunk's text, including its terminating semicolon if any. */
  readonly text: string;
}

/**
 * Splits SQL at semicolons that are outside string literals, quoted identifiers, dollar-quoted bodies
 * and comments. Used only when the whole file does not parse, so that one bad statement does not hide
 * the issues of the others. `BEGIN ATOMIC ... END` bodies are split too; the caller re-joins them.
 */
export function splitSqlStatements(sql: string): SqlChunk[] {
  const chunks: SqlChunk[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    const text = sql.slice(start, end);
    if (text.trim() !== '') chunks.push({ start, text });
    start = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      // E'...' strings allow backslash escapes; standard strings only double the quote.
      const escapes = i > 0 && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
      } else {
        i++;
      }
    } else if (c === ';') {
      i++;
      push(i);
    } else {
      i++;
    }
  }
  push(sql.length);
  return chunks;
}

function skipBlockComment(sql: string, from: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}
