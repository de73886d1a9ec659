/**
 * A pure decoder for `pgoutput` messages: the bytes of one XLogData payload in, one typed message
 * out. No I/O and no state, so it is tested with byte fixtures. Tuple values are kept as the text the
 * server sent; parsing them is the consumer's business (and a migration must not round them).
 */
import {
  PG_EPOCH_OFFSET_MICROS,
  UNCHANGED_TOAST,
} from './pgoutput-messages.js';
import type {
  PgoutputMessage,
  RelationColumn,
  ReplicaIdentity,
  Tuple,
  TupleValue,
} from './pgoutput-messages.js';

/** Options for {@link decodePgoutputMessage}. */
export interface DecodeOptions {
  /**
   * True between a Stream Start and Stream Stop (protocol version 2+), where data messages carry a
   * leading xid. Default false: protocol version 1 never streams.
   */
  readonly inStreamBlock?: boolean;
}

/** Thrown for bytes that are not a well-formed pgoutput message; carries no row data. */
export class PgoutputDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgoutputDecodeError';
  }
}

/**
 * Decodes one pgoutput message.
 * @example decodePgoutputMessage(xlogData.payload) // { tag: 'begin', finalLsn: 0x1A2B3Cn, … }
 */
export function decodePgoutputMessage(buf: Buffer, options: DecodeOptions = {}): PgoutputMessage {
  const r = new Reader(buf);
  const tag = r.byte();
  const streamed = options.inStreamBlock === true;
  let msg: PgoutputMessage;
  switch (tag) {
    case 0x42 /* B */:
      msg = { tag: 'begin', finalLsn: r.u64(), commitTime: r.time(), xid: r.u32() };
      break;
    case 0x43 /* C */:
      msg = { tag: 'commit', flags: r.byte(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.time() };
      break;
    case 0x4f /* O */:
      msg = { tag: 'origin', originLsn: r.u64(), originName: r.cstring() };
      break;
    case 0x52 /* R */: {
      const xid = streamed ? r.u32() : undefined;
      const relationId = r.u32();
      const schema = r.cstring();
      const name = r.cstring();
      const replicaIdentity = String.fromCharCode(r.byte()) as ReplicaIdentity;
      const n = r.u16();
      const columns: RelationColumn[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const flags = r.byte();
        columns[i] = { isKey: (flags & 1) === 1, name: r.cstring(), typeOid: r.u32(), typeMod: r.i32() };
      }
      msg = withXid({ tag: 'relation', relationId, schema, name, replicaIdentity, columns }, xid);
      break;
    }
    case 0x59 /* Y */: {
      const xid = streamed ? r.u32() : undefined;
      msg = withXid({ tag: 'type', typeOid: r.u32(), schema: r.cstring(), name: r.cstring() }, xid);
      break;
    }
    case 0x49 /* I */: {
      const xid = streamed ? r.u32() : undefined;
      const relationId = r.u32();
      r.expect(0x4e /* N */, 'Insert');
      msg = withXid({ tag: 'insert', relationId, newTuple: r.tuple() }, xid);
      break;
    }
    case 0x55 /* U */: {
      const xid = streamed ? r.u32() : undefined;
      const relationId = r.u32();
      let kind = r.byte();
      let oldKind: 'K' | 'O' | undefined;
      let oldTuple: Tuple | undefined;
      if (kind === 0x4b /* K */ || kind === 0x4f /* O */) {
        oldKind = kind === 0x4b ? 'K' : 'O';
        oldTuple = r.tuple();
        kind = r.byte();
      }
      if (kind !== 0x4e) throw new PgoutputDecodeError(`Update: expected 'N', got byte ${kind}`);
      const newTuple = r.tuple();
      msg = withXid(
        oldKind ? { tag: 'update', relationId, oldKind, oldTuple, newTuple } : { tag: 'update', relationId, newTuple },
        xid,
      );
      break;
    }
    case 0x44 /* D */: {
      const xid = streamed ? r.u32() : undefined;
      const relationId = r.u32();
      const kind = r.byte();
      if (kind !== 0x4b && kind !== 0x4f) throw new PgoutputDecodeError(`Delete: expected 'K' or 'O', got byte ${kind}`);
      msg = withXid({ tag: 'delete', relationId, oldKind: kind === 0x4b ? 'K' : 'O', oldTuple: r.tuple() }, xid);
      break;
    }
    case 0x54 /* T */: {
      const xid = streamed ? r.u32() : undefined;
      const n = r.u32();
      const opts = r.byte();
      const relationIds: number[] = new Array(n);
      for (let i = 0; i < n; i++) relationIds[i] = r.u32();
      msg = withXid({ tag: 'truncate', cascade: (opts & 1) !== 0, restartIdentity: (opts & 2) !== 0, relationIds }, xid);
      break;
    }
    case 0x4d /* M */: {
      const xid = streamed ? r.u32() : undefined;
      const flags = r.byte();
      const messageLsn = r.u64();
      const prefix = r.cstring();
      const len = r.u32();
      msg = withXid({ tag: 'message', transactional: (flags & 1) === 1, messageLsn, prefix, content: r.bytes(len) }, xid);
      break;
    }
    case 0x53 /* S */:
      msg = { tag: 'streamStart', xid: r.u32(), firstSegment: r.byte() === 1 };
      break;
    case 0x45 /* E */:
      msg = { tag: 'streamStop' };
      break;
    case 0x63 /* c */:
      msg = { tag: 'streamCommit', xid: r.u32(), flags: r.byte(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.time() };
      break;
    case 0x41 /* A */:
      // Protocol version 4 appends the abort LSN and time; reading only the common prefix keeps 2–4 working.
      msg = { tag: 'streamAbort', xid: r.u32(), subXid: r.u32() };
      return msg;
    default:
      throw new PgoutputDecodeError(`unknown pgoutput message type ${tag} ('${String.fromCharCode(tag)}')`);
  }
  if (r.offset !== buf.length) {
    throw new PgoutputDecodeError(`${msg.tag}: ${buf.length - r.offset} unexpected trailing bytes`);
  }
  return msg;
}

function withXid<T extends object>(msg: T, xid: number | undefined): T {
  return xid === undefined ? msg : { ...msg, xid };
}

/** Sequential big-endian reader with bounds checks that name the field, never the data. */
class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new PgoutputDecodeError(`message truncated: need ${n} bytes at offset ${this.offset} of ${this.buf.length}`);
    }
  }

  byte(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  expect(b: number, what: string): void {
    const got = this.byte();
    if (got !== b) throw new PgoutputDecodeError(`${what}: expected '${String.fromCharCode(b)}', got byte ${got}`);
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** A server timestamp (µs since 2000-01-01) as µs since the Unix epoch. */
  time(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v + PG_EPOCH_OFFSET_MICROS;
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new PgoutputDecodeError(`unterminated string at offset ${this.offset}`);
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    // A copy, so a kept value does not pin the socket chunk it arrived in.
    const b = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return b;
  }

  tuple(): Tuple {
    const n = this.u16();
    const values: TupleValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const kind = this.byte();
      switch (kind) {
        case 0x6e /* n */:
          values[i] = null;
          break;
        case 0x75 /* u */:
          values[i] = UNCHANGED_TOAST;
          break;
        case 0x74 /* t */: {
          const len = this.u32();
          this.need(len);
          values[i] = this.buf.toString('utf8', this.offset, this.offset + len);
          this.offset += len;
          break;
        }
        case 0x62 /* b */:
          values[i] = this.bytes(this.u32());
          break;
        default:
          throw new PgoutputDecodeError(`unknown tuple column kind ${kind} at column ${i}`);
      }
    }
    return values;
  }
}
