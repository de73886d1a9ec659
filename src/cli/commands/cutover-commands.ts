/**
 * Handlers of the cutover and fall-back commands: each turns the resolved flags into the workflow's
 * typed options (defaults come from the option spec in `command-registry.ts`).
 */
import type { CommandContext } from '../command-context.js';
import {
  runCutoverStatus, runExportDataFromTarget, runImportDataToSource, runInitiateCutoverToSource, runInitiateCutoverToTarget,
} from '../../workflow/cutover/cutover-commands.js';

/** `tandem initiate cutover to target`. */
export function initiateCutoverToTarget(ctx: CommandContext): Promise<void> {
  return runInitiateCutoverToTarget(ctx.env(), { exportDir: ctx.requireStr('export-dir'), prepareForFallBack: ctx.bool('prepare-for-fall-back') });
}

/** `tandem initiate cutover to source`. */
export function initiateCutoverToSource(ctx: CommandContext): Promise<void> {
  return runInitiateCutoverToSource(ctx.env(), { exportDir: ctx.requireStr('export-dir') });
}

/** `tandem cutover status`. */
export function cutoverStatus(ctx: CommandContext): Promise<void> {
  return runCutoverStatus(ctx.env(), { exportDir: ctx.requireStr('export-dir'), outputFormat: ctx.value('output-format') });
}

/** `tandem export data from target`. */
export function exportDataFromTarget(ctx: CommandContext): Promise<void> {
  return runExportDataFromTarget(ctx.env(), { exportDir: ctx.requireStr('export-dir') });
}

/** `tandem import data to source`. */
export function importDataToSource(ctx: CommandContext): Promise<void> {
  return runImportDataToSource(ctx.env(), {
    exportDir: ctx.requireStr('export-dir'), parallelJobs: ctx.num('parallel-jobs'), parallelJobsGiven: ctx.explicitFlags.has('parallel-jobs'),
    // Not given: what export data (or an earlier run) recorded, so a restart as cutover status prints it keeps the consent (the fix-verify-49 run).
    disableTriggersAndFks: ctx.explicitFlags.has('disable-triggers-and-fks') ? ctx.bool('disable-triggers-and-fks') : undefined,
  });
}
