/**
 * Oracle change positions, defined in this one place.
 *
 * A position names a point in the commit order of the source: the commit SCN of a transaction and
 * its ordinal among the commits at that SCN (several transactions can commit at one SCN; LogMiner
 * returns their COMMIT rows in redo order, which is the same every time the same redo is mined). It
 * also carries where mining must restart so that nothing after the position is lost: the start SCN
 * of the oldest transaction still open when that commit was read (its earlier changes are in older
 * redo), or the commit SCN itself.
 *
 * Text form: `SSSSSSSSSSSSSSSSSSSS.OOOOOO.RRRRRRRRRRRRRRRRRRRR` (commit SCN, ordinal, restart SCN,
 * zero-padded decimal). Positions sort as text in commit order; the restart SCN never decides the
 * order (no two positions share SCN and ordinal).
 */

/** A decoded position. */
export interface OraclePosition {
  readonly commitScn: bigint;
  /** 0-based index of the commit among the commits at `commitScn`; AFTER_ALL for "every commit at that SCN". */
  readonly ordinal: number;
  /** Mining resumes at this SCN (inclusive) to see every change of every transaction committing later. */
  readonly restartScn: bigint;
}

/** Ordinal meaning "after every commit at this SCN" (a checkpoint between SCNs, the snapshot point). */
export const AFTER_ALL = 999_999;

const SCN_DIGITS = 20; // 2^64 - 1 has 20 digits
const POSITION = /^(\d{20})\.(\d{6})\.(\d{20})$/;

function scnText(scn: bigint): string {
  if (scn < 0n || scn >= 10n ** BigInt(SCN_DIGITS)) throw new RangeError(`SCN out of range: ${scn}`);
  return scn.toString().padStart(SCN_DIGITS, '0');
}

/** The text form (sortable). */
export function encodeOraclePosition(p: OraclePosition): string {
  if (!Number.isInteger(p.ordinal) || p.ordinal < 0 || p.ordinal > AFTER_ALL) throw new RangeError(`ordinal out of range: ${p.ordinal}`);
  return `${scnText(p.commitScn)}.${p.ordinal.toString().padStart(6, '0')}.${scnText(p.restartScn)}`;
}

/** Reads the text form; RangeError for anything else. */
export function decodeOraclePosition(text: string): OraclePosition {
  const m = POSITION.exec(text);
  if (!m) throw new RangeError(`not an Oracle position: ${text}`);
  return { commitScn: BigInt(m[1]!), ordinal: Number(m[2]), restartScn: BigInt(m[3]!) };
}

/**
 * The position of a snapshot taken `AS OF SCN snapshotScn`: every commit at or before that SCN is in
 * the snapshot; mining starts at `mineFromScn` (at or before the start of every transaction that was
 * open then, see `snapshotStart`).
 */
export function snapshotPosition(snapshotScn: bigint, mineFromScn: bigint): OraclePosition {
  return { commitScn: snapshotScn, ordinal: AFTER_ALL, restartScn: mineFromScn < snapshotScn + 1n ? mineFromScn : snapshotScn + 1n };
}

/** True when the commit (commitScn, ordinal) comes after `p` (so it must be emitted after a resume at p). */
export function commitIsAfter(commitScn: bigint, ordinal: number, p: OraclePosition): boolean {
  return commitScn > p.commitScn || (commitScn === p.commitScn && ordinal > p.ordinal);
}

/**
 * Where a snapshot's change capture starts. `scnBefore` is CURRENT_SCN read first, then
 * `oldestOpenStartScn` = MIN(START_SCN) of V$TRANSACTION (null when none is open), then the snapshot
 * SCN. A transaction that commits after the snapshot SCN either was open when V$TRANSACTION was read
 * (so it started at or after the oldest start) or started after that read (so after `scnBefore`):
 * mining from the smaller of the two sees all of its changes, however long before the snapshot it
 * began. Reading in this order closes the race a single read would leave open.
 */
export function snapshotStart(scnBefore: bigint, oldestOpenStartScn: bigint | null, snapshotScn: bigint): OraclePosition {
  if (snapshotScn < scnBefore) throw new RangeError('the snapshot SCN must be read after the first SCN');
  const from = oldestOpenStartScn !== null && oldestOpenStartScn < scnBefore ? oldestOpenStartScn : scnBefore;
  return snapshotPosition(snapshotScn, from);
}
