import { isAscii } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ChangeEvent } from '../change-event.js';
import type { MetaStore } from '../meta-store.js';
import { TandemError } from '../errors.js';
import { ensureQueueTables, rowToSegment, QUEUE_SIGNAL_FILE, type QueueSegment } from './queue-tables.js';
import { sleep } from '../sleep.js';
import { FileChangeWatch } from '../file-change-watch.js';

export interface QueueReadOptions {
  /** Keep waiting for new events at the end of the queue until `signal` fires. Default false. */
  readonly follow?: boolean;
  /** Most events per yielded array. Default 1000. */
  readonly batchSize?: number;
  /** Stops the read (in follow mode: the only way it ends). The generator then returns quietly. */
  readonly signal?: AbortSignal;
  /**
   * How often follow mode looks at meta.db for new commits when the file system cannot report them
   * (normally a commit wakes the reader at once, see `FileChangeWatch`). Default 150 ms.
   */
  readonly pollMs?: number;
}

/** In follow mode with a working watch: look at meta.db at least this often anyway (a missed notification costs no more). */
const WATCHED_FALLBACK_MS = 500;

/** Bytes read from a segment file at a time; with one batch, this bounds the reader's memory. */
const CHUNK_BYTES = 1024 * 1024;
const VSN_PREFIX = '{"vsn":';

/**
 * Reads the change-event queue in vsn order, seeing only what meta.db records as committed (so
 * never a torn line), in this process or another one than the writer's (give it its own MetaStore).
 * Segment files are streamed in 1 MiB chunks, so memory stays small however far behind it is.
 *
 * A segment the read needs that `archive changes` moved or deleted is an error naming the segment:
 * an importer must never silently skip events. So is a gap in the vsn sequence.
 *
 * @example
 * const reader = new EventQueueReader(exportDir.queueDir, MetaStore.open(exportDir.metaDbPath));
 * for await (const batch of reader.read(appliedVsn, { follow: true, signal })) await apply(batch);
 */
export class EventQueueReader {
  private readonly firstNeeded: Database.Statement;
  private readonly bySegmentNo: Database.Statement;
  private readonly metaDir: string;

  constructor(private readonly queueDir: string, meta: MetaStore) {
    ensureQueueTables(meta);
    this.metaDir = dirname(meta.db.name);
    this.firstNeeded = meta.db.prepare('SELECT * FROM queue_segments WHERE last_vsn > ? ORDER BY segment_no LIMIT 1');
    this.bySegmentNo = meta.db.prepare('SELECT * FROM queue_segments WHERE segment_no = ?');
  }

  /**
   * Yields the committed events with vsn > `afterVsn`, in order, as arrays of up to `batchSize`.
   * Without `follow` it stops at the end of what is committed now; with it, it waits for the
   * writer's next commit to meta.db (woken by the file system, polling only as a fallback).
   */
  async *read(afterVsn: number, options: QueueReadOptions = {}): AsyncGenerator<ChangeEvent[]> {
    const batchSize = options.batchSize ?? 1000;
    const pollMs = options.pollMs ?? 150;
    const { signal, follow = false } = options;
    let expected = afterVsn + 1; // the next vsn we must see; vsns of committed events have no gaps
    let seg: QueueSegment | undefined;
    let handle: FileHandle | undefined;
    let offset = 0;
    const watch = follow ? new FileChangeWatch(this.metaDir, (name) => name === QUEUE_SIGNAL_FILE) : undefined;
    // Waits for a commit after `version` was read (the watch's version, read before meta.db was).
    const waitForCommit = (version: number) => (watch?.watching
      ? watch.waitForChange(version, Math.max(pollMs, WATCHED_FALLBACK_MS), signal)
      : sleep(pollMs, signal));
    try {
      while (!signal?.aborted) {
        const version = watch?.version ?? 0;
        seg = seg ? this.segment(seg.segmentNo) : this.firstSegmentAfter(expected - 1);
        if (!seg) {
          if (!follow) return;
          await waitForCommit(version);
          continue;
        }
        if (seg.committedBytes > offset) {
          handle ??= await this.openSegment(seg);
          const end = seg.committedBytes;
          let batch: ChangeEvent[] = [];
          for await (const lines of readLines(handle, offset, end, join(this.queueDir, seg.fileName))) {
            for (const line of lines) {
              const vsn = peekVsn(line);
              if (vsn !== undefined && vsn < expected) continue; // before the start: skip without parsing
              const event = JSON.parse(line) as ChangeEvent;
              if (event.vsn !== expected) throw this.gap(seg, expected, event.vsn);
              expected++;
              batch.push(event);
              if (batch.length >= batchSize) {
                yield batch;
                batch = [];
                if (signal?.aborted) return;
              }
            }
          }
          offset = end;
          if (batch.length) yield batch;
          continue;
        }
        if (seg.status !== 'open') {
          // Fully read and closed: go on with the next segment that holds what we need.
          await handle?.close();
          handle = undefined;
          seg = undefined;
          offset = 0;
          continue;
        }
        if (!follow) return;
        await waitForCommit(version);
      }
    } finally {
      watch?.close();
      await handle?.close();
    }
  }

