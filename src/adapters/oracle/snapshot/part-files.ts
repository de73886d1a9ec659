import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { CopyToFilesOptions, SnapshotFilePart } from '../../../core/engine/snapshot.js';

/**
 * Snapshot part files for a reader that produces its rows itself (`copydata-rows-v1`, docs/positions.md
 * §4: one CopyData message per row), as the PostgreSQL reader's COPY stream does for the rows the
 * server sends: a new file after about `partBytes` (at a row boundary), a row index entry every
 * `rowIndexStep` rows, each file written through and fsynced before `onPart` reports it, and at
 * least one file per chunk (an empty one for an empty chunk).
 *
 * Kept in the Oracle folder until an engine-neutral writer lands in `core/` (the MySQL work has one
 * in progress); `PartTracker` is the pure bookkeeping, `CopyDataPartWriter` the file I/O.
 */

/** The bookkeeping of parts and row index (pure: sizes in, finished parts out). */
export class PartTracker {
  private partNo = 0;
  private partRows = 0;
  private partOffset = 0;
  private index: [number, number, number][] = [];
  private entryStart = 0;
  private entryRows = 0;
  private totalRows = 0;
  private emitted = 0;

  constructor(private readonly rowIndexStep: number, private readonly partBytes: number | ((partNo: number) => number)) {
    if (!Number.isInteger(rowIndexStep) || rowIndexStep < 1) throw new RangeError('rowIndexStep must be a positive whole number');
  }

  /** The part the next row goes into. */
  get currentPart(): number {
    return this.partNo;
  }

  get rows(): number {
    return this.totalRows;
  }

  /** Parts reported so far. */
  get parts(): number {
    return this.emitted;
  }

  private limit(): number {
    return typeof this.partBytes === 'number' ? this.partBytes : this.partBytes(this.partNo);
  }

  /** Records one row message of `bytes` bytes; returns the part it completes, if it fills it. */
  row(bytes: number): SnapshotFilePart | undefined {
    this.totalRows++;
    this.partRows++;
    this.partOffset += bytes;
    this.entryRows++;
    if (this.entryRows === this.rowIndexStep) {
      this.index.push([this.entryStart, this.partOffset, this.entryRows]);
      this.entryStart = this.partOffset;
      this.entryRows = 0;
    }
    return this.partOffset >= this.limit() ? this.close() : undefined;
  }

  /** The last part: the one holding rows, or an empty first part when the chunk had no rows. */
  end(): SnapshotFilePart | undefined {
    return this.partRows > 0 || this.emitted === 0 ? this.close() : undefined;
  }

  private close(): SnapshotFilePart {
    if (this.entryRows > 0) this.index.push([this.entryStart, this.partOffset, this.entryRows]);
    const part: SnapshotFilePart = { partNo: this.partNo, rows: this.partRows, bytes: this.partOffset, rowIndex: this.index };
    this.partNo++;
    this.emitted++;
    this.partRows = 0;
    this.partOffset = 0;
    this.index = [];
    this.entryStart = 0;
    this.entryRows = 0;
    return part;
  }
}

/** Writes row messages into part files as `PartTracker` cuts them. */
export class CopyDataPartWriter {
  private readonly tracker: PartTracker;
  private file: WriteStream | undefined;

  constructor(private readonly options: CopyToFilesOptions) {
    this.tracker = new PartTracker(options.rowIndexStep, options.partBytes);
  }

  /** Appends row messages (each one whole CopyData message). */
  async write(messages: readonly Buffer[]): Promise<void> {
    for (const m of messages) {
      this.file ??= this.open();
      if (!this.file.write(m)) await once(this.file, 'drain');
      const part = this.tracker.row(m.length);
      if (part) await this.complete(part);
    }
  }

  /** Closes the last part; resolves with the chunk's rows and parts. */
  async finish(): Promise<{ rows: number; parts: number }> {
    // An empty chunk still gets its (empty) first part; the file must be named before the tracker moves on.
    if (this.tracker.parts === 0) this.file ??= this.open();
    const part = this.tracker.end();
    if (part) await this.complete(part);
    return { rows: this.tracker.rows, parts: this.tracker.parts };
  }

  /** Abandons the open file (after a failed read). */
  abort(): void {
    this.file?.destroy();
    this.file = undefined;
  }

  private open(): WriteStream {
    // `flush: true`: the file is fsynced before it is closed, so a reported part is on disk.
    return createWriteStream(this.options.pathOf(this.tracker.currentPart), { highWaterMark: 4 << 20, flush: true });
  }

  private async complete(part: SnapshotFilePart): Promise<void> {
    const f = this.file!;
    this.file = undefined;
    f.end();
    await finished(f);
    this.options.onPart(part);
  }
}
