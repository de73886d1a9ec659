/**
 * Reads Oracle expressions and queries into the tree of `sql-ast.ts`. Constructs with no PostgreSQL
 * form (CONNECT BY, PIVOT, MODEL, database links, …) raise {@link UnconvertibleError} naming them.
 */
import { UnconvertibleError } from './conversion-note.js';
import { parseOracleType } from './oracle-type.js';
import type { Token } from './oracle-tokenizer.js';
import type {
  CallExpr, Cte, Expr, FrameBound, FromItem, JsonTableColumn, NameRef, OrderItem, Query, Select, SelectItem, SetExpr, WindowSpec,
} from './sql-ast.js';
import { DdlSyntaxError, TokenCursor } from './token-cursor.js';

const COMPARISON = new Set(['=', '<>', '!=', '^=', '~=', '<', '>', '<=', '>=']);

/** Words that end a select item or table reference instead of being its alias. */
const CLAUSE_WORDS = new Set([
  'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'INTERSECT', 'MINUS', 'EXCEPT', 'CONNECT', 'START', 'MODEL',
  'FETCH', 'OFFSET', 'INTO', 'FOR', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'ON', 'USING',
  'OUTER', 'PARTITION', 'SAMPLE', 'PIVOT', 'UNPIVOT', 'WITH', 'AS', 'LIMIT', 'WINDOW', 'APPLY', 'LATERAL', 'THEN',
  'ELSE', 'END', 'WHEN', 'AND', 'OR', 'NOT', 'IS', 'IN', 'LIKE', 'BETWEEN', 'ESCAPE', 'VERSIONS', 'AT',
]);

/** Reserved words that cannot be a column name, so they never start an identifier. */
const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'UNION', 'INTERSECT', 'MINUS', 'AND', 'OR', 'NOT', 'IS',
  'IN', 'LIKE', 'BETWEEN', 'THEN', 'ELSE', 'END', 'WHEN', 'BY', 'ON', 'AS', 'WITH', 'DISTINCT', 'ALL', 'ANY', 'SOME',
  'ESCAPE', 'CONNECT', 'START', 'INTO', 'VALUES', 'SET', 'TABLE', 'VIEW', 'CREATE', 'CHECK', 'CONSTRAINT', 'DEFAULT',
]);

/** Tokens to an expression, using the whole list. */
export function parseExpressionTokens(tokens: readonly Token[], source: string): Expr {
  const p = new SqlParser(tokens, source);
  const e = p.expr();
  p.expectEnd();
  return e;
}

/** Tokens to a query, using the whole list. */
export function parseQueryTokens(tokens: readonly Token[], source: string): Query {
  const p = new SqlParser(tokens, source);
  const q = p.query();
  p.expectEnd();
  return q;
}

/** A recursive-descent parser over one token list; `source` is the text the tokens' offsets point into. */
export class SqlParser {
  readonly c: TokenCursor;
  /** PRIOR is an operator only inside CONNECT BY. */
  private priorAllowed = false;

  constructor(tokens: readonly Token[], private readonly source: string) {
    this.c = new TokenCursor(tokens);
  }

  expectEnd(): void {
    if (!this.c.atEnd()) throw new DdlSyntaxError(`unexpected '${this.c.peek()!.value}'`);
  }

  // ---- queries ----

  query(): Query {
    const c = this.c;
    let ctes: Cte[] | undefined;
    if (c.acceptWords('WITH')) {
      ctes = [];
      do ctes.push(this.cte());
      while (c.acceptPunct(','));
    }
    const body = this.setExpr();
    let orderBy: OrderItem[] | undefined;
    if (c.acceptWords('ORDER', 'SIBLINGS', 'BY')) throw new UnconvertibleError('CONNECT_BY', 'ORDER SIBLINGS BY (hierarchical query) has no PostgreSQL form');
    if (c.acceptWords('ORDER', 'BY')) orderBy = this.orderItems();
    let offset: Expr | undefined;
    if (c.acceptWords('OFFSET')) {
      offset = this.expr();
      c.acceptOneOf('ROW', 'ROWS');
    }
    let fetch: Query['fetch'];
    if (c.acceptWords('FETCH')) {
      c.acceptOneOf('FIRST', 'NEXT');
      let count: Expr | undefined;
      if (!c.isWord('ROW') && !c.isWord('ROWS')) count = this.additive();
      if (c.acceptWords('PERCENT')) throw new UnconvertibleError('FETCH_PERCENT', 'FETCH FIRST … PERCENT has no PostgreSQL form');
      c.acceptOneOf('ROW', 'ROWS');
      const withTies = c.acceptWords('WITH', 'TIES');
      if (!withTies) c.expectWords('ONLY');
      fetch = { ...(count ? { count } : {}), withTies };
    }
    if (c.isWords('FOR', 'UPDATE')) throw new UnconvertibleError('FOR_UPDATE', 'FOR UPDATE in a view definition');
    return { ...(ctes ? { with: ctes } : {}), body, ...(orderBy ? { orderBy } : {}), ...(offset ? { offset } : {}), ...(fetch ? { fetch } : {}) };
  }

