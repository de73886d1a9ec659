import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { CreateFunctionStmt, Node } from 'libpg-query';
import { defElemValue, nodeAs, unwrap, walkAst } from './ast-helpers.js';
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
    const code: EmbeddedCode = { asts: [], unparsedTexts: [], inRoutine: true, sourceTexts: [], declaredTypes: [] };
    if (fn.sql_body !== undefined) {
      code.asts.push(fn.sql_body);
      code.sourceTexts.push(statement.sql);
    }
    if (body !== undefined && (language === 'sql' || language === 'plpgsql')) code.sourceTexts.push(body);
    if (body !== undefined) {
      if (language === 'sql') addSql(code, body);
      else if (language === 'plpgsql') addPlpgsql(code, statement.sql, body);
      // C, plpython, ... bodies are not SQL; nothing to scan.
    }
    return code;
  }
  const doStmt = nodeAs<{ args?: Node[] }>(statement.node, 'DoStmt');
  if (doStmt !== undefined) {
    const body = defElemValue(doStmt.args, 'as') ?? '';
    const language = (defElemValue(doStmt.args, 'language') ?? 'plpgsql').toLowerCase();
    const code: EmbeddedCode = { asts: [], unparsedTexts: [], inRoutine: true, sourceTexts: language === 'plpgsql' ? [body] : [], declaredTypes: [] };
    if (language === 'plpgsql') {
      // The PL/pgSQL parser wants a function definition; wrap the block in one.
      const tag = uniqueDollarTag(body);
      addPlpgsql(code, `CREATE FUNCTION tandem_do_block() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`, body);
    }
    return code;
  }
  return { asts: [statement.node], unparsedTexts: [], inRoutine: false, sourceTexts: [statement.sql], declaredTypes: [] };
}

function addSql(code: EmbeddedCode, sql: string): void {
  try {
    code.asts.push(...(parseSync(sql).stmts ?? []).map((s) => s.stmt));
  } catch {
    code.unparsedTexts.push(sql);
  }
}

function addPlpgsql(code: EmbeddedCode, createFunctionSql: string, body: string): void {
  let parsed: unknown;
  try {
    parsed = parsePlPgSQLSync(createFunctionSql);
  } catch {
    code.unparsedTexts.push(body);
    return;
  }
  const queries: string[] = [];
  walkAst(parsed, (kind, value) => {
    if (kind === 'PLpgSQL_expr' && typeof value['query'] === 'string') queries.push(value['query']);
    if (kind === 'PLpgSQL_type' && typeof value['typname'] === 'string') code.declaredTypes.push(value['typname']);
  });
  for (const query of queries) {
    const ast = parseEmbeddedQuery(query);
    if (ast !== undefined) code.asts.push(ast);
    else code.unparsedTexts.push(query);
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
