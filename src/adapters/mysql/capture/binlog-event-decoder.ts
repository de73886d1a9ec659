/**
 * A decoder for binlog events (format v4, MySQL 5.6+ and MariaDB 10+): the bytes of one event in, a
 * typed event out. No I/O. It keeps the little state the format needs: the checksum algorithm and
 * post-header lengths of the last FORMAT_DESCRIPTION, and the TABLE_MAPs row events refer to.
 * Row images are left encoded (`RowsEvent.rowsData`): `decodeRows` turns them into values, so rows
 * of tables nobody asked for cost nothing.
 */
import { crc32, inflateSync } from 'node:zlib';
import { BinlogDecodeError, BinlogReader } from './binlog-reader.js';
import { ColumnType, isCharacterType, isNumericType, readColumnMeta, stringRealType } from './binlog-column-types.js';
import { EVENT_HEADER_LENGTH, EventType } from './binlog-event-types.js';
import type {
  BinlogColumn,
  BinlogEvent,
  BinlogEventBody,
  ChecksumAlgorithm,
  EventHeader,
  MariaGtid,
  TableMapEvent,
  TableMapOptionalMetadata,
} from './binlog-event-types.js';
import { charsetOfCollation, textDecoderFor } from './binlog-charsets.js';

/** Options for {@link BinlogEventDecoder}. */
export interface BinlogEventDecoderOptions {
  /**
   * The checksum of events that come before the first FORMAT_DESCRIPTION (the fake ROTATE a dump
   * starts with): what the replica asked for with `@master_binlog_checksum`. Default 'NONE'.
   */
  readonly checksum?: ChecksumAlgorithm;
  /** Check every CRC32 footer (default true). */
  readonly verifyChecksums?: boolean;
}

/** Reads the 19-byte v4 header. */
export function decodeEventHeader(buf: Buffer): EventHeader {
  if (buf.length < EVENT_HEADER_LENGTH) throw new BinlogDecodeError(`an event is at least ${EVENT_HEADER_LENGTH} bytes, got ${buf.length}`);
  return {
    timestamp: buf.readUInt32LE(0),
    typeCode: buf[4]!,
    serverId: buf.readUInt32LE(5),
    eventLength: buf.readUInt32LE(9),
    nextPosition: buf.readUInt32LE(13),
    flags: buf.readUInt16LE(17),
  };
}

/** FORMAT_DESCRIPTION header flag of a binlog file still open; set after the checksum was computed. */
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
const CHECKSUM_ALG_OFF = 0;
const CHECKSUM_ALG_CRC32 = 1;
const CHECKSUM_ALG_UNDEF = 255;
/** FORMAT_DESCRIPTION fixed part: binlog version 2 + server version 50 + timestamp 4 + header length 1. */
const FDE_FIXED = 2 + 50 + 4 + 1;

/** MariaDB GTID_EVENT flags2 bits. */
const MARIA_FL_STANDALONE = 0x01;
const MARIA_FL_GROUP_COMMIT_ID = 0x02;
const MARIA_FL_PREPARED_XA = 0x40;
const MARIA_FL_COMPLETED_XA = 0x80;

export class BinlogEventDecoder {
  /** The checksum algorithm of the events being read. */
  checksum: ChecksumAlgorithm;
  /** The server version the last FORMAT_DESCRIPTION announced ('' before one arrives). */
  serverVersion = '';
  private postHeaderLengths: Buffer = Buffer.alloc(0);
  private readonly verify: boolean;
  private readonly tableMaps = new Map<number, TableMapEvent>();
  /** The last TABLE_MAP body of each byte length, with its decoded event (see `body`). */
  private readonly tableMapBytes = new Map<number, { raw: Buffer; map: TableMapEvent }>();

  constructor(options: BinlogEventDecoderOptions = {}) {
    this.checksum = options.checksum ?? 'NONE';
    this.verify = options.verifyChecksums ?? true;
  }

