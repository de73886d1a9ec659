/**
 * Translates MySQL expressions and view queries (as the catalog prints them: backquoted names,
 * MariaDB's `db`.`table`.`column` qualification) into PostgreSQL. Pure.
 *
 * It converts only what it knows to mean the same on both sides: names, literals, comparison and
 * boolean operators, CASE, CAST to known types, a list of functions (GROUP_CONCAT as string_agg,
 * DATE_FORMAT as to_char, JSON paths as jsonb operators, …), with MySQL's numbers-as-conditions
 * made booleans and a view's incomplete GROUP BY completed (`group-by-completion.ts`). Anything
 * else (a function it does not know, MySQL-only operators such as `DIV`, `XOR`, `REGEXP`,
 * variables, `INTERVAL` arithmetic, `COLLATE`, …) makes the whole expression unconvertible, with
 * the reason, so the caller can export it as it is and report it instead of guessing.
 */
import { quoteIdent } from '../../../core/sql-names.js';
import { completeGroupBy } from './group-by-completion.js';
import { MySqlLexError, tokenizeMySql, type MySqlToken } from './mysql-lexer.js';
import { TEXT_TYPES, typedOperands, type OperandColumn, type OperandTypes } from './typed-operands.js';

/**
 * What a JSON path reads differently on PostgreSQL (jsonb): reported with every JSON path (found
 * incomplete by the mysql-schema-49 run: only the null case was said).
 */
const JSON_PATH_CAVEAT = 'JSON paths: a JSON null gives SQL NULL on PostgreSQL where MySQL\'s ->> and JSON_UNQUOTE give the text null; '
  + 'a key written twice in a document gives its last value on PostgreSQL (jsonb keeps the last) where MariaDB gives its first; '
  + 'a value converted to a column\'s type must be of that kind on PostgreSQL (a JSON string read into a DECIMAL column is refused there, where MariaDB stores 0)';

/** Where the expression lives, for name qualification. */
export interface TranslateContext {
  /** The MySQL database being migrated: `db`.x becomes `<targetSchema>`.x. */
  readonly database: string;
  /** The PostgreSQL schema the database maps to. */
  readonly targetSchema: string;
  /**
   * Primary key columns of the database's tables, by MySQL table name: a view's GROUP BY need not
   * list the other columns of a table whose key it groups by (PostgreSQL's functional dependency).
   */
  readonly primaryKeys?: ReadonlyMap<string, readonly string[]>;
  /**
   * The database's stored functions (lower case): a view that calls one cannot be created before
   * someone has rewritten the function on the target, which Tandem leaves to a person.
   */
  readonly storedFunctions?: ReadonlySet<string>;
  /**
   * The database's columns (MySQL DATA_TYPE, BIT width) by table: a BIT column compared with a
   * number and `+` on text need their operands' types (`typed-operands.ts`).
   */
  readonly columns?: OperandTypes['columns'];
  /** The table an unqualified column name belongs to, for a CHECK, generated column or default. */
  readonly table?: string;
}

export type TranslateResult =
  | { readonly ok: true; readonly sql: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly reason: string };

class Unconvertible extends Error {}

/** Words passed through as they are (upper-cased): SQL shared by both dialects. */
const KEYWORDS = new Set([
  'and', 'or', 'not', 'null', 'is', 'in', 'between', 'like', 'escape', 'case', 'when', 'then', 'else', 'end', 'as',
  'select', 'from', 'where', 'group', 'by', 'order', 'asc', 'desc', 'having', 'limit', 'offset', 'join', 'inner', 'left',
  'right', 'outer', 'cross', 'on', 'using', 'union', 'all', 'distinct', 'exists', 'true', 'false', 'unknown', 'any', 'some',
  'over', 'partition', 'rows', 'range', 'preceding', 'following', 'unbounded', 'current', 'row', 'both', 'leading', 'trailing',
]);

/** Niladic functions (no parentheses needed) and what they become. */
const NILADIC: Record<string, string> = {
  current_timestamp: 'LOCALTIMESTAMP', localtime: 'LOCALTIMESTAMP', localtimestamp: 'LOCALTIMESTAMP',
  current_date: 'CURRENT_DATE', current_time: 'LOCALTIME',
};

type FunctionHandler = (args: string[]) => string;
const same = (name: string, arity?: readonly number[]): FunctionHandler => (args) => {
  if (arity && !arity.includes(args.length)) throw new Unconvertible(`${name}() with ${args.length} arguments`);
  return `${name}(${args.join(', ')})`;
};
const extract = (field: string): FunctionHandler => (args) => {
  if (args.length !== 1) throw new Unconvertible(`${field.toLowerCase()}() with ${args.length} arguments`);
  return `CAST(EXTRACT(${field} FROM ${args[0]}) AS integer)`;
};

