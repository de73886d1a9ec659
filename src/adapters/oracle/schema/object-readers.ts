/**
 * Readers for the DDL statements other than tables: indexes, sequences, views, materialized
 * views, types, synonyms, comments and the heads of PL/SQL units.
 */
import { UnconvertibleError } from './conversion-note.js';
import type { IndexColumn, IndexDef, PlsqlUnit, QualifiedName, SequenceDef, SynonymDef, TypeAttribute, TypeDef, ViewDef } from './oracle-model.js';
import { parseOracleType } from './oracle-type.js';
import type { Token } from './oracle-tokenizer.js';
import { SqlParser } from './sql-parser.js';
import { expressionOf, qualify, readSequenceOptions, textOf, type ReadContext } from './table-reader.js';
import { DdlSyntaxError, TokenCursor, splitTopLevel } from './token-cursor.js';

/** `CREATE [UNIQUE|BITMAP] INDEX …` (cursor on UNIQUE/BITMAP/INDEX). */
export function readCreateIndex(c: TokenCursor, ctx: ReadContext): IndexDef {
  const kind = c.acceptOneOf('UNIQUE', 'BITMAP', 'MULTIVALUE');
  c.expectWords('INDEX');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  c.expectWords('ON');
  if (c.acceptWords('CLUSTER')) throw new UnconvertibleError('CLUSTER_INDEX', 'an index on a table cluster');
  const tableName = c.dottedName();
  const table = qualify(tableName.parts, ctx.defaultSchema);
  let alias: string | undefined;
  if (c.isIdentifier() && !c.isPunct('(')) alias = c.identifier().name;
  const columns: IndexColumn[] = splitTopLevel(c.group()).map((tokens) => readIndexColumn(tokens, ctx, alias));
  let reverse = false;
  let invisible = false;
  let globalPartitioned = false;
  let indexType: string | undefined;
  while (!c.atEnd()) {
    if (c.acceptWords('REVERSE')) reverse = true;
    else if (c.acceptWords('INVISIBLE')) invisible = true;
    else if (c.acceptWords('GLOBAL', 'PARTITION', 'BY')) globalPartitioned = true;
    else if (c.acceptWords('INDEXTYPE', 'IS')) {
      indexType = c.dottedName().parts.join('.');
      if (c.acceptWords('PARAMETERS')) c.group();
    } else if (c.isWords('FROM')) throw new UnconvertibleError('BITMAP_JOIN_INDEX', 'a bitmap join index (FROM … WHERE …)');
    else c.skipItem();
  }
  return {
    kind: 'INDEX', name, table, unique: kind === 'UNIQUE', bitmap: kind === 'BITMAP', reverse, columns,
    ...(indexType ? { indexType } : {}), globalPartitioned, invisible, source: ctx.source, text: ctx.text,
  };
}

function readIndexColumn(tokens: Token[], ctx: ReadContext, alias: string | undefined): IndexColumn {
  let body = tokens;
  let desc = false;
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'word' && (last.value === 'DESC' || last.value === 'ASC')) {
    desc = last.value === 'DESC';
    body = tokens.slice(0, -1);
  }
  const only = body.length === 1 ? body[0]! : undefined;
  if (only && (only.kind === 'word' || only.kind === 'quoted')) {
    return { column: only.kind === 'word' ? only.value : only.value, desc };
  }
  // alias.column
  if (body.length === 3 && alias && body[1]!.kind === 'punct' && body[1]!.value === '.') {
    const col = body[2]!;
    return { column: col.value, desc };
  }
  try {
    return { expr: expressionOf(body, ctx), desc };
  } catch (error) {
    if (error instanceof UnconvertibleError) return { unreadable: { text: textOf(ctx, body), reason: error.message, code: error.code }, desc };
    if (error instanceof DdlSyntaxError) return { unreadable: { text: textOf(ctx, body), reason: error.message, code: 'INDEX_SYNTAX' }, desc };
    throw error;
  }
}

/** `CREATE SEQUENCE …` (cursor on SEQUENCE). */
export function readCreateSequence(c: TokenCursor, ctx: ReadContext): SequenceDef {
  c.expectWords('SEQUENCE');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  const options = readSequenceOptions(c);
  if (!c.atEnd()) throw new DdlSyntaxError(`unexpected '${c.peek()!.value}' in CREATE SEQUENCE`);
  return { kind: 'SEQUENCE', name, options, source: ctx.source, text: ctx.text };
}

