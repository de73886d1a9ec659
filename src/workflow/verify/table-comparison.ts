import type { ComparedTable, ComparisonSide } from '../../core/engine/verification.js';
import { isTandemError, spokenErrorMessage } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { bucketTotal, sameBucket, type BucketFingerprint, type BucketPlan } from '../../core/verify/key-buckets.js';

export type { ComparedTable, ComparisonSide, SideFingerprint } from '../../core/engine/verification.js';

/** The outcome for one table; `error` set means a side could not be read (a mismatch, never a crash). */
export interface TableComparison {
  readonly table: string;
  readonly leftRows: number | null;
  readonly rightRows: number | null;
  readonly leftChecksum: string | null;
  readonly rightChecksum: string | null;
  readonly match: boolean;
  readonly error?: string;
  /**
   * True when the error is a definite difference, not a read that may succeed when tried again: a
   * side has no such table (TANDEM_UNKNOWN_TABLE: dropped on the source, say), or the sides' columns
   * differ (one lacks a compared column, SQLSTATE 42703; or has one the other lacks, `onlyRight`).
   */
  readonly missing?: boolean;
  /**
   * The sides' storage stamps read before the scans (`ComparisonSide.storageStamps`), where the sides
   * tell them: an early match holds at the cutover only while they are unchanged.
   */
  readonly stamps?: { readonly left?: string; readonly right?: string };
  /**
   * An early match kept bucket by bucket (`EarlyVerification`, `core/verify/key-buckets.ts`): both
   * sides agreed on every bucket but `pending`, which were written since they were read and are
   * compared again (by their key ranges only) instead of the whole table. The counts and checksums
   * above are the agreed buckets' sums.
   */
  readonly bucketed?: BucketedMatch;
}

/** See `TableComparison.bucketed`. */
export interface BucketedMatch {
  readonly plan: BucketPlan;
  /** The readings both sides agreed on, by bucket (a bucket left out has no rows). */
  readonly agreed: ReadonlyMap<string, BucketFingerprint>;
  /** Buckets to compare again: written since they were read, or read differently then (a change on its way). */
  readonly pending: readonly string[];
}

export interface ComparisonSummary {
  readonly tables: number;
  readonly matched: number;
  /** Keys of the tables that differ or failed, in input order. */
  readonly mismatched: string[];
  readonly match: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Tables not scanned again: matched earlier (`stillValid`), unchanged since, their storage too. */
  readonly reused?: number;
  /** Of the `reused`, those of which only the key ranges written since were read again (`TableComparison.bucketed`). */
  readonly rangesRead?: number;
}

export interface ComparisonResult {
  readonly leftLabel: string;
  readonly rightLabel: string;
  /** One entry per input table, in input order. */
  readonly results: TableComparison[];
  readonly summary: ComparisonSummary;
}

export type ComparisonProgress =
  | { readonly kind: 'start'; readonly table: ComparedTable }
  | { readonly kind: 'done'; readonly table: ComparedTable; readonly result: TableComparison };

/** An earlier match kept by key range with more ranges than this to read again is compared whole instead. */
const MAX_PENDING_RANGES = 16_384;

/**
 * Whether a table kept by key range has too many ranges to read again for the ranges to pay: more
 * than half of its ranges with rows (at least 64), or more than MAX_PENDING_RANGES. One reading of
 * the whole table costs less then.
 */
export function tooManyPending(pending: number, ranges: number): boolean {
  return pending > MAX_PENDING_RANGES || pending > Math.max(64, ranges / 2);
}

/** What {@link compareDatabases} needs of a side (`ComparisonSide`, opened by the caller). */
export type FingerprintingSide = Pick<ComparisonSide, 'label' | 'fingerprint' | 'storageStamps' | 'integerKeyRange' | 'bucketFingerprints'>;

