import type { CreateStmt, IndexStmt } from 'libpg-query';
import { nodeAs, relationName } from '../ast-helpers.js';
import { indexName } from '../object-identity.js';
import { ALL_VERSIONS, fixedIn } from '../target-version.js';
import { indexElems } from './index-rules.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';
import { tableConstraintsOf } from './table-constraints.js';

/** A PK/UNIQUE key on a partitioned table: from a constraint or a unique index. */
interface PartitionedKey {
  readonly objectType: string;
  readonly objectName: string;
  readonly tableName: string;
  readonly columns: string[];
  readonly primary: boolean;
  readonly viaAlter: boolean;
}

function partitionedKeys(node: Parameters<SchemaRule['check']>[0]['node'], isPartitioned: (name: string) => boolean): PartitionedKey[] {
  const keys: PartitionedKey[] = [];
  for (const c of tableConstraintsOf(node)) {
    const contype = c.constraint.contype;
    if (contype !== 'CONSTR_PRIMARY' && contype !== 'CONSTR_UNIQUE') continue;
    const name = relationName(c.table);
    if (!isPartitioned(name)) continue;
    keys.push({ objectType: 'TABLE', objectName: name, tableName: name, columns: c.columns, primary: contype === 'CONSTR_PRIMARY', viaAlter: c.viaAlter });
  }
  const index = nodeAs<IndexStmt>(node, 'IndexStmt');
  if (index?.unique === true && isPartitioned(relationName(index.relation))) {
    const columns = indexElems(index).map((e) => e.name ?? '(expression)');
    keys.push({ objectType: 'INDEX', objectName: indexName(index), tableName: relationName(index.relation), columns, primary: false, viaAlter: false });
  }
  return keys;
}

/** Rules about partitioned tables. */
export const partitionRules: SchemaRule[] = [
  {
    id: 'alter-add-primary-key-partitioned',
    category: 'unsupported_feature',
    title: 'Primary key added to a partitioned table by ALTER TABLE',
    suggestion:
      'Before 2024.1 (2.23 in the preview line) YugabyteDB cannot add a primary key to a partitioned table: the key is the storage layout and must be declared in CREATE TABLE. Move the PRIMARY KEY into the CREATE TABLE of the partitioned table (Tandem\'s export does this for you).',
    docsLink: DOCS.knownIssues,
    gate: fixedIn('2024.1.0.0', '2.23.0.0'),
    check: (s, ctx) =>
      partitionedKeys(s.node, (n) => ctx.catalog.isPartitioned(n))
        .filter((k) => k.primary && k.viaAlter)
        .map((k) => ({ objectType: 'TABLE', objectName: k.tableName })),
  },
  {
    id: 'partition-key-not-in-unique-key',
    category: 'unsupported_feature',
    title: 'PRIMARY KEY or UNIQUE on a partitioned table without all partition columns',
    suggestion: 'A unique key on a partitioned table must include every partition column. Add the partition columns to the key.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const hits: RuleHit[] = [];
      for (const key of partitionedKeys(s.node, (n) => ctx.catalog.isPartitioned(n))) {
        const table = ctx.catalog.findTable(key.tableName);
        if (table === undefined || table.partitionKeyHasExpression) continue;
        const missing = table.partitionColumns.filter((p) => !key.columns.includes(p));
        if (missing.length > 0) hits.push({ objectType: key.objectType, objectName: key.objectName, detail: `missing ${missing.join(', ')}` });
      }
      return hits;
    },
  },
  {
    id: 'expression-partition-key-with-unique-key',
    category: 'unsupported_feature',
    title: 'Expression partition key on a table with a PRIMARY KEY or UNIQUE constraint',
    suggestion:
      'A partitioned table whose key is an expression cannot have a primary key or unique constraint. Partition by a plain column (store the expression in its own column), or drop the unique key.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s, ctx) =>
      partitionedKeys(s.node, (n) => ctx.catalog.isPartitioned(n))
        .filter((k) => ctx.catalog.findTable(k.tableName)?.partitionKeyHasExpression === true)
        .map((k) => ({ objectType: k.objectType, objectName: k.objectName })),
  },
  {
    id: 'multi-column-list-partition',
    category: 'unsupported_feature',
    title: 'LIST partitioning on more than one column',
    suggestion: 'LIST partitioning takes a single column. Combine the columns into one (e.g. a generated or trigger-maintained column) or use RANGE partitioning.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const create = nodeAs<CreateStmt>(s.node, 'CreateStmt');
      const spec = create?.partspec;
      return spec?.strategy === 'PARTITION_STRATEGY_LIST' && (spec.partParams?.length ?? 0) > 1
        ? [{ objectType: 'TABLE', objectName: relationName(create?.relation) }]
        : [];
    },
  },
];
