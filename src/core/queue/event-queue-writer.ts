import { closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, statSync, truncateSync, unlinkSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { SignalFile } from '../file-change-watch.js';
import type { UnnumberedChangeEvent } from '../change-event.js';
import type { MetaStore } from '../meta-store.js';
import { TandemError, fileSystemError } from '../errors.js';
import { CommandLock } from '../lock.js';
import { failpoint } from '../failpoint.js';
import { log } from '../logger.js';
import {
  ensureQueueTables, exportedEventCounts, listSegments, migrateLegacyPosition, parseSegmentFileName, readQueueState, segmentFileName, QUEUE_SIGNAL_FILE,
  type QueueExporter, type QueueSegment, type TableEventCounts,
} from './queue-tables.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/**
 * Appends up to this many bytes write and fdatasync synchronously. A live stream's small groups
 * then skip two hops through libuv's thread pool, which cost milliseconds of latency per append on
 * a busy machine (measured under bench/cdc: 21 -> 11 ms per append, p50); a backlog's large groups
 * stay asynchronous, so the exporter decodes the next events while the disk works.
 */
const SYNC_APPEND_BYTES = 256 * 1024;

/** Default size after which a segment is closed and the next append starts a new one. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface EventQueueWriterOptions {
  /** Close a segment once its committed size reaches this many bytes. Default 64 MiB. */
  readonly segmentBytes?: number;
  /**
   * Which database's exporter writes (after a cutover with fall-back the target's exporter continues
   * the same queue). Each exporter's last position is kept apart (positions of different engines or
   * databases do not compare), and so are the per-table counts, for the report. Default 'source'.
   */
  readonly exporter?: QueueExporter;
}

interface OpenSegment {
  readonly segmentNo: number;
  readonly fileName: string;
  committedBytes: number;
  firstVsn?: number;
  eventCount: number;
  /** The file descriptor; undefined until the first append after open (files are opened lazily). */
  handle?: number;
}

/**
 * The only writer of the change-event queue (`data/queue/segment.<n>.ndjson`). Each append numbers
 * its events, writes them as NDJSON at the segment's committed size, fsyncs, and then records the new
 * committed size, last vsn, the exporter's position and per-table counts in ONE meta.db transaction. The
 * caller acknowledges the source only after `append` resolves, so a crash loses nothing the source
 * considers delivered, and the committed size says which bytes are whole lines.
 *
 * Segments: an append's events always go to one segment (a batch is never split, so a source
 * transaction passed in one append stays in one file). A segment whose committed size reaches
 * `segmentBytes` is closed in the same transaction as its last append; the next append opens the
 * next segment. A segment can therefore exceed `segmentBytes` by at most one append.
 *
 * @example
 * const w = EventQueueWriter.open(exportDir.queueDir, meta);
 * const { lastVsn } = await w.append(events, '0000000016B3F1A8');
 * // now acknowledge the source up to that position
 */
export class EventQueueWriter {
  private current?: OpenSegment;
  private nextSegmentNo: number;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly signalFile: SignalFile;
  private signalFailed = false;
  private _lastVsn: number;
  private _lastPosition?: string;

  private constructor(
    private readonly queueDir: string,
    private readonly meta: MetaStore,
    private readonly segmentBytes: number,
    private readonly exporter: QueueExporter,
    private readonly lock: CommandLock,
  ) {
    this.signalFile = new SignalFile(join(dirname(meta.db.name), QUEUE_SIGNAL_FILE));
    ensureQueueTables(meta);
    migrateLegacyPosition(meta);
    const state = readQueueState(meta);
    this._lastVsn = state.lastVsn;
    this._lastPosition = state.lastPositions[exporter];
    const segments = listSegments(meta);
    this.nextSegmentNo = segments.length ? segments[segments.length - 1]!.segmentNo + 1 : 1;
    this.recover(segments);
  }

