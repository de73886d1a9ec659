import { Readable } from 'node:stream';
import { COPY_DATA_TYPE, SplitMessageHeader } from '../../core/copy-batch-planner.js';

const COPY_DATA = COPY_DATA_TYPE;
const ERROR_RESPONSE = 0x45;
const COPY_DONE = 0x63;
const COPY_OUT_RESPONSE = 0x48;
const NOTICE_RESPONSE = 0x4e;
const PARAMETER_STATUS = 0x53;
const NOTIFICATION_RESPONSE = 0x41;

/** The fixed part of the binary COPY header: signature (11), flags (4), extension length (4). */
const BINARY_HEADER_FIXED = 19;

/** A row boundary entry: [startOffset, endOffset (exclusive), rows] of `rowIndexStep` rows. */
export type RowIndexEntry = [number, number, number];

/** A finished part (file) of one COPY: its rows, bytes and row index (offsets within the part). */
export interface CopyPart {
  readonly partNo: number;
  readonly rows: number;
  readonly bytes: number;
  readonly rowIndex: RowIndexEntry[];
}

/** What the stream yields: bytes of the current part, or the end of a part. */
export type CopyOutItem = Buffer | { readonly partEnd: CopyPart };

export interface CopyOutOptions {
  readonly binary: boolean;
  /** Rows per row-index entry. */
  readonly rowIndexStep: number;
  /**
   * A part ends after the row that brings it to this many bytes (a function of the part number, so
   * the first parts can be small and an importer that follows can start early). Default: one part.
   */
  readonly partBytes?: number | ((partNo: number) => number);
}

type DataHandler = (chunk: Buffer) => void;

interface PgSocket {
  read(): Buffer | null;
  pause(): void;
  resume(): void;
  listeners(event: 'data'): DataHandler[];
  on(event: string, fn: (...a: never[]) => void): void;
  removeListener(event: string, fn: (...a: never[]) => void): void;
  destroy(): void;
}

interface PgConnectionLike {
  stream: PgSocket;
  query(text: string): void;
}

/**
 * `COPY … TO STDOUT` as a stream of snapshot-file bytes, submitted to a node-postgres client
 * (`client.query(stream)`); see SNAPSHOT_FILE_LAYOUT.
 *
 * PostgreSQL sends one CopyData message per row. This parser passes those messages through as
 * they arrived, as slices of the socket's buffers: no row is copied, re-framed or looked into, so
 * the cost per row is reading one 5-byte header. What is not a row is left out: CopyOutResponse,
 * notices, the binary header (it arrives inside the first row's message, which is the only one
 * rewritten) and the binary trailer. It records the row boundaries for the importer's batches and
 * cuts the output into parts of about `partBytes` at row boundaries (`{ partEnd }` items), so an
 * importer can load the first part of a big table while the rest is still being read.
 */
export class CopyOutStream extends Readable {
  /** Rows the server reported in CommandComplete. */
  rowCount = 0;
  /** Rows passed through. */
  rows = 0;
  private readonly partLimit: (partNo: number) => number;
  private partBytes: number;
  private connection?: PgConnectionLike;
  private pgHandler?: DataHandler;
  private readonly onReadable = () => this.forward();
  private drained = false;
  private forwarding = false;
  private finished = false;
  // message state
  private readonly header = new SplitMessageHeader();
  private mode: 'boundary' | 'row' | 'skip' | 'hold' = 'boundary';
  private left = 0; // payload bytes of the current message still to come
  private messageOut = 0; // bytes the current row message adds to the part
  private sawFirstData = false;
  // 'hold': the first binary message (header + first row) or a 2-byte binary message (trailer or zero-column row)
  private hold = Buffer.alloc(0);
  private held = 0;
  private need = 0;
  private skipHeader = 0; // header bytes at the start of the held payload
  private payloadLength = 0;
  // current chunk
  private runStart = -1;
  // part state
  private partNo = 0;
  private partOffset = 0;
  private partRows = 0;
  private index: RowIndexEntry[] = [];
  private entryStart = 0;
  private entryRows = 0;

  constructor(private readonly text: string, private readonly options: CopyOutOptions) {
    super({ objectMode: true, highWaterMark: 64 });
    const limit = options.partBytes ?? Infinity;
    this.partLimit = typeof limit === 'function' ? limit : () => limit;
    this.partBytes = this.partLimit(0);
  }

