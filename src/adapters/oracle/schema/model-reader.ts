/**
 * Reads DDL scripts statement by statement into an {@link OracleModel}: each statement is
 * recognised by its first words and handed to its reader; `ALTER TABLE`, `COMMENT ON` and
 * `ALTER TRIGGER` change what earlier statements created. A statement that cannot be read goes to
 * the model's unconverted list with the reason; data statements and SQL*Plus commands are counted
 * and left out.
 */
import { UnconvertibleError } from './conversion-note.js';
import { splitOracleScript, startsPlsqlUnit, type ScriptStatement } from './ddl-script-splitter.js';
import { dynamicDdlOf } from './dynamic-ddl.js';
import {
  readComment, readCreateIndex, readCreateMaterializedView, readCreateSequence, readCreateSynonym, readCreateType, readCreateView,
  readPlsqlHead,
} from './object-readers.js';
import type { ObjectDef, OracleModel, PlsqlUnit, QualifiedName, SequenceDef, SourceRef, TableDef, ViewDef } from './oracle-model.js';
import { OracleTokenizeError, tokenizeOracle, type Token } from './oracle-tokenizer.js';
import { applyAlterTable, qualify, readCreateTable, readSequenceOptions, type ReadContext } from './table-reader.js';
import { DdlSyntaxError, TokenCursor } from './token-cursor.js';

/** One DDL script. */
export interface DdlScript {
  /** A name for messages (a file path relative to what the user gave). */
  readonly name: string;
  readonly text: string;
}

const DATA_STATEMENTS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'LOCK', 'TRUNCATE', 'SELECT', 'WITH']);
const SESSION_STATEMENTS = new Set(['SET', 'CALL', 'EXEC', 'EXECUTE', 'ANALYZE', 'PURGE', 'EXPLAIN', 'AUDIT', 'NOAUDIT', 'ASSOCIATE', 'DISASSOCIATE', 'FLASHBACK']);
const NOT_CONVERTED_OBJECTS = [
  'USER', 'ROLE', 'PROFILE', 'TABLESPACE', 'DIRECTORY', 'DATABASE', 'PUBLIC DATABASE', 'CONTEXT', 'DIMENSION', 'CLUSTER',
  'OPERATOR', 'INDEXTYPE', 'EDITION', 'AUDIT', 'RESTORE', 'PLUGGABLE', 'SPFILE', 'PFILE', 'OUTLINE', 'ATTRIBUTE', 'HIERARCHY',
  'ANALYTIC', 'LOCKDOWN', 'MLE', 'DOMAIN', 'PROPERTY', 'LOGICAL', 'INMEMORY', 'ROLLBACK', 'CONTROLFILE', 'DISKGROUP', 'FLASHBACK',
];

/**
 * Reads scripts into a model. Unqualified names belong to `defaultSchema` (an Oracle stored name,
 * e.g. `HR`).
 *
 * @example
 * const model = readOracleModel([{ name: 'hr.sql', text }], 'HR');
 */
export function readOracleModel(scripts: readonly DdlScript[], defaultSchema: string): OracleModel {
  const reader = new ModelReader(defaultSchema);
  for (const script of scripts) reader.readScript(script);
  reader.finish();
  return reader.model;
}

class ModelReader {
  readonly model: OracleModel = { objects: [], plsql: [], unconverted: [], readNotes: [] };
  private ignored = new Map<string, { file: string; kinds: Map<string, number> }>();
  /** ALTER/COMMENT statements on objects not read yet (scripts in another order): tried again at the end. */
  private deferred: { tokens: Token[]; ctx: ReadContext; file: string }[] = [];
  private final = false;

  constructor(private readonly defaultSchema: string) {}

  /** Applies the statements that waited for objects of later scripts. */
  finish(): void {
    this.final = true;
    const waiting = this.deferred;
    this.deferred = [];
    for (const d of waiting) this.run(d.tokens, d.ctx, d.file);
  }