  private cte(): Cte {
    const c = this.c;
    const id = c.identifier();
    const columns = c.isPunct('(') ? c.identifierList() : undefined;
    c.expectWords('AS');
    c.expectPunct('(');
    const q = this.query();
    c.expectPunct(')');
    if (c.isWords('SEARCH') || c.isWords('CYCLE')) throw new UnconvertibleError('RECURSIVE_WITH_CLAUSE', 'the SEARCH/CYCLE clause of a recursive WITH');
    return { name: id.name, quoted: id.quoted, ...(columns ? { columns } : {}), q };
  }

  private setExpr(): SetExpr {
    const c = this.c;
    let left = this.setTerm();
    for (;;) {
      let op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT';
      if (c.acceptWords('UNION', 'ALL')) op = 'UNION ALL';
      else if (c.acceptWords('UNION')) op = 'UNION';
      else if (c.acceptWords('INTERSECT')) op = 'INTERSECT';
      else if (c.acceptWords('MINUS') || c.acceptWords('EXCEPT')) op = 'EXCEPT';
      else return left;
      c.acceptWords('DISTINCT');
      const right = this.setTerm();
      left = { k: 'set', op, left, right };
    }
  }

  private setTerm(): SetExpr {
    const c = this.c;
    if (c.isPunct('(')) {
      c.expectPunct('(');
      const q = this.query();
      c.expectPunct(')');
      return { k: 'query', q };
    }
    return { k: 'select', s: this.select() };
  }

  private select(): Select {
    const c = this.c;
    c.expectWords('SELECT');
    let distinct = false;
    if (c.acceptWords('DISTINCT') || c.acceptWords('UNIQUE')) distinct = true;
    else c.acceptWords('ALL');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (c.acceptPunct(','));
    if (c.isWords('INTO')) throw new UnconvertibleError('SELECT_INTO', 'SELECT … INTO outside PL/SQL');
    c.expectWords('FROM');
    const from: FromItem[] = [];
    do from.push(this.fromItem());
    while (c.acceptPunct(','));
    let where: Expr | undefined;
    if (c.acceptWords('WHERE')) where = this.expr();
    let hierarchy: Select['hierarchy'];
    let startWith: Expr | undefined;
    if (c.acceptWords('START', 'WITH')) startWith = this.expr();
    if (c.acceptWords('CONNECT', 'BY')) {
      const nocycle = c.acceptWords('NOCYCLE');
      this.priorAllowed = true;
      const connectBy = this.expr();
      this.priorAllowed = false;
      if (!startWith && c.acceptWords('START', 'WITH')) startWith = this.expr();
      hierarchy = { connectBy, nocycle, ...(startWith ? { startWith } : {}) };
    } else if (startWith) throw new DdlSyntaxError('START WITH without CONNECT BY');
    let groupBy: Expr[] | undefined;
    if (c.acceptWords('GROUP', 'BY')) {
      groupBy = [];
      do groupBy.push(this.groupItem());
      while (c.acceptPunct(','));
    }
    let having: Expr | undefined;
    if (c.acceptWords('HAVING')) having = this.expr();
    if (c.isWords('MODEL')) throw new UnconvertibleError('MODEL_CLAUSE', 'the MODEL clause has no PostgreSQL form');
    if (c.isWords('WINDOW')) throw new UnconvertibleError('WINDOW_CLAUSE', 'a named WINDOW clause');
    return {
      distinct, items, from, ...(where ? { where } : {}), ...(groupBy ? { groupBy } : {}), ...(having ? { having } : {}),
      ...(hierarchy ? { hierarchy } : {}),
    };
  }

  private groupItem(): Expr {
    const c = this.c;
    if (c.acceptWords('GROUPING', 'SETS')) return this.callRest({ parts: ['GROUPING SETS'], quoted: [false] });
    if (c.isWords('ROLLUP') || c.isWords('CUBE')) {
      const word = c.next().value;
      return this.callRest({ parts: [word], quoted: [false] });
    }
    return this.expr();
  }

