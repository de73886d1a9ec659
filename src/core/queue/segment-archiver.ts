import { log } from '../logger.js';
import { TandemError, isDiskFull } from '../errors.js';
import { diskBytes } from '../disk-space.js';
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetaStore } from '../meta-store.js';
import { ensureQueueTables, listSegments, type QueueSegment } from './queue-tables.js';
import { QueueConsumers } from './queue-consumers.js';

/** Re-exported for the callers that read it here. */
export { diskBytes };

/**
 * What to do with segments every consumer has applied:
 * - `archive`: move them to `archiveDir` right away (copy, fsync, then remove from the export dir);
 * - `delete`: delete them, but only while the export dir's filesystem is fuller than
 *   `fsUtilizationThreshold` percent (as Voyager does: applied changes are kept while there is room).
 */
export type ArchivePolicy =
  | { readonly kind: 'archive'; readonly archiveDir: string }
  | { readonly kind: 'delete'; readonly fsUtilizationThreshold: number };

/** One segment moved or deleted by a pass. */
export interface ArchiveAction {
  readonly segment: QueueSegment;
  readonly action: 'archived' | 'deleted';
  /** Bytes removed from the export dir. */
  readonly bytesFreed: number;
  /** The file's new path (archived). */
  readonly archivedTo?: string;
}

/** The outcome of one pass, with the reason when nothing was done. */
export interface ArchivePassResult {
  readonly actions: ArchiveAction[];
  /** Lowest applied vsn over the consumers that still read (Infinity: none does); undefined when none is registered. */
  readonly minAppliedVsn?: number;
  /** Closed segments that every consumer has applied, before this pass acted. */
  readonly eligible: number;
  /** Filesystem use of the export dir in percent (delete policy only), measured before the pass. */
  readonly fsUsedPercent?: number;
}

export interface SegmentArchiverOptions {
  /** Used percent of the filesystem holding `path`; replaceable in tests. Default: fs.statfs, as df computes it. */
  readonly fsUsedPercent?: (path: string) => Promise<number>;
  /**
   * The vsn up to which no importer will read the queue again (Infinity: none will read any of it);
   * undefined while none has registered. Default: the lowest applied vsn over the registered
   * consumers. The workflow passes one that also knows which importers have finished.
   */
  readonly appliedLimit?: () => number | undefined;
}

/**
 * The engine of `archive changes`: moves or deletes closed queue segments whose last event every
 * registered consumer has applied, and records it in meta.db (status archived + archived_to, or
 * deleted) so a reader that still needs one can say where it went. It never touches the open
 * segment, and with no consumer registered it does nothing.
 *
 * Crash safety: an archived copy is complete and fsynced before meta.db says "archived", and
 * meta.db says "archived"/"deleted" before the export dir's file is removed. A leftover file of a
 * segment already marked is removed by the next pass.
 *
 * On a disk full to the last byte, meta.db cannot record anything until something is freed
 * (SQLITE_FULL), and this is the command that frees it: the segment's file is removed first, then
 * marked. Nothing is lost by that order: the segment holds only what every importer has applied
 * (and, when moved, its copy is complete outside the export dir). A crash in between leaves a
 * closed segment without its file, which the next pass marks: deleted, or archived where its whole
 * copy is.
 */
export class SegmentArchiver {
  private readonly fsUsedPercent: (path: string) => Promise<number>;
  private readonly appliedLimit: () => number | undefined;

  constructor(
    private readonly queueDir: string,
    private readonly meta: MetaStore,
    private readonly policy: ArchivePolicy,
    options: SegmentArchiverOptions = {},
  ) {
    ensureQueueTables(meta);
    this.fsUsedPercent = options.fsUsedPercent ?? filesystemUsedPercent;
    this.appliedLimit = options.appliedLimit ?? (() => QueueConsumers.minAppliedVsn(meta));
  }

  /** One pass over the queue. `onAction` is called after each segment is done (for progress lines). */
  async runOnce(onAction?: (a: ArchiveAction) => void): Promise<ArchivePassResult> {
    const segments = listSegments(this.meta);
    this.removeLeftovers(segments);
    const minAppliedVsn = this.appliedLimit();
    if (minAppliedVsn === undefined) return { actions: [], eligible: 0 };
    const eligible = segments.filter((s) => s.status === 'closed' && s.lastVsn !== undefined && s.lastVsn <= minAppliedVsn);
    const actions: ArchiveAction[] = [];
    let fsUsedPercent: number | undefined;
    if (this.policy.kind === 'delete') {
      fsUsedPercent = await this.fsUsedPercent(this.queueDir);
      let used = fsUsedPercent;
      for (const seg of eligible) {
        if (used <= this.policy.fsUtilizationThreshold) break;
        const a = this.deleteSegment(seg);
        actions.push(a);
        onAction?.(a);
        used = await this.fsUsedPercent(this.queueDir);
      }
    } else {
      for (const seg of eligible) {
        const a = this.archiveSegment(seg, this.policy.archiveDir);
        actions.push(a);
        onAction?.(a);
      }
    }
    return { actions, minAppliedVsn, eligible: eligible.length, fsUsedPercent };
  }

