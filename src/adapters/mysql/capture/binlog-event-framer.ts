/**
 * Cuts a byte stream of back-to-back binlog events (a binlog file after its 4-byte magic, or the
 * payloads of a dump read in arbitrary chunks) into whole events, using each header's event length.
 * An event split across chunks is held until its last byte arrives. No I/O.
 */
import { BinlogDecodeError } from './binlog-reader.js';
import { EVENT_HEADER_LENGTH } from './binlog-event-types.js';

/** The 4 bytes every binlog file starts with. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

export class BinlogEventFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Bytes received but not yet returned as an event. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Adds a chunk; returns the events it completes (each a Buffer holding exactly one event).
   * @example framer.push(chunk).map((e) => decoder.decode(e))
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const out: Buffer[] = [];
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let pos = 0;
    while (buf.length - pos >= EVENT_HEADER_LENGTH) {
      const len = buf.readUInt32LE(pos + 9);
      if (len < EVENT_HEADER_LENGTH) throw new BinlogDecodeError(`event length ${len} at stream offset ${pos} is shorter than a header`);
      if (buf.length - pos < len) break;
      out.push(buf.subarray(pos, pos + len));
      pos += len;
    }
    buf = buf.subarray(pos);
    this.pending = buf.length > 0 ? [buf] : [];
    this.pendingBytes = buf.length;
    return out;
  }
}

/** The events of a whole binlog file (magic checked). */
export function splitBinlogFile(file: Buffer): Buffer[] {
  if (file.length < 4 || !file.subarray(0, 4).equals(BINLOG_MAGIC)) throw new BinlogDecodeError('not a binlog file (bad magic)');
  const framer = new BinlogEventFramer();
  const events = framer.push(file.subarray(4));
  if (framer.buffered > 0) throw new BinlogDecodeError(`binlog file ends inside an event (${framer.buffered} bytes left over)`);
  return events;
}
