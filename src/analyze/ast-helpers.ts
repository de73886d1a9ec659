import type { Constraint, Node, RangeVar, TypeName } from 'libpg-query';

/** The node type name and body of a wrapped node, e.g. `['CreateStmt', {...}]`. */
export function unwrap(node: Node): [string, Record<string, unknown>] {
  const [entry] = Object.entries(node);
  return entry === undefined ? ['', {}] : [entry[0], entry[1] as Record<string, unknown>];
}

/** The body of `node` if it is of type `kind`. */
export function nodeAs<T>(node: Node | undefined, kind: string): T | undefined {
  if (node === undefined) return undefined;
  const value = (node as Record<string, unknown>)[kind];
  return value === undefined ? undefined : (value as T);
}

/** The `sval`s of a list of String nodes (names in the AST are such lists). */
export function stringValues(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const n of nodes ?? []) {
    const s = nodeAs<{ sval?: string }>(n, 'String');
    if (s?.sval !== undefined) out.push(s.sval);
  }
  return out;
}

/** `schema.name`, or `name` when the DDL does not say the schema. */
export function relationName(rel: RangeVar | undefined): string {
  if (rel === undefined) return '';
  return rel.schemaname ? `${rel.schemaname}.${rel.relname ?? ''}` : (rel.relname ?? '');
}

/** The schema of a relation, or undefined when unqualified. */
export function relationSchema(rel: RangeVar | undefined): string | undefined {
  return rel?.schemaname || undefined;
}

/** A dotted name from a list of String nodes, e.g. a function or type name. */
export function dottedName(nodes: readonly Node[] | undefined): string {
  return stringValues(nodes).join('.');
}

/** A column type, normalised: `pg_catalog.` dropped, lower-cased, arrays flagged. */
export interface ColumnType {
  /** Type name without schema, e.g. `int4`, `jsonb`, `my_enum`. */
  readonly name: string;
  /** Schema given in the DDL, if any (never `pg_catalog`). */
  readonly schema?: string;
  readonly isArray: boolean;
}

/** Reads a TypeName node. */
export function columnTypeOf(typeName: TypeName | undefined): ColumnType {
  const names = stringValues(typeName?.names).map((n) => n.toLowerCase());
  const name = names[names.length - 1] ?? '';
  const schema = names.length > 1 && names[0] !== 'pg_catalog' ? names[0] : undefined;
  const isArray = (typeName?.arrayBounds?.length ?? 0) > 0;
  return schema === undefined ? { name, isArray } : { name, schema, isArray };
}

/** Calls `visit` for every node in the tree (depth first), with the node's type name. */
export function walkAst(root: unknown, visit: (kind: string, value: Record<string, unknown>) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, value] of Object.entries(current)) {
        if (typeof value !== 'object' || value === null) continue;
        // Node wrappers are keyed by a capitalised type name; other keys are fields.
        if (!Array.isArray(value) && /^[A-Z]/.test(key)) visit(key, value as Record<string, unknown>);
        stack.push(value);
      }
    }
  }
}

/** The columns a constraint covers: its key list, or the column it is attached to. */
export function constraintColumns(con: Constraint, ownerColumn?: string): string[] {
  // Keys of PK/UNIQUE are in `keys`, the referencing columns of a foreign key in `fk_attrs`.
  const keys = stringValues(con.keys);
  if (keys.length > 0) return keys;
  const fkColumns = stringValues(con.fk_attrs);
  if (fkColumns.length > 0) return fkColumns;
  return ownerColumn !== undefined ? [ownerColumn] : [];
}

/** Value of a DefElem option list entry such as `WITH (security_invoker = true)`. */
export function defElemValue(options: readonly Node[] | undefined, name: string): string | undefined {
  for (const opt of options ?? []) {
    const def = nodeAs<{ defname?: string; arg?: Node }>(opt, 'DefElem');
    if (def?.defname?.toLowerCase() !== name) continue;
    if (def.arg === undefined) return 'true';
    const [kind, body] = unwrap(def.arg);
    if (kind === 'String') return String(body['sval'] ?? '');
    if (kind === 'Boolean') return body['boolval'] === true ? 'true' : 'false';
    if (kind === 'Integer') return String(body['ival'] ?? 0);
    if (kind === 'TypeName') return columnTypeOf(body as TypeName).name;
    if (kind === 'List') return stringValues((body['items'] as Node[] | undefined) ?? []).join('\n');
    return '';
  }
  return undefined;
}

/** Truthy spellings of a boolean reloption (`true`, `on`, `1`, `yes`). */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['true', 'on', '1', 'yes', 't', 'y'].includes(value.toLowerCase());
}
