import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isInsideDir } from '../core/export-dir.js';
import { TandemError } from '../core/errors.js';
import { log } from '../core/logger.js';
import { SegmentArchiver, type ArchiveAction, type ArchivePassResult, type ArchivePolicy } from '../core/queue/segment-archiver.js';
import type { CommandEnv } from './command-env.js';
import { openMigration } from './migration-context.js';
import type { MetaStore } from '../core/meta-store.js';
import { QueueConsumers } from '../core/queue/queue-consumers.js';
import { CutoverState } from './cutover/cutover-state.js';

/** Options of `tandem archive changes` (Voyager's flags and the newer --policy form, checked together). */
export interface ArchiveChangesOptions {
  readonly exportDir: string;
  /** `--move-to` (or its synonym `--archive-dir`): an existing directory outside the export dir. */
  readonly moveTo?: string;
  readonly archiveDir?: string;
  /** `--delete-changes-without-archiving`. */
  readonly deleteChangesWithoutArchiving: boolean;
  /** `--fs-utilization-threshold`: percent, as given. */
  readonly fsUtilizationThreshold: string;
  /** `--policy`: archive or delete; default from the flags above. */
  readonly policy?: 'archive' | 'delete';
  /** `--once`: one pass, then exit. */
  readonly once: boolean;
  /** How long the continuous mode waits between passes, in ms. Default 2000 (not a flag: tests shorten it). */
  readonly passIntervalMs?: number;
  /** How long the same idle reason goes unsaid, in ms. Default 10 minutes (not a flag: tests shorten it). */
  readonly idleRepeatMs?: number;
}
import { sleep } from '../core/sleep.js';
import { queueConsumerNow } from './streaming-commands.js';

/** How long the continuous mode waits between passes. */
const PASS_INTERVAL_MS = 2000;
/**
 * The same idle reason is said again after this long, with its numbers now (measured before: once
 * only, so "applied up to event 0" stood for 16 minutes in a log while the importer applied 200,000
 * events, and read like a stalled importer; the soak-pg-49 run).
 */
const IDLE_REPEAT_MS = 10 * 60_000;

/** Why a pass did nothing: the same kind is said once, however its numbers move. */
type IdleKind = 'no-importer' | 'all-finished' | 'not-applied' | 'below-threshold';

/**
 * `tandem archive changes`: keeps the change queue from filling the disk by moving (`--move-to`) or
 * deleting (`--delete-changes-without-archiving true`, only above `--fs-utilization-threshold`)
 * segments that every importer has applied. Runs until interrupted, the migration ends, or no
 * importer will read the queue again (see {@link queueReadersFinished}: it then makes a last pass
 * and exits 0); `--once true` does a single pass (for scripts and tests). While idle it says why
 * once per reason, not at every pass: it is meant to run for days under nohup.
 */
