import { TandemError } from '../../core/errors.js';
import type { SchemaApplyResult } from '../../core/engine/target.js';

/** SQLSTATE insufficient_privilege (PostgreSQL, YugabyteDB). */
const INSUFFICIENT_PRIVILEGE = '42501';

const RERUN = 'rerun the same import schema: what its earlier runs created is found done.';

/**
 * Throws if any statement failed, naming each failure's file, line, SQLSTATE and message (DDL
 * only, never row values): `TANDEM_PRIVILEGE` when every failure is a missing privilege (the hint
 * gives the GRANTs the target named), `TANDEM_SCHEMA_IMPORT` otherwise.
 */
export function assertSchemaApplied(result: SchemaApplyResult): void {
  const failures = result.results.flatMap((r) => (r.status === 'failed' ? [r] : []));
  if (failures.length === 0) return;
  const lines = failures.map((r) => `${r.statement.file}:${r.statement.line} [${r.sqlState ?? '?'}] ${r.message}\n    ${firstLine(r.statement.sql)}`);
  const tail = result.notExecuted > 0 ? `\n${result.notExecuted} later statement(s) were not run.` : '';
  const message = `${failures.length} schema statement(s) failed:\n  ${lines.join('\n  ')}${tail}`;
  const grants = [...new Set(failures.flatMap((r) => (r.grant ? [r.grant] : [])))];
  if (failures.every((r) => r.sqlState === INSUFFICIENT_PRIVILEGE)) {
    throw new TandemError('TANDEM_PRIVILEGE', message, {
      hint: grants.length > 0
        ? `As the object's owner or a superuser: ${grants.join(' ')} then ${RERUN}`
        : `Grant the migration user what the message names (as the object's owner or a superuser), then ${RERUN}`,
    });
  }
  // What the failures say is missing: a role (never part of a schema export), or an object that
  // no failed statement would create (measured before: both were told as a cycle; the schema-pg-53 run).
  const missing = failures.map((r) => ({ r, m: MISSING.exec(r.message ?? '') })).filter((x) => x.m !== null);
  const roles = [...new Set(missing.filter((x) => x.m![1] === 'role').map((x) => x.m![2]!))];
  const createdByAnother = (x: (typeof missing)[number]) => failures.some((o) => o !== x.r && createsName(o.statement.sql, x.m![2]!));
  const unmade = [...new Set(missing.filter((x) => x.m![1] !== 'role' && !createdByAnother(x)).map((x) => `${x.m![1]} ${x.m![2]}`))];
  // Two or more statements still waiting for a missing object after the retries, each for one
  // another creates: a cycle (a table whose DEFAULT or CHECK calls a function whose body reads the table).
  const waiting = failures.filter((r) => r.waitedPasses !== undefined && r.waitedPasses > 0);
  const cycle = waiting.length >= 2 && roles.length === 0 && unmade.length === 0
    ? `The ${waiting.length} statements that waited to the end may need one another's objects (a cycle: a table whose DEFAULT or CHECK calls a function whose body reads that table): `
      + 'create the table without that DEFAULT or CHECK in tables.sql, and add it after the function (ALTER TABLE … ALTER COLUMN … SET DEFAULT …; ALTER TABLE … ADD CHECK …). '
    : '';
  const roleHint = roles.length > 0
    ? `Role${roles.length > 1 ? 's' : ''} ${roles.join(', ')} ${roles.length > 1 ? 'do' : 'does'} not exist on the target (roles are not part of a schema export): create ${roles.length > 1 ? 'them' : 'it'} there (${roles.map((r) => `CREATE ROLE ${r};`).join(' ')}), or take the GRANT and POLICY statements naming ${roles.length > 1 ? 'them' : 'it'} out of schema/. `
    : '';
  const unmadeHint = unmade.length > 0
    ? `No statement that ran creates ${unmade.join(', ')}: add ${unmade.length > 1 ? 'them' : 'it'} to schema/ (the statement that should have, edited), or create ${unmade.length > 1 ? 'them' : 'it'} on the target. `
    : '';
  throw new TandemError('TANDEM_SCHEMA_IMPORT', message, {
    hint: `${roleHint}${unmadeHint}${cycle}Fix the files under schema/ (or the target)${grants.length > 0 ? `, run ${grants.join(' ')}` : ''} and ${RERUN} `
      + 'Add --ignore-exist true only to keep objects the target had before (look at them first).',
  });
}

/** PostgreSQL's "<kind> "<name>" does not exist" (SQLSTATE 42704, 42P01, 42883, 3F000). */
const MISSING = /^(type|relation|function|schema|role|collation|sequence|operator|text search configuration) "(.+?)"(?:\(.*\))? does not exist/;

/** Whether `sql` creates an object named `name` (its last part, quoted or not), as far as its text says. */
function createsName(sql: string, name: string): boolean {
  const bare = name.slice(name.lastIndexOf('.') + 1).replace(/^"|"$/g, '');
  const escaped = bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\bCREATE\\b[^;(]*?(?:^|[\\s."])${escaped}(?:$|[\\s"(])`, 'i').test(sql);
}

/** The statement's first line, cut at 120 characters: how reports and logs name a statement. */
export function firstLine(sql: string): string {
  const line = sql.split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
