/**
 * MySQL lets a grouped query select columns it does not group by (always in MariaDB's default
 * sql_mode; in MySQL 5.7+ when they depend on the grouped columns, even through a join). PostgreSQL
 * accepts only grouped columns, aggregates, and the columns of a table whose primary key is grouped.
 * This pass adds the other selected (and ordered, and HAVING) columns to the view's GROUP BY, on the
 * MySQL tokens before translation. The rows are the same when those columns depend on the grouped
 * ones, which is what MySQL's ONLY_FULL_GROUP_BY requires; otherwise MySQL returned an arbitrary
 * value per group and PostgreSQL returns one row per value (the caller reports it). Pure.
 */
import type { MySqlToken } from './mysql-lexer.js';

/** Aggregate functions: column references inside them need no grouping. */
const AGGREGATES = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'group_concat', 'std', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop',
  'var_samp', 'bit_and', 'bit_or', 'bit_xor', 'json_arrayagg', 'json_objectagg',
]);

/** Words that end the clause before them, at depth 0. */
const CLAUSE_WORDS = new Set(['from', 'where', 'group', 'having', 'order', 'limit', 'window', 'union', 'for', 'into', 'procedure', 'lock']);

type Range = readonly MySqlToken[];

const isWord = (t: MySqlToken | undefined, w: string): boolean => t?.type === 'word' && t.value.toLowerCase() === w;
const isOp = (t: MySqlToken | undefined, v: string): boolean => t?.type === 'op' && t.value === v;

/** Index of the `)` that closes the `(` at `open`. */
function closing(tokens: Range, open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], '(')) depth++;
    else if (isOp(tokens[i], ')') && --depth === 0) return i;
  }
  return tokens.length;
}

/** Splits at depth-0 commas. */
function splitList(tokens: Range): MySqlToken[][] {
  const items: MySqlToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (isOp(t, '(')) depth++;
    if (isOp(t, ')')) depth--;
    if (depth === 0 && isOp(t, ',')) { items.push([]); continue; }
    items[items.length - 1]!.push(t);
  }
  return items.filter((i) => i.length > 0);
}

/** A canonical text for comparing token sequences. */
function key(tokens: Range): string {
  return tokens.map((t) => (t.type === 'ident' ? `\`${t.value}\`` : t.type === 'string' ? `'${t.value}'` : Buffer.isBuffer(t.value) ? t.value.toString('hex') : t.value.toLowerCase())).join(' ');
}

interface ColumnRef {
  readonly parts: readonly string[];
  readonly tokens: readonly MySqlToken[];
}

/** Column references outside aggregates and subqueries. `star` is set when `*` or `t.*` is selected. */
function columnRefs(tokens: Range): { refs: ColumnRef[]; star: boolean } {
  const refs: ColumnRef[] = [];
  let star = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'word' && AGGREGATES.has(t.value.toLowerCase()) && isOp(tokens[i + 1], '(')) { i = closing(tokens, i + 1); continue; }
    if (isOp(t, '(') && isWord(tokens[i + 1], 'select')) { i = closing(tokens, i); continue; }
    if (isOp(t, '*') && (i === 0 || isOp(tokens[i - 1], '.'))) star = true;
    if (t.type !== 'ident' || isOp(tokens[i - 1], '.')) continue;
    const parts = [t.value];
    let j = i;
    while (isOp(tokens[j + 1], '.') && tokens[j + 2]?.type === 'ident') {
      parts.push((tokens[j + 2] as { value: string }).value);
      j += 2;
    }
    if (isOp(tokens[j + 1], '.') && isOp(tokens[j + 2], '*')) { star = true; i = j + 2; continue; }
    refs.push({ parts, tokens: tokens.slice(i, j + 1) });
    i = j;
  }
  return { refs, star };
}

