import type { OracleTable } from '../values/oracle-type.js';
import { snapshotQuery } from './snapshot-sql.js';

/**
 * Splitting a big table between parallel readers (pure). The workflow plans its chunks before the
 * snapshot's consistent point exists, but a table's extents are only known to cover every row that
 * the snapshot sees once that point is fixed (an extent allocated between planning and the SCN may
 * hold rows the snapshot must copy). So a chunk is planned as "part k of n" of a table, and the
 * ROWID ranges are read once, after the SCN, by the snapshot session (`ROWID_RANGES_SQL` with
 * :chunks = n: the extents cut into n groups in (data object, file, block) order), and every part
 * reads the ranges of its own group. Half-open ranges per data object never overlap and leave out
 * only blocks that no extent held, so every row falls into exactly one part.
 *
 * When the ranges cannot be read (DBA_EXTENTS not visible, an index-organized table), part 0 reads
 * the whole table and the other parts read nothing: slower, never wrong.
 */

/** Blocks above which a table is worth splitting when several jobs run (8 KB blocks: 64 MB). */
export const SPLIT_BLOCKS = 8192;

/** How many parts a table is read in: 1 unless it is a heap table larger than SPLIT_BLOCKS and several jobs run. */
export function partsFor(table: OracleTable, blocks: number, parallelJobs: number): number {
  if (parallelJobs <= 1 || table.indexOrganized || blocks <= SPLIT_BLOCKS) return 1;
  return Math.max(1, Math.min(parallelJobs, Math.ceil(blocks / SPLIT_BLOCKS)));
}

/** One row of ROWID_RANGES_SQL. */
export interface RowidRange {
  /** 1-based group (NTILE). */
  readonly group: number;
  readonly lo: string;
  readonly hi: string;
}

/** Maps ROWID_RANGES_SQL's rows. */
export function rowidRangesFromRows(rows: readonly Record<string, unknown>[]): RowidRange[] {
  return rows.map((r) => ({ group: Number(r.GRP), lo: String(r.LO_ROWID), hi: String(r.HI_ROWID) }));
}

/** A query of one part with its binds (the SCN bound by the reader), or undefined when the part reads nothing. */
export interface PartQuery {
  readonly sql: string;
  readonly binds: Readonly<Record<string, string>>;
}

/**
 * The query of part `part` (0-based) of `parts` at SCN `scn`. `ranges` undefined means the ranges
 * could not be read: part 0 takes the whole table. A group without ranges (fewer extents than parts)
 * reads nothing.
 */
export function partQuery(table: OracleTable, part: number, parts: number, scn: string, ranges: readonly RowidRange[] | undefined): PartQuery | undefined {
  if (parts <= 1 || ranges === undefined) return part === 0 ? { sql: snapshotQuery(table), binds: { scn } } : undefined;
  const mine = ranges.filter((r) => r.group === part + 1);
  if (mine.length === 0) return undefined;
  const binds: Record<string, string> = { scn };
  const conditions = mine.map((r, i) => {
    binds[`lo${i}`] = r.lo;
    binds[`hi${i}`] = r.hi;
    return `(t.ROWID >= CHARTOROWID(:lo${i}) AND t.ROWID < CHARTOROWID(:hi${i}))`;
  });
  return { sql: snapshotQuery(table, conditions.join(' OR ')), binds };
}