  private run(tokens: Token[], ctx: ReadContext, file: string): void {
    try {
      this.dispatch(new TokenCursor(tokens), ctx, file);
    } catch (error) {
      if (error instanceof UnconvertibleError || error instanceof DdlSyntaxError) {
        const name = guessName(tokens, this.defaultSchema);
        const code = error instanceof UnconvertibleError ? error.code : 'SYNTAX';
        const reason = error instanceof UnconvertibleError ? `${error.message} has no PostgreSQL form` : `could not read the statement: ${error.message}`;
        this.unconverted(guessKind(tokens), name, ctx.text, reason, code, ctx.source);
        return;
      }
      // A converter bug must cost one statement, not the whole export.
      const reason = `the converter failed on this statement (a bug, please report it): ${(error as Error).message}`;
      this.unconverted(guessKind(tokens), guessName(tokens, this.defaultSchema), ctx.text, reason, 'CONVERTER_ERROR', ctx.source);
    }
  }

  /** Whether a statement on a missing object should wait for the end of all scripts. */
  private defer(c: TokenCursor, ctx: ReadContext, file: string): boolean {
    if (this.final) return false;
    this.deferred.push({ tokens: [...c.tokens], ctx, file });
    return true;
  }

  readScript(script: DdlScript): void {
    const split = splitOracleScript(script.text);
    for (const statement of split.statements) this.readStatement(statement, script.name);
    const commands = split.skipped.length;
    if (commands > 0) this.countIgnored(script.name, 'SQL*Plus commands', commands);
    const summary = this.ignored.get(script.name);
    if (summary) {
      const parts = [...summary.kinds.entries()].map(([k, n]) => `${k}: ${n}`);
      this.model.readNotes.push({
        objectType: 'SCRIPT', name: { schema: this.defaultSchema, name: script.name }, code: 'IGNORED_STATEMENTS', severity: 'changed',
        message: `left out of ${script.name}: ${parts.join(', ')}`,
      });
    }
  }

  private countIgnored(file: string, kind: string, n = 1): void {
    const entry = this.ignored.get(file) ?? { file, kinds: new Map<string, number>() };
    entry.kinds.set(kind, (entry.kinds.get(kind) ?? 0) + n);
    this.ignored.set(file, entry);
  }

  private readStatement(statement: ScriptStatement, file: string): void {
    const source: SourceRef = { file, line: statement.line };
    const text = statement.text;
    if (statement.plsql) {
      this.readPlsql(statement, source);
      return;
    }
    // Data statements (exports hold thousands of INSERTs) are counted without reading them.
    if (/^(insert|update|delete|merge|commit|rollback|savepoint)\b/i.test(text)) {
      this.countIgnored(file, 'data statements (INSERT, UPDATE, DELETE, MERGE, COMMIT, …)');
      return;
    }
    let tokens: Token[];
    try {
      tokens = tokenizeOracle(text);
    } catch (error) {
      if (!(error instanceof OracleTokenizeError)) throw error;
      this.unconverted('STATEMENT', { schema: this.defaultSchema, name: `line ${statement.line}` }, text, `could not read the statement: ${error.message}`, 'SYNTAX', source);
      return;
    }
    if (tokens.length === 0) return;
    this.run(tokens, this.context(text, source), file);
  }

  private context(text: string, source: SourceRef): ReadContext {
    return {
      text, defaultSchema: this.defaultSchema, source,
      note: (objectType, name, code, severity, message) => this.model.readNotes.push({ objectType, name, code, severity, message }),
    };
  }

  /** Whether a table or view of this name was in the scripts but could not be read (it is in the manual list). */
  private failedTable(name: QualifiedName): boolean {
    return this.model.unconverted.some((u) => (u.kind === 'TABLE' || u.kind === 'VIEW') && sameName(u.name, name));
  }

  private unconverted(kind: string, name: QualifiedName, text: string, reason: string, code: string, source: SourceRef): void {
    this.model.unconverted.push({ kind, name, text, reason, code, source });
  }

