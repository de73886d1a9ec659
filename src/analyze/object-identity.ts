import type {
  CompositeTypeStmt,
  CreateFunctionStmt,
  CreatePolicyStmt,
  CreateStmt,
  CreateTrigStmt,
  DefineStmt,
  IndexStmt,
  Node,
  RangeVar,
  ViewStmt,
} from 'libpg-query';
import { dottedName, nodeAs, relationName, unwrap } from './ast-helpers.js';

/** DefineStmt kinds of text search objects, as the report names them. */
const TEXT_SEARCH_KINDS: Readonly<Record<string, string>> = {
  TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION', TSDICTIONARY: 'TEXT SEARCH DICTIONARY', TSPARSER: 'TEXT SEARCH PARSER',
  TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
};

/** The database object a statement is about. */
export interface ObjectIdentity {
  readonly objectType: string;
  readonly objectName: string;
  /** True when the statement creates the object (and so counts in the summary). */
  readonly creates: boolean;
}

/** Names the object a statement creates or changes; undefined for statements about no object. */
export function identifyObject(node: Node): ObjectIdentity | undefined {
  const [kind, body] = unwrap(node);
  const created = (objectType: string, objectName: string): ObjectIdentity => ({ objectType, objectName, creates: true });
  switch (kind) {
    case 'CreateStmt':
      return created('TABLE', relationName((body as CreateStmt).relation));
    case 'CreateForeignTableStmt':
      return created('FOREIGN TABLE', relationName((body as { base?: CreateStmt }).base?.relation));
    case 'IndexStmt':
      return created('INDEX', indexName(body as IndexStmt));
    case 'ViewStmt':
      return created('VIEW', relationName((body as ViewStmt).view));
    case 'CreateTableAsStmt': {
      const into = body['into'] as { rel?: RangeVar } | undefined;
      return created(body['objtype'] === 'OBJECT_MATVIEW' ? 'MVIEW' : 'TABLE', relationName(into?.rel));
    }
    case 'CreateFunctionStmt': {
      const fn = body as CreateFunctionStmt;
      return created(fn.is_procedure ? 'PROCEDURE' : 'FUNCTION', dottedName(fn.funcname));
    }
    case 'CreateTrigStmt': {
      const trig = body as CreateTrigStmt;
      return created('TRIGGER', `${trig.trigname ?? ''} ON ${relationName(trig.relation)}`);
    }
    case 'CreateSeqStmt':
      return created('SEQUENCE', relationName(body['sequence'] as RangeVar | undefined));
    case 'CompositeTypeStmt':
      return created('TYPE', relationName((body as CompositeTypeStmt).typevar));
    case 'CreateEnumStmt':
    case 'CreateRangeStmt':
      return created('TYPE', dottedName(body['typeName'] as Node[] | undefined));
    case 'CreateDomainStmt':
      return created('DOMAIN', dottedName(body['domainname'] as Node[] | undefined));
    case 'CreateExtensionStmt':
      return created('EXTENSION', String(body['extname'] ?? ''));
    case 'CreateSchemaStmt':
      return created('SCHEMA', String(body['schemaname'] ?? ''));
    case 'CreatePolicyStmt': {
      const policy = body as CreatePolicyStmt;
      return created('POLICY', `${policy.policy_name ?? ''} ON ${relationName(policy.table)}`);
    }
    case 'RuleStmt':
      return created('RULE', `${String(body['rulename'] ?? '')} ON ${relationName(body['relation'] as RangeVar | undefined)}`);
    case 'CreateConversionStmt':
      return created('CONVERSION', dottedName(body['conversion_name'] as Node[] | undefined));
    case 'CreateAmStmt':
      return created('ACCESS METHOD', String(body['amname'] ?? ''));
    case 'CreateEventTrigStmt':
      return created('EVENT TRIGGER', String(body['trigname'] ?? ''));
    case 'CreateForeignServerStmt':
      return created('SERVER', String(body['servername'] ?? ''));
    case 'DefineStmt': {
      const def = body as DefineStmt;
      const type = (def.kind ?? 'OBJECT_TYPE').replace('OBJECT_', '');
      return created(TEXT_SEARCH_KINDS[type] ?? type, dottedName(def.defnames));
    }
    case 'CreateOpClassStmt':
      return created('OPERATOR CLASS', dottedName(body['opclassname'] as Node[] | undefined));
    case 'CreateOpFamilyStmt':
      return created('OPERATOR FAMILY', dottedName(body['opfamilyname'] as Node[] | undefined));
    case 'CreateCastStmt': {
      const typeName = (n: unknown): string => dottedName((n as { names?: Node[] } | undefined)?.names);
      return created('CAST', `(${typeName(body['sourcetype'])} AS ${typeName(body['targettype'])})`);
    }
    case 'CreateFdwStmt':
      return created('FOREIGN DATA WRAPPER', String(body['fdwname'] ?? ''));
    case 'CreateUserMappingStmt': {
      const user = body['user'] as { roletype?: string; rolename?: string } | undefined;
      return created('USER MAPPING', `${user?.roletype === 'ROLESPEC_PUBLIC' ? 'PUBLIC' : (user?.rolename ?? 'CURRENT_USER')} SERVER ${String(body['servername'] ?? '')}`);
    }
    case 'AlterTableStmt': {
      const objtype = String(body['objtype'] ?? 'OBJECT_TABLE').replace('OBJECT_', '').replace('_', ' ');
      return { objectType: objtype, objectName: relationName(body['relation'] as RangeVar | undefined), creates: false };
    }
    case 'DoStmt':
      return { objectType: 'DO BLOCK', objectName: '(anonymous)', creates: false };
    default:
      return undefined;
  }
}

/** An index lives in its table's schema, so qualify it with that. */
export function indexName(index: IndexStmt): string {
  const schema = index.relation?.schemaname;
  const name = index.idxname ?? `(unnamed index on ${relationName(index.relation)})`;
  return schema ? `${schema}.${name}` : name;
}

/** Convenience for rules that only look at one statement type. */
export function statementOf<T>(node: Node, kind: string): T | undefined {
  return nodeAs<T>(node, kind);
}
