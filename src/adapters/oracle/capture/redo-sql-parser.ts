/**
 * A parser of LogMiner's SQL_REDO text for row changes. Pure: text in, statement out.
 *
 * LogMiner writes one statement per changed row, with every value as a literal:
 *
 *   insert into "HR"."EMP"("ID","NAME","HIRED") values ('7','O''Brien',TO_DATE('2024-01-15 10:30:00', 'SYYYY-MM-DD HH24:MI:SS'));
 *   update "HR"."EMP" set "NAME" = 'Smith' where "ID" = '7' and "NAME" = 'O''Brien' and ROWID = 'AAAR3sAAEAAAACXAAA';
 *   delete from "HR"."EMP" where "ID" = '7' and "NAME" IS NULL and ROWID = 'AAAR3sAAEAAAACXAAA';
 *
 * Values are quoted strings (numbers too), NULL, or calls: TO_DATE, TO_TIMESTAMP, TO_TIMESTAMP_TZ,
 * TO_DSINTERVAL, TO_YMINTERVAL, HEXTORAW, EMPTY_CLOB(), EMPTY_BLOB(), UNISTR('\00e9…') for national
 * characters, and literals joined with `||`. The trailing `;` is optional (NO_SQL_DELIMITER).
 * Keywords are matched without regard to case. The parser knows nothing of types: the values stay
 * literals until `redo-events.ts` converts them with the table's column types.
 */

/** A value in SQL_REDO. */
export type RedoValue =
  | { readonly kind: 'null' }
  /** A quoted literal (quotes undone), or a literal built from UNISTR / TO_CHAR / `||`. */
  | { readonly kind: 'text'; readonly text: string }
  /** An unquoted number. */
  | { readonly kind: 'number'; readonly text: string }
  /** A function call other than the text-building ones; name upper case. */
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly RedoValue[] };

/** A parsed row change. Column order is kept (Map iteration order). */
export type RedoStatement =
  | { readonly kind: 'insert'; readonly owner: string; readonly table: string; readonly values: ReadonlyMap<string, RedoValue> }
  | { readonly kind: 'update'; readonly owner: string; readonly table: string; readonly set: ReadonlyMap<string, RedoValue>; readonly where: ReadonlyMap<string, RedoValue>; readonly rowId?: string }
  | { readonly kind: 'delete'; readonly owner: string; readonly table: string; readonly where: ReadonlyMap<string, RedoValue>; readonly rowId?: string };

/** SQL_REDO that is not a row change Tandem can read. The message holds no values. */
export class RedoParseError extends Error {
  constructor(reason: string, readonly offset: number) {
    super(`${reason} (at character ${offset} of SQL_REDO)`);
    this.name = 'RedoParseError';
  }
}

type Token =
  | { t: 'qid'; v: string; at: number }
  | { t: 'str'; v: string; at: number; national: boolean }
  | { t: 'num'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'sym'; v: string; at: number }
  | { t: 'end'; at: number };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    const at = i;
    if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= n) throw new RedoParseError('unterminated quoted name', at);
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += sql[i++];
      }
      out.push({ t: 'qid', v, at });
      continue;
    }
    if (c === "'" || ((c === 'N' || c === 'n') && sql[i + 1] === "'")) {
      const national = c !== "'";
      i += national ? 2 : 1;
      const parts: string[] = [];
      let start = i;
      for (;;) {
        if (i >= n) throw new RedoParseError('unterminated string literal', at);
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") { parts.push(sql.slice(start, i + 1)); i += 2; start = i; continue; }
          parts.push(sql.slice(start, i));
          i++;
          break;
        }
        i++;
      }
      out.push({ t: 'str', v: parts.join(''), at, national });
      continue;
    }
    if ((c >= '0' && c <= '9') || ((c === '-' || c === '.') && /[0-9.]/.test(sql[i + 1] ?? ''))) {
      const m = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i));
      if (!m) throw new RedoParseError('bad number', at);
      out.push({ t: 'num', v: m[0], at });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$#]/.test(c)) {
      const m = /^[A-Za-z_$#][A-Za-z0-9_$#]*/.exec(sql.slice(i))!;
      out.push({ t: 'word', v: m[0].toUpperCase(), at });
      i += m[0].length;
      continue;
    }
    if (c === '|' && sql[i + 1] === '|') { out.push({ t: 'sym', v: '||', at }); i += 2; continue; }
    if ('(),=;.'.includes(c)) { out.push({ t: 'sym', v: c, at }); i++; continue; }
    throw new RedoParseError(`unexpected character ${JSON.stringify(c)}`, at);
  }
  out.push({ t: 'end', at: n });
  return out;
}

/** UNISTR's escapes: `\XXXX` is a UTF-16 code unit, `\\` a backslash. */
export function decodeUnistr(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    if (s[i] !== '\\') { out += s[i++]; continue; }
    if (s[i + 1] === '\\') { out += '\\'; i += 2; continue; }
    const hex = s.slice(i + 1, i + 5);
    if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new RedoParseError('bad UNISTR escape', i);
    out += String.fromCharCode(parseInt(hex, 16));
    i += 5;
  }
  return out;
}

