import type { ChangeEvent } from '../../core/change-event.js';
import { log } from '../../core/logger.js';
import { sleep } from '../../core/sleep.js';
import { connectionLostError, isTandemError } from '../../core/errors.js';
import { compareOne, tooManyPending, unreadSides, type ComparedTable, type FingerprintingSide, type TableComparison } from './table-comparison.js';
import { bucketOf, bucketPlanFor, bucketsPerTable, bucketTotal, sameBucket, TARGET_BUCKETS, type BucketFingerprint, type BucketPlan } from '../../core/verify/key-buckets.js';

/** What an early verification needs from the importer that runs it. */
export interface EarlyVerificationOptions {
  /** Opens both sides (one connection each is enough) and lists the tables; throws when it cannot (a missing password, say). */
  readonly open: () => Promise<{ left: FingerprintingSide; right: FingerprintingSide; tables: ComparedTable[]; close(): Promise<void> }>;
  /** The queue's last committed vsn now (meta.db). */
  readonly queuedVsn: () => number;
  /** Every event at or below this vsn is committed on the written database (the importer's low watermark). */
  readonly appliedVsn: () => number;
  /**
   * The latest commit time, by the read database's clock, among the transactions queued so far
   * (`queuedCommitTimeKey`); undefined where the engine does not tell. Read before `queuedVsn`.
   */
  readonly queuedCommitMs?: () => number | undefined;
  /**
   * The other tables an event changes on the written database (the foreign-key actions a writer
   * carries out: `ChangeTarget.tablesAlsoChanged`): noted as changed by it too, so that a match
   * found before it is compared again.
   */
  readonly alsoChanged?: (e: ChangeEvent) => readonly string[];
  /** A table is compared once no event for it has been read for this long. Default 2000 ms. */
  readonly quietMs?: number;
  /** True while nothing can reach the queue (its exporter is not running): no table is scanned then. */
  readonly paused?: () => boolean;
  /** How often the importer looks for quiet tables. Default 500 ms. */
  readonly checkMs?: number;
  /** Told the tables compared in each pass (a mismatch found early is worth saying at once); never a comparison that failed. */
  readonly onPass?: (results: readonly TableComparison[]) => void;
  /**
   * Told once when a table could not be compared (a side's read failed: a lost connection, a
   * restart); says nothing about the data. The table is compared again later (and at the cutover).
   */
  readonly onCompareFailed?: (result: TableComparison) => void;
  /** First wait before a table that could not be compared is compared again (doubling up to 5 minutes). Default 5000 ms. */
  readonly retryMs?: number;
  /** Told once when both sides cannot be opened (a wrong or missing password): nothing is compared early. */
  readonly onUnavailable?: (reason: string) => void;
  /** False: no table is read by key range (every table compared whole once quiet; bench/cutover's baseline). Default true. */
  readonly keyRanges?: boolean;
}

interface Verified {
  /** The queue's last vsn read before the table's scans began. */
  readonly atVsn: number;
  readonly result: TableComparison;
  /**
   * Told (onPass): a match, an error, or a mismatch once proven. A mismatch is not told at once: the
   * read database may hold changes of the table that the stream has not delivered yet (an exporter
   * restarting or behind). Proven when the queue has caught up with its scan (`readAtMs`) and none
   * of the changes up to there is to the table; where the times are not known, when found again
   * with no change to the table in between, once the queue has moved on.
   */
  told: boolean;
  /** For a mismatch not told: the read side's clock after its scan's snapshot, where both it and the queue's commit times are known. */
  readonly readAtMs?: number;
  /** The queue's last vsn once it held a transaction committed after `readAtMs`: every change the scan saw is at or below it. */
  caughtVsn?: number;
  /** For a comparison that failed: when to try again, and the wait after that one. */
  readonly retryAt?: number;
  readonly nextRetryMs?: number;
}

/**
 * A table compared bucket by bucket (`core/verify/key-buckets.ts`): written to all the time, it is
 * never quiet, yet its buckets are. Its first comparison reads every bucket on both sides; a bucket
 * read differently that was written since its vsn (a change on its way) is pending, as is any
 * bucket written after it was read; each round reads the pending buckets again. At the marker the
 * table's match holds but for the buckets still pending, which the cutover reads (see
 * `compareBucketsAgain`).
 */
