import type { CreateFunctionStmt, CreatePolicyStmt, DefineStmt, Node, RoleSpec, ViewStmt } from 'libpg-query';
import { CREDENTIAL_PLACEHOLDER } from '../../core/schema-object.js';
import { defElemValue, dottedName, isTruthy, nodeAs, relationName } from '../ast-helpers.js';
import { ALL_VERSIONS, PG11_BASED_ONLY } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { SchemaRule } from './schema-rule.js';

/** Extensions that ship with YugabyteDB (CREATE EXTENSION works without installing anything). */
export const BUNDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  'plpgsql', 'pgcrypto', 'uuid-ossp', 'hstore', 'pg_trgm', 'fuzzystrmatch', 'tablefunc', 'pg_stat_statements',
  'postgres_fdw', 'file_fdw', 'cube', 'earthdistance', 'passwordcheck', 'sslinfo', 'auto_explain',
  'insert_username', 'moddatetime', 'autoinc', 'refint', 'hll', 'pg_cron', 'pg_hint_plan', 'pg_partman',
  'pg_stat_monitor', 'pgaudit', 'hypopg', 'vector', 'orafce', 'btree_gin', 'citext', 'intarray', 'isn', 'lo',
  'ltree', 'pgrowlocks', 'pgstattuple', 'seg', 'tcn', 'unaccent', 'dblink', 'yb_pg_metrics',
  // Also bundled (the list Voyager checks against): contrib modules that ship with every YugabyteDB build.
  'adminpack', 'amcheck', 'bloom', 'btree_gist', 'dict_int', 'dict_xsyn', 'intagg', 'pageinspect', 'pg_buffercache',
  'pg_freespacemap', 'pg_prewarm', 'pg_visibility', 'tsm_system_rows', 'tsm_system_time',
]);

/** Rules about extensions, views, collations, functions and policies. */
export const objectRules: SchemaRule[] = [
  {
    id: 'unsupported-extension',
    category: 'unsupported_feature',
    title: 'Extension not bundled with YugabyteDB',
    suggestion:
      'This extension is not part of YugabyteDB. Remove it and the objects that depend on it, or check whether it can be installed on every node of the target.',
    docsLink: DOCS.extensions,
    gate: ALL_VERSIONS,
    check: (s) => {
      const ext = nodeAs<{ extname?: string }>(s.node, 'CreateExtensionStmt');
      const name = ext?.extname?.toLowerCase();
      if (name === undefined || BUNDLED_EXTENSIONS.has(name)) return [];
      return [{ objectType: 'EXTENSION', objectName: ext?.extname ?? name }];
    },
  },
  {
    id: 'security-invoker-view',
    category: 'unsupported_feature',
    title: 'View with security_invoker',
    suggestion:
      'security_invoker views came with PostgreSQL 15; PG11-based YugabyteDB ignores or rejects the option. Target 2025.1 or later, or grant access on the underlying tables so the view\'s owner rights suffice.',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) => {
      const view = nodeAs<ViewStmt>(s.node, 'ViewStmt');
      return view !== undefined && isTruthy(defElemValue(view.options, 'security_invoker'))
        ? [{ objectType: 'VIEW', objectName: relationName(view.view) }]
        : [];
    },
  },
  {
    id: 'non-deterministic-collation',
    category: 'unsupported_feature',
    title: 'Non-deterministic collation',
    suggestion:
      'YugabyteDB does not support deterministic = false collations, in any version (the PostgreSQL 15-based releases neither). Compare with lower() or an ICU sort key instead, or use citext.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const def = nodeAs<DefineStmt>(s.node, 'DefineStmt');
      if (def?.kind !== 'OBJECT_COLLATION') return [];
      const deterministic = defElemValue(def.definition, 'deterministic');
      return deterministic !== undefined && !isTruthy(deterministic) ? [{ objectType: 'COLLATION', objectName: dottedName(def.defnames) }] : [];
    },
  },
  {
    id: 'collation-deterministic-option',
    category: 'unsupported_feature',
    title: 'deterministic option of CREATE COLLATION',
    suggestion:
      'PG11-based YugabyteDB does not know the deterministic option (PostgreSQL 12). Remove "deterministic = true" (it is the default), or target 2025.1 or later.',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) => {
      const def = nodeAs<DefineStmt>(s.node, 'DefineStmt');
      if (def?.kind !== 'OBJECT_COLLATION') return [];
      return isTruthy(defElemValue(def.definition, 'deterministic')) ? [{ objectType: 'COLLATION', objectName: dottedName(def.defnames) }] : [];
    },
  },
  {
    id: 'user-mapping-credentials',
    category: 'migration_caveat',
    title: 'User mapping whose credentials must be filled in',
    suggestion:
      `Tandem never copies a user mapping's credentials: replace every ${CREDENTIAL_PLACEHOLDER} in its OPTIONS with the value for the target (or remove the option) before import schema.`,
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const mapping = nodeAs<{ user?: RoleSpec; servername?: string; options?: Node[] }>(s.node, 'CreateUserMappingStmt');
      if (mapping === undefined) return [];
      const pending = (mapping.options ?? [])
        .map((o) => nodeAs<{ defname?: string }>(o, 'DefElem')?.defname ?? '')
        .filter((name) => defElemValue(mapping.options, name) === CREDENTIAL_PLACEHOLDER);
      const user = mapping.user?.roletype === 'ROLESPEC_PUBLIC' ? 'PUBLIC' : (mapping.user?.rolename ?? 'CURRENT_USER');
      return pending.length === 0 ? [] : [{ objectType: 'USER MAPPING', objectName: `${user} SERVER ${mapping.servername ?? ''}`, detail: pending.join(', ') }];
    },
  },
  {
    id: 'sql-standard-function-body',
    category: 'unsupported_plpgsql',
    title: 'SQL-standard function body (BEGIN ATOMIC / RETURN)',
    suggestion:
      'PG11-based YugabyteDB does not support SQL-standard function bodies. Target 2025.1 or later, or rewrite the body as a string: AS $$ ... $$ LANGUAGE sql.',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) => {
      const fn = nodeAs<CreateFunctionStmt>(s.node, 'CreateFunctionStmt');
      return fn?.sql_body !== undefined
        ? [{ objectType: fn.is_procedure ? 'PROCEDURE' : 'FUNCTION', objectName: dottedName(fn.funcname) }]
        : [];
    },
  },
  {
    id: 'policy-with-roles',
    category: 'migration_caveat',
    title: 'Policy that names roles',
    suggestion:
      'Roles are not part of the exported schema. Create these roles on the target before importing the schema, or the CREATE POLICY fails.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const policy = nodeAs<CreatePolicyStmt>(s.node, 'CreatePolicyStmt');
      if (policy === undefined) return [];
      const named = (policy.roles ?? [])
        .map((r) => nodeAs<RoleSpec>(r, 'RoleSpec'))
        .filter((r): r is RoleSpec => r?.roletype === 'ROLESPEC_CSTRING')
        .map((r) => r.rolename ?? '');
      return named.length === 0
        ? []
        : [{ objectType: 'POLICY', objectName: `${policy.policy_name ?? ''} ON ${relationName(policy.table)}`, detail: `roles ${named.join(', ')}` }];
    },
  },
];