  private archiveSegment(seg: QueueSegment, archiveDir: string): ArchiveAction {
    const src = join(this.queueDir, seg.fileName);
    const dest = join(archiveDir, seg.fileName);
    const tmp = `${dest}.partial`;
    // Copy then remove, rather than rename: the archive dir is usually another filesystem, and a
    // crash half-way must leave either the whole file in the export dir or a whole copy outside it.
    if (!existsSync(src)) {
      // Removed on a full disk, and the run stopped before marking it: its copy was complete first.
      if (existsSync(dest) && statSync(dest).size === seg.committedBytes) {
        this.mark(seg, 'archived', dest);
        return { segment: { ...seg, status: 'archived', archivedTo: dest }, action: 'archived', bytesFreed: 0, archivedTo: dest };
      }
      // Its copy is in the directory that run was given, not this one (fix-verify-53: an internal
      // error at every rerun): every importer has applied it, so nothing needs it; recorded as gone.
      log.warn(`archive changes: ${seg.fileName} was moved by an earlier run that stopped before recording it, to the archive directory that run was given (not ${archiveDir}); recorded as deleted`);
      this.mark(seg, 'deleted', null);
      return { segment: { ...seg, status: 'deleted' }, action: 'deleted', bytesFreed: 0 };
    }
    try {
      copyFileSync(src, tmp);
      truncateSync(tmp, seg.committedBytes); // only whole, committed lines leave the export dir
      fsyncPath(tmp);
      renameSync(tmp, dest);
      fsyncPath(archiveDir);
    } catch (e) {
      throw archiveDirError(e, archiveDir, seg.fileName, tmp);
    }
    const bytesFreed = statSync(src).size;
    this.markThenRemove(seg, 'archived', dest, src);
    return { segment: { ...seg, status: 'archived', archivedTo: dest }, action: 'archived', bytesFreed, archivedTo: dest };
  }

  private deleteSegment(seg: QueueSegment): ArchiveAction {
    const src = join(this.queueDir, seg.fileName);
    const bytesFreed = existsSync(src) ? statSync(src).size : 0;
    if (bytesFreed) this.markThenRemove(seg, 'deleted', null, src);
    else this.mark(seg, 'deleted', null);
    return { segment: { ...seg, status: 'deleted' }, action: 'deleted', bytesFreed };
  }

  /** Marks the segment, then removes its file; on a full disk the other way round (see the class). */
  private markThenRemove(seg: QueueSegment, status: 'archived' | 'deleted', archivedTo: string | null, src: string): void {
    try {
      this.mark(seg, status, archivedTo);
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      unlinkSync(src);
      this.mark(seg, status, archivedTo);
      return;
    }
    unlinkSync(src);
  }

  private mark(seg: QueueSegment, status: 'archived' | 'deleted', archivedTo: string | null): void {
    const r = this.meta.db.prepare("UPDATE queue_segments SET status = ?, archived_to = ? WHERE segment_no = ? AND status = 'closed'")
      .run(status, archivedTo, seg.segmentNo);
    if (r.changes !== 1) throw new Error(`queue segment ${seg.segmentNo} changed status while being archived`);
  }

  private removeLeftovers(segments: QueueSegment[]): void {
    for (const s of segments) {
      if (s.status !== 'archived' && s.status !== 'deleted') continue;
      const path = join(this.queueDir, s.fileName);
      if (existsSync(path)) unlinkSync(path);
    }
  }
}

/** Used percent of a filesystem, as `df` computes it (blocks reserved for root do not count as free). */
export async function filesystemUsedPercent(path: string): Promise<number> {
  const s = await statfs(path);
  const used = s.blocks - s.bfree;
  const total = used + s.bavail;
  return total === 0 ? 0 : (used * 100) / total;
}


/** Free bytes below which a disk of `total` bytes is nearly full: 64 MiB, or a quarter of a smaller disk. */
export function nearlyFullBytes(total: number): number {
  return Math.min(64 << 20, total / 4);
}

/**
 * The filesystem holding `path`, when it is nearly full (`nearlyFullBytes`); undefined otherwise.
 * A streaming exporter pauses on a full disk, and queues nothing meanwhile.
 */
export function diskNearlyFull(path: string): { free: number; total: number } | undefined {
  const d = diskBytes(path);
  return d !== undefined && d.free < nearlyFullBytes(d.total) ? d : undefined;
}

function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some filesystems refuse fsync on a directory */ }
}

/**
 * A failure to write a segment's copy into the archive directory, named as the archive
 * directory's (measured before: a full archive disk was reported as the export dir's, with
 * "run archive changes" as the fix; a removed one as an internal error). The segment stays in the
 * export dir, still recorded as pending: nothing is lost, and the next run moves it.
 */
function archiveDirError(e: unknown, archiveDir: string, fileName: string, partial: string): unknown {
  try {
    if (existsSync(partial)) unlinkSync(partial);
  } catch { /* the directory may be gone */ }
  const code = (e as { code?: string }).code;
  const stays = `${fileName} stays in the export dir, not yet moved (nothing is lost).`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new TandemError('TANDEM_DISK', `The archive directory ${archiveDir} is full (${code}) while moving ${fileName} there: ${stays}`, {
      hint: `Free space in ${archiveDir} (or name another directory with --move-to), then rerun archive changes.`, cause: e,
    });
  }
  if (code === 'ENOENT' && !existsSync(archiveDir)) {
    return new TandemError('TANDEM_USAGE', `The archive directory ${archiveDir} no longer exists (it was removed while archive changes ran): ${stays}`, {
      hint: `Create it again (mkdir -p ${archiveDir}) or name another directory with --move-to, then rerun archive changes.`, cause: e,
    });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TandemError('TANDEM_USAGE', `Cannot write into the archive directory ${archiveDir} (${code}): ${stays}`, {
      hint: `Let this user write there (chown or chmod u+w ${archiveDir}), or name another directory with --move-to, then rerun archive changes.`, cause: e,
    });
  }
  return e;
}
