/**
 * The few places where a MySQL expression means something else, or nothing, in PostgreSQL because
 * of its operands' types, which the token translator cannot see on its own: it looks up the
 * columns a comparison or an addition names (through the query's table aliases) in the catalog.
 * Pure, on the MySQL tokens before translation.
 *
 * - A BIT column compared with a number (`WHERE discontinued = 0`, Northwind's views): MySQL
 *   compares the bits as an unsigned integer; PostgreSQL has no `bit = integer` operator and refuses
 *   the whole CREATE VIEW. The number becomes a bit string of the column's width (`B'0'`), which
 *   PostgreSQL compares the same way.
 * - A BIT column alone as a condition (`WHERE discontinued`, `x AND NOT flag`, `IF(flag, …)`): MySQL
 *   takes its bits as a number, true unless 0; the translator would write `(flag) <> 0`, which
 *   PostgreSQL refuses for the same reason. It becomes `flag <> B'0'` (zeros of the column's width).
 * - `+` between text (`first_name + ' ' + last_name`, the same views): MySQL adds the numbers the
 *   strings start with (usually 0); PostgreSQL has no such operator. Not converted, with the reason.
 */
import { tableAliases } from './group-by-completion.js';
import type { MySqlToken } from './mysql-lexer.js';

/** What the translation knows of one column. */
export interface OperandColumn {
  readonly dataType: string;
  /** BIT's width. */
  readonly bitWidth?: number;
  /** DECIMAL's scale. */
  readonly numericScale?: number;
  /** A text column's collation. */
  readonly collation?: string;
  /** Set for a generated column (a PostgreSQL generated column cannot read one). */
  readonly generated?: true;
  /** An ENUM's labels: the only texts its PostgreSQL enum type takes. */
  readonly members?: readonly string[];
}

/** What the pass needs to know about the database's columns. */
export interface OperandTypes {
  readonly database: string;
  /** MySQL DATA_TYPE and, for BIT, the width of each column, by table name and column name. */
  readonly columns?: ReadonlyMap<string, ReadonlyMap<string, OperandColumn>>;
  /** The table an unqualified name belongs to (a CHECK, a generated column, a default). */
  readonly table?: string;
}

export type TypedOperandsResult =
  | { readonly ok: true; readonly tokens: MySqlToken[] }
  | { readonly ok: false; readonly reason: string };

const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '<=>']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^', '&', '|', '<<', '>>', '~']);
/** MySQL's text types (a collation applies to them). */
export const TEXT_TYPES: ReadonlySet<string> = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const CLAUSE_END = new Set(['where', 'group', 'having', 'order', 'limit', 'window', 'union', 'for', 'into', 'lock']);
/** Words after which, and before which, an operand is a whole condition. */
const CONDITION_BEFORE = new Set(['where', 'and', 'or', 'not', 'when', 'on', 'having', 'xor']);
const CONDITION_AFTER = new Set(['and', 'or', 'then', 'xor', ...CLAUSE_END]);

const isOp = (t: MySqlToken | undefined, v: string): boolean => t?.type === 'op' && t.value === v;
const isWord = (t: MySqlToken | undefined, w: string): boolean => t?.type === 'word' && t.value.toLowerCase() === w;

/** Every FROM clause's aliases, subqueries included (alias → table). */
function allAliases(tokens: readonly MySqlToken[], database: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'from')) continue;
    let depth = 0;
    let end = i + 1;
    for (; end < tokens.length; end++) {
      const t = tokens[end]!;
      if (isOp(t, '(')) depth++;
      else if (isOp(t, ')')) { if (depth === 0) break; depth--; }
      else if (depth === 0 && t.type === 'word' && CLAUSE_END.has(t.value.toLowerCase())) break;
    }
    for (const [alias, table] of tableAliases(tokens.slice(i + 1, end), database)) aliases.set(alias, table);
  }
  return aliases;
}

interface Operand {
  /** Index of the operand's first and last token. */
  readonly start: number;
  readonly end: number;
}

/** The dotted name ending at `end` (`a`.`b`.`c`), if the token there is a name. */
function nameEndingAt(tokens: readonly MySqlToken[], end: number): (Operand & { parts: string[] }) | undefined {
  if (tokens[end]?.type !== 'ident') return undefined;
  const parts = [(tokens[end] as { value: string }).value];
  let start = end;
  while (isOp(tokens[start - 1], '.') && tokens[start - 2]?.type === 'ident') {
    parts.unshift((tokens[start - 2] as { value: string }).value);
    start -= 2;
  }
  return { start, end, parts };
}

