import { funcCallName, embeddedCodeOf } from '../body-scanner.js';
import { stringValues, unwrap, walkAst } from '../ast-helpers.js';
import type { Node } from 'libpg-query';
import { identifyObject } from '../object-identity.js';
import { ALL_VERSIONS, PG11_BASED_ONLY, fixedIn } from '../target-version.js';
import type { VersionGate } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';

/** Matcher over AST nodes; returns a short description of what it found. */
type NodeMatcher = (kind: string, value: Record<string, unknown>) => string | undefined;

interface ApplicationRuleSpec {
  readonly id: string;
  readonly title: string;
  readonly suggestion: string;
  readonly gate: VersionGate;
  readonly docsLink?: string;
  readonly matchNode: NodeMatcher;
  /** Used on body text that did not parse. */
  readonly matchText: RegExp;
}

/**
 * A rule for constructs that are valid DDL but fail, or behave differently, when the application or a
 * function runs them: found in function/DO bodies (category unsupported_plpgsql) and in views, rules and
 * other statements (category unsupported_feature).
 */
function applicationRule(spec: ApplicationRuleSpec): SchemaRule {
  return {
    id: spec.id,
    category: 'unsupported_plpgsql',
    title: spec.title,
    suggestion: spec.suggestion,
    docsLink: spec.docsLink ?? DOCS.compatibility,
    gate: spec.gate,
    check: (s) => {
      const identity = identifyObject(s.node);
      if (identity === undefined) return [];
      const code = embeddedCodeOf(s);
      const found = new Set<string>();
      for (const ast of code.asts) {
        walkAst(ast, (kind, value) => {
          const what = spec.matchNode(kind, value);
          if (what !== undefined) found.add(what);
        });
      }
      for (const text of code.unparsedTexts) {
        for (const m of text.matchAll(new RegExp(spec.matchText.source, 'gi'))) found.add(m[0].replace(/\s*\($/, '').toLowerCase());
      }
      if (found.size === 0) return [];
      const hit: RuleHit = {
        objectType: identity.objectType,
        objectName: identity.objectName,
        category: code.inRoutine ? 'unsupported_plpgsql' : 'unsupported_feature',
        detail: [...found].sort().join(', '),
      };
      return [hit];
    },
  };
}

const funcNamed = (test: (name: string) => boolean): NodeMatcher => (kind, value) => {
  if (kind !== 'FuncCall') return undefined;
  const name = funcCallName(value);
  return test(name) ? name : undefined;
};

const TRANSACTION_ID_FUNCTIONS: ReadonlySet<string> = new Set([
  'txid_current', 'txid_current_if_assigned', 'txid_current_snapshot', 'txid_status', 'txid_visible_in_snapshot', 'txid_snapshot_xmin',
  'txid_snapshot_xmax', 'txid_snapshot_xip', 'pg_current_xact_id', 'pg_current_xact_id_if_assigned', 'pg_xact_status', 'pg_current_snapshot',
  'pg_snapshot_xmin', 'pg_snapshot_xmax', 'pg_snapshot_xip', 'pg_visible_in_snapshot',
]);

const LARGE_OBJECT_FUNCTIONS = new Set([
  'lo_create', 'lo_creat', 'lo_import', 'lo_export', 'lo_unlink', 'lo_open', 'lo_close', 'loread', 'lowrite',
  'lo_get', 'lo_put', 'lo_from_bytea', 'lo_truncate', 'lo_truncate64', 'lo_lseek', 'lo_lseek64', 'lo_tell',
  'lo_tell64', 'lo_manage', 'lo_oid',
]);

const XML_FUNCTIONS = new Set([
  'xpath', 'xpath_exists', 'xmlagg', 'xml_is_well_formed', 'xml_is_well_formed_document', 'xml_is_well_formed_content',
  'xmlcomment', 'xmltext', 'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'query_to_xml',
  'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema', 'schema_to_xml',
  'schema_to_xmlschema', 'database_to_xml', 'database_to_xmlschema', 'xmlvalidate',
]);

const SYSTEM_COLUMNS = new Set(['xmin', 'xmax', 'cmin', 'cmax', 'ctid']);

const SQL_JSON_NODES = new Set([
  'JsonObjectConstructor', 'JsonArrayConstructor', 'JsonArrayQueryConstructor', 'JsonObjectAgg', 'JsonArrayAgg',
  'JsonFuncExpr', 'JsonIsPredicate', 'JsonTable', 'JsonParseExpr', 'JsonScalarExpr', 'JsonSerializeExpr',
]);

/** Application-level constructs found in function bodies, views, rules and triggers. */
export const applicationRules: SchemaRule[] = [
  applicationRule({
    id: 'advisory-lock',
    title: 'Advisory lock functions',
    suggestion:
      'YugabyteDB before 2025.1 has no advisory locks (2025.1 has them behind the ysql_yb_enable_advisory_locks flag; issue 3642). Use a lock table with SELECT ... FOR UPDATE, or row-level locking, instead.',
    // Fixed In 2025.1 (behind the ysql_yb_enable_advisory_locks preview flag).
    gate: fixedIn('2025.1.0.0'),
    matchNode: funcNamed((n) => /^pg_(try_)?advisory_/.test(n)),
    matchText: /\bpg_(try_)?advisory_\w*\s*\(/,
  }),
  applicationRule({
    id: 'transaction-id-function',
    title: 'Transaction id or snapshot functions (txid_current, pg_current_xact_id, …)',
    suggestion:
      'YugabyteDB has no transaction ids (it orders transactions by hybrid time; issue 15638): txid_current(), pg_current_xact_id() and the snapshot functions built on them are not supported. '
      + 'For a default or a version, use a sequence (nextval) or clock_timestamp(); to see whether a row changed, an explicit version column.',
    gate: ALL_VERSIONS,
    // The schema-fidelity run: a column DEFAULT txid_current()::text was not reported (only columns of type xid were).
    matchNode: funcNamed((n) => TRANSACTION_ID_FUNCTIONS.has(n)),
    matchText: /\b(txid_current(_if_assigned|_snapshot)?|txid_status|txid_visible_in_snapshot|txid_snapshot_(xmin|xmax|xip)|pg_current_xact_id(_if_assigned)?|pg_xact_status|pg_current_snapshot|pg_snapshot_(xmin|xmax|xip)|pg_visible_in_snapshot)\s*\(/,
  }),
  applicationRule({
    id: 'system-column',
    title: 'System column xmin/xmax/cmin/cmax/ctid',
    suggestion:
      'YugabyteDB rows have no xmin, xmax, cmin, cmax or ctid. For optimistic concurrency use an explicit version or updated_at column; to address a row use its primary key.',
    gate: ALL_VERSIONS,
    matchNode: (kind, value) => {
      if (kind !== 'ColumnRef') return undefined;
      const last = stringValues(value['fields'] as Node[] | undefined).pop()?.toLowerCase();
      return last !== undefined && SYSTEM_COLUMNS.has(last) ? last : undefined;
    },
    matchText: /\b(xmin|xmax|cmin|cmax|ctid)\b/,
  }),
  applicationRule({
    id: 'listen-notify',
    title: 'LISTEN / NOTIFY',
    suggestion:
      'YugabyteDB does not deliver LISTEN/NOTIFY events. Use the CDC stream (logical replication), or poll an events table.',
    gate: ALL_VERSIONS,
    matchNode: (kind, value) => {
      if (kind === 'NotifyStmt') return 'notify';
      if (kind === 'ListenStmt') return 'listen';
      if (kind === 'UnlistenStmt') return 'unlisten';
      return funcNamed((n) => n === 'pg_notify')(kind, value);
    },
    matchText: /\b(pg_notify\s*\(|notify\s+\w+|listen\s+\w+)/,
  }),
  applicationRule({
    id: 'large-object-function',
    title: 'Large object functions',
    suggestion: 'YugabyteDB does not support large objects. Keep the content in a bytea column and read/write it with ordinary SQL.',
    gate: ALL_VERSIONS,
    matchNode: (kind, value) => {
      // A trigger can call lo_manage directly: EXECUTE FUNCTION lo_manage(col).
      if (kind === 'CreateTrigStmt') {
        const name = stringValues(value['funcname'] as Node[] | undefined).pop()?.toLowerCase();
        return name !== undefined && LARGE_OBJECT_FUNCTIONS.has(name) ? name : undefined;
      }
      return funcNamed((n) => LARGE_OBJECT_FUNCTIONS.has(n))(kind, value);
    },
    matchText: /\b(lo_\w+|loread|lowrite)\s*\(/,
  }),
  applicationRule({
    id: 'xml-function',
    title: 'XML functions',
    suggestion: 'YugabyteDB has no XML support. Produce or parse the XML in the application, or switch to the JSON functions.',
    gate: ALL_VERSIONS,
    matchNode: (kind, value) => {
      if (kind === 'XmlExpr') return String(value['op'] ?? 'xml expression').replace('IS_', '').toLowerCase();
      if (kind === 'XmlSerialize') return 'xmlserialize';
      if (kind === 'RangeTableFunc') return 'xmltable';
      if (kind === 'TypeCast') {
        const names = stringValues((value['typeName'] as { names?: Node[] } | undefined)?.names);
        if (names[names.length - 1] === 'xml') return '::xml';
      }
      return funcNamed((n) => XML_FUNCTIONS.has(n))(kind, value);
    },
    matchText: /\b(xml\w*|xpath\w*|\w+_to_xml\w*)\s*\(/,
  }),
  applicationRule({
    id: 'two-phase-commit',
    title: 'Two-phase commit (PREPARE TRANSACTION)',
    suggestion: 'YugabyteDB does not support PREPARE TRANSACTION / COMMIT PREPARED. Use ordinary transactions.',
    gate: ALL_VERSIONS,
    matchNode: (kind, value) => {
      if (kind !== 'TransactionStmt') return undefined;
      const k = String(value['kind'] ?? '');
      return ['TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED', 'TRANS_STMT_ROLLBACK_PREPARED'].includes(k)
        ? k.replace('TRANS_STMT_', '').replace('_', ' ').toLowerCase()
        : undefined;
    },
    matchText: /\b(prepare\s+transaction|commit\s+prepared|rollback\s+prepared)\b/,
  }),
  applicationRule({
    id: 'cte-materialized',
    title: 'WITH ... AS [NOT] MATERIALIZED',
    suggestion: 'The MATERIALIZED hint is PostgreSQL 12 syntax; PG11-based YugabyteDB rejects it. Remove the hint or target 2025.1 or later.',
    gate: PG11_BASED_ONLY,
    docsLink: DOCS.pg15,
    matchNode: (kind, value) => {
      if (kind !== 'CommonTableExpr') return undefined;
      const m = value['ctematerialized'];
      return m === 'CTEMaterializeAlways' ? 'materialized' : m === 'CTEMaterializeNever' ? 'not materialized' : undefined;
    },
    matchText: /\bas\s+(not\s+)?materialized\b/,
  }),
  applicationRule({
    id: 'merge-statement',
    title: 'MERGE statement',
    suggestion: 'YugabyteDB does not support MERGE. Rewrite it as INSERT ... ON CONFLICT DO UPDATE, or as separate UPDATE and INSERT statements.',
    gate: ALL_VERSIONS,
    matchNode: (kind) => (kind === 'MergeStmt' ? 'merge' : undefined),
    matchText: /\bmerge\s+into\b/,
  }),
  applicationRule({
    id: 'sql-json-function',
    title: 'SQL/JSON constructors and query functions (PostgreSQL 16/17)',
    suggestion:
      'JSON_OBJECT, JSON_ARRAY, JSON_QUERY, JSON_VALUE, JSON_TABLE, IS JSON and friends are newer than any YugabyteDB base. Use json_build_object, jsonb_path_query and the -> / ->> operators.',
    gate: ALL_VERSIONS,
    matchNode: (kind) => (SQL_JSON_NODES.has(kind) ? kind.replace(/^Json/, 'json_').toLowerCase() : undefined),
    matchText: /\b(json_query|json_value|json_exists|json_table|json_serialize|json_scalar)\s*\(/,
  }),
  applicationRule({
    id: 'pg15-regex-function',
    title: 'regexp_count / regexp_instr / regexp_like / regexp_substr (PostgreSQL 15)',
    suggestion: 'These functions came with PostgreSQL 15. Target 2025.1 or later, or use regexp_matches / substring(... from pattern).',
    gate: PG11_BASED_ONLY,
    docsLink: DOCS.pg15,
    matchNode: funcNamed((n) => ['regexp_count', 'regexp_instr', 'regexp_like', 'regexp_substr'].includes(n)),
    matchText: /\bregexp_(count|instr|like|substr)\s*\(/,
  }),
  applicationRule({
    id: 'fetch-with-ties',
    title: 'FETCH FIRST … WITH TIES',
    suggestion: 'WITH TIES came with PostgreSQL 13; PG11-based YugabyteDB rejects it. Target 2025.1 or later, or rank the rows (rank() OVER (ORDER BY …) <= n) instead.',
    gate: PG11_BASED_ONLY,
    docsLink: DOCS.knownIssues,
    matchNode: (kind, value) => (kind === 'SelectStmt' && value['limitOption'] === 'LIMIT_OPTION_WITH_TIES' ? 'with ties' : undefined),
    matchText: /\bwith\s+ties\b/,
  }),
  applicationRule({
    id: 'any-value-function',
    title: 'any_value() aggregate (PostgreSQL 16)',
    suggestion: 'any_value() is newer than every YugabyteDB release. Use min() or max() of the column, or (array_agg(col))[1].',
    gate: ALL_VERSIONS,
    docsLink: DOCS.knownIssues,
    matchNode: funcNamed((n) => n === 'any_value'),
    matchText: /\bany_value\s*\(/,
  }),
  applicationRule({
    id: 'copy-from-where',
    title: 'COPY FROM … WHERE (PostgreSQL 12)',
    suggestion: 'PG11-based YugabyteDB rejects a WHERE clause on COPY FROM. Target 2025.1 or later, or COPY into a staging table and INSERT … SELECT … WHERE from it.',
    gate: PG11_BASED_ONLY,
    docsLink: DOCS.knownIssues,
    matchNode: (kind, value) => (kind === 'CopyStmt' && value['is_from'] === true && value['whereClause'] !== undefined ? 'copy from … where' : undefined),
    matchText: /\bcopy\b[^;]*\bfrom\b[^;]*\bwhere\b/,
  }),
  applicationRule({
    id: 'copy-on-error',
    title: 'COPY … ON_ERROR (PostgreSQL 17)',
    suggestion: 'The ON_ERROR option of COPY is newer than every YugabyteDB release. Clean the input first, or load it into a staging table of text columns and convert with INSERT … SELECT.',
    gate: ALL_VERSIONS,
    docsLink: DOCS.knownIssues,
    matchNode: (kind, value) => {
      if (kind !== 'CopyStmt') return undefined;
      return ((value['options'] as Node[] | undefined) ?? []).some((o) => {
        const [, def] = unwrap(o);
        return String(def['defname'] ?? '').toLowerCase() === 'on_error';
      }) ? 'on_error' : undefined;
    },
    matchText: /\bon_error\b/,
  }),
  applicationRule({
    id: 'lock-table',
    title: 'LOCK TABLE',
    suggestion: 'YugabyteDB does not take table-level locks (LOCK TABLE, issue 5384). Lock the rows involved with SELECT … FOR UPDATE, or serialize the work through a row of a lock table.',
    gate: ALL_VERSIONS,
    docsLink: DOCS.compatibility,
    matchNode: (kind) => (kind === 'LockStmt' ? 'lock table' : undefined),
    matchText: /\block\s+(table\s+)?\w+\s+in\s+\w+/,
  }),
  applicationRule({
    id: 'range-aggregate-function',
    title: 'range_agg / range_intersect_agg (PostgreSQL 14)',
    suggestion: 'These aggregates return multiranges, which came with PostgreSQL 14. Target 2025.1 or later, or aggregate in the application.',
    gate: PG11_BASED_ONLY,
    docsLink: DOCS.pg15,
    matchNode: funcNamed((n) => n === 'range_agg' || n === 'range_intersect_agg'),
    matchText: /\brange_(intersect_)?agg\s*\(/,
  }),
];
