/**
 * A streaming text-protocol query whose rows are handed out as the bytes the server sent: the
 * snapshot reader turns them into COPY rows without building a JavaScript value per field (which
 * is where mysql2's own row parser spends its time). The only file of the snapshot that knows
 * mysql2's internals: it queues a small command object on the connection (the
 * `execute(packet, connection)` contract mysql2's commands follow), as the binlog dump does.
 * mysql2 still does the login, TLS, packet framing and joining of rows larger than 16 MB.
 *
 * Protocol (COM_QUERY, text resultset, without CLIENT_DEPRECATE_EOF, which mysql2 does not ask
 * for): column count, one definition packet per column, EOF, one packet per row (each field a
 * length-encoded string, or 0xFB for NULL), EOF; or an ERR packet at any point.
 */
import type { Connection as PromiseConnection } from 'mysql2/promise';

/** The part of mysql2's core connection this file uses. */
interface CoreConnection {
  writePacket(packet: { length(): number; writeHeader(sequenceId: number): void; buffer: Buffer }): void;
  addCommand(cmd: unknown): unknown;
  pause(): void;
  resume(): void;
  _resetSequenceId(): void;
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

/** Receives each row's payload bytes: `buf[start, end)`, valid only during the call. */
export type RawRowHandler = (buf: Buffer, start: number, end: number) => void;

/** A running query. */
export interface RawRowQuery {
  /** Resolves with the number of rows once the server has sent its final EOF; rejects with its error. */
  readonly done: Promise<number>;
  /** Stops reading the socket (rows already received may still arrive). */
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

/** An EOF packet (0xFE and shorter than 9 bytes; a row can start with 0xFE only if it is longer). */
function isEof(packet: CorePacket): boolean {
  return packet.buffer[packet.offset] === 0xfe && packet.end - packet.offset < 9;
}

/**
 * Sends `sql` (a SELECT) on `connection` and calls `onRow` for each row as it arrives. The
 * connection must be idle; it is usable again once `done` settles.
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
  let state: 'start' | 'header' | 'fields' | 'fieldsEof' | 'rows' | 'done' = 'start';
  let fieldsLeft = 0;
  let rows = 0;
  let paused = false;
  const fail = (e: unknown): true => {
    if (state !== 'done') {
      state = 'done';
      if (paused) core.resume();
      reject(e);
    }
    return true;
  };
  const command = {
    // mysql2 calls this with no packet when the command's turn comes, then with each packet; true ends the command.
    execute(packet: CorePacket | undefined, conn: CoreConnection): boolean {
      if (state === 'start') {
        state = 'header';
        conn._resetSequenceId();
        conn.writePacket(queryPacket(sql));
        return false;
      }
      if (!packet) return false;
      if (packet.isError()) return fail(packet.asError(conn.clientEncoding));
      try {
        switch (state) {
          case 'header': {
            const [count] = readLengthEncoded(packet.buffer, packet.offset);
            if (packet.buffer[packet.offset] === 0x00 || count === 0) return fail(new Error('internal: the snapshot query returned no result set'));
            fieldsLeft = count;
            state = 'fields';
            return false;
          }
          case 'fields':
            if (--fieldsLeft === 0) state = 'fieldsEof';
            return false;
          case 'fieldsEof':
            if (!isEof(packet)) return fail(new Error('internal: expected EOF after the column definitions'));
            state = 'rows';
            return false;
          case 'rows':
            if (isEof(packet)) {
              state = 'done';
              resolve(rows);
              return true;
            }
            rows++;
            onRow(packet.buffer, packet.offset, packet.end);
            return false;
          default:
            return true;
        }
      } catch (e) {
        // A failed row (a value the target cannot take): the rest of the result must still be
        // read off the connection, so the handler is cut and the connection destroyed by the caller.
        return fail(e);
      }
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
    pause() {
      if (!paused && state !== 'done') {
        paused = true;
        core.pause();
      }
    },
    resume() {
      if (paused) {
        paused = false;
        core.resume();
      }
    },
  };
}