  private selectItem(): SelectItem {
    const c = this.c;
    const startTok = c.peek();
    if (c.acceptOp('*')) return { e: { k: 'star' }, source: '*' };
    // t.* / schema.t.*
    if (c.isIdentifier()) {
      let k = 0;
      while (c.isIdentifier(k) && c.isPunct('.', k + 1)) k += 2;
      if (k > 0 && c.isOp('*', k)) {
        const name = c.dottedName();
        c.expectPunct('.');
        c.next();
        return { e: { k: 'star', qualifier: { parts: name.parts, quoted: name.quoted } }, source: '*' };
      }
    }
    const from = c.pos;
    const e = this.expr();
    const source = this.textOf(from, c.pos, startTok);
    if (c.acceptWords('AS')) {
      const id = c.identifier();
      return { e, alias: id, source };
    }
    const t = c.peek();
    if (t && (t.kind === 'quoted' || (t.kind === 'word' && !CLAUSE_WORDS.has(t.value)))) {
      const id = c.identifier();
      return { e, alias: id, source };
    }
    return { e, source };
  }

  private textOf(fromPos: number, toPos: number, startTok: Token | undefined): string {
    const last = this.c.tokens[toPos - 1];
    if (!startTok || !last) return '';
    return this.source.slice(this.c.tokens[fromPos]!.start, last.end);
  }

  private fromItem(): FromItem {
    const c = this.c;
    let left = this.fromPrimary();
    for (;;) {
      let type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | undefined;
      let natural = false;
      let lateral = false;
      if (c.isWords('PARTITION', 'BY')) throw new UnconvertibleError('PARTITIONED_OUTER_JOIN', 'a partitioned outer join (PARTITION BY … OUTER JOIN)');
      if (c.acceptWords('CROSS', 'APPLY')) {
        type = 'CROSS';
        lateral = true;
      } else if (c.acceptWords('OUTER', 'APPLY')) {
        type = 'LEFT';
        lateral = true;
      } else {
        if (c.acceptWords('NATURAL')) natural = true;
        if (c.acceptWords('INNER', 'JOIN') || c.acceptWords('JOIN')) type = 'INNER';
        else if (c.acceptWords('LEFT', 'OUTER', 'JOIN') || c.acceptWords('LEFT', 'JOIN')) type = 'LEFT';
        else if (c.acceptWords('RIGHT', 'OUTER', 'JOIN') || c.acceptWords('RIGHT', 'JOIN')) type = 'RIGHT';
        else if (c.acceptWords('FULL', 'OUTER', 'JOIN') || c.acceptWords('FULL', 'JOIN')) type = 'FULL';
        else if (c.acceptWords('CROSS', 'JOIN')) type = 'CROSS';
        else if (natural) throw new DdlSyntaxError(`expected JOIN after NATURAL ${c.where()}`);
      }
      if (!type) return left;
      const right = this.fromPrimary();
      if (c.isWords('PARTITION', 'BY')) throw new UnconvertibleError('PARTITIONED_OUTER_JOIN', 'a partitioned outer join (PARTITION BY … OUTER JOIN)');
      let on: Expr | undefined;
      let using: string[] | undefined;
      if (!lateral && !natural && type !== 'CROSS') {
        if (c.acceptWords('ON')) on = this.expr();
        else if (c.acceptWords('USING')) using = c.identifierList();
        else throw new DdlSyntaxError(`expected ON or USING ${c.where()}`);
      }
      left = {
        k: 'join', type, natural, left, right, ...(lateral ? { lateral } : {}), ...(on ? { on } : {}), ...(using ? { using } : {}),
      };
    }
  }