/** MySQL functions with a PostgreSQL equivalent of the same meaning. */
const FUNCTIONS: Record<string, FunctionHandler> = {
  abs: same('abs', [1]), ceil: same('ceil', [1]), ceiling: same('ceil', [1]), floor: same('floor', [1]), sign: same('sign', [1]),
  sqrt: same('sqrt', [1]), exp: same('exp', [1]), ln: same('ln', [1]), log10: same('log10', [1]), power: same('power', [2]),
  pow: same('power', [2]), mod: same('mod', [2]),
  round: (a) => {
    if (a.length === 1) return `round(${a[0]})`;
    if (a.length === 2) return `round(CAST(${a[0]} AS numeric), ${a[1]})`;
    throw new Unconvertible('round() with more than 2 arguments');
  },
  // MySQL's GREATEST and LEAST are NULL when any argument is; PostgreSQL's skip NULLs (measured by the
  // mysql-schema run: a generated column, a CHECK and a view computed 5 where MariaDB had NULL).
  greatest: nullIfAnyNull('greatest'), least: nullIfAnyNull('least'), coalesce: same('coalesce'), nullif: same('nullif', [2]),
  ifnull: same('coalesce', [2]),
  if: (a) => {
    if (a.length !== 3) throw new Unconvertible('if() without 3 arguments');
    return `CASE WHEN ${asCondition(a[0]!)} THEN ${a[1]} ELSE ${a[2]} END`;
  },
  isnull: (a) => {
    if (a.length !== 1) throw new Unconvertible('isnull() without 1 argument');
    return `(${a[0]} IS NULL)`;
  },
  lower: same('lower', [1]), lcase: same('lower', [1]), upper: same('upper', [1]), ucase: same('upper', [1]),
  length: same('octet_length', [1]), octet_length: same('octet_length', [1]), char_length: same('char_length', [1]),
  character_length: same('char_length', [1]),
  // CONCAT is NULL when any argument is; so is ||. Casting each part keeps || immutable (generated columns).
  concat: (a) => {
    if (a.length === 0) throw new Unconvertible('concat() without arguments');
    return a.length === 1 ? `CAST(${a[0]} AS text)` : `(${a.map((x) => `CAST(${x} AS text)`).join(' || ')})`;
  },
  // PostgreSQL's concat_ws is not immutable (a generated column refuses it). MySQL skips NULL
  // arguments and is NULL only for a NULL separator: each part is the separator and the argument
  // (NULL when the argument is), the first separator cut off.
  concat_ws: (a) => {
    if (a.length < 2) throw new Unconvertible(`concat_ws() with ${a.length} argument${a.length === 1 ? '' : 's'}`);
    const [sep, ...parts] = a as [string, ...string[]];
    const sepText = `CAST(${sep} AS text)`;
    const joined = parts.map((x) => `coalesce(${sepText} || CAST(${x} AS text), '')`).join(' || ');
    const literal = /^'((?:[^']|'')*)'$/.exec(sep);
    if (literal) return `substr(${joined}, ${[...literal[1]!.replace(/''/g, "'")].length + 1})`;
    return `CASE WHEN ${sep} IS NULL THEN NULL ELSE substr(${joined}, char_length(${sepText}) + 1) END`;
  },
  left: same('left', [2]), right: same('right', [2]), replace: same('replace', [3]), reverse: same('reverse', [1]),
  lpad: same('lpad', [3]), rpad: same('rpad', [3]), repeat: same('repeat', [2]), ltrim: same('ltrim', [1]), rtrim: same('rtrim', [1]),
  locate: (a) => {
    if (a.length !== 2) throw new Unconvertible('locate() with a start position');
    return `strpos(${a[1]}, ${a[0]})`;
  },
  instr: (a) => {
    if (a.length !== 2) throw new Unconvertible('instr() without 2 arguments');
    return `strpos(${a[0]}, ${a[1]})`;
  },
  now: (a) => { if (a.length > 1) throw new Unconvertible('now() with arguments'); return a.length ? `LOCALTIMESTAMP(${a[0]})` : 'LOCALTIMESTAMP'; },
  current_timestamp: (a) => (a.length ? `LOCALTIMESTAMP(${a[0]})` : 'LOCALTIMESTAMP'),
  localtimestamp: (a) => (a.length ? `LOCALTIMESTAMP(${a[0]})` : 'LOCALTIMESTAMP'),
  localtime: (a) => (a.length ? `LOCALTIMESTAMP(${a[0]})` : 'LOCALTIMESTAMP'),
  curdate: (a) => { if (a.length) throw new Unconvertible('curdate() with arguments'); return 'CURRENT_DATE'; },
  current_date: (a) => { if (a.length) throw new Unconvertible('current_date() with arguments'); return 'CURRENT_DATE'; },
  year: extract('YEAR'), month: extract('MONTH'), day: extract('DAY'), dayofmonth: extract('DAY'),
  hour: extract('HOUR'), minute: extract('MINUTE'), second: extract('SECOND'),
  // MariaDB's NEXTVAL(seq) / NEXT VALUE FOR seq default; the argument is the translated sequence name.
  nextval: (a) => {
    if (a.length !== 1) throw new Unconvertible('nextval() without 1 argument');
    return `nextval(${pgString(a[0]!)}::regclass)`;
  },
  count: same('count'), sum: same('sum'), avg: same('avg'), min: same('min'), max: same('max'),
  // Dates. TO_DAYS counts days from year 0, which (proleptic Gregorian) has 366 days.
  date: (a) => { one('date', a); return `CAST(${a[0]} AS date)`; },
  to_days: (a) => { one('to_days', a); return `(CAST(${a[0]} AS date) - DATE '0001-01-01' + 366)`; },
  datediff: (a) => {
    if (a.length !== 2) throw new Unconvertible(`datediff() with ${a.length} arguments`);
    return `(CAST(${a[0]} AS date) - CAST(${a[1]} AS date))`;
  },
  dayofweek: (a) => { one('dayofweek', a); return `(CAST(EXTRACT(DOW FROM ${a[0]}) AS integer) + 1)`; },
  dayofyear: extract('DOY'), quarter: extract('QUARTER'),
  date_format: (a) => {
    if (a.length !== 2) throw new Unconvertible(`date_format() with ${a.length} arguments`);
    return `to_char(CAST(${a[0]} AS timestamp), ${pgString(toCharFormat(literalText(a[1]!, 'date_format() with a format that is not a literal')))})`;
  },
  // SUBSTRING counts from the end for a negative start in MySQL; only literal positive positions mean the same.
  substr: substring('substr'), substring: substring('substring'), mid: substring('mid'),
  // JSON: jsonb paths (PostgreSQL's JSON null gives SQL NULL where JSON_UNQUOTE gives 'null', reported).
  json_extract: (a) => {
    if (a.length !== 2) throw new Unconvertible('json_extract() with more than one path');
    return `(CAST(${a[0]} AS jsonb) #> ${pgString(jsonPath(literalText(a[1]!, 'json_extract() with a path that is not a literal')))})`;
  },
  json_unquote: (a) => {
    one('json_unquote', a);
    const m = /^\(CAST\((.*) AS jsonb\) #> ('(?:[^']|'')*')\)$/.exec(a[0]!);
    if (!m) throw new Unconvertible('json_unquote() of something else than json_extract()');
    return `(CAST(${m[1]} AS jsonb) #>> ${m[2]})`;
  },
  date_add: (a) => dateArithmetic('date_add', '+', a), adddate: (a) => dateArithmetic('adddate', '+', a),
  date_sub: (a) => dateArithmetic('date_sub', '-', a), subdate: (a) => dateArithmetic('subdate', '-', a),
  truncate: (a) => {
    if (a.length !== 2) throw new Unconvertible(`truncate() with ${a.length} arguments`);
    return `trunc(CAST(${a[0]} AS numeric), ${a[1]})`;
  },
};

/** DATE_ADD(d, INTERVAL …) and ADDDATE(d, days): the interval already translated, or a number of days. */
function dateArithmetic(name: string, op: '+' | '-', a: readonly string[]): string {
  if (a.length !== 2) throw new Unconvertible(`${name}() with ${a.length} arguments`);
  const amount = /\* INTERVAL '/.test(a[1]!) ? a[1]! : `(${a[1]} * INTERVAL '1 day')`;
  // A string is read as a date by MySQL; PostgreSQL needs the cast.
  const date = /^'(?:[^']|'')*'$/.test(a[0]!) ? `CAST(${a[0]} AS timestamp)` : a[0]!;
  return `(${date} ${op} ${amount})`;
}

/** `name(args…)`, NULL when any argument is NULL (each argument is a deterministic expression here: it is written twice). */
function nullIfAnyNull(name: string): FunctionHandler {
  return (a) => {
    if (a.length < 2) throw new Unconvertible(`${name}() with ${a.length} argument${a.length === 1 ? '' : 's'}`);
    return `CASE WHEN ${a.map((x) => `(${x}) IS NULL`).join(' OR ')} THEN NULL ELSE ${name}(${a.join(', ')}) END`;
  };
}