  /** The last TABLE_MAP for a table id, as row events need it. */
  tableMap(tableId: number): TableMapEvent | undefined {
    return this.tableMaps.get(tableId);
  }

  /**
   * Decodes one complete event (header to checksum). Throws BinlogDecodeError for malformed bytes
   * or a checksum mismatch.
   */
  decode(buf: Buffer): BinlogEvent {
    const header = decodeEventHeader(buf);
    if (header.eventLength !== buf.length) {
      throw new BinlogDecodeError(`event of type ${header.typeCode} says it is ${header.eventLength} bytes long but ${buf.length} arrived`);
    }
    if (header.typeCode === EventType.FORMAT_DESCRIPTION) {
      const body = this.formatDescription(buf);
      return { ...body, header };
    }
    let end = buf.length;
    if (this.checksum === 'CRC32') {
      end -= 4;
      if (end < EVENT_HEADER_LENGTH) throw new BinlogDecodeError('event too short for its CRC32 footer');
      if (this.verify && header.typeCode !== EventType.HEARTBEAT) this.checkCrc(buf, end, header.typeCode);
    }
    const r = new BinlogReader(buf, EVENT_HEADER_LENGTH, end);
    // The body is a new object made for this event: give it its header rather than copy it.
    const body = this.body(header, r) as BinlogEventBody & { header?: EventHeader };
    body.header = header;
    return body as BinlogEvent;
  }

  /**
   * The events inside an uncompressed MySQL 8 TRANSACTION_PAYLOAD (they carry no checksum).
   * Compressed payloads (zstd) cannot be opened here: Node 20 has no zstd.
   */
  decodePayload(payload: Buffer): BinlogEvent[] {
    const out: BinlogEvent[] = [];
    const saved = this.checksum;
    this.checksum = 'NONE';
    try {
      let pos = 0;
      while (pos < payload.length) {
        if (payload.length - pos < EVENT_HEADER_LENGTH) throw new BinlogDecodeError('truncated event inside a transaction payload');
        const len = payload.readUInt32LE(pos + 9);
        if (len < EVENT_HEADER_LENGTH || pos + len > payload.length) throw new BinlogDecodeError('bad event length inside a transaction payload');
        out.push(this.decode(payload.subarray(pos, pos + len)));
        pos += len;
      }
    } finally {
      this.checksum = saved;
    }
    return out;
  }

