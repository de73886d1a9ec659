/**
 * Prints the Oracle syntax tree as PostgreSQL SQL, converting on the way: functions (NVL, DECODE,
 * TO_DATE, …), pseudo-columns (SYSDATE, USER, …), date arithmetic, `||` with Oracle's NULL rules,
 * `(+)` outer joins, `ROWNUM` limits, names. What has no PostgreSQL form raises
 * {@link UnconvertibleError}; what converts with a difference in behaviour adds a note.
 */
import { UnconvertibleError, type PendingNote } from './conversion-note.js';
import { literalDateTime, pgDateFormat } from './date-format.js';
import { andAll, conjuncts, fromKey, mapExpr, rewriteOuterJoins } from './outer-join-rewriter.js';
import type { CallExpr, Expr, FrameBound, FromItem, JsonTableColumn, NameRef, OrderItem, Query, Select, SetExpr, WindowSpec } from './sql-ast.js';
import type { OracleType } from './oracle-type.js';
import { mapOracleType, type ValueKind } from './type-mapping.js';
import {
  concatParts, dateTruncUnit, hasAggregate, ident, isDual, jsonColumnNames, literal, precedence, queryReadsTable, rownumBound,
} from './sql-helpers.js';

export { ident, literal, dateTruncUnit };

/** Where an expression is used; decides a few forms (index expressions must be immutable, …). */
export type ExprMode = 'view' | 'check' | 'default' | 'index' | 'generated' | 'partition';

/** A relation of the converted DDL, as expressions see it. */
export interface RelationInfo {
  /** The qualified PostgreSQL name, ready for SQL. */
  readonly sql: string;
  /** Column kinds by Oracle stored column name. */
  readonly columns: ReadonlyMap<string, ValueKind>;
  /**
   * The blank-padded columns (CHAR, NCHAR) by Oracle stored column name: their declared length and
   * whether it counts bytes (`CHAR(n BYTE)`, or no semantics written: Oracle's default is BYTE).
   */
  readonly blankPadded?: ReadonlyMap<string, BlankPaddedColumn>;
}

/** A CHAR or NCHAR column as expressions on it need to know it. */
export interface BlankPaddedColumn {
  readonly length: number;
  readonly byteSemantics: boolean;
}

/** A CHAR/NCHAR type as a {@link BlankPaddedColumn}; undefined for every other type. */
export function blankPaddedType(t: OracleType): BlankPaddedColumn | undefined {
  if ((t.name !== 'CHAR' && t.name !== 'NCHAR') || t.userDefined) return undefined;
  return { length: t.length ?? 1, byteSemantics: t.name === 'CHAR' && t.semantics !== 'CHAR' };
}

/** What the printer needs to know about the DDL being converted. */
export interface SqlEnvironment {
  /** The Oracle schema (stored name) that unqualified names resolve in. */
  readonly defaultSchema: string;
  /** PostgreSQL schema name for an Oracle schema name (stored). */
  schemaName(oracleSchema: string): string;
  /** A table, view, materialized view or synonym of the converted DDL. */
  relation(oracleSchema: string, name: string): RelationInfo | undefined;
  /** A PL/SQL unit (function, procedure, package) of the converted DDL: calls to it need manual conversion. */
  plsqlUnit(oracleSchema: string, name: string): boolean;
  /** A converted object type (a composite type): its qualified PostgreSQL name. */
  objectType?(oracleSchema: string, name: string): string | undefined;
  /** PostgreSQL major version of the target (functions such as regexp_substr need 15). */
  readonly targetPgMajor: number;
}

/** Options of one printer. */
export interface PrinterOptions {
  readonly mode: ExprMode;
  /** For CHECK, DEFAULT, index and generated expressions: the table whose columns bare names are. */
  readonly table?: { readonly key: string; readonly relation: RelationInfo };
  /** For a DEFAULT: the kind of the column it fills (SYS_GUID() differs for RAW and VARCHAR2 columns). */
  readonly targetKind?: ValueKind;
}

interface Scope {
  readonly relations: Map<string, RelationInfo | undefined>;
  readonly ctes: Set<string>;
  /** The columns of the WITH queries in reach, by name (what `date - cte.col` needs to know). */
  readonly cteRelations?: Map<string, RelationInfo>;
  readonly parent?: Scope;
}

const DATE_KINDS = new Set<ValueKind>(['date', 'timestamp', 'timestamptz']);
const NUMBER_KINDS = new Set<ValueKind>(['integer', 'number', 'float']);
const COMPARISONS = new Set(['=', '<>', '!=', '^=', '<', '>', '<=', '>=']);

/** Functions whose name and meaning are the same in PostgreSQL. */
const SAME_FUNCTIONS = new Set([
  'ABS', 'ACOS', 'ASIN', 'ATAN', 'ATAN2', 'CEIL', 'COS', 'COSH', 'EXP', 'FLOOR', 'LN', 'LOG', 'MOD', 'POWER', 'SIGN',
  'SIN', 'SINH', 'SQRT', 'TAN', 'TANH', 'UPPER', 'LOWER', 'INITCAP', 'LPAD', 'RPAD', 'LTRIM', 'RTRIM', 'ASCII', 'CHR',
  'LENGTH', 'COALESCE', 'NULLIF', 'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'STDDEV', 'STDDEV_POP', 'STDDEV_SAMP',
  'VARIANCE', 'VAR_POP', 'VAR_SAMP', 'CORR', 'COVAR_POP', 'COVAR_SAMP', 'REGR_SLOPE', 'REGR_INTERCEPT', 'REGR_COUNT',
  'REGR_R2', 'REGR_AVGX', 'REGR_AVGY', 'REGR_SXX', 'REGR_SYY', 'REGR_SXY', 'ROW_NUMBER', 'RANK', 'DENSE_RANK',
  'PERCENT_RANK', 'CUME_DIST', 'NTILE', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'NTH_VALUE', 'PERCENTILE_CONT',
  'PERCENTILE_DISC', 'GROUPING', 'ROLLUP', 'CUBE', 'GROUPING SETS', 'TRANSLATE',
]);

/** Functions with no PostgreSQL form the converter knows of. */
const UNSUPPORTED_FUNCTIONS = new Set([
  'NEXT_DAY', 'NEW_TIME', 'TZ_OFFSET', 'DUMP', 'VSIZE', 'ORA_HASH', 'STANDARD_HASH', 'SOUNDEX',
  'NLSSORT', 'DEREF', 'REF', 'MAKE_REF', 'REFTOHEX', 'VALUE', 'TREAT', 'SYS_CONNECT_BY_PATH', 'CARDINALITY', 'COLLECT', 'POWERMULTISET',
  'EXTRACTVALUE', 'EXISTSNODE', 'XMLTYPE', 'UPDATEXML', 'XMLELEMENT', 'XMLFOREST', 'XMLAGG', 'XMLQUERY', 'XMLSERIALIZE',
  'SCN_TO_TIMESTAMP', 'TIMESTAMP_TO_SCN', 'ROWIDTOCHAR', 'CHARTOROWID', 'JSON_VALUE', 'JSON_QUERY', 'JSON_EXISTS',
  'JSON_OBJECT', 'JSON_ARRAY', 'JSON_OBJECTAGG', 'JSON_ARRAYAGG', 'JSON_SERIALIZE', 'APPROX_COUNT_DISTINCT', 'SYS_TYPEID',
  'BIN_TO_NUM', 'CLUSTER_ID', 'PREDICTION', 'FEATURE_ID', 'ORA_ROWSCN', 'COMPOSE', 'DECOMPOSE', 'UNISTR', 'ASCIISTR',
  'INSTRB', 'SUBSTRB', 'SYS_OP_MAP_NONNULL', 'LAST_DAY_OF', 'ROUND_TIES_TO_EVEN', 'ITERATION_NUMBER', 'PRESENTNNV',
]);

const PSEUDO_UNSUPPORTED: Readonly<Record<string, string>> = {
  ROWNUM: 'ROWNUM outside a plain `WHERE ROWNUM <= n` limit',
  ROWID: 'the ROWID pseudo-column (Oracle row addresses do not exist on PostgreSQL)',
  UROWID: 'the UROWID pseudo-column',
  LEVEL: 'the LEVEL pseudo-column (hierarchical query)',
  CONNECT_BY_ISLEAF: 'CONNECT_BY_ISLEAF (hierarchical query)',
  CONNECT_BY_ISCYCLE: 'CONNECT_BY_ISCYCLE (hierarchical query)',
  ORA_ROWSCN: 'the ORA_ROWSCN pseudo-column',
  UID: 'UID (Oracle user numbers do not exist on PostgreSQL)',
  OBJECT_VALUE: 'OBJECT_VALUE (object tables)',
  OBJECT_ID: 'OBJECT_ID (object tables)',
  COLUMN_VALUE: 'COLUMN_VALUE (collection unnesting)',
};

/** Pseudo-columns the printer converts. */
const PSEUDO_NAMES = new Set(['SYSDATE', 'CURRENT_DATE', 'SYSTIMESTAMP', 'CURRENT_TIMESTAMP', 'LOCALTIMESTAMP', 'USER', 'SESSIONTIMEZONE', 'DBTIMEZONE', 'LEVEL']);

/**
 * A NUMBER as text the way Oracle writes it without a format (TO_CHAR(n), `n || text`: the TM
 * "text minimum" form, only the significant digits): no trailing zeros after the point and no 0
 * before it (`2975`, `5000.5`, `.5`, `-.5`), where PostgreSQL's numeric output keeps the column's
 * scale and a leading 0 (`2975.00`, `5000.50`, `0.5`). The first regexp drops the trailing zeros
 * (and a point left alone), the second the 0 before the point; both are immutable and exist on
 * PostgreSQL 11 (trim_scale needs 13). Measured on PostgreSQL 15 for 2975.00, 5000.50, 0.5, -0.5,
 * 0.00, 1.250, 100, 2970.0, 0.05, -12.340, 0.000001000. Not matched: values whose TM form exceeds 64
 * characters, which Oracle writes in scientific notation.
 */
export function oracleNumberText(numericSql: string): string {
  return `regexp_replace(regexp_replace(CAST(${numericSql} AS text), '(\\.[0-9]*[1-9])0+$|\\.0+$', '\\1'), '^(-?)0\\.', '\\1.')`;
}

