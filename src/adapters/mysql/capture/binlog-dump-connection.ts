/**
 * The replica side of the MySQL protocol, over a mysql2 connection: the session variables a replica
 * sets, then COM_BINLOG_DUMP (file + offset, or a MariaDB GTID position through
 * `@slave_connect_state`) or COM_BINLOG_DUMP_GTID (MySQL), and the raw events the server streams
 * back. The only file of the capture that knows mysql2's internals.
 *
 * mysql2 has a `binlogDump` command, but it parses a handful of event types itself and hands out no
 * bytes; this file instead queues a small command object of its own on the connection (the same
 * `execute(packet, connection)` contract mysql2's commands follow), writes the dump request, and
 * passes each event's bytes on unparsed. mysql2 still does the login, TLS and packet framing
 * (including events larger than 16 MB, which arrive in several packets).
 */
import type { Connection as PromiseConnection } from 'mysql2/promise';
import { TandemError } from '../../../core/errors.js';
import type { MysqlGtidSet } from './gtid-state.js';

/** Where the dump starts. */
export type DumpStart =
  | { readonly mode: 'file'; readonly file: string; readonly offset: number }
  /** MariaDB: `@slave_connect_state` (the last GTID of every domain). */
  | { readonly mode: 'mariadb-gtid'; readonly state: string }
  /** MySQL: COM_BINLOG_DUMP_GTID with every GTID already received. */
  | { readonly mode: 'mysql-gtid'; readonly executed: MysqlGtidSet };

/** Options for {@link openBinlogDump}. */
export interface BinlogDumpOptions {
  /** The replica's server id: unique among the source's replicas (the source drops an older dump with the same id). */
  readonly serverId: number;
  readonly flavor: 'mysql' | 'mariadb';
  /** The source's `@@global.binlog_checksum`, announced as what this replica understands. */
  readonly checksum: 'NONE' | 'CRC32';
  readonly start: DumpStart;
  /** Seconds of silence after which the source sends a heartbeat (default 5). */
  readonly heartbeatSeconds?: number;
  /** Ask the source to end the stream at the end of its binlog instead of waiting (BINLOG_DUMP_NON_BLOCK). */
  readonly nonBlocking?: boolean;
  /** Events held before the socket is paused (default 2000; also paused beyond 64 MB of events). */
  readonly highWaterMark?: number;
}

/** A server error during the dump, with the fields the caller classifies by (never the text). */
export class BinlogDumpError extends Error {
  constructor(message: string, readonly errno: number | undefined, readonly code: string | undefined, readonly sqlState?: string) {
    super(message);
    this.name = 'BinlogDumpError';
  }
}

const COM_BINLOG_DUMP = 0x12;
const COM_BINLOG_DUMP_GTID = 0x1e;
const BINLOG_DUMP_NON_BLOCK = 0x01;
const BINLOG_THROUGH_GTID = 0x04;
/** MariaDB's replica capability "understands GTIDs" (MARIA_SLAVE_CAPABILITY_GTID). */
const MARIA_SLAVE_CAPABILITY_GTID = 4;

/**
 * The part of mysql2's core connection this file uses.
 * (On the server, a dump whose client went away lives on until its next write: a heartbeat, or
 * the next event. A new dump with the same server id ends it at once.)
 */
interface CoreConnection {
  writePacket(packet: { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer }): void;
  addCommand(cmd: unknown): unknown;
  pause(): void;
  resume(): void;
  /** Marks the connection as closing and ends our side of the socket (FIN only). */
  close(): void;
  readonly stream?: { destroy(): void };
  _resetSequenceId(): void;
}

/** A packet as mysql2 hands it to a command. */
interface CorePacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
}

/** A raw packet for `writePacket`: 4 header bytes mysql2 fills in, then the payload. */
function rawPacket(payload: Buffer): { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer } {
  const buffer = Buffer.alloc(4 + payload.length);
  payload.copy(buffer, 4);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader(sequenceId: number) {
      buffer.writeUIntLE(payload.length, 0, 3);
      buffer[3] = sequenceId;
    },
  };
}

/** COM_BINLOG_DUMP: command, offset u32, flags u16, server id u32, file name (rest). */
export function binlogDumpPacket(serverId: number, file: string, offset: number, flags: number): Buffer {
  const name = Buffer.from(file, 'utf8');
  const b = Buffer.alloc(11 + name.length);
  b[0] = COM_BINLOG_DUMP;
  b.writeUInt32LE(offset, 1);
  b.writeUInt16LE(flags, 5);
  b.writeUInt32LE(serverId, 7);
  name.copy(b, 11);
  return b;
}