  private fromPrimary(): FromItem {
    const c = this.c;
    const lateral = c.acceptWords('LATERAL');
    if (c.isPunct('(')) {
      // A subquery, or a parenthesized join.
      const save = c.pos;
      c.expectPunct('(');
      if (c.isWord('SELECT') || c.isWord('WITH') || c.isPunct('(')) {
        const q = this.query();
        c.expectPunct(')');
        if (c.isWords('PIVOT') || c.isWords('UNPIVOT')) throw new UnconvertibleError('PIVOT', 'PIVOT/UNPIVOT has no PostgreSQL form');
        const alias = this.tableAlias();
        if (c.isWords('PIVOT') || c.isWords('UNPIVOT')) throw new UnconvertibleError('PIVOT', 'PIVOT/UNPIVOT has no PostgreSQL form');
        return { k: 'subquery', q, lateral, ...(alias ? { alias } : {}) };
      }
      c.pos = save;
      c.expectPunct('(');
      const inner = this.fromItem();
      c.expectPunct(')');
      return inner;
    }
    if (c.isWord('TABLE') && c.isPunct('(', 1)) throw new UnconvertibleError('TABLE_COLLECTION', 'TABLE(collection) in FROM');
    if (c.isWord('JSON_TABLE') && c.isPunct('(', 1)) {
      c.next();
      c.expectPunct('(');
      const doc = this.expr();
      if (c.acceptWords('FORMAT', 'JSON')) { /* the default */ }
      c.expectPunct(',');
      const path = this.stringLiteral();
      this.skipJsonOptions();
      c.expectWords('COLUMNS');
      const columns = this.jsonColumns();
      this.skipJsonOptions();
      c.expectPunct(')');
      const alias = this.tableAlias();
      return { k: 'json_table', doc, path, columns, ...(alias ? { alias } : {}) };
    }
    if (c.isWord('XMLTABLE') && c.isPunct('(', 1)) throw new UnconvertibleError('XMLTABLE', 'XMLTABLE in FROM');
    if (c.isWord('ONLY') && c.isPunct('(', 1)) {
      c.next();
      c.expectPunct('(');
      const inner = this.fromPrimary();
      c.expectPunct(')');
      return inner;
    }
    const name = c.dottedName();
    if (name.dblink !== undefined) throw new UnconvertibleError('DBLINK', `table ${name.parts.join('.')}@${name.dblink} is read over a database link`);
    if (c.isWords('PARTITION') && c.isPunct('(', 1)) throw new UnconvertibleError('PARTITION_EXTENSION', 'a partition-extended table name (t PARTITION (p))');
    if (c.isWords('SUBPARTITION')) throw new UnconvertibleError('PARTITION_EXTENSION', 'a subpartition-extended table name');
    if (c.isWords('SAMPLE')) throw new UnconvertibleError('SAMPLE_CLAUSE', 'the SAMPLE clause');
    if (c.isWords('AS', 'OF') || c.isWords('VERSIONS')) throw new UnconvertibleError('FLASHBACK_QUERY', 'a flashback query (AS OF / VERSIONS)');
    if (c.isWords('PIVOT') || c.isWords('UNPIVOT')) throw new UnconvertibleError('PIVOT', 'PIVOT/UNPIVOT has no PostgreSQL form');
    const alias = this.tableAlias();
    if (c.isWords('PIVOT') || c.isWords('UNPIVOT')) throw new UnconvertibleError('PIVOT', 'PIVOT/UNPIVOT has no PostgreSQL form');
    return { k: 'table', name: { parts: name.parts, quoted: name.quoted }, ...(alias ? { alias } : {}) };
  }

  private stringLiteral(): string {
    const t = this.c.next();
    if (t.kind !== 'string') throw new DdlSyntaxError(`expected a string, found '${t.value}'`);
    return t.value;
  }

  /** ON ERROR / ON EMPTY / WRAPPER / SCALARS options of the JSON functions: NULL ON ERROR is Oracle's default. */
  private skipJsonOptions(): void {
    const c = this.c;
    for (;;) {
      if (c.isWords('NULL', 'ON') || c.isWords('ERROR', 'ON') || c.isWords('EMPTY', 'ON')) {
        c.pos += 3;
        continue;
      }
      if (c.acceptWords('DEFAULT')) {
        this.additive();
        c.expectWords('ON');
        c.next();
        continue;
      }
      if (c.acceptOneOf('WITH', 'WITHOUT')) {
        c.acceptOneOf('CONDITIONAL', 'UNCONDITIONAL');
        c.acceptWords('ARRAY');
        c.expectWords('WRAPPER');
        continue;
      }
      if (c.acceptOneOf('ALLOW', 'DISALLOW')) {
        c.expectWords('SCALARS');
        continue;
      }
      if (c.acceptWords('TRUNCATE')) continue;
      return;
    }
  }

  private jsonColumns(): JsonTableColumn[] {
    const c = this.c;
    c.expectPunct('(');
    const out: JsonTableColumn[] = [];
    do {
      if (c.acceptWords('NESTED')) {
        c.acceptWords('PATH');
        const path = this.stringLiteral();
        c.expectWords('COLUMNS');
        out.push({ k: 'nested', path, columns: this.jsonColumns() });
        continue;
      }
      const name = c.identifier().name;
      if (c.acceptWords('FOR', 'ORDINALITY')) {
        out.push({ k: 'ordinality', name });
        continue;
      }
      const type = parseOracleType(c);
      const formatJson = c.acceptWords('FORMAT', 'JSON');
      c.acceptOneOf('TRUNCATE');
      const exists = c.acceptWords('EXISTS');
      if (!c.acceptWords('PATH')) throw new UnconvertibleError('JSON_TABLE', `JSON_TABLE column ${name} without an explicit PATH`);
      const path = this.stringLiteral();
      this.skipJsonOptions();
      out.push({ k: 'value', name, type, path, formatJson, exists });
    } while (c.acceptPunct(','));
    c.expectPunct(')');
    return out;
  }