/** SYSDATE: statement time to the second, as Oracle's DATE (no fractional seconds, no time zone). */
export const PG_SYSDATE = "date_trunc('second', statement_timestamp())::timestamp(0)";

/**
 * Converts Oracle expressions and queries to PostgreSQL text. One printer per object: its notes
 * collect what the object's conversion changed.
 */
export class SqlPrinter {
  readonly notes: PendingNote[] = [];
  private scope: Scope;
  /** Inside a converted hierarchical query: the alias whose tandem_level column LEVEL reads. */
  private levelOf: string | undefined;
  private aliasCounter = 0;

  constructor(private readonly env: SqlEnvironment, private readonly options: PrinterOptions) {
    const relations = new Map<string, RelationInfo | undefined>();
    if (options.table) relations.set(options.table.key, options.table.relation);
    this.scope = { relations, ctes: new Set() };
  }

  private note(code: string, message: string, severity: PendingNote['severity'] = 'changed'): void {
    if (!this.notes.some((n) => n.code === code && n.message === message)) this.notes.push({ code, severity, message });
  }

  private fail(code: string, message: string): never {
    throw new UnconvertibleError(code, message);
  }

  /**
   * Index expressions and generated columns take only IMMUTABLE functions on PostgreSQL; `what`
   * (to_char, to_timestamp, a cast between text and a date…) is STABLE there, because its result
   * depends on session settings (lc_time, DateStyle, TimeZone). Oracle allows it, PostgreSQL
   * rejects the whole CREATE INDEX or CREATE TABLE: better not convert the expression.
   */
  private requireImmutable(what: string): void {
    if (this.options.mode === 'index' || this.options.mode === 'generated') {
      this.fail('NOT_IMMUTABLE', `${what} depends on session settings on PostgreSQL (it is not IMMUTABLE), which an index or generated column does not allow`);
    }
  }

  // ---- queries ----

  /** A whole query (a view's SELECT). */
  query(q: Query): string {
    const outerScope = this.scope;
    const ctes = new Set(outerScope.ctes);
    const cteRelations = new Map(outerScope.cteRelations);
    this.scope = { relations: new Map(), ctes, cteRelations, parent: outerScope.parent ?? (outerScope.relations.size > 0 ? outerScope : undefined) };
    try {
      const parts: string[] = [];
      if (q.with) {
        const recursive = q.with.some((cte) => queryReadsTable(cte.q, cte.name));
        const items = q.with.map((cte) => {
          ctes.add(cte.name);
          cteRelations.set(cte.name, this.resultRelation(cte.q, cte.columns));
          const cols = cte.columns ? ` (${cte.columns.map(ident).join(', ')})` : '';
          return `${ident(cte.name)}${cols} AS (\n${this.query(cte.q)}\n)`;
        });
        parts.push(`WITH ${recursive ? 'RECURSIVE ' : ''}${items.join(',\n')}`);
      }
      const { body, limit } = this.extractRownumLimit(q);
      parts.push(this.setExpr(body));
      if (q.orderBy) parts.push(`ORDER BY ${this.orderItems(q.orderBy)}`);
      if (q.offset) parts.push(`OFFSET ${this.expr(q.offset)} ROWS`);
      if (q.fetch?.withTies && this.env.targetPgMajor < 13) this.fail('FETCH_WITH_TIES', 'FETCH … WITH TIES needs PostgreSQL 13');
      if (q.fetch) parts.push(`FETCH FIRST ${q.fetch.count ? this.expr(q.fetch.count) + ' ' : ''}ROWS ${q.fetch.withTies ? 'WITH TIES' : 'ONLY'}`);
      if (limit) parts.push(`LIMIT ${limit}`);
      return parts.join('\n');
    } finally {
      this.scope = outerScope;
    }
  }

  /**
   * `WHERE … AND ROWNUM <= n` on a plain query block (no ORDER BY, GROUP BY, DISTINCT or aggregate,
   * where Oracle and PostgreSQL would count different rows) becomes `LIMIT n`.
   */
  private extractRownumLimit(q: Query): { body: SetExpr; limit?: string } {
    if (q.body.k !== 'select' || !q.body.s.where) return { body: q.body };
    const s = q.body.s;
    const parts = conjuncts(s.where!);
    const index = parts.findIndex((p) => rownumBound(p) !== undefined);
    if (index < 0) return { body: q.body };
    const blocked = q.orderBy || q.fetch || q.offset || s.groupBy || s.distinct || s.items.some((i) => hasAggregate(i.e));
    if (blocked) this.fail('ROWNUM', 'ROWNUM together with ORDER BY, GROUP BY, DISTINCT or an aggregate counts rows before they are sorted or grouped; rewrite it with ROW_NUMBER() or FETCH FIRST');
    const limit = rownumBound(parts[index]!)!;
    const rest = parts.filter((_, k) => k !== index);
    this.note('ROWNUM', `WHERE ROWNUM <= ${limit} became LIMIT ${limit}`);
    const { where: _w, ...others } = s;
    return { body: { k: 'select', s: { ...others, ...(rest.length > 0 ? { where: andAll(rest) } : {}) } }, limit: String(limit) };
  }

  private setExpr(e: SetExpr): string {
    switch (e.k) {
      case 'select': return this.select(e.s);
      case 'query': return `(${this.query(e.q)})`;
      case 'set': {
        // Oracle's set operators share one precedence; PostgreSQL binds INTERSECT tighter.
        const left = e.left.k === 'set' && e.op === 'INTERSECT' && e.left.op !== 'INTERSECT' ? `(${this.setExpr(e.left)})` : this.setExpr(e.left);
        const right = e.right.k === 'set' ? `(${this.setExpr(e.right)})` : this.setExpr(e.right);
        return `${left}\n${e.op}\n${right}`;
      }
    }
  }

  private select(raw: Select): string {
    const outer = this.scope;
    this.scope = { relations: new Map(), ctes: outer.ctes, ...(outer.cteRelations ? { cteRelations: outer.cteRelations } : {}), parent: outer };
    try {
      for (const item of raw.from) this.register(item);
      if (raw.hierarchy) return this.hierarchical(raw);
      const s = rewriteOuterJoins(raw, (name) => this.ownerOf(name));
      if (s !== raw) this.note('OUTER_JOIN_PLUS', 'Oracle (+) outer joins were rewritten as LEFT JOIN');
      const items = s.items.map((item) => {
        const text = this.expr(item.e);
        return item.alias ? `${text} AS ${ident(item.alias.name)}` : text;
      });
      const lines = [`SELECT ${s.distinct ? 'DISTINCT ' : ''}${items.join(',\n  ')}`];
      // SELECT … FROM DUAL: PostgreSQL needs no FROM.
      if (!(s.from.length === 1 && isDual(s.from[0]!))) lines.push(`FROM ${s.from.map((f) => this.fromItem(f)).join(', ')}`);
      if (s.where) lines.push(`WHERE ${this.expr(s.where)}`);
      if (s.groupBy) lines.push(`GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(', ')}`);
      if (s.having) lines.push(`HAVING ${this.expr(s.having)}`);
      return lines.join('\n');
    } finally {
      this.scope = outer;
    }
  }

  /**
   * A hierarchical query (START WITH / CONNECT BY) over one table becomes a recursive WITH: the
   * START WITH rows, then the rows whose CONNECT BY condition holds against a row already found
   * (PRIOR operands read that row). LEVEL is counted along. A CYCLE clause stops at a row that
   * repeats an ancestor's keys (Oracle stops with NOCYCLE and raises ORA-01436 without it).
   */
  private hierarchical(s: Select): string {
    const h = s.hierarchy!;
    const item = s.from[0]!;
    if (s.from.length !== 1 || item.k === 'join') this.fail('CONNECT_BY', 'a hierarchical query over a join or several tables');
    const alias = fromKey(item);
    if (alias === '') this.fail('CONNECT_BY', 'a hierarchical query over a subquery without alias');
    if (this.env.targetPgMajor < 14) this.fail('CONNECT_BY', 'a hierarchical query needs PostgreSQL 14 (CYCLE clause)');
    const relation = this.scope.relations.get(alias);
    const a = ident(alias);
    const fromSql = this.fromItem(item);
    const priorColumns = new Set<string>();
    const connect = mapExpr(h.connectBy, (x) => {
      if (x.k !== 'unary' || x.op !== 'PRIOR') return x;
      return mapExpr(x.e, (y) => {
        if (y.k !== 'name') return y;
        const column = y.name.parts[y.name.parts.length - 1]!;
        priorColumns.add(column);
        return { k: 'name', name: { parts: ['TANDEM_PRIOR', column], quoted: [false, y.name.quoted[y.name.quoted.length - 1]!] } };
      });
    });
    if (priorColumns.size === 0) {
      const rows = isDual(item) && !h.startWith ? rowGeneratorBound(h.connectBy) : undefined;
      if (rows === undefined) this.fail('CONNECT_BY', 'CONNECT BY without PRIOR');
      return this.rowGenerator(s, rows);
    }
    // The other operands read the child row: qualify its bare columns, which the join makes ambiguous.
    const qualified = mapExpr(connect, (x) => {
      if (x.k !== 'name' || x.name.parts.length !== 1) return x;
      const column = x.name.parts[0]!;
      const isColumn = relation ? relation.columns.has(column) : x.name.quoted[0] || !(column in PSEUDO_UNSUPPORTED || PSEUDO_NAMES.has(column));
      return isColumn ? { k: 'name', name: { parts: [alias, column], quoted: [false, x.name.quoted[0]!] } } : x;
    });
    const start = h.startWith ? `
  WHERE ${this.expr(h.startWith)}` : '';
    const connectSql = this.expr(qualified);
    this.levelOf = a;
    try {
      const items = s.items.flatMap((item) => {
        if (item.e.k === 'star' && (!item.e.qualifier || item.e.qualifier.parts.at(-1) === alias)) {
          if (!relation || relation.columns.size === 0) this.fail('CONNECT_BY', 'SELECT * from a hierarchical query over a table the scripts do not define');
          return [...relation.columns.keys()].map((c) => `${a}.${ident(c)}`);
        }
        const text = this.expr(item.e);
        return [item.alias ? `${text} AS ${ident(item.alias.name)}` : text];
      });
      const cycle = [...priorColumns].map(ident).join(', ');
      const where = ['NOT tandem_cycle', ...(s.where ? [this.expr(s.where)] : [])].join(' AND ');
      if (!h.nocycle) this.note('CONNECT_BY', 'CONNECT BY became WITH RECURSIVE: a cycle in the data stops the walk on PostgreSQL where Oracle raises ORA-01436; rows come in no particular order');
      else this.note('CONNECT_BY', 'CONNECT BY NOCYCLE became WITH RECURSIVE … CYCLE; rows come in no particular order');
      const lines = [
        `SELECT ${s.distinct ? 'DISTINCT ' : ''}${items.join(',\n  ')}`,
        `FROM (\nWITH RECURSIVE tandem_tree AS (\n  SELECT ${a}.*, 1 AS tandem_level FROM ${fromSql}${start}\n  UNION ALL\n  SELECT ${a}.*, tandem_prior.tandem_level + 1 FROM ${fromSql} JOIN tandem_tree tandem_prior ON ${connectSql}\n) CYCLE ${cycle} SET tandem_cycle USING tandem_path\nSELECT * FROM tandem_tree\n) ${a}`,
        `WHERE ${where}`,
      ];
      if (s.groupBy) lines.push(`GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(', ')}`);
      if (s.having) lines.push(`HAVING ${this.expr(s.having)}`);
      return lines.join('\n');
    } finally {
      this.levelOf = undefined;
    }
  }