  private dispatch(c: TokenCursor, ctx: ReadContext, file: string): void {
    const first = c.peek()!.value;
    if (c.acceptWords('CREATE')) {
      c.acceptWords('OR', 'REPLACE');
      c.acceptWords('NO', 'FORCE');
      c.acceptOneOf('FORCE', 'NOFORCE');
      c.acceptOneOf('EDITIONABLE', 'NONEDITIONABLE');
      c.acceptWords('EDITIONING');
      if (c.isWord('TABLE') || c.isWords('GLOBAL', 'TEMPORARY') || c.isWords('PRIVATE', 'TEMPORARY') || c.isWord('SHARDED') ||
        c.isWord('DUPLICATED') || c.isWord('BLOCKCHAIN') || c.isWord('IMMUTABLE')) {
        this.addObject(readCreateTable(c, ctx));
        return;
      }
      if (c.isWord('INDEX') || c.isWords('UNIQUE', 'INDEX') || c.isWords('BITMAP', 'INDEX') || c.isWords('MULTIVALUE', 'INDEX')) {
        this.addObject(readCreateIndex(c, ctx));
        return;
      }
      if (c.isWord('SEQUENCE')) {
        this.addObject(readCreateSequence(c, ctx));
        return;
      }
      if (c.isWord('VIEW')) {
        this.addObject(readCreateView(c, ctx));
        return;
      }
      if (c.isWords('MATERIALIZED', 'VIEW', 'LOG')) {
        this.countIgnored(file, 'CREATE MATERIALIZED VIEW LOG statements');
        return;
      }
      if (c.isWords('MATERIALIZED', 'VIEW')) {
        this.addObject(readCreateMaterializedView(c, ctx));
        return;
      }
      if (c.isWord('SYNONYM') || c.isWords('PUBLIC', 'SYNONYM')) {
        this.addObject(readCreateSynonym(c, ctx));
        return;
      }
      if (c.isWord('TYPE')) {
        this.addObject(readCreateType(c, ctx));
        return;
      }
      const what = NOT_CONVERTED_OBJECTS.find((w) => c.isWords(...w.split(' ')));
      const kind = what ?? c.peek()?.value ?? 'OBJECT';
      this.unconverted(kind, guessName(c.tokens, this.defaultSchema), ctx.text, `CREATE ${kind} is not converted (no PostgreSQL schema object)`, 'NOT_CONVERTED', ctx.source);
      return;
    }
    if (c.acceptWords('ALTER', 'TABLE')) {
      const name = qualify(c.dottedName().parts, this.defaultSchema);
      const table = this.find('TABLE', name) as TableDef | undefined;
      if (!table) {
        if (this.defer(c, ctx, file)) return;
        if (this.failedTable(name)) {
          this.unconverted('ALTER TABLE', name, ctx.text, `ALTER TABLE of ${name.name}, which is not converted`, 'DEPENDS_ON_MANUAL', ctx.source);
          return;
        }
        this.unconverted('ALTER TABLE', name, ctx.text, 'ALTER TABLE of a table the scripts do not create', 'ALTER_UNKNOWN_TABLE', ctx.source);
        return;
      }
      const outcome = applyAlterTable(c, table, ctx);
      if (!outcome.applied) ctx.note('TABLE', table.name, 'ALTER_TABLE_IGNORED', 'unsupported', `ALTER TABLE not applied: ${outcome.reason}`);
      return;
    }
    if (c.acceptWords('ALTER', 'SEQUENCE')) {
      const name = qualify(c.dottedName().parts, this.defaultSchema);
      const seq = this.find('SEQUENCE', name) as SequenceDef | undefined;
      if (!seq && this.defer(c, ctx, file)) return;
      const changes = readSequenceOptions(c);
      if (seq) Object.assign(seq.options, changes);
      return;
    }
    if (c.acceptWords('ALTER', 'TRIGGER')) {
      const name = qualify(c.dottedName().parts, this.defaultSchema);
      const unit = this.model.plsql.find((u) => u.kind === 'TRIGGER' && sameName(u.name, name));
      if (unit) unit.text += `\n\n${ctx.text};`;
      else this.defer(c, ctx, file);
      return;
    }
    if (c.acceptWords('ALTER', 'INDEX')) {
      const name = qualify(c.dottedName().parts, this.defaultSchema);
      if (c.acceptWords('RENAME', 'TO')) {
        const index = this.find('INDEX', name);
        if (index) index.name = { schema: name.schema, name: c.identifier().name };
      }
      return;
    }
    if (c.acceptWords('COMMENT', 'ON')) {
      this.applyComment(c, ctx, file);
      return;
    }
    if (c.acceptWords('RENAME')) {
      const from = qualify(c.dottedName().parts, this.defaultSchema);
      c.expectWords('TO');
      const to = c.identifier().name;
      const object = this.model.objects.find((o) => o.kind !== 'INDEX' && sameName(o.name, from));
      if (object) object.name = { schema: object.name.schema, name: to };
      return;
    }
    if (first === 'GRANT' || first === 'REVOKE') {
      this.countIgnored(file, 'GRANT/REVOKE statements');
      return;
    }
    if (first === 'DROP') {
      this.countIgnored(file, 'DROP statements');
      return;
    }
    if (first === 'ALTER') {
      this.countIgnored(file, `ALTER ${c.peek(1)?.value ?? ''} statements`);
      return;
    }
    if (DATA_STATEMENTS.has(first)) {
      this.countIgnored(file, 'data statements (INSERT, UPDATE, DELETE, MERGE, COMMIT, …)');
      return;
    }
    if (SESSION_STATEMENTS.has(first)) {
      this.countIgnored(file, `${first} statements`);
      return;
    }
    this.unconverted(first, guessName(c.tokens, this.defaultSchema), ctx.text, `a ${first} statement is not converted`, 'UNKNOWN_STATEMENT', ctx.source);
  }