interface Buckets {
  readonly plan: BucketPlan;
  /** The vsn the whole table was read at (every bucket's, until it is read again). */
  readonly atVsn: number;
  /** Readings both sides agreed on, by bucket (a bucket left out agreed on no rows). */
  readonly agreed: Map<string, BucketFingerprint>;
  /** The vsn each bucket was last read at and agreed, where it was read again after `atVsn`. */
  readonly readAt: Map<string, number>;
  /** Buckets whose last reading differed. */
  readonly differing: Set<string>;
  /** The last vsn that wrote to each bucket. */
  readonly touched: Map<string, number>;
  readonly stamps: TableComparison['stamps'];
  /** Not read again before this time (Date.now()): the reads take at most a tenth of the time (READ_SHARE). */
  nextReadAt: number;
  /**
   * Told as a match (`onPass`), which waits until no bucket differs: a bucket that differs may be a
   * change on its way, or a real difference where the queue tells no commit times to prove it, or
   * one that writes since keep from being judged (measured before: "Verified … match" said of a
   * MariaDB table that differed, quiet in the schema-mysql-53 run, written again and again in the
   * fix-verify-53 run). The cutover reads every bucket that differs, whatever was said.
   */
  said: boolean;
}

/** How long a table's reading by bucket waits for the queue to catch up with its scans before judging a range that differs. */
const CATCH_UP_MS = 10_000;

/**
 * The share of the time a table's ranges are read again, at most: after a reading that took d ms,
 * the next waits 9d. On a database written to faster than the ranges can be read, every range is
 * written again between two readings: the reads would only load both databases (the source's
 * application shares it) without shortening the cutover.
 */
const READ_SHARE = 0.1;

/**
 * A table's plan is made again (and the table read whole again) once it has more buckets than this
 * many times the buckets planned: its keys outgrew the range its plan was made for (a table nearly
 * empty at its first reading, then loaded: the ranged-pg-52 run, one bucket per row of 6 million
 * and 4 GB of memory).
 */
const OUTGROWN = 4;

/**
 * More ranges than this written since their last reading (two rounds' worth) and the table counts
 * as written all over too, whatever its share of the table's ranges: the readings, a tenth of the
 * time, would not catch up with the writes. With 4,096 ranges a table updated thousands of times a
 * second (bench/cdc) had more than half of them written between two readings and was left alone;
 * with 16,384, a third or so are, fewer than half, and it would be read again and again for nothing.
 */
const HOT_PENDING = 2048;

/** How long a table written all over is left before its ranges are looked at again. */
const HOT_WAIT_MS = 2000;

/** At most this many buckets of a table are read again in one round (the rest in the next). */
const BUCKETS_PER_ROUND = 1024;

/** Longest wait before comparing again a table whose comparison failed. */
const MAX_RETRY_MS = 300_000;

/**
 * Whether a failure to open the comparison's connections is a database that cannot be reached
 * now (restarting, failing over: worth trying again) rather than one that refuses the comparison
 * (a password, a privilege: the same every time). The drivers' lost connections are told apart as
 * everywhere else (`connectionLostError`).
 */
export function unreachable(error: unknown): boolean {
  return (isTandemError(error) && error.code === 'TANDEM_CONNECT') || connectionLostError(error, '') !== undefined;
}

/**
 * What the importer tells the user about one early result that is not a match: a comparison that
 * failed (a side could not be read) says nothing about the data and is never called a difference.
 * `direction` is "source and the target" or "target and the source".
 */
export function earlyFindingText(r: TableComparison, direction: string, exportDirRoot: string): string {
  if (r.error !== undefined) {
    return `could not compare ${r.table} while streaming (${r.error}); it is compared again (and at the cutover, if need be).`;
  }
  // The comparison's left side is always the source: each count is named (measured before: "between
  // the target and the source (rows 169 vs 81)" gave the source's first; the mysql-live-edges-2 run).
  return `${r.table} differs between the ${direction} (rows: source ${r.leftRows}, target ${r.rightRows}${r.leftRows === r.rightRows ? '; checksums differ' : ''}), found while streaming; the cutover compares it again. Run "tandem compare --export-dir ${exportDirRoot}" for details.`;
}

