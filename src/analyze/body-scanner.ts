import { parsePlPgSQLSync, parseSync, scanSync } from 'libpg-query';
import type { CreateFunctionStmt, FunctionParameter, Node, TypeName } from 'libpg-query';
import { columnTypeOf, defElemValue, nodeAs, unwrap, walkAst } from './ast-helpers.js';
import type { ColumnType } from './ast-helpers.js';
import type { ParsedStatement } from './ddl-parser.js';

/** The SQL a statement runs or embeds, for rules about application-level constructs. */
export interface EmbeddedCode {
  /** Parsed SQL: the statement itself, or the queries of a function body. */
  readonly asts: unknown[];
  /** Body text the parser could not take apart; rules fall back to matching words in it. */
  readonly unparsedTexts: string[];
  /** True for function, procedure and DO bodies. */
  readonly inRoutine: boolean;
  /** The code as written: a routine's SQL or PL/pgSQL body, or the statement itself. */
  readonly sourceTexts: string[];
  /** Types of the variables a PL/pgSQL body declares, as written (`employees.salary%TYPE`). */
  readonly declaredTypes: string[];
  /**
   * Parameters (by name and as `$n`) and PL/pgSQL variables of a routine, with their declared types;
   * the type is undefined when it cannot be read without the database (`t.col%TYPE`).
   */
  readonly variables: RoutineVariable[];
}

/** A name a routine body can use as a value: a parameter or a declared PL/pgSQL variable. */
export interface RoutineVariable {
  readonly name: string;
  readonly type: ColumnType | undefined;
}

const cache = new WeakMap<ParsedStatement, EmbeddedCode>();

/**
 * Collects the code of a statement: for a function, procedure or DO block its body (a PL/pgSQL body is
 * split into its embedded queries by the PL/pgSQL parser, each of which is parsed as SQL); for any
 * other statement the statement itself (a view's query, a trigger's WHEN clause, ...).
 */
export function embeddedCodeOf(statement: ParsedStatement): EmbeddedCode {
  const cached = cache.get(statement);
  if (cached !== undefined) return cached;
  const code = collect(statement);
  cache.set(statement, code);
  return code;
}

function collect(statement: ParsedStatement): EmbeddedCode {
  const fn = nodeAs<CreateFunctionStmt>(statement.node, 'CreateFunctionStmt');
  if (fn !== undefined) {
    const language = (defElemValue(fn.options, 'language') ?? 'sql').toLowerCase();
    const body = defElemValue(fn.options, 'as');
    const code: EmbeddedCode = {
      asts: [], unparsedTexts: [], inRoutine: true, sourceTexts: [], declaredTypes: [], variables: parameterVariables(fn, language),
    };
    if (fn.sql_body !== undefined) {
      code.asts.push(fn.sql_body);
      code.sourceTexts.push(statement.sql);
    }
    if (body !== undefined && (language === 'sql' || language === 'plpgsql')) code.sourceTexts.push(body);
    if (body !== undefined) {
      if (language === 'sql') addSql(code, body);
      else if (language === 'plpgsql') addPlpgsql(code, statement.sql, body, fn.parameters?.length ?? 0);
      // C, plpython, ... bodies are not SQL; nothing to scan.
    }
    return code;
  }
  const doStmt = nodeAs<{ args?: Node[] }>(statement.node, 'DoStmt');
  if (doStmt !== undefined) {
    const body = defElemValue(doStmt.args, 'as') ?? '';
    const language = (defElemValue(doStmt.args, 'language') ?? 'plpgsql').toLowerCase();
    const code: EmbeddedCode = {
      asts: [], unparsedTexts: [], inRoutine: true, sourceTexts: language === 'plpgsql' ? [body] : [], declaredTypes: [], variables: [],
    };
    if (language === 'plpgsql') {
      // The PL/pgSQL parser wants a function definition; wrap the block in one.
      const tag = uniqueDollarTag(body);
      addPlpgsql(code, `CREATE FUNCTION tandem_do_block() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`, body, 0);
    }
    return code;
  }
  return { asts: [statement.node], unparsedTexts: [], inRoutine: false, sourceTexts: [statement.sql], declaredTypes: [], variables: [] };
}

/** Modes of parameters that are not arguments of a call; a SQL function does not number them as `$n`. */
const OUTPUT_ONLY_MODES: ReadonlySet<string> = new Set(['FUNC_PARAM_OUT', 'FUNC_PARAM_TABLE']);

/**
 * The parameters of a function by name and as `$n`. PL/pgSQL numbers every parameter (OUT ones too),
 * a SQL function only the arguments of a call.
 */
function parameterVariables(fn: CreateFunctionStmt, language: string): RoutineVariable[] {
  const out: RoutineVariable[] = [];
  let position = 0;
  for (const node of fn.parameters ?? []) {
    const param = nodeAs<FunctionParameter>(node, 'FunctionParameter');
    if (param === undefined) continue;
    const type = param.argType?.pct_type === true ? undefined : columnTypeOf(param.argType);
    if (param.name !== undefined && param.name !== '') out.push({ name: param.name, type });
    if (language === 'plpgsql' || !OUTPUT_ONLY_MODES.has(param.mode ?? '')) out.push({ name: `$${++position}`, type });
  }
  return out;
}