  private applyComment(c: TokenCursor, ctx: ReadContext, file: string): void {
    const comment = readComment(c, ctx);
    if (comment.on === 'OTHER') return;
    // A materialized view's container table has its name too: the comment belongs to the view.
    const candidates = this.model.objects.filter((o) => (o.kind === 'TABLE' || o.kind === 'VIEW' || o.kind === 'MVIEW') && sameName(o.name, comment.object));
    const target = (candidates.find((o) => o.kind === 'MVIEW') ?? candidates.find((o) => o.kind === 'VIEW') ?? candidates[0]) as TableDef | ViewDef | undefined;
    if (!target) {
      if (this.defer(c, ctx, file)) return;
      const why = this.failedTable(comment.object) ? 'which is not converted' : 'which the scripts do not create';
      ctx.note('COMMENT', comment.object, 'COMMENT_UNKNOWN_OBJECT', 'unsupported', `a comment on ${comment.object.name}${comment.column ? '.' + comment.column : ''}, ${why}, was dropped`);
      return;
    }
    if (comment.column !== undefined) target.columnComments.set(comment.column, comment.text);
    else target.comment = comment.text;
  }

  private addObject(def: ObjectDef): void {
    // CREATE OR REPLACE of an object read earlier replaces it.
    const index = this.model.objects.findIndex((o) => sameKind(o.kind, def.kind) && sameName(o.name, def.name));
    if (index >= 0) this.model.objects.splice(index, 1);
    this.model.objects.push(def);
  }

  private find(kind: ObjectDef['kind'], name: QualifiedName): ObjectDef | undefined {
    return this.model.objects.find((o) => o.kind === kind && sameName(o.name, name));
  }