  /**
   * `SELECT … FROM DUAL CONNECT BY LEVEL <= n`, Oracle's row generator: rows 1 to n, numbered by
   * LEVEL. Oracle always returns the first row (the CONNECT BY condition only decides the
   * children), hence GREATEST(n, 1) when n is not a literal.
   */
  private rowGenerator(s: Select, rows: { readonly bound: Expr; readonly inclusive: boolean }): string {
    let upper: string;
    if (rows.bound.k === 'num' && /^\d+$/.test(rows.bound.text)) {
      upper = String(Math.max(Number(rows.bound.text) - (rows.inclusive ? 0 : 1), 1));
    } else {
      const n = this.expr(rows.bound);
      upper = `GREATEST(${rows.inclusive ? n : `(${n}) - 1`}, 1)`;
    }
    this.note('CONNECT_BY', `CONNECT BY LEVEL ${rows.inclusive ? '<=' : '<'} n over DUAL became generate_series(1, n)`);
    this.levelOf = 'tandem_rows';
    try {
      const items = s.items.map((item) => {
        const text = this.expr(item.e);
        return item.alias ? `${text} AS ${ident(item.alias.name)}` : text;
      });
      const lines = [`SELECT ${s.distinct ? 'DISTINCT ' : ''}${items.join(',\n  ')}`, `FROM generate_series(1, ${upper}) AS tandem_rows(tandem_level)`];
      if (s.where) lines.push(`WHERE ${this.expr(s.where)}`);
      if (s.groupBy) lines.push(`GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(', ')}`);
      if (s.having) lines.push(`HAVING ${this.expr(s.having)}`);
      return lines.join('\n');
    } finally {
      this.levelOf = undefined;
    }
  }

  /** Puts a FROM item's relations into the current scope, for column kinds and `(+)` owners. */
  private register(item: FromItem): void {
    if (item.k === 'join') {
      this.register(item.left);
      this.register(item.right);
      return;
    }
    if (item.k === 'table') {
      const key = fromKey(item);
      const isCte = item.name.parts.length === 1 && this.scope.ctes.has(item.name.parts[0]!);
      this.scope.relations.set(key, isCte ? this.scope.cteRelations?.get(item.name.parts[0]!) : this.resolveRelation(item.name)?.info);
      return;
    }
    if (item.k === 'json_table') {
      if (item.alias) this.scope.relations.set(item.alias, { sql: '', columns: new Map(jsonColumnNames(item.columns).map((n) => [n.name, n.kind])) });
      return;
    }
    if (item.alias) this.scope.relations.set(item.alias, this.resultRelation(item.q));
  }

  /**
   * The columns of a query's result with their kinds (`other` when the converter cannot tell), for
   * a WITH query or a subquery in FROM: Oracle's `SYSDATE - x.hired` is a number of days only if the
   * converter knows that x.hired is a date. Names come from `names` (a WITH column list), the
   * aliases, or the column a plain column reference reads; a `*` brings the columns of its tables.
   */
  private resultRelation(q: Query, names?: readonly string[]): RelationInfo {
    let body = q.body;
    while (body.k !== 'select') body = body.k === 'set' ? body.left : body.q.body;
    const s = body.s;
    const outer = this.scope;
    this.scope = { relations: new Map(), ctes: outer.ctes, ...(outer.cteRelations ? { cteRelations: outer.cteRelations } : {}), parent: outer };
    const columns = new Map<string, ValueKind>();
    try {
      if (q.with) return { sql: '', columns };
      for (const item of s.from) this.register(item);
      s.items.forEach((item, i) => {
        if (item.e.k === 'star') {
          const from = item.e.qualifier ? [this.scope.relations.get(item.e.qualifier.parts[item.e.qualifier.parts.length - 1]!)] : [...this.scope.relations.values()];
          for (const info of from) for (const [n, k] of info?.columns ?? []) if (!columns.has(n)) columns.set(n, k);
          return;
        }
        const name = names?.[i] ?? item.alias?.name ?? (item.e.k === 'name' ? item.e.name.parts[item.e.name.parts.length - 1] : undefined);
        if (name !== undefined) columns.set(name, this.kindOf(item.e) ?? 'other');
      });
    } finally {
      this.scope = outer;
    }
    return { sql: '', columns };
  }

  private resolveRelation(name: NameRef): { sql: string; info?: RelationInfo } {
    const parts = name.parts;
    const table = parts[parts.length - 1]!;
    const schema = parts.length > 1 ? parts[parts.length - 2]! : this.env.defaultSchema;
    const info = this.env.relation(schema, table);
    return { sql: info?.sql ?? `${ident(this.env.schemaName(schema))}.${ident(table)}`, ...(info ? { info } : {}) };
  }

  /** The FROM item key an unqualified column belongs to (the single relation of the block that has it). */
  private ownerOf(name: NameRef): string | undefined {
    if (name.parts.length !== 1) return undefined;
    const column = name.parts[0]!;
    const owners = [...this.scope.relations.entries()].filter(([, info]) => info?.columns.has(column)).map(([k]) => k);
    return owners.length === 1 ? owners[0] : undefined;
  }

  private fromItem(f: FromItem): string {
    switch (f.k) {
      case 'table': {
        const isCte = f.name.parts.length === 1 && this.scope.ctes.has(f.name.parts[0]!);
        const sql = isCte ? ident(f.name.parts[0]!) : this.resolveRelation(f.name).sql;
        return f.alias ? `${sql} ${ident(f.alias)}` : sql;
      }
      case 'subquery': {
        // PostgreSQL 15 needs an alias on every subquery in FROM.
        const alias = f.alias ? ident(f.alias) : `subquery_${++this.aliasCounter}`;
        return `${f.lateral ? 'LATERAL ' : ''}(\n${this.query(f.q)}\n) ${alias}`;
      }
      case 'json_table': return this.jsonTable(f);
      case 'join': {
        const left = this.fromItem(f.left);
        const right = this.fromItem(f.right);
        const lateral = f.lateral ? 'LATERAL ' : '';
        const kind = `${f.natural ? 'NATURAL ' : ''}${f.type === 'INNER' ? 'JOIN' : `${f.type} JOIN`}`;
        if (f.on) return `${left}\n  ${kind} ${lateral}${right} ON ${this.expr(f.on)}`;
        if (f.using) return `${left}\n  ${kind} ${right} USING (${f.using.map(ident).join(', ')})`;
        if (f.lateral && f.type === 'LEFT') return `${left}\n  LEFT JOIN ${lateral}${right} ON TRUE`;
        return `${left}\n  ${kind} ${lateral}${right}`;
      }
    }
  }

  /**
   * JSON_TABLE (PostgreSQL 17 has it, 15 does not) as a LATERAL subquery over jsonb_path_query: one
   * row per match of the row path, NESTED PATH rows outer-joined as Oracle does, each column read
   * with jsonb_path_query_first and cast to its type.
   */
  private jsonTable(f: Extract<FromItem, { k: 'json_table' }>): string {
    if (this.env.targetPgMajor < 12) this.fail('JSON_TABLE', 'JSON_TABLE needs jsonpath (PostgreSQL 12)');
    const kind = this.kindOf(f.doc);
    const doc = this.expr(f.doc);
    const jsonDoc = kind === 'binary' ? `convert_from(${doc}, 'UTF8')::jsonb` : `CAST(${doc} AS jsonb)`;
    const selects: string[] = [];
    const joins: string[] = [];
    let n = 0;
    const level = (columns: readonly JsonTableColumn[], source: string) => {
      for (const col of columns) {
        if (col.k === 'nested') {
          const alias = `tandem_j${++n}`;
          const hasOrdinality = col.columns.some((c) => c.k === 'ordinality');
          joins.push(`LEFT JOIN LATERAL jsonb_path_query(${source}.v, ${literal(col.path)})${hasOrdinality ? ' WITH ORDINALITY' : ''} AS ${alias}(v${hasOrdinality ? ', n' : ''}) ON TRUE`);
          level(col.columns, alias);
        } else if (col.k === 'ordinality') {
          selects.push(`${source}.n AS ${ident(col.name)}`);
        } else {
          const type = mapOracleType(col.type, { targetPgMajor: this.env.targetPgMajor });
          let value: string;
          if (col.exists) {
            const test = `jsonb_path_exists(${source}.v, ${literal(col.path)})`;
            value = type.kind === 'text' ? `CASE WHEN ${test} THEN 'true' ELSE 'false' END` : `CASE WHEN ${test} THEN 1 ELSE 0 END`;
          } else if (col.formatJson) value = `CAST(jsonb_path_query_first(${source}.v, ${literal(col.path)}) AS text)`;
          else value = `CAST(jsonb_path_query_first(${source}.v, ${literal(col.path)}) #>> '{}' AS ${type.pg})`;
          selects.push(`${value} AS ${ident(col.name)}`);
        }
      }
    };
    const rootOrdinality = f.columns.some((c) => c.k === 'ordinality');
    level(f.columns, 'tandem_j0');
    this.note('JSON_TABLE', 'JSON_TABLE became a LATERAL subquery over jsonb_path_query: a value that does not fit its column type raises an error where Oracle returns NULL');
    const alias = f.alias ? ident(f.alias) : `json_table_${++this.aliasCounter}`;
    const from = `jsonb_path_query(${jsonDoc}, ${literal(f.path)})${rootOrdinality ? ' WITH ORDINALITY' : ''} AS tandem_j0(v${rootOrdinality ? ', n' : ''})`;
    return `LATERAL (\n  SELECT ${selects.join(',\n    ')}\n  FROM ${[from, ...joins].join('\n  ')}\n) ${alias}`;
  }

