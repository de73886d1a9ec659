import type { Constraint, IndexStmt, Node } from 'libpg-query';
import { dottedName, nodeAs, relationName } from '../ast-helpers.js';
import { indexName } from '../object-identity.js';
import { ALL_VERSIONS, PG11_BASED_ONLY } from '../target-version.js';
import { unorderableKeyReason } from './key-types.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';
import { tableConstraintsOf } from './table-constraints.js';

const isKey = (contype: string | undefined): boolean => contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_UNIQUE';

/** Rules about table constraints (in CREATE TABLE or added by ALTER TABLE). */
export const constraintRules: SchemaRule[] = [
  {
    id: 'exclusion-constraint',
    category: 'unsupported_feature',
    title: 'Exclusion constraint',
    suggestion:
      'YugabyteDB has no exclusion constraints. Enforce the rule in the application, or with a trigger that checks for conflicting rows under SERIALIZABLE isolation.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) =>
      tableConstraintsOf(s.node)
        .filter((c) => c.constraint.contype === 'CONSTR_EXCLUSION')
        .map((c) => ({ objectType: 'TABLE', objectName: relationName(c.table), detail: c.constraint.conname })),
  },
  {
    id: 'deferrable-constraint',
    category: 'unsupported_feature',
    title: 'DEFERRABLE primary key or unique constraint',
    suggestion:
      'Drop DEFERRABLE from the constraint; YugabyteDB checks primary keys and unique constraints immediately (deferrable foreign keys are supported). Reorder the application writes that relied on deferral.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) =>
      tableConstraintsOf(s.node)
        .filter((c) => isKey(c.constraint.contype) && c.constraint.deferrable === true)
        .map((c) => ({ objectType: 'TABLE', objectName: relationName(c.table), detail: c.constraint.conname })),
  },
  {
    id: 'unique-nulls-not-distinct',
    category: 'unsupported_feature',
    title: 'UNIQUE NULLS NOT DISTINCT',
    suggestion:
      'PG11-based YugabyteDB does not know NULLS NOT DISTINCT. Target 2025.1 or later, or emulate it with a unique index on COALESCE(column, <sentinel>).',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) => {
      const hits: RuleHit[] = tableConstraintsOf(s.node)
        .filter((c) => isKey(c.constraint.contype) && c.constraint.nulls_not_distinct === true)
        .map((c) => ({ objectType: 'TABLE', objectName: relationName(c.table), detail: c.constraint.conname }));
      const index = nodeAs<IndexStmt>(s.node, 'IndexStmt');
      if (index?.unique === true && index.nulls_not_distinct === true) hits.push({ objectType: 'INDEX', objectName: indexName(index) });
      return hits;
    },
  },
  {
    id: 'key-on-unsupported-type',
    category: 'unsupported_datatype',
    title: 'PRIMARY KEY or UNIQUE constraint on a column type YugabyteDB cannot order',
    suggestion:
      'YugabyteDB cannot use this type as a primary-key or unique key column. Key on another column (for example a hash/md5 of the value in a generated or trigger-maintained column), or drop the constraint.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const hits: RuleHit[] = [];
      for (const c of tableConstraintsOf(s.node)) {
        if (!isKey(c.constraint.contype)) continue;
        for (const column of c.columns) {
          const reason = unorderableKeyReason(ctx.catalog.columnType(c.table, column), ctx.catalog);
          if (reason !== undefined) hits.push({ objectType: 'TABLE', objectName: relationName(c.table), detail: `column ${column} (${reason})` });
        }
      }
      return hits;
    },
  },
  {
    id: 'not-valid-constraint',
    category: 'migration_caveat',
    title: 'Constraint added NOT VALID (old rows may break it)',
    suggestion:
      'The source never checked this constraint against its older rows. Tandem creates it NOT VALID after the data (import schema --post-snapshot-import), so new rows must satisfy it and old ones are kept as they are, and it never validates it. Once the old rows are fixed on the target, run ALTER TABLE … VALIDATE CONSTRAINT there.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const hits: RuleHit[] = tableConstraintsOf(s.node)
        .filter((c) => c.viaAlter && c.constraint.skip_validation === true)
        .map((c) => ({ objectType: 'TABLE', objectName: relationName(c.table), detail: c.constraint.conname }));
      const domain = nodeAs<{ subtype?: string; typeName?: Node[]; def?: Node }>(s.node, 'AlterDomainStmt');
      const con = domain?.subtype === 'C' ? nodeAs<Constraint>(domain.def, 'Constraint') : undefined;
      if (con?.skip_validation === true) hits.push({ objectType: 'DOMAIN', objectName: dottedName(domain?.typeName), detail: con.conname });
      return hits;
    },
  },
  {
    id: 'foreign-key-to-partitioned-table',
    category: 'unsupported_feature',
    title: 'Foreign key referencing a partitioned table',
    suggestion:
      'PG11-based YugabyteDB cannot reference a partitioned table from a foreign key. Target 2025.1 or later, reference the individual partitions, or enforce the relationship with a trigger.',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s, ctx) =>
      tableConstraintsOf(s.node)
        .filter((c) => c.constraint.contype === 'CONSTR_FOREIGN' && ctx.catalog.isPartitioned(c.constraint.pktable))
        .map((c) => ({
          objectType: 'TABLE',
          objectName: relationName(c.table),
          detail: `references ${relationName(c.constraint.pktable)}`,
        })),
  },
];
