/**
 * The syntax tree of the Oracle SQL the converter reads: expressions (defaults, CHECK conditions,
 * index expressions, partition bounds) and queries (views, materialized views).
 */
import type { OracleType } from './oracle-type.js';

/** A dotted name as written: parts as Oracle stores them, and which were quoted. */
export interface NameRef {
  readonly parts: readonly string[];
  readonly quoted: readonly boolean[];
}

export type Expr =
  | { readonly k: 'num'; readonly text: string }
  | { readonly k: 'str'; readonly value: string }
  | { readonly k: 'null' }
  | { readonly k: 'bool'; readonly value: boolean }
  /** A column, pseudo-column (SYSDATE, ROWNUM, …) or `seq.NEXTVAL`; `outer` marks Oracle's `(+)`. */
  | { readonly k: 'name'; readonly name: NameRef; readonly outer?: boolean }
  | { readonly k: 'star'; readonly qualifier?: NameRef }
  | CallExpr
  | { readonly k: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly k: 'unary'; readonly op: string; readonly e: Expr }
  | { readonly k: 'paren'; readonly e: Expr }
  | { readonly k: 'row'; readonly items: readonly Expr[] }
  | {
    readonly k: 'case'; readonly operand?: Expr; readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
    readonly else?: Expr;
  }
  | { readonly k: 'subquery'; readonly q: Query }
  | { readonly k: 'exists'; readonly q: Query }
  | { readonly k: 'in'; readonly e: Expr; readonly not: boolean; readonly list?: readonly Expr[]; readonly q?: Query }
  | { readonly k: 'between'; readonly e: Expr; readonly lo: Expr; readonly hi: Expr; readonly not: boolean }
  | { readonly k: 'like'; readonly e: Expr; readonly pattern: Expr; readonly escape?: Expr; readonly not: boolean; readonly op: string }
  | { readonly k: 'is'; readonly e: Expr; readonly not: boolean; readonly what: 'NULL' | 'JSON' | 'NAN' | 'INFINITE' }
  | {
    readonly k: 'quantified'; readonly op: string; readonly e: Expr; readonly quantifier: 'ANY' | 'ALL';
    readonly list?: readonly Expr[]; readonly q?: Query;
  }
  | { readonly k: 'cast'; readonly e: Expr; readonly type: OracleType }
  | { readonly k: 'extract'; readonly field: string; readonly e: Expr }
  | { readonly k: 'trim'; readonly spec?: string; readonly chars?: Expr; readonly e: Expr }
  /** `DATE '…'`, `TIMESTAMP '…'`, `INTERVAL '…' DAY TO SECOND`; `qualifier` is the interval's fields. */
  | { readonly k: 'typed'; readonly type: 'DATE' | 'TIMESTAMP' | 'INTERVAL'; readonly value: string; readonly qualifier?: string }
  | { readonly k: 'attz'; readonly e: Expr; readonly zone: Expr | 'LOCAL' }
  /** `TRANSLATE(e USING NCHAR_CS)`: a character set conversion, meaningless in PostgreSQL. */
  | { readonly k: 'charset'; readonly e: Expr }
  /** `(e).field`: an attribute of an object-type value; `treat` marks Oracle's TREAT(e AS type). */
  | { readonly k: 'field'; readonly e: Expr; readonly field: string }
  | { readonly k: 'treat'; readonly e: Expr };

export interface CallExpr {
  readonly k: 'call';
  readonly name: NameRef;
  readonly args: readonly Expr[];
  readonly distinct?: boolean;
  /** `COUNT(*)`. */
  readonly star?: boolean;
  readonly over?: WindowSpec;
  readonly withinGroup?: readonly OrderItem[];
  /** LISTAGG's `ON OVERFLOW …` clause was given. */
  readonly overflow?: boolean;
}

export interface WindowSpec {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  /** `ROWS|RANGE BETWEEN … AND …` in PostgreSQL form (the same words), or undefined. */
  readonly frame?: { readonly unit: string; readonly start: FrameBound; readonly end?: FrameBound };
}

export type FrameBound =
  | { readonly k: 'unbounded'; readonly dir: 'PRECEDING' | 'FOLLOWING' }
  | { readonly k: 'current' }
  | { readonly k: 'offset'; readonly e: Expr; readonly dir: 'PRECEDING' | 'FOLLOWING' };

export interface OrderItem {
  readonly e: Expr;
  readonly desc?: boolean;
  readonly nulls?: 'FIRST' | 'LAST';
}

export interface Query {
  readonly with?: readonly Cte[];
  readonly body: SetExpr;
  readonly orderBy?: readonly OrderItem[];
  readonly offset?: Expr;
  readonly fetch?: { readonly count?: Expr; readonly withTies: boolean };
  /** LIMIT added by the converter for `WHERE ROWNUM <= n`. */
  readonly limit?: Expr;
}

export interface Cte {
  readonly name: string;
  readonly quoted: boolean;
  readonly columns?: readonly string[];
  readonly q: Query;
}

export type SetExpr =
  | { readonly k: 'select'; readonly s: Select }
  | { readonly k: 'set'; readonly op: 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT'; readonly left: SetExpr; readonly right: SetExpr }
  | { readonly k: 'query'; readonly q: Query };

export interface SelectItem {
  readonly e: Expr;
  readonly alias?: { readonly name: string; readonly quoted: boolean };
  /** The item's source text, from which Oracle derives the name of an unaliased expression column. */
  readonly source: string;
}

export interface Select {
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: readonly FromItem[];
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  /** A hierarchical query: START WITH and CONNECT BY (whose PRIOR operands are `unary` PRIOR nodes). */
  readonly hierarchy?: { readonly startWith?: Expr; readonly connectBy: Expr; readonly nocycle: boolean };
}

/** A column of JSON_TABLE. */
export type JsonTableColumn =
  | { readonly k: 'value'; readonly name: string; readonly type: OracleType; readonly path: string; readonly formatJson: boolean; readonly exists: boolean }
  | { readonly k: 'ordinality'; readonly name: string }
  | { readonly k: 'nested'; readonly path: string; readonly columns: readonly JsonTableColumn[] };

export type FromItem =
  | { readonly k: 'table'; readonly name: NameRef; readonly alias?: string }
  | { readonly k: 'json_table'; readonly doc: Expr; readonly path: string; readonly columns: readonly JsonTableColumn[]; readonly alias?: string }
  | { readonly k: 'subquery'; readonly q: Query; readonly alias?: string; readonly lateral: boolean }
  | {
    readonly k: 'join'; readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS'; readonly natural: boolean;
    readonly lateral?: boolean; readonly left: FromItem; readonly right: FromItem; readonly on?: Expr;
    readonly using?: readonly string[];
  };