export async function runArchiveChanges(env: CommandEnv, options: ArchiveChangesOptions): Promise<void> {
  const { reporter } = env;
  const exportRoot = resolve(options.exportDir);
  const policy = resolvePolicy(options, exportRoot); // every flag is checked before anything changes
  const m = openMigration(env, options.exportDir, { create: false, lock: 'archive-changes' });
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const archiver = new SegmentArchiver(m.exportDir.queueDir, m.meta, policy, { appliedLimit: () => archiveLimit(m.meta) });
    const { once } = options;
    reporter.print(policy.kind === 'archive'
      ? `Moving applied change segments to ${policy.archiveDir}${once ? '' : ' (Ctrl-C to stop)'}.`
      : `Deleting applied change segments while the export dir's filesystem is over ${policy.fsUtilizationThreshold}% full${once ? '' : ' (Ctrl-C to stop)'}.`);
    let total = { segments: 0, bytes: 0 };
    let lastIdle: IdleKind | undefined;
    let idleSaidAt = 0;
    while (!ac.signal.aborted) {
      // Read before the pass: once no importer reads, the pass's limit is the whole queue.
      const finished = queueReadersFinished(m.meta);
      const result = await archiver.runOnce((a) => {
        total = { segments: total.segments + 1, bytes: total.bytes + a.bytesFreed };
        const line = describeAction(a);
        log.info(line);
        reporter.print(line);
      });
      const idle = result.actions.length || finished ? undefined : idleReason(result, policy);
      // A new reason is said; the same one with other numbers (an importer moving on) only every IDLE_REPEAT_MS.
      if (idle && (once || idle.kind !== lastIdle || Date.now() - idleSaidAt >= (options.idleRepeatMs ?? IDLE_REPEAT_MS))) {
        log.info(idle.text);
        reporter.print(idle.text);
        idleSaidAt = Date.now();
      }
      lastIdle = idle?.kind;
      if (finished) {
        const line = `${finished}: no importer will read the change queue again, so archive changes is done.`;
        log.info(line);
        reporter.print(line);
        break;
      }
      if (once || migrationEnded(m)) break;
      await sleep(options.passIntervalMs ?? PASS_INTERVAL_MS, ac.signal);
    }
    const verb = policy.kind === 'archive' ? 'moved' : 'deleted';
    reporter.print(`archive changes: ${total.segments} segment${total.segments === 1 ? '' : 's'} ${verb}, ${formatBytes(total.bytes)} freed in the export dir.`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    m.close();
  }
}

/** The policy the flags ask for, after checking them all (Voyager's flags and the newer --policy form). */
function resolvePolicy(options: ArchiveChangesOptions, exportRoot: string): ArchivePolicy {
  const moveToFlag = options.moveTo;
  const archiveDirFlag = options.archiveDir;
  if (moveToFlag && archiveDirFlag && resolve(moveToFlag) !== resolve(archiveDirFlag)) {
    throw new TandemError('TANDEM_USAGE', '--move-to and --archive-dir name different directories; give one of them.');
  }
  const moveTo = moveToFlag || archiveDirFlag || undefined;
  const deleteFlag = options.deleteChangesWithoutArchiving;
  const kind = options.policy ?? (deleteFlag ? 'delete' : moveTo ? 'archive' : undefined);
  if (!kind) {
    throw new TandemError('TANDEM_USAGE', 'Say what to do with applied changes: --move-to DIR to move them, or --delete-changes-without-archiving true to delete them.', {
      hint: 'Or use --policy archive --archive-dir DIR, or --policy delete.',
    });
  }
  if (kind === 'delete') {
    if (moveTo) throw new TandemError('TANDEM_USAGE', 'Deleting changes and moving them (--move-to / --archive-dir) exclude each other; choose one.');
    return { kind: 'delete', fsUtilizationThreshold: parseThreshold(options.fsUtilizationThreshold) };
  }
  if (deleteFlag) throw new TandemError('TANDEM_USAGE', '--delete-changes-without-archiving true contradicts --policy archive; choose one.');
  if (!moveTo) throw new TandemError('TANDEM_USAGE', '--policy archive needs --move-to DIR (or --archive-dir DIR).');
  return { kind: 'archive', archiveDir: checkArchiveDir(moveTo, exportRoot) };
}

function parseThreshold(text: string): number {
  const s = text.trim().replace(/%$/, '');
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s) || n > 100) {
    throw new TandemError('TANDEM_USAGE', `--fs-utilization-threshold takes a percentage from 0 to 100, not "${text}".`);
  }
  return n;
}

function checkArchiveDir(dir: string, exportRoot: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) {
    throw new TandemError('TANDEM_USAGE', `The archive directory ${abs} does not exist.`, { hint: `Create it first: mkdir -p ${abs}` });
  }
  if (!statSync(abs).isDirectory()) throw new TandemError('TANDEM_USAGE', `--move-to ${abs} is not a directory.`, { hint: 'Name a directory to move the segments to (mkdir -p <dir> creates one).' });
  try {
    accessSync(abs, constants.W_OK);
  } catch {
    throw new TandemError('TANDEM_USAGE', `The archive directory ${abs} is not writable by this user.`, { hint: `Name a directory this user may write in, or let it write there (chown or chmod u+w ${abs}).` });
  }
  if (isInsideDir(exportRoot, abs)) {
    // Inside the export dir the files would free no space, and end migration would delete them.
    throw new TandemError('TANDEM_USAGE', `--move-to ${abs} is inside the export dir; choose a directory outside it.`);
  }
  return abs;
}

