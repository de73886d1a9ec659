import type { PrerequisiteFinding } from '../../core/engine/catalog.js';
import type { PrerequisiteFinding as OracleFinding } from './prerequisites.js';

/**
 * From the Oracle preparation check's findings (`prerequisites.ts`: every missing step of the
 * spec's "Prepare the source database", each with its SQL) to the findings the workflow reports
 * (pure). The workflow stops at the first error and prints its fix; so that the DBA gets the SQL for
 * EVERYTHING that is missing in one go, all errors become one finding whose fix is every step's SQL
 * in order, each under a comment naming what it fixes.
 *
 * - `export`: the export's own needs are errors; what only a fall-back needs (the ybvoyager_metadata
 *   user and tables, the `<SCHEMA>_WRITER_ROLE`) is a warning with its SQL, since fall-back is chosen
 *   later, at the cutover. The primary-key rule is left to the engine-neutral `primaryKeyFinding`.
 * - `write` (`import data to source`): only the fall-back steps, as errors.
 */

/** The finding ids that only a fall-back (writing into Oracle) needs. */
const FALL_BACK_IDS = /^(metadata-|writer-role)/;

function merged(errors: readonly OracleFinding[], heading: string): PrerequisiteFinding {
  const onlyGrants = errors.every((f) => f.id === 'grants' || f.id === 'writer-role' || f.id === 'writer-role-privileges' || f.id === 'read-access');
  return {
    severity: 'error',
    code: onlyGrants ? 'TANDEM_PRIVILEGE' : 'TANDEM_PREREQUISITE',
    message: `${heading} ${errors.map((f, i) => `(${i + 1}) ${f.message}`).join(' ')}`,
    fix: `Run as a DBA (review first):\n${errors.map((f, i) => `-- (${i + 1}) ${f.id}\n${f.fixSql}`).join('\n\n')}`,
  };
}

/**
 * The findings of an export (`live`: snapshot-and-changes or changes-only). `primaryKey` is the
 * engine-neutral primary-key finding (`primaryKeyFinding`): a warning stays one, an error joins the
 * others so that one run lists everything to fix.
 */
export function exportFindings(findings: readonly OracleFinding[], live: boolean, primaryKey?: PrerequisiteFinding): PrerequisiteFinding[] {
  const own = findings.filter((f) => !FALL_BACK_IDS.test(f.id) && f.id !== 'primary-keys');
  const fallBack = findings.filter((f) => FALL_BACK_IDS.test(f.id));
  const out: PrerequisiteFinding[] = [];
  const warnings = own.filter((f) => f.severity === 'warning');
  for (const w of warnings) {
    out.push({
      severity: 'warning', code: 'TANDEM_PREREQUISITE', message: w.fixSql ? `${w.message} Fix:\n${w.fixSql}` : w.message, fix: w.fixSql,
      ...(w.id === 'character-set' ? { fallBack: true } : {}),
    });
  }
  if (live) {
    for (const f of fallBack) {
      out.push({
        severity: 'warning', code: 'TANDEM_PREREQUISITE',
        message: `only needed for a fall-back (cutover to target with --prepare-for-fall-back true): ${f.message} Before that cutover, a DBA runs:\n${f.fixSql}`,
        fix: f.fixSql,
      });
    }
  }
  if (primaryKey?.severity === 'warning') out.push(primaryKey);
  const errors = own.filter((f) => f.severity === 'error');
  if (primaryKey?.severity === 'error') errors.push({ id: 'primary-keys', severity: 'error', message: primaryKey.message, fixSql: `-- ${primaryKey.fix}` });
  if (errors.length > 0) out.push(merged(errors, `The Oracle source is not prepared for ${live ? 'a live migration' : 'an export'}:`));
  return out;
}

/** The findings before `import data to source` writes into Oracle: the fall-back steps, as errors. */
export function writeFindings(findings: readonly OracleFinding[]): PrerequisiteFinding[] {
  const fallBack = findings.filter((f) => FALL_BACK_IDS.test(f.id));
  return fallBack.length === 0 ? [] : [merged(fallBack, 'The Oracle source is not prepared for fall-back writes:')];
}