/**
 * Verifies quiet tables while the importer streams, so that the verification at cutover (part of
 * the application's downtime) scans only the tables that changed since.
 *
 * Why a match found early still holds at the marker. For table T, the importer first reads the
 * queue's last vsn V, waits until every event up to V is committed on the written database, then
 * fingerprints T on both sides (both scans start after that). Every change to T that the stream
 * delivers after either scan began is queued after V was read, so its vsn is above V. At the marker
 * the importer has read every event before it; if none of them is a change to T with a vsn above V,
 * neither side's T changed through the stream since its scan, and the early match is the match at
 * the marker. A table with such an event, a mismatch or an error is compared again at the cutover.
 *
 * A mismatch is said only once proven (see `Verified.told` and `provenMismatches`): while the
 * exporter restarts or lags, a table quiet in the queue may have changed on the source, and a
 * comparison would report a difference that is only a delay. Either way the cutover compares it
 * again.
 *
 * What the stream does not carry but empties or replaces a table (a partition truncated or
 * detached, the table dropped and created again: PostgreSQL) changes its storage stamps
 * (`ComparisonSide.storageStamps`), read before the scans and again at the cutover, which then
 * scans the table. What this does not see: a write that bypasses the stream (someone writing to a
 * side by hand) into a table after its early scan; the source's writes after the marker are
 * reported by the end of the source's stream (`endChangeStream`).
 *
 * Cost: one scan per quiet table on each side, one table at a time with one connection per side,
 * and again only after the table changed and went quiet again.
 */
export class EarlyVerification {
  private readonly lastEvent = new Map<string, { vsn: number; at: number }>();
  private readonly verified = new Map<string, Verified>();
  /**
   * Tables compared by key bucket: a plan before their first reading, then their state; null for a
   * table that cannot be (no integer key on both sides, or a change that names no bucket: a
   * TRUNCATE, a cascade the writer carries out), which is compared whole once quiet.
   */
  private readonly plans = new Map<string, BucketPlan | null>();
  private readonly buckets = new Map<string, Buckets>();
  /** For each table with a plan: the last vsn that wrote to each bucket (kept from the plan on, so that a reading's changes are seen). */
  private readonly touchedBy = new Map<string, Map<string, number>>();
  private readonly stopper = new AbortController();
  private readonly quietMs: number;
  private readonly checkMs: number;
  private readonly retryMs: number;
  private loop: Promise<void> | undefined;
  /** A table without any event yet counts as changed at the start (a restarted importer knows nothing of the last seconds). */
  private readonly startedAt = Date.now();
  private sides: Awaited<ReturnType<EarlyVerificationOptions['open']>> | undefined;
  private closing: Promise<void> | undefined;
  /** Buckets planned per table (`bucketsPerTable` of the tables compared, once the sides are open). */
  private bucketTarget = TARGET_BUCKETS;

  constructor(private readonly options: EarlyVerificationOptions) {
    this.quietMs = options.quietMs ?? 2000;
    this.checkMs = options.checkMs ?? 500;
    this.retryMs = options.retryMs ?? 5000;
  }

  /** Records the tables that `events` change (call with every batch the importer reads, in order). */
  note(events: readonly ChangeEvent[]): void {
    const at = Date.now();
    let key = '';
    let schema: string | undefined;
    let table: string | undefined;
    let plan: BucketPlan | null | undefined;
    for (const e of events) {
      if ((e.op as string) === 'm') continue;
      if (e.schema !== schema || e.table !== table) {
        schema = e.schema;
        table = e.table;
        key = `${schema}.${table}`;
        plan = this.plans.get(key);
      }
      this.touch(key, e.vsn, at);
      if (plan) {
        // The buckets of the row's key before and after (an update may move it to another key).
        const before = bucketOf(plan, e.key[plan.column]);
        const after = e.op === 'u' && e.after && plan.column in e.after ? bucketOf(plan, e.after[plan.column]) : before;
        if (e.op === 't' || before === undefined || after === undefined) {
          this.unbucket(key, `a change that names no key range at vsn ${e.vsn} (${e.op === 't' ? 'a TRUNCATE' : `no integer ${plan.column} in its key`})`);
          plan = null;
        } else {
          this.touchBucket(key, before, e.vsn);
          if (after !== before) this.touchBucket(key, after, e.vsn);
        }
      }
      const others = this.options.alsoChanged?.(e);
      // A cascade the writer carries out changes rows whose keys no event names.
      if (others) for (const other of others) {
        this.touch(other, e.vsn, at);
        if (this.plans.get(other)) this.unbucket(other, `rows changed by a cascade at vsn ${e.vsn}`);
      }
    }
  }

