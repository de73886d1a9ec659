/**
 * Small pure helpers of the SQL printer: identifiers and literals, operator precedence, and the
 * questions the printer asks of a syntax tree (is this FROM DUAL, a ROWNUM limit, an aggregate, …).
 */
import { quoteIdent } from '../../../core/sql-names.js';
import { oracleNameToPg } from './oracle-name.js';
import type { Expr, FromItem, JsonTableColumn, Query, SetExpr } from './sql-ast.js';
import { mapOracleType, type ValueKind } from './type-mapping.js';

const AGGREGATES = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'LISTAGG', 'STDDEV', 'VARIANCE', 'MEDIAN', 'STRING_AGG']);

/** An Oracle name (as stored) as a PostgreSQL identifier, quoted when needed. */
export function ident(storedName: string): string {
  return quoteIdent(oracleNameToPg(storedName));
}

/** A PostgreSQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function precedence(op: string): number {
  switch (op) {
    case 'OR': return 1;
    case 'AND': return 2;
    case '=': case '<>': case '<': case '>': case '<=': case '>=': case '~': case '~*': return 3;
    case '||': return 4;
    case '+': case '-': return 5;
    case '*': case '/': return 6;
    default: return 0;
  }
}

/** Oracle's one-row table DUAL (SYS.DUAL, PUBLIC.DUAL), read without an alias. */
export function isDual(f: FromItem): boolean {
  if (f.k !== 'table' || f.alias !== undefined) return false;
  const parts = f.name.parts;
  return parts[parts.length - 1] === 'DUAL' && !f.name.quoted[parts.length - 1] && (parts.length === 1 || parts[0] === 'SYS' || parts[0] === 'PUBLIC');
}

export function jsonColumnNames(columns: readonly JsonTableColumn[]): { name: string; kind: ValueKind }[] {
  return columns.flatMap((c) => {
    if (c.k === 'nested') return jsonColumnNames(c.columns);
    if (c.k === 'ordinality') return [{ name: c.name, kind: 'integer' as ValueKind }];
    return [{ name: c.name, kind: mapOracleType(c.type).kind }];
  });
}

export function concatParts(e: Expr): Expr[] {
  if (e.k === 'binary' && e.op === '||') return [...concatParts(e.left), ...concatParts(e.right)];
  if (e.k === 'call' && e.name.parts.length === 1 && e.name.parts[0] === 'CONCAT' && e.args.length === 2 && !e.name.quoted[0]) {
    return [...concatParts(e.args[0]!), ...concatParts(e.args[1]!)];
  }
  return [e];
}

/** The date_trunc unit of an Oracle TRUNC/ROUND date format, or undefined. */
export function dateTruncUnit(format: string): string | undefined {
  switch (format.trim().toUpperCase()) {
    case 'DD': case 'DDD': case 'J': return 'day';
    case 'MM': case 'MON': case 'MONTH': case 'RM': return 'month';
    case 'YYYY': case 'YEAR': case 'SYYYY': case 'SYEAR': case 'YYY': case 'YY': case 'Y': return 'year';
    case 'Q': return 'quarter';
    case 'IW': return 'week';
    case 'HH': case 'HH12': case 'HH24': return 'hour';
    case 'MI': return 'minute';
    case 'CC': case 'SCC': return undefined;
    default: return undefined;
  }
}

/** `ROWNUM <= n`, `ROWNUM < n`, `ROWNUM = 1` (and mirrored): the number of rows, else undefined. */
export function rownumBound(e: Expr): number | undefined {
  if (e.k !== 'binary') return undefined;
  const isRownum = (x: Expr) => x.k === 'name' && x.name.parts.length === 1 && !x.name.quoted[0] && x.name.parts[0] === 'ROWNUM';
  const num = (x: Expr) => (x.k === 'num' && /^\d+$/.test(x.text) ? Number(x.text) : undefined);
  let op = e.op;
  let n: number | undefined;
  if (isRownum(e.left)) n = num(e.right);
  else if (isRownum(e.right)) {
    n = num(e.left);
    op = ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=' } as Record<string, string>)[op] ?? op;
    op = op === '>' ? '<' : op === '>=' ? '<=' : op === '<' ? '>' : op === '<=' ? '>=' : op;
  }
  if (n === undefined) return undefined;
  if (op === '<=') return n;
  if (op === '<') return Math.max(n - 1, 0);
  if (op === '=' && n === 1) return 1;
  return undefined;
}

export function hasAggregate(e: Expr): boolean {
  if (e.k === 'call') {
    if (e.name.parts.length === 1 && AGGREGATES.has(e.name.parts[0]!) && !e.over) return true;
    return e.args.some(hasAggregate);
  }
  if (e.k === 'binary') return hasAggregate(e.left) || hasAggregate(e.right);
  if (e.k === 'paren' || e.k === 'unary' || e.k === 'cast') return hasAggregate(e.e);
  if (e.k === 'case') return e.whens.some((w) => hasAggregate(w.then) || hasAggregate(w.when)) || (e.else ? hasAggregate(e.else) : false);
  return false;
}

/** Whether a query reads a table of this (one-part) name: a recursive WITH element reads itself. */
export function queryReadsTable(q: Query, name: string): boolean {
  const inFrom = (f: FromItem): boolean => {
    if (f.k === 'table') return f.name.parts.length === 1 && f.name.parts[0] === name;
    if (f.k === 'subquery') return queryReadsTable(f.q, name);
    if (f.k === 'json_table') return false;
    return inFrom(f.left) || inFrom(f.right);
  };
  const inSet = (s: SetExpr): boolean => {
    if (s.k === 'select') return s.s.from.some(inFrom);
    if (s.k === 'query') return queryReadsTable(s.q, name);
    return inSet(s.left) || inSet(s.right);
  };
  return inSet(q.body);
}