export interface CompareDatabasesOptions {
  readonly left: FingerprintingSide;
  readonly right: FingerprintingSide;
  readonly tables: readonly ComparedTable[];
  /** Tables compared at once; each side then runs at most this many scans. Default 4. */
  readonly parallelJobs?: number;
  /**
   * Results that still hold, by table key (a matching comparison of a table that has not changed
   * since: see `EarlyVerification`); these tables are not scanned again. Only matches may be passed.
   */
  readonly stillValid?: ReadonlyMap<string, TableComparison>;
  /**
   * Both sides' storage stamps of the `stillValid` tables, when the caller started reading them
   * already (beside its own catalog reads: one round trip less before the scans); read here otherwise.
   */
  readonly storageStamps?: Promise<StampsRead>;
  readonly onProgress?: (event: ComparisonProgress) => void;
  /** Called before the right side's read of each table; a throw is that side's read failure (tests' fault points). */
  readonly beforeRightRead?: () => void;
}

/**
 * Compares every table on both sides: both fingerprints of a table are taken at the same time and
 * the table matches when row counts and checksums are equal. A side that fails (table missing,
 * permission, lost connection) makes that table a mismatch carrying the error text; the other
 * tables still run.
 */
export async function compareDatabases(opts: CompareDatabasesOptions): Promise<ComparisonResult> {
  const { left, right, tables, onProgress } = opts;
  const jobs = Math.max(1, Math.floor(opts.parallelJobs ?? 4));
  const startedAt = new Date().toISOString();
  const results = new Array<TableComparison>(tables.length);
  // Largest first: the longest scan should not be the one that starts last.
  const queue = tables.map((t, i) => ({ t, i })).sort((a, b) => (b.t.estimatedRows ?? 0) - (a.t.estimatedRows ?? 0));
  const unchanged = await unchangedStorage(left, right, tables, opts.stillValid, opts.storageStamps);
  let reused = 0;
  let rangesRead = 0;
  // Earlier matches kept by bucket with buckets written since: only those buckets are read again.
  const byRanges = new Map<string, BucketedMatch>();
  for (let k = queue.length - 1; k >= 0; k--) {
    const earlier = opts.stillValid?.get(queue[k]!.t.key);
    if (!earlier?.match || !unchanged.has(queue[k]!.t.key) || queue[k]!.t.onlyRight?.length || queue[k]!.t.readingDiffers) continue;
    // Most of a table's ranges written since: one reading of the whole table costs less.
    if (earlier.bucketed && tooManyPending(earlier.bucketed.pending.length, earlier.bucketed.agreed.size)) continue;
    if (earlier.bucketed && earlier.bucketed.pending.length > 0) {
      byRanges.set(queue[k]!.t.key, earlier.bucketed);
      continue;
    }
    results[queue[k]!.i] = earlier;
    queue.splice(k, 1);
    reused++;
  }

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      onProgress?.({ kind: 'start', table: next.t });
      const bucketed = byRanges.get(next.t.key);
      let result = bucketed ? await compareBucketsAgain(left, right, next.t, bucketed, opts.beforeRightRead) : undefined;
      if (result?.match) {
        reused++;
        rangesRead++;
      } else if (!result) {
        // Without buckets, or a bucket that differs or could not be read: the whole table decides.
        result = await compareOne(left, right, next.t, opts.beforeRightRead);
      }
      results[next.i] = result;
      onProgress?.({ kind: 'done', table: next.t, result });
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tables.length) }, worker));

  const mismatched = results.filter((r) => !r.match).map((r) => r.table);
  return {
    leftLabel: left.label,
    rightLabel: right.label,
    results,
    summary: {
      tables: results.length, matched: results.length - mismatched.length, mismatched, match: mismatched.length === 0,
      startedAt, finishedAt: new Date().toISOString(), ...(reused > 0 ? { reused } : {}), ...(rangesRead > 0 ? { rangesRead } : {}),
    },
  };
}

/** Each side's storage stamps (`ComparisonSide.storageStamps`; undefined for a side without them), left and right. */
export type StampsRead = readonly [Map<string, string> | undefined, Map<string, string> | undefined];

