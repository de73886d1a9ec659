/**
 * Reads `CREATE TABLE` and `ALTER TABLE` into the model: columns, inline and out-of-line
 * constraints with their states, identity and virtual columns, partitioning. Storage, segment,
 * tablespace, LOB and logging clauses are read past and dropped.
 */
import { UnconvertibleError } from './conversion-note.js';
import {
  DEFAULT_STATE, type BoundValue, type ColumnDef, type ConstraintDef, type ConstraintState, type IdentitySpec, type ParsedExpr,
  type PartitionDef, type PartitionScheme, type QualifiedName, type SequenceOptions, type SourceRef, type TableDef,
} from './oracle-model.js';
import { parseOracleType } from './oracle-type.js';
import type { Token } from './oracle-tokenizer.js';
import { SqlParser } from './sql-parser.js';
import { DdlSyntaxError, TokenCursor, splitTopLevel } from './token-cursor.js';

/** Context a reader needs: the statement text (token offsets point into it) and the default schema. */
export interface ReadContext {
  readonly text: string;
  readonly defaultSchema: string;
  readonly source: SourceRef;
  /** Records a note on an object while reading. */
  note(objectType: string, name: QualifiedName, code: string, severity: 'changed' | 'unsupported' | 'manual', message: string): void;
}

/** Resolves a dotted name to schema and name. */
export function qualify(parts: readonly string[], defaultSchema: string): QualifiedName {
  if (parts.length === 1) return { schema: defaultSchema, name: parts[0]! };
  return { schema: parts[parts.length - 2]!, name: parts[parts.length - 1]! };
}

const CONSTRAINT_START = new Set(['CONSTRAINT', 'NOT', 'NULL', 'PRIMARY', 'UNIQUE', 'CHECK', 'REFERENCES', 'FOREIGN']);
const STATE_WORDS = new Set([
  'ENABLE', 'DISABLE', 'VALIDATE', 'NOVALIDATE', 'DEFERRABLE', 'INITIALLY', 'RELY', 'NORELY', 'USING', 'EXCEPTIONS', 'NOT',
]);

/** The text of a token range of the statement. */
export function textOf(ctx: { readonly text: string }, tokens: readonly Token[]): string {
  if (tokens.length === 0) return '';
  return ctx.text.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end);
}

/** Parses an expression at the cursor and moves past it. */
export function expressionAt(c: TokenCursor, ctx: { readonly text: string }): ParsedExpr {
  const p = new SqlParser(c.tokens.slice(c.pos), ctx.text);
  const from = c.pos;
  const expr = p.expr();
  c.pos += p.c.pos;
  return { expr, text: textOf(ctx, c.tokens.slice(from, c.pos)) };
}

/** Parses a whole token list as one expression. */
export function expressionOf(tokens: readonly Token[], ctx: { readonly text: string }): ParsedExpr {
  const p = new SqlParser(tokens, ctx.text);
  const expr = p.expr();
  p.expectEnd();
  return { expr, text: textOf(ctx, tokens) };
}

/**
 * Reads `CREATE … TABLE` (the cursor is after CREATE and the table kind words were checked by the
 * caller: the cursor stands on TABLE or on GLOBAL/PRIVATE/… before it).
 */
