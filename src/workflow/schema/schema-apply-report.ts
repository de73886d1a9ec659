import { TandemError } from '../../core/errors.js';
import type { SchemaApplyResult } from '../../core/engine/target.js';

/**
 * Throws `TANDEM_SCHEMA_IMPORT` if any statement failed, naming each failure's file, line,
 * SQLSTATE and message (DDL only, never row values).
 */
export function assertSchemaApplied(result: SchemaApplyResult): void {
  const failures = result.results.filter((r) => r.status === 'failed');
  if (failures.length === 0) return;
  const lines = failures.map((r) => r.status === 'failed'
    ? `${r.statement.file}:${r.statement.line} [${r.sqlState ?? '?'}] ${r.message}\n    ${firstLine(r.statement.sql)}`
    : '');
  const tail = result.notExecuted > 0 ? `\n${result.notExecuted} later statement(s) were not run.` : '';
  throw new TandemError('TANDEM_SCHEMA_IMPORT',
    `${failures.length} schema statement(s) failed:\n  ${lines.join('\n  ')}${tail}`,
    { hint: 'Fix the files under schema/ (or the target) and rerun the same import schema: what its earlier runs created is found done. '
      + 'Add --ignore-exist true only to keep objects the target had before (look at them first).' });
}

/** The statement's first line, cut at 120 characters: how reports and logs name a statement. */
export function firstLine(sql: string): string {
  const line = sql.split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
