/**
 * A streaming text-protocol query whose rows are handed out as the bytes the server sent: the
 * snapshot reader turns them into COPY rows without building a JavaScript value per field, and
 * without a packet object per row. The only file of the snapshot that knows mysql2's internals.
 *
 * It queues a small command object on the connection (the `execute(packet, connection)` contract
 * mysql2's commands follow, as the binlog dump does). When its turn comes (nothing of an earlier
 * command is left on the socket), it takes the socket's `data` events over from mysql2's packet
 * parser, writes COM_QUERY and reads the response itself: the column count, one definition per
 * column, EOF, then one packet per row (each field a length-encoded string, 0xFB for NULL; a row
 * of 16 MB or more comes in several packets and is joined). At the final EOF, or an ERR packet, it
 * gives the socket back to mysql2, handing it that packet (and its sequence id), so the command
 * ends through mysql2 as any other. mysql2 keeps the login, TLS, writes, and the socket's error and
 * close handling. (mysql2 does not ask for CLIENT_DEPRECATE_EOF, so both EOF packets are there.)
 */
import type { Connection as PromiseConnection } from 'mysql2/promise';

type DataHandler = (chunk: Buffer) => void;

interface Socketish {
  listeners(event: 'data'): DataHandler[];
  on(event: 'data', fn: DataHandler): void;
  removeListener(event: 'data', fn: DataHandler): void;
  pause(): void;
  resume(): void;
}

/** The part of mysql2's core connection this file uses. */
interface CoreConnection {
  writePacket(packet: { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer }): void;
  addCommand(cmd: unknown): unknown;
  _resetSequenceId(): void;
  sequenceId: number;
  stream: Socketish;
  clientEncoding?: string;
}

/** A packet as mysql2 hands it to a command: payload bytes are buffer[offset, end). */
interface CorePacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isError(): boolean;
  asError(encoding?: string): Error;
}

const COM_QUERY = 0x03;
const MAX_PACKET = 0xffffff;

/** Receives each row's payload bytes: `buf[start, end)`, valid only during the call. */
export type RawRowHandler = (buf: Buffer, start: number, end: number) => void;

/** A running query. */
export interface RawRowQuery {
  /** Resolves with the number of rows once the server has sent its final EOF; rejects with its error. */
  readonly done: Promise<number>;
  /** Stops reading the socket (the rows of the chunk being read still arrive). */
  pause(): void;
  resume(): void;
}

/** The COM_QUERY packet for mysql2's writer: 4 header bytes it fills in, then the payload. */
function queryPacket(sql: string): { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer } {
  const text = Buffer.from(sql, 'utf8');
  const buffer = Buffer.allocUnsafe(5 + text.length);
  buffer[4] = COM_QUERY;
  text.copy(buffer, 5);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader(sequenceId: number) {
      buffer.writeUIntLE(buffer.length - 4, 0, 3);
      buffer[3] = sequenceId;
    },
  };
}

/** Reads a length-encoded integer at `p`; returns [value, next offset]. */
export function readLengthEncoded(buf: Buffer, p: number): [number, number] {
  const b = buf[p]!;
  if (b < 0xfb) return [b, p + 1];
  if (b === 0xfc) return [buf[p + 1]! | (buf[p + 2]! << 8), p + 3];
  if (b === 0xfd) return [buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16), p + 4];
  if (b === 0xfe) return [Number(buf.readBigUInt64LE(p + 1)), p + 9];
  throw new Error(`internal: 0x${b.toString(16)} is not a length-encoded integer`);
}

/**
 * Sends `sql` (a SELECT) on `connection` and calls `onRow` for each row as it arrives. The
 * connection must not be used for anything else until `done` settles. If `onRow` throws, the query
 * fails with that error and the connection is left mid-result: the caller must destroy it.
 *
 * @example
 * const q = rawRowQuery(connection, 'SELECT `a`, `b` FROM `db`.`t`', (buf, start, end) => encode(buf, start, end));
 * const rows = await q.done;
 */
export function rawRowQuery(connection: PromiseConnection, sql: string, onRow: RawRowHandler): RawRowQuery {
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  let resolve!: (rows: number) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<number>((res, rej) => { resolve = res; reject = rej; });
  let rows = 0;
  let settled = false;
  let reader: ResponseReader | undefined;
  const fail = (e: unknown): void => {
    if (settled) return;
    settled = true;
    reject(e);
  };
  const command = {
    // mysql2 calls this with no packet when the command's turn comes; then only with the packet
    // the reader hands back (the final EOF or an ERR). true ends the command.
    execute(packet: CorePacket | undefined, conn: CoreConnection): boolean {
      if (!reader) {
        reader = new ResponseReader(conn, onRow, (n) => { rows = n; }, fail);
        conn._resetSequenceId();
        conn.writePacket(queryPacket(sql));
        return false;
      }
      if (!packet) return false;
      if (packet.isError()) {
        fail(packet.asError(conn.clientEncoding));
        return true;
      }
      if (!settled) {
        settled = true;
        resolve(rows);
      }
      return true;
    },
    // mysql2 reports a lost connection (or any fatal error) to the running command here.
    onResult(err: unknown): void {
      fail(err ?? new Error('connection lost'));
    },
    stateName: () => 'tandemRawRows',
  };
  core.addCommand(command);
  return {
    done,
    pause: () => reader?.pause(),
    resume: () => reader?.resume(),
  };
}