function one(name: string, a: readonly string[]): void {
  if (a.length !== 1) throw new Unconvertible(`${name}() with ${a.length} arguments`);
}

function substring(name: string): FunctionHandler {
  return (a) => {
    if (a.length !== 2 && a.length !== 3) throw new Unconvertible(`${name}() with ${a.length} arguments`);
    if (!/^[1-9]\d*$/.test(a[1]!)) throw new Unconvertible(`${name}() with a start that is not a positive literal`);
    // MySQL returns '' for a length below 1; PostgreSQL refuses a negative one.
    // (NULL stays NULL: greatest() would make it 0, and '' where MySQL gives NULL.)
    if (a.length === 3 && !/^\d+$/.test(a[2]!)) return `substr(${a[0]}, ${a[1]}, CASE WHEN ${a[2]} < 0 THEN 0 ELSE ${a[2]} END)`;
    return `substr(${a.join(', ')})`;
  };
}

/** The text of a translated string literal (`'it''s'` → `it's`). */
function literalText(sql: string, what: string): string {
  const m = /^'((?:[^']|'')*)'$/.exec(sql);
  if (!m) throw new Unconvertible(what);
  return m[1]!.replace(/''/g, "'");
}

/** A MySQL JSON path of member names and array positions (`$.a.b[0]`) as a PostgreSQL text[] path literal (`{a,b,0}`). */
export function jsonPath(path: string): string {
  if (!path.startsWith('$')) throw new Unconvertible(`the JSON path ${path}`);
  const parts: string[] = [];
  const re = /\.([A-Za-z_$][A-Za-z0-9_$]*)|\."((?:[^"\\]|\\.)*)"|\[(\d+)\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) throw new Unconvertible(`the JSON path ${path}`);
    parts.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!));
  }
  if (parts.length === 0) throw new Unconvertible(`the JSON path ${path}`);
  return `{${parts.map((p) => (/^[A-Za-z0-9_$]+$/.test(p) ? p : `"${p.replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** DATE_FORMAT specifiers and the to_char patterns that print the same (English names, as MySQL's default lc_time_names). */
const TO_CHAR: Record<string, string> = {
  Y: 'YYYY', y: 'YY', m: 'MM', c: 'FMMM', d: 'DD', e: 'FMDD', H: 'HH24', k: 'FMHH24', h: 'HH12', I: 'HH12', l: 'FMHH12',
  i: 'MI', s: 'SS', S: 'SS', f: 'US', p: 'AM', M: 'FMMonth', b: 'Mon', W: 'FMDay', a: 'Dy', j: 'DDD', T: 'HH24:MI:SS',
  r: 'HH12:MI:SS AM',
};

/** A MySQL DATE_FORMAT format as a to_char format: specifiers mapped, other text quoted. */
export function toCharFormat(format: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal === '') return;
    if (/["\\]/.test(literal)) throw new Unconvertible('date_format() with a quote or backslash in its format');
    out += `"${literal}"`;
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%' || i === format.length - 1) { literal += ch; continue; }
    const spec = format[++i]!;
    if (spec === '%') { literal += '%'; continue; }
    const pattern = TO_CHAR[spec];
    if (!pattern) throw new Unconvertible(`date_format() with %${spec}`);
    flush();
    out += pattern;
  }
  flush();
  return out;
}

/** INTERVAL units and one of each in PostgreSQL. */
const INTERVAL_UNITS: Record<string, string> = {
  microsecond: '1 microsecond', second: '1 second', minute: '1 minute', hour: '1 hour', day: '1 day', week: '7 days',
  month: '1 month', quarter: '3 months', year: '1 year',
};

/** TIMESTAMPDIFF units counted in seconds (months and years are calendar arithmetic: not converted). */
const DIFF_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };

/** A number's kind for MySQL's arithmetic: exact (integer, DECIMAL) with its scale, or floating-point. */
interface NumberKind {
  readonly exact: boolean;
  readonly scale: number;
}

const NARROW_INTEGERS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year']);
const INTEGER_ARITHMETIC = new Set(['+', '-', '*']);
const TEXT_COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '<=>', 'like', 'in', 'between']);

function columnKind(c: OperandColumn): NumberKind | undefined {
  if (NARROW_INTEGERS.has(c.dataType) || c.dataType === 'bigint') return { exact: true, scale: 0 };
  if (c.dataType === 'decimal' || c.dataType === 'numeric') return c.numericScale === undefined ? undefined : { exact: true, scale: c.numericScale };
  if (c.dataType === 'float' || c.dataType === 'double' || c.dataType === 'real') return { exact: false, scale: 0 };
  return undefined;
}

/** A numeric literal's kind: 12 and 1.50 are exact (scale 0 and 2), 1e3 is a double in MySQL. */
function numberKind(text: string): NumberKind | undefined {
  if (/^\d+$/.test(text)) return { exact: true, scale: 0 };
  const m = /^\d*\.(\d*)$/.exec(text);
  if (m) return { exact: true, scale: m[1]!.length };
  if (/e/i.test(text)) return { exact: false, scale: 0 };
  return undefined;
}

/** Comparison operators as the translation writes them. */
const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=']);

/**
 * True when translated SQL is already a boolean at its top level: a comparison, AND/OR/NOT, IS,
 * IN, LIKE, BETWEEN, EXISTS or a boolean literal. Parenthesised groups, CASE … END and string
 * literals count as one operand.
 */
export function isBooleanShaped(sql: string): boolean {
  const trimmed = sql.trim();
  const words = trimmed.match(/'(?:[^']|'')*'|"(?:[^"]|"")*"|#>>|#>|->>|->|<@|@>|\|\||::|<>|<=|>=|[()=<>]|[A-Za-z_][A-Za-z0-9_$]*|[^\s]/g) ?? [];
  let depth = 0;
  for (const w of words) {
    const u = w.toUpperCase();
    if (w === '(' || u === 'CASE') { depth++; continue; }
    if (w === ')' || u === 'END') { depth--; continue; }
    if (depth > 0) continue;
    if (COMPARISONS.has(w) || ['AND', 'OR', 'NOT', 'IS', 'IN', 'LIKE', 'BETWEEN', 'EXISTS', 'TRUE', 'FALSE'].includes(u)) return true;
  }
  // A single parenthesised group: look inside.
  if (trimmed.startsWith('(') && trimmed.endsWith(')') && words.length > 2) {
    let d = 0;
    for (let i = 0; i < words.length; i++) {
      if (words[i] === '(') d++;
      else if (words[i] === ')') d--;
      if (d === 0 && i < words.length - 1) return false;
    }
    return isBooleanShaped(trimmed.slice(1, -1));
  }
  return false;
}

/** A MySQL condition as a PostgreSQL boolean: MySQL takes any number (0 false, anything else true), PostgreSQL only booleans. */
export function asCondition(sql: string): string {
  return isBooleanShaped(sql) ? sql : `(${sql}) <> 0`;
}

