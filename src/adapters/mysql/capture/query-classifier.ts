/**
 * Classifies the SQL text of a binlog QUERY event: transaction control, TRUNCATE, DDL that changes
 * a table's definition, statement-based DML, or something capture can ignore. It errs on the
 * side of reporting: a statement that might change a migrated table's rows or shape names every
 * table it mentions. Pure.
 */

/** A table named in a statement; `database` undefined = the statement's default database. */
export interface TableRef {
  readonly database?: string;
  readonly table: string;
}

export type QueryClass =
  | { readonly kind: 'begin' }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'xa' }
  /** SAVEPOINT name, ROLLBACK [WORK] TO [SAVEPOINT] name, RELEASE SAVEPOINT name (`name` folded to lower case, as the server compares them). */
  | { readonly kind: 'savepoint' | 'rollbackTo' | 'release'; readonly name: string }
  /**
   * A statement-logged call of stored code (SELECT f(…), DO f(…), CALL p(…)): logged as a statement
   * only when the session logs statements, and then whatever it changed is not in the binlog as rows.
   */
  | { readonly kind: 'call'; readonly verb: string; readonly tables: readonly TableRef[] }
  | { readonly kind: 'truncate'; readonly tables: readonly TableRef[] }
  /** A statement that changes or removes the definition of these tables or databases. */
  | { readonly kind: 'ddl'; readonly verb: string; readonly tables: readonly TableRef[]; readonly databases: readonly string[] }
  /**
   * A statement that changes only a table's secondary indexes or CHECK constraints (CREATE INDEX,
   * DROP INDEX, ALTER TABLE … ADD/DROP/RENAME/ALTER INDEX, ADD CHECK): no column, key, foreign key
   * or row changes, so the rows that follow decode as before.
   */
  | { readonly kind: 'index'; readonly verb: string; readonly tables: readonly TableRef[] }
  /** Statement-based DML (someone logged with binlog_format=STATEMENT): every name it mentions. */
  | { readonly kind: 'dml'; readonly verb: string; readonly tables: readonly TableRef[] }
  | { readonly kind: 'other' };

interface Token {
  readonly text: string;
  /** A word or quoted identifier (not punctuation, not a string literal). */
  readonly ident: boolean;
  /** Came from backticks: never a keyword. */
  readonly quoted: boolean;
}