export function readCreateTable(c: TokenCursor, ctx: ReadContext): TableDef {
  let temporary: 'DELETE' | 'PRESERVE' | undefined;
  if (c.acceptWords('GLOBAL', 'TEMPORARY')) temporary = 'DELETE';
  else if (c.acceptWords('PRIVATE', 'TEMPORARY')) throw new UnconvertibleError('PRIVATE_TEMPORARY_TABLE', 'a private temporary table exists only in its session');
  let blockchain = false;
  for (;;) {
    const w = c.acceptOneOf('SHARDED', 'DUPLICATED', 'BLOCKCHAIN', 'IMMUTABLE');
    if (!w) break;
    if (w === 'BLOCKCHAIN' || w === 'IMMUTABLE') blockchain = true;
  }
  c.expectWords('TABLE');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  if (c.acceptWords('SHARING')) {
    c.acceptOp('=');
    c.next();
  }
  const table: TableDef = {
    kind: 'TABLE', name, columns: [], constraints: [], columnComments: new Map(), source: ctx.source, text: ctx.text,
    ...(temporary ? { temporary } : {}),
  };
  if (blockchain) ctx.note('TABLE', name, 'BLOCKCHAIN_TABLE', 'changed', 'a blockchain/immutable table becomes an ordinary table (rows can be changed and deleted)');
  if (c.acceptWords('OF')) {
    // An object table: its columns are the type's attributes, which the writer looks up; what the
    // table adds (constraints, defaults on attributes) is read here.
    const parts = c.dottedName().parts;
    table.objectTable = parts.join('.');
    table.objectType = qualify(parts, ctx.defaultSchema);
    if (c.acceptWords('NOT', 'SUBSTITUTABLE', 'AT', 'ALL', 'LEVELS')) table.notSubstitutable = true;
    else c.acceptWords('SUBSTITUTABLE', 'AT', 'ALL', 'LEVELS');
    if (c.isPunct('(')) {
      for (const item of splitTopLevel(c.group())) {
        // SCOPE FOR (ref_attribute) IS table, REF (ref_attribute) WITH ROWID: REFs have no PostgreSQL form.
        if (item[0]?.kind === 'word' && (item[0].value === 'SCOPE' || item[0].value === 'REF')) continue;
        readRelationalItem(item, table, ctx);
      }
    }
    readTableProperties(c, table, ctx);
    return table;
  }
  if (c.isPunct('(')) {
    for (const item of splitTopLevel(c.group())) readRelationalItem(item, table, ctx);
  }
  readTableProperties(c, table, ctx);
  return table;
}

function readRelationalItem(tokens: Token[], table: TableDef, ctx: ReadContext): void {
  const c = new TokenCursor(tokens);
  if (c.isWords('SUPPLEMENTAL', 'LOG')) return;
  if (c.isWords('PERIOD', 'FOR')) {
    ctx.note('TABLE', table.name, 'PERIOD_FOR', 'unsupported', 'a PERIOD FOR (temporal validity) clause was dropped');
    return;
  }
  if (c.isWord('CONSTRAINT') || c.isWord('PRIMARY') || c.isWord('UNIQUE') || c.isWord('CHECK') || c.isWord('FOREIGN')) {
    table.constraints.push(readOutOfLineConstraint(c, ctx));
    if (!c.atEnd()) throw new DdlSyntaxError(`unexpected '${c.peek()!.value}' after a constraint`);
    return;
  }
  readColumn(c, table, ctx);
}