  private firstSegmentAfter(vsn: number): QueueSegment | undefined {
    const row = this.firstNeeded.get(vsn) as Record<string, any> | undefined;
    return row ? rowToSegment(row) : undefined;
  }

  private segment(segmentNo: number): QueueSegment {
    return rowToSegment(this.bySegmentNo.get(segmentNo) as Record<string, any>);
  }

  private async openSegment(seg: QueueSegment): Promise<FileHandle> {
    if (seg.status === 'archived' || seg.status === 'deleted') throw segmentGone(seg);
    const path = join(this.queueDir, seg.fileName);
    try {
      return await open(path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const now = this.segment(seg.segmentNo);
      if (now.status === 'archived' || now.status === 'deleted') throw segmentGone(now);
      throw new TandemError('TANDEM_EXPORT_DIR', `The change queue file ${path} (segment ${seg.segmentNo}, events ${seg.firstVsn}..${seg.lastVsn}) is missing.`, {
        hint: 'Restore it from a backup; the importer cannot go on without these events.',
      });
    }
  }

  private gap(seg: QueueSegment, expected: number, got: number): TandemError {
    return new TandemError('TANDEM_EXPORT_DIR',
      `The change queue skips from event ${expected - 1} to ${got} in ${join(this.queueDir, seg.fileName)} (segment ${seg.segmentNo}).`,
      { hint: 'The queue was changed outside Tandem. Restore data/queue and metainfo/meta.db from the same backup.' });
  }
}

function segmentGone(seg: QueueSegment): TandemError {
  const where = seg.status === 'archived' ? `moved to ${seg.archivedTo}` : 'deleted';
  return new TandemError('TANDEM_EXPORT_DIR',
    `Change queue segment ${seg.segmentNo} (${seg.fileName}, events ${seg.firstVsn}..${seg.lastVsn}) is needed but was ${where} by "archive changes".`,
    {
      hint: seg.status === 'archived'
        ? `Copy ${seg.archivedTo} back into the export dir's data/queue/ and set its status to closed, or restart this importer's migration.`
        : 'The events are gone; this importer cannot resume. Only archive segments that every registered importer has applied.',
    });
}

/**
 * Yields the lines (without '\n') of bytes [start, end) of a file as text, one chunk's worth at a
 * time. Each chunk is decoded once (the bytes after its last '\n' wait for the next chunk), so a
 * line costs no Buffer and no decoder call of its own.
 */
async function* readLines(handle: FileHandle, start: number, end: number, path: string): AsyncGenerator<string[]> {
  let pos = start;
  let carry = 0; // bytes of an unfinished line at the start of `buf`
  let buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - start));
  while (pos < end) {
    const want = Math.min(CHUNK_BYTES, end - pos);
    if (buf.length < carry + want) {
      // A line longer than what is left of the chunk: grow, keeping the unfinished line.
      const bigger = Buffer.allocUnsafe(carry + want);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const { bytesRead } = await handle.read(buf, carry, want, pos);
    if (bytesRead === 0) {
      throw new TandemError('TANDEM_EXPORT_DIR', `The change queue file ${path} ends at byte ${pos}, before its committed size ${end}.`, {
        hint: 'The file was shortened outside Tandem; restore it from a backup.',
      });
    }
    pos += bytesRead;
    const filled = carry + bytesRead;
    // UTF-8 never uses byte 0x0A inside a multi-byte character, so the bytes up to the last '\n'
    // are whole characters and splitting the text on '\n' is safe.
    const lastNl = buf.lastIndexOf(10, filled - 1);
    const lines: string[] = [];
    if (lastNl >= 0) {
      // Plain ASCII (the usual queue) is copied as it is, which is quicker than decoding UTF-8.
      const text = isAscii(buf.subarray(0, lastNl)) ? buf.toString('latin1', 0, lastNl) : buf.toString('utf8', 0, lastNl);
      let s = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', s)) {
        lines.push(text.slice(s, nl));
        s = nl + 1;
      }
      lines.push(text.slice(s));
      carry = filled - lastNl - 1;
      // The unfinished line moves to the front; the next read continues it.
      if (carry > 0) buf.copy(buf, 0, lastNl + 1, filled);
    } else {
      carry = filled;
    }
    yield lines;
  }
  if (carry > 0) {
    throw new TandemError('TANDEM_EXPORT_DIR', `The committed part of ${path} ends inside a line (byte ${end}).`, {
      hint: 'The file or meta.db was changed outside Tandem; restore both from the same backup.',
    });
  }
}

/** The vsn of a line written by EventQueueWriter (`{"vsn":123,…`), without parsing the JSON. */
function peekVsn(line: string): number | undefined {
  if (!line.startsWith(VSN_PREFIX)) return undefined;
  let n = 0;
  let i = VSN_PREFIX.length;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return i > VSN_PREFIX.length ? n : undefined;
}