/**
 * Splits SQL into identifiers/words and punctuation; drops comments and string literals, and keeps
 * the contents of executable comments (`/*!50100 … *\/`, `/*M!100100 … *\/`), which the server runs.
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!)))) {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const m = /^\/\*M?!\d*/.exec(sql.slice(i, i + 12));
      if (m) { i += m[0].length; continue; } // executable comment: read on; its '*/' is skipped below
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '*' && sql[i + 1] === '/') { i += 2; continue; }
    if (c === '`') {
      let s = '';
      i++;
      while (i < n) {
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') { s += '`'; i += 2; continue; }
          i++;
          break;
        }
        s += sql[i++];
      }
      out.push({ text: s, ident: true, quoted: true });
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '\\') { i += 2; continue; }
        if (sql[i] === c) {
          if (sql[i + 1] === c) { i += 2; continue; }
          i++;
          break;
        }
        i++;
      }
      continue;
    }
    const w = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(i, i + 256));
    if (w) {
      out.push({ text: w[0], ident: true, quoted: false });
      i += w[0].length;
      continue;
    }
    out.push({ text: c, ident: false, quoted: false });
    i++;
  }
  return out;
}

class Cursor {
  i = 0;
  /**
   * The statement holds no backslash and no double quote, so its strings and quoted names split
   * the same under every sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES change how those read; the
   * tokenizer reads the default way). Only such a statement is read as changing nothing but
   * indexes, a CHECK, the counter or the comment (measured before: under NO_BACKSLASH_ESCAPES,
   * `COMMENT 'C:\', MODIFY a INT … AFTER id` hid the MODIFY, and the target's rows were wrong; the
   * index-ddl run).
   */
  readonly plain: boolean;
  constructor(readonly t: Token[], sql = '') {
    this.plain = !/[\\"]/.test(sql);
  }
  peek(k = 0): Token | undefined {
    return this.t[this.i + k];
  }
  /** True (and consumes it) when the next token is this keyword. */
  kw(word: string): boolean {
    const t = this.t[this.i];
    if (t && t.ident && !t.quoted && t.text.toUpperCase() === word) {
      this.i++;
      return true;
    }
    return false;
  }
  isKw(word: string, k = 0): boolean {
    const t = this.t[this.i + k];
    return !!t && t.ident && !t.quoted && t.text.toUpperCase() === word;
  }
  punct(p: string): boolean {
    const t = this.t[this.i];
    if (t && !t.ident && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }
  /** `name` or `db.name`. */
  name(): TableRef | undefined {
    const a = this.t[this.i];
    if (!a || !a.ident) return undefined;
    this.i++;
    if (this.t[this.i]?.text === '.' && this.t[this.i + 1]?.ident) {
      const b = this.t[this.i + 1]!;
      this.i += 2;
      return { database: a.text, table: b.text };
    }
    return { table: a.text };
  }
}

/** Classifies one statement. */
export function classifyQuery(sql: string): QueryClass {
  return classify(new Cursor(tokenize(sql), sql));
}

/** The name after SAVEPOINT (and its kind), or other when there is none. */
function savepoint(c: Cursor, kind: 'savepoint' | 'rollbackTo' | 'release'): QueryClass {
  const t = c.peek();
  return t && t.ident ? { kind, name: t.text.toLowerCase() } : { kind: 'other' };
}

function classify(c: Cursor): QueryClass {
  const first = c.peek();
  if (!first || !first.ident || first.quoted) return { kind: 'other' };
  const verb = first.text.toUpperCase();
  c.i++;
  switch (verb) {
    case 'BEGIN':
      return { kind: 'begin' };
    case 'START':
      return c.isKw('TRANSACTION') ? { kind: 'begin' } : { kind: 'other' };
    case 'COMMIT':
      return { kind: 'commit' };
    case 'ROLLBACK':
      // ROLLBACK TO [SAVEPOINT] x only undoes part of a transaction that goes on.
      c.kw('WORK');
      if (c.kw('TO')) {
        c.kw('SAVEPOINT');
        return savepoint(c, 'rollbackTo');
      }
      return { kind: 'rollback' };
    case 'SAVEPOINT':
      return savepoint(c, 'savepoint');
    case 'RELEASE':
      return c.kw('SAVEPOINT') ? savepoint(c, 'release') : { kind: 'other' };
    case 'SET':
      // MariaDB logs SET STATEMENT var = value [, …] FOR <statement> as written: the statement counts.
      if (c.kw('STATEMENT')) {
        let depth = 0;
        for (; c.peek(); c.i++) {
          const t = c.peek()!;
          if (!t.ident && t.text === '(') depth++;
          else if (!t.ident && t.text === ')') depth--;
          else if (depth === 0 && c.isKw('FOR')) {
            c.i++;
            return classify(c);
          }
        }
      }
      return { kind: 'other' };
    case 'SELECT':
    case 'DO':
    case 'CALL':
      return { kind: 'call', verb, tables: allNames(c) };
    case 'XA':
      return { kind: 'xa' };
    case 'TRUNCATE': {
      c.kw('TABLE');
      const t = c.name();
      return t ? { kind: 'truncate', tables: [t] } : { kind: 'other' };
    }
    case 'ALTER':
      return alter(c);
    case 'DROP':
      return drop(c);
    case 'CREATE':
      return create(c);
    case 'RENAME':
      return rename(c);
    case 'INSERT':
    case 'REPLACE':
    case 'UPDATE':
    case 'DELETE':
    case 'LOAD':
    case 'WITH': // WITH … UPDATE / DELETE (MySQL 8)
      return { kind: 'dml', verb, tables: allNames(c) };
    default:
      return { kind: 'other' };
  }
}

function ddl(verb: string, tables: TableRef[], databases: string[] = []): QueryClass {
  return { kind: 'ddl', verb, tables, databases };
}

function alter(c: Cursor): QueryClass {
  c.kw('ONLINE');
  c.kw('OFFLINE');
  // ALTER IGNORE TABLE … ADD UNIQUE deletes the rows that break the new key, below the binlog.
  const ignore = c.kw('IGNORE');
  if (!c.kw('TABLE')) return { kind: 'other' }; // ALTER DATABASE/VIEW/USER/EVENT/…: no table changes shape
  if (c.kw('IF')) c.kw('EXISTS');
  const t = c.name();
  if (!t) return { kind: 'other' };
  const specs = alterSpecs(c.t.slice(c.i));
  // Only the table's counter or comment (ALTER TABLE t AUTO_INCREMENT = n, COMMENT = '…'): no
  // column, key or row changes (the mysql-live-edges-2 run: either stopped the migration for good).
  if (c.plain && specs.length > 0 && specs.every(isTableOption)) return { kind: 'other' };
  // Indexes and CHECKs only (the migration stopped for good at a CREATE INDEX on the source).
  if (c.plain && !ignore && specs.length > 0 && specs.every((s) => isTableOption(s) || isIndexSpec(s))) return { kind: 'index', verb: 'ALTER TABLE', tables: [t] };
  const tables = [t];
  // ALTER TABLE a RENAME [TO|AS] b: the new name matters too.
  for (; c.peek(); c.i++) {
    if (c.isKw('RENAME') && !c.isKw('COLUMN', 1) && !c.isKw('INDEX', 1) && !c.isKw('KEY', 1)) {
      c.i++;
      if (!c.kw('TO')) c.kw('AS');
      const n = c.name();
      if (n) tables.push(n);
      break;
    }
  }
  return ddl('ALTER TABLE', tables);
}

/** An ALTER TABLE's specifications: its tokens split at the commas outside parentheses. */
function alterSpecs(tokens: readonly Token[]): Token[][] {
  const specs: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (!t.ident && t.text === '(') depth++;
    else if (!t.ident && t.text === ')') depth--;
    if (depth === 0 && !t.ident && t.text === ',') specs.push([]);
    else specs[specs.length - 1]!.push(t);
  }
  return specs.filter((s) => s.length > 0);
}

const word = (t: Token | undefined, ...words: string[]) => !!t && t.ident && !t.quoted && words.includes(t.text.toUpperCase());

/**
 * `AUTO_INCREMENT [=] n`, `COMMENT [=] '…'` (string literals are not tokens: the text is gone
 * here), `ALGORITHM [=] x`, `LOCK [=] x`: how the statement runs or the table's counter and comment.
 */
function isTableOption(s: readonly Token[]): boolean {
  if (word(s[0], 'AUTO_INCREMENT', 'COMMENT')) return s.slice(1).every((x) => (!x.ident && x.text === '=') || (x.ident && !x.quoted && /^\d+$/.test(x.text)));
  if (word(s[0], 'ALGORITHM', 'LOCK')) return s.length <= 3 && s.slice(1).every((x) => x.text === '=' || (x.ident && !x.quoted));
  return false;
}

/** Words that may follow an index's or a CHECK's parenthesised part (index options). */
const INDEX_OPTION_WORDS = new Set(['USING', 'BTREE', 'HASH', 'RTREE', 'KEY_BLOCK_SIZE', 'COMMENT', 'VISIBLE', 'INVISIBLE', 'IGNORED', 'NOT', 'WITH', 'PARSER', 'ENFORCED']);

/**
 * The tokens after an ADD's keyword: a name (or IF NOT EXISTS, USING …), one parenthesised part,
 * then index options only. Anything else (a partitioning clause, which takes no comma: `ADD INDEX
 * i (a) PARTITION BY …`; the index-ddl run) is not an index's.
 */
function indexBodyOnly(s: readonly Token[], from: number): boolean {
  let i = from;
  while (i < s.length && !(!s[i]!.ident && s[i]!.text === '(')) {
    if (!s[i]!.ident && s[i]!.text !== '.') return false;
    i++;
  }
  if (i >= s.length) return false;
  let depth = 0;
  for (; i < s.length; i++) {
    const t = s[i]!;
    if (!t.ident && t.text === '(') depth++;
    else if (!t.ident && t.text === ')' && --depth === 0) break;
  }
  // A parser's name (WITH PARSER ngram) is any word.
  return s.slice(i + 1).every((t, k, rest) => (t.ident && !t.quoted && (INDEX_OPTION_WORDS.has(t.text.toUpperCase()) || /^\d+$/.test(t.text))) || (!t.ident && t.text === '=')
    || (t.ident && word(rest[k - 1], 'PARSER')));
}

/**
 * A specification that changes a secondary index or a CHECK only: ADD {INDEX|KEY|FULLTEXT|SPATIAL|
 * CHECK} (also after CONSTRAINT [name]), DROP {INDEX|KEY} other than PRIMARY, DROP CHECK (MySQL 8),
 * RENAME {INDEX|KEY}, ALTER {INDEX|KEY} (visibility, IGNORED). Not a primary or foreign key: the
 * capture finds rows by the primary key, and the target carries out the source's foreign-key
 * actions, which InnoDB leaves out of the binlog. Not a UNIQUE key: MariaDB gives a long one (on a
 * TEXT or BLOB column, or USING HASH) a hidden column that the binlog's rows then carry (the
 * index-ddl run: the stream stopped at the next row). Not DROP CONSTRAINT (of any kind, a foreign
 * key too).
 */
function isIndexSpec(s: readonly Token[]): boolean {
  let i = 1;
  if (word(s[0], 'ADD')) {
    if (word(s[i], 'CONSTRAINT')) {
      i++;
      // CONSTRAINT [symbol]: the symbol is any name but the kind's keyword (or a quoted one).
      if (!word(s[i], 'UNIQUE', 'CHECK', 'PRIMARY', 'FOREIGN')) i++;
    }
    if (word(s[i], 'FULLTEXT', 'SPATIAL') && word(s[i + 1], 'INDEX', 'KEY')) i++;
    return word(s[i], 'INDEX', 'KEY', 'FULLTEXT', 'SPATIAL', 'CHECK') && indexBodyOnly(s, i + 1);
  }
  if (word(s[0], 'DROP')) {
    if (word(s[i], 'CHECK')) return s.length === 3 && s[2]!.ident;
    if (!word(s[i], 'INDEX', 'KEY')) return false;
    i++;
    if (word(s[i], 'IF') && word(s[i + 1], 'EXISTS')) i += 2;
    const name = s[i];
    return !!name && name.ident && name.text.toUpperCase() !== 'PRIMARY' && s.length === i + 1;
  }
  if (word(s[0], 'RENAME')) return word(s[1], 'INDEX', 'KEY') && s.length === 5 && word(s[3], 'TO') && s[2]!.ident && s[4]!.ident;
  if (word(s[0], 'ALTER')) return word(s[1], 'INDEX', 'KEY') && s.length >= 4 && s.length <= 5 && s.slice(3).every((t) => word(t, 'IGNORED', 'VISIBLE', 'INVISIBLE', 'NOT')) && word(s[s.length - 1], 'IGNORED', 'VISIBLE', 'INVISIBLE');
  return false;
}

function drop(c: Cursor): QueryClass {
  if (c.kw('TEMPORARY')) return { kind: 'other' }; // temporary tables are never migrated
  if (c.kw('TABLE') || c.kw('TABLES')) {
    if (c.kw('IF')) c.kw('EXISTS');
    return ddl('DROP TABLE', nameList(c));
  }
  if (c.kw('DATABASE') || c.kw('SCHEMA')) {
    if (c.kw('IF')) c.kw('EXISTS');
    const d = c.peek();
    return d && d.ident ? ddl('DROP DATABASE', [], [d.text]) : { kind: 'other' };
  }
  c.kw('ONLINE');
  c.kw('OFFLINE');
  if (c.kw('INDEX')) {
    if (c.kw('IF')) c.kw('EXISTS');
    const index = c.peek();
    c.name();
    if (!c.kw('ON')) return { kind: 'other' };
    const t = c.name();
    if (!t) return { kind: 'other' };
    // DROP INDEX `PRIMARY` ON t drops the primary key.
    return c.plain && index && index.text.toUpperCase() !== 'PRIMARY' ? { kind: 'index', verb: 'DROP INDEX', tables: [t] } : ddl('DROP INDEX', [t]);
  }
  return { kind: 'other' };
}

function create(c: Cursor): QueryClass {
  if (c.kw('OR')) c.kw('REPLACE');
  if (c.kw('TEMPORARY')) return { kind: 'other' };
  if (c.kw('TABLE')) {
    if (c.kw('IF')) {
      c.kw('NOT');
      c.kw('EXISTS');
    }
    const t = c.name();
    return t ? ddl('CREATE TABLE', [t]) : { kind: 'other' };
  }
  c.kw('ONLINE');
  c.kw('OFFLINE');
  // A UNIQUE key may come with a hidden column the binlog's rows carry (see isIndexSpec).
  const unique = c.kw('UNIQUE');
  if (!unique) c.kw('FULLTEXT') || c.kw('SPATIAL');
  if (c.kw('INDEX')) {
    if (c.kw('IF')) {
      c.kw('NOT');
      c.kw('EXISTS');
    }
    while (c.peek() && !c.isKw('ON')) c.i++;
    if (!c.kw('ON')) return { kind: 'other' };
    const t = c.name();
    if (!t) return { kind: 'other' };
    return c.plain && !unique ? { kind: 'index', verb: 'CREATE INDEX', tables: [t] } : ddl('CREATE INDEX', [t]);
  }
  return { kind: 'other' };
}

function rename(c: Cursor): QueryClass {
  if (!c.kw('TABLE') && !c.kw('TABLES')) return { kind: 'other' }; // RENAME USER
  const tables: TableRef[] = [];
  for (;;) {
    const from = c.name();
    if (!from) break;
    tables.push(from);
    if (c.kw('WAIT')) c.i++;
    c.kw('NOWAIT');
    if (!c.kw('TO')) break;
    const to = c.name();
    if (to) tables.push(to);
    if (!c.punct(',')) break;
  }
  return tables.length > 0 ? ddl('RENAME TABLE', tables) : { kind: 'other' };
}

function nameList(c: Cursor): TableRef[] {
  const out: TableRef[] = [];
  for (;;) {
    const n = c.name();
    if (!n) break;
    out.push(n);
    if (!c.punct(',')) break;
  }
  return out;
}

/** Every word or `a.b` in the rest of the statement, as possible table names. */
function allNames(c: Cursor): TableRef[] {
  const out: TableRef[] = [];
  while (c.peek()) {
    const t = c.peek()!;
    if (!t.ident) {
      c.i++;
      continue;
    }
    out.push(c.name()!);
  }
  return out;
}
