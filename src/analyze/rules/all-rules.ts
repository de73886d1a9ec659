import { alterTableRules } from './alter-table-rules.js';
import { applicationRules } from './application-rules.js';
import { codeRules } from './code-rules.js';
import { constraintRules } from './constraint-rules.js';
import { datatypeRules } from './datatype-rules.js';
import { indexRules } from './index-rules.js';
import { objectRules } from './object-rules.js';
import { partitionRules } from './partition-rules.js';
import { performanceRules } from './performance-rules.js';
import type { SchemaRule } from './schema-rule.js';
import { statementRules } from './statement-rules.js';
import { tableRules } from './table-rules.js';
import { triggerRules } from './trigger-rules.js';

/** Every rule `analyzeSchema` runs, in report order. */
export const ALL_RULES: readonly SchemaRule[] = [
  ...tableRules,
  ...datatypeRules,
  ...constraintRules,
  ...partitionRules,
  ...indexRules,
  ...alterTableRules,
  ...triggerRules,
  ...objectRules,
  ...statementRules,
  ...applicationRules,
  ...codeRules,
  ...performanceRules,
];
