import type { AlterTableStmt, IndexElem, IndexStmt, Node } from 'libpg-query';
import { dottedName, nodeAs, relationName, stringValues, unwrap } from '../ast-helpers.js';
import { indexName } from '../object-identity.js';
import { ALL_VERSIONS, onlyBetween } from '../target-version.js';
import { unorderableKeyReason } from './key-types.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';
import { alterCommandsOf, tableConstraintsOf } from './table-constraints.js';

/** The names of a `WITH (…)` option list. */
function optionNames(options: readonly Node[] | undefined): string[] {
  return (options ?? []).map((o) => nodeAs<{ defname?: string }>(o, 'DefElem')?.defname ?? '').filter((n) => n !== '');
}

/** The index's key elements. */
export function indexElems(index: IndexStmt): IndexElem[] {
  return (index.indexParams ?? []).map((p) => nodeAs<IndexElem>(p, 'IndexElem')).filter((e): e is IndexElem => e !== undefined);
}

/** Access method, lower-cased; PostgreSQL's default is btree (lsm in YugabyteDB). */
export function accessMethod(index: IndexStmt): string {
  return (index.accessMethod ?? 'btree').toLowerCase();
}

function accessMethodRule(id: string, method: string, title: string, suggestion: string): SchemaRule {
  return {
    id,
    category: 'unsupported_feature',
    title,
    suggestion,
    docsLink: DOCS.indexes,
    gate: ALL_VERSIONS,
    check: (s) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      return index !== undefined && accessMethod(index) === method ? [{ objectType: 'INDEX', objectName: indexName(index) }] : [];
    },
  };
}

/** Constraints backed by an index, whose WITH (…) holds the index's storage parameters. */
const INDEXED_CONSTRAINTS = new Set(['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_EXCLUSION']);

/** Index methods YugabyteDB does not have. */
const UNSUPPORTED_METHODS = new Set(['gist', 'spgist', 'brin']);

// These methods are flagged by their own rules; the unorderable-type check is about lsm/hash indexes.
const NON_LSM_METHODS = new Set(['gin', 'ybgin', 'gist', 'spgist', 'brin', 'hnsw', 'ivfflat', 'ybhnsw']);

