import { isTandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { sleep } from '../../core/sleep.js';
import { reconnectBudgetMs, reconnectDelayMs } from '../../core/reconnect-budget.js';
import { unreachable } from '../verify/early-verification.js';
import type { CommandEnv } from '../command-env.js';
import { sourceSide, targetSide, type Migration, type Side } from '../migration-context.js';
import { openComparison, verifyMigration, warmComparisonSides, type OpenedComparison, type WarmSides } from '../verify/compare-command.js';
import type { TableComparison } from '../verify/table-comparison.js';
import type { VerificationOccasion } from '../verify/verification-store.js';

/** What a cutover records about its verification. */
export interface CutoverVerification {
  readonly verified: boolean;
  readonly match?: boolean;
  /** Tables whose rows differ (read on both sides). */
  readonly mismatched?: string[];
  /** The same, each with its reason where the comparison knew it (`cutover status` says them as the cutover did). */
  readonly mismatchedSaid?: string[];
  /** Tables a side could not be read for, after the retries: not verified, never called a difference. */
  readonly unreadable?: string[];
  readonly runId?: number;
  readonly reason?: string;
  /** Tables matched before the marker and not changed through the stream since: not scanned again at the cutover. */
  readonly earlyUnchanged?: number;
  /** Tables matched before the marker whose key ranges written since were read again at the cutover, and not the rest (`TableComparison.bucketed`). */
  readonly earlyByRanges?: number;
}

/**
 * How long a cutover's verification keeps comparing again the tables a side could not be read for
 * (a database restarting or failing over during it): the application waits for the cutover
 * meanwhile, but a read failure reported as a mismatch would tell it that the data differs. 30 s, or
 * TANDEM_RECONNECT_BUDGET_MS when that is shorter.
 */
const readRetryBudgetMs = (): number => Math.min(30_000, reconnectBudgetMs());

/** A table a side could not be read for: compared again. A table a side does not have is a difference, not a read to try again. */
const unreadableResult = (r: TableComparison): boolean => r.error !== undefined && !r.missing;

/** Both sides of the migration, `one` being the side this process writes; never prompts for the other's password. */
async function bothSides(env: CommandEnv, migration: Migration, one: Side): Promise<[Side, Side]> {
  // Never prompt here: the cutover must not wait for someone to type a password.
  return one.db.role === 'source'
    ? [one, await targetSide(env, migration.meta, { prompt: false })]
    : [await sourceSide(env, migration.meta, { prompt: false }), one];
}

/** Opens a one-connection comparison of both sides for `EarlyVerification` (throws without the other side's password). */
export async function openEarlyComparison(env: CommandEnv, migration: Migration, one: Side): Promise<OpenedComparison> {
  const [source, target] = await bothSides(env, migration, one);
  return openComparison(migration.meta, source, target, 1);
}

/**
 * The cutover's comparison connections, opened when the cutover is requested (while the marker
 * travels and the last changes are applied) rather than after the marker, which the application
 * waits for. Nothing is read through them before the marker. `close` ends them when the cutover's
 * verification did not take them (the importer stopped first).
 */
export interface WarmCutoverComparison {
  /** The sides, for the verification's first comparison (a second call gets undefined). */
  take(): Promise<WarmSides | undefined>;
  /** Closes the sides unless they were taken. */
  close(): Promise<void>;
}

/** Opens the cutover's comparison connections ahead (see {@link WarmCutoverComparison}); never prompts, never throws. */
export function warmCutoverComparison(env: CommandEnv, migration: Migration, one: Side, parallelJobs: number): WarmCutoverComparison {
  let taken = false;
  const sides = bothSides(env, migration, one)
    .then(([source, target]) => warmComparisonSides(source, target, Math.max(1, parallelJobs)))
    .catch((e) => {
      log.debug(`cutover comparison not opened ahead: ${(e as Error).message}`);
      return undefined;
    });
  return {
    async take() {
      if (taken) return undefined;
      taken = true;
      return sides;
    },
    async close() {
      if (taken) return;
      taken = true;
      const s = await sides;
      if (s) await Promise.all([s.left.close(), s.right.close()]);
    },
  };
}

/**
 * Compares every migrated table on both sides (row count and an order-independent checksum) right
 * after a cutover, records it, and prints a mismatch so that it cannot be missed. The other side's
 * password comes from its flag or environment variable; without it the check is skipped and the
 * status says how to run it (`tandem compare`). `parallelJobs`: tables compared at once.
 * `stillValid`: matches found before the marker for tables that have not changed since
 * (`EarlyVerification`); only the other tables are scanned now.
 */
export async function verifyAtCutover(env: CommandEnv, migration: Migration, one: Side, occasion: VerificationOccasion, parallelJobs: number,
  stillValid?: ReadonlyMap<string, TableComparison>, warm?: WarmCutoverComparison): Promise<CutoverVerification> {
  const { reporter } = env;
  try {
    const [source, target] = await bothSides(env, migration, one);
    const early = stillValid?.size ?? 0;
    // Tables kept by key range (busy ones): only the ranges written since are read again.
    const byRanges = [...(stillValid?.values() ?? [])].filter((r) => (r.bucketed?.pending.length ?? 0) > 0).length;
    reporter.print(early
      ? `Verifying: comparing row counts and checksums of the tables that changed since they were verified (${early - byRanges} verified before the marker and unchanged since${byRanges ? `; ${byRanges} more verified before it, of which only the key ranges written since are read` : ''})…`
      : 'Verifying: comparing row counts and checksums of every table on both databases…');
    // A side that cannot be reached, or a table a side could not be read for (a restart during the
    // scan), is compared again with backoff for a while: only what failed is scanned again.
    const valid = new Map(stillValid ?? []);
    const started = Date.now();
    // The reconnection backoff from its second step (500 ms doubling, capped): a read that failed once
    // rarely succeeds 250 ms later.
    let attempt = 1;
    const budget = readRetryBudgetMs();
    const outOfTime = (): boolean => Date.now() - started + reconnectDelayMs(attempt) > budget;
    let run: Awaited<ReturnType<typeof verifyMigration>>;
    for (;; attempt++) {
      const wait = reconnectDelayMs(attempt);
      try {
        // The connections opened when the cutover was requested, for the first comparison only (it closes them).
        const sides = await warm?.take();
        if (sides) log.info(`verification at ${occasion}: on the connections opened when the cutover was requested`);
        run = await verifyMigration(migration.meta, source, target, occasion, { parallelJobs, stillValid: valid, ...(sides ? { sides } : {}) });
      } catch (e) {
        if (!unreachable(e) || outOfTime()) throw e;
        log.warn(`verification at ${occasion}: cannot reach a database (${(e as Error).message}); again in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      const failed = run.results.filter(unreadableResult);
      if (failed.length === 0 || outOfTime()) break;
      reporter.print(`Could not read ${failed.length} table(s) for the verification (${failed[0]!.error}); comparing them again in ${(wait / 1000).toFixed(1)} s…`);
      for (const r of run.results) if (r.match) valid.set(r.table, r);
      await sleep(wait);
    }
    const unreadable = run.results.filter(unreadableResult);
    const mismatched = run.results.filter((r) => !r.match && (r.error === undefined || r.missing)).map((r) => r.table);
    // Of the early matches, those whose storage changed since were scanned again (see ComparisonSide.storageStamps).
    const ranges = run.summary.rangesRead ?? 0;
    const reused = (run.summary.reused ?? 0) - ranges;
    if (run.match) reporter.print(`Verification: all ${run.summary.tables} tables MATCH (row counts and checksums${reused ? `; ${reused} of them verified before the marker and unchanged since` : ''}${ranges ? `; ${ranges} verified before it and read again only in the key ranges written since` : ''}).`);
    const said = run.results.filter((r) => !r.match && (r.error === undefined || r.missing)).map((r) => (r.error ? `${r.table} (${r.error.replace(/\.$/, '')})` : r.table));
    if (mismatched.length > 0) {
      // With the reason where the comparison knows it (a column only one side has, money read with
      // other decimal places: measured before, only "run compare" while the cause was known; the fix-verify-50 run).
      reporter.warn(`VERIFICATION MISMATCH in ${mismatched.length} table(s): ${said.join(', ')}. Run "tandem compare --export-dir ${migration.exportDir.root}" for details.`);
    }
    if (unreadable.length > 0) {
      const reason = `could not read ${unreadable.length} table(s) at the cutover: ${unreadable.map((r) => r.table).join(', ')} (${unreadable[0]!.error})`;
      reporter.warn(`verification INCOMPLETE: ${reason}. That says nothing about the data: run "tandem compare --export-dir ${migration.exportDir.root}" once both databases can be read.`);
      if (mismatched.length === 0) return { verified: false, unreadable: unreadable.map((r) => r.table), runId: run.runId, reason };
    }
    return { verified: true, match: run.match, mismatched, ...(mismatched.length > 0 ? { mismatchedSaid: said } : {}), ...(unreadable.length > 0 ? { unreadable: unreadable.map((r) => r.table) } : {}), runId: run.runId,
      ...(reused > 0 ? { earlyUnchanged: reused } : {}), ...(ranges > 0 ? { earlyByRanges: ranges } : {}) };
  } catch (e) {
    const reason = isTandemError(e) ? e.message : (e as Error).message;
    log.warn(`verification at ${occasion} skipped: ${reason}`);
    reporter.warn(`verification skipped (${reason}). Run "tandem compare --export-dir ${migration.exportDir.root}" with both passwords to verify.`);
    return { verified: false, reason };
  } finally {
    // Not taken when the verification stopped before its first comparison.
    await warm?.close();
  }
}
