/**
 * Splits one Oracle SQL statement into tokens. Comments (and optimizer hints, which are comments)
 * are dropped; string literals of every Oracle form (`'it''s'`, `q'[it's]'`, `N'…'`) become their
 * value.
 */

/** What a token is. */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct';

/** One token of a statement. */
export interface Token {
  readonly kind: TokenKind;
  /**
   * word: the word in upper case (what Oracle stores for an unquoted name); quoted: the name between
   * the double quotes; string: the literal's value; number: the number as written (without a
   * binary-float suffix); op and punct: the characters.
   */
  readonly value: string;
  /** Offset of the token's first character in the statement. */
  readonly start: number;
  /** Offset just after the token. */
  readonly end: number;
  /** A line break comes between the previous token and this one. */
  readonly newline: boolean;
  /** For a string: it was a national (`N'…'`) literal. */
  readonly national?: boolean;
}

/** A statement that cannot be tokenized (an unterminated string, quoted name or comment). */
export class OracleTokenizeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'OracleTokenizeError';
  }
}

const MULTI_CHAR_OPS = ['||', '<=', '>=', '<>', '!=', '^=', '~=', ':=', '=>', '**', '..'];
const Q_QUOTE_CLOSERS: Readonly<Record<string, string>> = { '[': ']', '{': '}', '(': ')', '<': '>' };

function isWordStart(ch: string): boolean {
  return /[\p{L}_]/u.test(ch);
}

function isWordPart(ch: string): boolean {
  return /[\p{L}\p{N}_$#]/u.test(ch);
}

/**
 * Tokenizes one statement (or any fragment of Oracle SQL).
 *
 * @example
 * tokenizeOracle(`select q'[it's]' from "Dual"`).map((t) => t.value); // ['SELECT', "it's", 'FROM', 'Dual']
 */
export function tokenizeOracle(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let newline = false;
  const push = (kind: TokenKind, value: string, start: number, end: number, national?: boolean) => {
    tokens.push({ kind, value, start, end, newline, ...(national ? { national } : {}) });
    newline = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      newline = true;
      i++;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw new OracleTokenizeError('unterminated comment', i);
      if (text.slice(i, close).includes('\n')) newline = true;
      i = close + 2;
      continue;
    }
    const start = i;
    // National and q-quoted literals: N'…', q'[…]', Nq'[…]'.
    const prefix = /^(n?q'|n')/i.exec(text.slice(i, i + 3));
    if (prefix && (i === 0 || !isWordPart(text[i - 1]!))) {
      const national = /^n/i.test(prefix[0]);
      if (/q'$/i.test(prefix[0])) {
        const open = text[i + prefix[0].length];
        if (open === undefined) throw new OracleTokenizeError('unterminated q-quoted string', i);
        const close = (Q_QUOTE_CLOSERS[open] ?? open) + "'";
        const bodyStart = i + prefix[0].length + 1;
        const end = text.indexOf(close, bodyStart);
        if (end < 0) throw new OracleTokenizeError('unterminated q-quoted string', i);
        i = end + 2;
        push('string', text.slice(bodyStart, end), start, i, national);
        continue;
      }
      const { value, end } = readQuoted(text, i + prefix[0].length - 1, "'");
      i = end;
      push('string', value, start, i, national);
      continue;
    }
    if (ch === "'") {
      const { value, end } = readQuoted(text, i, "'");
      i = end;
      push('string', value, start, i);
      continue;
    }
    if (ch === '"') {
      const { value, end } = readQuoted(text, i, '"');
      i = end;
      push('quoted', value, start, i);
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      i += m[0].length;
      if (/[fFdD]/.test(text[i] ?? '') && !isWordPart(text[i + 1] ?? ' ')) i++;
      push('number', m[0], start, i);
      continue;
    }
    if (isWordStart(ch)) {
      while (i < text.length && isWordPart(text[i]!)) i++;
      push('word', text.slice(start, i).toUpperCase(), start, i);
      continue;
    }
    if ('(),;.'.includes(ch)) {
      i++;
      push('punct', ch, start, i);
      continue;
    }
    const op = MULTI_CHAR_OPS.find((o) => text.startsWith(o, i)) ?? ch;
    i += op.length;
    push('op', op, start, i);
  }
  return tokens;
}

/** Reads a literal or quoted name starting at `at` (the opening quote); a doubled quote is one quote. */
function readQuoted(text: string, at: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = at + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) throw new OracleTokenizeError(quote === '"' ? 'unterminated quoted name' : 'unterminated string literal', at);
    value += text.slice(i, next);
    if (text[next + 1] === quote) {
      value += quote;
      i = next + 2;
      continue;
    }
    return { value, end: next + 1 };
  }
}