/** The dotted name starting at `start`, unless it is a call. */
function nameStartingAt(tokens: readonly MySqlToken[], start: number): (Operand & { parts: string[] }) | undefined {
  if (tokens[start]?.type !== 'ident') return undefined;
  const parts = [(tokens[start] as { value: string }).value];
  let end = start;
  while (isOp(tokens[end + 1], '.') && tokens[end + 2]?.type === 'ident') {
    parts.push((tokens[end + 2] as { value: string }).value);
    end += 2;
  }
  if (isOp(tokens[end + 1], '(')) return undefined;
  return { start, end, parts };
}

/**
 * Rewrites BIT comparisons with numbers and refuses `+` on text (see the file comment).
 *
 * @example
 * typedOperands(tokenizeMySql('`shop`.`item`.`gone` = 0'), { database: 'shop', columns: new Map([['item', new Map([['gone', { dataType: 'bit', bitWidth: 1 }]])]]) })
 * // → tokens of `shop`.`item`.`gone` = b'0'
 */
export function typedOperands(tokens: MySqlToken[], types: OperandTypes): TypedOperandsResult {
  const columns = types.columns;
  if (!columns || columns.size === 0) return { ok: true, tokens };
  const aliases = allAliases(tokens, types.database);
  const columnOf = (parts: readonly string[]) => {
    const column = parts[parts.length - 1]!;
    let table: string | undefined;
    if (parts.length === 3) table = parts[0] === types.database ? parts[1] : undefined;
    else if (parts.length === 2) table = aliases.get(parts[0]!) ?? (columns.has(parts[0]!) ? parts[0] : undefined);
    else table = types.table ?? (new Set(aliases.values()).size === 1 ? [...aliases.values()][0] : undefined);
    return table === undefined ? undefined : columns.get(table)?.get(column);
  };
  // An operand stands alone when nothing binds to it more tightly than the operator between them.
  const alone = (before: MySqlToken | undefined, after: MySqlToken | undefined) =>
    !(before?.type === 'op' && ARITHMETIC.has(before.value)) && !(after?.type === 'op' && (ARITHMETIC.has(after.value) || after.value === '.'));

  const out = [...tokens];
  const enumProblem = enumLiterals(out, columnOf);
  if (enumProblem) return { ok: false, reason: enumProblem };
  for (let k = 0; k < out.length; k++) {
    const op = out[k]!;
    if (op.type !== 'op') continue;
    if (COMPARISONS.has(op.value)) {
      const left = nameEndingAt(out, k - 1);
      const right = nameStartingAt(out, k + 1);
      const pairs: Array<[typeof left, number]> = [];
      if (left && out[k + 1]?.type === 'number' && alone(out[left.start - 1], undefined) && alone(undefined, out[k + 2])) pairs.push([left, k + 1]);
      if (right && out[k - 1]?.type === 'number' && alone(out[k - 2], undefined) && alone(undefined, out[right.end + 1])) pairs.push([right, k - 1]);
      for (const [ref, at] of pairs) {
        const column = columnOf(ref!.parts);
        const width = column?.dataType === 'bit' ? column.bitWidth : undefined;
        const literal = out[at] as { value: string; pos: number };
        if (width === undefined || !/^\d+$/.test(literal.value)) continue;
        const value = BigInt(literal.value);
        if (value >= 1n << BigInt(width)) continue;
        out[at] = { type: 'bits', value: value.toString(2).padStart(width, '0'), pos: literal.pos };
      }
    } else if (op.value === '+') {
      const before = out[k - 1];
      const after = out[k + 1];
      if (isWord(after, 'interval')) continue;
      const textual = (t: MySqlToken | undefined, ref: { parts: string[] } | undefined) =>
        t?.type === 'string' || (ref !== undefined && TEXT_TYPES.has(columnOf(ref.parts)?.dataType ?? ''));
      if (textual(before, nameEndingAt(out, k - 1)) || textual(after, nameStartingAt(out, k + 1))) {
        return { ok: false, reason: 'the + operator on text: MySQL adds the numbers the strings start with (usually 0), PostgreSQL has no such operator (to join text, CONCAT() converts)' };
      }
    }
  }
  return { ok: true, tokens: bareBitConditions(out, columnOf) };
}

/**
 * An ENUM column compared with a text (`=`, `<>`, …, `IN (…)`): MySQL compares the member's text in
 * the column's collation, PostgreSQL casts the text to the enum type and refuses one that is no
 * label (the schema-fidelity run: `st <> 'legacy'` stopped import schema). A text that is a label
 * stays; one equal to a label in a case-insensitive collation becomes that label (the same
 * comparison); any other text, or a number (MySQL compares the member's index), makes the
 * expression unconvertible, said with the reason (rewritten in place; undefined when all is well).
 */