  /** Called by node-postgres when the query is dispatched. */
  submit(connection: PgConnectionLike): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data');
    this.pgHandler = listeners[listeners.length - 1];
    stream.removeListener('data', this.pgHandler!);
    stream.pause();
    connection.query(this.text);
    stream.on('readable', this.onReadable);
    this.forward();
  }

  override _read(): void {
    this.drained = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.drained || !this.connection || this.finished) return;
    this.forwarding = true;
    let chunk: Buffer | null;
    while (this.drained && !this.finished && (chunk = this.connection.stream.read()) !== null) this.parse(chunk);
    this.forwarding = false;
  }

  private out(item: CopyOutItem): void {
    this.drained = this.push(item);
  }

  /** Passes chunk[runStart, end) through, if a run is open. */
  private endRun(chunk: Buffer, end: number): void {
    if (this.runStart >= 0 && end > this.runStart) this.out(chunk.subarray(this.runStart, end));
    this.runStart = -1;
  }

  private parse(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    this.runStart = this.mode === 'row' ? 0 : -1;
    while (i < n) {
      if (this.mode === 'boundary') {
        // Whole rows inside this chunk, the common case: one header read and no mode change per row.
        if (this.sawFirstData && this.header.have === 0) {
          const binary = this.options.binary;
          while (i + 5 <= n && chunk[i] === COPY_DATA) {
            const length = chunk.readUInt32BE(i + 1) - 4;
            if (i + 5 + length > n || (binary && length === 2)) break;
            if (this.runStart < 0) this.runStart = i;
            i += 5 + length;
            this.messageOut = 5 + length;
            this.rowDone(chunk, i);
          }
          if (i >= n) break;
        }
        const msgStart = i;
        let code: number;
        let length: number;
        let split = false;
        if (this.header.have === 0 && i + 5 <= n) {
          code = chunk[i]!;
          if (code === ERROR_RESPONSE) {
            this.endRun(chunk, i);
            return this.detach(chunk.subarray(i));
          }
          length = chunk.readUInt32BE(i + 1) - 4;
          i += 5;
        } else {
          if (this.header.have === 0 && chunk[i] === ERROR_RESPONSE) {
            this.endRun(chunk, i);
            return this.detach(chunk.subarray(i));
          }
          this.endRun(chunk, i);
          i = this.header.fill(chunk, i);
          if (!this.header.complete) break;
          this.header.have = 0;
          split = true;
          code = this.header.bytes[0]!;
          length = this.header.bytes.readUInt32BE(1) - 4;
        }
        if (code === COPY_DATA) {
          const first = !this.sawFirstData;
          this.sawFirstData = true;
          if (this.options.binary && (first || length === 2)) {
            // Held until its start is known: the header is cut off the first row; a 2-byte
            // message is the trailer (-1) or a row of a table without columns.
            if (!split) this.endRun(chunk, msgStart);
            this.mode = 'hold';
            this.payloadLength = length;
            this.left = length;
            this.held = 0;
            this.skipHeader = first ? -1 : 0;
            this.need = Math.min(length, first ? BINARY_HEADER_FIXED : 2);
            if (this.hold.length < this.need) this.hold = Buffer.alloc(Math.max(64, this.need));
            if (this.left === 0) this.resolveHold(chunk, i);
            continue;
          }
          if (split) {
            this.out(Buffer.from(this.header.bytes));
            this.runStart = i;
          } else if (this.runStart < 0) {
            this.runStart = msgStart;
          }
          this.mode = 'row';
          this.messageOut = 5 + length;
          this.left = length;
          if (this.left === 0) this.rowDone(chunk, i);
          continue;
        }
        if (!split) this.endRun(chunk, msgStart);
        if (code === COPY_DONE) return this.detach(chunk.subarray(i));
        if (code === COPY_OUT_RESPONSE || code === NOTICE_RESPONSE || code === PARAMETER_STATUS || code === NOTIFICATION_RESPONSE) {
          this.mode = 'skip';
          this.left = length;
          if (this.left === 0) this.mode = 'boundary';
          continue;
        }
        // Anything else ends copy-out mode: let node-postgres read it from here.
        const header = Buffer.alloc(5);
        header[0] = code;
        header.writeUInt32BE(length + 4, 1);
        return this.detach(Buffer.concat([header, chunk.subarray(i)]));
      }
      if (this.mode === 'row') {
        const take = Math.min(this.left, n - i);
        i += take;
        this.left -= take;
        if (this.left === 0) this.rowDone(chunk, i);
        continue;
      }
      if (this.mode === 'skip') {
        const take = Math.min(this.left, n - i);
        i += take;
        this.left -= take;
        if (this.left === 0) this.mode = 'boundary';
        continue;
      }
      // hold
      const take = Math.min(this.need - this.held, n - i);
      chunk.copy(this.hold, this.held, i, i + take);
      this.held += take;
      this.left -= take;
      i += take;
      if (this.held === this.need) i = this.resolveHold(chunk, i);
    }
    this.endRun(chunk, n);
  }

  /** The held start of a message is complete (so far as needed): decide what it is. Returns i. */
  private resolveHold(chunk: Buffer, i: number): number {
    if (this.skipHeader < 0) {
      // The first message of a binary COPY: signature, flags, extension length, extension, then a row or the trailer.
      const ext = this.held >= BINARY_HEADER_FIXED ? this.hold.readUInt32BE(15) : 0;
      this.skipHeader = BINARY_HEADER_FIXED + ext;
      const need = Math.min(this.payloadLength, this.skipHeader + 2);
      if (need > this.held) {
        if (need > this.hold.length) {
          const bigger = Buffer.alloc(need);
          this.hold.copy(bigger, 0, 0, this.held);
          this.hold = bigger;
        }
        this.need = need;
        return i;
      }
    }
    const rowLength = this.payloadLength - this.skipHeader;
    const start = this.hold.subarray(this.skipHeader, this.held);
    if (rowLength <= 0 || (rowLength === 2 && start[0] === 0xff && start[1] === 0xff)) {
      // The trailer (or an empty first message): not a row.
      this.mode = this.left > 0 ? 'skip' : 'boundary';
      return i;
    }
    const head = Buffer.allocUnsafe(5 + start.length);
    head[0] = COPY_DATA_TYPE;
    head.writeUInt32BE(rowLength + 4, 1);
    start.copy(head, 5);
    this.out(head);
    this.messageOut = 5 + rowLength;
    this.mode = 'row';
    if (this.left === 0) this.rowDone(chunk, i);
    else this.runStart = i;
    return i;
  }

  /** A row message ended at chunk[i]. */
  private rowDone(chunk: Buffer, i: number): void {
    this.mode = 'boundary';
    this.rows++;
    this.partRows++;
    this.partOffset += this.messageOut;
    this.entryRows++;
    if (this.entryRows === this.options.rowIndexStep) {
      this.index.push([this.entryStart, this.partOffset, this.entryRows]);
      this.entryStart = this.partOffset;
      this.entryRows = 0;
    }
    if (this.partOffset >= this.partBytes) {
      this.endRun(chunk, i);
      this.endPart(false);
    }
  }

  /** Closes the current part (the last one only when it has rows or is the only one, so every COPY yields at least one). */
  private endPart(last: boolean): void {
    if (!last || this.partRows > 0 || this.partNo === 0) {
      if (this.entryRows > 0) this.index.push([this.entryStart, this.partOffset, this.entryRows]);
      this.out({ partEnd: { partNo: this.partNo, rows: this.partRows, bytes: this.partOffset, rowIndex: this.index } });
      this.partNo++;
      this.partBytes = this.partLimit(this.partNo);
    }
    this.partOffset = 0;
    this.partRows = 0;
    this.index = [];
    this.entryStart = 0;
    this.entryRows = 0;
  }

  /** Gives the socket back to node-postgres (CommandComplete, ReadyForQuery or an error follow). */
  private detach(rest: Buffer): void {
    if (this.finished) return;
    this.finished = true;
    const stream = this.connection!.stream;
    stream.removeListener('readable', this.onReadable);
    stream.on('data', this.pgHandler!);
    if (rest.length) this.pgHandler!(rest);
    process.nextTick(() => stream.resume());
  }

  /**
   * Destroyed before the COPY ended (its reader gave up: a file write failed, say): nobody will
   * read the rest, so the connection is cut. Otherwise every later query on it (COMMIT, end) would
   * wait behind this COPY forever.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.connection && !this.finished) {
      this.finished = true;
      this.connection.stream.destroy();
    }
    callback(error);
  }

  /** node-postgres: the query failed. */
  handleError(err: Error): void {
    this.destroy(err);
  }

  /** node-postgres: `COPY n`. */
  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
    this.endPart(true);
    this.push(null);
  }

  /** node-postgres: the connection is free again. */
  handleReadyForQuery(): void {}
}