/** `CREATE [OR REPLACE] [FORCE] … VIEW …` (cursor on VIEW). */
export function readCreateView(c: TokenCursor, ctx: ReadContext): ViewDef {
  c.expectWords('VIEW');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  if (c.acceptWords('SHARING')) {
    c.acceptOp('=');
    c.next();
  }
  let columns: string[] | undefined;
  if (c.isPunct('(')) {
    columns = [];
    for (const item of splitTopLevel(c.group())) {
      const t = item[0];
      if (!t || (t.kind === 'word' && ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK'].includes(t.value))) {
        ctx.note('VIEW', name, 'VIEW_CONSTRAINT', 'unsupported', 'a constraint declared on the view was dropped (PostgreSQL views have none)');
        continue;
      }
      columns.push(new TokenCursor(item).identifier().name);
    }
  }
  let objectType: QualifiedName | undefined;
  if (c.acceptWords('OF')) {
    // An object view: OF type [UNDER superview] WITH OBJECT {IDENTIFIER | ID | OID} {DEFAULT | (attributes)}.
    objectType = qualify(c.dottedName().parts, ctx.defaultSchema);
    if (c.isWord('UNDER')) throw new UnconvertibleError('OBJECT_VIEW', 'an object view in a view hierarchy (UNDER superview)');
    if (c.acceptWords('WITH', 'OBJECT')) {
      c.acceptOneOf('IDENTIFIER', 'ID', 'OID');
      if (!c.acceptWords('DEFAULT')) c.group();
    }
    // Constraints declared on the view's attributes: PostgreSQL views have none.
    if (c.isPunct('(')) {
      c.group();
      ctx.note('VIEW', name, 'VIEW_CONSTRAINT', 'unsupported', 'a constraint declared on the view was dropped (PostgreSQL views have none)');
    }
  }
  for (;;) {
    if (c.acceptWords('BEQUEATH')) c.next();
    else if (c.acceptWords('DEFAULT', 'COLLATION')) c.next();
    else break;
  }
  c.expectWords('AS');
  return readViewQuery(c.rest(), name, 'VIEW', columns, ctx, objectType ? { objectType } : {});
}

/** `CREATE MATERIALIZED VIEW …` (cursor on MATERIALIZED). */
export function readCreateMaterializedView(c: TokenCursor, ctx: ReadContext): ViewDef {
  c.expectWords('MATERIALIZED', 'VIEW');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  let columns: string[] | undefined;
  if (c.isPunct('(')) columns = splitTopLevel(c.group()).map((item) => new TokenCursor(item).identifier().name);
  if (c.isWord('OF')) throw new UnconvertibleError('OBJECT_VIEW', 'an object materialized view (OF type)');
  let prebuilt = false;
  let buildDeferred = false;
  const refreshNotes: string[] = [];
  while (!c.atEnd()) {
    if (c.isWord('AS') && (c.isWord('SELECT', 1) || c.isWord('WITH', 1) || c.isPunct('(', 1))) {
      c.next();
      break;
    }
    if (c.acceptWords('ON', 'PREBUILT', 'TABLE')) prebuilt = true;
    else if (c.acceptWords('BUILD', 'DEFERRED')) buildDeferred = true;
    else if (c.acceptWords('REFRESH')) {
      while (!c.atEnd() && !c.isWord('AS') && !c.isWord('ENABLE') && !c.isWord('DISABLE') && !c.isWord('FOR') && !c.isWord('BUILD')) {
        const w = c.next();
        if (w.kind !== 'word') continue;
        if (w.value === 'FAST') refreshNotes.push('REFRESH FAST (incremental refresh)');
        else if (w.value === 'COMMIT' || w.value === 'STATEMENT') refreshNotes.push(`refresh ON ${w.value}`);
        else if (w.value === 'NEXT' || (w.value === 'START' && c.isWord('WITH'))) {
          if (!refreshNotes.includes('a refresh schedule (START WITH / NEXT)')) refreshNotes.push('a refresh schedule (START WITH / NEXT)');
          while (!c.atEnd() && !c.isWord('NEXT') && !c.isWord('WITH') && !c.isWord('USING') && !c.isWord('AS') && !c.isWord('ENABLE') && !c.isWord('DISABLE')) c.skipItem();
        }
      }
    } else if (c.acceptWords('NEVER', 'REFRESH')) refreshNotes.push('NEVER REFRESH');
    else c.skipItem();
  }
  return readViewQuery(c.rest(), name, 'MVIEW', columns, ctx, { prebuilt, buildDeferred, refreshNotes });
}

function readViewQuery(
  tokens: Token[], name: QualifiedName, kind: 'VIEW' | 'MVIEW', columns: string[] | undefined, ctx: ReadContext,
  extra: Pick<ViewDef, 'prebuilt' | 'buildDeferred' | 'refreshNotes' | 'objectType'>,
): ViewDef {
  // Trailing WITH READ ONLY / WITH CHECK OPTION [CONSTRAINT name].
  let end = tokens.length;
  let readOnly = false;
  let checkOption = false;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth === 0 && t.kind === 'word' && t.value === 'WITH') {
      const n1 = tokens[i + 1]?.value;
      const n2 = tokens[i + 2]?.value;
      if (n1 === 'READ' && n2 === 'ONLY') readOnly = true;
      else if (n1 === 'CHECK' && n2 === 'OPTION') checkOption = true;
      else continue;
      end = i;
      break;
    }
  }
  for (let i = end; i < tokens.length; i++) if (tokens[i]!.value === 'CONTAINER_MAP' || tokens[i]!.value === 'CONTAINERS_DEFAULT') end = Math.min(end, i);
  const body = tokens.slice(0, end);
  const queryText = textOf(ctx, body);
  const base = {
    kind, name, ...(columns ? { columns } : {}), queryText, checkOption, readOnly, columnComments: new Map<string, string>(),
    source: ctx.source, text: ctx.text, ...extra,
  };
  try {
    const p = new SqlParser(body, ctx.text);
    const query = p.query();
    p.expectEnd();
    return { ...base, query };
  } catch (error) {
    if (error instanceof UnconvertibleError) return { ...base, unreadable: { reason: error.message, code: error.code } };
    if (error instanceof DdlSyntaxError) return { ...base, unreadable: { reason: `could not read the query: ${error.message}`, code: 'QUERY_SYNTAX' } };
    throw error;
  }
}