  private touchBucket(key: string, bucket: string, vsn: number): void {
    const touched = this.touchedBy.get(key);
    if (!touched) return;
    touched.set(bucket, vsn);
    // Bounded whatever the table's state (fix-verify-52: a table planned, then compared whole, kept recording).
    if (touched.size > this.maxBuckets) this.replan(key, `its keys outgrew the ${this.plans.get(key)?.width ?? '?'}-wide ranges planned for them`);
  }

  /** More buckets than this in a table: its keys outgrew its plan (`OUTGROWN`). */
  private get maxBuckets(): number {
    return OUTGROWN * this.bucketTarget;
  }

  /** The table's ranges are planned again from its keys now, and it is read whole again (its next reading). */
  private replan(key: string, why: string): void {
    this.plans.delete(key);
    this.touchedBy.delete(key);
    this.buckets.delete(key);
    this.verified.delete(key);
    log.info(`early verification of ${key}: key ranges planned again: ${why}`);
  }

  /** The table is compared whole from now on (its bucket readings no longer say what changed). */
  private unbucket(key: string, why: string): void {
    this.plans.set(key, null);
    this.touchedBy.delete(key);
    if (this.buckets.delete(key)) log.info(`early verification of ${key}: compared whole from now on: ${why}`);
  }

  private touch(key: string, vsn: number, at: number): void {
    const last = this.lastEvent.get(key);
    if (last) {
      last.vsn = vsn;
      last.at = at;
    } else {
      this.lastEvent.set(key, { vsn, at });
    }
  }

  /** For a table kept by key range: how many of its ranges are to be read again now (undefined for another table). */
  pendingRanges(key: string): number | undefined {
    const b = this.buckets.get(key);
    return b && pendingOf(b).length;
  }

  /** Starts comparing quiet tables in the background. */
  start(): void {
    this.loop ??= this.run().catch((e) => log.warn(`early verification stopped: ${(e as Error).message}`));
  }

  /**
   * Stops and returns the matches that still hold: tables with no event above the vsn their
   * comparison started from. Call once every event before the marker has been noted; a comparison in
   * progress finishes first (its table is then not scanned again), unless `cancel` (the importer
   * was interrupted) closes its connections at once.
   */
  async finish(options: { cancel?: boolean } = {}): Promise<Map<string, TableComparison>> {
    this.stopper.abort();
    if (options.cancel) await this.sides?.close().catch(() => {});
    await this.loop;
    if (options.cancel) await this.closing;
    const out = new Map<string, TableComparison>();
    for (const [key, v] of this.verified) if (this.holds(key, v)) out.set(key, v.result);
    for (const [key, b] of this.buckets) out.set(key, { ...bucketResult(key, b), bucketed: { plan: b.plan, agreed: new Map(b.agreed), pending: pendingOf(b) } });
    return out;
  }

