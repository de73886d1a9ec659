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

/**
 * Splits a COPY file into batches of `batchSize` rows without interpreting any value. Text format:
 * every row ends with a newline byte (newlines inside values are escaped). Binary format: walks the
 * tuple and field length words. Boundaries depend only on the file and the batch size, so a
 * restarted import finds the same batches.
 */
export class CopyBatchPlanner {
  private readonly batches: PlannedBatch[] = [];
  private rowsInBatch = 0;
  private batchStart = 0;
  private offset = 0; // absolute offset of the next byte to look at
  // binary state
  private phase: 'header' | 'tuple' | 'field' | 'skip' | 'done' = 'header';
  private pending = Buffer.alloc(0);
  private fieldsLeft = 0;
  private skipLeft = 0;
  private headerNeed = 19;
  private inHeaderExtension = false;
  private lastRowEnd = 0; // text: where the last complete row ended

  constructor(private readonly format: 'binary' | 'text', private readonly batchSize: number) {
    if (format === 'text') this.phase = 'tuple';
  }

  push(chunk: Buffer): void {
    if (this.format === 'text') this.pushText(chunk);
    else this.pushBinary(chunk);
  }

  /** Ends the scan; throws if the file ends inside a row (a truncated export). */
  finish(): PlannedBatch[] {
    if (this.format === 'text') {
      if (this.offset !== this.lastRowEnd) throw new Error('COPY text file does not end with a newline (truncated row)');
    } else if (this.phase !== 'done' && !(this.phase === 'header' && this.offset === 0)) {
      throw new Error('binary COPY file is truncated (no trailer)');
    }
    this.closeBatch(this.format === 'text' ? this.offset : this.offset - (this.phase === 'done' ? 2 : 0));
    return this.batches;
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

  private pushText(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl === -1) break;
      this.lastRowEnd = this.offset + nl + 1;
      this.rowEnded(this.lastRowEnd);
      from = nl + 1;
    }
    this.offset += chunk.length;
  }

  private pushBinary(chunk: Buffer): void {
    const len = chunk.length;
    let i = 0;
    // Collects n header bytes that may straddle chunks (the slow path, at most once per chunk edge).
    const take = (n: number): Buffer | undefined => {
      const need = n - this.pending.length;
      if (len - i < need) {
        this.pending = Buffer.concat([this.pending, chunk.subarray(i)]);
        i = len;
        return undefined;
      }
      const out = Buffer.concat([this.pending, chunk.subarray(i, i + need)]);
      i += need;
      this.pending = Buffer.alloc(0);
      return out;
    };
    while (i < len) {
      const phase = this.phase;
      if (phase === 'skip') {
        const n = Math.min(this.skipLeft, len - i);
        i += n;
        this.skipLeft -= n;
        if (this.skipLeft === 0) this.fieldDone(i);
      } else if (phase === 'field') {
        let l: number;
        if (this.pending.length === 0 && i + 4 <= len) {
          l = chunk.readInt32BE(i);
          i += 4;
        } else {
          const h = take(4);
          if (!h) break;
          l = h.readInt32BE(0);
        }
        if (l > 0) {
          if (i + l <= len) {
            i += l;
            this.fieldDone(i);
          } else {
            this.skipLeft = l - (len - i);
            i = len;
            this.phase = 'skip';
          }
        } else this.fieldDone(i);
      } else if (phase === 'tuple') {
        let n: number;
        if (this.pending.length === 0 && i + 2 <= len) {
          n = chunk.readInt16BE(i);
          i += 2;
        } else {
          const h = take(2);
          if (!h) break;
          n = h.readInt16BE(0);
        }
        if (n === -1) this.phase = 'done';
        else if (n === 0) this.rowEnded(this.offset + i);
        else {
          this.fieldsLeft = n;
          this.phase = 'field';
        }
      } else if (phase === 'header') {
        const h = take(this.headerNeed);
        if (!h) break;
        if (!this.inHeaderExtension) {
          if (!h.subarray(0, 11).equals(BINARY_COPY_SIGNATURE)) throw new Error('not a binary COPY file (bad signature)');
          const ext = h.readUInt32BE(15);
          if (ext > 0) {
            this.headerNeed = ext;
            this.inHeaderExtension = true; // an extension of exactly 19 bytes is not a second header
            continue;
          }
        }
        this.phase = 'tuple';
        this.batchStart = this.offset + i;
      } else {
        throw new Error('binary COPY file has data after its trailer');
      }
    }
    this.offset += len;
  }

  private fieldDone(i: number): void {
    this.fieldsLeft--;
    if (this.fieldsLeft === 0) {
      this.phase = 'tuple';
      this.rowEnded(this.offset + i);
    } else this.phase = 'field';
  }
}

/** Plans the batches of one file. */
export async function planCopyBatches(path: string, format: 'binary' | 'text', batchSize: number): Promise<PlannedBatch[]> {
  const planner = new CopyBatchPlanner(format, batchSize);
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
