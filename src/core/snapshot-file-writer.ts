/**
 * Snapshot part files for readers of any engine: CopyData messages in (whole rows, each `d`, a
 * 4-byte big-endian length that counts itself, the row's COPY bytes; buffers may cut a message
 * anywhere), files out in the layout `copydata-rows-v1` (SNAPSHOT_FILE_LAYOUT, docs/positions.md §4).
 *
 * A part ends after the row that brings it to `partBytes(partNo)` bytes, so a part always holds
 * whole rows. Each part is written, fsynced and closed, and only then reported through `onPart`
 * with its row index (`[startOffset, endOffset, rows]` every `rowIndexStep` rows, offsets within the
 * part), so an importer that follows the export may load it at once. A chunk always yields at least
 * one part (an empty table gives one empty file), as the PostgreSQL reader's do.
 *
 * Engine-neutral: the MySQL reader and (later) the Oracle reader feed it; the PostgreSQL reader
 * passes the server's own messages through `CopyOutStream` instead.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { COPY_DATA_TYPE, SplitMessageHeader } from './copy-batch-planner.js';
import type { CopyToFilesOptions, SnapshotFilePart } from './engine/snapshot.js';

/** Bytes queued for the disk before `write` makes its caller wait. */
const QUEUE_LIMIT = 8 << 20;

/**
 * Writes one chunk's rows into part files. Call `write` with CopyData bytes (await it: it is the
 * backpressure), then `finish` once; `abort` after a failure closes the open file (its part is not
 * reported).
 *
 * @example
 * const w = new SnapshotFileWriter({ pathOf: (n) => `t.0.${n}.txt`, rowIndexStep: 1000, partBytes: snapshotPartBytes, onPart: record });
 * await w.write(messages);
 * const { rows, parts } = await w.finish();
 */
export class SnapshotFileWriter {
  /** Rows written so far (complete messages). */
  rows = 0;
  private readonly partLimit: (partNo: number) => number;
  private partBytes: number;
  private partNo = 0;
  private partOffset = 0;
  private partRows = 0;
  private index: [number, number, number][] = [];
  private entryStart = 0;
  private entryRows = 0;
  // message state
  private readonly header = new SplitMessageHeader();
  private left = 0; // bytes of the current message's row still to come
  private inMessage = false;
  // the disk
  private file: FileHandle | undefined;
  private opening: Promise<FileHandle> | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** Parts are reported in order, each after its file is synced and closed. */
  private reported: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown;
  private waiters: (() => void)[] = [];
  private finished = false;

  constructor(private readonly options: CopyToFilesOptions) {
    const limit = options.partBytes;
    this.partLimit = typeof limit === 'function' ? limit : () => limit;
    this.partBytes = this.partLimit(0);
    if (!(options.rowIndexStep >= 1)) throw new RangeError(`rowIndexStep must be at least 1, got ${options.rowIndexStep}`);
  }

  /**
   * Adds CopyData bytes and resolves once they are queued and the queue is below its limit (the
   * backpressure). The buffer is kept until it is on disk: do not reuse it. Rejects with the first
   * write error.
   */
  async write(chunk: Buffer): Promise<void> {
    if (!this.push(chunk)) await this.whenDrained();
    if (this.failure) throw this.failure;
  }

  /**
   * Adds CopyData bytes without waiting (the caller's stream cannot wait inside its handler).
   * Returns false when the queue is over its limit: stop producing until `whenDrained()`. Throws the
   * first write error.
   */
  push(chunk: Buffer): boolean {
    if (this.finished) throw new Error('internal: SnapshotFileWriter.push after finish');
    if (this.failure) throw this.failure;
    const n = chunk.length;
    let i = 0;
    let runStart = 0;
    while (i < n) {
      if (this.inMessage) {
        const take = Math.min(this.left, n - i);
        i += take;
        this.left -= take;
        if (this.left === 0) {
          this.inMessage = false;
          if (this.rowDone(chunk, runStart, i)) runStart = i;
        }
        continue;
      }
      let len: number;
      if (this.header.have === 0 && i + 5 <= n) {
        if (chunk[i] !== COPY_DATA_TYPE) throw this.damaged(chunk[i]!);
        len = chunk.readUInt32BE(i + 1);
        i += 5;
      } else {
        if (this.header.have === 0 && chunk[i] !== COPY_DATA_TYPE) throw this.damaged(chunk[i]!);
        i = this.header.fill(chunk, i);
        if (!this.header.complete) break;
        this.header.have = 0;
        if (this.header.bytes[0] !== COPY_DATA_TYPE) throw this.damaged(this.header.bytes[0]!);
        len = this.header.bytes.readUInt32BE(1);
      }
      if (len < 4) throw new Error(`internal: a CopyData message of length ${len}`);
      this.left = len - 4;
      this.inMessage = true;
      if (this.left === 0) {
        this.inMessage = false;
        if (this.rowDone(chunk, runStart, i)) runStart = i;
      }
    }
    if (runStart < n) this.enqueue(chunk.subarray(runStart, n));
    return this.queued < QUEUE_LIMIT;
  }

