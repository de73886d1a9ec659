/**
 * Rewrites Oracle's `(+)` outer-join notation into ANSI joins, for the query blocks where that is a
 * faithful rewrite: a comma-separated FROM list and a WHERE clause whose `(+)` conditions each mark
 * the columns of one table.
 */
import { UnconvertibleError } from './conversion-note.js';
import type { Expr, FromItem, NameRef, Select } from './sql-ast.js';

/** Finds which FROM item (by its key: alias, or table name) an unqualified column belongs to. */
export type ColumnOwner = (column: NameRef) => string | undefined;

/**
 * Returns the select with its `(+)` conditions moved into `LEFT JOIN … ON` clauses, or the select
 * unchanged when it has none. The preserved tables are cross-joined in their FROM order (their join
 * conditions stay in WHERE, as before), then each outer-joined table follows the tables its
 * conditions mention. Raises OUTER_JOIN_PLUS for the forms that cannot be rewritten.
 *
 * @example
 * // FROM a, b WHERE a.id = b.a_id(+)  →  FROM a LEFT JOIN b ON a.id = b.a_id
 */
export function rewriteOuterJoins(s: Select, ownerOf: ColumnOwner): Select {
  if (!s.where || !hasOuterMark(s.where)) return s;
  const keyed = new Map<string, FromItem>();
  for (const item of s.from) {
    if (item.k === 'join') throw new UnconvertibleError('OUTER_JOIN_PLUS', 'Oracle (+) outer join mixed with ANSI joins');
    keyed.set(fromKey(item), item);
  }
  const kept: Expr[] = [];
  const joinConds = new Map<string, Expr[]>();
  const deps = new Map<string, Set<string>>();
  for (const conjunct of conjuncts(s.where)) {
    const names = columnNames(conjunct);
    const marked = names.filter((n) => n.outer);
    if (marked.length === 0) {
      kept.push(conjunct);
      continue;
    }
    if (containsOr(conjunct)) throw new UnconvertibleError('OUTER_JOIN_PLUS', 'a (+) condition inside OR (Oracle rejects it too: ORA-01719)');
    const keyOf = (n: { name: NameRef }) => {
      const key = qualifierKey(n.name, keyed) ?? ownerOf(n.name);
      if (key === undefined) {
        throw new UnconvertibleError('OUTER_JOIN_PLUS', `cannot tell which table column ${n.name.parts.join('.')} of a (+) condition belongs to`);
      }
      return key;
    };
    const outerKeys = new Set(marked.map(keyOf));
    if (outerKeys.size !== 1) throw new UnconvertibleError('OUTER_JOIN_PLUS', 'a (+) condition marks columns of more than one table');
    const target = [...outerKeys][0]!;
    const others = new Set(names.filter((n) => !n.outer).map(keyOf));
    others.delete(target);
    joinConds.set(target, [...(joinConds.get(target) ?? []), stripOuterMarks(conjunct)]);
    deps.set(target, new Set([...(deps.get(target) ?? []), ...others]));
  }
  const preserved = s.from.filter((item) => !joinConds.has(fromKey(item)));
  if (preserved.length === 0) throw new UnconvertibleError('OUTER_JOIN_PLUS', 'every table of the FROM list is outer-joined');
  const placed = new Set(preserved.map(fromKey));
  let from: FromItem = preserved[0]!;
  for (const item of preserved.slice(1)) from = { k: 'join', type: 'CROSS', natural: false, left: from, right: item };
  const pending = [...joinConds.keys()];
  while (pending.length > 0) {
    const next = pending.findIndex((key) => [...(deps.get(key) ?? [])].every((d) => placed.has(d)));
    if (next < 0) throw new UnconvertibleError('OUTER_JOIN_PLUS', 'the (+) conditions join tables in a cycle');
    const key = pending.splice(next, 1)[0]!;
    const on = andAll(joinConds.get(key)!);
    from = { k: 'join', type: 'LEFT', natural: false, left: from, right: keyed.get(key)!, on };
    placed.add(key);
  }
  const where = kept.length > 0 ? andAll(kept) : undefined;
  const { where: _old, ...rest } = s;
  return { ...rest, from: [from], ...(where ? { where } : {}) };
}

function containsOr(e: Expr): boolean {
  let found = false;
  visit(e, (x) => {
    if (x.k === 'binary' && x.op === 'OR') found = true;
  });
  return found;
}