function describeAction(a: ArchiveAction): string {
  const s = a.segment;
  const what = `${s.fileName} (events ${s.firstVsn}..${s.lastVsn}, ${formatBytes(a.bytesFreed)})`;
  return a.action === 'archived'
    ? `Moved ${what} to ${a.archivedTo}; freed ${formatBytes(a.bytesFreed)} in the export dir.`
    : `Deleted ${what}; freed ${formatBytes(a.bytesFreed)}.`;
}

function idleReason(r: ArchivePassResult, policy: ArchivePolicy): { kind: IdleKind; text: string } | undefined {
  if (r.minAppliedVsn === undefined) return { kind: 'no-importer', text: 'Nothing to archive: no importer has registered with the change queue yet.' };
  if (r.eligible === 0 && r.minAppliedVsn === Infinity) return { kind: 'all-finished', text: 'Nothing to archive: no closed segment is left (every importer has finished).' };
  if (r.eligible === 0) {
    return { kind: 'not-applied', text: `Nothing to archive: no closed segment is fully applied yet (every importer has applied up to event ${r.minAppliedVsn}).` };
  }
  if (policy.kind === 'delete') {
    return {
      kind: 'below-threshold',
      text: `Nothing deleted: ${r.eligible} applied segment${r.eligible === 1 ? '' : 's'} kept, the filesystem is ${r.fsUsedPercent?.toFixed(1)}% full (threshold ${policy.fsUtilizationThreshold}%).`,
    };
  }
  return undefined;
}

/**
 * Whether no importer will read the change queue again, and why (undefined while one still may):
 * the cutover to target has completed without fall-back, or both cutovers have completed with it.
 */
export function queueReadersFinished(meta: MetaStore): string | undefined {
  return meta.db.transaction(() => {
    if (queueConsumerNow(meta) !== undefined) return undefined;
    return CutoverState.get(meta, 'to_target').prepareForFallBack ? 'The cutovers to target and back to source have completed' : 'The cutover to target has completed without fall-back';
  })();
}

/**
 * The vsn up to which no importer will read the queue again; Infinity when none will; undefined
 * while none has registered. An importer whose cutover has completed never reads again: "import
 * data to target" stops at the cutover-to-target marker, and every later event is the target's,
 * for "import data to source". That importer needs everything after the marker from the moment the
 * cutover to target completes, before it has registered itself. Without this, the stopped target
 * importer's watermark would keep every segment of the fall-back phase, which can last weeks.
 * Read in one meta.db transaction, so the cutover records and the consumers agree.
 */
export function archiveLimit(meta: MetaStore): number | undefined {
  return meta.db.transaction(() => {
    const consumers = QueueConsumers.list(meta);
    const toTarget = CutoverState.get(meta, 'to_target');
    const toSource = CutoverState.get(meta, 'to_source');
    const finished = new Set<string>();
    if (toTarget.status === 'COMPLETED') finished.add('target');
    if (toSource.status === 'COMPLETED') finished.add('source');
    const limits = consumers.filter((c) => !finished.has(c.name)).map((c) => c.appliedVsn);
    if (toTarget.status === 'COMPLETED' && toTarget.prepareForFallBack && !finished.has('source') && !consumers.some((c) => c.name === 'source')) {
      limits.push(toTarget.markerVsn ?? 0);
    }
    if (limits.length > 0) return Math.min(...limits);
    return consumers.length > 0 ? Infinity : undefined;
  })();
}

function migrationEnded(m: { exportDir: { isInitialized(): boolean }; meta: { getStep(s: string): { status: string } } }): boolean {
  try {
    return !m.exportDir.isInitialized() || m.meta.getStep('end_migration').status === 'DONE';
  } catch {
    return true; // meta.db went away under us: end migration cleared the export dir
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

