/**
 * What the DDL writer asks about types and queries: which PostgreSQL types a foreign key can
 * compare, which relations a view reads, the order views and types must be created in.
 */
import type { QualifiedName, TypeDef, ViewDef } from './oracle-model.js';
import type { OracleType } from './oracle-type.js';
import type { Expr, FromItem, Query, SetExpr } from './sql-ast.js';

const key = (q: QualifiedName) => `${q.schema}\u0000${q.name}`;

/** The kind of types PostgreSQL compares in one B-tree operator family (foreign keys need it). */
export function typeFamily(pgType: string): string {
  if (/^(smallint|integer|bigint)$/.test(pgType)) return 'int';
  if (pgType.startsWith('numeric')) return 'numeric';
  // char and varchar compare in a foreign key (tested on PostgreSQL 15).
  if (pgType.startsWith('varchar') || pgType === 'text' || pgType.startsWith('char(')) return 'text';
  if (pgType.startsWith('timestamptz')) return 'timestamptz';
  if (pgType.startsWith('timestamp')) return 'timestamp';
  if (pgType === 'real' || pgType === 'double precision') return 'float';
  if (pgType.startsWith('interval')) return 'interval';
  return pgType;
}

export function isInventoryKind(kind: string): boolean {
  return ['TABLE', 'VIEW', 'MVIEW', 'INDEX', 'SEQUENCE', 'SYNONYM', 'TYPE'].includes(kind);
}

export function qualifyRef(parts: readonly string[], schema: string): QualifiedName {
  return parts.length === 1 ? { schema, name: parts[0]! } : { schema: parts[parts.length - 2]!, name: parts[parts.length - 1]! };
}

/** Output column names of a query (aliases, or the column of a plain column reference). */
export function selectNames(q: Query): string[] {
  let body: SetExpr = q.body;
  while (body.k !== 'select') body = body.k === 'set' ? body.left : body.q.body;
  return body.s.items.flatMap((item) => {
    if (item.alias) return [item.alias.name];
    if (item.e.k === 'name') return [item.e.name.parts[item.e.name.parts.length - 1]!];
    return [];
  });
}

/** Every table name a query reads (FROM items, in subqueries too), as dotted parts; CTE names included. */
export function queryRelations(q: Query): string[][] {
  const out: string[][] = [];
  const ctes = new Set((q.with ?? []).map((c) => c.name));
  const fromItem = (f: FromItem): void => {
    if (f.k === 'table') {
      if (!(f.name.parts.length === 1 && ctes.has(f.name.parts[0]!))) out.push([...f.name.parts]);
    } else if (f.k === 'subquery') out.push(...queryRelations(f.q));
    else if (f.k === 'json_table') expr(f.doc);
    else {
      fromItem(f.left);
      fromItem(f.right);
    }
  };
  const expr = (e: Expr | undefined): void => {
    if (!e) return;
    switch (e.k) {
      case 'subquery': case 'exists': out.push(...queryRelations(e.q)); return;
      case 'in': expr(e.e); e.list?.forEach(expr); if (e.q) out.push(...queryRelations(e.q)); return;
      case 'quantified': expr(e.e); e.list?.forEach(expr); if (e.q) out.push(...queryRelations(e.q)); return;
      case 'binary': expr(e.left); expr(e.right); return;
      case 'unary': case 'paren': case 'cast': case 'extract': case 'charset': case 'is': expr(e.e); return;
      case 'call': e.args.forEach(expr); return;
      case 'case': expr(e.operand); e.whens.forEach((w) => { expr(w.when); expr(w.then); }); expr(e.else); return;
      case 'between': expr(e.e); expr(e.lo); expr(e.hi); return;
      case 'like': expr(e.e); expr(e.pattern); return;
      case 'row': e.items.forEach(expr); return;
      default: return;
    }
  };
  const setExpr = (s: SetExpr): void => {
    if (s.k === 'select') {
      s.s.from.forEach(fromItem);
      s.s.items.forEach((i) => expr(i.e));
      expr(s.s.where);
      expr(s.s.having);
    } else if (s.k === 'set') {
      setExpr(s.left);
      setExpr(s.right);
    } else out.push(...queryRelations(s.q));
  };
  for (const cte of q.with ?? []) out.push(...queryRelations(cte.q).filter((p) => !(p.length === 1 && ctes.has(p[0]!))));
  setExpr(q.body);
  return out;
}

/**
 * Types in an order where each comes after the types its attributes, elements and supertype are
 * of (scripts read in file-name order may use a type before the file that creates it). REF
 * attributes point at a type without needing it.
 */
export function orderTypes(types: readonly TypeDef[], defaultSchema: string): TypeDef[] {
  const byKey = new Map(types.map((t) => [key(t.name), t]));
  const out: TypeDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const dependency = (t: OracleType | undefined, schema: string): TypeDef | undefined => {
    if (!t || !t.userDefined || t.ref) return undefined;
    return byKey.get(key({ schema: t.owner ?? schema, name: t.name })) ?? (t.owner ? undefined : byKey.get(key({ schema: defaultSchema, name: t.name })));
  };
  const visit = (t: TypeDef) => {
    const k = key(t.name);
    if (state.get(k)) return;
    state.set(k, 'visiting');
    const deps = [...t.attributes.map((a) => dependency(a.type, t.name.schema)), dependency(t.element, t.name.schema), t.supertype ? byKey.get(key(t.supertype)) : undefined];
    for (const dep of deps) if (dep && !state.get(key(dep.name))) visit(dep);
    state.set(k, 'done');
    out.push(t);
  };
  types.forEach(visit);
  return out;
}

/** Views and materialized views in an order where each comes after the views it reads. */
export function orderViews(views: readonly ViewDef[]): ViewDef[] {
  const byKey = new Map(views.map((v) => [key(v.name), v]));
  const out: ViewDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (v: ViewDef) => {
    const k = key(v.name);
    if (state.get(k)) return;
    state.set(k, 'visiting');
    for (const parts of v.query ? queryRelations(v.query) : []) {
      const dep = byKey.get(key(qualifyRef(parts, v.name.schema)));
      if (dep && state.get(key(dep.name)) !== 'visiting') visit(dep);
    }
    state.set(k, 'done');
    out.push(v);
  };
  views.forEach(visit);
  return out;
}

