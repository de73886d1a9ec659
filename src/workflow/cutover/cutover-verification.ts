import type { CommandContext } from '../../cli/command-context.js';
import { isTandemError } from '../../core/errors.js';
import type { DbConfig } from '../../core/db-config.js';
import { log } from '../../core/logger.js';
import type { Migration } from '../migration-context.js';
import { resolveDbConfig } from '../migration-context.js';
import { verifyMigration } from '../verify/compare-command.js';
import type { VerificationOccasion } from '../verify/verification-store.js';

/** What a cutover records about its verification. */
export interface CutoverVerification {
  readonly verified: boolean;
  readonly match?: boolean;
  readonly mismatched?: string[];
  readonly runId?: number;
  readonly reason?: string;
}

/**
 * Compares every migrated table on both sides (row count and an order-independent checksum) right
 * after a cutover, records it, and prints a mismatch so that it cannot be missed. The other side's
 * password comes from its flag or environment variable; without it the check is skipped and the
 * status says how to run it (`tandem compare`).
 */
export async function verifyAtCutover(ctx: CommandContext, migration: Migration, one: DbConfig, occasion: VerificationOccasion): Promise<CutoverVerification> {
  const otherRole = one.role === 'source' ? 'target' : 'source';
  try {
    // Never prompt here: the cutover must not wait for someone to type a password.
    const other = await resolveDbConfig(ctx, migration.meta, otherRole, { prompt: false });
    const [source, target] = one.role === 'source' ? [one, other] : [other, one];
    ctx.print('Verifying: comparing row counts and checksums of every table on both databases…');
    const run = await verifyMigration(migration.meta, source, target, occasion, { parallelJobs: ctx.int('parallel-jobs') ?? 4 });
    const mismatched = run.summary.mismatched;
    if (run.match) ctx.print(`Verification: all ${run.summary.tables} tables MATCH (row counts and checksums).`);
    else {
      ctx.warn(`VERIFICATION MISMATCH in ${mismatched.length} table(s): ${mismatched.join(', ')}. Run "tandem compare --export-dir ${migration.exportDir.root}" for details.`);
    }
    return { verified: true, match: run.match, mismatched, runId: run.runId };
  } catch (e) {
    const reason = isTandemError(e) ? e.message : (e as Error).message;
    log.warn(`verification at ${occasion} skipped: ${reason}`);
    ctx.warn(`verification skipped (${reason}). Run "tandem compare --export-dir ${migration.exportDir.root}" with both passwords to verify.`);
    return { verified: false, reason };
  }
}
