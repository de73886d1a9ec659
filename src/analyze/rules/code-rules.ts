import { scanSync } from 'libpg-query';
import type { CreateFunctionStmt, Node, TypeName } from 'libpg-query';
import { embeddedCodeOf } from '../body-scanner.js';
import type { RoutineVariable } from '../body-scanner.js';
import { columnTypeOf, nodeAs, relationName, stringValues, unwrap, walkAst } from '../ast-helpers.js';
import type { ParsedStatement } from '../ddl-parser.js';
import { identifyObject } from '../object-identity.js';
import { ALL_VERSIONS, PG11_BASED_ONLY } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { RuleContext, RuleHit, SchemaRule } from './schema-rule.js';

/** One hit for the statement's object, listing what was found; the category follows where it was found. */
function hitFor(statement: ParsedStatement, found: ReadonlySet<string>): RuleHit[] {
  const identity = identifyObject(statement.node);
  if (identity === undefined || found.size === 0) return [];
  return [{
    objectType: identity.objectType,
    objectName: identity.objectName,
    category: embeddedCodeOf(statement).inRoutine ? 'unsupported_plpgsql' : 'unsupported_feature',
    detail: [...found].sort().join(', '),
  }];
}

const NON_DECIMAL = /^0[xob]/i;

/**
 * Non-decimal integer literals (`0x1F`, `0o17`, `0b101`, PostgreSQL 16) in the code. The parser
 * turns them into plain numbers, so the tokens of the text are read instead.
 */
function nonDecimalLiterals(text: string): string[] {
  try {
    return scanSync(text).tokens
      .filter((t) => (t.tokenName === 'ICONST' || t.tokenName === 'FCONST') && NON_DECIMAL.test(t.text))
      .map((t) => t.text);
  } catch {
    return [...text.matchAll(/(?<![\w$.])0[xob][0-9a-f_]+/gi)].map((m) => m[0]);
  }
}

/** Columns of type jsonb (domains resolved) of the tables a statement names. */
function jsonbColumnsOf(ast: unknown, ctx: RuleContext): Set<string> {
  const out = new Set<string>();
  walkAst(ast, (kind, value) => {
    if (kind !== 'RangeVar' && kind !== 'CreateStmt' && kind !== 'IndexStmt' && kind !== 'AlterTableStmt') return;
    const rel = kind === 'RangeVar' ? value : (value['relation'] as Record<string, unknown> | undefined);
    const table = ctx.catalog.findTable(relationName(rel as Parameters<typeof relationName>[0]));
    for (const [name, column] of table?.columns ?? []) {
      const type = ctx.catalog.resolveDomain(column.type);
      if (type.name === 'jsonb' && !type.isArray) out.add(name);
    }
  });
  return out;
}

/**
 * For each parameter and variable name, whether it is jsonb (domains resolved). A name declared more than
 * once (nested blocks) is jsonb only if every declaration is, so that a text[] variable is never taken for one.
 */
function jsonbVariablesOf(variables: readonly RoutineVariable[], ctx: RuleContext): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const variable of variables) {
    const type = variable.type === undefined ? undefined : ctx.catalog.resolveDomain(variable.type);
    const jsonb = type?.name === 'jsonb' && !type.isArray;
    out.set(variable.name, jsonb && out.get(variable.name) !== false);
  }
  return out;
}

/**
 * Whether a subscripted expression is a jsonb value: a cast to jsonb, a jsonb parameter or variable
 * (by its bare name or as `$n`), or a known jsonb column. A bare name that is a variable is the variable,
 * whatever the columns of the tables are called.
 */
function isJsonb(arg: Node | undefined, jsonbColumns: ReadonlySet<string>, variables: ReadonlyMap<string, boolean>): boolean {
  if (arg === undefined) return false;
  const [kind, body] = unwrap(arg);
  if (kind === 'TypeCast') return columnTypeOf(body['typeName'] as TypeName | undefined).name === 'jsonb';
  if (kind === 'ColumnRef') {
    const fields = stringValues(body['fields'] as Node[] | undefined);
    const last = fields[fields.length - 1];
    if (last === undefined) return false;
    const variable = fields.length === 1 ? variables.get(last) : undefined;
    return variable ?? jsonbColumns.has(last);
  }
  if (kind === 'ParamRef') return variables.get(`$${String(body['number'])}`) === true;
  return false;
}

