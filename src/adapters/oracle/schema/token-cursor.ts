import { storedOracleName } from './oracle-name.js';
import type { Token } from './oracle-tokenizer.js';

/** A statement the converter could not read; the statement goes to the manual list with this reason. */
export class DdlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DdlSyntaxError';
  }
}

/** An Oracle name as written: its parts (`schema.table.column`), each as Oracle stores it. */
export interface OracleName {
  /** Stored names (unquoted parts upper-cased). */
  readonly parts: readonly string[];
  /** Whether each part was quoted. */
  readonly quoted: readonly boolean[];
}

/** A read position in a token list, with the small vocabulary every DDL reader needs. */
export class TokenCursor {
  pos = 0;

  constructor(readonly tokens: readonly Token[]) {}

  /** The token `offset` places ahead (undefined past the end). */
  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  next(): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new DdlSyntaxError('unexpected end of statement');
    this.pos++;
    return t;
  }

  /** The token at `offset` is the (unquoted) keyword `word`. */
  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.value === word;
  }

  /** The next tokens are the keywords `words`, in order. */
  isWords(...words: string[]): boolean {
    return words.every((w, k) => this.isWord(w, k));
  }

  /** Consumes the keywords `words` if they come next. */
  acceptWords(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.pos += words.length;
    return true;
  }

  /** Consumes one of `words` if it comes next and returns it. */
  acceptOneOf(...words: string[]): string | undefined {
    const hit = words.find((w) => this.isWord(w));
    if (hit) this.pos++;
    return hit;
  }

  expectWords(...words: string[]): void {
    if (!this.acceptWords(...words)) throw new DdlSyntaxError(`expected ${words.join(' ')} ${this.where()}`);
  }

  isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'punct' && t.value === p;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw new DdlSyntaxError(`expected '${p}' ${this.where()}`);
  }

  isOp(op: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'op' && t.value === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.pos++;
    return true;
  }

  /** An identifier comes next (a word or a quoted name). */
  isIdentifier(offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' || t?.kind === 'quoted';
  }

  /** Reads one identifier as Oracle stores it. */
  identifier(): { name: string; quoted: boolean } {
    const t = this.next();
    if (t.kind === 'word') return { name: storedOracleName(t.value, false), quoted: false };
    if (t.kind === 'quoted') return { name: t.value, quoted: true };
    throw new DdlSyntaxError(`expected a name, found '${t.value}'`);
  }

  /** Reads a dotted name (`a`, `a.b`, `a.b.c`) and an optional `@dblink` (returned separately). */
  dottedName(): OracleName & { dblink?: string } {
    const parts: string[] = [];
    const quoted: boolean[] = [];
    for (;;) {
      const id = this.identifier();
      parts.push(id.name);
      quoted.push(id.quoted);
      if (this.isPunct('.') && this.isIdentifier(1)) {
        this.pos++;
        continue;
      }
      break;
    }
    if (this.isOp('@')) {
      this.pos++;
      const link = this.dottedName();
      return { parts, quoted, dblink: link.parts.join('.') };
    }
    return { parts, quoted };
  }

  /** Reads a parenthesized, comma-separated list of identifiers. */
  identifierList(): string[] {
    this.expectPunct('(');
    const out: string[] = [];
    do out.push(this.identifier().name);
    while (this.acceptPunct(','));
    this.expectPunct(')');
    return out;
  }

  /** Consumes a balanced `( … )` group and returns the tokens inside it. */
  group(): Token[] {
    this.expectPunct('(');
    const from = this.pos;
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'punct' && t.value === '(') depth++;
      else if (t.kind === 'punct' && t.value === ')') depth--;
    }
    return this.tokens.slice(from, this.pos - 1) as Token[];
  }

  /** Skips one token, or a whole group when it is `(`. */
  skipItem(): void {
    if (this.isPunct('(')) this.group();
    else this.next();
  }

  /** Tokens up to (not including) the first top-level token for which `stop` holds, or the end. */
  until(stop: (t: Token, depth: number) => boolean): Token[] {
    const from = this.pos;
    let depth = 0;
    while (!this.atEnd()) {
      const t = this.peek()!;
      if (depth === 0 && stop(t, depth)) break;
      if (t.kind === 'punct' && t.value === '(') depth++;
      if (t.kind === 'punct' && t.value === ')') {
        if (depth === 0) break;
        depth--;
      }
      this.pos++;
    }
    return this.tokens.slice(from, this.pos) as Token[];
  }

  /** The rest of the tokens. */
  rest(): Token[] {
    const out = this.tokens.slice(this.pos) as Token[];
    this.pos = this.tokens.length;
    return out;
  }

  /** Reads a number token (possibly signed) as text. */
  number(): string {
    let sign = '';
    if (this.isOp('-') || this.isOp('+')) sign = this.next().value === '-' ? '-' : '';
    const t = this.next();
    if (t.kind !== 'number') throw new DdlSyntaxError(`expected a number, found '${t.value}'`);
    return sign + t.value;
  }

  /** Describes the position for an error message. */
  where(): string {
    const t = this.peek();
    return t ? `near '${t.value}'` : 'at the end of the statement';
  }
}

/** Splits tokens at top-level commas. */
export function splitTopLevel(tokens: readonly Token[], separator = ','): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth === 0 && t.kind === 'punct' && t.value === separator) {
      out.push([]);
      continue;
    }
    out[out.length - 1]!.push(t);
  }
  return out.length === 1 && out[0]!.length === 0 ? [] : out;
}
