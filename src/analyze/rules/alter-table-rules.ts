import type { AlterTableStmt, AlterTableType } from 'libpg-query';
import { nodeAs, relationName } from '../ast-helpers.js';
import { ALL_VERSIONS } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { SchemaRule } from './schema-rule.js';
import { alterCommandsOf } from './table-constraints.js';

// ALTER INDEX, ALTER VIEW and ALTER TYPE share the AlterTableStmt node; their own rules report them.
const TABLE_LIKE = new Set(['OBJECT_TABLE', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

function alterFormRule(id: string, subtypes: readonly AlterTableType[], title: string, suggestion: string, detail?: (name: string | undefined) => string): SchemaRule {
  return {
    id,
    category: 'unsupported_feature',
    title,
    suggestion,
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      if (!TABLE_LIKE.has(nodeAs<AlterTableStmt>(s.node, 'AlterTableStmt')?.objtype ?? 'OBJECT_TABLE')) return [];
      return alterCommandsOf(s.node)
        .filter(({ cmd }) => cmd.subtype !== undefined && subtypes.includes(cmd.subtype))
        .map(({ table, cmd }) => ({ objectType: 'TABLE', objectName: relationName(table), ...(detail ? { detail: detail(cmd.name) } : {}) }));
    },
  };
}

/** ALTER TABLE forms YugabyteDB rejects. */
export const alterTableRules: SchemaRule[] = [
  alterFormRule(
    'alter-table-storage-parameters',
    ['AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ReplaceRelOptions'],
    'ALTER TABLE ... SET/RESET (storage parameters)',
    'YugabyteDB rejects ALTER TABLE ... SET (fillfactor, autovacuum_*, ...): these tune PostgreSQL heap storage that DocDB does not use. Remove the statement.',
  ),
  alterFormRule(
    'alter-table-cluster-on',
    ['AT_ClusterOn', 'AT_DropCluster'],
    'ALTER TABLE ... CLUSTER ON / SET WITHOUT CLUSTER',
    'YugabyteDB keeps rows in primary-key order and has no CLUSTER. Remove the statement; make the clustering columns the leading (ASC) primary-key columns if the order matters.',
  ),
  alterFormRule(
    'alter-table-disable-rule',
    ['AT_DisableRule'],
    'ALTER TABLE ... DISABLE RULE',
    'YugabyteDB cannot disable a rule. Drop the rule instead, or do not create it.',
  ),
  alterFormRule(
    'alter-column-set-attribute',
    ['AT_SetOptions', 'AT_ResetOptions'],
    'ALTER TABLE ... ALTER COLUMN ... SET/RESET (attribute = value)',
    'YugabyteDB rejects per-column planner attributes such as n_distinct (issue 1124). Remove the statement.',
    (column) => `column ${column ?? ''}`,
  ),
  alterFormRule(
    'alter-table-of',
    ['AT_AddOf', 'AT_DropOf'],
    'ALTER TABLE ... [NOT] OF type',
    'YugabyteDB cannot tie a table to a composite type afterwards, or untie it (issue 1124). Create the table with CREATE TABLE … OF type, or as a plain table.',
  ),
];