/** `CREATE [OR REPLACE] TYPE name … AS OBJECT (…) | AS VARRAY(n) OF t | AS TABLE OF t` (cursor on TYPE). */
export function readCreateType(c: TokenCursor, ctx: ReadContext): TypeDef {
  c.expectWords('TYPE');
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, ctx.defaultSchema);
  c.acceptWords('FORCE');
  for (;;) {
    if (c.acceptWords('OID')) c.next();
    else if (c.acceptWords('AUTHID')) c.next();
    else if (c.acceptWords('SHARING')) {
      c.acceptOp('=');
      c.next();
    } else if (c.acceptWords('ACCESSIBLE', 'BY')) c.group();
    else break;
  }
  const base = { kind: 'TYPE' as const, name, source: ctx.source, text: ctx.text };
  if (c.acceptWords('UNDER')) {
    // A subtype: its own attributes (and methods) follow the supertype's name.
    const supertype = qualify(c.dottedName().parts, name.schema);
    const own = c.isPunct('(') ? readObjectAttributes(c) : { attributes: [], hasMethods: false };
    return { ...base, form: 'OBJECT', ...own, supertype };
  }
  if (!c.acceptOneOf('AS', 'IS')) throw new DdlSyntaxError(`expected AS after the type name ${c.where()}`);
  if (c.acceptWords('OBJECT')) return { ...base, form: 'OBJECT', ...readObjectAttributes(c) };
  if (c.acceptWords('VARRAY') || c.acceptWords('VARYING', 'ARRAY')) {
    c.expectPunct('(');
    const limit = Number(c.number());
    c.expectPunct(')');
    c.expectWords('OF');
    const element = parseOracleType(c);
    return { ...base, form: 'VARRAY', attributes: [], element, limit, hasMethods: false };
  }
  if (c.acceptWords('TABLE', 'OF')) {
    const element = parseOracleType(c);
    if (c.isWords('INDEX', 'BY')) throw new UnconvertibleError('PLSQL_TYPE', 'an associative array type (INDEX BY) exists only in PL/SQL');
    return { ...base, form: 'TABLE', attributes: [], element, hasMethods: false };
  }
  throw new UnconvertibleError('PLSQL_TYPE', `a type of the form ${c.peek()?.value ?? ''}`);
}

/** The parenthesized attribute list of an object type: its attributes, and whether it declares methods. */
function readObjectAttributes(c: TokenCursor): { attributes: TypeAttribute[]; hasMethods: boolean } {
  const attributes: TypeAttribute[] = [];
  let hasMethods = false;
  for (const item of splitTopLevel(c.group())) {
    const ic = new TokenCursor(item);
    if (['MEMBER', 'STATIC', 'MAP', 'ORDER', 'CONSTRUCTOR', 'FINAL', 'NOT', 'INSTANTIABLE', 'OVERRIDING', 'PRAGMA'].includes(ic.peek()?.value ?? '')) {
      hasMethods = true;
      continue;
    }
    const attr = ic.identifier().name;
    attributes.push({ name: attr, type: parseOracleType(ic) });
  }
  return { attributes, hasMethods };
}