/** Reads one column definition (name, type, attributes, inline constraints) into the table. */
export function readColumn(c: TokenCursor, table: TableDef, ctx: ReadContext, modify = false): ColumnDef {
  const name = c.identifier().name;
  const startsAttribute = () =>
    c.atEnd() || c.isWord('AS') || c.isWord('DEFAULT') || c.isWord('GENERATED') || c.isWord('VISIBLE') || c.isWord('INVISIBLE') ||
    c.isWord('ENCRYPT') || c.isWord('DECRYPT') || c.isWord('SORT') || c.isWord('COLLATE') ||
    (c.peek()!.kind === 'word' && (CONSTRAINT_START.has(c.peek()!.value) || STATE_WORDS.has(c.peek()!.value)));
  let column = modify ? table.columns.find((col) => col.name === name) : undefined;
  if (!column) {
    // A virtual column may leave out its type: Oracle takes it from the expression (NUMBER for
    // arithmetic, VARCHAR2 for TO_CHAR, DATE for TRUNC(date)…); the writer does the same.
    column = startsAttribute()
      ? { name, type: { name: 'NUMBER', written: 'NUMBER' }, typeOmitted: true }
      : { name, type: parseOracleType(c) };
    table.columns.push(column);
  } else if (!startsAttribute()) {
    column.type = parseOracleType(c);
  }
  while (!c.atEnd()) {
    if (c.acceptWords('SORT')) continue;
    if (c.acceptWords('VISIBLE')) {
      column.invisible = false;
      continue;
    }
    if (c.acceptWords('INVISIBLE')) {
      column.invisible = true;
      continue;
    }
    if (c.acceptWords('DEFAULT')) {
      let onNull = false;
      if (c.acceptWords('ON', 'NULL')) {
        onNull = true;
        if (c.acceptWords('FOR', 'INSERT')) {
          if (!c.acceptWords('ONLY')) c.acceptWords('AND', 'UPDATE');
        }
      }
      const from = c.pos;
      try {
        column.default = expressionAt(c, ctx);
        column.defaultOnNull = onNull;
        delete column.defaultUnreadable;
      } catch (error) {
        if (!(error instanceof UnconvertibleError) && !(error instanceof DdlSyntaxError)) throw error;
        c.pos = from;
        const skipped = c.until((t) => t.kind === 'word' && (CONSTRAINT_START.has(t.value) || STATE_WORDS.has(t.value)));
        column.defaultUnreadable = textOf(ctx, skipped);
        delete column.default;
      }
      continue;
    }
    if (c.isWord('GENERATED') && (c.isWords('GENERATED', 'BY') || c.isWords('GENERATED', 'ALWAYS', 'AS', 'IDENTITY') || c.isWords('GENERATED', 'AS', 'IDENTITY'))) {
      c.next();
      let always = false;
      let onNull = false;
      // GENERATED AS IDENTITY without ALWAYS or BY DEFAULT is ALWAYS, Oracle's default.
      if (c.acceptWords('ALWAYS') || c.isWords('AS', 'IDENTITY')) always = true;
      else {
        c.expectWords('BY', 'DEFAULT');
        if (c.acceptWords('ON', 'NULL')) onNull = true;
      }
      c.expectWords('AS', 'IDENTITY');
      const options = c.isPunct('(') ? readSequenceOptions(new TokenCursor(c.group())) : readSequenceOptions(c);
      column.identity = { always, onNull, options } satisfies IdentitySpec;
      continue;
    }
    if (c.isWords('GENERATED', 'ALWAYS', 'AS') || c.isWord('AS')) {
      if (c.acceptWords('GENERATED')) c.expectWords('ALWAYS');
      c.expectWords('AS');
      const tokens = c.group();
      try {
        column.virtual = expressionOf(tokens, ctx);
      } catch (error) {
        if (!(error instanceof UnconvertibleError) && !(error instanceof DdlSyntaxError)) throw error;
        column.virtual = { expr: { k: 'null' }, text: `__unreadable__${textOf(ctx, tokens)}` };
      }
      c.acceptWords('VIRTUAL');
      continue;
    }
    if (c.isWord('ENCRYPT') || c.isWord('DECRYPT')) {
      column.encrypted = c.next().value === 'ENCRYPT';
      while (!c.atEnd() && !(c.peek()!.kind === 'word' && (CONSTRAINT_START.has(c.peek()!.value) || c.isWord('DEFAULT')))) c.skipItem();
      continue;
    }
    if (c.acceptWords('COLLATE')) {
      c.next();
      continue;
    }
    if (c.peek()!.kind === 'word' && CONSTRAINT_START.has(c.peek()!.value)) {
      readInlineConstraint(c, column, table, ctx);
      continue;
    }
    if (c.peek()!.kind === 'word' && STATE_WORDS.has(c.peek()!.value)) {
      // A state after a NOT NULL that came without CONSTRAINT (DBMS_METADATA writes `NOT NULL ENABLE`).
      readConstraintState(c);
      continue;
    }
    throw new DdlSyntaxError(`unexpected '${c.peek()!.value}' in the definition of column ${name}`);
  }
  return column;
}

function readInlineConstraint(c: TokenCursor, column: ColumnDef, table: TableDef, ctx: ReadContext): void {
  const name = c.acceptWords('CONSTRAINT') ? c.identifier().name : undefined;
  if (c.acceptWords('NOT', 'NULL')) {
    column.notNull = { ...(name ? { name } : {}), state: readConstraintState(c).state };
    return;
  }
  if (c.acceptWords('NULL')) {
    readConstraintState(c);
    if (column.notNull) delete column.notNull;
    return;
  }
  let def: ConstraintDef;
  if (c.acceptWords('PRIMARY', 'KEY')) def = { kind: 'PRIMARY KEY', columns: [column.name], state: DEFAULT_STATE };
  else if (c.acceptWords('UNIQUE')) def = { kind: 'UNIQUE', columns: [column.name], state: DEFAULT_STATE };
  else if (c.isWord('CHECK')) {
    c.next();
    def = { kind: 'CHECK', columns: [column.name], state: DEFAULT_STATE, ...readCheck(c.group(), ctx) };
  } else if (c.acceptWords('REFERENCES')) {
    def = { kind: 'FOREIGN KEY', columns: [column.name], state: DEFAULT_STATE, references: readReferences(c, ctx) };
  } else throw new DdlSyntaxError(`unexpected '${c.peek()?.value}' in a constraint of column ${column.name}`);
  const st = readConstraintState(c);
  def.state = st.state;
  table.constraints.push({ ...def, ...(name ? { name } : {}), ...(st.usingIndex ? { usingIndex: st.usingIndex } : {}) });
}

