import { TandemError } from '../errors.js';

/** What an UPDATE or DELETE of a change writer did not find. */
export interface RowsNotFound {
  /** `schema.table` as the events name it. */
  readonly table: string;
  readonly kind: 'update' | 'delete';
  readonly missing: number;
  readonly total: number;
  readonly vsns: { readonly first: number; readonly last: number };
  /** The written database, as `describeDb` names it. */
  readonly where: string;
  /** The keys of the missing rows, when the writer knows them (`id=5, part=x`); a few at most. */
  readonly keys?: readonly string[];
  /** Another cause the writer knows of, for this table: a sentence added to the message. */
  readonly alsoMeans?: string;
}

/**
 * The error of a change writer whose UPDATE or DELETE did not find every row it names. Every change
 * is applied exactly once to a database that held the same rows, so a row that is not there was
 * changed by something other than Tandem, or the change names the row by a key it did not have
 * there (a key change the database being read logged without the old key, which its checks did not
 * see: on PostgreSQL, a partition given its own REPLICA IDENTITY during the migration). Applying on
 * would lose the change without a word (an UPDATE or DELETE that finds nothing succeeds). The
 * writer rolls its batch back and stops.
 */
export function rowsNotFoundError(r: RowsNotFound): TandemError {
  const keys = r.keys && r.keys.length > 0 ? `: ${r.keys.join('; ')}${r.missing > r.keys.length ? `; and ${r.missing - r.keys.length} more` : ''}` : '';
  return new TandemError('TANDEM_DATA',
    `${r.missing} of the ${r.total} rows of ${r.table} to ${r.kind} (events ${r.vsns.first}..${r.vsns.last}) are not on ${r.where}${keys}. `
    + 'Something other than Tandem changed that table there during the migration, or the database being read logged a change of these rows\' key without the old key (on PostgreSQL: a partition given its own REPLICA IDENTITY during the migration), '
    + 'or a table was attached there as a partition of this one since the snapshot (ATTACH PARTITION is not replicated: the rows are in that table, not under this one); applying on would lose these changes without a word. '
    + `${r.alsoMeans ? `${r.alsoMeans} ` : ''}Nothing of this batch was written; the changes wait in the export dir's queue.`,
    { hint: `If the database being read had a partition attached to ${r.table} since the snapshot (its exporter said so), attach it the same way on ${r.where} (ALTER TABLE … ATTACH PARTITION …), then rerun the same import command. Otherwise: only Tandem may write to ${r.where} until the cutover to it. Find what wrote there and stop it; run tandem compare to see every difference. Put these rows back on ${r.where} as they are on the database being read (and remove the rows it holds that the database being read no longer has: tandem compare names both), then rerun the same import command: it resumes where it stopped. Or start the migration again from a new snapshot.` });
}