/** Reads the query's response off the socket until its last packet, which goes back to mysql2. */
class ResponseReader {
  private readonly stream: Socketish;
  private readonly mysqlHandler: DataHandler;
  private readonly onData = (chunk: Buffer) => this.parse(chunk);
  private state: 'header' | 'fields' | 'fieldsEof' | 'rows' = 'header';
  private fieldsLeft = 0;
  private rows = 0;
  private attached = true;
  private paused = false;
  /** A row handler failed: the rest of the result is dropped until the caller destroys the connection. */
  private discarding = false;
  // A packet split across chunks: its header and payload so far.
  private readonly header = Buffer.alloc(4);
  private headerHave = 0;
  private partial: Buffer | undefined;
  private partialHave = 0;
  // A row of 16 MB or more: the payloads of its packets.
  private joined: Buffer[] = [];

  constructor(private readonly conn: CoreConnection, private readonly onRow: RawRowHandler, private readonly count: (rows: number) => void,
    private readonly fail: (e: unknown) => void) {
    this.stream = conn.stream;
    const listeners = this.stream.listeners('data');
    this.mysqlHandler = listeners[listeners.length - 1]!;
    this.stream.removeListener('data', this.mysqlHandler);
    this.stream.on('data', this.onData);
  }

  pause(): void {
    if (this.attached && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.stream.resume();
    }
  }

  /** Gives the socket back to mysql2. */
  private release(): void {
    if (!this.attached) return;
    this.attached = false;
    this.stream.removeListener('data', this.onData);
    this.stream.on('data', this.mysqlHandler);
    if (this.paused) {
      this.paused = false;
      this.stream.resume();
    }
  }

  private parse(chunk: Buffer): void {
    if (this.discarding) return;
    const n = chunk.length;
    let i = 0;
    try {
      while (i < n && this.attached) {
        if (this.partial) {
          // The rest of a packet whose start came in an earlier chunk.
          const take = Math.min(this.partial.length - this.partialHave, n - i);
          chunk.copy(this.partial, this.partialHave, i, i + take);
          this.partialHave += take;
          i += take;
          if (this.partialHave < this.partial.length) return;
          const whole = this.partial;
          this.partial = undefined;
          if (!this.packet(whole, 0, whole.length)) return this.handBack(whole, chunk.subarray(i));
          continue;
        }
        if (this.headerHave > 0 || i + 4 > n) {
          const take = Math.min(4 - this.headerHave, n - i);
          chunk.copy(this.header, this.headerHave, i, i + take);
          this.headerHave += take;
          i += take;
          if (this.headerHave < 4) return;
          this.headerHave = 0;
          const len = this.header.readUIntLE(0, 3);
          this.partial = Buffer.allocUnsafe(4 + len);
          this.header.copy(this.partial, 0);
          this.partialHave = 4;
          if (len === 0) {
            const whole = this.partial;
            this.partial = undefined;
            if (!this.packet(whole, 0, whole.length)) return this.handBack(whole, chunk.subarray(i));
          }
          continue;
        }
        const len = chunk.readUIntLE(i, 3);
        if (i + 4 + len > n) {
          // Starts here, ends in a later chunk.
          this.partial = Buffer.allocUnsafe(4 + len);
          chunk.copy(this.partial, 0, i, n);
          this.partialHave = n - i;
          return;
        }
        const start = i;
        i += 4 + len;
        if (!this.packet(chunk, start, i)) return this.handBack(chunk.subarray(start));
      }
    } catch (e) {
      this.discarding = true;
      this.fail(e);
    }
  }

  /**
   * One whole packet, header included, at buf[start, end). Returns false for the response's last
   * packet (EOF or ERR), which goes back to mysql2.
   */
  private packet(buf: Buffer, start: number, end: number): boolean {
    const s = start + 4;
    const len = end - s;
    const first = buf[s];
    if (this.joined.length > 0 || len === MAX_PACKET) return this.part(buf, s, end, len);
    if (first === 0xff) return false;
    const eof = first === 0xfe && len < 9;
    switch (this.state) {
      case 'header':
        if (first === 0x00 || eof) return false; // no result set: mysql2 reports it
        this.fieldsLeft = readLengthEncoded(buf, s)[0];
        this.state = 'fields';
        return true;
      case 'fields':
        if (--this.fieldsLeft === 0) this.state = 'fieldsEof';
        return true;
      case 'fieldsEof':
        if (!eof) throw new Error('internal: expected EOF after the column definitions');
        this.state = 'rows';
        return true;
      case 'rows':
        if (eof) {
          this.count(this.rows);
          return false;
        }
        this.rows++;
        this.onRow(buf, s, end);
        return true;
    }
  }

  /** A packet of a row that spans several (each full one is 16 MB - 1 bytes; the last is shorter). */
  private part(buf: Buffer, s: number, end: number, len: number): boolean {
    if (this.state !== 'rows') throw new Error('internal: a column definition of 16 MB or more');
    this.joined.push(Buffer.from(buf.subarray(s, end)));
    if (len === MAX_PACKET) return true;
    const row = Buffer.concat(this.joined);
    this.joined = [];
    this.rows++;
    this.onRow(row, 0, row.length);
    return true;
  }

  /** The last packet (and anything after it) goes back to mysql2, with its sequence id. */
  private handBack(packetStart: Buffer, rest?: Buffer): void {
    const bytes = rest && rest.length > 0 ? Buffer.concat([packetStart, rest]) : packetStart;
    this.conn.sequenceId = bytes[3]!;
    this.release();
    this.mysqlHandler(bytes);
  }
}
