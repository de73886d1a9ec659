import type { PrerequisiteFinding } from '../../core/engine/catalog.js';
import type { MySqlReferentialAction, MySqlTable } from './catalog-types.js';
import { rowChangingAction } from './mysql-table-info.js';
import type { CapturePrerequisiteFinding } from './capture/prerequisites.js';
import { ZERO_DATES_FIX, zeroDateColumns, zeroDatesInNotNullMessage, type ZeroDateScan } from './zero-dates.js';
import { holdsLessThanUnicode } from './values/charset-repertoire.js';

/**
 * The MySQL checks as the workflow's findings (pure): what `capture/prerequisites.ts` and
 * `zero-dates.ts` found, in the order the seam asks for (data the export cannot carry, then change
 * capture), each error with every fix.
 */

/**
 * Zero dates: in a NOT NULL column an error naming table, column and count (PostgreSQL stores
 * neither the date nor NULL there); in a nullable column a warning (they become NULL).
 */
export function zeroDateFindings(scan: ZeroDateScan, database: string): PrerequisiteFinding[] {
  // The warnings first: the workflow prints findings up to the first error.
  const out: PrerequisiteFinding[] = scan.counts.filter((x) => x.nullable).map((c) => (
    { severity: 'warning', code: 'TANDEM_PREREQUISITE', message: `${database}.${c.table}.${c.column}: ${c.count} zero date(s) will become NULL on the target.`, fix: '' }));
  const blocking = scan.counts.filter((c) => !c.nullable);
  if (blocking.length > 0) {
    out.push({
      severity: 'error', code: 'TANDEM_PREREQUISITE',
      message: zeroDatesInNotNullMessage(blocking, database),
      fix: ZERO_DATES_FIX,
    });
  }
  return out;
}

/**
 * For a live export, a warning when the server's sql_mode lets sessions write zero dates and a
 * migrated NOT NULL column could take one: such a row, once in the binlog, stops the change stream
 * for good (PostgreSQL stores neither the date nor NULL there, and every rerun reads it again).
 */
export function newZeroDateFinding(scan: ZeroDateScan, tables: readonly MySqlTable[], database: string, sqlMode: string): PrerequisiteFinding | undefined {
  if (!scan.newZeroDatesAllowed) return undefined;
  const columns = tables.flatMap((t) => zeroDateColumns(t).filter((c) => !c.nullable).map((c) => `${t.name}.${c.name}`));
  if (columns.length === 0) return undefined;
  return {
    severity: 'warning', code: 'TANDEM_PREREQUISITE', fix: '',
    message: `The source's sql_mode (${sqlMode || 'empty'}) lets the application write zero dates (0000-00-00, or a zero month or day), and these NOT NULL columns of ${database} could take one: ${columns.join(', ')}. PostgreSQL can store neither the zero date nor NULL there, so such a row would stop the change stream for good (it stays in the binlog; only a new snapshot gets past it). Unless the application never writes one, make the server refuse them (a sql_mode with STRICT_TRANS_TABLES, NO_ZERO_DATE and NO_ZERO_IN_DATE: SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_ZERO_DATE,NO_ZERO_IN_DATE'), and in the application's sessions if they set their own), or make the columns nullable (a zero date then becomes NULL).`,
  };
}

/**
 * The capture checks (binlog settings, privileges, retention): the errors as one finding whose fix
 * holds every statement (TANDEM_PRIVILEGE when only privileges are missing), warnings as warnings.
 * The retention verdict is always a warning: nothing on a MySQL server keeps binlogs for Tandem, so
 * the user must know how long the migration may stop. The primary-key check is left out: the
 * engine-neutral `primaryKeyFinding` says it for every engine.
 */
export function captureFindings(findings: readonly CapturePrerequisiteFinding[]): PrerequisiteFinding[] {
  const relevant = findings.filter((f) => f.check !== 'primary_key');
  const errors = relevant.filter((f) => f.severity === 'error');
  const out: PrerequisiteFinding[] = [];
  if (errors.length > 0) {
    out.push({
      severity: 'error',
      code: errors.every((f) => f.check.startsWith('privilege_')) ? 'TANDEM_PRIVILEGE' : 'TANDEM_PREREQUISITE',
      message: `The source is not ready for change capture from its binlog:\n${errors.map((f) => `- ${f.message}`).join('\n')}`,
      fix: errors.filter((f) => f.fix).map((f) => f.fix).join('\n'),
    });
  }
  for (const f of relevant.filter((x) => x.severity === 'warning' || (x.check === 'retention' && x.severity === 'info'))) {
    out.push({ severity: 'warning', code: 'TANDEM_PREREQUISITE', message: f.fix ? `${f.message} ${f.fix}` : f.message, fix: '' });
  }
  return out;
}

/**
 * Foreign keys whose ON DELETE / ON UPDATE action changes other rows (CASCADE, SET NULL, SET
 * DEFAULT), for a live export: InnoDB carries out these actions below the binlog, so the rows they
 * change are not in it. The target's importer carries them out itself from the definitions this
 * export records (`TableInfo.referentialActions`, `EngineCapabilities.streamOmitsForeignKeyActions`)
 * when the key's table and the table it references are both migrated: a notice naming each key.
 * A key referencing a table that is not migrated (another database, or left out of the table list)
 * cannot be: that table's changes never reach the target, so the rows its actions change on the
 * source stay as they were on the target. Those keys are named apart, with what to do.
 *
 * @param tables the migrated tables of `database`.
 */
