/**
 * Converts one Oracle expression or query on its own, outside a DDL script: what the schema
 * converter does for a DEFAULT, CHECK, index expression or view, for callers (and tests) that hold
 * just the expression.
 */
import type { PendingNote } from './conversion-note.js';
import { oracleNameToPg } from './oracle-name.js';
import { parseOracleType } from './oracle-type.js';
import { tokenizeOracle } from './oracle-tokenizer.js';
import { parseExpressionTokens, parseQueryTokens } from './sql-parser.js';
import { SqlPrinter, blankPaddedType, ident, type ExprMode, type RelationInfo, type SqlEnvironment } from './sql-printer.js';
import { TokenCursor } from './token-cursor.js';
import { mapOracleType, type ValueKind } from './type-mapping.js';

/** Options of {@link convertOracleExpression} and {@link convertOracleQuery}. */
export interface ExpressionOptions {
  /** Where the expression is used (default `check`). */
  readonly mode?: ExprMode;
  /** The Oracle schema unqualified names are in (default `APP`). */
  readonly schema?: string;
  /**
   * Tables the expression may read, by Oracle stored name, each with its columns and their Oracle
   * types (`{ EMP: { HIRED: 'DATE', SALARY: 'NUMBER(8,2)' } }`). For CHECK, DEFAULT and index
   * expressions the first table's columns are the bare column names.
   */
  readonly tables?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** For a DEFAULT: the Oracle type of the column it fills. */
  readonly targetType?: string;
  /** PL/SQL functions and packages the expression might call (stored names). */
  readonly plsql?: readonly string[];
  readonly targetPgMajor?: number;
}

/** The PostgreSQL text and the notes of a conversion. */
export interface ExpressionConversion {
  readonly sql: string;
  readonly notes: readonly PendingNote[];
}

/**
 * Converts an Oracle expression. Raises `UnconvertibleError` (with a code) for what has no
 * PostgreSQL form.
 *
 * @example
 * convertOracleExpression("NVL(hired, SYSDATE) + 1", { tables: { EMP: { HIRED: 'DATE' } } }).sql;
 * // "(COALESCE(hired, date_trunc('second', statement_timestamp())::timestamp(0)) + 1 * INTERVAL '1 day')"
 */
export function convertOracleExpression(text: string, options: ExpressionOptions = {}): ExpressionConversion {
  const printer = makePrinter(options);
  const sql = printer.expr(parseExpressionTokens(tokenizeOracle(text), text));
  return { sql, notes: printer.notes };
}

/** Converts an Oracle query (a view's SELECT). */
export function convertOracleQuery(text: string, options: ExpressionOptions = {}): ExpressionConversion {
  const printer = makePrinter({ mode: 'view', ...options });
  const sql = printer.query(parseQueryTokens(tokenizeOracle(text), text));
  return { sql, notes: printer.notes };
}

function kindOf(typeText: string): ValueKind {
  return mapOracleType(parseOracleType(new TokenCursor(tokenizeOracle(typeText)))).kind;
}

function makePrinter(options: ExpressionOptions): SqlPrinter {
  const schema = options.schema ?? 'APP';
  const relations = new Map<string, RelationInfo>();
  for (const [table, columns] of Object.entries(options.tables ?? {})) {
    const kinds = new Map(Object.entries(columns).map(([c, t]) => [c, kindOf(t)]));
    const blankPadded = new Map(Object.entries(columns).flatMap(([c, t]) => {
      const padded = blankPaddedType(parseOracleType(new TokenCursor(tokenizeOracle(t))));
      return padded ? [[c, padded] as const] : [];
    }));
    relations.set(table, { sql: `${ident(schema)}.${ident(table)}`, columns: kinds, blankPadded });
  }
  const plsql = new Set(options.plsql ?? []);
  const env: SqlEnvironment = {
    defaultSchema: schema,
    schemaName: (s) => oracleNameToPg(s),
    relation: (s, name) => (s === schema ? relations.get(name) : undefined),
    plsqlUnit: (_s, name) => plsql.has(name),
    targetPgMajor: options.targetPgMajor ?? 15,
  };
  const first = Object.keys(options.tables ?? {})[0];
  const mode = options.mode ?? 'check';
  return new SqlPrinter(env, {
    mode,
    ...(first && mode !== 'view' ? { table: { key: first, relation: relations.get(first)! } } : {}),
    ...(options.targetType ? { targetKind: kindOf(options.targetType) } : {}),
  });
}