/** Table aliases of a FROM clause (alias → MySQL table name), tables of other databases and subqueries left out. */
export function tableAliases(from: Range, database: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (let i = 0; i < from.length; i++) {
    const t = from[i]!;
    if (isOp(t, '(') && isWord(from[i + 1], 'select')) { i = closing(from, i); continue; }
    const prev = from[i - 1];
    if (t.type !== 'ident' || !(i === 0 || isWord(prev, 'join') || isOp(prev, ',') || isOp(prev, '(') || isWord(prev, 'from'))) continue;
    const parts = [t.value];
    let j = i;
    while (isOp(from[j + 1], '.') && from[j + 2]?.type === 'ident') {
      parts.push((from[j + 2] as { value: string }).value);
      j += 2;
    }
    if (parts.length > 2 || (parts.length === 2 && parts[0] !== database)) { i = j; continue; }
    // A name followed by an operator is a column in an ON condition, not a table.
    const after = from[j + 1];
    if (after?.type === 'op' && after.value !== ',' && after.value !== ')') { i = j; continue; }
    const table = parts[parts.length - 1]!;
    let alias = table;
    if (isWord(from[j + 1], 'as') && from[j + 2]?.type === 'ident') alias = (from[j + 2] as { value: string }).value;
    else if (from[j + 1]?.type === 'ident') alias = (from[j + 1] as { value: string }).value;
    aliases.set(alias, table);
    i = j;
  }
  return aliases;
}

export interface GroupByCompletion {
  readonly tokens: MySqlToken[];
  /** The column references added to GROUP BY, as MySQL wrote them (e.g. `c.city`). */
  readonly added: string[];
}

/**
 * Adds to a query's top-level GROUP BY every column it selects, orders by or tests in HAVING
 * outside an aggregate that is neither grouped nor covered by a grouped primary key, in each
 * SELECT of a UNION. Queries without GROUP BY or WITH ROLLUP are returned as they are.
 *
 * @example
 * completeGroupBy(tokenizeMySql('select `c`.`city` AS `city`,sum(`p`.`amount`) AS `s` from (`p` join `c` on(…)) group by `p`.`store_id`'), 'shop')
 * // GROUP BY `p`.`store_id`,`c`.`city`; added: ['c.city']
 */