/** `CREATE [OR REPLACE] [PUBLIC] SYNONYM name FOR target` (cursor on PUBLIC/SYNONYM). */
export function readCreateSynonym(c: TokenCursor, ctx: ReadContext): SynonymDef {
  const isPublic = c.acceptWords('PUBLIC');
  c.expectWords('SYNONYM');
  const name = qualify(c.dottedName().parts, isPublic ? 'PUBLIC' : ctx.defaultSchema);
  if (c.acceptWords('SHARING')) {
    c.acceptOp('=');
    c.next();
  }
  c.expectWords('FOR');
  const target = c.dottedName();
  return {
    kind: 'SYNONYM', name, isPublic, target: qualify(target.parts, ctx.defaultSchema),
    ...(target.dblink !== undefined ? { dblink: target.dblink } : {}), source: ctx.source, text: ctx.text,
  };
}

/** A `COMMENT ON …` statement. */
export interface CommentStatement {
  readonly on: 'TABLE' | 'COLUMN' | 'MATERIALIZED VIEW' | 'OTHER';
  readonly object: QualifiedName;
  readonly column?: string;
  readonly text: string;
}

/** `COMMENT ON TABLE|COLUMN|MATERIALIZED VIEW … IS '…'` (cursor after COMMENT ON). */
export function readComment(c: TokenCursor, ctx: ReadContext): CommentStatement {
  let on: CommentStatement['on'];
  if (c.acceptWords('TABLE')) on = 'TABLE';
  else if (c.acceptWords('COLUMN')) on = 'COLUMN';
  else if (c.acceptWords('MATERIALIZED', 'VIEW')) on = 'MATERIALIZED VIEW';
  else {
    c.next();
    on = 'OTHER';
  }
  const name = c.dottedName().parts;
  c.expectWords('IS');
  const t = c.next();
  if (t.kind !== 'string') throw new DdlSyntaxError('expected the comment text');
  if (on === 'COLUMN') {
    if (name.length < 2) throw new DdlSyntaxError('COMMENT ON COLUMN needs table.column');
    return { on, object: qualify(name.slice(0, -1), ctx.defaultSchema), column: name[name.length - 1]!, text: t.value };
  }
  return { on, object: qualify(name, ctx.defaultSchema), text: t.value };
}

/** The kind, name (and trigger table) of a PL/SQL unit, from the head of its text. */
export function readPlsqlHead(tokens: readonly Token[], defaultSchema: string): Pick<PlsqlUnit, 'kind' | 'name' | 'table'> {
  const c = new TokenCursor(tokens);
  if (c.isWord('DECLARE') || c.isWord('BEGIN')) return { kind: 'ANONYMOUS BLOCK', name: { schema: defaultSchema, name: 'anonymous block' } };
  c.expectWords('CREATE');
  c.acceptWords('OR', 'REPLACE');
  c.acceptOneOf('EDITIONABLE', 'NONEDITIONABLE', 'EDITIONING');
  let kind: PlsqlUnit['kind'];
  if (c.acceptWords('AND', 'RESOLVE') || c.acceptWords('AND', 'COMPILE')) c.acceptWords('NOFORCE');
  if (c.acceptWords('PACKAGE', 'BODY')) kind = 'PACKAGE BODY';
  else if (c.acceptWords('PACKAGE')) kind = 'PACKAGE';
  else if (c.acceptWords('TYPE', 'BODY')) kind = 'TYPE BODY';
  else if (c.acceptWords('TYPE')) kind = 'TYPE';
  else if (c.acceptWords('PROCEDURE')) kind = 'PROCEDURE';
  else if (c.acceptWords('FUNCTION')) kind = 'FUNCTION';
  else if (c.acceptWords('TRIGGER')) kind = 'TRIGGER';
  else if (c.acceptWords('LIBRARY')) kind = 'LIBRARY';
  else if (c.acceptWords('JAVA')) {
    kind = 'JAVA';
    c.acceptOneOf('SOURCE', 'CLASS', 'RESOURCE');
    c.acceptWords('NAMED');
  } else throw new DdlSyntaxError(`unknown PL/SQL unit ${c.where()}`);
  c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = qualify(c.dottedName().parts, defaultSchema);
  if (kind !== 'TRIGGER') return { kind, name };
  // CREATE TRIGGER name {BEFORE|AFTER|INSTEAD OF|FOR} … ON [schema.]table
  let depth = 0;
  while (!c.atEnd()) {
    const t = c.next();
    if (t.kind === 'punct' && t.value === '(') depth++;
    if (t.kind === 'punct' && t.value === ')') depth--;
    if (depth === 0 && t.kind === 'word' && t.value === 'ON' && c.isIdentifier() && !c.isWord('DATABASE') && !c.isWord('SCHEMA')) {
      return { kind, name, table: qualify(c.dottedName().parts, defaultSchema) };
    }
    if (t.kind === 'word' && (t.value === 'DECLARE' || t.value === 'BEGIN' || t.value === 'COMPOUND' || t.value === 'CALL')) break;
  }
  return { kind, name };
}