  private readPlsql(statement: ScriptStatement, source: SourceRef): void {
    const text = statement.text;
    let tokens: Token[];
    try {
      tokens = tokenizeOracle(text);
    } catch {
      try {
        tokens = tokenizeOracle(text.split('\n')[0]!);
      } catch {
        tokens = [];
      }
    }
    // A type spec is data structure, not code: it converts (CREATE TYPE … AS OBJECT/VARRAY/TABLE).
    const c = new TokenCursor(tokens);
    c.acceptWords('CREATE');
    c.acceptWords('OR', 'REPLACE');
    c.acceptOneOf('EDITIONABLE', 'NONEDITIONABLE');
    if (c.isWord('TYPE') && !c.isWords('TYPE', 'BODY')) {
      const ctx = this.context(text, source);
      try {
        const type = readCreateType(c, ctx);
        this.addObject(type);
        // The attributes convert; the method declarations go with the TYPE BODY to the manual list.
        if (!type.hasMethods) return;
      } catch (error) {
        if (!(error instanceof UnconvertibleError) && !(error instanceof DdlSyntaxError)) throw error;
      }
    }
    if (c.pos === 0 && (c.isWord('BEGIN') || c.isWord('DECLARE'))) {
      const ddl = dynamicDdlOf(tokens);
      if (ddl) {
        this.model.readNotes.push({
          objectType: 'SCRIPT', name: { schema: this.defaultSchema, name: `${source.file} line ${statement.line}` }, code: 'DYNAMIC_DDL', severity: 'changed',
          message: `the anonymous block only runs DDL with EXECUTE IMMEDIATE; that DDL is converted as if written directly (an exception handler that made the script re-runnable is not)`,
        });
        for (const text of ddl) this.readStatement({ text, line: statement.line, plsql: startsPlsqlUnit(text) }, source.file);
        return;
      }
    }
    let head: Pick<PlsqlUnit, 'kind' | 'name' | 'table'>;
    try {
      head = readPlsqlHead(tokens, this.defaultSchema);
    } catch (error) {
      if (!(error instanceof DdlSyntaxError)) throw error;
      head = { kind: 'ANONYMOUS BLOCK', name: { schema: this.defaultSchema, name: `line ${statement.line}` } };
    }
    if (head.kind === 'ANONYMOUS BLOCK') head = { ...head, name: { schema: this.defaultSchema, name: `${source.file} line ${statement.line}` } };
    const existing = this.model.plsql.findIndex((u) => u.kind === head.kind && sameName(u.name, head.name) && head.kind !== 'ANONYMOUS BLOCK');
    if (existing >= 0) this.model.plsql.splice(existing, 1);
    this.model.plsql.push({ ...head, text: `${text}\n/`, source });
  }
}

function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

/** CREATE OR REPLACE replaces an object of the same kind only (a materialized view's container table stays). */
function sameKind(a: ObjectDef['kind'], b: ObjectDef['kind']): boolean {
  return a === b;
}

/** A best guess at what a statement creates, for the unconverted list. */
function guessKind(tokens: readonly Token[]): string {
  const words = tokens.slice(0, 8).filter((t) => t.kind === 'word').map((t) => t.value);
  if (words[0] !== 'CREATE') return words.slice(0, 2).join(' ') || 'STATEMENT';
  const known = ['TABLE', 'VIEW', 'INDEX', 'SEQUENCE', 'SYNONYM', 'TYPE', 'MATERIALIZED'];
  const hit = words.find((w) => known.includes(w));
  return hit === 'MATERIALIZED' ? 'MVIEW' : hit ?? words[1] ?? 'STATEMENT';
}

function guessName(tokens: readonly Token[], defaultSchema: string): QualifiedName {
  const kinds = new Set(['TABLE', 'VIEW', 'INDEX', 'SEQUENCE', 'SYNONYM', 'TYPE', 'USER', 'ROLE', 'DIRECTORY', 'LINK', 'CLUSTER', 'DIMENSION', 'CONTEXT', 'TABLESPACE', 'OPERATOR', 'INDEXTYPE', 'PROFILE']);
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word' && kinds.has(t.value)) {
      const c = new TokenCursor(tokens);
      c.pos = i + 1;
      if (c.isIdentifier()) {
        try {
          return qualify(c.dottedName().parts, defaultSchema);
        } catch {
          break;
        }
      }
    }
  }
  return { schema: defaultSchema, name: '(statement)' };
}