/** MySQL CAST target types and their PostgreSQL names. */
function castType(words: MySqlToken[]): string {
  // A character set changes nothing on the target, which stores UTF-8 only.
  const text = words.map((t) => (t.type === 'number' || t.type === 'op' ? t.value : t.type === 'word' ? t.value.toLowerCase() : '?')).join(' ')
    .replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')').replace(/ (charset|character set) \w+$/, '');
  let m: RegExpExecArray | null;
  if (/^signed( integer| int)?$/.test(text)) return 'bigint';
  if (/^unsigned( integer| int)?$/.test(text)) return 'numeric(20,0)';
  if (text === 'date') return 'date';
  if ((m = /^datetime(\(\d\))?$/.exec(text))) return `timestamp${m[1] ?? '(0)'}`;
  if ((m = /^time(\(\d\))?$/.exec(text))) return `time${m[1] ?? '(0)'}`;
  if ((m = /^(?:decimal|dec|numeric)(\(\d+(?:,\d+)?\))?$/.exec(text))) return `numeric${m[1] ?? '(10,0)'}`;
  if (text === 'double' || text === 'double precision' || text === 'real') return 'double precision';
  if (text === 'float') return 'real';
  if (text === 'char' || text === 'nchar') return 'text';
  if ((m = /^n?char\((\d+)\)$/.exec(text))) return `varchar(${m[1]})`;
  if (text === 'json') return 'jsonb';
  throw new Unconvertible(`CAST to ${text}`);
}

/**
 * ORDER BY is kept as it is: MySQL sorts NULLs first in ascending order and last in descending, PostgreSQL
 * the other way round. Adding NULLS FIRST / LAST would keep the order but stop PostgreSQL from reading a
 * plain index in order (a view's `ORDER BY … LIMIT` would sort the whole table), so it is reported instead.
 */
const NULLS_ORDER = 'ORDER BY: MySQL sorts NULLs first in ascending order and last in descending, PostgreSQL the other way round (with LIMIT, other rows are returned): add NULLS FIRST / NULLS LAST where a sorted column can be NULL';

/**
 * UPPER and LOWER: MySQL's older collations (utf8mb4_general_ci, _unicode_ci) leave the letters
 * beyond the Basic Multilingual Plane as they are, PostgreSQL maps them (found by the mysql-fidelity
 * run: 𐐨 stayed 𐐨 on MariaDB and became 𐐀 in a generated column on the target).
 */
const CASE_MAPPING = new Set(['upper', 'ucase', 'lower', 'lcase']);
const CASE_MAPPING_CAVEAT = 'upper()/lower(): MySQL\'s general_ci and unicode_ci collations leave letters beyond the Basic Multilingual Plane (such as Deseret 𐐨) as they are, PostgreSQL changes their case';

/** Functions that make text of their arguments' values. */
const TEXT_OF_VALUES = new Set(['concat', 'concat_ws', 'lpad', 'rpad', 'left', 'right', 'substr', 'substring', 'replace', 'repeat', 'reverse', 'lower', 'upper', 'lcase', 'ucase']);
/** Measured (the schema-mysql-53 run): 1e20 → 'v=1e20' on MariaDB, 'v=1e+20' on PostgreSQL; a FLOAT 16777217 → '16777200' and '1.6777216e+07'. */
const FLOAT_AS_TEXT_CAVEAT = 'a FLOAT or DOUBLE made text: MySQL writes it in its own form (1e20, 0.00000015, a FLOAT to 6 digits) and PostgreSQL in another (1e+20, 1.5e-07, a real to 9 digits), so the text can differ; format it explicitly (a DECIMAL cast, or round()) on both sides, or compute it in the application';

class Translator {
  private i = 0;
  readonly warnings = new Set<string>();
  /** The kind of number the last name translated holds, when it is a known column. */
  private lastKind: NumberKind | undefined;
  /** How many FLOAT / DOUBLE columns were named so far (a text made of one is written otherwise). */
  private floatsNamed = 0;

  constructor(private readonly tokens: MySqlToken[], private readonly ctx: TranslateContext) {}

