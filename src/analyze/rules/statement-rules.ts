import type { Node, RangeVar, ViewStmt } from 'libpg-query';
import { defElemValue, dottedName, nodeAs, relationName, stringValues, unwrap } from '../ast-helpers.js';
import { ALL_VERSIONS } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';

/** The name of an object given as a list of Strings (`object` of RenameStmt, AlterOwnerStmt, …). */
function objectName(object: Node | undefined): string {
  if (object === undefined) return '';
  const [kind, body] = unwrap(object);
  if (kind === 'List') return stringValues(body['items'] as Node[] | undefined).join('.');
  if (kind === 'String') return String(body['sval'] ?? '');
  if (kind === 'TypeName') return stringValues(body['names'] as Node[] | undefined).join('.');
  return '';
}

interface ObjectStatement {
  readonly objectType?: string;
  readonly renameType?: string;
  readonly relationType?: string;
  readonly relation?: RangeVar;
  readonly object?: Node;
}

/** RenameStmt / AlterObjectSchemaStmt / AlterOwnerStmt about an object of the given kind, with its name. */
function alteredObject(node: Node, objectType: string): string | undefined {
  const [kind, body] = unwrap(node);
  const stmt = body as ObjectStatement;
  const type = kind === 'RenameStmt'
    ? (stmt.renameType === 'OBJECT_COLUMN' ? stmt.relationType : stmt.renameType)
    : kind === 'AlterObjectSchemaStmt' || kind === 'AlterOwnerStmt' ? stmt.objectType : undefined;
  if (type !== objectType) return undefined;
  return stmt.relation !== undefined ? relationName(stmt.relation) : objectName(stmt.object);
}

const VIEW_CHECK_OPTIONS = new Set(['LOCAL_CHECK_OPTION', 'CASCADED_CHECK_OPTION']);

// DROP of several objects at once: the kinds YugabyteDB's known issues name (issue 880).
const MULTI_DROP_KINDS: Readonly<Record<string, string>> = {
  OBJECT_INDEX: 'INDEX', OBJECT_VIEW: 'VIEW', OBJECT_SEQUENCE: 'SEQUENCE', OBJECT_COLLATION: 'COLLATION',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
};

/** ALTER TYPE forms YugabyteDB rejects (issue 1893): OWNER, RENAME, ADD VALUE and RENAME VALUE work. */
function unsupportedAlterType(node: Node): { name: string; form: string } | undefined {
  const [kind, body] = unwrap(node);
  if (kind === 'AlterTableStmt' && body['objtype'] === 'OBJECT_TYPE') {
    const cmds = (body['cmds'] as Node[] | undefined) ?? [];
    const subtype = nodeAs<{ subtype?: string }>(cmds[0], 'AlterTableCmd')?.subtype ?? '';
    const form = { AT_AddColumn: 'ADD ATTRIBUTE', AT_DropColumn: 'DROP ATTRIBUTE', AT_AlterColumnType: 'ALTER ATTRIBUTE' }[subtype] ?? 'ATTRIBUTE';
    return { name: relationName(body['relation'] as RangeVar | undefined), form };
  }
  if (kind === 'RenameStmt' && body['renameType'] === 'OBJECT_ATTRIBUTE') {
    return { name: relationName(body['relation'] as RangeVar | undefined), form: 'RENAME ATTRIBUTE' };
  }
  if (kind === 'AlterObjectSchemaStmt' && (body['objectType'] === 'OBJECT_TYPE' || body['objectType'] === 'OBJECT_DOMAIN')) {
    return { name: objectName(body['object'] as Node | undefined), form: 'SET SCHEMA' };
  }
  if (kind === 'AlterTypeStmt') return { name: dottedName(body['typeName'] as Node[] | undefined), form: 'SET (…)' };
  return undefined;
}

