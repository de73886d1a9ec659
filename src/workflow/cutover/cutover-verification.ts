import { isTandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import type { CommandEnv } from '../command-env.js';
import { sourceSide, targetSide, type Migration, type Side } from '../migration-context.js';
import { openComparison, verifyMigration, type OpenedComparison } from '../verify/compare-command.js';
import type { TableComparison } from '../verify/table-comparison.js';
import type { VerificationOccasion } from '../verify/verification-store.js';

/** What a cutover records about its verification. */
export interface CutoverVerification {
  readonly verified: boolean;
  readonly match?: boolean;
  readonly mismatched?: string[];
  readonly runId?: number;
  readonly reason?: string;
}

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
 * Compares every migrated table on both sides (row count and an order-independent checksum) right
 * after a cutover, records it, and prints a mismatch so that it cannot be missed. The other side's
 * password comes from its flag or environment variable; without it the check is skipped and the
 * status says how to run it (`tandem compare`). `parallelJobs`: tables compared at once.
 * `stillValid`: matches found before the marker for tables that have not changed since
 * (`EarlyVerification`); only the other tables are scanned now.
 */
export async function verifyAtCutover(env: CommandEnv, migration: Migration, one: Side, occasion: VerificationOccasion, parallelJobs: number,
  stillValid?: ReadonlyMap<string, TableComparison>): Promise<CutoverVerification> {
  const { reporter } = env;
  try {
    const [source, target] = await bothSides(env, migration, one);
    const early = stillValid?.size ?? 0;
    reporter.print(early
      ? `Verifying: comparing row counts and checksums of the tables that changed since they were verified (${early} verified before the marker and unchanged since)…`
      : 'Verifying: comparing row counts and checksums of every table on both databases…');
    const run = await verifyMigration(migration.meta, source, target, occasion, { parallelJobs, stillValid });
    const mismatched = run.summary.mismatched;
    if (run.match) reporter.print(`Verification: all ${run.summary.tables} tables MATCH (row counts and checksums${early ? `; ${early} of them verified before the marker and unchanged since` : ''}).`);
    else {
      reporter.warn(`VERIFICATION MISMATCH in ${mismatched.length} table(s): ${mismatched.join(', ')}. Run "tandem compare --export-dir ${migration.exportDir.root}" for details.`);
    }
    return { verified: true, match: run.match, mismatched, runId: run.runId };
  } catch (e) {
    const reason = isTandemError(e) ? e.message : (e as Error).message;
    log.warn(`verification at ${occasion} skipped: ${reason}`);
    reporter.warn(`verification skipped (${reason}). Run "tandem compare --export-dir ${migration.exportDir.root}" with both passwords to verify.`);
    return { verified: false, reason };
  }
}