  /**
   * Like `push`, for a producer that knows where its rows end: `chunk` holds exactly `count` whole
   * CopyData messages, the k-th ending at `ends[k]` (ascending offsets into `chunk`). Skips reading
   * every message header. Must not be mixed with `push` inside a message.
   */
  pushRows(chunk: Buffer, ends: Uint32Array | readonly number[], count: number): boolean {
    if (this.finished) throw new Error('internal: SnapshotFileWriter.pushRows after finish');
    if (this.failure) throw this.failure;
    if (this.inMessage || this.header.have > 0) throw new Error('internal: pushRows inside a CopyData message');
    if (count > 0 && (chunk[0] !== COPY_DATA_TYPE || ends[count - 1] !== chunk.length)) throw new Error('internal: pushRows needs whole CopyData messages');
    let runStart = 0;
    for (let k = 0; k < count; k++) {
      if (this.rowDone(chunk, runStart, ends[k]!)) runStart = ends[k]!;
    }
    if (runStart < chunk.length) this.enqueue(chunk.subarray(runStart));
    return this.queued < QUEUE_LIMIT;
  }

  /** Resolves once the queue is below half its limit, or a write failed. */
  whenDrained(): Promise<void> {
    if (this.queued < QUEUE_LIMIT / 2 || this.failure) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Ends the last part (an empty chunk still gets one, empty file) and waits until every part is on disk and reported. */
  async finish(): Promise<{ rows: number; parts: number }> {
    if (this.finished) throw new Error('internal: SnapshotFileWriter.finish twice');
    if (this.inMessage || this.header.have > 0) throw new Error('internal: the rows end inside a CopyData message');
    this.finished = true;
    if (this.partRows > 0 || this.partNo === 0) this.endPart();
    await this.tail;
    await this.reported;
    if (this.failure) throw this.failure;
    return { rows: this.rows, parts: this.partNo };
  }

  /** Stops after a failure elsewhere: closes the open file without reporting its part. */
  async abort(): Promise<void> {
    this.finished = true;
    this.failure ??= new Error('aborted');
    await this.tail.catch(() => {});
    await this.reported.catch(() => {});
    const f = this.file ?? (await this.opening?.catch(() => undefined));
    this.file = undefined;
    this.opening = undefined;
    await f?.close().catch(() => {});
  }

  private damaged(type: number): Error {
    return new Error(`internal: byte 0x${type.toString(16).padStart(2, '0')} where a CopyData message should start`);
  }

  /** A row ended at chunk[end]; returns true when the part ended there (the bytes up to end are queued). */
  private rowDone(chunk: Buffer, runStart: number, end: number): boolean {
    // pendingOffset counts the part's bytes queued before runStart (earlier chunks, earlier runs).
    this.rows++;
    this.partRows++;
    this.entryRows++;
    this.partOffset = this.pendingOffset + (end - runStart);
    if (this.entryRows === this.options.rowIndexStep) {
      this.index.push([this.entryStart, this.partOffset, this.entryRows]);
      this.entryStart = this.partOffset;
      this.entryRows = 0;
    }
    if (this.partOffset < this.partBytes) return false;
    this.enqueue(chunk.subarray(runStart, end));
    this.endPart();
    return true;
  }

  /** Bytes of the current part queued before the current run of the chunk. */
  private pendingOffset = 0;

  private enqueue(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pendingOffset += bytes.length;
    this.queued += bytes.length;
    const partNo = this.partNo;
    this.chain(async () => {
      const f = await this.fileFor(partNo);
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await f.write(bytes, off, bytes.length - off);
        off += bytesWritten;
      }
      this.queued -= bytes.length;
      if (this.queued < QUEUE_LIMIT / 2) this.wake();
    });
  }

  private endPart(): void {
    if (this.entryRows > 0) this.index.push([this.entryStart, this.partOffset, this.entryRows]);
    const part: SnapshotFilePart = { partNo: this.partNo, rows: this.partRows, bytes: this.partOffset, rowIndex: this.index };
    const partNo = this.partNo;
    this.chain(async () => {
      const f = await this.fileFor(partNo);
      this.file = undefined;
      this.opening = undefined;
      // On disk before anyone is told: an importer may load it, meta.db may call it done. The next
      // part's writes go on meanwhile; reports keep the parts' order.
      const synced = f.sync().then(() => f.close(), async (e) => {
        await f.close().catch(() => {});
        throw e;
      });
      this.reported = this.reported.then(async () => {
        // A failed sync, or a failed record of the part (meta.db full or busy), fails the writer
        // like a failed write. Thrown from here either would reject a promise nobody awaits until
        // finish(), and Node.js exits on such a rejection.
        try {
          await synced;
          if (!this.failure) this.options.onPart(part);
        } catch (e) {
          this.failure ??= e;
          this.wake();
        }
      });
      // Keep failures visible to the write chain without waiting for the sync.
      synced.catch(() => {});
    });
    this.partNo++;
    this.partBytes = this.partLimit(this.partNo);
    this.partOffset = 0;
    this.pendingOffset = 0;
    this.partRows = 0;
    this.index = [];
    this.entryStart = 0;
    this.entryRows = 0;
  }

  private fileFor(partNo: number): Promise<FileHandle> {
    if (this.file) return Promise.resolve(this.file);
    this.opening ??= open(this.options.pathOf(partNo), 'w').then((f) => (this.file = f));
    return this.opening;
  }

  private chain(step: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await step();
      } catch (e) {
        this.failure ??= e;
        this.wake();
      }
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