  private orderItems(items: readonly OrderItem[]): string {
    return items.map((o) => `${this.expr(o.e)}${o.desc ? ' DESC' : ''}${o.nulls ? ` NULLS ${o.nulls}` : ''}`).join(', ');
  }

  // ---- expressions ----

  /** One expression. */
  expr(e: Expr): string {
    switch (e.k) {
      case 'num': return e.text.startsWith('.') ? `0${e.text}` : e.text;
      case 'str': return e.value === '' ? 'NULL' : literal(e.value);
      case 'null': return 'NULL';
      case 'bool': return e.value ? 'TRUE' : 'FALSE';
      case 'name': return this.name(e.name, e.outer === true);
      case 'star': return e.qualifier ? `${this.qualifiedColumn(e.qualifier.parts)}.*` : '*';
      case 'call': return this.call(e);
      case 'binary': return this.binary(e.op, e.left, e.right);
      case 'unary':
        if (e.op === 'NOT') return `NOT ${this.wrapIfBinary(e.e)}`;
        return `${e.op}${this.wrapIfBinary(e.e)}`;
      case 'paren': return `(${this.expr(e.e)})`;
      case 'row': return `(${e.items.map((x) => this.expr(x)).join(', ')})`;
      case 'case': {
        const parts = ['CASE'];
        if (e.operand) parts.push(this.expr(e.operand));
        for (const w of e.whens) parts.push(`WHEN ${this.expr(w.when)} THEN ${this.expr(w.then)}`);
        if (e.else) parts.push(`ELSE ${this.expr(e.else)}`);
        parts.push('END');
        return parts.join(' ');
      }
      case 'subquery': return `(${this.query(e.q)})`;
      case 'exists': return `EXISTS (${this.query(e.q)})`;
      case 'in': {
        if (e.q) return `${this.expr(e.e)} ${e.not ? 'NOT IN' : 'IN'} (${this.query(e.q)})`;
        const list = e.list!;
        const subject = list.some((x) => this.comparedPair(e.e, x)[0] !== undefined) ? this.toNumber(e.e) : this.expr(e.e);
        const inner = list.map((x) => this.comparedPair(e.e, x)[1] ?? this.expr(x)).join(', ');
        return `${subject} ${e.not ? 'NOT IN' : 'IN'} (${inner})`;
      }
      case 'between': {
        const numeric = this.comparedPair(e.e, e.lo)[0] !== undefined || this.comparedPair(e.e, e.hi)[0] !== undefined;
        const lo = this.comparedPair(e.e, e.lo)[1] ?? this.expr(e.lo);
        const hi = this.comparedPair(e.e, e.hi)[1] ?? this.expr(e.hi);
        return `${numeric ? this.toNumber(e.e) : this.expr(e.e)} ${e.not ? 'NOT BETWEEN' : 'BETWEEN'} ${lo} AND ${hi}`;
      }
      case 'like': {
        if (e.op !== 'LIKE') this.note('LIKE_VARIANT', `${e.op} became LIKE`);
        const pattern = this.expr(e.pattern);
        // Oracle has no default escape character; PostgreSQL's is the backslash.
        const literalPattern = e.pattern.k === 'str';
        const escape = e.escape ? ` ESCAPE ${this.expr(e.escape)}` : literalPattern && !e.pattern.value.includes('\\') ? '' : " ESCAPE ''";
        return `${this.expr(e.e)} ${e.not ? 'NOT LIKE' : 'LIKE'} ${pattern}${escape}`;
      }
      case 'is': return this.isCondition(e.e, e.not, e.what);
      case 'quantified': {
        const left = this.expr(e.e);
        if (e.q) return `${left} ${e.op} ${e.quantifier} (${this.query(e.q)})`;
        const list = e.list!.map((x) => this.expr(x)).join(', ');
        if (e.op === '=' && e.quantifier === 'ANY') return `${left} IN (${list})`;
        if (e.op === '<>' && e.quantifier === 'ALL') return `${left} NOT IN (${list})`;
        return `${left} ${e.op} ${e.quantifier} (ARRAY[${list}])`;
      }
      case 'cast': {
        const from = this.kindOf(e.e);
        const to = mapOracleType(e.type).kind;
        if ((from !== undefined && DATE_KINDS.has(from) && to === 'text') || (from === 'text' && DATE_KINDS.has(to))) {
          this.requireImmutable(`CAST between text and a date (${from} to ${to})`);
        }
        return `CAST(${this.expr(e.e)} AS ${this.castType(e.type)})`;
      }
      case 'extract': {
        if (e.field === 'TIMEZONE_REGION' || e.field === 'TIMEZONE_ABBR') this.fail('EXTRACT_TIMEZONE', `EXTRACT(${e.field} …): PostgreSQL keeps no time zone name with a value`);
        return `EXTRACT(${e.field} FROM ${this.expr(e.e)})`;
      }
      case 'trim': {
        const spec = e.spec ? `${e.spec} ` : '';
        if (!e.spec && !e.chars) return `TRIM(${this.expr(e.e)})`;
        return `TRIM(${spec}${e.chars ? this.expr(e.chars) + ' ' : ''}FROM ${this.expr(e.e)})`;
      }
      case 'typed': return this.typedLiteral(e.type, e.value, e.qualifier);
      case 'attz': {
        this.note('AT_TIME_ZONE', 'AT TIME ZONE returns a timestamp without time zone on PostgreSQL (Oracle keeps the zone in the value)');
        const zone = e.zone === 'LOCAL' ? "current_setting('TimeZone')" : this.expr(e.zone);
        return `(${this.expr(e.e)} AT TIME ZONE ${zone})`;
      }
      case 'charset': return this.expr(e.e);
      case 'field': return `(${this.expr(e.e)}).${ident(e.field)}`;
      case 'treat':
        this.note('TREAT', 'TREAT(… AS type) was dropped: PostgreSQL composite types have no subtypes');
        return this.expr(e.e);
    }
  }

  private wrapIfBinary(e: Expr): string {
    const text = this.expr(e);
    return e.k === 'binary' || e.k === 'between' || e.k === 'like' || e.k === 'in' || e.k === 'is' ? `(${text})` : text;
  }

  private typedLiteral(type: 'DATE' | 'TIMESTAMP' | 'INTERVAL', value: string, qualifier?: string): string {
    if (type === 'DATE') return `TIMESTAMP ${literal(value.trim().length <= 10 ? `${value.trim()} 00:00:00` : value.trim())}`;
    if (type === 'TIMESTAMP') {
      const withZone = /\s[+-]\d{1,2}:\d{2}\s*$|[A-Za-z]+\/[A-Za-z_]+|\sUTC\s*$/.test(value);
      return `${withZone ? 'TIMESTAMPTZ' : 'TIMESTAMP'} ${literal(value)}`;
    }
    return `INTERVAL ${literal(value)} ${qualifier ?? ''}`.trimEnd();
  }

  private castType(t: Parameters<typeof mapOracleType>[0]): string {
    if (t.userDefined) this.fail('CAST_USER_TYPE', `CAST to the user-defined type ${t.written}`);
    return mapOracleType(t, { targetPgMajor: this.env.targetPgMajor }).pg;
  }

  private isCondition(e: Expr, not: boolean, what: 'NULL' | 'JSON' | 'NAN' | 'INFINITE'): string {
    const inner = this.expr(e);
    switch (what) {
      case 'NULL': return `${inner} IS ${not ? 'NOT ' : ''}NULL`;
      case 'NAN': return `${inner} ${not ? '<>' : '='} 'NaN'`;
      case 'INFINITE': return `${inner} ${not ? 'NOT IN' : 'IN'} ('Infinity', '-Infinity')`;
      case 'JSON': {
        if (this.options.mode !== 'check' || not) this.fail('IS_JSON', 'IS JSON outside a CHECK constraint (PostgreSQL 15 has no IS JSON predicate)');
        const kind = this.kindOf(e);
        const asText = kind === 'binary' ? `convert_from(${inner}, 'UTF8')` : inner;
        this.note('IS_JSON', 'the IS JSON check became a cast to json: invalid JSON is rejected with a cast error (22P02) instead of a check violation');
        return `(${inner} IS NULL OR CAST(${asText} AS json) IS NOT NULL)`;
      }
    }
  }

  private name(name: NameRef, outer: boolean): string {
    if (outer) this.fail('OUTER_JOIN_PLUS', 'an Oracle (+) outer join this converter cannot rewrite (only comma-listed tables with AND-ed (+) conditions are rewritten)');
    const parts = name.parts;
    const unquotedLast = !name.quoted[parts.length - 1];
    if (parts.length === 1 && unquotedLast) {
      const pseudo = this.pseudoColumn(parts[0]!);
      if (pseudo !== undefined) return pseudo;
    }
    if (parts.length >= 2 && !name.quoted[0] && /^(DBMS_|UTL_|APEX_|OWA_)/.test(parts[0]!) && !this.isAliasInScope(parts[0]!)) {
      this.fail('PLSQL_DEPENDENCY', `calls ${parts.join('.')}, an Oracle-supplied package`);
    }
    // seq.NEXTVAL; DBMS_METADATA writes "SCHEMA"."SEQ"."NEXTVAL".
    if (parts.length >= 2 && (parts[parts.length - 1] === 'NEXTVAL' || parts[parts.length - 1] === 'CURRVAL')) {
      const seqParts = parts.slice(0, -1);
      const seq = seqParts[seqParts.length - 1]!;
      const schema = seqParts.length > 1 ? seqParts[seqParts.length - 2]! : this.env.defaultSchema;
      const qualified = `${ident(this.env.schemaName(schema))}.${ident(seq)}`;
      const fn = parts[parts.length - 1] === 'NEXTVAL' ? 'nextval' : 'currval';
      return `${fn}(${literal(qualified)})`;
    }
    return this.qualifiedColumn(parts);
  }