  private checkCrc(buf: Buffer, end: number, type: number): void {
    const expected = buf.readUInt32LE(end);
    let covered = buf.subarray(0, end);
    if (type === EventType.FORMAT_DESCRIPTION && (buf[17]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
      // The server sets "file in use" in the first event after computing its checksum.
      covered = Buffer.from(covered);
      covered[17] = covered[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
    }
    const actual = crc32(covered);
    if (expected !== actual) {
      throw new BinlogDecodeError(`CRC32 mismatch in an event of type ${type}: stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)}`);
    }
  }

  private formatDescription(buf: Buffer): BinlogEventBody {
    const r = new BinlogReader(buf, EVENT_HEADER_LENGTH);
    const binlogVersion = r.u16();
    const serverVersion = r.bytes(50).toString('latin1').replace(/\0.*$/s, '');
    const createTimestamp = r.u32();
    const headerLength = r.u8();
    if (headerLength !== EVENT_HEADER_LENGTH) throw new BinlogDecodeError(`unsupported event header length ${headerLength}`);
    // A checksum-aware server (MySQL 5.6.1+, MariaDB 5.3+) ends the event with the algorithm byte and
    // a 4-byte checksum, present even when the algorithm is OFF.
    const aware = checksumAware(serverVersion);
    const tail = aware ? 1 + 4 : 0;
    const n = buf.length - EVENT_HEADER_LENGTH - FDE_FIXED - tail;
    if (n < 0) throw new BinlogDecodeError('FORMAT_DESCRIPTION too short');
    const postHeaderLengths = Buffer.from(r.bytes(n));
    let checksum: ChecksumAlgorithm = 'NONE';
    if (aware) {
      const alg = r.u8();
      if (alg === CHECKSUM_ALG_CRC32) checksum = 'CRC32';
      else if (alg !== CHECKSUM_ALG_OFF && alg !== CHECKSUM_ALG_UNDEF) throw new BinlogDecodeError(`unknown binlog checksum algorithm ${alg}`);
      if (checksum === 'CRC32' && this.verify) this.checkCrc(buf, buf.length - 4, EventType.FORMAT_DESCRIPTION);
    }
    this.checksum = checksum;
    this.postHeaderLengths = postHeaderLengths;
    this.serverVersion = serverVersion;
    return { kind: 'formatDescription', binlogVersion, serverVersion, createTimestamp, postHeaderLengths, checksum };
  }

  /** The post-header length the FORMAT_DESCRIPTION gave this type, or the usual one. */
  private postHeader(type: number, usual: number): number {
    return type - 1 < this.postHeaderLengths.length ? this.postHeaderLengths[type - 1]! : usual;
  }

  private body(header: EventHeader, r: BinlogReader): BinlogEventBody {
    const t = header.typeCode;
    switch (t) {
      case EventType.ROTATE: {
        const position = r.u64Number();
        return { kind: 'rotate', position, file: r.rest().toString('utf8') };
      }
      case EventType.QUERY:
        return this.query(r, false);
      case EventType.MARIA_QUERY_COMPRESSED:
        return this.query(r, true);
      case EventType.XID:
        return { kind: 'xid', xid: r.u64() };
      case EventType.TABLE_MAP: {
        // Every transaction repeats its tables' maps, byte for byte while the tables stay as they
        // are: a repeat reuses the decoded columns (same array: the assembler sees the same shape at once).
        const length = r.end - r.pos;
        const seen = this.tableMapBytes.get(length);
        if (seen && seen.raw.compare(r.buf, r.pos, r.end) === 0) {
          this.tableMaps.set(seen.map.tableId, seen.map);
          return { ...seen.map };
        }
        const raw = Buffer.from(r.buf.subarray(r.pos, r.end));
        const map = this.tableMapEvent(r);
        this.tableMaps.set(map.tableId, map);
        this.tableMapBytes.set(length, { raw, map });
        return { ...map };
      }
      case EventType.WRITE_ROWS_V1:
      case EventType.UPDATE_ROWS_V1:
      case EventType.DELETE_ROWS_V1:
      case EventType.WRITE_ROWS_V2:
      case EventType.UPDATE_ROWS_V2:
      case EventType.DELETE_ROWS_V2:
      case EventType.MARIA_WRITE_ROWS_COMPRESSED_V1:
      case EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1:
      case EventType.MARIA_DELETE_ROWS_COMPRESSED_V1:
      case EventType.MARIA_WRITE_ROWS_COMPRESSED:
      case EventType.MARIA_UPDATE_ROWS_COMPRESSED:
      case EventType.MARIA_DELETE_ROWS_COMPRESSED:
        return this.rows(t, r);
      case EventType.PARTIAL_UPDATE_ROWS:
        return { kind: 'unsupported', reason: 'partial-json-update' };
      case EventType.MARIA_GTID:
        return this.mariaGtid(header, r);
      case EventType.MARIA_GTID_LIST: {
        const word = r.u32();
        const count = word & 0x0fffffff;
        const gtids: MariaGtid[] = [];
        for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32(), serverId: r.u32(), sequence: r.u64() });
        return { kind: 'mariaGtidList', gtids };
      }
      case EventType.GTID_LOG:
      case EventType.ANONYMOUS_GTID_LOG: {
        r.u8(); // commit flag
        const uuid = formatUuid(r.bytes(16));
        const transactionNumber = r.u64();
        return { kind: 'mysqlGtid', uuid, transactionNumber, anonymous: t === EventType.ANONYMOUS_GTID_LOG };
      }
      case EventType.GTID_TAGGED_LOG:
        return { kind: 'unsupported', reason: 'tagged-gtid' };
      case EventType.PREVIOUS_GTIDS_LOG: {
        const n = r.u64Number();
        const sets: Array<{ uuid: string; intervals: Array<readonly [bigint, bigint]> }> = [];
        for (let i = 0; i < n; i++) {
          const uuid = formatUuid(r.bytes(16));
          const k = r.u64Number();
          const intervals: Array<readonly [bigint, bigint]> = [];
          for (let j = 0; j < k; j++) {
            const start = r.u64();
            const endExclusive = r.u64();
            intervals.push([start, endExclusive - 1n]);
          }
          sets.push({ uuid, intervals });
        }
        return { kind: 'previousGtids', sets };
      }
      case EventType.HEARTBEAT:
        return { kind: 'heartbeat', file: r.rest().toString('utf8') };
      case EventType.HEARTBEAT_V2:
        return { kind: 'heartbeat', file: '' };
      case EventType.TRANSACTION_PAYLOAD:
        return transactionPayload(r);
      case EventType.INCIDENT:
        return { kind: 'unsupported', reason: 'incident' };
      case EventType.MARIA_START_ENCRYPTION:
        return { kind: 'unsupported', reason: 'encrypted' };
      case EventType.XA_PREPARE:
        return { kind: 'unsupported', reason: 'xa-prepare' };
      case EventType.INTVAR:
      case EventType.RAND:
      case EventType.USER_VAR:
        // Only statement-based logging writes these; the statement they precede is what matters.
        return { kind: 'ignored' };
      default:
        return { kind: 'ignored' };
    }
  }

