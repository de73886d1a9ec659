import { Readable } from 'node:stream';

const ERROR_RESPONSE = 0x45;
const COPY_DATA = 0x64;
const COPY_DONE = 0x63;
const COPY_OUT_RESPONSE = 0x48;
const NOTICE_RESPONSE = 0x4e;
const PARAMETER_STATUS = 0x53;
const NOTIFICATION_RESPONSE = 0x41;

/** Bytes handed downstream at a time; payloads are copied into blocks of this size. */
const BLOCK_BYTES = 1 << 20;

/** A row boundary entry: [startOffset, endOffset (exclusive), rows] of `rowIndexStep` rows. */
export type RowIndexEntry = [number, number, number];

type DataHandler = (chunk: Buffer) => void;

interface PgSocket {
  read(): Buffer | null;
  pause(): void;
  resume(): void;
  listeners(event: 'data'): DataHandler[];
  on(event: string, fn: (...a: never[]) => void): void;
  removeListener(event: string, fn: (...a: never[]) => void): void;
}

interface PgConnectionLike {
  stream: PgSocket;
  query(text: string): void;
}

/**
 * `COPY … TO STDOUT` as a stream, submitted to a node-postgres client (`client.query(stream)`).
 *
 * Why not pg-copy-streams' copy-to: PostgreSQL sends one CopyData message per row, and handling
 * each one as its own Buffer costs more CPU than the server spends producing it. This parser copies
 * payloads straight into 1 MiB blocks, and because every message is one row (the binary header
 * comes with the first row, the trailer alone), it records the row boundaries for the importer's
 * batches without looking inside any value.
 */
export class CopyOutStream extends Readable {
  /** Rows the server reported in CommandComplete. */
  rowCount = 0;
  private readonly index: RowIndexEntry[] = [];
  private connection?: PgConnectionLike;
  private pgHandler?: DataHandler;
  private readonly onReadable = () => this.forward();
  private drained = false;
  private forwarding = false;
  private finished = false;
  // message parsing state
  private header = Buffer.alloc(5);
  private headerHave = 0;
  private code = 0;
  private left = 0; // payload bytes of the current message still to come
  private messageBytes = 0; // payload bytes of the current CopyData message so far
  private firstBytes: Buffer[] = []; // the first message's start, for the binary header length
  private lead = [0, 0]; // the current message's first two bytes (the binary trailer is 0xFFFF)
  // output state
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private blockUsed = 0;
  private offset = 0; // bytes of COPY data produced so far
  private rows = 0;
  private entryStart = -1;
  private entryRows = 0;
  private dataMessages = 0;

  constructor(private readonly text: string, private readonly options: { binary: boolean; rowIndexStep: number }) {
    super({ highWaterMark: 4 * BLOCK_BYTES });
  }

  /** Row boundaries every `rowIndexStep` rows (the last entry may hold fewer); valid after 'end'. */
  get rowIndex(): RowIndexEntry[] {
    return this.index;
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

  private parse(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.left === 0 && this.headerHave < 5) {
        if (this.headerHave === 0 && chunk[i] === ERROR_RESPONSE) return this.detach(chunk.subarray(i));
        if (this.headerHave === 0 && i + 5 <= n) {
          // The common case: the whole header is in this chunk; no copy.
          this.code = chunk[i]!;
          this.left = chunk.readUInt32BE(i + 1) - 4;
          i += 5;
        } else {
          const take = Math.min(5 - this.headerHave, n - i);
          chunk.copy(this.header, this.headerHave, i, i + take);
          this.headerHave += take;
          i += take;
          if (this.headerHave < 5) break;
          this.code = this.header[0]!;
          this.left = this.header.readUInt32BE(1) - 4;
        }
        this.headerHave = 5;
        this.messageBytes = 0;
        if (this.code === COPY_DONE) {
          this.flushBlock();
          return this.detach(chunk.subarray(i));
        }
        if (this.code !== COPY_DATA && this.code !== COPY_OUT_RESPONSE && this.code !== NOTICE_RESPONSE
          && this.code !== PARAMETER_STATUS && this.code !== NOTIFICATION_RESPONSE) {
          // Anything else ends copy-out mode: let node-postgres read it from here.
          this.flushBlock();
          const header = Buffer.alloc(5);
          header[0] = this.code;
          header.writeUInt32BE(this.left + 4, 1);
          return this.detach(Buffer.concat([header, chunk.subarray(i)]));
        }
        if (this.left === 0) this.messageDone();
        continue;
      }
      const take = Math.min(this.left, n - i);
      if (this.code === COPY_DATA) this.append(chunk, i, i + take);
      i += take;
      this.left -= take;
      if (this.left === 0) this.messageDone();
    }
  }

  private append(src: Buffer, from: number, to: number): void {
    for (let k = 0; this.messageBytes + k < 2 && from + k < to; k++) this.lead[this.messageBytes + k] = src[from + k]!;
    if (this.dataMessages === 0 && this.options.binary && this.messageBytes < 64) this.firstBytes.push(Buffer.from(src.subarray(from, Math.min(to, from + 64))));
    this.messageBytes += to - from;
    this.offset += to - from;
    if (to - from <= BLOCK_BYTES - this.blockUsed) {
      this.blockUsed += src.copy(this.block, this.blockUsed, from, to);
      if (this.blockUsed === BLOCK_BYTES) this.flushBlock();
      return;
    }
    while (from < to) {
      const take = Math.min(BLOCK_BYTES - this.blockUsed, to - from);
      src.copy(this.block, this.blockUsed, from, from + take);
      this.blockUsed += take;
      from += take;
      if (this.blockUsed === BLOCK_BYTES) this.flushBlock();
    }
  }

  private messageDone(): void {
    this.headerHave = 0;
    if (this.code !== COPY_DATA) return;
    const first = this.dataMessages === 0;
    this.dataMessages++;
    if (this.options.binary && this.messageBytes === 2 && this.lead[0] === 0xff && this.lead[1] === 0xff) return; // the trailer
    if (first) {
      // The binary header (signature, flags, extension) arrives together with the first row, or
      // with the trailer when there are no rows.
      const start = Buffer.concat(this.firstBytes);
      this.entryStart = this.options.binary ? binaryHeaderLength(start) : 0;
      if (this.options.binary && this.messageBytes === this.entryStart + 2 && start.length >= this.entryStart + 2 && start.readInt16BE(this.entryStart) === -1) return;
    }
    this.rows++;
    this.entryRows++;
    if (this.entryRows === this.options.rowIndexStep) {
      this.index.push([this.entryStart, this.offset, this.entryRows]);
      this.entryStart = this.offset;
      this.entryRows = 0;
    }
  }

  private flushBlock(): void {
    if (this.blockUsed === 0) return;
    const out = this.block.subarray(0, this.blockUsed);
    this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    this.blockUsed = 0;
    this.drained = this.push(out);
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

  /** node-postgres: the query failed. */
  handleError(err: Error): void {
    this.destroy(err);
  }

  /** node-postgres: `COPY n`. */
  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
    if (this.entryRows > 0) this.index.push([this.entryStart, this.offset - (this.options.binary && this.dataMessages > this.rows ? 2 : 0), this.entryRows]);
    this.entryRows = 0;
    this.push(null);
  }

  /** node-postgres: the connection is free again. */
  handleReadyForQuery(): void {}
}

/** 11-byte signature + flags + extension length + extension. */
function binaryHeaderLength(start: Buffer): number {
  return start.length >= 19 ? 19 + start.readUInt32BE(15) : 19;
}