  /**
   * Translates tokens up to (not including) a closing parenthesis, a comma at depth 0 when
   * `stopAtComma`, or one of `stopWords`.
   */
  sequence(stopAtComma: boolean, stopWords?: ReadonlySet<string>): string {
    const out: string[] = [];
    // Which entries of `out` are string literals (a literal plus an INTERVAL is cast below).
    const literal: boolean[] = [];
    // What kind of number each entry of `out` is, where known (a number, or a column of one table).
    const kinds: (NumberKind | undefined)[] = [];
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i]!;
      if (t.type === 'op' && t.value === ')') break;
      if (stopAtComma && t.type === 'op' && t.value === ',') break;
      if (stopWords && t.type === 'word' && stopWords.has(t.value.toLowerCase())) break;
      if (t.type === 'op' && (t.value === '->' || t.value === '->>') && out.length > 0) {
        const path = this.tokens[this.i + 1];
        if (path?.type !== 'string') throw new Unconvertible(`the ${t.value} operator without a literal path`);
        this.i += 2;
        out.push(`(CAST(${out.pop()} AS jsonb) ${t.value === '->' ? '#>' : '#>>'} ${pgString(jsonPath(path.value))})`);
        literal[out.length - 1] = false;
        kinds[out.length - 1] = undefined;
        this.warnings.add(JSON_PATH_CAVEAT);
        continue;
      }
      this.lastKind = undefined;
      out.push(this.one());
      literal[out.length - 1] = t.type === 'string';
      kinds[out.length - 1] = t.type === 'number' ? numberKind(t.value) : t.type === 'ident' ? this.lastKind : undefined;
      // MySQL reads a string plus or minus an INTERVAL as a date; PostgreSQL takes the string for an
      // interval and fails: the literal is cast to a timestamp.
      const n = out.length;
      if (t.type === 'word' && t.value.toLowerCase() === 'interval' && n >= 3 && literal[n - 3] && (out[n - 2] === '+' || out[n - 2] === '-')) {
        out[n - 3] = `CAST(${out[n - 3]} AS timestamp)`;
      }
      // MySQL's TRUE and FALSE are the numbers 1 and 0: compared with a column they stay numbers.
      if (t.type === 'word' && /^(true|false)$/i.test(t.value)) {
        const next = this.peek();
        if (COMPARISONS.has(out[out.length - 2] ?? '') || (next?.type === 'op' && COMPARISONS.has(next.value === '!=' ? '<>' : next.value))) {
          out[out.length - 1] = /^true$/i.test(t.value) ? '1' : '0';
        }
      }
    }
    return join(numericSelectItems(coerceConditions(this.exactDivision(out, kinds))));
  }

  /**
   * MySQL's `/` divides exact numbers (integers, DECIMAL) exactly, and keeps the quotient to
   * 9 × ⌈(a's scale + b's scale + 4) / 9⌉ decimal places, cut (not rounded): 2 / 3 is
   * 0.666666666, which a DECIMAL(5,2) column rounds to 0.67 and a DOUBLE column holds as it is
   * (measured on MariaDB 10.11). PostgreSQL divides integers by truncating (`length / 60` gave 0
   * for 47). Floating-point operands divide alike on both sides. A division by zero is NULL in
   * MySQL and an error in PostgreSQL (which would refuse the row). Each `/` of `out`, left to right,
   * becomes one entry: `trunc(a / NULLIF(b, 0), n)` (the dividend's scale raised first, so that
   * PostgreSQL computes past the cut) when both operands' scales are known, `a / NULLIF(b, 0)` when
   * one is a float, and otherwise the exact division without the cut, reported.
   */
  private exactDivision(out: string[], kinds: (NumberKind | undefined)[]): string[] {
    const pieces = [...out];
    const known = [...kinds];
    for (let i = 1; i < pieces.length - 1; i++) {
      if (pieces[i] !== '/') continue;
      // The dividend: the operands before, joined by operators that bind as tightly (`a * b / c`).
      let k = i - 1;
      while (k >= 2 && ['*', '%'].includes(pieces[k - 1]!)) k -= 2;
      // Its scale as MySQL computes it: a product's is the sum of its factors', a remainder's the larger.
      let dividendKind: NumberKind | undefined = known[k];
      for (let n = k + 2; n < i && dividendKind; n += 2) {
        const factor = known[n];
        dividendKind = !factor ? undefined : !dividendKind.exact || !factor.exact ? { exact: false, scale: 0 }
          : { exact: true, scale: pieces[n - 1] === '*' ? dividendKind.scale + factor.scale : Math.max(dividendKind.scale, factor.scale) };
      }
      // The divisor, with a sign in front.
      const j = (pieces[i + 1] === '-' || pieces[i + 1] === '+') && i + 2 < pieces.length ? i + 2 : i + 1;
      const dividend = join(pieces.slice(k, i));
      const divisor = join(pieces.slice(i + 1, j + 1));
      const divisorKind = known[j];
      const places = dividendKind?.exact && divisorKind?.exact ? 9 * Math.ceil((dividendKind.scale + divisorKind.scale + 4) / 9) : undefined;
      let sql: string;
      let kind: NumberKind | undefined;
      if (places !== undefined && places <= 27) {
        sql = `trunc(round(CAST(${dividend} AS numeric), ${places + 10}) / NULLIF(${divisor}, 0), ${places})`;
        kind = { exact: true, scale: places };
      } else if (dividendKind?.exact === false || divisorKind?.exact === false) {
        sql = `(${dividend} / NULLIF(${divisor}, 0))`;
        kind = { exact: false, scale: 0 };
      } else {
        sql = `(CAST(${dividend} AS numeric) / NULLIF(${divisor}, 0))`;
        this.warnings.add('division: MySQL keeps the quotient of exact numbers to a multiple of 9 decimal places, cut, and PostgreSQL to its own precision: a result rounded to fewer places can differ in its last digit');
      }
      pieces.splice(k, j - k + 1, sql);
      known.splice(k, j - k + 1, kind);
      i = k;
    }
    return pieces;
  }

  private peek(offset = 0): MySqlToken | undefined {
    return this.tokens[this.i + offset];
  }

  private isOp(t: MySqlToken | undefined, value: string): boolean {
    return t !== undefined && t.type === 'op' && t.value === value;
  }

  private expectClose(): void {
    if (!this.isOp(this.peek(), ')')) throw new Unconvertible('unbalanced parentheses');
    this.i++;
  }

  /** Arguments of a call whose `(` was just consumed, each translated; consumes the `)`. */
  private args(): string[] {
    const args: string[] = [];
    if (this.isOp(this.peek(), ')')) {
      this.i++;
      return args;
    }
    for (;;) {
      args.push(this.sequence(true));
      const t = this.peek();
      if (this.isOp(t, ',')) { this.i++; continue; }
      this.expectClose();
      return args;
    }
  }

  private one(): string {
    const t = this.tokens[this.i++]!;
    switch (t.type) {
      case 'ident': return this.name(t.value);
      case 'string': return pgString(t.value);
      case 'number': return t.value;
      case 'hex': return `'\\x${t.value.toString('hex')}'::bytea`;
      case 'bits': return `B'${t.value}'`;
      case 'variable': throw new Unconvertible(`variable ${t.value}`);
      case 'op': return this.op(t.value);
      case 'word': return this.word(t.value);
    }
  }

  /** A backquoted name, with any `.name` parts that follow; the migrated database becomes the schema. */
  private name(first: string): string {
    const parts = [first];
    while (this.isOp(this.peek(), '.') && this.peek(1)?.type === 'ident') {
      parts.push((this.peek(1) as { value: string }).value);
      this.i += 2;
    }
    if (this.isOp(this.peek(), '.') && this.isOp(this.peek(1), '*')) {
      this.i += 2;
      return `${this.qualified(parts)}.*`;
    }
    // The catalog prints built-in functions unquoted and stored (or loadable) ones as quoted names,
    // `fn`(…) or `db`.`fn`(…). A name right after `)` or AS followed by `(` is a derived table's
    // alias with its column list, not a call.
    const before = this.tokens[this.i - parts.length * 2];
    // A table of another database (the catalog prints tables as `db`.`table`): the view cannot be
    // created from this database alone (measured before, the mysql-schema run: exported as it was,
    // it failed at import schema with "does not exist", where a foreign key to another database is reported).
    let k = this.i - parts.length * 2;
    while (k > 0 && this.isOp(this.tokens[k], '(')) k--;
    const lead = this.tokens[k];
    if (parts.length === 2 && parts[0] !== this.ctx.database && lead?.type === 'word' && /^(from|join)$/i.test(lead.value)) {
      throw new Unconvertible(`a reference to the database ${parts[0]} (the table ${parts[0]}.${parts[1]})`);
    }
    const isAlias = before !== undefined && (this.isOp(before, ')') || (before.type === 'word' && before.value.toLowerCase() === 'as'));
    if (this.isOp(this.peek(), '(') && !isAlias) throw new Unconvertible(this.storedCall(parts));
    const sql = this.qualified(parts);
    const column = this.column(parts);
    if (!column) return sql;
    this.lastKind = columnKind(column);
    if (this.lastKind?.exact === false) this.floatsNamed++;
    const next = this.peek();
    const touches = (set: ReadonlySet<string>) => [before, next].some((t) => (t?.type === 'op' || t?.type === 'word') && set.has(t.value.toLowerCase()));
    if (TEXT_TYPES.has(column.dataType) && column.collation && !/(_bin|^binary)$/.test(column.collation) && touches(TEXT_COMPARISONS)) {
      this.warnings.add(`text compared in the collation ${column.collation}: MySQL ignores letter case${/_ai_|_general_|_unicode_/.test(column.collation) ? ' (and accents)' : ''} and trailing spaces there, PostgreSQL compares exactly`);
    }
    // MySQL computes integer + - * in 64 bits; PostgreSQL's integer and smallint overflow in 32 or 16.
    if (NARROW_INTEGERS.has(column.dataType) && touches(INTEGER_ARITHMETIC)) return `CAST(${sql} AS bigint)`;
    return sql;
  }

  /** The catalog's entry for a column named in an expression of one table (a CHECK, a generated column, a default). */
  private column(parts: readonly string[]): OperandColumn | undefined {
    if (parts.length !== 1 || this.ctx.table === undefined) return undefined;
    return this.ctx.columns?.get(this.ctx.table)?.get(parts[0]!);
  }

  /** Whether the call whose `(` was just consumed has one column of a floating-point type as its first argument. */
  private firstArgumentIsFloat(): boolean {
    const name = this.peek();
    const after = this.peek(1);
    if (name?.type !== 'ident' || !(this.isOp(after, ',') || this.isOp(after, ')'))) return false;
    const column = this.column([name.value]);
    return column !== undefined && columnKind(column)?.exact === false;
  }

  /** Why a call of a function that is not MySQL's own cannot be translated. */
  private storedCall(parts: string[]): string {
    const name = parts[parts.length - 1]!;
    const own = parts.length === 1 || parts[0] === this.ctx.database;
    if (own && this.ctx.storedFunctions?.has(name.toLowerCase())) {
      return `the stored function ${name}(), which is converted by hand: create it on the target first, then this view`;
    }
    return `the function ${parts.join('.')}(), which is not a MySQL built-in (a stored or loadable function): create it on the target first, then this view`;
  }

  private qualified(parts: string[]): string {
    if (parts.length === 3) {
      if (parts[0] !== this.ctx.database) throw new Unconvertible(`a reference to the database ${parts[0]}`);
      return [this.ctx.targetSchema, parts[1]!, parts[2]!].map(quoteIdent).join('.');
    }
    if (parts.length === 2 && parts[0] === this.ctx.database) return [this.ctx.targetSchema, parts[1]!].map(quoteIdent).join('.');
    return parts.map(quoteIdent).join('.');
  }

  private op(value: string): string {
    switch (value) {
      case '(': {
        const inner = this.sequence(false);
        this.expectClose();
        return `(${inner})`;
      }
      case '=': case '<': case '>': case '<=': case '>=': case '<>': case '+': case '-': case '*': case '%': case ',': return value;
      case '.': throw new Unconvertible('a qualified unquoted name');
      case '/': return '/'; // made MySQL's division by exactDivision, once both operands are known
      case '!=': return '<>';
      case '&&': return 'AND';
      case '||': return 'OR';
      case '<=>': return 'IS NOT DISTINCT FROM';
      case '!':
        if (this.isOp(this.peek(), '(')) return 'NOT';
        throw new Unconvertible('the ! operator');
      default: throw new Unconvertible(`the ${value} operator`);
    }
  }

  private word(raw: string): string {
    const w = raw.toLowerCase();
    const isFunction = Object.prototype.hasOwnProperty.call(FUNCTIONS, w) || ['cast', 'convert', 'trim', 'group_concat', 'timestampdiff'].includes(w);
    if (this.isOp(this.peek(), '(') && (isFunction || !KEYWORDS.has(w))) {
      this.i++;
      if (w === 'cast') return this.cast();
      if (w === 'convert') return this.convert();
      if (w === 'trim') return this.trim();
      if (w === 'group_concat') return this.groupConcat();
      if (w === 'timestampdiff') return this.timestampDiff();
      const handler = Object.prototype.hasOwnProperty.call(FUNCTIONS, w) ? FUNCTIONS[w] : undefined;
      if (!handler) throw new Unconvertible(`the function ${w}()`);
      if (w === 'count' && this.isOp(this.peek(), '*') && this.isOp(this.peek(1), ')')) {
        this.i += 2;
        return 'count(*)';
      }
      if (w === 'round' && this.firstArgumentIsFloat()) {
        // MySQL rounds a double as rint(x * 10^d) / 10^d (ties to even, in binary): 2.25 → 2.2,
        // -0.05 → -0; round() of a numeric rounds ties away from zero.
        const a = this.args();
        if (a.length === 1) return `round(${a[0]})`;
        if (a.length === 2 && /^\d+$/.test(a[1]!)) {
          const power = `CAST('1e${a[1]}' AS double precision)`;
          return `(round(CAST(${a[0]} AS double precision) * ${power}) / ${power})`;
        }
        return handler(a);
      }
      const floatsBefore = this.floatsNamed;
      const sql = handler(this.args());
      if (TEXT_OF_VALUES.has(w) && this.floatsNamed > floatsBefore) this.warnings.add(FLOAT_AS_TEXT_CAVEAT);
      if (CASE_MAPPING.has(w)) this.warnings.add(CASE_MAPPING_CAVEAT);
      // MySQL's AVG of exact numbers keeps the argument's scale plus div_precision_increment (4):
      // 75.250000 where PostgreSQL prints 75.2500000000000000 (found by the mysql-schema run).
      if (w === 'avg') this.warnings.add('avg(): MySQL keeps the scale of the argument plus div_precision_increment (4 by default), PostgreSQL about 16 decimal places: round() the result where the number of decimals matters');
      if (w === 'json_unquote' || w === 'json_extract') this.warnings.add(JSON_PATH_CAVEAT);
      return sql;
    }
    if (w === 'mod') return '%';
    const next = this.peek();
    if (w === 'order' && next?.type === 'word' && next.value.toLowerCase() === 'by') this.warnings.add(NULLS_ORDER);
    if (w === 'limit') return this.limit();
    if (w === 'interval') return this.interval();
    if (w === 'collate') {
      // The target compares with its own collation (case-sensitively): the same caveat as for keys.
      const name = this.tokens[this.i++];
      if (name?.type !== 'word' && name?.type !== 'ident' && name?.type !== 'string') throw new Unconvertible('COLLATE without a collation');
      this.warnings.add(`COLLATE ${name.value} left out: PostgreSQL compares with the column's own collation (case-sensitively)`);
      return '';
    }
    if (Object.prototype.hasOwnProperty.call(NILADIC, w)) return NILADIC[w]!;
    if (KEYWORDS.has(w)) return w.toUpperCase();
    throw new Unconvertible(`the word ${raw}`);
  }

  /** CAST(expr AS type); the `(` is consumed. */
  private cast(): string {
    const start = this.i;
    let depth = 0;
    let asAt = -1;
    for (let j = start; j < this.tokens.length; j++) {
      const t = this.tokens[j]!;
      if (t.type === 'op' && t.value === '(') depth++;
      else if (t.type === 'op' && t.value === ')') {
        if (depth === 0) {
          if (asAt < 0) throw new Unconvertible('CAST without AS');
          const inner = new Translator(this.tokens.slice(start, asAt), this.ctx);
          const expr = inner.sequence(false);
          inner.warnings.forEach((x) => this.warnings.add(x));
          if (inner.i !== asAt - start) throw new Unconvertible('unbalanced parentheses');
          const type = castType(this.tokens.slice(asAt + 1, j));
          this.floatsNamed += inner.floatsNamed;
          if (inner.floatsNamed > 0 && /^(text|character varying|varchar|char|bpchar)/.test(type)) this.warnings.add(FLOAT_AS_TEXT_CAVEAT);
          this.i = j + 1;
          return `CAST(${expr} AS ${type})`;
        }
        depth--;
      } else if (depth === 0 && t.type === 'word' && t.value.toLowerCase() === 'as') asAt = j;
    }
    throw new Unconvertible('unbalanced parentheses');
  }

  /**
   * GROUP_CONCAT([DISTINCT] expr[, expr…] [ORDER BY …] [SEPARATOR 's']) as string_agg: both skip
   * NULLs; MySQL cuts the result at group_concat_max_len (1024 bytes by default on MySQL, 1 MB on MariaDB), string_agg does
   * not (reported). The `(` is consumed.
   */
  private groupConcat(): string {
    const next = this.peek();
    const distinct = next?.type === 'word' && next.value.toLowerCase() === 'distinct';
    if (distinct) this.i++;
    const stops = new Set(['order', 'separator']);
    const parts: string[] = [];
    for (;;) {
      parts.push(this.sequence(true, stops));
      if (this.isOp(this.peek(), ',')) { this.i++; continue; }
      break;
    }
    let order = '';
    const o = this.peek();
    if (o?.type === 'word' && o.value.toLowerCase() === 'order') {
      this.i++;
      const by = this.tokens[this.i++];
      if (by?.type !== 'word' || by.value.toLowerCase() !== 'by') throw new Unconvertible('group_concat() with ORDER without BY');
      order = this.sequence(false, new Set(['separator']));
      this.warnings.add(NULLS_ORDER);
    }
    let separator = ',';
    const sep = this.peek();
    if (sep?.type === 'word' && sep.value.toLowerCase() === 'separator') {
      this.i++;
      const lit = this.tokens[this.i++];
      if (lit?.type !== 'string') throw new Unconvertible('group_concat() with a separator that is not a literal');
      separator = lit.value;
    }
    this.expectClose();
    const arg = parts.length === 1 ? `CAST(${parts[0]} AS text)` : `(${parts.map((x) => `CAST(${x} AS text)`).join(' || ')})`;
    if (distinct && order) {
      // PostgreSQL orders a DISTINCT aggregate only by its argument.
      const m = /^(.*?)(\s+(?:ASC|DESC))?$/.exec(order)!;
      if (parts.length !== 1 || m[1] !== parts[0]) throw new Unconvertible('group_concat(DISTINCT …) ordered by another expression');
      order = `${arg}${m[2] ?? ''}`;
      this.warnings.add('group_concat(DISTINCT … ORDER BY …): the values are ordered as text');
    }
    this.warnings.add('group_concat: MySQL cuts the result at group_concat_max_len (1024 bytes by default on MySQL, 1 MB on MariaDB), string_agg does not');
    return `string_agg(${distinct ? 'DISTINCT ' : ''}${arg}, ${pgString(separator)}${order ? ` ORDER BY ${order}` : ''})`;
  }

  /**
   * TIMESTAMPDIFF(unit, a, b): whole units from a to b, truncated toward zero, for units of fixed
   * length (SECOND … WEEK); the `(` is consumed.
   */
  private timestampDiff(): string {
    const unit = this.tokens[this.i++];
    const seconds = unit?.type === 'word' ? DIFF_SECONDS[unit.value.toLowerCase()] : undefined;
    if (seconds === undefined) throw new Unconvertible(`timestampdiff() in ${unit?.type === 'word' ? unit.value : '?'}`);
    if (!this.isOp(this.peek(), ',')) throw new Unconvertible('timestampdiff() without 3 arguments');
    this.i++;
    const [from, to, extra] = this.args();
    if (from === undefined || to === undefined || extra !== undefined) throw new Unconvertible('timestampdiff() without 3 arguments');
    return `CAST(trunc(EXTRACT(EPOCH FROM (CAST(${to} AS timestamp) - CAST(${from} AS timestamp))) / ${seconds}) AS bigint)`;
  }

  /**
   * CONVERT(x USING charset) is the text itself on a UTF-8 target; CONVERT(x, type) is a CAST.
   * The `(` is consumed.
   */
  private convert(): string {
    const start = this.i;
    let depth = 0;
    for (let j = start; j < this.tokens.length; j++) {
      const t = this.tokens[j]!;
      if (t.type === 'op' && t.value === '(') depth++;
      else if (t.type === 'op' && t.value === ')' && depth-- === 0) break;
      else if (depth === 0 && ((t.type === 'word' && t.value.toLowerCase() === 'using') || (t.type === 'op' && t.value === ','))) {
        const inner = new Translator(this.tokens.slice(start, j), this.ctx);
        const expr = inner.sequence(false);
        inner.warnings.forEach((x) => this.warnings.add(x));
        if (!inner.done) throw new Unconvertible('unbalanced parentheses');
        let end = j + 1;
        let d = 0;
        for (; end < this.tokens.length; end++) {
          const u = this.tokens[end]!;
          if (u.type === 'op' && u.value === '(') d++;
          else if (u.type === 'op' && u.value === ')' && d-- === 0) break;
        }
        if (end >= this.tokens.length) throw new Unconvertible('unbalanced parentheses');
        const type = t.type === 'word' ? 'text' : castType(this.tokens.slice(j + 1, end));
        this.i = end + 1;
        return `CAST(${expr} AS ${type})`;
      }
    }
    throw new Unconvertible('convert() without USING or a type');
  }

  /** TRIM([BOTH|LEADING|TRAILING] [x] FROM y) has the same syntax in both; the `(` is consumed. */
  private trim(): string {
    const inner = this.sequence(false);
    this.expectClose();
    return `trim(${inner})`;
  }

  /**
   * `INTERVAL n unit` (after `+`/`-` or inside DATE_ADD) as `(n * INTERVAL '1 unit')`. A DATE plus
   * an interval is a DATE in MySQL and a timestamp in PostgreSQL (reported).
   */
  private interval(): string {
    const amount = this.one();
    const unit = this.tokens[this.i++];
    const pgUnit = unit?.type === 'word' ? INTERVAL_UNITS[unit.value.toLowerCase()] : undefined;
    if (!pgUnit) throw new Unconvertible(`INTERVAL with the unit ${unit?.type === 'word' ? unit.value : '?'}`);
    this.warnings.add('date arithmetic: a DATE plus an INTERVAL is a DATE in MySQL, a timestamp in PostgreSQL');
    return `(${amount} * INTERVAL '${pgUnit}')`;
  }

  /** MySQL's `LIMIT offset, count`. */
  private limit(): string {
    const a = this.peek();
    if (a?.type === 'number' && this.isOp(this.peek(1), ',') && this.peek(2)?.type === 'number') {
      this.i += 3;
      return `LIMIT ${(this.tokens[this.i - 1] as { value: string }).value} OFFSET ${a.value}`;
    }
    return 'LIMIT';
  }

  get done(): boolean {
    return this.i >= this.tokens.length;
  }
}