/** Reads `[CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) | FOREIGN KEY (…) REFERENCES … | CHECK (…)` and its state. */
export function readOutOfLineConstraint(c: TokenCursor, ctx: { readonly text: string; readonly defaultSchema: string }): ConstraintDef {
  const name = c.acceptWords('CONSTRAINT') ? c.identifier().name : undefined;
  let def: ConstraintDef;
  if (c.acceptWords('PRIMARY', 'KEY')) def = { kind: 'PRIMARY KEY', columns: c.identifierList(), state: DEFAULT_STATE };
  else if (c.acceptWords('UNIQUE')) def = { kind: 'UNIQUE', columns: c.identifierList(), state: DEFAULT_STATE };
  else if (c.acceptWords('FOREIGN', 'KEY')) {
    const columns = c.identifierList();
    c.expectWords('REFERENCES');
    def = { kind: 'FOREIGN KEY', columns, state: DEFAULT_STATE, references: readReferences(c, ctx) };
  } else if (c.acceptWords('CHECK')) {
    def = { kind: 'CHECK', columns: [], state: DEFAULT_STATE, ...readCheck(c.group(), ctx) };
  } else throw new DdlSyntaxError(`expected a constraint ${c.where()}`);
  const st = readConstraintState(c);
  return { ...def, state: st.state, ...(name ? { name } : {}), ...(st.usingIndex ? { usingIndex: st.usingIndex } : {}) };
}

function readCheck(tokens: Token[], ctx: { readonly text: string }): Pick<ConstraintDef, 'check' | 'checkUnreadable'> {
  try {
    return { check: expressionOf(tokens, ctx) };
  } catch (error) {
    if (error instanceof UnconvertibleError) return { checkUnreadable: { text: textOf(ctx, tokens), reason: error.message, code: error.code } };
    if (error instanceof DdlSyntaxError) return { checkUnreadable: { text: textOf(ctx, tokens), reason: `could not read the condition: ${error.message}`, code: 'CHECK_SYNTAX' } };
    throw error;
  }
}

function readReferences(c: TokenCursor, ctx: { readonly defaultSchema: string }): NonNullable<ConstraintDef['references']> {
  const target = c.dottedName();
  if (target.dblink !== undefined) throw new UnconvertibleError('DBLINK', 'a foreign key over a database link');
  const columns = c.isPunct('(') ? c.identifierList() : undefined;
  let onDelete: 'CASCADE' | 'SET NULL' | undefined;
  if (c.acceptWords('ON', 'DELETE', 'CASCADE')) onDelete = 'CASCADE';
  else if (c.acceptWords('ON', 'DELETE', 'SET', 'NULL')) onDelete = 'SET NULL';
  return { table: qualify(target.parts, ctx.defaultSchema), ...(columns ? { columns } : {}), ...(onDelete ? { onDelete } : {}) };
}