/** Statements (other than CREATE TABLE / INDEX forms) that YugabyteDB's documentation lists as unsupported. */
export const statementRules: SchemaRule[] = [
  {
    id: 'alter-view',
    category: 'unsupported_feature',
    title: 'ALTER VIEW',
    suggestion:
      'YugabyteDB does not support ALTER VIEW (issue 1131). Fold the change into the CREATE VIEW (its name, schema, column defaults, options), or drop and recreate the view; ownership can be given with ALTER TABLE … OWNER TO.',
    docsLink: DOCS.knownIssuesIndex,
    gate: ALL_VERSIONS,
    check: (s) => {
      const [kind, body] = unwrap(s.node);
      if (kind === 'AlterTableStmt' && body['objtype'] === 'OBJECT_VIEW') {
        return [{ objectType: 'VIEW', objectName: relationName(body['relation'] as RangeVar | undefined) }];
      }
      const name = alteredObject(s.node, 'OBJECT_VIEW');
      return name === undefined ? [] : [{ objectType: 'VIEW', objectName: name }];
    },
  },
  {
    id: 'view-with-check-option',
    category: 'unsupported_feature',
    title: 'View WITH CHECK OPTION',
    suggestion:
      'YugabyteDB rejects views WITH [LOCAL | CASCADED] CHECK OPTION (issue 22716). Drop the clause and enforce the condition with an INSTEAD OF INSERT OR UPDATE trigger on the view that raises an error for rows outside it.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const view = nodeAs<ViewStmt>(s.node, 'ViewStmt');
      if (view === undefined) return [];
      const checked = VIEW_CHECK_OPTIONS.has(view.withCheckOption ?? '') || defElemValue(view.options, 'check_option') !== undefined;
      return checked ? [{ objectType: 'VIEW', objectName: relationName(view.view) }] : [];
    },
  },
  {
    id: 'create-conversion',
    category: 'unsupported_feature',
    title: 'CREATE / ALTER CONVERSION',
    suggestion:
      'YugabyteDB does not support encoding conversions (issue 10866). Remove the statement, and convert the text in the application if it relied on the conversion.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const create = nodeAs<{ conversion_name?: Node[] }>(s.node, 'CreateConversionStmt');
      if (create !== undefined) return [{ objectType: 'CONVERSION', objectName: dottedName(create.conversion_name) }];
      const name = alteredObject(s.node, 'OBJECT_CONVERSION');
      return name === undefined ? [] : [{ objectType: 'CONVERSION', objectName: name, detail: 'ALTER' }];
    },
  },
  {
    id: 'drop-multiple-objects',
    category: 'unsupported_feature',
    title: 'DROP of several objects in one statement',
    suggestion: 'YugabyteDB drops one index, view, sequence, collation or foreign table per statement (issue 880). Write one DROP statement per object.',
    docsLink: DOCS.knownIssuesIndex,
    gate: ALL_VERSIONS,
    check: (s) => {
      const drop = nodeAs<{ removeType?: string; objects?: Node[] }>(s.node, 'DropStmt');
      const kind = MULTI_DROP_KINDS[drop?.removeType ?? ''];
      if (kind === undefined || (drop?.objects?.length ?? 0) < 2) return [];
      return [{ objectType: kind, objectName: (drop?.objects ?? []).map(objectName).join(', ') }];
    },
  },
  {
    id: 'drop-index-concurrently',
    category: 'unsupported_feature',
    title: 'DROP INDEX CONCURRENTLY',
    suggestion: 'YugabyteDB does not support DROP INDEX CONCURRENTLY (issue 22717). Drop the index without CONCURRENTLY.',
    docsLink: DOCS.knownIssuesIndex,
    gate: ALL_VERSIONS,
    check: (s) => {
      const drop = nodeAs<{ removeType?: string; objects?: Node[]; concurrent?: boolean }>(s.node, 'DropStmt');
      return drop?.removeType === 'OBJECT_INDEX' && drop.concurrent === true
        ? [{ objectType: 'INDEX', objectName: (drop.objects ?? []).map(objectName).join(', ') }]
        : [];
    },
  },
  {
    id: 'create-access-method',
    category: 'unsupported_feature',
    title: 'CREATE ACCESS METHOD',
    suggestion: 'YugabyteDB does not support user-defined access methods (issue 10693). Remove the statement and the indexes or tables that use the method.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const am = nodeAs<{ amname?: string }>(s.node, 'CreateAmStmt');
      return am === undefined ? [] : [{ objectType: 'ACCESS METHOD', objectName: am.amname ?? '' }];
    },
  },
  {
    id: 'alter-table-set-schema',
    category: 'unsupported_feature',
    title: 'ALTER TABLE … SET SCHEMA',
    suggestion: 'YugabyteDB cannot move a table to another schema (issue 3947). Create the table in its final schema instead (edit its CREATE TABLE and the statements that name it).',
    docsLink: DOCS.knownIssuesIndex,
    gate: ALL_VERSIONS,
    check: (s) => {
      const name = alteredObject(s.node, 'OBJECT_TABLE');
      const moved = nodeAs<{ newschema?: string }>(s.node, 'AlterObjectSchemaStmt');
      return name === undefined || moved === undefined ? [] : [{ objectType: 'TABLE', objectName: name, detail: `to ${moved.newschema ?? ''}` }];
    },
  },
  {
    id: 'create-schema-with-elements',
    category: 'unsupported_feature',
    title: 'CREATE SCHEMA with elements',
    suggestion: 'YugabyteDB does not create objects inside CREATE SCHEMA (issue 10865). Create the schema alone, then each object with its own statement.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const schema = nodeAs<{ schemaname?: string; schemaElts?: Node[] }>(s.node, 'CreateSchemaStmt');
      return (schema?.schemaElts?.length ?? 0) > 0 ? [{ objectType: 'SCHEMA', objectName: schema?.schemaname ?? '' }] : [];
    },
  },
  {
    id: 'alter-type-unsupported-form',
    category: 'unsupported_feature',
    title: 'ALTER TYPE form YugabyteDB rejects',
    suggestion:
      'YugabyteDB supports ALTER TYPE … OWNER TO, RENAME TO, ADD VALUE and RENAME VALUE only (issue 1893). Write the type as it should end up in its CREATE TYPE (attributes, schema) instead of altering it.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const found = unsupportedAlterType(s.node);
      return found === undefined ? [] : [{ objectType: 'TYPE', objectName: found.name, detail: found.form } satisfies RuleHit];
    },
  },
];
