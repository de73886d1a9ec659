/**
 * Re-runnable install scripts wrap each DDL statement in an anonymous block so that running the
 * script twice does no harm:
 *
 *   BEGIN
 *     EXECUTE IMMEDIATE 'CREATE TABLE t (…)';
 *   EXCEPTION WHEN OTHERS THEN IF SQLCODE = -955 THEN NULL; ELSE RAISE; END IF;
 *   END;
 *
 * Such a block does nothing but run DDL given as string literals. This module finds those
 * literals, so the DDL converts as if it had been written directly. A block that does anything
 * else (a query, DML, a loop, a call other than DBMS_OUTPUT, DDL built from values not known in
 * the script) is not touched: it stays an anonymous block for a person to look at.
 */
import type { Token } from './oracle-tokenizer.js';

/**
 * The DDL statements an anonymous block runs with EXECUTE IMMEDIATE, when that is all it does;
 * undefined otherwise. `tokens` are the block's tokens (from `BEGIN` or `DECLARE` to `END`).
 *
 * @example
 * dynamicDdlOf(tokenizeOracle("BEGIN EXECUTE IMMEDIATE 'CREATE SEQUENCE s'; END;")) // ['CREATE SEQUENCE s']
 */
export function dynamicDdlOf(tokens: readonly Token[]): string[] | undefined {
  const block = new BlockScanner(tokens);
  return block.read();
}

/** What a dynamic statement must begin with to be taken as DDL (a PL/SQL block in a string is code, not DDL). */
const DDL_START = /^(?:create|alter|comment|drop|grant|revoke|truncate|rename)\s/i;

const WORD = (t: Token | undefined, w: string) => t !== undefined && t.kind === 'word' && t.value === w;
const PUNCT = (t: Token | undefined, p: string) => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.value === p;

class BlockScanner {
  private i = 0;
  /** String variables declared (or assigned) with a value the script spells out. */
  private readonly strings = new Map<string, string>();

  constructor(private readonly t: readonly Token[]) {}

  read(): string[] | undefined {
    if (this.word('DECLARE')) {
      if (!this.declarations()) return undefined;
    }
    if (!this.word('BEGIN')) return undefined;
    const ddl: string[] = [];
    for (;;) {
      if (this.at('EXCEPTION') || this.at('END')) break;
      if (this.i >= this.t.length) return undefined;
      const statement = this.statement();
      if (statement === undefined) return undefined;
      if (statement !== '') ddl.push(statement);
    }
    // The exception handlers only decide whether a failure (the object exists already) stops the
    // script; they do no work of their own as long as they run no DDL or DML.
    if (this.word('EXCEPTION')) {
      const last = this.finalEnd();
      if (last < this.i) return undefined;
      for (; this.i < last; this.i++) {
        const tok = this.t[this.i]!;
        if (tok.kind === 'word' && ['EXECUTE', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'LOOP', 'FOR', 'WHILE', 'GOTO'].includes(tok.value)) return undefined;
      }
    }
    if (!this.word('END')) return undefined;
    if (this.t[this.i]?.kind === 'word' || this.t[this.i]?.kind === 'quoted') this.i++;
    this.punct(';');
    if (this.i < this.t.length) return undefined;
    return ddl.length > 0 ? ddl : undefined;
  }

  /** Index of the block's own `END` (followed only by an optional label and `;`), or -1. */
  private finalEnd(): number {
    let k = this.t.length - 1;
    if (PUNCT(this.t[k], ';')) k--;
    if (this.t[k] && !WORD(this.t[k], 'END') && (this.t[k]!.kind === 'word' || this.t[k]!.kind === 'quoted')) k--;
    return WORD(this.t[k], 'END') ? k : -1;
  }

  /** `name EXCEPTION;`, `PRAGMA EXCEPTION_INIT(name, -955);`, `name VARCHAR2(n) [:= 'text'];` until BEGIN. */
  private declarations(): boolean {
    while (this.i < this.t.length && !this.at('BEGIN')) {
      if (this.word('PRAGMA')) {
        if (!this.skipTo(';')) return false;
        continue;
      }
      const name = this.t[this.i];
      if (!name || (name.kind !== 'word' && name.kind !== 'quoted')) return false;
      this.i++;
      if (this.word('EXCEPTION')) {
        if (!this.punct(';')) return false;
        continue;
      }
      // A type such as VARCHAR2(4000), CLOB, LONG, NUMBER: everything up to := or ;.
      while (this.i < this.t.length && !PUNCT(this.t[this.i], ':=') && !PUNCT(this.t[this.i], ';')) this.i++;
      if (this.punct(':=')) {
        const value = this.stringExpr();
        if (value === undefined) return false;
        this.strings.set(name.value, value);
      }
      if (!this.punct(';')) return false;
    }
    return true;
  }

  /** One statement of the executable part: its DDL text, '' for a harmless statement, undefined for anything else. */
  private statement(): string | undefined {
    if (this.word('NULL') || this.word('COMMIT')) return this.punct(';') ? '' : undefined;
    if (this.word('EXECUTE')) {
      if (!this.word('IMMEDIATE')) return undefined;
      const ddl = this.stringExpr();
      if (ddl === undefined || !this.punct(';')) return undefined;
      const text = ddl.trim().replace(/;\s*$/, '').trim();
      return DDL_START.test(text) ? text : undefined;
    }
    const first = this.t[this.i];
    if (!first || first.kind !== 'word') return undefined;
    // variable := 'text';
    if (PUNCT(this.t[this.i + 1], ':=')) {
      this.i += 2;
      const value = this.stringExpr();
      if (value === undefined || !this.punct(';')) return undefined;
      this.strings.set(first.value, value);
      return '';
    }
    // [SYS.]DBMS_OUTPUT.PUT_LINE(…);
    const start = this.i;
    if (first.value === 'SYS' && PUNCT(this.t[this.i + 1], '.')) this.i += 2;
    if (WORD(this.t[this.i], 'DBMS_OUTPUT') && PUNCT(this.t[this.i + 1], '.')) {
      this.i += 3;
      if (PUNCT(this.t[this.i], '(') && !this.skipGroup()) return undefined;
      return this.punct(';') ? '' : undefined;
    }
    this.i = start;
    return undefined;
  }

  /** `'text' [|| 'text' | variable]…` when every part is known. */
  private stringExpr(): string | undefined {
    let out = '';
    for (;;) {
      const tok = this.t[this.i];
      if (!tok) return undefined;
      if (tok.kind === 'string') out += tok.value;
      else if ((tok.kind === 'word' || tok.kind === 'quoted') && this.strings.has(tok.value)) out += this.strings.get(tok.value);
      else return undefined;
      this.i++;
      if (!this.punct('||')) return out;
    }
  }

  private skipGroup(): boolean {
    let depth = 0;
    for (; this.i < this.t.length; this.i++) {
      if (PUNCT(this.t[this.i], '(')) depth++;
      else if (PUNCT(this.t[this.i], ')') && --depth === 0) {
        this.i++;
        return true;
      }
    }
    return false;
  }

  private skipTo(p: string): boolean {
    while (this.i < this.t.length && !PUNCT(this.t[this.i], p)) this.i++;
    return this.punct(p);
  }

  private at(w: string): boolean {
    return WORD(this.t[this.i], w);
  }

  private word(w: string): boolean {
    if (!this.at(w)) return false;
    this.i++;
    return true;
  }

  private punct(p: string): boolean {
    if (!PUNCT(this.t[this.i], p)) return false;
    this.i++;
    return true;
  }
}
