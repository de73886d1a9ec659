import type { AlterTableType } from 'libpg-query';
import { relationName } from '../ast-helpers.js';
import { ALL_VERSIONS } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { SchemaRule } from './schema-rule.js';
import { alterCommandsOf } from './table-constraints.js';

function alterFormRule(id: string, subtypes: readonly AlterTableType[], title: string, suggestion: string): SchemaRule {
  return {
    id,
    category: 'unsupported_feature',
    title,
    suggestion,
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) =>
      alterCommandsOf(s.node)
        .filter(({ cmd }) => cmd.subtype !== undefined && subtypes.includes(cmd.subtype))
        .map(({ table }) => ({ objectType: 'TABLE', objectName: relationName(table) })),
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
];
