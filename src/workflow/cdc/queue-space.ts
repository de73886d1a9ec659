import { CommandLock } from '../../core/lock.js';
import type { MetaStore } from '../../core/meta-store.js';
import { listSegments } from '../../core/queue/queue-tables.js';
import { archiveLimit } from '../archive-changes.js';

/** Use of the export dir's filesystem, in percent, from which the streaming exporter warns. */
export const QUEUE_DISK_WARN_PERCENT = 80;

/** What the exporter knows about the change queue's room on disk. */
export interface QueueSpace {
  /** Used percent of the export dir's filesystem, as df computes it. */
  readonly usedPercent: number;
  /** Bytes of queue segments still in the export dir. */
  readonly queuedBytes: number;
  /** Of those, bytes of closed segments every importer that still reads has applied: what `archive changes` can free now. */
  readonly freeableBytes: number;
  /** Whether `archive changes` runs on this export dir. */
  readonly archiverRunning: boolean;
}

/** Reads the queue's segments and consumers from meta.db and whether `archive changes` holds its lock. */
export function queueSpace(meta: MetaStore, metainfoDir: string, usedPercent: number): QueueSpace {
  const limit = archiveLimit(meta);
  let queuedBytes = 0;
  let freeableBytes = 0;
  for (const s of listSegments(meta)) {
    if (s.status !== 'open' && s.status !== 'closed') continue;
    queuedBytes += s.committedBytes;
    if (s.status === 'closed' && limit !== undefined && s.lastVsn !== undefined && s.lastVsn <= limit) freeableBytes += s.committedBytes;
  }
  return { usedPercent, queuedBytes, freeableBytes, archiverRunning: CommandLock.holder(metainfoDir, 'archive-changes') !== undefined };
}

/**
 * Warns, before the disk fills, that the change queue is filling it: at {@link QUEUE_DISK_WARN_PERCENT}
 * and again at every further 5 points (not at every check), saying how much `archive changes` could
 * free and how to start it, or, while it runs, that what is left waits for the importers. A full
 * disk pauses the stream until there is room (nothing lost; `waitForRoom`); this says so while there
 * is still room. Call with the percent last warned at (undefined: none yet, or use fell below the
 * threshold since); returns the warning and the percent to pass next time.
 */
export function queueSpaceWarning(space: QueueSpace, lastWarnedAt: number | undefined, exportRoot: string): { message?: string; warnedAt: number | undefined } {
  if (space.usedPercent < QUEUE_DISK_WARN_PERCENT) return { warnedAt: undefined };
  const step = Math.floor(space.usedPercent / 5) * 5;
  if (lastWarnedAt !== undefined && step <= lastWarnedAt) return { warnedAt: lastWarnedAt };
  const used = `the export dir's disk is ${space.usedPercent.toFixed(0)}% full`;
  const queue = `the change queue holds ${size(space.queuedBytes)} in it, ${size(space.freeableBytes)} of that in closed segments every importer has applied (what "archive changes" can free; the segment being written is freed only once it is full and closed)`;
  const full = 'If the disk fills, streaming pauses until there is room again (nothing is lost).';
  const message = space.archiverRunning
    ? `${used} while "archive changes" runs; ${queue}. The rest waits for the importers to apply it. ${full}`
    : `${used}; ${queue}. Start "tandem archive changes --export-dir ${exportRoot} --move-to <dir on another disk>" (or --delete-changes-without-archiving true) to free it as the importers apply it. ${full}`;
  return { message, warnedAt: step };
}

function size(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(1)} KB`;
}
