import { createReadStream } from 'node:fs';

/** A byte range of a COPY data file holding whole rows. */
export interface PlannedBatch {
  readonly batchNo: number;
  readonly startOffset: number;
  /** Exclusive. */
  readonly endOffset: number;
  readonly rows: number;
}

/** PostgreSQL binary COPY signature: "PGCOPY\n\377\r\n\0". */
export const BINARY_COPY_SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
/** Header sent in front of every binary batch: signature, flags 0, header extension length 0. */
export const BINARY_COPY_HEADER = Buffer.concat([BINARY_COPY_SIGNATURE, Buffer.alloc(8)]);
/** File trailer: a field count of -1. */
export const BINARY_COPY_TRAILER = Buffer.from([0xff, 0xff]);

/** Protocol message type of CopyData ('d'). */
export const COPY_DATA_TYPE = 0x64;

/**
 * The layout of a snapshot file: the rows exactly as the server sent them in COPY TO STDOUT, one
 * protocol CopyData message per row ('d', a 4-byte length that counts itself, the row's COPY bytes),
 * without the binary format's header and trailer. Neither side re-frames a row: the exporter writes
 * the socket's bytes through and the importer sends a batch's byte range back as CopyData messages
 * (after a header message of its own in binary format), so each batch is an independent COPY.
 */
export const SNAPSHOT_FILE_LAYOUT = 'copydata-rows-v1';

/** A protocol message header (type byte, 4-byte length) that may straddle two chunks. */
export class SplitMessageHeader {
  readonly bytes = Buffer.alloc(5);
  /** Header bytes collected so far (0 between messages). */
  have = 0;

  /** Copies what `chunk` holds of the header from `i`; returns the new `i`. */
  fill(chunk: Buffer, i: number): number {
    const take = Math.min(5 - this.have, chunk.length - i);
    chunk.copy(this.bytes, this.have, i, i + take);
    this.have += take;
    return i + take;
  }

  get complete(): boolean {
    return this.have === 5;
  }
}

/** One CopyData message carrying `payload`. */
export function copyDataMessage(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out[0] = COPY_DATA_TYPE;
  out.writeUInt32BE(payload.length + 4, 1);
  payload.copy(out, 5);
  return out;
}

/**
 * Splits a snapshot file (see {@link SNAPSHOT_FILE_LAYOUT}) into batches of `batchSize` rows by
 * walking the message headers; no value is looked at. Boundaries depend only on the file and the
 * batch size, so a restarted import finds the same batches. Anything but whole CopyData messages
 * (another message type, a file that ends inside a message) is an error.
 */
export class CopyBatchPlanner {
  private readonly batches: PlannedBatch[] = [];
  private rowsInBatch = 0;
  private batchStart = 0;
  private offset = 0; // absolute offset of the next byte to look at
  private skip = 0; // bytes of the current message still to pass
  private readonly header = new SplitMessageHeader();

  constructor(private readonly batchSize: number) {
    if (!(batchSize >= 1)) throw new RangeError(`batchSize must be at least 1, got ${batchSize}`);
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        i += take;
        this.skip -= take;
        if (this.skip === 0) this.rowEnded(this.offset + i);
        continue;
      }
      let len: number;
      if (this.header.have === 0 && i + 5 <= n) {
        if (chunk[i] !== COPY_DATA_TYPE) throw this.bad(this.offset + i, chunk[i]!);
        len = chunk.readUInt32BE(i + 1);
        i += 5;
      } else {
        i = this.header.fill(chunk, i);
        if (!this.header.complete) break;
        this.header.have = 0;
        if (this.header.bytes[0] !== COPY_DATA_TYPE) throw this.bad(this.offset + i - 5, this.header.bytes[0]!);
        len = this.header.bytes.readUInt32BE(1);
      }
      if (len < 4) throw new Error(`snapshot file is damaged: message length ${len} at offset ${this.offset + i - 5}`);
      this.skip = len - 4;
      if (this.skip === 0) this.rowEnded(this.offset + i);
    }
    this.offset += n;
  }

  /** Ends the scan; throws if the file ends inside a message (a truncated file). */
  finish(): PlannedBatch[] {
    if (this.skip > 0 || this.header.have > 0) throw new Error('snapshot file is truncated (it ends inside a row)');
    this.closeBatch(this.offset);
    return this.batches;
  }

  private bad(at: number, type: number): Error {
    return new Error(`snapshot file is damaged: byte 0x${type.toString(16).padStart(2, '0')} at offset ${at} where a row (CopyData message) should start`);
  }

  private closeBatch(end: number): void {
    if (this.rowsInBatch === 0) return;
    this.batches.push({ batchNo: this.batches.length + 1, startOffset: this.batchStart, endOffset: end, rows: this.rowsInBatch });
    this.batchStart = end;
    this.rowsInBatch = 0;
  }

  private rowEnded(end: number): void {
    this.rowsInBatch++;
    if (this.rowsInBatch === this.batchSize) this.closeBatch(end);
  }
}

/** Plans the batches of one snapshot file. */
export async function planCopyBatches(path: string, batchSize: number): Promise<PlannedBatch[]> {
  const planner = new CopyBatchPlanner(batchSize);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) planner.push(chunk as Buffer);
  return planner.finish();
}

/** Rows per entry of the row index the exporter records while writing a file. */
export const ROW_INDEX_STEP = 1000;

/**
 * Joins consecutive row-index entries into batches of about `batchSize` rows (a multiple of the
 * index step, at least one entry), so the importer needs no second pass over the file.
 */
export function mergeIndexedBatches(index: readonly PlannedBatch[], batchSize: number): PlannedBatch[] {
  const out: PlannedBatch[] = [];
  let start = -1;
  let end = 0;
  let rows = 0;
  for (const e of index) {
    if (start < 0) start = e.startOffset;
    end = e.endOffset;
    rows += e.rows;
    if (rows >= batchSize) {
      out.push({ batchNo: out.length + 1, startOffset: start, endOffset: end, rows });
      start = -1;
      rows = 0;
    }
  }
  if (rows > 0) out.push({ batchNo: out.length + 1, startOffset: start, endOffset: end, rows });
  return out;
}
