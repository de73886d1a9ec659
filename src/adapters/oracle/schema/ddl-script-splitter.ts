/**
 * Cuts an Oracle DDL script into statements the way SQL*Plus runs it: a SQL statement ends at `;`
 * (or at a line holding only `/`), a PL/SQL unit (package, procedure, function, trigger, type body,
 * anonymous block) ends at a line holding only `/`. SQL*Plus commands (`SET`, `PROMPT`, `REM`,
 * `SPOOL`, `@file`, `DEFINE`, `EXEC`, …) are skipped. Works for `DBMS_METADATA.GET_DDL` output with
 * `SQLTERMINATOR` on as well as for hand-written install scripts.
 */

/** One statement of a script. */
export interface ScriptStatement {
  /** The statement without its terminator (`;` or `/`). PL/SQL units keep their final `;`. */
  readonly text: string;
  /** 1-based line of the statement's first character. */
  readonly line: number;
  /** The statement is a PL/SQL unit (it was terminated by `/`). */
  readonly plsql: boolean;
}

/** A SQL*Plus command line the splitter skipped. */
export interface SkippedCommand {
  readonly line: number;
  /** The command's first word, upper case (`SET`, `PROMPT`, `@`, …). */
  readonly command: string;
}

/** The statements of a script and the SQL*Plus commands left out. */
export interface SplitScript {
  readonly statements: readonly ScriptStatement[];
  readonly skipped: readonly SkippedCommand[];
}

const SQLPLUS_COMMANDS = new Set([
  'REM', 'REMARK', 'PROMPT', 'PRO', 'SET', 'SPOOL', 'SPO', 'START', 'WHENEVER', 'DEFINE', 'DEF', 'UNDEFINE', 'UNDEF',
  'COLUMN', 'COL', 'TTITLE', 'BTITLE', 'REPHEADER', 'REPFOOTER', 'BREAK', 'COMPUTE', 'CONNECT', 'CONN', 'DISCONNECT',
  'DISC', 'EXIT', 'QUIT', 'PAUSE', 'ACCEPT', 'ACC', 'VARIABLE', 'VAR', 'PRINT', 'SHOW', 'SHO', 'CLEAR', 'CL', 'HOST',
  'EXEC', 'EXECUTE', 'DESC', 'DESCRIBE', 'TIMING', 'STORE', 'SAVE', 'GET', 'EDIT', 'ED', 'RUN', 'PASSWORD',
  'ATTRIBUTE', 'ARCHIVE', 'RECOVER', 'STARTUP', 'SHUTDOWN', 'HELP', 'LIST', 'APPEND', 'CHANGE', 'INPUT', 'DEL',
]);

/** Start of a PL/SQL unit, which only a `/` line ends. */
const PLSQL_START =
  /^(?:create\s+(?:or\s+replace\s+)?(?:(?:non)?editionable\s+|editioning\s+)?(?:and\s+(?:resolve|compile)\s+)?(?:noforce\s+)?(?:package|procedure|function|trigger|type|library|java)\b|declare\b|begin\b)/i;
/**
 * A line that begins another statement: it cannot continue a SQL statement at parenthesis depth 0,
 * so the statement before it had no terminator.
 */
const NEXT_STATEMENT = new RegExp(
  '^\\s*(?:'
  + 'create\\s+(?:or\\s+replace\\s+)?(?:(?:non)?editionable\\s+|editioning\\s+|no\\s*force\\s+|force\\s+|public\\s+|global\\s+|private\\s+|unique\\s+|bitmap\\s+|multivalue\\s+)*'
  + '(?:table|index|view|sequence|synonym|materialized|type|package|procedure|function|trigger|user|role|directory|database|tablespace|cluster|dimension|context|java|library|temporary|blockchain|immutable|sharded|duplicated)\\b'
  + '|alter\\s+(?:table|index|sequence|view|trigger|session|user|materialized|type|package|procedure|function|system|database|synonym)\\b'
  + '|comment\\s+on\\s'
  + '|(?:grant|revoke)\\s'
  + '|drop\\s+(?:table|view|sequence|synonym|type|package|procedure|function|trigger|user|role|materialized|public|index\\s+["\\w$#])'
  + '|insert\\s+into\\s'
  + '|(?:rem|remark|prompt)(?:\\s|$)'
  + ')', 'i');

/** A `CREATE TYPE` without BODY: its spec ends at the `;` after its closing parenthesis. */
const TYPE_SPEC_START =
  /^create\s+(?:or\s+replace\s+)?(?:(?:non)?editionable\s+)?type\s+(?!body\b)/i;

/** Whether a statement's text begins a PL/SQL unit (which only a `/` line ends in a script). */
export function startsPlsqlUnit(text: string): boolean {
  return PLSQL_START.test(text.trimStart().slice(0, 400));
}

/**
 * Splits a script.
 *
 * @example
 * splitOracleScript('SET ECHO OFF\nCREATE TABLE t (x NUMBER);\nCREATE PROCEDURE p IS BEGIN NULL; END;\n/\n')
 * // statements: 'CREATE TABLE t (x NUMBER)' (sql), 'CREATE PROCEDURE p IS BEGIN NULL; END;' (plsql)
 */
export function splitOracleScript(text: string): SplitScript {
  const scanner = new ScriptScanner(text.replace(/\r\n?/g, '\n'));
  return scanner.run();
}

class ScriptScanner {
  private i = 0;
  private readonly statements: ScriptStatement[] = [];
  private readonly skipped: SkippedCommand[] = [];

  constructor(private readonly text: string) {}