/** DDL statement kinds whose effect a rollback of the calling transaction would have to undo. */
const DDL_NODES: Readonly<Record<string, string>> = {
  CreateStmt: 'create table', AlterTableStmt: 'alter table', DropStmt: 'drop', IndexStmt: 'create index',
  ViewStmt: 'create view', CreateSeqStmt: 'create sequence', AlterSeqStmt: 'alter sequence', RenameStmt: 'rename',
  CreateTableAsStmt: 'create table as', CreateSchemaStmt: 'create schema', CreateFunctionStmt: 'create function',
  CreateTrigStmt: 'create trigger', AlterObjectSchemaStmt: 'set schema',
};

/** Rules that read the code itself (function bodies, views, defaults): literals, subscripts, declarations. */
export const codeRules: SchemaRule[] = [
  {
    id: 'non-decimal-integer-literal',
    category: 'unsupported_plpgsql',
    title: 'Non-decimal integer literal (0x…, 0o…, 0b…; PostgreSQL 16)',
    suggestion: 'Hexadecimal, octal and binary integer literals are newer than every YugabyteDB release. Write the number in decimal (0x1F is 31).',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => hitFor(s, new Set(embeddedCodeOf(s).sourceTexts.flatMap(nonDecimalLiterals))),
  },
  {
    id: 'jsonb-subscripting',
    category: 'unsupported_plpgsql',
    title: "jsonb subscripting (col['key']; PostgreSQL 14)",
    suggestion: "PG11-based YugabyteDB cannot subscript jsonb. Use the -> and ->> operators (data->'a'->>'b'), or target 2025.1 or later.",
    docsLink: DOCS.knownIssues,
    gate: PG11_BASED_ONLY,
    check: (s, ctx) => {
      const found = new Set<string>();
      const code = embeddedCodeOf(s);
      const jsonbVariables = jsonbVariablesOf(code.variables, ctx);
      for (const ast of code.asts) {
        const jsonbColumns = jsonbColumnsOf(ast, ctx);
        walkAst(ast, (kind, value) => {
          if (kind !== 'A_Indirection') return;
          const subscripted = ((value['indirection'] as Node[] | undefined) ?? []).some((n) => unwrap(n)[0] === 'A_Indices');
          if (subscripted && isJsonb(value['arg'] as Node | undefined, jsonbColumns, jsonbVariables)) found.add('jsonb[…]');
        });
      }
      return hitFor(s, found);
    },
  },
  {
    id: 'percent-type-declaration',
    category: 'unsupported_plpgsql',
    title: 'Type copied from a column with %TYPE',
    suggestion:
      'YugabyteDB rejects "table.column%TYPE" in routines ("invalid type name", issue 23619). Write the column\'s type itself (for example numeric) in the declaration.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const found = new Set<string>();
      const fn = nodeAs<CreateFunctionStmt>(s.node, 'CreateFunctionStmt');
      if (fn !== undefined) {
        walkAst([fn.parameters, fn.returnType], (kind, value) => {
          if (kind === 'TypeName' && value['pct_type'] === true) found.add(`${stringValues(value['names'] as Node[] | undefined).join('.')}%TYPE`);
        });
      }
      const code = embeddedCodeOf(s);
      for (const type of code.declaredTypes) if (/%type$/i.test(type)) found.add(type);
      for (const text of code.unparsedTexts) for (const m of text.matchAll(/[\w."]+%type\b/gi)) found.add(m[0]);
      return hitFor(s, found);
    },
  },
  {
    id: 'ddl-in-routine',
    category: 'migration_caveat',
    title: 'DDL inside a function, procedure or DO block',
    suggestion:
      'A routine runs inside the caller\'s transaction, and YugabyteDB does not make DDL part of a transaction (issue 1404): a rollback leaves the DDL done. Run the DDL outside transactions (in a migration step), or make the routine safe to re-run.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const code = embeddedCodeOf(s);
      if (!code.inRoutine) return [];
      const found = new Set<string>();
      for (const ast of code.asts) {
        walkAst(ast, (kind) => {
          const what = DDL_NODES[kind];
          if (what !== undefined) found.add(what);
        });
      }
      for (const text of code.unparsedTexts) {
        for (const m of text.matchAll(/\b(create|alter|drop)\s+(table|index|view|sequence|schema|function|trigger)\b/gi)) {
          found.add(`${m[1]} ${m[2]}`.toLowerCase());
        }
      }
      // The DDL works; what differs is a rollback: a caveat, not an unsupported feature.
      return hitFor(s, found).map((hit) => ({ ...hit, category: 'migration_caveat' as const }));
    },
  },
];