/** Words that put what follows them in a boolean context. */
const CONDITION_STARTS = new Set(['WHERE', 'HAVING', 'ON', 'AND', 'OR']);
/** Pieces that end a condition. */
const CONDITION_ENDS = new Set(['AND', 'OR', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'HAVING', 'UNION', 'JOIN', 'LEFT', 'RIGHT', 'INNER', 'CROSS',
  'WHERE', 'THEN', 'ELSE', 'END', 'WHEN', ',', 'ON', 'USING']);

/**
 * MySQL takes a number wherever a condition goes (`WHERE c.active`, `a AND flag`, `CASE WHEN
 * flag THEN`); PostgreSQL only a boolean. In translated pieces of one nesting level, each operand
 * of AND/OR, each WHERE/HAVING/ON condition and each searched CASE's WHEN condition that is not
 * already a boolean becomes `(x) <> 0`.
 */
function coerceConditions(pieces: string[]): string[] {
  const out = [...pieces];
  const cases: boolean[] = [];
  const open: { start: number; depth: number }[] = [];
  const segments: [number, number][] = [];
  let betweenAnd = 0;
  // Without a WHERE, HAVING or ON in front (a parenthesised group, a CHECK), an AND or OR makes its first operand a condition too.
  const firstLogic = out.findIndex((p) => p === 'AND' || p === 'OR');
  if (firstLogic > 0 && out[0] !== 'SELECT' && !out.slice(0, firstLogic).some((p) => CONDITION_STARTS.has(p) || p === 'BETWEEN' || p === 'CASE')) {
    open.push({ start: 0, depth: 0 });
  }
  for (let i = 0; i <= out.length; i++) {
    const p = out[i];
    if (p === undefined) {
      for (const o of open.reverse()) if (i > o.start) segments.push([o.start, i]);
      break;
    }
    if (p === 'BETWEEN') betweenAnd++;
    if (p === 'AND' && betweenAnd > 0) { betweenAnd--; continue; }
    const top = open[open.length - 1];
    if (top && CONDITION_ENDS.has(p) && top.depth === cases.length) {
      if (i > top.start) segments.push([top.start, i]);
      open.pop();
    }
    if (p === 'CASE') cases.push(out[i + 1] === 'WHEN');
    if (p === 'END') cases.pop();
    if (CONDITION_STARTS.has(p) || (p === 'WHEN' && cases[cases.length - 1] === true)) open.push({ start: i + 1, depth: cases.length });
  }
  // Inner conditions first; a replaced range keeps its length (emptied pieces) so that outer ranges stay valid.
  for (const [from, to] of segments.sort((a, b) => b[0] - a[0] || a[1] - b[1])) {
    const text = join(out.slice(from, to));
    const negated = /^NOT /.test(text) ? text.slice(4) : undefined;
    if (text === '' || (isBooleanShaped(text) && (negated === undefined || isBooleanShaped(negated)))) continue;
    out[from] = negated === undefined ? `(${text}) <> 0` : `NOT (${negated}) <> 0`;
    for (let k = from + 1; k < to; k++) out[k] = '';
  }
  return out.filter((p) => p !== '');
}