  run(): SplitScript {
    const t = this.text;
    while (this.i < t.length) {
      const ch = t[this.i]!;
      if (/\s/.test(ch)) {
        this.i++;
        continue;
      }
      if (t.startsWith('--', this.i)) {
        this.skipToEol();
        continue;
      }
      if (t.startsWith('/*', this.i)) {
        const close = t.indexOf('*/', this.i + 2);
        this.i = close < 0 ? t.length : close + 2;
        continue;
      }
      if (this.atLineStart()) {
        const lineText = this.restOfLine();
        if (lineText.trim() === '/') {
          this.skipToEol();
          continue;
        }
        const command = sqlPlusCommand(lineText);
        if (command) {
          this.skipped.push({ line: this.lineAt(this.i), command });
          this.skipCommandLines();
          continue;
        }
      }
      this.readStatement();
    }
    return { statements: this.statements, skipped: this.skipped };
  }

  private atLineStart(): boolean {
    let j = this.i - 1;
    while (j >= 0 && (this.text[j] === ' ' || this.text[j] === '\t')) j--;
    return j < 0 || this.text[j] === '\n';
  }

  private restOfLine(): string {
    const eol = this.text.indexOf('\n', this.i);
    return this.text.slice(this.i, eol < 0 ? this.text.length : eol);
  }

  private skipToEol(): void {
    const eol = this.text.indexOf('\n', this.i);
    this.i = eol < 0 ? this.text.length : eol + 1;
  }

  /** Skips a SQL*Plus command line and its continuation lines (a line ending in `-` goes on). */
  private skipCommandLines(): void {
    for (;;) {
      const line = this.restOfLine();
      this.skipToEol();
      if (!/-\s*$/.test(line) || this.i >= this.text.length) return;
    }
  }

  private lineOffset = 0;
  private lineCount = 1;

  /** 1-based line of an offset; offsets are asked for in increasing order. */
  private lineAt(offset: number): number {
    for (let k = this.lineOffset; k < offset; k++) if (this.text.charCodeAt(k) === 10) this.lineCount++;
    this.lineOffset = Math.max(this.lineOffset, offset);
    return this.lineCount;
  }

  private readStatement(): void {
    const t = this.text;
    const start = this.i;
    const head = t.slice(start, start + 400);
    const plsql = PLSQL_START.test(head);
    const typeSpec = plsql && TYPE_SPEC_START.test(head);
    let depth = 0;
    let i = start;
    let end = -1;
    let next = t.length;
    while (i < t.length) {
      const ch = t[i]!;
      if (ch === '\n') {
        // A line holding only '/' ends any statement.
        const eol = t.indexOf('\n', i + 1);
        const line = t.slice(i + 1, eol < 0 ? t.length : eol);
        if (line.trim() === '/') {
          end = i;
          next = eol < 0 ? t.length : eol + 1;
          break;
        }
        // A SQL statement without a terminator (SQL Developer exports with "Terminator" off,
        // DBMS_METADATA output without SQLTERMINATOR) ends where the next statement begins.
        if (!plsql && depth <= 0 && NEXT_STATEMENT.test(line)) {
          end = i;
          next = i + 1;
          break;
        }
        i++;
        continue;
      }
      if (t.startsWith('--', i)) {
        const eol = t.indexOf('\n', i);
        i = eol < 0 ? t.length : eol;
        continue;
      }
      if (t.startsWith('/*', i)) {
        const close = t.indexOf('*/', i + 2);
        i = close < 0 ? t.length : close + 2;
        continue;
      }
      const q = /^n?q'/i.exec(t.slice(i, i + 3));
      if (q && (i === 0 || !/[\p{L}\p{N}_$#]/u.test(t[i - 1]!))) {
        const open = t[i + q[0].length] ?? '';
        const close = ({ '[': ']', '{': '}', '(': ')', '<': '>' } as Record<string, string>)[open] ?? open;
        const stop = t.indexOf(close + "'", i + q[0].length + 1);
        i = stop < 0 ? t.length : stop + 2;
        continue;
      }
      if (ch === "'" || ch === '"') {
        i = skipQuoted(t, i, ch);
        continue;
      }
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ';' && (!plsql || (typeSpec && depth <= 0))) {
        end = i;
        next = i + 1;
        if (typeSpec) next = skipSlashLine(t, next);
        break;
      }
      i++;
    }
    if (end < 0) end = t.length;
    const body = t.slice(start, end).replace(/\s+$/, '');
    if (body !== '') this.statements.push({ text: body, line: this.lineAt(start), plsql });
    this.i = next;
  }
}

function skipQuoted(t: string, at: number, quote: string): number {
  let i = at + 1;
  for (;;) {
    const next = t.indexOf(quote, i);
    if (next < 0) return t.length;
    if (t[next + 1] === quote) {
      i = next + 2;
      continue;
    }
    return next + 1;
  }
}

/** After a type spec's `;`, a `/` on its own line (SQL*Plus's run command) belongs to it. */
function skipSlashLine(t: string, from: number): number {
  const m = /^[ \t]*(?:--[^\n]*)?\n[ \t\n]*\/[ \t]*(?:\n|$)/.exec(t.slice(from));
  return m ? from + m[0].length : from;
}

/** The SQL*Plus command a line starts with, or undefined for SQL. */
function sqlPlusCommand(line: string): string | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('@')) return '@';
  const word = /^[A-Za-z]+/.exec(trimmed)?.[0]?.toUpperCase();
  if (!word || !SQLPLUS_COMMANDS.has(word)) return undefined;
  // "SET" and "START"/"CONNECT" never begin a DDL statement; DESC/LIST/… are not SQL keywords that start one either.
  return word;
}