export function completeGroupBy(tokens: MySqlToken[], database: string, primaryKeys: ReadonlyMap<string, readonly string[]> = new Map()): GroupByCompletion {
  const unchanged = { tokens, added: [] };
  if (!isWord(tokens[0], 'select')) return unchanged;
  // A UNION: each SELECT on its own.
  const unions: number[] = [];
  let level = 0;
  tokens.forEach((t, i) => {
    if (isOp(t, '(')) level++;
    else if (isOp(t, ')')) level--;
    else if (level === 0 && isWord(t, 'union')) unions.push(i);
  });
  if (unions.length > 0) {
    const out: MySqlToken[] = [];
    const added: string[] = [];
    let from = 0;
    for (const at of [...unions, tokens.length]) {
      const part = completeGroupBy(tokens.slice(from, at), database, primaryKeys);
      out.push(...part.tokens);
      added.push(...part.added);
      if (at === tokens.length) break;
      let next = at + 1;
      if (isWord(tokens[next], 'all') || isWord(tokens[next], 'distinct')) next++;
      out.push(...tokens.slice(at, next));
      from = next;
    }
    return { tokens: out, added };
  }
  // Clause starts at depth 0.
  const clauses = new Map<string, number>();
  let depth = 0;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
    else if (depth === 0 && t.type === 'word' && CLAUSE_WORDS.has(t.value.toLowerCase()) && !clauses.has(t.value.toLowerCase())) {
      clauses.set(t.value.toLowerCase(), i);
    }
  }
  const groupAt = clauses.get('group');
  const fromAt = clauses.get('from');
  if (groupAt === undefined || fromAt === undefined || !isWord(tokens[groupAt + 1], 'by')) return unchanged;
  const end = (start: number) => Math.min(...[...clauses.values()].filter((v) => v > start), tokens.length);
  const groupEnd = end(groupAt);
  const groupTokens = tokens.slice(groupAt + 2, groupEnd);
  if (groupTokens.some((t) => isWord(t, 'rollup'))) return unchanged;

  let selectStart = 1;
  while (tokens[selectStart]?.type === 'word' && /^(distinct|all|distinctrow|high_priority|straight_join|sql_\w+)$/i.test((tokens[selectStart] as { value: string }).value)) selectStart++;
  const items = splitList(tokens.slice(selectStart, fromAt)).map((item) => {
    const n = item.length;
    if (n >= 3 && isWord(item[n - 2], 'as') && item[n - 1]!.type === 'ident') return { expr: item.slice(0, n - 2), alias: (item[n - 1] as { value: string }).value };
    if (n >= 2 && item[n - 1]!.type === 'ident' && !isOp(item[n - 2], '.')) return { expr: item.slice(0, n - 1), alias: (item[n - 1] as { value: string }).value };
    return { expr: item, alias: undefined as string | undefined };
  });

  const grouped = new Set<string>();
  for (const g of splitList(groupTokens)) {
    const expr = g.filter((t) => !isWord(t, 'asc') && !isWord(t, 'desc'));
    grouped.add(key(expr));
    if (expr.length === 1 && expr[0]!.type === 'number') {
      const item = items[Number(expr[0]!.value) - 1];
      if (item) grouped.add(key(item.expr));
    }
    if (expr.length === 1 && expr[0]!.type === 'ident') {
      const item = items.find((x) => x.alias === (expr[0] as { value: string }).value);
      if (item) grouped.add(key(item.expr));
    }
  }

  const aliases = tableAliases(tokens.slice(fromAt + 1, end(fromAt)), database);
  const covered = (ref: ColumnRef): boolean => {
    if (grouped.has(key(ref.tokens))) return true;
    const qualifier = ref.parts.slice(0, -1);
    let table: string | undefined;
    if (qualifier.length === 0) table = aliases.size === 1 ? [...aliases.values()][0] : undefined;
    else if (qualifier.length === 1) table = aliases.get(qualifier[0]!);
    else if (qualifier.length === 2 && qualifier[0] === database) table = aliases.has(qualifier[1]!) ? aliases.get(qualifier[1]!) : undefined;
    const pk = table === undefined ? undefined : primaryKeys.get(table);
    if (!pk || pk.length === 0) return false;
    return pk.every((c) => grouped.has(key([...ref.tokens.slice(0, -1), { type: 'ident', value: c, pos: 0 }])));
  };

  const missing = new Map<string, ColumnRef>();
  const need = (expr: Range): boolean => {
    if (grouped.has(key(expr))) return true;
    const { refs, star } = columnRefs(expr);
    if (star) return false;
    for (const r of refs) if (!covered(r) && !missing.has(key(r.tokens))) missing.set(key(r.tokens), r);
    return true;
  };
  for (const item of items) if (!need(item.expr)) return unchanged;
  const havingAt = clauses.get('having');
  if (havingAt !== undefined) need(tokens.slice(havingAt + 1, end(havingAt)));
  const orderAt = clauses.get('order');
  if (orderAt !== undefined && isWord(tokens[orderAt + 1], 'by')) {
    for (const o of splitList(tokens.slice(orderAt + 2, end(orderAt)))) {
      const expr = o.filter((t) => !isWord(t, 'asc') && !isWord(t, 'desc'));
      if (expr.length === 1 && expr[0]!.type === 'ident' && items.some((x) => x.alias === (expr[0] as { value: string }).value)) continue;
      if (expr.length === 1 && expr[0]!.type === 'number') continue;
      if (items.some((x) => key(x.expr) === key(expr))) continue;
      need(expr);
    }
  }
  if (missing.size === 0) return unchanged;
  const insert: MySqlToken[] = [];
  for (const r of missing.values()) insert.push({ type: 'op', value: ',', pos: 0 }, ...r.tokens);
  return {
    tokens: [...tokens.slice(0, groupEnd), ...insert, ...tokens.slice(groupEnd)],
    added: [...missing.values()].map((r) => r.parts.join('.')),
  };
}