/**
 * A comparison selected by a view gives 1 or 0 in MySQL, true or false in PostgreSQL: a select
 * item that is a condition is cast to integer, so the view's column holds what it held.
 */
function numericSelectItems(pieces: string[]): string[] {
  if (pieces[0] !== 'SELECT') return pieces;
  const end = pieces.indexOf('FROM') < 0 ? pieces.length : pieces.indexOf('FROM');
  const out: string[] = [];
  let item: string[] = [];
  const flush = () => {
    const aliased = item.length >= 3 && item[item.length - 2] === 'AS';
    const expr = aliased ? item.slice(0, -2) : item;
    const text = join(expr);
    if (expr.length > 0 && text !== '*' && isBooleanShaped(text)) out.push(`CAST((${text}) AS integer)`, ...(aliased ? item.slice(-2) : []));
    else out.push(...item);
    item = [];
  };
  let i = 1;
  while (pieces[i] === 'DISTINCT' || pieces[i] === 'ALL') i++;
  out.push(...pieces.slice(0, i));
  for (; i < end; i++) {
    if (pieces[i] === ',') { flush(); out.push(','); continue; }
    item.push(pieces[i]!);
  }
  flush();
  return [...out, ...pieces.slice(end)];
}

function join(parts: string[]): string {
  let out = '';
  for (const p of parts) if (p !== '') out += p === ',' ? ',' : out === '' ? p : ` ${p}`;
  return out;
}