  private tableAlias(): string | undefined {
    const c = this.c;
    if (c.isWord('AS') && c.isIdentifier(1)) c.next();
    const t = c.peek();
    if (t && (t.kind === 'quoted' || (t.kind === 'word' && !CLAUSE_WORDS.has(t.value) && !RESERVED.has(t.value)))) {
      return c.identifier().name;
    }
    return undefined;
  }

  orderItems(): OrderItem[] {
    const c = this.c;
    const out: OrderItem[] = [];
    do {
      const e = this.expr();
      let desc: boolean | undefined;
      if (c.acceptWords('DESC')) desc = true;
      else if (c.acceptWords('ASC')) desc = false;
      let nulls: 'FIRST' | 'LAST' | undefined;
      if (c.acceptWords('NULLS', 'FIRST')) nulls = 'FIRST';
      else if (c.acceptWords('NULLS', 'LAST')) nulls = 'LAST';
      out.push({ e, ...(desc ? { desc } : {}), ...(nulls ? { nulls } : {}) });
    } while (c.acceptPunct(','));
    return out;
  }

  // ---- expressions ----

  expr(): Expr {
    let left = this.and();
    while (this.c.acceptWords('OR')) left = { k: 'binary', op: 'OR', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.c.acceptWords('AND')) left = { k: 'binary', op: 'AND', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.c.acceptWords('NOT')) return { k: 'unary', op: 'NOT', e: this.not() };
    return this.condition();
  }

  private condition(): Expr {
    const c = this.c;
    if (c.isWord('EXISTS') && c.isPunct('(', 1)) {
      c.next();
      c.expectPunct('(');
      const q = this.query();
      c.expectPunct(')');
      return { k: 'exists', q };
    }
    const e = this.additive();
    const t = c.peek();
    if (t?.kind === 'op' && COMPARISON.has(t.value)) {
      c.next();
      const op = t.value === '!=' || t.value === '^=' || t.value === '~=' ? '<>' : t.value;
      const quantifier = c.acceptOneOf('ANY', 'SOME', 'ALL');
      if (quantifier) {
        const q = quantifier === 'ALL' ? 'ALL' : 'ANY';
        const { list, query } = this.listOrQuery();
        return { k: 'quantified', op, e, quantifier: q, ...(list ? { list } : {}), ...(query ? { q: query } : {}) };
      }
      return { k: 'binary', op, left: e, right: this.additive() };
    }
    if (c.acceptWords('IS')) {
      const not = c.acceptWords('NOT');
      if (c.acceptWords('NULL')) return { k: 'is', e, not, what: 'NULL' };
      if (c.acceptWords('JSON')) {
        // IS JSON [FORMAT JSON] [STRICT|LAX] [WITH|WITHOUT UNIQUE KEYS]: options do not change the check here.
        c.acceptWords('FORMAT', 'JSON');
        c.acceptOneOf('STRICT', 'LAX');
        if (c.acceptOneOf('WITH', 'WITHOUT')) {
          c.acceptWords('UNIQUE');
          c.acceptWords('KEYS');
        }
        return { k: 'is', e, not, what: 'JSON' };
      }
      if (c.acceptWords('NAN')) return { k: 'is', e, not, what: 'NAN' };
      if (c.acceptWords('INFINITE')) return { k: 'is', e, not, what: 'INFINITE' };
      throw new UnconvertibleError('IS_CONDITION', `the condition IS ${not ? 'NOT ' : ''}${c.peek()?.value ?? ''}`);
    }
    const save = c.pos;
    const not = c.acceptWords('NOT');
    if (c.acceptWords('BETWEEN')) {
      const lo = this.additive();
      c.expectWords('AND');
      const hi = this.additive();
      return { k: 'between', e, lo, hi, not };
    }
    if (c.acceptWords('IN')) {
      const { list, query } = this.listOrQuery();
      return { k: 'in', e, not, ...(list ? { list } : {}), ...(query ? { q: query } : {}) };
    }
    const likeOp = c.acceptOneOf('LIKE', 'LIKEC', 'LIKE2', 'LIKE4');
    if (likeOp) {
      const pattern = this.additive();
      const escape = c.acceptWords('ESCAPE') ? this.additive() : undefined;
      return { k: 'like', e, pattern, not, op: likeOp, ...(escape ? { escape } : {}) };
    }
    if (c.isWords('MEMBER') || c.isWords('SUBMULTISET')) throw new UnconvertibleError('COLLECTION_CONDITION', 'a collection condition (MEMBER OF / SUBMULTISET)');
    c.pos = save;
    return e;
  }

