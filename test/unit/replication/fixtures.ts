/** Builds pgoutput and replication-envelope bytes by hand, following the protocol documentation. */
export class Bytes {
  private readonly parts: Buffer[] = [];

  byte(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  char(c: string): this {
    return this.byte(c.charCodeAt(0));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  i64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    this.parts.push(b);
    return this;
  }
  cstring(s: string): this {
    this.parts.push(Buffer.from(s, 'utf8'), Buffer.from([0]));
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  /** TupleData from values: null → 'n', 'u' marker → 'u', string → 't', Buffer → 'b'. */
  tuple(values: Array<string | null | Buffer | { unchanged: true }>): this {
    this.u16(values.length);
    for (const v of values) {
      if (v === null) this.char('n');
      else if (Buffer.isBuffer(v)) this.char('b').u32(v.length).raw(v);
      else if (typeof v === 'object') this.char('u');
      else {
        const b = Buffer.from(v, 'utf8');
        this.char('t').u32(b.length).raw(b);
      }
    }
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** µs between 1970-01-01 and 2000-01-01. */
export const EPOCH_2000 = 946_684_800_000_000n;

/** Wraps a payload into an XLogData ('w') CopyData payload. */
export function xlogData(walStart: bigint, walEnd: bigint, payload: Buffer): Buffer {
  return new Bytes().char('w').u64(walStart).u64(walEnd).i64(0n).raw(payload).build();
}

/** A frontend/backend protocol message: type byte, Int32 length (including itself), body. */
export function protocolMessage(type: string, body: Buffer): Buffer {
  return new Bytes().char(type).u32(body.length + 4).raw(body).build();
}