/** A PostgreSQL string literal (standard_conforming_strings on: backslashes are plain characters). */
export function pgString(value: string): string {
  if (value.includes('\0')) throw new Unconvertible('a string with a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Translates one MySQL expression or query into PostgreSQL, or says why it cannot.
 *
 * @example
 * translateMySqlExpression("concat(`s`,'-',`s2`)", { database: 'shop', targetSchema: 'public' })
 * // → { ok: true, sql: "(CAST(s AS text) || CAST('-' AS text) || CAST(s2 AS text))", warnings: [] }
 */
export function translateMySqlExpression(sql: string, ctx: TranslateContext): TranslateResult {
  let tokens: MySqlToken[];
  try {
    tokens = tokenizeMySql(sql);
  } catch (e) {
    if (e instanceof MySqlLexError) return { ok: false, reason: `it does not read as MySQL (${e.message})` };
    throw e;
  }
  if (tokens.length === 0) return { ok: false, reason: 'it is empty' };
  const typed = typedOperands(tokens, { database: ctx.database, ...(ctx.columns ? { columns: ctx.columns } : {}), ...(ctx.table !== undefined ? { table: ctx.table } : {}) });
  if (!typed.ok) return { ok: false, reason: `it uses ${typed.reason}` };
  const completion = completeGroupBy(typed.tokens, ctx.database, ctx.primaryKeys);
  const t = new Translator(completion.tokens, ctx);
  try {
    const out = t.sequence(false);
    if (!t.done) throw new Unconvertible('unbalanced parentheses');
    const grouped = completion.added.length
      ? [`GROUP BY completed with ${completion.added.join(', ')}: PostgreSQL groups by every selected column; the rows are the same when these columns depend on the grouped ones (MySQL's ONLY_FULL_GROUP_BY rule)`]
      : [];
    return { ok: true, sql: out, warnings: [...grouped, ...t.warnings] };
  } catch (e) {
    if (e instanceof Unconvertible) return { ok: false, reason: `it uses ${e.message}` };
    throw e;
  }
}