/**
 * COM_BINLOG_DUMP_GTID: command, flags u16, server id u32, file-name length u32, file name,
 * offset u64, GTID-set length u32, GTID set (with BINLOG_THROUGH_GTID).
 */
export function binlogDumpGtidPacket(serverId: number, executed: MysqlGtidSet, flags: number): Buffer {
  const set = executed.encode();
  const b = Buffer.alloc(1 + 2 + 4 + 4 + 0 + 8 + 4 + set.length);
  let p = 0;
  b[p++] = COM_BINLOG_DUMP_GTID;
  p = b.writeUInt16LE(flags | BINLOG_THROUGH_GTID, p);
  p = b.writeUInt32LE(serverId, p);
  p = b.writeUInt32LE(0, p); // no file name
  p = b.writeBigUInt64LE(4n, p);
  p = b.writeUInt32LE(set.length, p);
  set.copy(b, p);
  return b;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * A running dump: the events' bytes, in order, as an async iterable. Ends when `close()` is called
 * or (non-blocking dumps) at the end of the binlog; throws a BinlogDumpError when the server reports
 * one or the connection is lost.
 */
export class BinlogDump implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private done = false;
  private failure: unknown;
  private waiter: (() => void) | undefined;
  /** Paused by backpressure (the consumer is behind). */
  private paused = false;
  /** Paused by {@link holdReading} (the exporter's hold between two appends). */
  private held = false;
  private queuedBytes = 0;
  private closed = false;
  private lastData = Date.now();
  private watchdog: NodeJS.Timeout | undefined;

  private constructor(private readonly core: CoreConnection, private readonly highWater: number, readonly threadId: number | undefined) {}

  /** Events received from the server and not yet handed out: more is already on its way when > 0. */
  get pending(): number {
    return this.queue.length;
  }

  /** Milliseconds since the server last sent anything (an event or a heartbeat). */
  get silentFor(): number {
    return Date.now() - this.lastData;
  }

  /** Called by the command for each packet after the request. */
  private onPacket(packet: CorePacket): boolean {
    const b = packet.buffer;
    const first = b[packet.offset];
    this.lastData = Date.now();
    if (first === 0x00) {
      this.queue.push(b.subarray(packet.offset + 1, packet.end));
      this.queuedBytes += packet.end - packet.offset - 1;
      if (!this.paused && (this.queue.length >= this.highWater || this.queuedBytes >= MAX_QUEUED_BYTES)) {
        this.paused = true;
        this.applyReading();
      }
      this.wake();
      return false;
    }
    if (first === 0xfe && packet.end - packet.offset < 9) {
      this.done = true;
      this.wake();
      return true;
    }
    if (first === 0xff) {
      const errno = b.readUInt16LE(packet.offset + 1);
      let p = packet.offset + 3;
      let sqlState: string | undefined;
      if (b[p] === 0x23 /* # */) {
        sqlState = b.toString('latin1', p + 1, p + 6);
        p += 6;
      }
      this.fail(new BinlogDumpError(b.toString('utf8', p, packet.end), errno, undefined, sqlState));
      return true;
    }
    this.fail(new BinlogDumpError(`unexpected packet 0x${(first ?? 0).toString(16)} in the binlog stream`, undefined, 'PROTOCOL_UNEXPECTED_PACKET'));
    return true;
  }

  private fail(err: unknown): void {
    if (this.done) return;
    this.failure ??= err;
    this.done = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /**
   * Stops reading the connection while `on` (the exporter's hold between two appends): what the
   * server sends meanwhile waits in the connection and is read at once afterwards, instead of waking
   * this process for every transaction. Backpressure keeps its own say: the connection reads again
   * only when neither holds it. Neither counts as silence for the heartbeat watchdog.
   */
  holdReading(on: boolean): void {
    if (this.held === on || this.closed) return;
    this.held = on;
    this.applyReading();
  }

  /** Not reading: backpressure or a hold stops it. */
  private get stopped(): boolean {
    return this.paused || this.held;
  }

  /**
   * The connection reads unless backpressure or a hold stops it; called when either changes. The
   * watchdog's clock of silence restarts when reading does: what the server sent while nothing was
   * read is waiting unread, so a stop (a consumer slow for longer than the watchdog's limit) is not
   * a silent source.
   */
  private applyReading(): void {
    if (this.stopped) {
      this.core.pause();
    } else {
      this.lastData = Date.now();
      this.core.resume();
    }
  }

  /** Ends the dump by closing its connection; the iteration then ends without an error. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.done = true;
    if (this.watchdog) clearInterval(this.watchdog);
    hardClose(this.core);
    this.wake();
  }

  /**
   * Every event already received, as one array per wake-up (in order): the consumer handles a
   * chunk's events in one go instead of awaiting each. Ends like the event iteration.
   */
  async *batches(): AsyncGenerator<Buffer[]> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          const batch = this.queue;
          this.queue = [];
          this.queuedBytes = 0;
          if (this.paused) {
            this.paused = false;
            this.applyReading();
          }
          yield batch;
          continue;
        }
        if (this.closed) return;
        if (this.done) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => { this.waiter = resolve; });
      }
    } finally {
      this.close();
    }
  }

  /** The events one at a time (the same stream as `batches`). */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for await (const batch of this.batches()) yield* batch;
  }


  /**
   * Sets the replica session variables on `connection` and starts the dump on it. The connection
   * then belongs to the dump: closing the dump closes it.
   */
  static async open(connection: PromiseConnection, options: BinlogDumpOptions): Promise<BinlogDump> {
    const heartbeat = options.heartbeatSeconds ?? 5;
    const statements = [
      // The replica declares that it understands the source's checksums; without this a source
      // with binlog_checksum=CRC32 refuses to stream.
      `SET @master_binlog_checksum = ${sqlString(options.checksum)}`,
      `SET @master_heartbeat_period = ${Math.round(heartbeat * 1e9)}`,
    ];
    if (options.flavor === 'mariadb') {
      statements.push(`SET @mariadb_slave_capability = ${MARIA_SLAVE_CAPABILITY_GTID}`);
      if (options.start.mode === 'mariadb-gtid') {
        statements.push(
          `SET @slave_connect_state = ${sqlString(options.start.state)}`,
          'SET @slave_gtid_strict_mode = 0',
          'SET @slave_gtid_ignore_duplicates = 0',
        );
      }
    } else if (options.start.mode === 'mariadb-gtid') {
      throw new TandemError('TANDEM_DATA', 'A MariaDB GTID position cannot start a dump from a MySQL server.', {
        hint: 'The source is no longer the server the migration started from. Start the migration again.',
      });
    }
    for (const s of statements) await connection.query(s);

    const flags = options.nonBlocking ? BINLOG_DUMP_NON_BLOCK : 0;
    let payload: Buffer;
    switch (options.start.mode) {
      case 'file':
        payload = binlogDumpPacket(options.serverId, options.start.file, options.start.offset, flags);
        break;
      case 'mariadb-gtid':
        // With @slave_connect_state set, MariaDB finds the start itself and ignores file and offset.
        payload = binlogDumpPacket(options.serverId, '', 4, flags);
        break;
      case 'mysql-gtid':
        payload = binlogDumpGtidPacket(options.serverId, options.start.executed, flags);
        break;
    }
    const core = (connection as unknown as { connection: CoreConnection }).connection;
    const dump = new BinlogDump(core, options.highWaterMark ?? 2000, connection.threadId ?? undefined);
    let started = false;
    const command = {
      // mysql2 calls this with no packet when the command's turn comes, then with each packet.
      execute(packet: CorePacket | undefined, conn: CoreConnection): boolean {
        if (!started) {
          started = true;
          conn._resetSequenceId();
          conn.writePacket(rawPacket(payload));
          return false;
        }
        if (!packet) return false;
        return dump.onPacket(packet);
      },
      // mysql2 reports a lost connection (or any fatal error) to the running command here.
      onResult(err: unknown): void {
        const e = err as { errno?: number; code?: string; message?: string } | undefined;
        dump.fail(new BinlogDumpError(e?.message ?? 'connection lost', e?.errno, e?.code ?? 'PROTOCOL_CONNECTION_LOST'));
      },
      // mysql2 reads these on commands for its debug output.
      stateName: () => 'binlogDump',
    };
    core.addCommand(command);
    // Heartbeats arrive every `heartbeat` seconds on an idle source: three missed means the link is gone.
    const limit = (heartbeat * 3 + 5) * 1000;
    dump.watchdog = setInterval(() => {
      if (!dump.stopped && dump.silentFor > limit) {
        dump.fail(new BinlogDumpError(`no event or heartbeat from the source for ${Math.round(dump.silentFor / 1000)} s`, undefined, 'HEARTBEAT_TIMEOUT'));
        hardClose(core);
      }
    }, Math.min(limit, 1000));
    dump.watchdog.unref();
    return dump;
  }
}

const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * Closes the connection for good. mysql2's close() only ends our half of the socket; the source
 * never reads during a dump, so it would keep the connection (and its dump thread) alive with
 * heartbeats. Destroying the socket sends a reset it notices at its next write.
 */
function hardClose(core: CoreConnection): void {
  try {
    core.close();
  } catch {
    /* already closing */
  }
  try {
    core.stream?.destroy();
  } catch {
    /* already gone */
  }
}