  /** A column reference: `col`, `alias.col`, `schema.table.col`. */
  private qualifiedColumn(parts: readonly string[]): string {
    if (parts.length >= 3 && this.isAliasInScope(parts[0]!)) {
      // alias.column.attribute: an attribute of an object-type column.
      return parts.slice(2).reduce((acc, attr) => `(${acc}).${ident(attr)}`, `${ident(parts[0]!)}.${ident(parts[1]!)}`);
    }
    if (parts.length >= 3) {
      const [schema, ...rest] = parts.slice(-3);
      return [ident(this.env.schemaName(schema!)), ...rest.map(ident)].join('.');
    }
    return parts.map(ident).join('.');
  }

  private pseudoColumn(word: string): string | undefined {
    switch (word) {
      case 'SYSDATE': case 'CURRENT_DATE':
        return PG_SYSDATE;
      case 'SYSTIMESTAMP': case 'CURRENT_TIMESTAMP':
        return 'statement_timestamp()';
      case 'LOCALTIMESTAMP':
        return 'statement_timestamp()::timestamp';
      case 'USER':
        return 'SESSION_USER';
      case 'SESSIONTIMEZONE': case 'DBTIMEZONE':
        return "current_setting('TimeZone')";
      case 'LEVEL':
        if (this.levelOf !== undefined) return `${this.levelOf}.tandem_level`;
        return this.fail('CONNECT_BY', 'the LEVEL pseudo-column outside a hierarchical query');
      default: {
        const unsupported = PSEUDO_UNSUPPORTED[word];
        if (unsupported && !this.isColumnInScope(word)) this.fail(word === 'ROWNUM' ? 'ROWNUM' : 'PSEUDO_COLUMN', `${unsupported} has no PostgreSQL form`);
        return undefined;
      }
    }
  }