/** Rules about CREATE INDEX. */
export const indexRules: SchemaRule[] = [
  accessMethodRule(
    'gist-index',
    'gist',
    'GiST index',
    'YugabyteDB has no GiST indexes. Drop the index, or use a GIN index (for example with pg_trgm operator classes) where the queries allow.',
  ),
  accessMethodRule('brin-index', 'brin', 'BRIN index', 'YugabyteDB has no BRIN indexes. Use a range-sharded (ASC) lsm index on the column instead.'),
  accessMethodRule('spgist-index', 'spgist', 'SP-GiST index', 'YugabyteDB has no SP-GiST indexes. Drop the index or replace it with an lsm index.'),
  {
    id: 'multi-column-gin-index',
    category: 'unsupported_feature',
    title: 'Multi-column GIN index',
    suggestion: 'YugabyteDB GIN indexes take one column. Create one GIN index per column.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      return index !== undefined && accessMethod(index) === 'gin' && indexElems(index).length > 1
        ? [{ objectType: 'INDEX', objectName: indexName(index) }]
        : [];
    },
  },
  {
    id: 'gin-index-sort-order',
    category: 'unsupported_feature',
    title: 'ASC/DESC on a GIN index column',
    suggestion: 'Remove ASC/DESC (and NULLS FIRST/LAST) from the GIN index column; YugabyteDB does not accept a sort order there.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      const ordered = (e: IndexElem): boolean =>
        (e.ordering !== undefined && e.ordering !== 'SORTBY_DEFAULT') || (e.nulls_ordering !== undefined && e.nulls_ordering !== 'SORTBY_NULLS_DEFAULT');
      return index !== undefined && accessMethod(index) === 'gin' && indexElems(index).some(ordered)
        ? [{ objectType: 'INDEX', objectName: indexName(index) }]
        : [];
    },
  },
  {
    id: 'index-storage-parameters',
    category: 'unsupported_feature',
    title: 'Storage parameters on an index or constraint',
    suggestion:
      'YugabyteDB rejects PostgreSQL index storage parameters (fillfactor, deduplicate_items, fastupdate, …) with "unrecognized parameter" (issue 23467): DocDB does not use them. Remove the WITH (…) clause.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const hits: RuleHit[] = [];
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      const indexOptions = optionNames(index?.options);
      if (index !== undefined && indexOptions.length > 0) {
        hits.push({ objectType: 'INDEX', objectName: indexName(index), detail: indexOptions.join(', ') });
      }
      for (const c of tableConstraintsOf(s.node)) {
        // An identity column's options are its sequence's, not storage parameters.
        if (!INDEXED_CONSTRAINTS.has(c.constraint.contype ?? '')) continue;
        const names = optionNames(c.constraint.options);
        if (names.length > 0) hits.push({ objectType: 'TABLE', objectName: relationName(c.table), detail: `${c.constraint.conname ?? 'constraint'}: ${names.join(', ')}` });
      }
      if (nodeAs<AlterTableStmt>(s.node, 'AlterTableStmt')?.objtype === 'OBJECT_INDEX') {
        for (const { table, cmd } of alterCommandsOf(s.node)) {
          if (cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions') {
            const names = optionNames(nodeAs<{ items?: Node[] }>(cmd.def, 'List')?.items);
            hits.push({ objectType: 'INDEX', objectName: relationName(table), detail: `ALTER INDEX: ${names.join(', ')}` });
          }
        }
      }
      return hits;
    },
  },
  {
    id: 'partitioned-table-index-regression',
    category: 'unsupported_feature',
    title: 'Index on a partitioned table (fails on YugabyteDB 2.15 and 2.16)',
    suggestion: 'A regression of YugabyteDB 2.15 and 2.16 makes CREATE INDEX on a partitioned table fail (issue 14529). Target 2.17.1 or later.',
    docsLink: DOCS.knownIssues,
    gate: onlyBetween('2.15', '2.17.1.0'),
    check: (s, ctx) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      return index !== undefined && ctx.catalog.isPartitioned(index.relation) ? [{ objectType: 'INDEX', objectName: indexName(index) }] : [];
    },
  },
  {
    id: 'operator-class-unsupported-method',
    category: 'unsupported_feature',
    title: 'Operator class or family for an index method YugabyteDB does not have',
    suggestion:
      'YugabyteDB builds no GiST, SP-GiST or BRIN indexes (its methods are lsm, hash and ybgin), so this operator class or family can never be used there. Drop it, with the indexes that use it.',
    docsLink: DOCS.indexes,
    gate: ALL_VERSIONS,
    check: (s) => {
      const [kind, body] = unwrap(s.node);
      if (kind !== 'CreateOpClassStmt' && kind !== 'CreateOpFamilyStmt' && kind !== 'AlterOpFamilyStmt') return [];
      const method = String(body['amname'] ?? '').toLowerCase();
      if (!UNSUPPORTED_METHODS.has(method)) return [];
      const name = dottedName((body['opclassname'] ?? body['opfamilyname']) as Node[] | undefined);
      return [{ objectType: kind === 'CreateOpClassStmt' ? 'OPERATOR CLASS' : 'OPERATOR FAMILY', objectName: name, detail: `USING ${method}` }];
    },
  },
  {
    id: 'index-on-unsupported-type',
    category: 'unsupported_datatype',
    title: 'Index on a column type YugabyteDB cannot order',
    suggestion:
      'An lsm (btree/hash) index cannot key on this type in YugabyteDB. Use a GIN index where the type has a GIN operator class (jsonb, tsvector, arrays), or index an expression that yields an orderable value (e.g. (col->>\'key\'), md5(col::text)).',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      if (index === undefined || NON_LSM_METHODS.has(accessMethod(index))) return [];
      const hits: RuleHit[] = [];
      for (const elem of indexElems(index)) {
        if (elem.name === undefined) {
          // An expression whose value is json/jsonb (`d -> 'a'`, `d #> '{a}'`): the same as a jsonb
          // column (the schema-fidelity run: only plain columns were looked at).
          const op = jsonValueOperator(elem.expr);
          if (op !== undefined) hits.push({ objectType: 'INDEX', objectName: indexName(index), detail: `expression with ${op} (a json/jsonb value)` });
          continue;
        }
        const reason = unorderableKeyReason(ctx.catalog.columnType(index.relation, elem.name), ctx.catalog);
        if (reason !== undefined) hits.push({ objectType: 'INDEX', objectName: indexName(index), detail: `column ${elem.name} (${reason})` });
      }
      return hits;
    },
  },
];

/** The operator of an index expression that yields a json/jsonb value (`->`, `#>`, `-`, `||` on json), if it is one at the top. */
function jsonValueOperator(expr: unknown): string | undefined {
  const e = nodeAs<{ kind?: string; name?: unknown[] }>(expr as Node, 'A_Expr');
  if (e === undefined || e.kind !== 'AEXPR_OP') return undefined;
  const op = stringValues(e.name as Parameters<typeof stringValues>[0]).join('.');
  return op === '->' || op === '#>' ? op : undefined;
}