/** Reads a constraint state (ENABLE/DISABLE, VALIDATE/NOVALIDATE, DEFERRABLE, USING INDEX …). */
export function readConstraintState(c: TokenCursor): { state: ConstraintState; usingIndex?: string } {
  let enabled = true;
  let validated: boolean | undefined;
  let deferrable = false;
  let initiallyDeferred = false;
  let usingIndex: string | undefined;
  for (;;) {
    if (c.acceptWords('NOT', 'DEFERRABLE')) continue;
    if (c.acceptWords('DEFERRABLE')) {
      deferrable = true;
      continue;
    }
    if (c.acceptWords('INITIALLY', 'DEFERRED')) {
      initiallyDeferred = true;
      continue;
    }
    if (c.acceptWords('INITIALLY', 'IMMEDIATE')) continue;
    if (c.acceptOneOf('RELY', 'NORELY')) continue;
    if (c.acceptWords('ENABLE')) {
      enabled = true;
      continue;
    }
    if (c.acceptWords('DISABLE')) {
      enabled = false;
      continue;
    }
    if (c.acceptWords('VALIDATE')) {
      validated = true;
      continue;
    }
    if (c.acceptWords('NOVALIDATE')) {
      validated = false;
      continue;
    }
    if (c.acceptWords('EXCEPTIONS', 'INTO')) {
      c.dottedName();
      continue;
    }
    if (c.acceptWords('USING', 'INDEX')) {
      if (c.isPunct('(')) {
        const inner = new TokenCursor(c.group());
        inner.acceptWords('CREATE');
        inner.acceptOneOf('UNIQUE', 'BITMAP');
        if (inner.acceptWords('INDEX')) usingIndex = inner.dottedName().parts.at(-1);
      } else if (c.isIdentifier() && !INDEX_ATTRIBUTE_WORDS.has(c.peek()!.value)) {
        usingIndex = c.dottedName().parts.at(-1);
      }
      skipUntilState(c);
      continue;
    }
    break;
  }
  // ENABLE means VALIDATE unless said otherwise; DISABLE means NOVALIDATE.
  const state = { enabled, validated: validated ?? enabled, deferrable, initiallyDeferred };
  return { state, ...(usingIndex ? { usingIndex } : {}) };
}

const INDEX_ATTRIBUTE_WORDS = new Set([
  'PCTFREE', 'INITRANS', 'MAXTRANS', 'TABLESPACE', 'STORAGE', 'COMPUTE', 'LOGGING', 'NOLOGGING', 'COMPRESS', 'NOCOMPRESS',
  'LOCAL', 'GLOBAL', 'REVERSE', 'SORT', 'NOSORT', 'VISIBLE', 'INVISIBLE', 'ONLINE', 'PARALLEL', 'NOPARALLEL', 'ENABLE', 'DISABLE',
]);