  private listOrQuery(): { list?: Expr[]; query?: Query } {
    const c = this.c;
    c.expectPunct('(');
    if (c.isWord('SELECT') || c.isWord('WITH')) {
      const query = this.query();
      c.expectPunct(')');
      return { query };
    }
    const list: Expr[] = [];
    do list.push(this.expr());
    while (c.acceptPunct(','));
    c.expectPunct(')');
    return { list };
  }

  additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const t = this.c.peek();
      if (t?.kind === 'op' && (t.value === '+' || t.value === '-' || t.value === '||')) {
        this.c.next();
        left = { k: 'binary', op: t.value, left, right: this.multiplicative() };
      } else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.c.peek();
      if (t?.kind === 'op' && (t.value === '*' || t.value === '/')) {
        this.c.next();
        left = { k: 'binary', op: t.value, left, right: this.unary() };
      } else if (t?.kind === 'op' && t.value === '**') {
        throw new UnconvertibleError('POWER_OPERATOR', 'the ** operator (PL/SQL only)');
      } else return left;
    }
  }

  private unary(): Expr {
    const c = this.c;
    if (c.isOp('-') || c.isOp('+')) {
      const op = c.next().value;
      return { k: 'unary', op, e: this.unary() };
    }
    if (c.isWord('PRIOR') && this.priorAllowed) {
      c.next();
      return { k: 'unary', op: 'PRIOR', e: this.unary() };
    }
    if (c.isWord('PRIOR') || c.isWord('CONNECT_BY_ROOT')) {
      throw new UnconvertibleError('CONNECT_BY', `${c.peek()!.value} outside CONNECT BY (hierarchical query)`);
    }
    return this.postfix();
  }

  private postfix(): Expr {
    const c = this.c;
    let e = this.primary();
    for (;;) {
      if (c.isWords('AT', 'TIME', 'ZONE')) {
        c.pos += 3;
        e = { k: 'attz', e, zone: this.primary() };
        continue;
      }
      if (c.acceptWords('AT', 'LOCAL')) {
        e = { k: 'attz', e, zone: 'LOCAL' };
        continue;
      }
      if (c.isWords('COLLATE')) throw new UnconvertibleError('COLLATE', 'a COLLATE clause (Oracle collation names have no PostgreSQL counterpart)');
      if ((e.k === 'paren' || e.k === 'call' || e.k === 'treat' || e.k === 'field') && c.isPunct('.') && c.isIdentifier(1)) {
        c.next();
        e = { k: 'field', e, field: c.identifier().name };
        continue;
      }
      return e;
    }
  }

  private primary(): Expr {
    const c = this.c;
    const t = c.peek();
    if (!t) throw new DdlSyntaxError('expected an expression at the end of the statement');
    if (t.kind === 'number') {
      c.next();
      return { k: 'num', text: t.value };
    }
    if (t.kind === 'string') {
      c.next();
      return { k: 'str', value: t.value };
    }
    if (t.kind === 'punct' && t.value === '(') {
      c.next();
      if (c.isWord('SELECT') || c.isWord('WITH')) {
        const q = this.query();
        c.expectPunct(')');
        return { k: 'subquery', q };
      }
      if (c.acceptPunct(')')) return { k: 'row', items: [] };
      const items: Expr[] = [];
      do items.push(this.expr());
      while (c.acceptPunct(','));
      c.expectPunct(')');
      return items.length === 1 ? { k: 'paren', e: items[0]! } : { k: 'row', items };
    }
    if (t.kind === 'op' && t.value === ':') throw new UnconvertibleError('BIND_VARIABLE', 'a bind variable');
    if (t.kind === 'op' && t.value === '&') throw new UnconvertibleError('SUBSTITUTION_VARIABLE', 'a SQL*Plus substitution variable (&name)');
    if (t.kind === 'word') {
      switch (t.value) {
        case 'NULL':
          c.next();
          return { k: 'null' };
        case 'TRUE': case 'FALSE':
          if (!c.isPunct('.', 1)) {
            c.next();
            return { k: 'bool', value: t.value === 'TRUE' };
          }
          break;
        case 'CASE':
          c.next();
          return this.caseExpr();
        case 'DATE': case 'TIMESTAMP':
          if (c.peek(1)?.kind === 'string') {
            c.next();
            return { k: 'typed', type: t.value, value: c.next().value };
          }
          break;
        case 'INTERVAL':
          if (c.peek(1)?.kind === 'string') {
            c.next();
            const value = c.next().value;
            return { k: 'typed', type: 'INTERVAL', value, qualifier: this.intervalQualifier() };
          }
          break;
        case 'CAST':
          if (c.isPunct('(', 1)) {
            c.next();
            c.expectPunct('(');
            if (c.isWord('MULTISET')) throw new UnconvertibleError('MULTISET', 'CAST(MULTISET(…))');
            const e = this.expr();
            c.expectWords('AS');
            const type = parseOracleType(c);
            c.expectPunct(')');
            return { k: 'cast', e, type };
          }
          break;
        case 'EXTRACT':
          if (c.isPunct('(', 1)) {
            c.next();
            c.expectPunct('(');
            const field = c.next().value;
            c.expectWords('FROM');
            const e = this.expr();
            c.expectPunct(')');
            return { k: 'extract', field, e };
          }
          break;
        case 'TRIM':
          if (c.isPunct('(', 1)) {
            c.next();
            c.expectPunct('(');
            const spec = c.acceptOneOf('LEADING', 'TRAILING', 'BOTH');
            let chars: Expr | undefined;
            let e: Expr;
            if (c.acceptWords('FROM')) e = this.expr();
            else {
              const first = this.expr();
              if (c.acceptWords('FROM')) {
                chars = first;
                e = this.expr();
              } else e = first;
            }
            c.expectPunct(')');
            return { k: 'trim', e, ...(spec ? { spec } : {}), ...(chars ? { chars } : {}) };
          }
          break;
        case 'TRANSLATE':
          if (c.isPunct('(', 1)) {
            // TRANSLATE(e USING CHAR_CS|NCHAR_CS) is a character set conversion.
            const save = c.pos;
            c.next();
            c.expectPunct('(');
            const e = this.expr();
            if (c.acceptWords('USING')) {
              c.next();
              c.expectPunct(')');
              return { k: 'charset', e };
            }
            c.pos = save;
          }
          break;
        case 'TREAT':
          if (c.isPunct('(', 1)) {
            c.next();
            c.expectPunct('(');
            const e = this.expr();
            c.expectWords('AS');
            if (c.acceptWords('REF')) throw new UnconvertibleError('TREAT_REF', 'TREAT(… AS REF type)');
            c.dottedName();
            c.expectPunct(')');
            return { k: 'treat', e };
          }
          break;
        case 'CURSOR': case 'MULTISET':
          if (c.isPunct('(', 1)) throw new UnconvertibleError(t.value, `a ${t.value} expression`);
          break;
        default:
          if (RESERVED.has(t.value)) throw new DdlSyntaxError(`unexpected '${t.value}'`);
      }
    }
    if (t.kind === 'word' || t.kind === 'quoted') {
      const name = c.dottedName();
      if (name.dblink !== undefined) throw new UnconvertibleError('DBLINK', `${name.parts.join('.')}@${name.dblink} is read over a database link`);
      const ref: NameRef = { parts: name.parts, quoted: name.quoted };
      if (c.isPunct('(') && c.isOp('+', 1) && c.isPunct(')', 2)) {
        c.pos += 3;
        return { k: 'name', name: ref, outer: true };
      }
      if (c.isPunct('(')) return this.callRest(ref);
      return { k: 'name', name: ref };
    }
    throw new DdlSyntaxError(`unexpected '${t.value}'`);
  }

  private intervalQualifier(): string {
    const c = this.c;
    const fields = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND'];
    const first = c.acceptOneOf(...fields);
    if (!first) throw new DdlSyntaxError(`expected an interval field ${c.where()}`);
    let text = first;
    let secondPrecision: string | undefined;
    if (c.isPunct('(')) {
      const inner = c.group().map((x) => x.value);
      if (first === 'SECOND') secondPrecision = inner[0];
    }
    if (c.acceptWords('TO')) {
      const last = c.acceptOneOf(...fields);
      if (!last) throw new DdlSyntaxError(`expected an interval field ${c.where()}`);
      text += ` TO ${last}`;
      if (c.isPunct('(')) {
        const inner = c.group().map((x) => x.value);
        if (last === 'SECOND') text += `(${inner[0]})`;
      }
    } else if (secondPrecision !== undefined) text += `(${secondPrecision})`;
    return text;
  }

  private caseExpr(): Expr {
    const c = this.c;
    let operand: Expr | undefined;
    if (!c.isWord('WHEN')) operand = this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (c.acceptWords('WHEN')) {
      const when = this.expr();
      c.expectWords('THEN');
      whens.push({ when, then: this.expr() });
    }
    const elseExpr = c.acceptWords('ELSE') ? this.expr() : undefined;
    c.expectWords('END');
    return { k: 'case', ...(operand ? { operand } : {}), whens, ...(elseExpr ? { else: elseExpr } : {}) };
  }

  /** The argument list and trailing clauses of a call whose name was read. */
  private callRest(name: NameRef): CallExpr {
    const c = this.c;
    c.expectPunct('(');
    const args: Expr[] = [];
    let distinct = false;
    let star = false;
    let overflow = false;
    if (c.acceptOp('*')) star = true;
    else if (!c.isPunct(')')) {
      if (c.acceptWords('DISTINCT') || c.acceptWords('UNIQUE')) distinct = true;
      else c.acceptWords('ALL');
      do {
        if (c.isIdentifier() && c.isOp('=>', 1)) throw new UnconvertibleError('NAMED_ARGUMENTS', 'a call with named arguments (=>)');
        args.push(this.expr());
        if (c.isWords('IGNORE', 'NULLS')) throw new UnconvertibleError('IGNORE_NULLS', 'IGNORE NULLS in an analytic function');
        c.acceptWords('RESPECT', 'NULLS');
      } while (c.acceptPunct(','));
      if (c.acceptWords('ON', 'OVERFLOW')) {
        overflow = true;
        if (!c.acceptWords('ERROR')) {
          c.expectWords('TRUNCATE');
          if (c.peek()?.kind === 'string') c.next();
          if (c.acceptOneOf('WITH', 'WITHOUT')) c.expectWords('COUNT');
        }
      }
    }
    c.expectPunct(')');
    if (c.isWords('IGNORE', 'NULLS')) throw new UnconvertibleError('IGNORE_NULLS', 'IGNORE NULLS in an analytic function');
    c.acceptWords('RESPECT', 'NULLS');
    let withinGroup: OrderItem[] | undefined;
    if (c.acceptWords('WITHIN', 'GROUP')) {
      c.expectPunct('(');
      c.expectWords('ORDER', 'BY');
      withinGroup = this.orderItems();
      c.expectPunct(')');
    }
    if (c.isWords('KEEP')) throw new UnconvertibleError('KEEP_DENSE_RANK', 'KEEP (DENSE_RANK FIRST|LAST …) has no PostgreSQL form');
    let over: WindowSpec | undefined;
    if (c.acceptWords('OVER')) over = this.window();
    return {
      k: 'call', name, args, ...(distinct ? { distinct } : {}), ...(star ? { star } : {}), ...(over ? { over } : {}),
      ...(withinGroup ? { withinGroup } : {}), ...(overflow ? { overflow } : {}),
    };
  }

  private window(): WindowSpec {
    const c = this.c;
    if (!c.isPunct('(')) throw new UnconvertibleError('WINDOW_CLAUSE', 'OVER a named window');
    c.expectPunct('(');
    let partitionBy: Expr[] = [];
    let orderBy: OrderItem[] = [];
    if (c.acceptWords('PARTITION', 'BY')) {
      partitionBy = [];
      do partitionBy.push(this.expr());
      while (c.acceptPunct(','));
    }
    if (c.acceptWords('ORDER', 'BY')) orderBy = this.orderItems();
    let frame: WindowSpec['frame'];
    const unit = c.acceptOneOf('ROWS', 'RANGE');
    if (unit) {
      if (c.acceptWords('BETWEEN')) {
        const start = this.frameBound();
        c.expectWords('AND');
        const end = this.frameBound();
        frame = { unit, start, end };
      } else frame = { unit, start: this.frameBound() };
    }
    c.expectPunct(')');
    return { partitionBy, orderBy, ...(frame ? { frame } : {}) };
  }

  private frameBound(): FrameBound {
    const c = this.c;
    if (c.acceptWords('UNBOUNDED', 'PRECEDING')) return { k: 'unbounded', dir: 'PRECEDING' };
    if (c.acceptWords('UNBOUNDED', 'FOLLOWING')) return { k: 'unbounded', dir: 'FOLLOWING' };
    if (c.acceptWords('CURRENT', 'ROW')) return { k: 'current' };
    const e = this.additive();
    const dir = c.acceptOneOf('PRECEDING', 'FOLLOWING');
    if (!dir) throw new DdlSyntaxError(`expected PRECEDING or FOLLOWING ${c.where()}`);
    return { k: 'offset', e, dir: dir as 'PRECEDING' | 'FOLLOWING' };
  }
}
