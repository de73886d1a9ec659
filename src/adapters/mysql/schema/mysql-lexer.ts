/**
 * A tokenizer for the MySQL expressions the catalog holds (defaults, CHECK clauses, generation
 * expressions, view definitions, ENUM member lists), in the server's default sql_mode: `'…'` and
 * `"…"` are strings with backslash escapes, `` `…` `` are identifiers. Pure.
 */

export type MySqlToken =
  | { readonly type: 'ident'; readonly value: string; readonly pos: number }
  /** A string literal, unescaped; `introducer` is a charset prefix such as `_utf8mb4`, or `N`. */
  | { readonly type: 'string'; readonly value: string; readonly introducer?: string; readonly pos: number }
  | { readonly type: 'hex'; readonly value: Buffer; readonly pos: number }
  | { readonly type: 'bits'; readonly value: string; readonly pos: number }
  | { readonly type: 'number'; readonly value: string; readonly pos: number }
  /** A bare word (keyword, function or unquoted name) as written. */
  | { readonly type: 'word'; readonly value: string; readonly pos: number }
  /** `@name` or `@@name`. */
  | { readonly type: 'variable'; readonly value: string; readonly pos: number }
  | { readonly type: 'op'; readonly value: string; readonly pos: number };

/** A token the lexer could not read: an unterminated string or identifier, or a stray character. */
export class MySqlLexError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'MySqlLexError';
  }
}

const MULTI_OPS = ['<=>', '->>', '<=', '>=', '<>', '!=', '||', '&&', '<<', '>>', ':=', '->'];
const SINGLE_OPS = '+-*/%=<>!~^&|(),.;?{}';
const ESCAPES: Record<string, string> = { '0': '\0', "'": "'", '"': '"', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '\\': '\\', '%': '\\%', _: '\\_' };

function readQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new MySqlLexError(`unterminated ${quote === '`' ? 'identifier' : 'string'}`, start);
    const ch = text[i]!;
    if (backslashEscapes && ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      value += ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
}

/** Splits a MySQL expression into tokens (whitespace and comments dropped). */
export function tokenizeMySql(text: string): MySqlToken[] {
  const tokens: MySqlToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new MySqlLexError('unterminated comment', i);
      i = end + 2;
      continue;
    }
    if (text.startsWith('-- ', i) || text.startsWith('--\t', i) || text.startsWith('--\n', i) || ch === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const pos = i;
    if (ch === '`') {
      const r = readQuoted(text, i, '`', false);
      tokens.push({ type: 'ident', value: r.value, pos });
      i = r.end;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const r = readQuoted(text, i, ch, true);
      tokens.push({ type: 'string', value: r.value, pos });
      i = r.end;
      continue;
    }
    // X'hex', B'bits', N'national', _charset'…'
    const prefixed = /^([xXbBnN]|_[A-Za-z0-9]+)'/.exec(text.slice(i, i + 40));
    if (prefixed) {
      const prefix = prefixed[1]!;
      const r = readQuoted(text, i + prefix.length, "'", true);
      const p = prefix.toLowerCase();
      if (p === 'x') {
        if (!/^[0-9a-fA-F]*$/.test(r.value) || r.value.length % 2 !== 0) throw new MySqlLexError('bad hex literal', pos);
        tokens.push({ type: 'hex', value: Buffer.from(r.value, 'hex'), pos });
      } else if (p === 'b') {
        if (!/^[01]*$/.test(r.value)) throw new MySqlLexError('bad bit literal', pos);
        tokens.push({ type: 'bits', value: r.value, pos });
      } else {
        tokens.push({ type: 'string', value: r.value, introducer: prefix, pos });
      }
      i = r.end;
      continue;
    }
    const hex = /^0x([0-9a-fA-F]+)/.exec(text.slice(i));
    if (hex) {
      const digits = hex[1]!.length % 2 ? `0${hex[1]}` : hex[1]!;
      tokens.push({ type: 'hex', value: Buffer.from(digits, 'hex'), pos });
      i += hex[0].length;
      continue;
    }
    const bin = /^0b([01]+)/.exec(text.slice(i));
    if (bin) {
      tokens.push({ type: 'bits', value: bin[1]!, pos });
      i += bin[0].length;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && !/^[A-Za-z_$]/.test(text.slice(i + num[0].length, i + num[0].length + 1))) {
      tokens.push({ type: 'number', value: num[0], pos });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(text.slice(i));
    if (word) {
      tokens.push({ type: 'word', value: word[0], pos });
      i += word[0].length;
      continue;
    }
    const variable = /^@@?[A-Za-z0-9_$.]+/.exec(text.slice(i));
    if (variable) {
      tokens.push({ type: 'variable', value: variable[0], pos });
      i += variable[0].length;
      continue;
    }
    const multi = MULTI_OPS.find((op) => text.startsWith(op, i));
    if (multi) {
      tokens.push({ type: 'op', value: multi, pos });
      i += multi.length;
      continue;
    }
    if (SINGLE_OPS.includes(ch)) {
      tokens.push({ type: 'op', value: ch, pos });
      i++;
      continue;
    }
    throw new MySqlLexError(`unexpected character ${JSON.stringify(ch)}`, i);
  }
  return tokens;
}

/**
 * The members of an ENUM or SET column from its COLUMN_TYPE, e.g. `enum('a','b''c')` → `['a', "b'c"]`.
 * Returns null for other types.
 */
export function parseMemberList(columnType: string): string[] | null {
  const m = /^(enum|set)\s*\(/i.exec(columnType);
  if (!m) return null;
  const tokens = tokenizeMySql(columnType.slice(m[0].length - 1));
  const members: string[] = [];
  for (const t of tokens) {
    if (t.type === 'string') members.push(t.value);
  }
  return members;
}