  /**
   * Opens the queue for writing: truncates the open segment to its committed size (a crash can leave
   * a torn tail) and removes segment files that no committed append ever recorded.
   *
   * One writer per queue, whatever command it runs in: the writer holds the queue's own lock
   * (`<queueDir>/queue-writer.lock`) until `close`, so the source's exporter and the target's exporter
   * (after a cutover) can never append to the same queue at once. A second writer gets TANDEM_LOCKED.
   */
  static open(queueDir: string, meta: MetaStore, options: EventQueueWriterOptions = {}): EventQueueWriter {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!(segmentBytes > 0)) throw new RangeError(`segmentBytes must be positive, got ${segmentBytes}`);
    mkdirSync(queueDir, { recursive: true });
    const lock = new CommandLock(queueDir, 'queue-writer', 'A change exporter (the writer of this export dir\'s change queue) is');
    lock.acquire();
    try {
      return new EventQueueWriter(queueDir, meta, segmentBytes, options.exporter ?? 'source', lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Events one exporter queued so far per table, for the data-migration report (any process may call it). */
  static exportedCounts(meta: MetaStore, exporter: QueueExporter = 'source'): Map<string, TableEventCounts> {
    const prefix = countsKey('target', '');
    const out = new Map<string, TableEventCounts>();
    for (const [k, v] of exportedEventCounts(meta)) {
      if (exporter === 'target' && k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
      if (exporter === 'source' && !k.startsWith(prefix)) out.set(k, v);
    }
    return out;
  }

  /** The highest vsn committed so far (0 for an empty queue). The next event gets lastVsn + 1. */
  get lastVsn(): number {
    return this._lastVsn;
  }

  /**
   * This writer's exporter's position of its last committed append (the other exporter's positions
   * are kept apart). After a crash the source replays from its last acknowledged position; the
   * exporter skips transactions at or before this one.
   */
  get lastPosition(): string | undefined {
    return this._lastPosition;
  }

  /**
   * Numbers `events` (continuing from lastVsn), appends them durably and records `position` as this
   * exporter's last committed position. An empty `events` only records the position (keepalive
   * progress). `position` must sort at or after this exporter's previous one (as text; each engine
   * defines positions that do). Appends are serialised.
   *
   * `inCommit`, when given, runs inside the meta.db transaction that commits the append (with the
   * vsns just assigned), so that what it records and the events are durable together or not at all:
   * a cutover marker and its record in the cutover table are one step.
   *
   * When the returned promise resolves, the events and the position survive a power loss (the
   * segment is fsynced, then meta.db commits with `synchronous = FULL`): only then may the caller let
   * the source forget them.
   */
  append(events: readonly UnnumberedChangeEvent[], position: string, inCommit?: (r: { firstVsn: number; lastVsn: number }) => void): Promise<{ firstVsn: number; lastVsn: number }> {
    const run = this.tail.then(() => this.appendNow(events, position, inCommit));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Waits for pending appends and closes the segment file. meta.db stays open (the caller owns it). */
  async close(): Promise<void> {
    try {
      await this.tail;
      this.closed = true;
      if (this.current?.handle !== undefined) closeSync(this.current.handle);
      if (this.current) this.current.handle = undefined;
      this.signalFile.close();
    } finally {
      this.lock.release();
    }
  }

  private async appendNow(events: readonly UnnumberedChangeEvent[], position: string, inCommit?: (r: { firstVsn: number; lastVsn: number }) => void): Promise<{ firstVsn: number; lastVsn: number }> {
    if (this.closed) throw new Error('EventQueueWriter is closed');
    if (this._lastPosition !== undefined && position < this._lastPosition) {
      // A bug in the exporter, not a user error: positions come from the source in order.
      throw new Error(`queue position of the ${this.exporter} exporter went backwards: ${position} after ${this._lastPosition}`);
    }
    const firstVsn = this._lastVsn + 1;
    if (events.length === 0) {
      this.meta.db.transaction(() => {
        this.writeState(this._lastVsn, position, new Date().toISOString());
        inCommit?.({ firstVsn, lastVsn: this._lastVsn });
      })();
      this._lastPosition = position;
      return { firstVsn, lastVsn: this._lastVsn };
    }

    // One string, one write: no per-event syscall. `vsn` goes first so readers can skip lines by
    // looking at the prefix without parsing the whole object.
    const counts = new Map<string, [number, number, number]>();
    let text = '';
    let vsn = firstVsn;
    for (const e of events) {
      // A numbered event passed back in (e.g. re-queued at cutover) must not carry its old vsn.
      const body = JSON.stringify('vsn' in e ? { ...e, vsn: undefined } : e);
      text += body.length > 2 ? `{"vsn":${vsn},${body.slice(1)}\n` : `{"vsn":${vsn}}\n`;
      vsn++;
      if (e.op === 'c' || e.op === 'u' || e.op === 'd') {
        const key = countsKey(this.exporter, `${e.schema}.${e.table}`);
        let c = counts.get(key);
        if (!c) counts.set(key, (c = [0, 0, 0]));
        c[e.op === 'c' ? 0 : e.op === 'u' ? 1 : 2]++;
      }
    }
    const lastVsn = vsn - 1;
    const bytes = Buffer.from(text, 'utf8');

    const seg = this.writableSegment();
    try {
      const fd = seg.handle!;
      let written = 0;
      if (bytes.length <= SYNC_APPEND_BYTES) {
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, seg.committedBytes + written);
        fdatasyncSync(fd);
      } else {
        while (written < bytes.length) written += (await writeAsync(fd, bytes, written, bytes.length - written, seg.committedBytes + written)).bytesWritten;
        await fdatasyncAsync(fd);
      }
      failpoint('queue.after-append-before-commit');
    } catch (e) {
      this.dropTornTail(seg);
      // Nothing of this append counts (the tail is cut back, the source is not acknowledged).
      if (fileSystemError(e)?.code === 'TANDEM_DISK') {
        throw new TandemError('TANDEM_DISK', `The disk holding the change queue is full (${join(this.queueDir, seg.fileName)}); the ${this.exporter}'s change stream keeps the changes not yet queued.`, {
          hint: 'Free space (tandem archive changes moves or deletes the closed segments every importer has applied; the segment being written is not among them), or move the export dir to a bigger disk, then rerun the same command: it resumes.',
          cause: e,
        });
      }
      throw new TandemError('TANDEM_EXPORT_DIR', `Could not write the change queue file ${join(this.queueDir, seg.fileName)}: ${(e as Error).message}`, { cause: e });
    }

    const committedBytes = seg.committedBytes + bytes.length;
    const closeNow = committedBytes >= this.segmentBytes;
    const now = new Date().toISOString();
    const db = this.meta.db;
    try {
      db.transaction(() => {
        this.meta.prepare(`INSERT INTO queue_segments (segment_no, file_name, committed_bytes, first_vsn, last_vsn, event_count, status, created_at, closed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (segment_no) DO UPDATE SET committed_bytes = excluded.committed_bytes, first_vsn = excluded.first_vsn,
                      last_vsn = excluded.last_vsn, event_count = excluded.event_count, status = excluded.status, closed_at = excluded.closed_at`)
          .run(seg.segmentNo, seg.fileName, committedBytes, seg.firstVsn ?? firstVsn, lastVsn, seg.eventCount + events.length,
            closeNow ? 'closed' : 'open', now, closeNow ? now : null);
        const upsert = this.meta.prepare(`INSERT INTO queue_table_counts (table_key, inserts, updates, deletes) VALUES (?, ?, ?, ?)
                                   ON CONFLICT (table_key) DO UPDATE SET inserts = inserts + excluded.inserts,
                                     updates = updates + excluded.updates, deletes = deletes + excluded.deletes`);
        for (const [key, [ins, upd, del]] of counts) upsert.run(key, ins, upd, del);
        this.writeState(lastVsn, position, now);
        inCommit?.({ firstVsn, lastVsn });
      })();
    } catch (e) {
      this.dropTornTail(seg);
      throw e;
    }
    seg.committedBytes = committedBytes;
    seg.firstVsn ??= firstVsn;
    seg.eventCount += events.length;
    this._lastVsn = lastVsn;
    this._lastPosition = position;
    if (closeNow) {
      closeSync(seg.handle!);
      this.current = undefined;
    }
    this.signal();
    return { firstVsn, lastVsn };
  }

  /**
   * Wakes the queue's followers (after the commit, so what they look at is visible): one byte
   * rewritten in {@link QUEUE_SIGNAL_FILE}. A failure only costs them their periodic look.
   */
  private signal(): void {
    if (this.signalFile.touch() || this.signalFailed) return;
    this.signalFailed = true;
    log.warn(`could not write ${QUEUE_SIGNAL_FILE}; the importers notice new changes within half a second instead`);
  }

  /** The last vsn and this exporter's position; runs inside the append's meta.db transaction. */
  private writeState(lastVsn: number, position: string, now: string): void {
    this.meta.prepare(`INSERT INTO queue_state (id, last_vsn, updated_at) VALUES (1, ?, ?)
                          ON CONFLICT (id) DO UPDATE SET last_vsn = excluded.last_vsn, updated_at = excluded.updated_at`)
      .run(lastVsn, now);
    this.meta.prepare(`INSERT INTO queue_positions (exporter, last_position, updated_at) VALUES (?, ?, ?)
                          ON CONFLICT (exporter) DO UPDATE SET last_position = excluded.last_position, updated_at = excluded.updated_at`)
      .run(this.exporter, position, now);
  }

  /** The open segment, or a new one (its row is inserted by the append that commits into it). */
  private writableSegment(): OpenSegment {
    if (!this.current) {
      const segmentNo = this.nextSegmentNo++;
      this.current = { segmentNo, fileName: segmentFileName(segmentNo), committedBytes: 0, eventCount: 0 };
    }
    const seg = this.current;
    if (seg.handle === undefined) {
      const path = join(this.queueDir, seg.fileName);
      const isNew = !existsSync(path);
      seg.handle = openSync(path, isNew ? 'w+' : 'r+');
      if (isNew) syncDir(this.queueDir); // the new file's directory entry must survive a crash too
    }
    return seg;
  }

  /** After a failed write or commit: cut the file back so the next append starts at a clean end. */
  private dropTornTail(seg: OpenSegment): void {
    try { if (seg.handle !== undefined) ftruncateSync(seg.handle, seg.committedBytes); } catch { /* reopen truncates it anyway */ }
  }

  private recover(segments: QueueSegment[]): void {
    const known = new Set(segments.map((s) => s.segmentNo));
    const open = segments.filter((s) => s.status === 'open');
    if (open.length > 1) {
      throw new TandemError('TANDEM_EXPORT_DIR', `meta.db lists ${open.length} open queue segments; only one can be open.`);
    }
    for (const name of existsSync(this.queueDir) ? readdirSync(this.queueDir) : []) {
      const no = parseSegmentFileName(name);
      // A file with no row was created by an append that crashed before its commit: nothing in it
      // was ever acknowledged to the source, and no reader may see it.
      if (no !== undefined && !known.has(no)) unlinkSync(join(this.queueDir, name));
    }
    const seg = open[0];
    if (!seg) return;
    const path = join(this.queueDir, seg.fileName);
    if (!existsSync(path)) {
      if (seg.committedBytes > 0) {
        throw new TandemError('TANDEM_EXPORT_DIR', `The change queue file ${path} is missing but meta.db records ${seg.committedBytes} committed bytes in it.`, {
          hint: 'Restore the file from a backup; the events in it were acknowledged to the source and cannot be exported again.',
        });
      }
    } else {
      const size = statSync(path).size;
      if (size < seg.committedBytes) {
        throw new TandemError('TANDEM_EXPORT_DIR', `The change queue file ${path} has ${size} bytes but meta.db records ${seg.committedBytes} committed bytes.`, {
          hint: 'The file was shortened outside Tandem; restore it from a backup.',
        });
      }
      truncateSync(path, seg.committedBytes);
      const fd = openSync(path, 'r+');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    }
    this.current = { segmentNo: seg.segmentNo, fileName: seg.fileName, committedBytes: seg.committedBytes, firstVsn: seg.firstVsn, eventCount: seg.eventCount };
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some filesystems refuse fsync on a directory; the data fsync still holds */ }
}


/** Key of the per-table counts: the source's counts keep the plain table key (the stored format). */
function countsKey(exporter: QueueExporter, tableKey: string): string {
  return exporter === 'target' ? `target|${tableKey}` : tableKey;
}