  private query(r: BinlogReader, compressed: boolean): BinlogEventBody {
    const threadId = r.u32();
    r.u32(); // exec_time
    const dbLen = r.u8();
    const errorCode = r.u16();
    const statusLen = r.u16();
    const status = r.bytes(statusLen);
    const database = r.text(dbLen);
    r.u8(); // the 0 after the database name
    let text = r.rest();
    if (compressed) text = uncompress(text);
    const charset = queryCharset(status);
    const decode = charset ? textDecoderFor(charset) : undefined;
    return { kind: 'query', threadId, errorCode, database, statement: decode ? decode(text) : text.toString('utf8') };
  }

  private tableMapEvent(r: BinlogReader): TableMapEvent {
    const tableId = this.postHeader(EventType.TABLE_MAP, 8) === 6 ? r.u32() : r.u48();
    r.u16(); // flags
    const database = r.text(r.u8());
    r.u8();
    const table = r.text(r.u8());
    r.u8();
    const n = r.packed();
    const types = r.bytes(n);
    const metaLen = r.packed();
    const metaEnd = r.pos + metaLen;
    const columns: BinlogColumn[] = new Array(n);
    const metas: number[] = new Array(n);
    for (let i = 0; i < n; i++) metas[i] = readColumnMeta(r, types[i]!);
    if (r.pos !== metaEnd) throw new BinlogDecodeError(`table map metadata of ${n} columns is ${metaLen} bytes but ${r.pos - metaEnd + metaLen} were read`);
    const nulls = r.bytes((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      const mapType = types[i]!;
      const meta = metas[i]!;
      const type = mapType === ColumnType.STRING ? stringRealType(meta).type : mapType;
      columns[i] = { type, mapType, meta, nullable: (nulls[i >> 3]! & (1 << (i & 7))) !== 0 };
    }
    const optional = r.remaining > 0 ? optionalMetadata(r, columns) : undefined;
    return optional ? { kind: 'tableMap', tableId, database, table, columns, optional } : { kind: 'tableMap', tableId, database, table, columns };
  }

  private rows(t: number, r: BinlogReader): BinlogEventBody {
    const v2 = t >= EventType.WRITE_ROWS_V2 && t <= EventType.DELETE_ROWS_V2;
    const compressed = t >= EventType.MARIA_WRITE_ROWS_COMPRESSED_V1;
    const tableId = this.postHeader(t, v2 ? 10 : 8) === 6 ? r.u32() : r.u48();
    const flags = r.u16();
    if (v2) {
      const extraLen = r.u16();
      if (extraLen < 2) throw new BinlogDecodeError(`rows event extra-data length ${extraLen} < 2`);
      r.skip(extraLen - 2);
    }
    const op = rowsOp(t);
    const columnCount = r.packed();
    const bitmapLen = (columnCount + 7) >> 3;
    const present = r.bytes(bitmapLen);
    const presentAfter = op === 'update' ? r.bytes(bitmapLen) : undefined;
    let rowsData = r.rest();
    if (compressed) rowsData = uncompress(rowsData);
    return presentAfter
      ? { kind: 'rows', op, tableId, flags, columnCount, present, presentAfter, rowsData }
      : { kind: 'rows', op, tableId, flags, columnCount, present, rowsData };
  }

  private mariaGtid(header: EventHeader, r: BinlogReader): BinlogEventBody {
    const sequence = r.u64();
    const domainId = r.u32();
    const flags = r.u8();
    if (flags & MARIA_FL_GROUP_COMMIT_ID) r.skip(8);
    return {
      kind: 'mariaGtid',
      domainId,
      serverId: header.serverId,
      sequence,
      flags,
      standalone: (flags & MARIA_FL_STANDALONE) !== 0,
      xa: (flags & (MARIA_FL_PREPARED_XA | MARIA_FL_COMPLETED_XA)) !== 0,
    };
  }
}

function rowsOp(t: number): 'write' | 'update' | 'delete' {
  switch (t) {
    case EventType.WRITE_ROWS_V1:
    case EventType.WRITE_ROWS_V2:
    case EventType.MARIA_WRITE_ROWS_COMPRESSED_V1:
    case EventType.MARIA_WRITE_ROWS_COMPRESSED:
      return 'write';
    case EventType.UPDATE_ROWS_V1:
    case EventType.UPDATE_ROWS_V2:
    case EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1:
    case EventType.MARIA_UPDATE_ROWS_COMPRESSED:
      return 'update';
    default:
      return 'delete';
  }
}

/** MySQL 5.6.1+ and MariaDB 5.3+ write the checksum algorithm into the FORMAT_DESCRIPTION. */
function checksumAware(serverVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) return true;
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (/mariadb/i.test(serverVersion)) return maj > 5 || (maj === 5 && min >= 3);
  return maj > 5 || (maj === 5 && (min > 6 || (min === 6 && pat >= 1)));
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * MariaDB's compressed binlog data (log_bin_compress): one header byte (bit 7 set, bits 4-6 the
 * algorithm, 0 = zlib; bits 0-2 how many bytes hold the uncompressed length), that length
 * big-endian, then the zlib stream.
 */
