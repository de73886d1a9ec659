/**
 * Key buckets: a table whose primary key starts with an integer column is fingerprinted in slices
 * of that column's values, so that a table written to all the time can be verified while it
 * streams. Bucket `b` holds the rows whose first key column `k` has `base + b*width <= k <
 * base + (b+1)*width`; each bucket has its own row count and checksum (the whole table's, summed:
 * the fingerprint is a sum over rows). A change to a row touches the bucket of its key, so after a
 * table's buckets were compared only the buckets touched since need reading again, each through
 * the key's index (see `EarlyVerification`).
 *
 * Engine-neutral: the bucket of a key value is computed here from its decimal text (BigInt: keys
 * past 2^53 stay exact), and each side reads ranges with the bounds `boundsOf` gives.
 */

/** How a table's first key column is cut into buckets; decimal integer texts. */
export interface BucketPlan {
  /** The first primary-key column (an integer column on both sides). */
  readonly column: string;
  readonly base: string;
  readonly width: string;
}

/** One bucket's rows on one side: count and checksum as the fingerprint defines them. */
export interface BucketFingerprint {
  readonly rows: number;
  /** Decimal sum of the rows' 60-bit hash slices. */
  readonly checksum: string;
}

/**
 * About this many buckets span the key's values when a plan is made, at most. The cutover reads
 * again every bucket written since its last reading, so the finer the buckets, the fewer rows it
 * reads for the same writes (bench/cutover, busy, 2 million rows: 2.1 s of verification with 4,096
 * buckets, 0.9 s with 16,384). Each bucket costs memory while the importer runs (about 180 bytes
 * once read and written), so a migration of many tables gets fewer per table: `bucketsPerTable`.
 */
export const TARGET_BUCKETS = 16_384;

/** At least this many buckets per table, however many tables. */
export const MIN_TARGET_BUCKETS = 1024;

/** All tables' planned buckets together: about 190 MB of the importer's memory once every bucket was read and written. */
export const BUCKET_BUDGET = 1 << 20;

/** The buckets planned per table when `tables` tables are compared: the budget shared, within [MIN_TARGET_BUCKETS, TARGET_BUCKETS]. */
export function bucketsPerTable(tables: number): number {
  return Math.max(MIN_TARGET_BUCKETS, Math.min(TARGET_BUCKETS, Math.floor(BUCKET_BUDGET / Math.max(1, tables))));
}

const INTEGER = /^-?\d+$/;

/** A plan of about `target` buckets for keys seen between `min` and `max` (decimal texts; null for an empty table). */
export function bucketPlanFor(column: string, min: string | null, max: string | null, target = TARGET_BUCKETS): BucketPlan {
  if (min === null || max === null || !INTEGER.test(min) || !INTEGER.test(max)) return { column, base: '0', width: '1024' };
  const lo = BigInt(min);
  const span = BigInt(max) - lo + 1n;
  const n = BigInt(Math.max(1, Math.floor(target)));
  const width = span <= n ? 1n : (span + n - 1n) / n;
  return { column, base: lo.toString(), width: width.toString() };
}

/** The bucket of a key value's text, or undefined when it is not an integer (NULL, a decimal point). */
export function bucketOf(plan: BucketPlan, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || !INTEGER.test(value)) return undefined;
  const d = BigInt(value) - BigInt(plan.base);
  const w = BigInt(plan.width);
  // Floor division: keys below the base fall into negative buckets.
  const q = d >= 0n ? d / w : -((-d + w - 1n) / w);
  return q.toString();
}

/** The bucket's key values: `lo <= k < hi`, as decimal texts. */
export function boundsOf(plan: BucketPlan, bucket: string): { lo: string; hi: string } {
  const lo = BigInt(plan.base) + BigInt(bucket) * BigInt(plan.width);
  return { lo: lo.toString(), hi: (lo + BigInt(plan.width)).toString() };
}

/** Adds two checksums (decimal sums). */
export function addChecksums(a: string, b: string): string {
  return (BigInt(a) + BigInt(b)).toString();
}

/** The whole table's count and checksum from its buckets'. */
export function bucketTotal(buckets: Iterable<BucketFingerprint>): { rows: number; checksum: string } {
  let rows = 0;
  let sum = 0n;
  for (const b of buckets) {
    rows += b.rows;
    sum += BigInt(b.checksum);
  }
  return { rows, checksum: sum.toString() };
}

/** Whether two sides' readings of a bucket agree (a bucket a side does not list has no rows there). */
export function sameBucket(a: BucketFingerprint | undefined, b: BucketFingerprint | undefined): boolean {
  return (a?.rows ?? 0) === (b?.rows ?? 0) && (a?.checksum ?? '0') === (b?.checksum ?? '0');
}

/** The key ranges of `buckets`, adjacent buckets joined into one range, in key order. */
export function mergedRanges(plan: BucketPlan, buckets: readonly string[]): { lo: string; hi: string }[] {
  const sorted = [...new Set(buckets)].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: { lo: string; hi: string }[] = [];
  let start: bigint | undefined;
  let last: bigint | undefined;
  const close = () => {
    if (start === undefined) return;
    out.push({ lo: boundsOf(plan, start.toString()).lo, hi: boundsOf(plan, last!.toString()).hi });
  };
  for (const b of sorted) {
    if (last !== undefined && b === last + 1n) {
      last = b;
      continue;
    }
    close();
    start = b;
    last = b;
  }
  close();
  return out;
}
