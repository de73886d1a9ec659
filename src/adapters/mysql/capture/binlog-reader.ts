/**
 * A cursor over the bytes of one binlog event. Binlog integers are little-endian except where a
 * format says otherwise (the temporal and DECIMAL column formats are big-endian: see
 * `binlog-value-decoders.ts`). No I/O.
 */
export class BinlogReader {
  pos: number;

  /**
   * @param buf the event bytes
   * @param pos where reading starts (default 0)
   * @param end where the readable part ends (default `buf.length`; the checksum footer lies beyond)
   */
  constructor(readonly buf: Buffer, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new BinlogDecodeError(`truncated ${what}: needs ${n} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3, 'u24');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 6-byte little-endian unsigned integer (table ids); exact in a JS number. */
  u48(): number {
    this.need(6, 'u48');
    const v = this.buf.readUIntLE(this.pos, 6);
    this.pos += 6;
    return v;
  }

  u64(): bigint {
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A u64 that must fit in a JS number (positions, counts); throws otherwise. */
  u64Number(): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BinlogDecodeError(`integer ${v} does not fit in a JS number`);
    return Number(v);
  }

  /**
   * A length-encoded ("packed") integer as the binlog writes it (net_store_length): < 251 in one
   * byte, 0xfc + u16, 0xfd + u24, 0xfe + u64. 0xfb (NULL) is not valid here.
   */
  packed(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) return this.u64Number();
    throw new BinlogDecodeError(`invalid length-encoded integer prefix 0x${first.toString(16)} at offset ${this.pos - 1}`);
  }

  /** `n` bytes as a view into the event (no copy). */
  bytes(n: number): Buffer {
    this.need(n, `${n}-byte field`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Everything up to `end`. */
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  skip(n: number): void {
    this.need(n, `${n}-byte skip`);
    this.pos += n;
  }

  /** `n` bytes as UTF-8 text (names and SQL the server writes in its system charset). */
  text(n: number): string {
    return this.bytes(n).toString('utf8');
  }
}

/** Bytes that are not a well-formed binlog event; the message never carries row data. */
export class BinlogDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinlogDecodeError';
  }
}