  private holds(key: string, v: Verified): boolean {
    return v.result.match && (this.lastEvent.get(key)?.vsn ?? 0) <= v.atVsn;
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let sides = this.sides;
    let opened = sides !== undefined;
    let reopenAt = 0;
    let reopenDelay = this.retryMs;
    try {
      while (!signal.aborted) {
        await sleep(this.checkMs, signal);
        if (signal.aborted) break;
        // No change reaches the queue (its exporter is down): every table looks quiet while the
        // read side goes on changing, and a scan would only find the delay (the scale-51 run: 13 s
        // of scans on both databases, each a mismatch).
        if (this.options.paused?.()) continue;
        if (!sides) {
          if (Date.now() < reopenAt) continue;
          try {
            sides = await this.options.open();
            this.sides = sides;
            opened = true;
            reopenDelay = this.retryMs;
            if (signal.aborted) break;
          } catch (e) {
            if (opened || unreachable(e)) {
              // They were open before, or a database cannot be reached now: it is restarting or
              // failing over. Try again later.
              log.info(`early verification: cannot reopen the comparison's connections (${(e as Error).message}); trying again in ${Math.round(reopenDelay / 1000)} s`);
              reopenAt = Date.now() + reopenDelay;
              reopenDelay = Math.min(reopenDelay * 2, MAX_RETRY_MS);
              continue;
            }
            log.info(`early verification not possible (${(e as Error).message}); every table is compared at the cutover`);
            this.options.onUnavailable?.((e as Error).message);
            return;
          }
        }
        const pass: TableComparison[] = this.provenMismatches();
        const now = Date.now();
        const queued = this.options.queuedVsn();
        if (await this.readPendingBuckets(sides, signal) === 'failed') {
          const old = sides;
          sides = undefined;
          this.sides = undefined;
          await old.close().catch(() => {});
          continue;
        }
        for (const [key, b] of this.buckets) {
          if (b.said || b.differing.size > 0) continue;
          b.said = true;
          pass.push(bucketResult(key, b));
        }
        const bucketsPossible = this.options.keyRanges !== false && sides.left.integerKeyRange && sides.right.integerKeyRange && sides.left.bucketFingerprints && sides.right.bucketFingerprints;
        const due = sides.tables.filter((t) => {
          const kept = this.buckets.get(t.key);
          // A table kept by bucket is read whole again once quiet after a change, as any table is:
          // a difference outside the buckets written since (a write that bypassed the stream) shows then.
          if (kept) {
            const last = this.lastEvent.get(t.key);
            return last !== undefined && last.vsn > kept.atVsn && now - last.at >= this.quietMs;
          }
          if (!bucketsPossible || t.onlyRight?.length || t.readingDiffers) this.plans.set(t.key, null);
          const v = this.verified.get(t.key);
          // A table that may be compared by bucket needs no quiet moment: what changes during its
          // reading only leaves buckets to read again. Its first reading waits as a quiet table's
          // would; a failed one is tried again once its wait is over.
          if (this.plans.get(t.key) !== null && (v === undefined || v.retryAt !== undefined)) {
            return v === undefined ? now - this.startedAt >= this.quietMs : now >= v.retryAt!;
          }
          // A comparison that failed: again once its wait is over (a change since makes it due at its next quiet moment).
          if (v?.retryAt !== undefined && now < v.retryAt && (this.lastEvent.get(t.key)?.vsn ?? 0) <= v.atVsn) return false;
          // Nothing new to learn: no change since, and for a mismatch not yet told, the queue not moved on.
          // (A mismatch with a read time waits for the queue to catch up with its scan instead: provenMismatches.)
          if (v && v.retryAt === undefined && (this.lastEvent.get(t.key)?.vsn ?? 0) <= v.atVsn && (v.told || v.readAtMs !== undefined || queued <= v.atVsn)) return false;
          return now - (this.lastEvent.get(t.key)?.at ?? this.startedAt) >= this.quietMs;
        });
        for (const t of due) {
          if (signal.aborted) break;
          // Decided before the vsn is read, so that every change after it is put in its bucket.
          let plan = this.plans.get(t.key);
          if (plan === undefined) {
            try {
              plan = await this.planFor(sides, t);
            } catch (e) {
              log.info(`early verification of ${t.key}: could not read its key's range (${(e as Error).message}); compared whole`);
              plan = null;
            }
            this.plans.set(t.key, plan);
            if (plan) this.touchedBy.set(t.key, new Map());
          }
          const atVsn = await this.appliedUpToNow(signal);
          if (atVsn === undefined) break;
          // Changed again since it was found quiet: compare it at its next quiet moment instead.
          if (!plan && (this.lastEvent.get(t.key)?.vsn ?? 0) > atVsn) continue;
          // The storage stamps before the scans: a change the stream does not carry (a partition
          // truncated, the table replaced) after them shows at the cutover, which then scans the table.
          let stamps: TableComparison['stamps'];
          try {
            const [l, r] = await Promise.all([sides.left.storageStamps?.([t]), sides.right.storageStamps?.([t])]);
            stamps = { ...(l?.has(t.key) && { left: l.get(t.key)! }), ...(r?.has(t.key) && { right: r.get(t.key)! }) };
          } catch (e) {
            log.info(`early verification of ${t.key}: could not read its storage stamps (${(e as Error).message}); compared at the cutover`);
            continue;
          }
          let readAtMs: number | undefined;
          const left: FingerprintingSide = { label: sides.left.label, fingerprint: async (table) => {
            const f = await sides!.left.fingerprint(table);
            readAtMs = f.readAtMs;
            return f;
          } };
          // Whether the queue tells commit times: read before the scan (an exporter that starts telling later is not waited for).
          const timed = this.options.queuedCommitMs?.() !== undefined;
          let compared: TableComparison;
          if (plan) {
            const read = await this.readBuckets(sides, t, plan, atVsn, stamps);
            if (read.kept) {
              // Told as a match once every range agrees (ranges written since are read again after).
              if (read.kept.said) pass.push(bucketResult(t.key, read.kept));
              continue;
            }
            // Planned again: read whole at its next turn (nothing to say about the data).
            if (read.replanned) continue;
            compared = read.compared;
            readAtMs = read.readAtMs;
          } else {
            compared = await compareOne(left, sides.right, t);
          }
          const result: TableComparison = compared.match ? { ...compared, stamps } : compared;
          // finish({ cancel }) closed the connections under it: that is not a finding.
          if (signal.aborted && result.error) break;
          const before = this.verified.get(t.key);
          if (result.error !== undefined) {
            // Not a finding about the data (a side could not be read): said once, compared again later.
            const wait = before?.nextRetryMs ?? this.retryMs;
            this.verified.set(t.key, { atVsn, result, told: true, retryAt: Date.now() + wait, nextRetryMs: Math.min(wait * 2, MAX_RETRY_MS) });
            log.info(`early verification of ${t.key} at vsn ${atVsn}: could not compare (${result.error}); again in ${Math.round(wait / 1000)} s`);
            if (before?.result.error === undefined) this.options.onCompareFailed?.(result);
            // The connections may be the reason (a restart): open new ones for the next comparison.
            const old = sides;
            sides = undefined;
            this.sides = undefined;
            await old.close().catch(() => {});
            break;
          }
          const proof = !result.match && timed && readAtMs !== undefined ? { readAtMs } : undefined;
          const again = !proof && before !== undefined && before.result.error === undefined && !before.result.match && (this.lastEvent.get(t.key)?.vsn ?? 0) <= before.atVsn;
          const told = result.match || again;
          this.verified.set(t.key, { atVsn, result, told, ...proof });
          if (told) pass.push(result);
          log.info(`early verification of ${t.key} at vsn ${atVsn}: ${result.match ? 'match' : 'MISMATCH'}`);
        }
        if (pass.length && !signal.aborted) this.options.onPass?.(pass);
      }
    } finally {
      // Not waited for by finish() (at a cutover the results are needed at once); closed() waits.
      this.closing = sides?.close().catch(() => {});
    }
  }

