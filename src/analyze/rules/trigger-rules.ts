import type { CreateTrigStmt } from 'libpg-query';
import { nodeAs, relationName } from '../ast-helpers.js';
import { ALL_VERSIONS, PG11_BASED_ONLY } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { SchemaRule } from './schema-rule.js';

// pg_trigger.tgtype bit for BEFORE (AFTER is 0, INSTEAD OF is 1 << 6).
const TRIGGER_TYPE_BEFORE = 1 << 1;

function triggerRule(id: string, title: string, suggestion: string, gate: SchemaRule['gate'], matches: (t: CreateTrigStmt, isPartitioned: boolean) => boolean): SchemaRule {
  return {
    id,
    category: 'unsupported_feature',
    title,
    suggestion,
    docsLink: DOCS.compatibility,
    gate,
    check: (s, ctx) => {
      const trig = nodeAs<CreateTrigStmt>(s.node, 'CreateTrigStmt');
      if (trig === undefined || !matches(trig, ctx.catalog.isPartitioned(trig.relation))) return [];
      return [{ objectType: 'TRIGGER', objectName: `${trig.trigname ?? ''} ON ${relationName(trig.relation)}` }];
    },
  };
}

/** Rules about CREATE TRIGGER. */
export const triggerRules: SchemaRule[] = [
  triggerRule(
    'constraint-trigger',
    'Constraint trigger',
    'YugabyteDB does not support CREATE CONSTRAINT TRIGGER. Use a plain AFTER trigger (it fires immediately, not deferred).',
    ALL_VERSIONS,
    (t) => t.isconstraint === true,
  ),
  triggerRule(
    'trigger-transition-tables',
    'Trigger with REFERENCING transition tables',
    'YugabyteDB does not support REFERENCING OLD/NEW TABLE. Rewrite it as a FOR EACH ROW trigger.',
    ALL_VERSIONS,
    (t) => (t.transitionRels?.length ?? 0) > 0,
  ),
  triggerRule(
    'before-row-trigger-on-partitioned-table',
    'BEFORE ROW trigger on a partitioned table',
    'PG11-based YugabyteDB cannot create BEFORE ROW triggers on a partitioned table. Target 2025.1 or later, or create the trigger on each partition.',
    PG11_BASED_ONLY,
    (t, partitioned) => partitioned && t.row === true && ((t.timing ?? 0) & TRIGGER_TYPE_BEFORE) !== 0,
  ),
];