/** Reads both sides' storage stamps of the tables with an earlier match in `stillValid`. */
export function readStorageStamps(left: Pick<FingerprintingSide, 'storageStamps'>, right: Pick<FingerprintingSide, 'storageStamps'>,
  tables: readonly { readonly key: string; readonly schema: string; readonly name: string }[], stillValid: ReadonlyMap<string, TableComparison> | undefined): Promise<StampsRead> {
  const earlier = tables.filter((t) => stillValid?.get(t.key)?.match).map((t) => ({ schema: t.schema, name: t.name }));
  if (earlier.length === 0) return Promise.resolve([undefined, undefined]);
  return Promise.all([left.storageStamps?.(earlier), right.storageStamps?.(earlier)]);
}

/**
 * The keys of the earlier matches whose tables' storage stamps are what they were before their scans,
 * on both sides (where a stamp was recorded). A table emptied or replaced by something the
 * stream does not carry since its early match is scanned again (see `ComparisonSide.storageStamps`).
 */
async function unchangedStorage(left: FingerprintingSide, right: FingerprintingSide, tables: readonly ComparedTable[],
  stillValid: ReadonlyMap<string, TableComparison> | undefined, read?: Promise<StampsRead>): Promise<Set<string>> {
  const earlier = tables.filter((t) => stillValid?.get(t.key)?.match);
  if (earlier.length === 0) return new Set();
  const [l, r] = await (read ?? readStorageStamps(left, right, earlier, stillValid));
  const out = new Set<string>();
  for (const t of earlier) {
    const stamps = stillValid!.get(t.key)!.stamps;
    // No stamp recorded (a side without stamps; a match found by this cutover's own earlier pass): nothing to check.
    const same = (now: Map<string, string> | undefined, then: string | undefined) => then === undefined || now?.get(t.key) === then;
    if (same(l, stamps?.left) && same(r, stamps?.right)) out.add(t.key);
    else log.info(`verification: ${t.key} matched earlier, but its storage changed since (emptied or replaced by something the stream does not carry): compared again`);
  }
  return out;
}

/**
 * An earlier match kept by bucket, brought up to now: both sides read the pending buckets' key
 * ranges (at the same time), and the table matches when they agree on each; its counts and
 * checksums are then every bucket's, summed. Undefined when a bucket differs: the caller compares
 * the whole table, which decides. A side that cannot read them gives an error result.
 */
export async function compareBucketsAgain(left: FingerprintingSide, right: FingerprintingSide, table: ComparedTable, earlier: BucketedMatch,
  beforeRightRead?: () => void): Promise<TableComparison | undefined> {
  if (!left.bucketFingerprints || !right.bucketFingerprints) return undefined;
  const started = Date.now();
  const [ls, rs] = await Promise.allSettled([left.bucketFingerprints(table, earlier.plan, earlier.pending), (async () => {
    beforeRightRead?.();
    return right.bucketFingerprints!(table, earlier.plan, earlier.pending);
  })()]);
  if (ls.status === 'rejected' || rs.status === 'rejected') return unreadSides(table.key, [left.label, ls], [right.label, rs]);
  const l = ls.value;
  const r = rs.value;
  {
    const agreed = new Map(earlier.agreed);
    for (const b of earlier.pending) {
      const lb = l.buckets.get(b);
      if (!sameBucket(lb, r.buckets.get(b))) {
        log.info(`verification of ${table.key}: key range ${b} of its buckets differs; comparing the whole table`);
        return undefined;
      }
      if (lb && lb.rows > 0) agreed.set(b, lb);
      else agreed.delete(b);
    }
    const total = bucketTotal(agreed.values());
    log.info(`verification of ${table.key}: the ${earlier.pending.length} key range(s) written since their last reading agree (read in ${Date.now() - started} ms)`);
    return { table: table.key, leftRows: total.rows, rightRows: total.rows, leftChecksum: total.checksum, rightChecksum: total.checksum, match: true };
  }
}