function addSql(code: EmbeddedCode, sql: string): void {
  try {
    code.asts.push(...(parseSync(sql).stmts ?? []).map((s) => s.stmt));
  } catch {
    code.unparsedTexts.push(sql);
  }
}

/** The parsed PL/pgSQL functions; their `datums` are the parameters first, then the variables. */
interface ParsedPlpgsql {
  readonly plpgsql_funcs?: { readonly PLpgSQL_function?: { readonly datums?: Node[] } }[];
}

function addPlpgsql(code: EmbeddedCode, createFunctionSql: string, body: string, parameterCount: number): void {
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(createFunctionSql);
  } catch {
    code.unparsedTexts.push(body);
    return;
  }
  const queries: string[] = [];
  walkAst(parsed, (kind, value) => {
    if (kind === 'PLpgSQL_expr' && typeof value['query'] === 'string') {
      const assignment = ASSIGNMENT_PARSE_MODES.has(Number(value['parseMode'])) ? splitAssignment(value['query']) : undefined;
      queries.push(...(assignment ?? [value['query']]));
    }
    if (kind === 'PLpgSQL_type' && typeof value['typname'] === 'string') code.declaredTypes.push(value['typname']);
  });
  // The parser knows no user types and shows a domain-typed parameter as `record`: parameters come
  // from the CREATE FUNCTION itself, the datums after them are the declared variables.
  for (const fn of (parsed as ParsedPlpgsql).plpgsql_funcs ?? []) {
    for (const datum of (fn.PLpgSQL_function?.datums ?? []).slice(parameterCount)) {
      const [kind, value] = unwrap(datum);
      if (kind !== 'PLpgSQL_var' && kind !== 'PLpgSQL_rec') continue;
      const name = value['refname'];
      const typname = nodeAs<{ typname?: string }>(value['datatype'] as Node | undefined, 'PLpgSQL_type')?.typname;
      if (typeof name === 'string' && typname !== undefined) code.variables.push({ name, type: typeFromText(typname) });
    }
  }
  for (const query of queries) {
    const ast = parseEmbeddedQuery(query);
    if (ast !== undefined) code.asts.push(ast);
    else code.unparsedTexts.push(query);
  }
}

/** `parseMode` of a PL/pgSQL assignment (`target := value`), one per depth of a dotted target. */
const ASSIGNMENT_PARSE_MODES: ReadonlySet<number> = new Set([3, 4, 5]);

/**
 * The target and the value of a PL/pgSQL assignment as two expressions (`j['a']` and `'1'` of
 * `j['a'] := '1'`), so that rules see subscripts on the left too. Undefined when the text has no
 * top-level `:=` or `=`.
 */
function splitAssignment(query: string): [string, string] | undefined {
  let tokens;
  try {
    tokens = scanSync(query).tokens;
  } catch {
    return undefined;
  }
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '[' || token.text === '(') depth++;
    else if (token.text === ']' || token.text === ')') depth--;
    else if (depth === 0 && (token.text === ':=' || token.text === '=')) return [query.slice(0, token.start), query.slice(token.end)];
  }
  return undefined;
}

/** A type written as PL/pgSQL shows it (`jsonb`, `text[]`, `s2.jdom`), or undefined (`t.col%TYPE`). */
function typeFromText(typname: string): ColumnType | undefined {
  // `%TYPE` and `%ROWTYPE` name a column or table, not a type; `NULL::t.c%TYPE` would parse as a modulo.
  if (typname.includes('%')) return undefined;
  try {
    const [stmt] = parseSync(`SELECT NULL::${typname}`).stmts ?? [];
    let typeName: TypeName | undefined;
    walkAst(stmt, (kind, value) => {
      if (kind === 'TypeCast' && typeName === undefined) typeName = value['typeName'] as TypeName | undefined;
    });
    return typeName === undefined ? undefined : columnTypeOf(typeName);
  } catch {
    return undefined;
  }
}

/**
 * PL/pgSQL hands over its queries as text: whole statements (`SELECT ...`, `NOTIFY x`), bare
 * expressions (`a > 1`) or assignments (`x := f()`). Try each form.
 */
function parseEmbeddedQuery(query: string): unknown {
  const assignment = /^\s*[\w."[\]]+\s*:?=\s*([\s\S]*)$/.exec(query);
  const candidates = [query, `SELECT ${query}`, ...(assignment?.[1] !== undefined ? [`SELECT ${assignment[1]}`] : [])];
  for (const candidate of candidates) {
    try {
      const stmts = parseSync(candidate).stmts ?? [];
      if (stmts.length > 0) return stmts.map((s) => s.stmt);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function uniqueDollarTag(body: string): string {
  let tag = '$tandem$';
  for (let i = 0; body.includes(tag); i++) tag = `$tandem${i}$`;
  return tag;
}

/** Last element of a function name, lower-cased (`pg_catalog.lo_import` -> `lo_import`). */
export function funcCallName(value: Record<string, unknown>): string {
  const names = (value['funcname'] as Node[] | undefined) ?? [];
  const last = names[names.length - 1];
  if (last === undefined) return '';
  const [, body] = unwrap(last);
  return String(body['sval'] ?? '').toLowerCase();
}