  /** The table's bucket plan, where both sides key it by the same integer column; null otherwise. */
  private async planFor(sides: NonNullable<typeof this.sides>, t: ComparedTable): Promise<BucketPlan | null> {
    const [l, r] = await Promise.all([sides.left.integerKeyRange!(t), sides.right.integerKeyRange!(t)]);
    if (!l || !r || l.column !== r.column) return null;
    const ends = [l.min, r.min, l.max, r.max].filter((x): x is string => x !== null).map(BigInt);
    this.bucketTarget = bucketsPerTable(sides.tables.length);
    if (ends.length === 0) return bucketPlanFor(l.column, null, null, this.bucketTarget);
    const min = ends.reduce((a, b) => (b < a ? b : a));
    const max = ends.reduce((a, b) => (b > a ? b : a));
    return bucketPlanFor(l.column, min.toString(), max.toString(), this.bucketTarget);
  }

  /**
   * The first reading of a table by bucket, at `atVsn`. Kept (its state made) when every bucket
   * both sides read differently was written after `atVsn`: a change on its way, read again later.
   * Otherwise the table's totals, compared as a whole table's (a failure is an error result).
   */
  private async readBuckets(sides: NonNullable<typeof this.sides>, t: ComparedTable, plan: BucketPlan, atVsn: number,
    stamps: TableComparison['stamps']): Promise<{ kept: Buckets } | { kept?: undefined; compared: TableComparison; readAtMs?: number; replanned?: true }> {
    let l: Awaited<ReturnType<NonNullable<FingerprintingSide['bucketFingerprints']>>>;
    let r: typeof l;
    const [ls, rs] = await Promise.allSettled([sides.left.bucketFingerprints!(t, plan), sides.right.bucketFingerprints!(t, plan)]);
    if (ls.status === 'rejected' || rs.status === 'rejected') return { compared: unreadSides(t.key, [sides.left.label, ls], [sides.right.label, rs]) };
    l = ls.value;
    r = rs.value;
    const touched = this.touchedBy.get(t.key) ?? new Map<string, number>();
    const differing = new Set<string>();
    for (const b of new Set([...l.buckets.keys(), ...r.buckets.keys()])) if (!sameBucket(l.buckets.get(b), r.buckets.get(b))) differing.add(b);
    const unexplained = () => [...differing].some((b) => (touched.get(b) ?? 0) <= atVsn);
    // A range the read side's scan saw written may differ before its change is queued (the
    // exporter's lag): wait until the queue holds a commit after both scans and all of it is
    // applied (and so noted), then judge. Where the queue tells no commit times, a difference is
    // kept as a range to read again: the cutover reads it, and compares the whole table if it differs.
    const readAt = Math.max(l.readAtMs ?? 0, r.readAtMs ?? 0);
    const timed = this.options.queuedCommitMs?.() !== undefined && readAt > 0;
    if (unexplained() && timed) {
      const until = Date.now() + CATCH_UP_MS;
      while (!this.stopper.signal.aborted && Date.now() < until && !((this.options.queuedCommitMs?.() ?? 0) > readAt)) await sleep(20, this.stopper.signal);
      await this.appliedUpToNow(this.stopper.signal, until);
    }
    if (Math.max(l.buckets.size, r.buckets.size) > this.maxBuckets && this.plans.get(t.key) === plan) {
      // Its keys spread far past the range its plan was made for while it was read: planned again.
      this.replan(t.key, `${Math.max(l.buckets.size, r.buckets.size)} ranges of ${plan.width} keys`);
      return { compared: { table: t.key, leftRows: null, rightRows: null, leftChecksum: null, rightChecksum: null, match: false, error: 'its key ranges were planned again' }, replanned: true };
    }
    if ((!timed || !unexplained()) && this.plans.get(t.key) === plan) {
      const agreed = new Map([...l.buckets].filter(([b]) => !differing.has(b)));
      const kept: Buckets = { plan, atVsn, agreed, readAt: new Map(), differing, touched, stamps, nextReadAt: 0, said: differing.size === 0 };
      this.verified.delete(t.key);
      this.buckets.set(t.key, kept);
      log.info(`early verification of ${t.key} at vsn ${atVsn}: ${differing.size === 0 ? 'match' : `${differing.size} key range(s) differ (written since, a change on its way, or a difference), read again; not told as a match before they agree`} (${l.buckets.size} key ranges of ${plan.column})`);
      return { kept };
    }
    // A difference where nothing was written since: compared as a whole table's (said once proven).
    if (this.buckets.delete(t.key)) log.info(`early verification of ${t.key} at vsn ${atVsn}: read whole again, ${differing.size} key range(s) differ`);
    const left = bucketTotal(l.buckets.values());
    const right = bucketTotal(r.buckets.values());
    const match = left.rows === right.rows && left.checksum === right.checksum;
    return {
      compared: { table: t.key, leftRows: left.rows, rightRows: right.rows, leftChecksum: left.checksum, rightChecksum: right.checksum, match },
      ...(l.readAtMs !== undefined ? { readAtMs: l.readAtMs } : {}),
    };
  }