function skipUntilState(c: TokenCursor): void {
  const stop = new Set(['ENABLE', 'DISABLE', 'VALIDATE', 'NOVALIDATE', 'EXCEPTIONS', 'RELY', 'NORELY', 'DEFERRABLE', 'INITIALLY',
    'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'REFERENCES']);
  while (!c.atEnd()) {
    const t = c.peek()!;
    if (t.kind === 'punct' && (t.value === ',' || t.value === ')')) return;
    if (t.kind === 'word' && stop.has(t.value)) return;
    if (c.isWords('NOT', 'DEFERRABLE') || c.isWords('NOT', 'NULL')) return;
    c.skipItem();
  }
}

/** Reads sequence options (CREATE SEQUENCE, identity columns) until a word that is not one. */
export function readSequenceOptions(c: TokenCursor): SequenceOptions {
  const o: SequenceOptions = {};
  for (;;) {
    if (c.acceptWords('START', 'WITH')) {
      if (c.acceptWords('LIMIT', 'VALUE')) o.startAtLimit = true;
      else o.start = c.number();
    } else if (c.acceptWords('INCREMENT', 'BY')) o.increment = c.number();
    else if (c.acceptWords('MINVALUE')) o.minValue = c.number();
    else if (c.acceptWords('NOMINVALUE')) delete o.minValue;
    else if (c.acceptWords('MAXVALUE')) o.maxValue = c.number();
    else if (c.acceptWords('NOMAXVALUE')) delete o.maxValue;
    else if (c.acceptWords('CYCLE')) o.cycle = true;
    else if (c.acceptWords('NOCYCLE')) o.cycle = false;
    else if (c.acceptWords('CACHE')) o.cache = c.number();
    else if (c.acceptWords('NOCACHE')) o.cache = '1';
    else if (c.acceptWords('SCALE')) {
      o.scale = true;
      c.acceptOneOf('EXTEND', 'NOEXTEND');
    } else if (c.acceptWords('SESSION')) o.session = true;
    else if (c.acceptOneOf('ORDER', 'NOORDER', 'KEEP', 'NOKEEP', 'NOSCALE', 'GLOBAL', 'NOSHARD')) continue;
    else if (c.acceptWords('SHARD')) c.acceptOneOf('EXTEND', 'NOEXTEND');
    else if (c.acceptWords('SHARING')) {
      c.acceptOp('=');
      c.next();
    } else if (c.isPunct(',')) c.next();
    else return o;
  }
}

function readTableProperties(c: TokenCursor, table: TableDef, ctx: ReadContext): void {
  while (!c.atEnd()) {
    if (c.acceptWords('PARTITION', 'BY')) {
      table.partitioning = readPartitioning(c, ctx);
      continue;
    }
    if (c.acceptWords('ORGANIZATION')) {
      const kind = c.acceptOneOf('INDEX', 'EXTERNAL', 'HEAP');
      if (kind === 'INDEX') table.organizationIndex = true;
      if (kind === 'EXTERNAL') table.external = true;
      continue;
    }
    if (c.acceptWords('ON', 'COMMIT')) {
      if (c.acceptWords('PRESERVE')) table.temporary = 'PRESERVE';
      else {
        c.acceptWords('DELETE');
        table.temporary = 'DELETE';
      }
      c.acceptWords('ROWS');
      continue;
    }
    if (c.acceptWords('CLUSTER')) {
      table.clustered = c.dottedName().parts.join('.');
      if (c.isPunct('(')) c.group();
      continue;
    }
    if (c.acceptWords('OBJECT', 'IDENTIFIER', 'IS')) {
      // An object table's object identifiers: SYSTEM GENERATED or PRIMARY KEY; REFs have no PostgreSQL form.
      if (!c.acceptWords('SYSTEM', 'GENERATED')) c.acceptWords('PRIMARY', 'KEY');
      continue;
    }
    if (c.acceptWords('STORE', 'AS')) {
      // LOB (…) / XMLTYPE … / NESTED TABLE … / VARRAY … STORE AS [SECUREFILE|BASICFILE] [segment] [(…)]:
      // storage only. Its parenthesized part must not read as the query of CREATE TABLE … AS (…).
      continue;
    }
    if (c.isWord('AS') && (c.isWord('SELECT', 1) || c.isWord('WITH', 1) || c.isPunct('(', 1))) {
      c.next();
      const tokens = c.rest();
      const p = new SqlParser(tokens, ctx.text);
      const query = p.query();
      p.expectEnd();
      table.asQuery = { query, text: textOf(ctx, tokens) };
      return;
    }
    c.skipItem();
  }
}

function readPartitioning(c: TokenCursor, ctx: ReadContext): PartitionScheme {
  const method = c.acceptOneOf('RANGE', 'LIST', 'HASH', 'REFERENCE', 'SYSTEM') as PartitionScheme['method'] | undefined;
  if (!method) throw new DdlSyntaxError(`unknown partitioning ${c.where()}`);
  const columns = method === 'SYSTEM' ? [] : c.identifierList();
  let interval: string | undefined;
  let automatic = false;
  if (c.acceptWords('INTERVAL')) {
    interval = textOf(ctx, c.group());
    if (c.acceptWords('STORE', 'IN')) c.group();
  }
  if (c.acceptWords('AUTOMATIC')) {
    automatic = true;
    if (c.acceptWords('STORE', 'IN')) c.group();
  }
  let sub: PartitionScheme['sub'];
  if (c.acceptWords('SUBPARTITION', 'BY')) {
    const subMethod = c.acceptOneOf('RANGE', 'LIST', 'HASH') as 'RANGE' | 'LIST' | 'HASH' | undefined;
    if (!subMethod) throw new DdlSyntaxError(`unknown subpartitioning ${c.where()}`);
    const subColumns = c.identifierList();
    let count: number | undefined;
    let template: PartitionDef[] | undefined;
    if (c.acceptWords('SUBPARTITIONS')) {
      count = Number(c.number());
      if (c.acceptWords('STORE', 'IN')) c.group();
    }
    if (c.acceptWords('SUBPARTITION', 'TEMPLATE')) {
      if (c.isPunct('(')) template = splitTopLevel(c.group()).map((t) => readPartition(new TokenCursor(t), 'SUBPARTITION', subMethod, ctx));
      else count = Number(c.number());
    }
    sub = { method: subMethod, columns: subColumns, ...(template ? { template } : {}), ...(count !== undefined ? { count } : {}) };
  }
  const partitions: PartitionDef[] = [];
  if (method === 'HASH' && c.acceptWords('PARTITIONS')) {
    const n = Number(c.number());
    for (let i = 0; i < n; i++) partitions.push({ values: [], isDefault: false });
    if (c.acceptWords('STORE', 'IN')) c.group();
  } else if (c.isPunct('(')) {
    for (const t of splitTopLevel(c.group())) partitions.push(readPartition(new TokenCursor(t), 'PARTITION', method, ctx));
  }
  return {
    method, columns, partitions, ...(interval ? { interval } : {}), ...(automatic ? { automatic } : {}), ...(sub ? { sub } : {}),
  };
}

function readPartition(c: TokenCursor, word: 'PARTITION' | 'SUBPARTITION', method: PartitionScheme['method'], ctx: ReadContext): PartitionDef {
  c.expectWords(word);
  const name = c.isIdentifier() && !c.isWord('VALUES') ? c.identifier().name : undefined;
  let values: BoundValue[] = [];
  let isDefault = false;
  if (c.acceptWords('VALUES', 'LESS', 'THAN') || c.acceptWords('VALUES')) {
    const items = splitTopLevel(c.group());
    if (items.length === 1 && items[0]!.length === 1 && items[0]![0]!.kind === 'word' && items[0]![0]!.value === 'DEFAULT') isDefault = true;
    else values = items.map((tokens) => ({ tokens, text: textOf(ctx, tokens) }));
  }
  let subpartitions: PartitionDef[] | undefined;
  let subpartitionCount: number | undefined;
  while (!c.atEnd()) {
    if (c.isPunct('(') && c.isWord('SUBPARTITION', 1)) {
      subpartitions = splitTopLevel(c.group()).map((t) => readPartition(new TokenCursor(t), 'SUBPARTITION', method, ctx));
      continue;
    }
    if (c.acceptWords('SUBPARTITIONS')) {
      subpartitionCount = Number(c.number());
      continue;
    }
    c.skipItem();
  }
  return {
    values, isDefault, ...(name ? { name } : {}), ...(subpartitions ? { subpartitions } : {}),
    ...(subpartitionCount !== undefined ? { subpartitionCount } : {}),
  };
}

/** What an ALTER TABLE did, for the caller's notes. */
export type AlterOutcome = { readonly applied: true } | { readonly applied: false; readonly reason: string };

/**
 * Applies `ALTER TABLE … ADD/MODIFY/DROP/RENAME/ENABLE/DISABLE …` to a table of the model (the
 * cursor is after the table name).
 */
export function applyAlterTable(c: TokenCursor, table: TableDef, ctx: ReadContext): AlterOutcome {
  if (c.acceptWords('ADD')) {
    if (c.isWords('SUPPLEMENTAL', 'LOG')) return { applied: true };
    if (c.isWord('PARTITION') || c.isWord('SUBPARTITION')) return { applied: false, reason: 'ADD PARTITION (the partitions of the CREATE TABLE are converted)' };
    if (c.isPunct('(')) {
      for (const item of splitTopLevel(c.group())) addItem(new TokenCursor(item), table, ctx);
    } else addItem(c, table, ctx);
    return { applied: true };
  }
  if (c.acceptWords('MODIFY')) {
    if (c.acceptWords('CONSTRAINT')) {
      const name = c.identifier().name;
      const def = table.constraints.find((k) => k.name === name);
      const st = readConstraintState(c);
      if (def) def.state = { ...def.state, enabled: st.state.enabled, validated: st.state.validated };
      else {
        const col = table.columns.find((x) => x.notNull?.name === name);
        if (col?.notNull) col.notNull = { name, state: st.state };
      }
      return { applied: true };
    }
    if (c.isWord('PRIMARY') || c.isWord('UNIQUE')) {
      const kind = c.acceptWords('PRIMARY', 'KEY') ? 'PRIMARY KEY' : (c.next(), 'UNIQUE');
      const columns = kind === 'UNIQUE' ? c.identifierList() : undefined;
      const def = table.constraints.find((k) => k.kind === kind && (!columns || k.columns.join() === columns.join()));
      const st = readConstraintState(c);
      if (def) def.state = { ...def.state, enabled: st.state.enabled, validated: st.state.validated };
      return { applied: true };
    }
    if (c.isWord('PARTITION') || c.isWord('SUBPARTITION') || c.isWord('DEFAULT') || c.isWord('LOB') || c.isWord('NESTED')) {
      return { applied: false, reason: 'a MODIFY of storage or partition attributes' };
    }
    const items = c.isPunct('(') ? splitTopLevel(c.group()) : [c.rest()];
    for (const item of items) readColumn(new TokenCursor(item), table, ctx, true);
    return { applied: true };
  }
  if (c.acceptWords('DROP')) {
    if (c.acceptWords('CONSTRAINT')) {
      const name = c.identifier().name;
      table.constraints = table.constraints.filter((k) => k.name !== name);
      for (const col of table.columns) if (col.notNull?.name === name) delete col.notNull;
      return { applied: true };
    }
    if (c.acceptWords('PRIMARY', 'KEY')) {
      table.constraints = table.constraints.filter((k) => k.kind !== 'PRIMARY KEY');
      return { applied: true };
    }
    if (c.acceptWords('UNIQUE')) {
      const columns = c.identifierList().join();
      table.constraints = table.constraints.filter((k) => !(k.kind === 'UNIQUE' && k.columns.join() === columns));
      return { applied: true };
    }
    if (c.acceptWords('COLUMN') || c.isPunct('(')) {
      const names = c.isPunct('(') ? c.identifierList() : [c.identifier().name];
      dropColumns(table, names);
      return { applied: true };
    }
    return { applied: false, reason: `DROP ${c.peek()?.value ?? ''}` };
  }
  if (c.acceptWords('SET', 'UNUSED')) {
    const names = c.acceptWords('COLUMN') ? [c.identifier().name] : c.identifierList();
    dropColumns(table, names);
    return { applied: true };
  }
  if (c.acceptWords('RENAME')) {
    if (c.acceptWords('COLUMN')) {
      const from = c.identifier().name;
      c.expectWords('TO');
      const to = c.identifier().name;
      const col = table.columns.find((x) => x.name === from);
      if (col) col.name = to;
      for (const k of table.constraints) k.columns = k.columns.map((x) => (x === from ? to : x));
      return { applied: true };
    }
    if (c.acceptWords('CONSTRAINT')) {
      const from = c.identifier().name;
      c.expectWords('TO');
      const to = c.identifier().name;
      const def = table.constraints.find((k) => k.name === from);
      if (def) def.name = to;
      return { applied: true };
    }
    if (c.acceptWords('TO')) {
      table.name = { schema: table.name.schema, name: c.identifier().name };
      return { applied: true };
    }
    return { applied: false, reason: 'a RENAME of a partition' };
  }
  if (c.isWord('ENABLE') || c.isWord('DISABLE')) {
    const enable = c.next().value === 'ENABLE';
    const validate = c.acceptWords('VALIDATE') ? true : c.acceptWords('NOVALIDATE') ? false : enable;
    let def: ConstraintDef | undefined;
    if (c.acceptWords('CONSTRAINT')) {
      const name = c.identifier().name;
      def = table.constraints.find((k) => k.name === name);
      if (!def) {
        const col = table.columns.find((x) => x.notNull?.name === name);
        if (col?.notNull) col.notNull = { name, state: { ...col.notNull.state, enabled: enable, validated: validate } };
        return { applied: true };
      }
    } else if (c.acceptWords('PRIMARY', 'KEY')) def = table.constraints.find((k) => k.kind === 'PRIMARY KEY');
    else if (c.acceptWords('UNIQUE')) {
      const columns = c.identifierList().join();
      def = table.constraints.find((k) => k.kind === 'UNIQUE' && k.columns.join() === columns);
    } else return { applied: true }; // ENABLE ROW MOVEMENT, ENABLE ALL TRIGGERS, …
    if (def) def.state = { ...def.state, enabled: enable, validated: validate };
    return { applied: true };
  }
  // Storage, logging, parallelism, MOVE, SHRINK, …: nothing to convert.
  return { applied: true };
}

function addItem(c: TokenCursor, table: TableDef, ctx: ReadContext): void {
  if (c.isWord('CONSTRAINT') || c.isWord('PRIMARY') || c.isWord('UNIQUE') || c.isWord('CHECK') || c.isWord('FOREIGN')) {
    table.constraints.push(readOutOfLineConstraint(c, ctx));
    return;
  }
  if (c.isWords('SUPPLEMENTAL', 'LOG')) return;
  c.acceptWords('COLUMN');
  readColumn(c, table, ctx);
}

function dropColumns(table: TableDef, names: readonly string[]): void {
  table.columns = table.columns.filter((x) => !names.includes(x.name));
  table.constraints = table.constraints.filter((k) => !k.columns.some((x) => names.includes(x)));
}