function enumLiterals(tokens: MySqlToken[], columnOf: (parts: readonly string[]) => OperandColumn | undefined): string | undefined {
  const fix = (column: OperandColumn, name: string, at: number): string | undefined => {
    const t = tokens[at]!;
    if (t.type === 'number') return `a comparison of the ENUM column ${name} with a number, which MySQL takes for the member's position and PostgreSQL's enum does not`;
    if (t.type !== 'string' || column.members === undefined) return undefined;
    const members = column.members;
    // '' is a label of every converted enum (MySQL's index 0).
    if (t.value === '' || members.includes(t.value)) return undefined;
    const ci = /_ci$/i.test(column.collation ?? '');
    const same = ci ? members.filter((m) => m.toLowerCase() === t.value.toLowerCase()) : [];
    if (same.length === 1) {
      tokens[at] = { ...t, value: same[0]! };
      return undefined;
    }
    return `a comparison of the ENUM column ${name} with '${t.value}', which is not one of its labels: PostgreSQL's enum type refuses that text`;
  };
  for (let k = 0; k < tokens.length; k++) {
    const op = tokens[k]!;
    if (op.type === 'op' && COMPARISONS.has(op.value)) {
      for (const [ref, at] of [[nameEndingAt(tokens, k - 1), k + 1], [nameStartingAt(tokens, k + 1), k - 1]] as const) {
        const column = ref ? columnOf(ref.parts) : undefined;
        if (column?.dataType !== 'enum') continue;
        // Only a literal standing alone on the other side: `e = 'a' || x` is left as it was.
        const other = tokens[at];
        const next = at > k ? tokens[at + 1] : tokens[at - 1];
        if ((other?.type === 'string' || other?.type === 'number') && !(next?.type === 'op' && (ARITHMETIC.has(next.value) || next.value === '||'))) {
          const problem = fix(column, ref!.parts[ref!.parts.length - 1]!, at);
          if (problem) return problem;
        }
      }
    } else if (isWord(op, 'in') && isOp(tokens[k + 1], '(')) {
      const ref = nameEndingAt(tokens, isWord(tokens[k - 1], 'not') ? k - 2 : k - 1);
      const column = ref ? columnOf(ref.parts) : undefined;
      if (column?.dataType !== 'enum') continue;
      for (let i = k + 2; i < tokens.length && !isOp(tokens[i], ')'); i += 2) {
        if (!(tokens[i]?.type === 'string' || tokens[i]?.type === 'number') || !(isOp(tokens[i + 1], ',') || isOp(tokens[i + 1], ')'))) break;
        const problem = fix(column, ref!.parts[ref!.parts.length - 1]!, i);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

/** `flag` alone as a condition, for a BIT column: `flag <> B'0…'` (see the file comment). */
function bareBitConditions(tokens: MySqlToken[], columnOf: (parts: readonly string[]) => { readonly dataType: string; readonly bitWidth?: number } | undefined): MySqlToken[] {
  const out: MySqlToken[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const ref = nameStartingAt(tokens, k);
    if (!ref) {
      out.push(tokens[k]!);
      continue;
    }
    for (let i = k; i <= ref.end; i++) out.push(tokens[i]!);
    k = ref.end;
    const column = columnOf(ref.parts);
    if (column?.dataType !== 'bit' || column.bitWidth === undefined) continue;
    // IF(flag, a, b): the first argument is a condition.
    const ifArgument = isOp(tokens[ref.start - 1], '(') && isWord(tokens[ref.start - 2], 'if') && isOp(tokens[ref.end + 1], ',');
    // Parentheses around it alone (`WHERE (flag)`) change nothing: look past them on both sides.
    let b = ref.start - 1;
    while (isOp(tokens[b], '(')) b--;
    const opens = ref.start - 1 - b;
    let a = ref.end + 1;
    while (a - ref.end - 1 < opens && isOp(tokens[a], ')')) a++;
    const before = tokens[b];
    const after = tokens[a];
    const startsCondition = before?.type === 'word' && CONDITION_BEFORE.has(before.value.toLowerCase());
    const endsCondition = after === undefined || (after.type === 'word' && CONDITION_AFTER.has(after.value.toLowerCase()))
      || (isOp(after, ')') && a - ref.end - 1 === opens);
    if (ifArgument || (startsCondition && endsCondition)) {
      const pos = (tokens[ref.end] as { pos: number }).pos;
      out.push({ type: 'op', value: '<>', pos }, { type: 'bits', value: '0'.repeat(column.bitWidth), pos });
    }
  }
  return out;
}