/** The key a FROM item is known by in its query block: its alias, or its table name. */
export function fromKey(item: FromItem): string {
  if (item.k === 'table') return item.alias ?? item.name.parts[item.name.parts.length - 1]!;
  if (item.k === 'subquery' || item.k === 'json_table') return item.alias ?? '';
  return '';
}

function qualifierKey(name: NameRef, keyed: Map<string, FromItem>): string | undefined {
  if (name.parts.length < 2) return undefined;
  const qualifier = name.parts[name.parts.length - 2]!;
  return keyed.has(qualifier) ? qualifier : undefined;
}

/** The conjuncts of an AND chain (through redundant parentheses). */
export function conjuncts(e: Expr): Expr[] {
  if (e.k === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  if (e.k === 'paren' && e.e.k === 'binary' && e.e.op === 'AND') return conjuncts(e.e);
  return [e];
}

/** Joins conditions with AND. */
export function andAll(list: readonly Expr[]): Expr {
  return list.slice(1).reduce<Expr>((acc, e) => ({ k: 'binary', op: 'AND', left: acc, right: e }), list[0]!);
}

/** Whether an expression (outside subqueries) holds a `(+)` mark. */
export function hasOuterMark(e: Expr): boolean {
  return columnNames(e).some((n) => n.outer);
}

/** The column references of an expression, not looking into subqueries (they are their own query blocks). */
function columnNames(e: Expr): { name: NameRef; outer: boolean }[] {
  const out: { name: NameRef; outer: boolean }[] = [];
  visit(e, (x) => {
    if (x.k === 'name') out.push({ name: x.name, outer: x.outer === true });
  });
  return out;
}

function visit(e: Expr, f: (e: Expr) => void): void {
  f(e);
  for (const child of children(e)) visit(child, f);
}

function children(e: Expr): Expr[] {
  switch (e.k) {
    case 'call': return [...e.args, ...(e.over ? [...e.over.partitionBy, ...e.over.orderBy.map((o) => o.e)] : [])];
    case 'binary': return [e.left, e.right];
    case 'unary': case 'paren': case 'cast': case 'extract': case 'charset': case 'field': case 'treat': return [e.e];
    case 'row': return [...e.items];
    case 'case': return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'in': return [e.e, ...(e.list ?? [])];
    case 'between': return [e.e, e.lo, e.hi];
    case 'like': return [e.e, e.pattern, ...(e.escape ? [e.escape] : [])];
    case 'is': return [e.e];
    case 'quantified': return [e.e, ...(e.list ?? [])];
    case 'trim': return [e.e, ...(e.chars ? [e.chars] : [])];
    case 'attz': return [e.e, ...(e.zone === 'LOCAL' ? [] : [e.zone])];
    default: return [];
  }
}

function stripOuterMarks(e: Expr): Expr {
  return mapExpr(e, (x) => (x.k === 'name' && x.outer ? { k: 'name', name: x.name } : x));
}

/** Rebuilds an expression bottom-up with `f` applied to every node (not into subqueries). */
export function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  const m = (x: Expr) => mapExpr(x, f);
  let out: Expr;
  switch (e.k) {
    case 'call': out = { ...e, args: e.args.map(m) }; break;
    case 'binary': out = { ...e, left: m(e.left), right: m(e.right) }; break;
    case 'unary': case 'paren': case 'cast': case 'extract': case 'charset': case 'is': case 'field': case 'treat':
      out = { ...e, e: m(e.e) } as Expr;
      break;
    case 'row': out = { ...e, items: e.items.map(m) }; break;
    case 'case': out = {
      ...e, ...(e.operand ? { operand: m(e.operand) } : {}), whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
      ...(e.else ? { else: m(e.else) } : {}),
    }; break;
    case 'in': out = { ...e, e: m(e.e), ...(e.list ? { list: e.list.map(m) } : {}) }; break;
    case 'between': out = { ...e, e: m(e.e), lo: m(e.lo), hi: m(e.hi) }; break;
    case 'like': out = { ...e, e: m(e.e), pattern: m(e.pattern), ...(e.escape ? { escape: m(e.escape) } : {}) }; break;
    case 'quantified': out = { ...e, e: m(e.e), ...(e.list ? { list: e.list.map(m) } : {}) }; break;
    case 'trim': out = { ...e, e: m(e.e), ...(e.chars ? { chars: m(e.chars) } : {}) }; break;
    case 'attz': out = { ...e, e: m(e.e), zone: e.zone === 'LOCAL' ? 'LOCAL' : m(e.zone) }; break;
    default: out = e;
  }
  return f(out);
}