/**
 * The result for a table whose key ranges a side could not read: an error result, said as a whole
 * table's reading says it (compared again, never called a difference).
 */
export function unreadSides(table: string, ...sides: [label: string, outcome: PromiseSettledResult<unknown>][]): TableComparison {
  const errors = sides.flatMap(([label, o]) => (o.status === 'rejected' ? [`${label}: ${errorText(o.reason)}`] : []));
  return { table, leftRows: null, rightRows: null, leftChecksum: null, rightChecksum: null, match: false, error: errors.join('; ') };
}

/** Compares one table: both fingerprints taken at the same time; a side's error makes it a mismatch. */
export async function compareOne(left: FingerprintingSide, right: FingerprintingSide, table: ComparedTable, beforeRightRead?: () => void): Promise<TableComparison> {
  const [l, r] = await Promise.allSettled([left.fingerprint(table), (async () => {
    beforeRightRead?.();
    return right.fingerprint(table);
  })()]);
  const errors: string[] = [];
  const sideError = (label: string, e: unknown) => (isUndefinedColumn(e)
    ? `${label}: ${(e as Error).message.replace(/^column \S+?\.(\S+) does not exist$/, 'column $1 is not there')} (the other side has it: a column added or dropped by DDL during the migration, which does not travel through the stream)`
    : `${label}: ${errorText(e)}`);
  if (l.status === 'rejected') errors.push(sideError(left.label, l.reason));
  if (r.status === 'rejected') errors.push(sideError(right.label, r.reason));
  const onlyRight = table.onlyRight ?? [];
  if (onlyRight.length > 0) {
    errors.push(`${right.label}: column${onlyRight.length > 1 ? 's' : ''} ${onlyRight.join(', ')} only there (added during the migration? DDL does not travel through the stream): not compared, so the table cannot match`);
  }
  const lv = l.status === 'fulfilled' ? l.value : undefined;
  const rv = r.status === 'fulfilled' ? r.value : undefined;
  // Definite too: reading again reads the same, whatever the stored values; what the stored rows
  // are is said beside it (fix-verify-51b: whether they were compared was unclear).
  if (table.readingDiffers) {
    const stored = lv && rv ? `; its stored rows ${lv.rows === rv.rows && lv.checksum === rv.checksum ? 'are the same on both sides' : 'differ too'}` : '';
    errors.push(`values ${table.readingDiffers}: the table cannot match${stored}`);
  }
  const match = errors.length === 0 && lv!.rows === rv!.rows && lv!.checksum === rv!.checksum;
  const failures = [l, r].filter((x): x is PromiseRejectedResult => x.status === 'rejected');
  // A side without the table, or without a column the other has: definite (retrying reads the same).
  const definite = (e: unknown) => (isTandemError(e) && e.code === 'TANDEM_UNKNOWN_TABLE') || isUndefinedColumn(e);
  const missing = (failures.length > 0 || onlyRight.length > 0 || table.readingDiffers !== undefined) && failures.every((x) => definite(x.reason));
  return {
    table: table.key,
    leftRows: lv?.rows ?? null, rightRows: rv?.rows ?? null,
    leftChecksum: lv?.checksum ?? null, rightChecksum: rv?.checksum ?? null,
    match,
    ...(errors.length ? { error: errors.join('; ') } : {}),
    ...(missing ? { missing: true } : {}),
  };
}

/** PostgreSQL's undefined_column (42703), on the error or the one it wraps. */
function isUndefinedColumn(e: unknown): boolean {
  return (e as { code?: unknown })?.code === '42703' || (e as { cause?: { code?: unknown } })?.cause?.code === '42703';
}

/** The message only: database errors' detail fields can quote row values, so they are left out. */
function errorText(e: unknown): string {
  const err = e as { message?: string; code?: string };
  const msg = err?.message !== undefined ? spokenErrorMessage(err.message) : String(e);
  return err?.code && /^[0-9A-Z]{5}$/.test(err.code) ? `${msg} (SQLSTATE ${err.code})` : msg;
}
