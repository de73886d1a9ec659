import type { CreateFunctionStmt, CreatePolicyStmt, DefineStmt, RoleSpec, ViewStmt } from 'libpg-query';
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
      'PG11-based YugabyteDB does not support deterministic = false collations. Target 2025.1 or later, or compare with lower()/an ICU sort key instead.',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) => {
      const def = nodeAs<DefineStmt>(s.node, 'DefineStmt');
      if (def?.kind !== 'OBJECT_COLLATION') return [];
      const deterministic = defElemValue(def.definition, 'deterministic');
      return deterministic !== undefined && !isTruthy(deterministic) ? [{ objectType: 'COLLATION', objectName: dottedName(def.defnames) }] : [];
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