  /**
   * The queue's last vsn at the call, once every change up to it is applied (and so noted here):
   * a scan started after that sees at least what the stream had carried. Undefined when stopped
   * first, or when `until` (a Date.now() time) passed first.
   */
  private async appliedUpToNow(signal: AbortSignal, until = Infinity): Promise<number | undefined> {
    const vsn = this.options.queuedVsn();
    while (this.options.appliedVsn() < vsn) {
      if (signal.aborted || Date.now() >= until) return undefined;
      await sleep(20, signal);
    }
    return signal.aborted ? undefined : vsn;
  }

  /**
   * Reads again, on both sides, the pending buckets of the tables kept by bucket (up to
   * BUCKETS_PER_ROUND each). 'failed' when a side could not be read: its connections are opened again.
   */
  private async readPendingBuckets(sides: NonNullable<typeof this.sides>, signal: AbortSignal): Promise<'failed' | undefined> {
    for (const [key, b] of this.buckets) {
      if (signal.aborted) return undefined;
      const t = sides.tables.find((x) => x.key === key);
      if (b.agreed.size > this.maxBuckets || b.touched.size > this.maxBuckets) {
        this.replan(key, `its keys outgrew the ${b.plan.width}-wide ranges planned for them`);
        continue;
      }
      if (!t || Date.now() < b.nextReadAt) continue;
      // Built once a round: a walk over every range the table's writes touched.
      const pending = pendingOf(b);
      if (pending.length === 0) continue;
      // Written all over since its last reading (most of its ranges): reading them would only load
      // both databases (bench/cdc: the source kept 0.80 of its TPS with them, 1.05 without), and
      // the cutover then compares it whole anyway (`tooManyPending`). Read again once it calms down.
      if (tooManyPending(pending.length, b.agreed.size) || pending.length > HOT_PENDING) {
        b.nextReadAt = Date.now() + HOT_WAIT_MS;
        continue;
      }
      const atVsn = await this.appliedUpToNow(signal);
      if (atVsn === undefined) return undefined;
      // Read again after the wait for the queue: writes noted meanwhile are pending too.
      const list = pendingOf(b).slice(0, BUCKETS_PER_ROUND);
      let l: Map<string, BucketFingerprint>;
      let r: Map<string, BucketFingerprint>;
      const started = Date.now();
      try {
        [l, r] = (await Promise.all([sides.left.bucketFingerprints!(t, b.plan, list), sides.right.bucketFingerprints!(t, b.plan, list)])).map((x) => x.buckets) as [typeof l, typeof r];
      } catch (e) {
        if (signal.aborted) return undefined;
        log.info(`early verification of ${key}: could not read ${list.length} key range(s) again (${(e as Error).message}); read again later`);
        return 'failed';
      }
      b.nextReadAt = Date.now() + (Date.now() - started) * (1 / READ_SHARE - 1);
      let agreedNow = 0;
      for (const x of list) {
        const lx = l.get(x);
        if (!sameBucket(lx, r.get(x))) {
          b.differing.add(x);
          continue;
        }
        agreedNow++;
        if (lx && lx.rows > 0) b.agreed.set(x, lx);
        else b.agreed.delete(x);
        b.readAt.set(x, atVsn);
        b.differing.delete(x);
      }
      log.debug(`early verification of ${key} at vsn ${atVsn}: ${agreedNow} of ${list.length} key range(s) read again agree`);
    }
    return undefined;
  }