/** Functions whose result is plain text: folded into a text value. */
const TEXT_FUNCTIONS = new Set(['UNISTR', 'TO_CHAR', 'TO_NCHAR', 'TO_CLOB', 'TO_NCLOB']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token { return this.tokens[this.pos]!; }
  private next(): Token { return this.tokens[this.pos++]!; }

  private fail(reason: string): never {
    throw new RedoParseError(reason, this.peek().at);
  }

  word(w: string): void {
    const t = this.next();
    if (t.t !== 'word' || t.v !== w) { this.pos--; this.fail(`expected ${w}`); }
  }

  isWord(w: string): boolean {
    const t = this.peek();
    return t.t === 'word' && t.v === w;
  }

  sym(s: string): void {
    const t = this.next();
    if (t.t !== 'sym' || t.v !== s) { this.pos--; this.fail(`expected ${s}`); }
  }

  isSym(s: string): boolean {
    const t = this.peek();
    return t.t === 'sym' && t.v === s;
  }

  name(): string {
    const t = this.next();
    if (t.t === 'qid') return t.v;
    if (t.t === 'word') return t.v;
    this.pos--;
    return this.fail('expected a name');
  }

  /** "OWNER"."TABLE" */
  qualifiedName(): { owner: string; table: string } {
    const owner = this.name();
    this.sym('.');
    return { owner, table: this.name() };
  }

  value(): RedoValue {
    let v = this.primary();
    while (this.isSym('||')) {
      this.next();
      const right = this.primary();
      if (v.kind === 'null') v = right;
      else if (right.kind === 'null') continue;
      else if (v.kind === 'text' && right.kind === 'text') v = { kind: 'text', text: v.text + right.text };
      else this.fail('|| joins something other than text');
    }
    return v;
  }

  private primary(): RedoValue {
    const t = this.next();
    if (t.t === 'str') return { kind: 'text', text: t.v };
    if (t.t === 'num') return { kind: 'number', text: t.v };
    if (t.t === 'word') {
      if (t.v === 'NULL') return { kind: 'null' };
      if (this.isSym('(')) {
        this.next();
        const args: RedoValue[] = [];
        if (!this.isSym(')')) {
          args.push(this.value());
          while (this.isSym(',')) { this.next(); args.push(this.value()); }
        }
        this.sym(')');
        if (TEXT_FUNCTIONS.has(t.v)) {
          const a = args[0];
          if (args.length !== 1 || !a || (a.kind !== 'text' && a.kind !== 'null')) this.fail(`${t.v} takes one text argument`);
          if (a.kind === 'null') return a;
          return { kind: 'text', text: t.v === 'UNISTR' ? decodeUnistr(a.text) : a.text };
        }
        return { kind: 'call', name: t.v, args };
      }
    }
    this.pos--;
    return this.fail('expected a value');
  }

  /** `"A" = v and "B" IS NULL and ROWID = 'x'` */
  conditions(): { where: Map<string, RedoValue>; rowId?: string } {
    const where = new Map<string, RedoValue>();
    let rowId: string | undefined;
    for (;;) {
      const t = this.peek();
      if (t.t === 'word' && t.v === 'ROWID') {
        this.next();
        this.sym('=');
        const v = this.value();
        if (v.kind !== 'text') this.fail('ROWID must be a quoted literal');
        rowId = v.text;
      } else {
        const col = t.t === 'qid' ? (this.next(), t.v) : this.fail('expected a quoted column name');
        if (this.isWord('IS')) {
          this.next();
          this.word('NULL');
          where.set(col, { kind: 'null' });
        } else {
          this.sym('=');
          where.set(col, this.value());
        }
      }
      if (!this.isWord('AND')) break;
      this.next();
    }
    return { where, rowId };
  }

  end(): void {
    if (this.isSym(';')) this.next();
    if (this.peek().t !== 'end') this.fail('unexpected text after the statement');
  }
}

/**
 * Parses one SQL_REDO statement (continuation rows already joined). Throws RedoParseError for
 * anything that is not an insert, update or delete of the forms above.
 */
export function parseRedoSql(sql: string): RedoStatement {
  const p = new Parser(tokenize(sql));
  if (p.isWord('INSERT')) {
    p.word('INSERT');
    p.word('INTO');
    const { owner, table } = p.qualifiedName();
    p.sym('(');
    const columns: string[] = [p.name()];
    while (p.isSym(',')) { p.sym(','); columns.push(p.name()); }
    p.sym(')');
    p.word('VALUES');
    p.sym('(');
    const values: RedoValue[] = [p.value()];
    while (p.isSym(',')) { p.sym(','); values.push(p.value()); }
    p.sym(')');
    p.end();
    if (columns.length !== values.length) throw new RedoParseError(`${columns.length} columns but ${values.length} values`, 0);
    return { kind: 'insert', owner, table, values: new Map(columns.map((c, i) => [c, values[i]!])) };
  }
  if (p.isWord('UPDATE')) {
    p.word('UPDATE');
    const { owner, table } = p.qualifiedName();
    p.word('SET');
    const set = new Map<string, RedoValue>();
    for (;;) {
      const col = p.name();
      p.sym('=');
      set.set(col, p.value());
      if (!p.isSym(',')) break;
      p.sym(',');
    }
    let where = new Map<string, RedoValue>();
    let rowId: string | undefined;
    if (p.isWord('WHERE')) {
      p.word('WHERE');
      ({ where, rowId } = p.conditions());
    }
    p.end();
    return { kind: 'update', owner, table, set, where, ...(rowId !== undefined ? { rowId } : {}) };
  }
  if (p.isWord('DELETE')) {
    p.word('DELETE');
    p.word('FROM');
    const { owner, table } = p.qualifiedName();
    p.word('WHERE');
    const { where, rowId } = p.conditions();
    p.end();
    return { kind: 'delete', owner, table, where, ...(rowId !== undefined ? { rowId } : {}) };
  }
  throw new RedoParseError('not an insert, update or delete', 0);
}