export function cascadeFinding(tables: readonly MySqlTable[], database: string): PrerequisiteFinding | undefined {
  const acts = (a: MySqlReferentialAction) => rowChangingAction(a) !== undefined;
  const migrated = new Set(tables.map((t) => t.name));
  const carried: string[] = [];
  const notCarried: string[] = [];
  for (const t of tables) {
    for (const f of t.foreignKeys.filter((k) => acts(k.onDelete) || acts(k.onUpdate))) {
      const what = [acts(f.onDelete) ? `ON DELETE ${f.onDelete}` : '', acts(f.onUpdate) ? `ON UPDATE ${f.onUpdate}` : ''].filter(Boolean).join(', ');
      if (f.refDatabase === database && migrated.has(f.refTable)) carried.push(`${t.name}.${f.name} (${what})`);
      else notCarried.push(`${t.name}.${f.name} (${what}, referencing ${f.refDatabase === database ? '' : `${f.refDatabase}.`}${f.refTable})`);
    }
  }
  if (carried.length === 0 && notCarried.length === 0) return undefined;
  const parts = [`MySQL does not write the rows its foreign-key actions change into the binlog: ${[...carried, ...notCarried].join(', ')}.`];
  if (carried.length) {
    parts.push(`"import data to target" carries out ${notCarried.length ? `those of ${carried.join(', ')}` : 'these foreign-key actions'} on the target itself, as the source defines them (recorded by this export); each change that sets one off is applied alone, after every earlier change.`);
  }
  if (notCarried.length) {
    parts.push(`Not carried out: ${notCarried.join(', ')}, because the table referenced is not migrated, so its deletes and updates never reach the target and the rows these actions change on the source keep their old values on the target. Migrate the referenced tables too (--table-list), or expect these tables to differ ("tandem compare" names the rows).`);
  }
  return { severity: 'warning', code: 'TANDEM_PREREQUISITE', message: parts.join(' '), fix: '' };
}

/**
 * Tables of a non-transactional engine (MyISAM, Aria, MEMORY, …), for a live export: their rows are
 * read as they are when the reader gets to them, not at the snapshot's binlog position, so a row
 * written to one while the snapshot runs is in the snapshot and in the binlog after it. Replayed, an
 * update or a delete lands where it already is, but an insert meets its own row and stops the import
 * (unique key). A warning, with what to do.
 */
export function nonTransactionalFinding(tables: readonly MySqlTable[], database: string): PrerequisiteFinding | undefined {
  const hits = tables.filter((t) => t.engine !== null && !/^innodb$/i.test(t.engine)).map((t) => `${t.name} (${t.engine})`);
  if (hits.length === 0) return undefined;
  return {
    severity: 'warning', code: 'TANDEM_PREREQUISITE',
    message: `${database}: ${hits.join(', ')} ${hits.length === 1 ? 'is' : 'are'} not transactional, so ${hits.length === 1 ? 'its' : 'their'} snapshot cannot be taken at the binlog position the other tables' is: a row inserted while the snapshot runs reaches the target twice and stops the import at the duplicate (a new snapshot is then needed). Convert ${hits.length === 1 ? 'it' : 'them'} to InnoDB (ALTER TABLE … ENGINE=InnoDB) before the migration, or keep writes off ${hits.length === 1 ? 'it' : 'them'} until the snapshot is exported.`,
    fix: '',
  };
}

/** How many columns the character-set warning names before it only counts the rest. */
const CHARSET_WARNING_COLUMNS = 20;

/**
 * Text columns in a character set that stores fewer characters than the target (latin1, utf8mb3,
 * ascii, …), for a live export: if the migration falls back, a value written on the target with a
 * character the column's set lacks cannot be written back, and the fall-back stops at that change
 * until the column is converted on the source. A warning that `initiate cutover to target
 * --prepare-for-fall-back true` repeats.
 */
export function characterSetFinding(tables: readonly MySqlTable[], database: string): PrerequisiteFinding | undefined {
  const hits = tables.flatMap((t) => t.columns.filter((c) => c.charset !== null && holdsLessThanUnicode(c.charset)).map((c) => `${t.name}.${c.name} (${c.charset})`));
  if (hits.length === 0) return undefined;
  const named = hits.length > CHARSET_WARNING_COLUMNS ? `${hits.slice(0, CHARSET_WARNING_COLUMNS).join(', ')} and ${hits.length - CHARSET_WARNING_COLUMNS} more` : hits.join(', ');
  return {
    severity: 'warning', code: 'TANDEM_PREREQUISITE', fallBack: true, fix: '',
    message: `${database}: ${hits.length} column(s) in a character set that stores fewer characters than the target (UTF-8): ${named}. `
      + 'If the migration falls back, a value written on the target with a character outside a column\'s set stops the fall-back at that change '
      + 'until the column is converted on the source (ALTER TABLE … MODIFY … CHARACTER SET utf8mb4; then rerun import data to source). Converting them before the cutover avoids it.',
  };
}