  /**
   * The mismatches proven since the last look, marked told. A mismatch found at `atVsn` with its
   * read side's scan at `readAtMs` is proven once the queue holds a transaction committed after
   * `readAtMs` (then every change that scan saw is queued at or below that vsn, `caughtVsn`: a
   * stream delivers in commit order), every event up to `caughtVsn` is applied (and so noted), and
   * none of them above `atVsn` is to the table: the read side's table at its scan is then what the
   * stream carried up to `atVsn`, which the written side held at its own scan. Measured before:
   * found twice while the exporter worked through a backlog, a table written every second was told
   * as different (the pg-chaos run).
   */
  private provenMismatches(): TableComparison[] {
    const proven: TableComparison[] = [];
    let commitMs: number | undefined;
    let queued: number | undefined;
    for (const [key, v] of this.verified) {
      if (v.told || v.readAtMs === undefined) continue;
      if (v.caughtVsn === undefined) {
        commitMs ??= this.options.queuedCommitMs?.();
        if (commitMs === undefined || !(commitMs > v.readAtMs)) continue;
        queued ??= this.options.queuedVsn();
        v.caughtVsn = queued;
      }
      // Changed since its scan (an event noted above atVsn): compared again at its next quiet moment.
      if (this.options.appliedVsn() < v.caughtVsn || (this.lastEvent.get(key)?.vsn ?? 0) > v.atVsn) continue;
      v.told = true;
      proven.push(v.result);
      log.info(`early verification of ${key} at vsn ${v.atVsn}: MISMATCH proven (the queue holds every change its scan saw, up to vsn ${v.caughtVsn})`);
    }
    return proven;
  }

  /** Resolves once the comparison's connections are closed (after finish). */
  async closed(): Promise<void> {
    await this.loop;
    await this.closing;
  }
}

/** The buckets of a table kept by bucket that must be read again: read differently, or written since they were read. */
function pendingOf(b: Buckets): string[] {
  const out = new Set(b.differing);
  for (const [bucket, vsn] of b.touched) if (vsn > (b.readAt.get(bucket) ?? b.atVsn)) out.add(bucket);
  return [...out];
}

/** A table kept by bucket as a match: its agreed buckets' totals, with the stamps read before its first reading. */
function bucketResult(key: string, b: Buckets): TableComparison {
  const total = bucketTotal(b.agreed.values());
  return { table: key, leftRows: total.rows, rightRows: total.rows, leftChecksum: total.checksum, rightChecksum: total.checksum, match: true, ...(b.stamps ? { stamps: b.stamps } : {}) };
}