  private isAliasInScope(alias: string): boolean {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) if (s.relations.has(alias)) return true;
    return false;
  }

  private isColumnInScope(column: string): boolean {
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      for (const info of s.relations.values()) if (info?.columns.has(column)) return true;
    }
    return false;
  }

  private binary(op: string, left: Expr, right: Expr): string {
    if (op === 'AND' || op === 'OR') {
      const side = (x: Expr) => (op === 'AND' && x.k === 'binary' && x.op === 'OR' ? `(${this.expr(x)})` : this.expr(x));
      return `${side(left)} ${op} ${side(right)}`;
    }
    if (op === '||') return this.concat(left, right);
    if (op === '+' || op === '-') {
      const lk = this.kindOf(left);
      const rk = this.kindOf(right);
      if (lk && rk && DATE_KINDS.has(lk) && NUMBER_KINDS.has(rk)) {
        return `(${this.operand(left, op)} ${op} ${this.factor(right)} * INTERVAL '1 day')`;
      }
      if (op === '+' && lk && rk && NUMBER_KINDS.has(lk) && DATE_KINDS.has(rk)) {
        return `(${this.operand(right, op)} + ${this.factor(left)} * INTERVAL '1 day')`;
      }
      if (op === '-' && lk === 'date' && rk === 'date') {
        // DATE - DATE is a number of days in Oracle, an interval in PostgreSQL.
        return `(EXTRACT(EPOCH FROM ${this.operand(left, '-')} - ${this.factor(right)}) / 86400)`;
      }
    }
    if (COMPARISONS.has(op)) {
      const [l, r] = this.comparedPair(left, right);
      if (l !== undefined || r !== undefined) return `${l ?? this.operand(left, op)} ${op} ${r ?? this.operandRight(right, op)}`;
    }
    if (op === '/' && this.kindOf(left) === 'integer' && this.kindOf(right) === 'integer') {
      // Oracle divides NUMBERs exactly; PostgreSQL divides integers to an integer.
      return `CAST(${this.expr(left)} AS numeric) / ${this.factor(right)}`;
    }
    return `${this.operand(left, op)} ${op} ${this.operandRight(right, op)}`;
  }

  /**
   * Oracle compares a character value with a number by converting the character value to a
   * number (ORA-01722 when it is not one); PostgreSQL has no `text = numeric` operator. Returns the
   * converted text of the side that needs the conversion (a string literal needs none: PostgreSQL
   * reads an untyped literal as a number itself).
   */
  private comparedPair(left: Expr, right: Expr): [string | undefined, string | undefined] {
    const lk = this.kindOf(left);
    const rk = this.kindOf(right);
    if (lk === 'text' && rk !== undefined && NUMBER_KINDS.has(rk) && left.k !== 'str') return [this.toNumber(left), undefined];
    if (rk === 'text' && lk !== undefined && NUMBER_KINDS.has(lk) && right.k !== 'str') return [undefined, this.toNumber(right)];
    return [undefined, undefined];
  }

  private toNumber(e: Expr): string {
    this.note('IMPLICIT_TO_NUMBER', 'a character value compared with a number is converted to a number, as Oracle does implicitly (a value that is not a number raises an error on both)');
    return `CAST(${this.expr(e)} AS numeric)`;
  }

  /** A left operand, parenthesized when its own operator binds weaker than `op` in PostgreSQL. */
  private operand(e: Expr, op: string): string {
    const text = this.expr(e);
    if (e.k === 'binary' && precedence(e.op) < precedence(op)) return `(${text})`;
    if (e.k === 'between' || e.k === 'like' || e.k === 'in' || e.k === 'is' || e.k === 'quantified') return `(${text})`;
    return text;
  }

  private operandRight(e: Expr, op: string): string {
    const text = this.expr(e);
    if (e.k === 'binary' && precedence(e.op) <= precedence(op)) return `(${text})`;
    if (e.k === 'between' || e.k === 'like' || e.k === 'in' || e.k === 'is' || e.k === 'quantified') return `(${text})`;
    return text;
  }

  /** An operand of `*`: simple forms as they are, anything else in parentheses. */
  private factor(e: Expr): string {
    const text = this.expr(e);
    return e.k === 'num' || e.k === 'name' || e.k === 'paren' || e.k === 'call' ? text : `(${text})`;
  }

  /**
   * `a || b || c`: Oracle treats NULL as an empty string and an empty result as NULL. Outside index
   * and generated-column expressions this is `concat(a, b, c)` (NULLIF(…, '') when no part is a
   * non-empty literal); those need an immutable form, built from `||` and COALESCE.
   */
  private concat(left: Expr, right: Expr): string {
    const parts = [...concatParts(left), ...concatParts(right)];
    const hasLiteral = parts.some((p) => p.k === 'str' && p.value !== '');
    const nonText = parts.filter((p) => {
      const k = this.kindOf(p);
      return k !== undefined && k !== 'text' && p.k !== 'str';
    });
    if (nonText.some((p) => DATE_KINDS.has(this.kindOf(p)!))) {
      this.note('IMPLICIT_TO_CHAR', 'a date is concatenated as text: PostgreSQL writes it as YYYY-MM-DD HH24:MI:SS, not in the Oracle session\'s NLS_DATE_FORMAT');
    }
    if (nonText.some((p) => this.kindOf(p) === 'float')) this.floatAsTextNote();
    let body: string;
    if (this.options.mode === 'index' || this.options.mode === 'generated') {
      body = parts.map((p) => {
        if (p.k === 'str') return this.expr(p);
        const k = this.kindOf(p);
        if (k !== undefined && DATE_KINDS.has(k)) this.requireImmutable('a date concatenated as text');
        const asText = k === 'text' ? this.expr(p) : k === 'number' ? oracleNumberText(this.expr(p)) : `CAST(${this.expr(p)} AS text)`;
        return `COALESCE(${asText}, '')`;
      }).join(' || ');
    } else {
      // concat() writes a numeric in PostgreSQL's form; a NUMBER part needs Oracle's (oracleNumberText).
      body = `concat(${parts.map((p) => (this.kindOf(p) === 'number' ? oracleNumberText(this.expr(p)) : this.expr(p))).join(', ')})`;
    }
    return hasLiteral ? (body.startsWith('concat(') ? body : `(${body})`) : `NULLIF(${body}, '')`;
  }

  // ---- functions ----

  private call(e: CallExpr): string {
    const parts = e.name.parts;
    // An object type's constructor, type_name(attribute values…): a row cast to the composite type.
    const composite = parts.length <= 2 && !e.star && !e.over
      ? this.env.objectType?.(parts.length === 2 ? parts[0]! : this.env.defaultSchema, parts[parts.length - 1]!) : undefined;
    if (composite) return `ROW(${e.args.map((x) => this.expr(x)).join(', ')})::${composite}`;
    if (parts.length > 1 || e.name.quoted[0]) return this.userCall(e);
    const fn = parts[0]!;
    const a = e.args;
    const arg = (i: number) => this.expr(a[i]!);
    const args = () => a.map((x) => this.expr(x)).join(', ');
    const need = (min: number, max = min) => {
      if (a.length < min || a.length > max) this.fail('FUNCTION_ARGUMENTS', `${fn} with ${a.length} arguments`);
    };
    if (UNSUPPORTED_FUNCTIONS.has(fn)) this.fail('UNSUPPORTED_FUNCTION', `${fn}() has no PostgreSQL counterpart`);
    if (fn.startsWith('REGEXP_') && fn !== 'REGEXP_LIKE' && fn !== 'REGEXP_REPLACE' && this.env.targetPgMajor < 15) {
      this.fail('UNSUPPORTED_FUNCTION', `${fn}() needs PostgreSQL 15`);
    }
    switch (fn) {
      case 'NVL': need(2); return `COALESCE(${args()})`;
      case 'NVL2': need(3); return `CASE WHEN ${arg(0)} IS NOT NULL THEN ${arg(1)} ELSE ${arg(2)} END`;
      case 'DECODE': return this.decode(a);
      case 'LNNVL': need(1); return `(${arg(0)}) IS NOT TRUE`;
      case 'NANVL': need(2); return `CASE WHEN ${arg(0)} = 'NaN' THEN ${arg(1)} ELSE ${arg(0)} END`;
      case 'CONCAT': need(2); return this.concat(a[0]!, a[1]!);
      case 'SUBSTR': return this.substr(a);
      case 'INSTR':
        need(2, 4);
        if (a.length > 2 && !(a.slice(2).every((x) => x.k === 'num' && x.text === '1'))) {
          this.fail('FUNCTION_ARGUMENTS', 'INSTR with a start position or occurrence other than 1');
        }
        return `strpos(${arg(0)}, ${arg(1)})`;
      case 'LENGTH': need(1); return this.length(a[0]!);
      case 'LENGTHB': need(1); return `octet_length(${arg(0)})`;
      case 'REPLACE': need(2, 3); return `replace(${arg(0)}, ${arg(1)}, ${a.length === 2 ? "''" : this.replacement(a[2]!)})`;
      case 'NLS_UPPER': case 'NLS_LOWER': case 'NLS_INITCAP':
        need(1, 2);
        return `${fn.slice(4).toLowerCase()}(${arg(0)})`;
      case 'TO_CHAR': case 'TO_NCHAR': return this.toChar(a);
      case 'TO_CLOB': case 'TO_NCLOB': need(1); return `CAST(${arg(0)} AS text)`;
      case 'TO_NUMBER':
        need(1, 3);
        if (a.length === 3) this.note('NLS_PARAMETER', 'the NLS parameter of TO_NUMBER was dropped');
        if (a.length > 1) this.requireImmutable('TO_NUMBER with a format (to_number)');
        return a.length === 1 ? `CAST(${arg(0)} AS numeric)` : `to_number(${arg(0)}, ${arg(1)})`;
      case 'TO_BINARY_DOUBLE': need(1); return `CAST(${arg(0)} AS double precision)`;
      case 'TO_BINARY_FLOAT': need(1); return `CAST(${arg(0)} AS real)`;
      case 'TO_DATE': return this.toDate(a);
      case 'TO_TIMESTAMP':
        need(1, 3);
        this.requireImmutable('TO_TIMESTAMP (to_timestamp)');
        if (a.length === 1) return `CAST(${arg(0)} AS timestamp)`;
        return `CAST(to_timestamp(${arg(0)}, ${this.format(a[1]!)}) AS timestamp)`;
      case 'TO_TIMESTAMP_TZ':
        need(1, 3);
        this.requireImmutable('TO_TIMESTAMP_TZ (to_timestamp)');
        if (a.length === 1) return `CAST(${arg(0)} AS timestamptz)`;
        return `to_timestamp(${arg(0)}, ${this.format(a[1]!)})`;
      case 'TO_DSINTERVAL': case 'TO_YMINTERVAL': need(1); return `CAST(${arg(0)} AS interval)`;
      case 'NUMTODSINTERVAL': case 'NUMTOYMINTERVAL': {
        need(2);
        const unit = a[1]!.k === 'str' ? a[1]!.value.trim().toLowerCase() : undefined;
        const allowed = fn === 'NUMTODSINTERVAL' ? ['day', 'hour', 'minute', 'second'] : ['year', 'month'];
        if (!unit || !allowed.includes(unit)) this.fail('FUNCTION_ARGUMENTS', `${fn} with a unit that is not a literal`);
        return `(${this.factor(a[0]!)} * INTERVAL '1 ${unit}')`;
      }
      case 'TRUNC': return this.trunc(a);
      case 'ROUND': {
        need(1, 2);
        const k = this.kindOf(a[0]!);
        if (k && DATE_KINDS.has(k)) this.fail('FUNCTION_ARGUMENTS', 'ROUND of a date');
        const x = k === 'float' ? `CAST(${arg(0)} AS numeric)` : arg(0);
        return a.length === 1 ? `round(${x})` : `round(${x}, ${arg(1)})`;
      }
      case 'ADD_MONTHS': {
        need(2);
        // From a month's last day Oracle goes to the last day of the target month; otherwise to the
        // same day, or the target month's last day when it is shorter (which + interval does too).
        const d = this.factor(a[0]!);
        const moved = `${d} + ${this.factor(a[1]!)} * INTERVAL '1 month'`;
        const isMonthEnd = `date_trunc('day', ${d}) = date_trunc('month', ${d}) + INTERVAL '1 month - 1 day'`;
        return `(CASE WHEN ${isMonthEnd} THEN date_trunc('month', ${moved}) + INTERVAL '1 month - 1 day' + (${d} - date_trunc('day', ${d})) ELSE ${moved} END)`;
      }
      case 'MONTHS_BETWEEN': {
        need(2);
        // Whole months when both days are the same day of the month or both month ends; otherwise
        // the rest counts in 31-day months, time of day included (Oracle's definition).
        const d1 = this.factor(a[0]!);
        const d2 = this.factor(a[1]!);
        const whole = `((EXTRACT(YEAR FROM ${d1}) - EXTRACT(YEAR FROM ${d2})) * 12 + EXTRACT(MONTH FROM ${d1}) - EXTRACT(MONTH FROM ${d2}))`;
        const monthEnd = (d: string) => `date_trunc('day', ${d}) = date_trunc('month', ${d}) + INTERVAL '1 month - 1 day'`;
        const rest = `(EXTRACT(EPOCH FROM ${d1} - date_trunc('month', ${d1})) - EXTRACT(EPOCH FROM ${d2} - date_trunc('month', ${d2}))) / 2678400`;
        return `(CASE WHEN EXTRACT(DAY FROM ${d1}) = EXTRACT(DAY FROM ${d2}) OR (${monthEnd(d1)} AND ${monthEnd(d2)}) THEN ${whole} ELSE ${whole} + ${rest} END)`;
      }
      case 'LAST_DAY': {
        need(1);
        const d = arg(0);
        return `(date_trunc('month', ${d}) + INTERVAL '1 month - 1 day' + (${d} - date_trunc('day', ${d})))`;
      }
      case 'SYS_EXTRACT_UTC': need(1); return `(${arg(0)} AT TIME ZONE 'UTC')`;
      case 'FROM_TZ': need(2); return `(${arg(0)} AT TIME ZONE ${arg(1)})`;
      case 'SYS_GUID': need(0); return this.sysGuid();
      case 'EMPTY_BLOB': need(0); return "'\\x'::bytea";
      case 'EMPTY_CLOB': need(0); return "''::text";
      case 'HEXTORAW': need(1); return `decode(${arg(0)}, 'hex')`;
      case 'RAWTOHEX': need(1); return `upper(encode(${arg(0)}, 'hex'))`;
      case 'BITAND': need(2); return `(CAST(${arg(0)} AS bigint) & CAST(${arg(1)} AS bigint))`;
      case 'GREATEST': case 'LEAST':
        this.note('GREATEST_LEAST_NULL', `${fn} ignores NULL arguments on PostgreSQL; Oracle returns NULL when any argument is NULL`);
        return `${fn.toLowerCase()}(${args()})`;
      case 'SYS_CONTEXT': case 'USERENV': return this.sysContext(fn, a);
      case 'REGEXP_LIKE': {
        need(2, 3);
        const flags = a[2]?.k === 'str' ? a[2].value : a.length === 3 ? undefined : '';
        if (flags === undefined || !/^[ic]*$/.test(flags)) this.fail('FUNCTION_ARGUMENTS', 'REGEXP_LIKE with match parameters other than i and c');
        const insensitive = flags.lastIndexOf('i') > flags.lastIndexOf('c');
        return `(${this.operand(a[0]!, '~')} ${insensitive ? '~*' : '~'} ${this.operandRight(a[1]!, '~')})`;
      }
      case 'REGEXP_REPLACE':
        need(2, 6);
        if (a.length === 2) return `regexp_replace(${args()}, '', 'g')`;
        {
          const head = `${arg(0)}, ${arg(1)}, ${this.replacement(a[2]!)}`;
          const rest = a.slice(3).map((x) => `, ${this.expr(x)}`).join('');
          if (a.length === 3) return `regexp_replace(${head}, 'g')`;
          if (this.env.targetPgMajor < 15) this.fail('UNSUPPORTED_FUNCTION', 'REGEXP_REPLACE with a position needs PostgreSQL 15');
          return a.length === 4 ? `regexp_replace(${head}${rest}, 0)` : `regexp_replace(${head}${rest})`;
        }
      case 'REGEXP_SUBSTR': case 'REGEXP_INSTR': case 'REGEXP_COUNT':
        return `${fn.toLowerCase()}(${args()})`;
      case 'LISTAGG': return this.listagg(e);
      case 'WM_CONCAT': need(1); return `string_agg(CAST(${arg(0)} AS text), ','${this.over(e)})`;
      case 'MEDIAN':
        need(1);
        if (e.over) this.fail('FUNCTION_ARGUMENTS', 'MEDIAN as an analytic function');
        return `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${arg(0)})`;
      case 'GROUPING_ID': return `GROUPING(${args()})`;
      case 'RATIO_TO_REPORT':
        need(1);
        if (!e.over) this.fail('FUNCTION_ARGUMENTS', 'RATIO_TO_REPORT without OVER');
        return `(${this.factor(a[0]!)} / sum(${arg(0)})${this.over(e)})`;
      default:
        break;
    }
    if (this.env.plsqlUnit(this.env.defaultSchema, fn)) {
      this.fail('PLSQL_DEPENDENCY', `calls ${fn}, a PL/SQL function that needs manual conversion first`);
    }
    if (!SAME_FUNCTIONS.has(fn)) this.note('UNKNOWN_FUNCTION', `${fn}() is not an Oracle built-in the converter knows; it is called as ${fn.toLowerCase()}() and must exist on the target`);
    return this.plainCall(fn.toLowerCase(), e);
  }

  private plainCall(name: string, e: CallExpr): string {
    const inner = e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map((x) => this.expr(x)).join(', ')}`;
    const within = e.withinGroup ? ` WITHIN GROUP (ORDER BY ${this.orderItems(e.withinGroup)})` : '';
    const fname = name === 'grouping sets' || name === 'rollup' || name === 'cube' ? name.toUpperCase() : name;
    return `${fname}(${inner})${within}${this.over(e)}`;
  }

  private userCall(e: CallExpr): string {
    const parts = e.name.parts;
    const fn = parts[parts.length - 1]!;
    const owner = parts.length > 1 ? parts[parts.length - 2]! : this.env.defaultSchema;
    if (parts.length > 1 && !e.name.quoted[0] && /^(DBMS_|UTL_|SYS$|APEX_|CTX_|SDO_|OWA_|HTP$|HTF$)/.test(parts[0]!)) {
      this.fail('PLSQL_DEPENDENCY', `calls ${parts.join('.')}, an Oracle-supplied package`);
    }
    if (parts.length > 1 || this.env.plsqlUnit(owner, fn)) {
      this.fail('PLSQL_DEPENDENCY', `calls ${parts.join('.')}, PL/SQL that needs manual conversion first`);
    }
    this.note('UNKNOWN_FUNCTION', `${fn}() is not an Oracle built-in the converter knows; it must exist on the target`);
    return this.plainCall(ident(fn), e);
  }

  private over(e: CallExpr): string {
    return e.over ? ` OVER (${this.window(e.over)})` : '';
  }

  private window(w: WindowSpec): string {
    const parts: string[] = [];
    if (w.partitionBy.length > 0) parts.push(`PARTITION BY ${w.partitionBy.map((x) => this.expr(x)).join(', ')}`);
    if (w.orderBy.length > 0) parts.push(`ORDER BY ${this.orderItems(w.orderBy)}`);
    if (w.frame) {
      const bound = (b: FrameBound) => (b.k === 'unbounded' ? `UNBOUNDED ${b.dir}` : b.k === 'current' ? 'CURRENT ROW' : `${this.expr(b.e)} ${b.dir}`);
      parts.push(w.frame.end ? `${w.frame.unit} BETWEEN ${bound(w.frame.start)} AND ${bound(w.frame.end)}` : `${w.frame.unit} ${bound(w.frame.start)}`);
    }
    return parts.join(' ');
  }

  /** DECODE(x, s1, r1, …, default): two NULLs match in DECODE, as IS NOT DISTINCT FROM does. */
  private decode(a: readonly Expr[]): string {
    if (a.length < 3) this.fail('FUNCTION_ARGUMENTS', `DECODE with ${a.length} arguments`);
    const subject = a[0]!;
    const pairs: [Expr, Expr][] = [];
    let i = 1;
    for (; i + 1 < a.length; i += 2) pairs.push([a[i]!, a[i + 1]!]);
    const fallback = i < a.length ? a[i] : undefined;
    const simple = pairs.every(([s]) => s.k === 'num' || (s.k === 'str' && s.value !== ''));
    // DECODE compares in the type of its first search value: a character subject against a
    // numeric search value is converted to a number, as Oracle does.
    const first = pairs[0]?.[0];
    const x = first && this.comparedPair(subject, first)[0] !== undefined ? this.toNumber(subject) : this.expr(subject);
    const whens = pairs.map(([s, r]) => {
      if (simple) return `WHEN ${this.expr(s)} THEN ${this.expr(r)}`;
      if (s.k === 'null' || (s.k === 'str' && s.value === '')) return `WHEN ${x} IS NULL THEN ${this.expr(r)}`;
      return `WHEN ${x} IS NOT DISTINCT FROM ${this.expr(s)} THEN ${this.expr(r)}`;
    });
    return `CASE${simple ? ` ${x}` : ''} ${whens.join(' ')}${fallback ? ` ELSE ${this.expr(fallback)}` : ''} END`;
  }

  private substr(a: readonly Expr[]): string {
    if (a.length < 2 || a.length > 3) this.fail('FUNCTION_ARGUMENTS', `SUBSTR with ${a.length} arguments`);
    const s = this.expr(a[0]!);
    const len = a.length === 3 ? `, ${this.expr(a[2]!)}` : '';
    const start = a[1]!;
    const negative = start.k === 'unary' && start.op === '-' && start.e.k === 'num' ? start.e.text : undefined;
    if (start.k === 'num') {
      // Oracle reads a start of 0 as 1.
      return `substr(${s}, ${Number(start.text) === 0 ? '1' : start.text}${len})`;
    }
    if (negative !== undefined) {
      // A negative start counts from the end in Oracle.
      return `substr(${s}, length(${s}) - ${negative} + 1${len})`;
    }
    this.note('SUBSTR_START', 'SUBSTR with a computed start: Oracle reads 0 as 1 and counts a negative start from the end, PostgreSQL does not');
    return `substr(${s}, ${this.expr(start)}${len})`;
  }

  /**
   * LENGTH(x). Oracle's LENGTH of a CHAR(n) value counts its blank padding: n (characters) for any
   * non-NULL value. PostgreSQL's length(character) ignores trailing blanks (`length('A'::char(3))`
   * is 1, measured on PostgreSQL 15), so a CHECK (LENGTH(code) = 3) would refuse the rows Oracle
   * holds and a view would show other numbers. For a CHAR/NCHAR column the converter writes
   * `length(rpad(x, n))`: rpad pads the (blank-stripped) text back to n, so the result is n, and
   * NULL for NULL, as in Oracle. With BYTE semantics Oracle pads to n bytes, which is n characters
   * only when every character is one byte in the database character set (CHAR_PADDED_LENGTH note).
   */
  private length(x: Expr): string {
    const padded = this.blankPaddedColumn(x);
    if (!padded) return `length(${this.expr(x)})`;
    if (padded.byteSemantics) {
      this.note('CHAR_PADDED_LENGTH', `LENGTH of a CHAR(${padded.length} BYTE) column is ${padded.length}, the padded length, as in Oracle for single-byte characters; Oracle pads a value with multi-byte characters to ${padded.length} bytes, which are fewer characters`);
    }
    return `length(rpad(${this.expr(x)}, ${padded.length}))`;
  }

  /** The CHAR/NCHAR column a (parenthesised) column reference names, when the converter knows it. */
  private blankPaddedColumn(e: Expr): BlankPaddedColumn | undefined {
    if (e.k === 'paren') return this.blankPaddedColumn(e.e);
    if (e.k !== 'name') return undefined;
    const parts = e.name.parts;
    const column = parts[parts.length - 1]!;
    const qualifier = parts.length >= 2 ? parts[parts.length - 2]! : undefined;
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      if (qualifier !== undefined) {
        if (s.relations.has(qualifier)) return s.relations.get(qualifier)?.blankPadded?.get(column);
        continue;
      }
      const hits = [...s.relations.values()].filter((info) => info?.columns.has(column));
      if (hits.length === 1) return hits[0]!.blankPadded?.get(column);
      if (hits.length > 1) return undefined;
    }
    return undefined;
  }

  private floatAsTextNote(): void {
    this.note('IMPLICIT_TO_CHAR', 'a BINARY_FLOAT/BINARY_DOUBLE value is converted to text: Oracle and PostgreSQL write floats in different forms');
  }

  private toChar(a: readonly Expr[]): string {
    if (a.length < 1 || a.length > 3) this.fail('FUNCTION_ARGUMENTS', `TO_CHAR with ${a.length} arguments`);
    const k = this.kindOf(a[0]!);
    if (a.length === 1) {
      if (k === 'text') return this.expr(a[0]!);
      if (k && DATE_KINDS.has(k)) {
        this.requireImmutable('TO_CHAR of a date');
        this.note('IMPLICIT_TO_CHAR', 'TO_CHAR of a date without a format: PostgreSQL writes YYYY-MM-DD HH24:MI:SS, not the NLS_DATE_FORMAT');
      }
      if (k === 'number') return oracleNumberText(this.expr(a[0]!));
      if (k === 'float') this.floatAsTextNote();
      return `CAST(${this.expr(a[0]!)} AS text)`;
    }
    this.requireImmutable('TO_CHAR with a format (to_char)');
    if (a.length === 3) this.note('NLS_PARAMETER', 'the NLS parameter of TO_CHAR was dropped');
    return `to_char(${this.expr(a[0]!)}, ${this.format(a[1]!)})`;
  }

  /**
   * The replacement string of REPLACE / REGEXP_REPLACE: Oracle's '' is NULL, and a NULL replacement
   * removes what matched; PostgreSQL's replace and regexp_replace return NULL for it.
   */
  private replacement(r: Expr): string {
    if (r.k === 'null' || (r.k === 'str' && r.value === '')) return "''";
    if (r.k === 'str') return this.expr(r);
    return `COALESCE(${this.expr(r)}, '')`;
  }

  private format(f: Expr): string {
    return f.k === 'str' ? literal(pgDateFormat(f.value)) : this.expr(f);
  }

  /** TO_DATE keeps the time of day: a timestamp(0). A literal with a simple format becomes a literal. */
  private toDate(a: readonly Expr[]): string {
    if (a.length < 1 || a.length > 3) this.fail('FUNCTION_ARGUMENTS', `TO_DATE with ${a.length} arguments`);
    if (a.length >= 2 && a[0]!.k === 'str' && a[1]!.k === 'str') {
      const value = literalDateTime(a[0]!.value, a[1]!.value);
      if (value !== undefined) return `TIMESTAMP ${literal(value)}`;
    }
    this.requireImmutable('TO_DATE of a value that is not a literal (to_timestamp)');
    if (a.length === 1) {
      this.note('TO_DATE_NLS', 'TO_DATE without a format depends on NLS_DATE_FORMAT; PostgreSQL parses the text with its own rules');
      return `CAST(${this.expr(a[0]!)} AS timestamp(0))`;
    }
    return `CAST(to_timestamp(${this.expr(a[0]!)}, ${this.format(a[1]!)}) AS timestamp(0))`;
  }

  private trunc(a: readonly Expr[]): string {
    if (a.length < 1 || a.length > 2) this.fail('FUNCTION_ARGUMENTS', `TRUNC with ${a.length} arguments`);
    const k = this.kindOf(a[0]!);
    const isDate = k !== undefined && DATE_KINDS.has(k);
    const fmtUnit = a[1]?.k === 'str' ? dateTruncUnit(a[1].value) : undefined;
    if (isDate || (a.length === 2 && fmtUnit !== undefined && k === undefined)) {
      if (a.length === 2 && fmtUnit === undefined) this.fail('FUNCTION_ARGUMENTS', 'TRUNC of a date with a format PostgreSQL date_trunc has no unit for');
      const unit = fmtUnit ?? 'day';
      if (k === 'timestamptz' && (this.options.mode === 'index' || this.options.mode === 'generated')) {
        this.fail('NOT_IMMUTABLE', 'TRUNC of a timestamp with time zone depends on the session time zone, which PostgreSQL does not allow in an index or generated column');
      }
      return `date_trunc('${unit}', ${this.expr(a[0]!)})`;
    }
    const x = k === 'float' ? `CAST(${this.expr(a[0]!)} AS numeric)` : this.expr(a[0]!);
    return a.length === 1 ? `trunc(${x})` : `trunc(${x}, ${this.expr(a[1]!)})`;
  }

  private sysGuid(): string {
    if (this.env.targetPgMajor < 13) this.note('GEN_RANDOM_UUID', 'SYS_GUID() uses gen_random_uuid(), built into PostgreSQL 13; before that it needs the pgcrypto extension');
    // SYS_GUID() is RAW(16); into a character column Oracle writes it as 32 upper-case hex digits.
    if (this.options.targetKind === 'text') return "upper(replace(gen_random_uuid()::text, '-', ''))";
    return "decode(replace(gen_random_uuid()::text, '-', ''), 'hex')";
  }

  private sysContext(fn: string, a: readonly Expr[]): string {
    const ns = fn === 'USERENV' ? 'USERENV' : a[0]?.k === 'str' ? a[0].value.toUpperCase() : undefined;
    const param = (fn === 'USERENV' ? a[0] : a[1]);
    const key = param?.k === 'str' ? param.value.toUpperCase() : undefined;
    if (ns === 'USERENV') {
      switch (key) {
        case 'SESSION_USER': return 'SESSION_USER';
        case 'CURRENT_USER': case 'CURRENT_SCHEMA': return key === 'CURRENT_USER' ? 'CURRENT_USER' : 'current_schema()';
        case 'DB_NAME': return 'current_database()';
        case 'SESSIONID': case 'SID': return 'pg_backend_pid()';
        default: break;
      }
    }
    if (ns === undefined || key === undefined || !/^[A-Z][A-Z0-9_$#]*$/.test(ns) || !/^[A-Z][A-Z0-9_$#]*$/.test(key)) {
      return this.fail('SYS_CONTEXT', `${fn} with a namespace or key that is not a literal`);
    }
    // Application contexts (and the USERENV keys PostgreSQL has no counterpart for) become custom
    // settings the application sets with SET / set_config, as it set the context with DBMS_SESSION.
    const setting = `${ns.toLowerCase()}.${key.toLowerCase()}`;
    this.note('SYS_CONTEXT', `${fn}('${ns}', '${key}') became current_setting('${setting}', true): NULL unless the application sets ${setting} (SET / set_config), as it set the context in Oracle`);
    return `current_setting(${literal(setting)}, true)`;
  }

  private listagg(e: CallExpr): string {
    const a = e.args;
    if (a.length < 1 || a.length > 2) this.fail('FUNCTION_ARGUMENTS', `LISTAGG with ${a.length} arguments`);
    if (e.overflow) this.note('LISTAGG_OVERFLOW', "LISTAGG's ON OVERFLOW clause was dropped: string_agg has no length limit");
    const sep = a.length === 2 ? this.expr(a[1]!) : "''";
    const order = e.withinGroup ? ` ORDER BY ${this.orderItems(e.withinGroup)}` : '';
    const value = this.kindOf(a[0]!) === 'text' ? this.expr(a[0]!) : `CAST(${this.expr(a[0]!)} AS text)`;
    return `string_agg(${e.distinct ? 'DISTINCT ' : ''}${value}, ${sep === 'NULL' ? "''" : sep}${order})${this.over(e)}`;
  }

  // ---- kinds ----

  /** The kind of value an expression yields, when the converter can tell. */
  kindOf(e: Expr): ValueKind | undefined {
    switch (e.k) {
      case 'num': return /^\d+$/.test(e.text) ? 'integer' : 'number';
      case 'str': return 'text';
      case 'typed': return e.type === 'DATE' ? 'date' : e.type === 'TIMESTAMP' ? 'timestamp' : 'interval';
      case 'paren': return this.kindOf(e.e);
      case 'unary': return e.op === 'NOT' ? 'boolean' : this.kindOf(e.e);
      case 'cast': return mapOracleType(e.type).kind;
      case 'case': return e.whens[0] ? this.kindOf(e.whens[0].then) : undefined;
      case 'name': return this.nameKind(e.name);
      case 'binary': {
        if (e.op === '||') return 'text';
        if (['=', '<>', '<', '>', '<=', '>=', 'AND', 'OR'].includes(e.op)) return 'boolean';
        const l = this.kindOf(e.left);
        const r = this.kindOf(e.right);
        if (e.op === '-' && l === 'date' && r === 'date') return 'number';
        if ((e.op === '+' || e.op === '-') && l && DATE_KINDS.has(l)) return r === 'date' || r === 'timestamp' || r === 'timestamptz' ? 'interval' : l;
        if (e.op === '+' && r && DATE_KINDS.has(r)) return r;
        if (l === 'integer' && r === 'integer') return e.op === '/' ? 'number' : 'integer';
        if (l && r && NUMBER_KINDS.has(l) && NUMBER_KINDS.has(r)) return l === 'float' || r === 'float' ? 'float' : 'number';
        return undefined;
      }
      case 'call': return this.callKind(e);
      case 'extract': return 'number';
      case 'trim': return 'text';
      default: return undefined;
    }
  }

  private nameKind(name: NameRef): ValueKind | undefined {
    const parts = name.parts;
    if (parts.length === 1 && !name.quoted[0]) {
      switch (parts[0]) {
        case 'SYSDATE': case 'CURRENT_DATE': return 'date';
        case 'SYSTIMESTAMP': case 'CURRENT_TIMESTAMP': return 'timestamptz';
        case 'LOCALTIMESTAMP': return 'timestamp';
        case 'USER': return 'text';
        case 'LEVEL': if (this.levelOf !== undefined) return 'integer'; break;
        default: break;
      }
    }
    if (parts[parts.length - 1] === 'NEXTVAL' || parts[parts.length - 1] === 'CURRVAL') return 'integer';
    const column = parts[parts.length - 1]!;
    const qualifier = parts.length >= 2 ? parts[parts.length - 2]! : undefined;
    for (let s: Scope | undefined = this.scope; s; s = s.parent) {
      if (qualifier !== undefined) {
        if (s.relations.has(qualifier)) return s.relations.get(qualifier)?.columns.get(column);
        continue;
      }
      const hits = [...s.relations.values()].filter((info) => info?.columns.has(column));
      if (hits.length === 1) return hits[0]!.columns.get(column);
      if (hits.length > 1) return undefined;
    }
    return undefined;
  }

  private callKind(e: CallExpr): ValueKind | undefined {
    if (e.name.parts.length !== 1) return undefined;
    const fn = e.name.parts[0]!;
    const first = e.args[0] ? this.kindOf(e.args[0]) : undefined;
    switch (fn) {
      case 'TO_DATE': case 'ADD_MONTHS': case 'LAST_DAY': return 'date';
      case 'MONTHS_BETWEEN': return 'number';
      case 'TRUNC': return first && DATE_KINDS.has(first) ? first : first ?? undefined;
      case 'TO_TIMESTAMP': return 'timestamp';
      case 'TO_TIMESTAMP_TZ': case 'FROM_TZ': return 'timestamptz';
      case 'SYS_EXTRACT_UTC': return 'timestamp';
      case 'TO_NUMBER': case 'LENGTH': case 'LENGTHB': case 'INSTR': case 'COUNT': case 'ABS': case 'MOD': case 'SIGN':
      case 'CEIL': case 'FLOOR': case 'ROUND': case 'POWER': case 'SQRT': case 'SUM': case 'AVG':
        return fn === 'COUNT' ? 'integer' : 'number';
      case 'TO_CHAR': case 'TO_NCHAR': case 'SUBSTR': case 'UPPER': case 'LOWER': case 'INITCAP': case 'LPAD': case 'RPAD':
      case 'LTRIM': case 'RTRIM': case 'REPLACE': case 'CONCAT': case 'LISTAGG': case 'CHR': case 'TO_CLOB':
      case 'REGEXP_REPLACE': case 'REGEXP_SUBSTR': case 'TRANSLATE':
        return 'text';
      case 'NVL': case 'COALESCE': case 'NVL2': case 'MIN': case 'MAX': case 'GREATEST': case 'LEAST':
        return fn === 'NVL2' ? (e.args[1] ? this.kindOf(e.args[1]) : undefined) : first;
      case 'DECODE': return e.args[2] ? this.kindOf(e.args[2]) : undefined;
      case 'NUMTODSINTERVAL': case 'NUMTOYMINTERVAL': case 'TO_DSINTERVAL': case 'TO_YMINTERVAL': return 'interval';
      case 'SYS_GUID': case 'HEXTORAW': return 'binary';
      default: return undefined;
    }
  }
}

/** The bound of `LEVEL <= n` / `LEVEL < n` (or `n >= LEVEL`), the condition of Oracle's row generator. */
function rowGeneratorBound(e: Expr): { readonly bound: Expr; readonly inclusive: boolean } | undefined {
  if (e.k !== 'binary') return undefined;
  const isLevel = (x: Expr) => x.k === 'name' && x.name.parts.length === 1 && !x.name.quoted[0] && x.name.parts[0] === 'LEVEL';
  const mentionsLevel = (x: Expr) => { let found = false; mapExpr(x, (y) => { if (isLevel(y)) found = true; return y; }); return found; };
  if (isLevel(e.left) && (e.op === '<=' || e.op === '<') && !mentionsLevel(e.right)) return { bound: e.right, inclusive: e.op === '<=' };
  if (isLevel(e.right) && (e.op === '>=' || e.op === '>') && !mentionsLevel(e.left)) return { bound: e.left, inclusive: e.op === '>=' };
  return undefined;
}