export function uncompress(data: Buffer): Buffer {
  if (data.length === 0 || (data[0]! & 0x80) === 0) throw new BinlogDecodeError('compressed event without its compression header');
  const alg = (data[0]! & 0x70) >> 4;
  const lenLen = data[0]! & 0x07;
  if (alg !== 0) throw new BinlogDecodeError(`unknown binlog compression algorithm ${alg}`);
  if (lenLen < 1 || lenLen > 4 || data.length < 1 + lenLen) throw new BinlogDecodeError(`bad compressed length size ${lenLen}`);
  const expected = data.readUIntBE(1, lenLen);
  const out = inflateSync(data.subarray(1 + lenLen));
  if (out.length !== expected) throw new BinlogDecodeError(`compressed event inflated to ${out.length} bytes, expected ${expected}`);
  return out;
}

/** The character set of a QUERY event's statement (status variable Q_CHARSET_CODE), if present. */
function queryCharset(status: Buffer): string | undefined {
  const r = new BinlogReader(status);
  try {
    while (r.remaining > 0) {
      const code = r.u8();
      switch (code) {
        case 0: r.skip(4); break; // Q_FLAGS2_CODE
        case 1: r.skip(8); break; // Q_SQL_MODE_CODE
        case 2: r.skip(r.u8() + 1); break; // Q_CATALOG_CODE
        case 3: r.skip(4); break; // Q_AUTO_INCREMENT
        case 4: return charsetOfCollation(r.u16()); // Q_CHARSET_CODE: character_set_client first
        case 5: r.skip(r.u8()); break; // Q_TIME_ZONE_CODE
        case 6: r.skip(r.u8()); break; // Q_CATALOG_NZ_CODE
        case 7: r.skip(2); break; // Q_LC_TIME_NAMES_CODE
        case 8: r.skip(2); break; // Q_CHARSET_DATABASE_CODE
        case 9: r.skip(8); break; // Q_TABLE_MAP_FOR_UPDATE_CODE
        case 10: r.skip(4); break; // Q_MASTER_DATA_WRITTEN_CODE
        case 11: r.skip(r.u8()); r.skip(r.u8()); break; // Q_INVOKER
        case 12: { // Q_UPDATED_DB_NAMES
          const count = r.u8();
          if (count !== 254) for (let i = 0; i < count; i++) while (r.u8() !== 0) { /* name */ }
          break;
        }
        case 13: r.skip(3); break; // Q_MICROSECONDS
        case 16: r.skip(1); break; // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP
        case 17: r.skip(8); break; // Q_DDL_LOGGED_WITH_XID
        case 18: r.skip(2); break; // Q_DEFAULT_COLLATION_FOR_UTF8MB4
        case 19: r.skip(1); break; // Q_SQL_REQUIRE_PRIMARY_KEY
        case 20: r.skip(1); break; // Q_DEFAULT_TABLE_ENCRYPTION
        case 128: r.skip(3); break; // MariaDB Q_HRNOW
        case 129: r.skip(8); break; // MariaDB Q_XID
        case 130: r.skip(1); break; // MariaDB Q_GTID_FLAGS3
        default: return undefined; // unknown variable: its length is unknown, stop like the server does
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function transactionPayload(r: BinlogReader): BinlogEventBody {
  // Type-length-value fields (packed integers), ended by type 0, then the payload.
  let size = -1;
  let compression: 'zstd' | 'none' | 'unknown' = 'unknown';
  let uncompressedSize = 0;
  for (;;) {
    const type = r.packed();
    if (type === 0) break;
    const len = r.packed();
    const end = r.pos + len;
    if (type === 1) size = r.packed();
    else if (type === 2) {
      const c = r.packed();
      compression = c === 0 ? 'zstd' : c === 255 ? 'none' : 'unknown';
    } else if (type === 3) uncompressedSize = r.packed();
    r.pos = end;
  }
  const payload = size >= 0 ? r.bytes(size) : r.rest();
  return { kind: 'transactionPayload', compression, uncompressedSize, payload };
}

/** Optional metadata type codes (MySQL 8's Table_map_log_event::Optional_metadata_field_type). */
const OPT = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
} as const;

function optionalMetadata(r: BinlogReader, columns: readonly BinlogColumn[]): TableMapOptionalMetadata {
  const n = columns.length;
  const numeric: number[] = [];
  const character: number[] = [];
  const enums: number[] = [];
  const sets: number[] = [];
  columns.forEach((c, i) => {
    if (isNumericType(c.type)) numeric.push(i);
    else if (c.type === ColumnType.ENUM) enums.push(i);
    else if (c.type === ColumnType.SET) sets.push(i);
    else if (isCharacterType(c.type)) character.push(i);
  });
  let unsigned: Array<boolean | undefined> | undefined;
  let collations: Array<number | undefined> | undefined;
  let columnNames: string[] | undefined;
  let enumValues: Array<string[] | undefined> | undefined;
  let setValues: Array<string[] | undefined> | undefined;
  let primaryKey: number[] | undefined;
  while (r.remaining > 0) {
    const type = r.u8();
    const len = r.packed();
    const v = new BinlogReader(r.buf, r.pos, r.pos + len);
    r.skip(len);
    switch (type) {
      case OPT.SIGNEDNESS: {
        unsigned = new Array<boolean | undefined>(n).fill(undefined);
        numeric.forEach((col, k) => {
          unsigned![col] = (v.buf[v.pos + (k >> 3)]! & (0x80 >> (k & 7))) !== 0;
        });
        break;
      }
      case OPT.DEFAULT_CHARSET:
      case OPT.COLUMN_CHARSET: {
        collations ??= new Array<number | undefined>(n).fill(undefined);
        applyCharsets(v, type === OPT.DEFAULT_CHARSET, character, collations);
        break;
      }
      case OPT.ENUM_AND_SET_DEFAULT_CHARSET:
      case OPT.ENUM_AND_SET_COLUMN_CHARSET: {
        collations ??= new Array<number | undefined>(n).fill(undefined);
        applyCharsets(v, type === OPT.ENUM_AND_SET_DEFAULT_CHARSET, [...enums, ...sets].sort((a, b) => a - b), collations);
        break;
      }
      case OPT.COLUMN_NAME: {
        columnNames = [];
        while (v.remaining > 0) columnNames.push(v.text(v.packed()));
        break;
      }
      case OPT.SET_STR_VALUE:
      case OPT.ENUM_STR_VALUE: {
        const target = type === OPT.ENUM_STR_VALUE ? enums : sets;
        const out = new Array<string[] | undefined>(n).fill(undefined);
        let k = 0;
        while (v.remaining > 0) {
          const count = v.packed();
          const labels: string[] = [];
          for (let j = 0; j < count; j++) labels.push(v.text(v.packed()));
          const col = target[k++];
          if (col !== undefined) out[col] = labels;
        }
        if (type === OPT.ENUM_STR_VALUE) enumValues = out;
        else setValues = out;
        break;
      }
      case OPT.SIMPLE_PRIMARY_KEY: {
        primaryKey = [];
        while (v.remaining > 0) primaryKey.push(v.packed());
        break;
      }
      case OPT.PRIMARY_KEY_WITH_PREFIX: {
        primaryKey = [];
        while (v.remaining > 0) {
          primaryKey.push(v.packed());
          v.packed(); // prefix length
        }
        break;
      }
      default:
        break; // GEOMETRY_TYPE, COLUMN_VISIBILITY and later additions: not needed
    }
  }
  return {
    ...(unsigned && { unsigned }),
    ...(collations && { collations }),
    ...(columnNames && { columnNames }),
    ...(enumValues && { enumValues }),
    ...(setValues && { setValues }),
    ...(primaryKey && { primaryKey }),
  };
}

/**
 * DEFAULT_CHARSET: the default collation, then (index among the listed columns, collation) pairs for
 * the columns that differ. COLUMN_CHARSET: one collation per listed column.
 */
function applyCharsets(v: BinlogReader, isDefault: boolean, listed: readonly number[], out: Array<number | undefined>): void {
  if (isDefault) {
    const def = v.packed();
    for (const col of listed) out[col] = def;
    while (v.remaining > 0) {
      const k = v.packed();
      const coll = v.packed();
      const col = listed[k];
      if (col !== undefined) out[col] = coll;
    }
  } else {
    let k = 0;
    while (v.remaining > 0) {
      const coll = v.packed();
      const col = listed[k++];
      if (col !== undefined) out[col] = coll;
    }
  }
}
