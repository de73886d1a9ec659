/**
 * Row images of WRITE/UPDATE/DELETE rows events to column values, in the form mysql2's text
 * protocol returns for the same column (so the same value converters apply to the snapshot and to
 * the change stream): text columns and every non-binary type as a string, binary strings, BLOBs,
 * BIT and GEOMETRY as a Buffer, NULL as null. A column absent from the image is `undefined`.
 *
 * The binlog does not say everything needed: signedness, character sets and ENUM/SET labels come
 * from the table catalog (or, when the server writes them, from the table map's optional metadata).
 */
import { TandemError } from '../../../core/errors.js';
import { BinlogDecodeError } from './binlog-reader.js';
import { ColumnType, columnTypeName, stringRealType } from './binlog-column-types.js';
import { charsetOfCollation, requireTextDecoder, type TextDecodeFn } from './binlog-charsets.js';
import { decimalBinarySize, decodeDecimal } from './binlog-decimal.js';
import { formatDouble, formatFixed, formatFloat } from './binlog-float-text.js';
import { decodeJsonBinary } from './binlog-json.js';
import {
  decodeDate,
  decodeDatetime2,
  decodeDatetimeHires,
  decodeTimeHires,
  decodeTimestampHires,
  hiresBytes,
  decodeDatetimeOld,
  decodeTime2,
  decodeTimeOld,
  decodeTimestamp2,
  decodeYear,
  formatEpoch,
  fracBytes,
} from './binlog-temporal.js';
import type { BinlogColumn, RowsEvent, TableMapEvent } from './binlog-event-types.js';

/** One value as mysql2's text protocol gives it. */
export type ColumnValue = string | Buffer | null;

/** What the table catalog knows of one column, in table order. */
export interface CatalogColumn {
  readonly name: string;
  /** `information_schema.COLUMNS.DATA_TYPE` (e.g. `int`, `varchar`); checked against the binlog type when given. */
  readonly dataType?: string;
  /** UNSIGNED (integers, and FLOAT/DOUBLE/DECIMAL where it changes nothing). */
  readonly unsigned?: boolean;
  /** The column's character set (`utf8mb4`, `latin1`, …); null or 'binary' for binary strings. */
  readonly charset?: string | null;
  /** ENUM labels in order (index 1 is the first). */
  readonly enumValues?: readonly string[];
  /** SET labels in bit order. */
  readonly setValues?: readonly string[];
  /** FLOAT(M,D)/DOUBLE(M,D): D, which makes the server print exactly D decimals. */
  readonly floatDecimals?: number;
  /** ZEROFILL integers: the display width the server pads to with zeros. */
  readonly zerofillWidth?: number;
  /**
   * FLOAT: print the value as `CAST(col AS DOUBLE)` does (every digit of the float, what the
   * snapshot reads) instead of as `SELECT col` does (6 significant digits). Default false.
   */
  readonly floatAsDouble?: boolean;
  /**
   * TIME/DATETIME/TIMESTAMP: the fractional digits (`DATETIME_PRECISION`). Needed only for MariaDB
   * tables written in its own fractional format (created with mysql56_temporal_format=OFF), whose
   * table map does not say it.
   */
  readonly fsp?: number;
}

/** Before/after images of one row; `undefined` where the event has no such image. */
export interface RowImage {
  readonly before?: ColumnValue[];
  readonly after?: ColumnValue[];
}

const enum Kind {
  Int8, Int16, Int24, Int32, Int64, UInt8, UInt16, UInt24, UInt32, UInt64,
  Float, FloatAsDouble, Double, Decimal, Year, Date, Time, Time2, Datetime, Datetime2, Timestamp, Timestamp2,
  Bit, Enum, Set, Text, Bytes, Json, Uuid, Inet4, Inet6, TimeHires, DatetimeHires, TimestampHires,
}

interface CompiledColumn {
  readonly kind: Kind;
  /** Length-prefix size (strings, BLOBs, JSON, GEOMETRY) or fixed size (BIT, DECIMAL, ENUM/SET). */
  readonly size: number;
  readonly fsp: number;
  readonly precision: number;
  readonly scale: number;
  readonly floatDecimals: number;
  readonly zerofill: number;
  /** For binary CHAR (BINARY(n)): the length the server pads with 0x00 (0 = no padding). */
  readonly padTo: number;
  readonly decode?: TextDecodeFn;
  readonly labels?: readonly string[];
}

/** How to decode the rows of one table map. */
export interface RowDecoderPlan {
  readonly database: string;
  readonly table: string;
  readonly columnCount: number;
  readonly columns: readonly CompiledColumn[];
}

/** Which binlog types a catalog DATA_TYPE may appear as. */
const COMPATIBLE: Readonly<Record<string, readonly number[]>> = {
  tinyint: [ColumnType.TINY], bool: [ColumnType.TINY], boolean: [ColumnType.TINY],
  smallint: [ColumnType.SHORT], mediumint: [ColumnType.INT24], int: [ColumnType.LONG], integer: [ColumnType.LONG],
  bigint: [ColumnType.LONGLONG], float: [ColumnType.FLOAT], double: [ColumnType.DOUBLE], real: [ColumnType.DOUBLE],
  decimal: [ColumnType.NEWDECIMAL], numeric: [ColumnType.NEWDECIMAL], year: [ColumnType.YEAR],
  date: [ColumnType.DATE, ColumnType.NEWDATE], time: [ColumnType.TIME, ColumnType.TIME2],
  datetime: [ColumnType.DATETIME, ColumnType.DATETIME2], timestamp: [ColumnType.TIMESTAMP, ColumnType.TIMESTAMP2],
  bit: [ColumnType.BIT], enum: [ColumnType.ENUM], set: [ColumnType.SET],
  char: [ColumnType.STRING], binary: [ColumnType.STRING],
  varchar: [ColumnType.VARCHAR, ColumnType.VAR_STRING], varbinary: [ColumnType.VARCHAR, ColumnType.VAR_STRING],
  tinyblob: [ColumnType.BLOB, ColumnType.TINY_BLOB], blob: [ColumnType.BLOB], mediumblob: [ColumnType.BLOB, ColumnType.MEDIUM_BLOB],
  longblob: [ColumnType.BLOB, ColumnType.LONG_BLOB], tinytext: [ColumnType.BLOB, ColumnType.TINY_BLOB], text: [ColumnType.BLOB],
  mediumtext: [ColumnType.BLOB, ColumnType.MEDIUM_BLOB], longtext: [ColumnType.BLOB, ColumnType.LONG_BLOB],
  json: [ColumnType.JSON, ColumnType.BLOB],
  // MariaDB's data type plugins: fixed-size binary in the binlog, text in SELECT.
  uuid: [ColumnType.STRING], inet6: [ColumnType.STRING], inet4: [ColumnType.STRING],
  geometry: [ColumnType.GEOMETRY], point: [ColumnType.GEOMETRY], linestring: [ColumnType.GEOMETRY], polygon: [ColumnType.GEOMETRY],
  multipoint: [ColumnType.GEOMETRY], multilinestring: [ColumnType.GEOMETRY], multipolygon: [ColumnType.GEOMETRY],
  geometrycollection: [ColumnType.GEOMETRY], geomcollection: [ColumnType.GEOMETRY],
};

/**
 * Prepares the decoding of a table map's rows. Throws a TandemError when the catalog and the binlog
 * disagree (the table's shape changed since the catalog was read) or a column cannot be decoded.
 */
export function compileRowDecoder(map: TableMapEvent, catalog?: readonly CatalogColumn[]): RowDecoderPlan {
  const where = `${map.database}.${map.table}`;
  if (catalog && catalog.length !== map.columns.length) {
    throw new TandemError('TANDEM_UNSUPPORTED', `The binlog has ${map.columns.length} columns for ${where} but the table had ${catalog.length} when the migration read its catalog: its definition changed.`, {
      hint: 'A table cannot change shape during a live migration, and these rows stay in the binlog as written: undoing the change on the source does not get past them. Start the migration again from a new snapshot (a new export dir, the target\'s tables emptied).',
    });
  }
  const columns = map.columns.map((col, i) => compileColumn(map, col, i, catalog?.[i], where));
  return { database: map.database, table: map.table, columnCount: map.columns.length, columns };
}

function compileColumn(map: TableMapEvent, col: BinlogColumn, i: number, info: CatalogColumn | undefined, table: string): CompiledColumn {
  const name = info?.name ?? map.optional?.columnNames?.[i] ?? `#${i + 1}`;
  const where = `Column ${name} of ${table}`;
  if (info?.dataType !== undefined) {
    const allowed = COMPATIBLE[info.dataType.toLowerCase()];
    if (!allowed) {
      throw new TandemError('TANDEM_UNSUPPORTED', `${where} has the type ${info.dataType}, which Tandem cannot read from the binlog.`, {
        hint: 'Leave the table out with --exclude-table-list, or change the column to a standard MySQL type.',
      });
    }
    if (!allowed.includes(col.type)) {
      throw new TandemError('TANDEM_UNSUPPORTED', `${where} is ${info.dataType} in the catalog but ${columnTypeName(col.type)} in the binlog: the table's definition changed.`, {
        hint: 'A table cannot change shape during a live migration, and these rows stay in the binlog as written: undoing the change on the source does not get past them. Start the migration again from a new snapshot (a new export dir, the target\'s tables emptied).',
      });
    }
  }
  const base = { size: 0, fsp: 0, precision: 0, scale: 0, floatDecimals: -1, zerofill: info?.zerofillWidth ?? 0, padTo: 0 };
  const unsigned = (): boolean => {
    const u = info?.unsigned ?? map.optional?.unsigned?.[i];
    if (u === undefined) throw internal(`${where}: signedness unknown (no catalog entry and no optional metadata)`);
    return u;
  };
  const charset = (): string | null => {
    if (info && info.charset !== undefined) return info.charset === 'binary' ? null : info.charset;
    const coll = map.optional?.collations?.[i];
    if (coll === undefined) throw internal(`${where}: character set unknown (no catalog entry and no optional metadata)`);
    const cs = charsetOfCollation(coll);
    if (cs === undefined) {
      throw new TandemError('TANDEM_UNSUPPORTED', `${where} uses collation id ${coll}, which Tandem does not know.`, { hint: 'Convert the column to utf8mb4 on the source.' });
    }
    return cs === 'binary' ? null : cs;
  };
  const labels = (kind: 'ENUM' | 'SET'): readonly string[] => {
    const l = kind === 'ENUM' ? info?.enumValues ?? map.optional?.enumValues?.[i] : info?.setValues ?? map.optional?.setValues?.[i];
    if (!l) throw internal(`${where}: ${kind} labels unknown (no catalog entry and no optional metadata)`);
    return l;
  };
  const text = (): Pick<CompiledColumn, 'kind' | 'decode'> => {
    const cs = charset();
    return cs === null ? { kind: Kind.Bytes } : { kind: Kind.Text, decode: requireTextDecoder(cs, where) };
  };
  switch (col.type) {
    case ColumnType.TINY: return { ...base, kind: unsigned() ? Kind.UInt8 : Kind.Int8 };
    case ColumnType.SHORT: return { ...base, kind: unsigned() ? Kind.UInt16 : Kind.Int16 };
    case ColumnType.INT24: return { ...base, kind: unsigned() ? Kind.UInt24 : Kind.Int24 };
    case ColumnType.LONG: return { ...base, kind: unsigned() ? Kind.UInt32 : Kind.Int32 };
    case ColumnType.LONGLONG: return { ...base, kind: unsigned() ? Kind.UInt64 : Kind.Int64 };
    case ColumnType.FLOAT:
      return info?.floatAsDouble ? { ...base, kind: Kind.FloatAsDouble } : { ...base, kind: Kind.Float, floatDecimals: info?.floatDecimals ?? -1 };
    case ColumnType.DOUBLE: return { ...base, kind: Kind.Double, floatDecimals: info?.floatDecimals ?? -1 };
    case ColumnType.NEWDECIMAL: {
      const precision = col.meta >> 8;
      const scale = col.meta & 0xff;
      return { ...base, kind: Kind.Decimal, precision, scale, size: decimalBinarySize(precision, scale) };
    }
    case ColumnType.YEAR: return { ...base, kind: Kind.Year };
    case ColumnType.DATE:
    case ColumnType.NEWDATE: return { ...base, kind: Kind.Date };
    case ColumnType.TIME:
      return info?.fsp ? { ...base, kind: Kind.TimeHires, fsp: info.fsp, size: hiresBytes('time', info.fsp) } : { ...base, kind: Kind.Time };
    case ColumnType.TIME2: return { ...base, kind: Kind.Time2, fsp: col.meta };
    case ColumnType.DATETIME:
      return info?.fsp ? { ...base, kind: Kind.DatetimeHires, fsp: info.fsp, size: hiresBytes('datetime', info.fsp) } : { ...base, kind: Kind.Datetime };
    case ColumnType.DATETIME2: return { ...base, kind: Kind.Datetime2, fsp: col.meta };
    case ColumnType.TIMESTAMP:
      return info?.fsp ? { ...base, kind: Kind.TimestampHires, fsp: info.fsp, size: hiresBytes('timestamp', info.fsp) } : { ...base, kind: Kind.Timestamp };
    case ColumnType.TIMESTAMP2: return { ...base, kind: Kind.Timestamp2, fsp: col.meta };
    case ColumnType.BIT: return { ...base, kind: Kind.Bit, size: (col.meta >> 8) + ((col.meta & 0xff) > 0 ? 1 : 0) };
    case ColumnType.ENUM: return { ...base, kind: Kind.Enum, size: col.meta & 0xff, labels: labels('ENUM') };
    case ColumnType.SET: return { ...base, kind: Kind.Set, size: col.meta & 0xff, labels: labels('SET') };
    case ColumnType.STRING: {
      const length = stringRealType(col.meta).length;
      const plugin = info?.dataType?.toLowerCase();
      if (plugin === 'uuid' || plugin === 'inet6' || plugin === 'inet4') {
        const kind = plugin === 'uuid' ? Kind.Uuid : plugin === 'inet6' ? Kind.Inet6 : Kind.Inet4;
        if (length !== (plugin === 'inet4' ? 4 : 16)) throw internal(`${where}: ${plugin} with ${length} bytes`);
        return { ...base, kind, size: 1 };
      }
      const t = text();
      return { ...base, ...t, size: length > 255 ? 2 : 1, padTo: t.kind === Kind.Bytes ? length : 0 };
    }
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return { ...base, ...text(), size: col.meta > 255 ? 2 : 1 };
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
      return { ...base, ...text(), size: col.meta };
    case ColumnType.JSON: return { ...base, kind: Kind.Json, size: col.meta };
    case ColumnType.GEOMETRY: return { ...base, kind: Kind.Bytes, size: col.meta };
    default:
      throw new TandemError('TANDEM_UNSUPPORTED', `${where} has the binlog type ${columnTypeName(col.type)}, which Tandem cannot decode.`, {
        hint: 'Leave the table out with --exclude-table-list.',
      });
  }
}

/** MariaDB UUID: the 16 bytes, in order, as 8-4-4-4-12 lower-case hex. */
function uuidText(b: Buffer): string {
  if (b.length !== 16) throw new BinlogDecodeError(`UUID of ${b.length} bytes`);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * MariaDB INET6 as the server prints it: IPv4-mapped (`::ffff:1.2.3.4`) and IPv4-compatible
 * (`::1.2.3.4`, when the seventh group is not 0) addresses with a dotted tail; otherwise hex groups
 * with the longest run of zero groups (even a single one; the first of equal runs) shown as `::`.
 */
function inet6Text(b: Buffer): string {
  if (b.length !== 16) throw new BinlogDecodeError(`INET6 of ${b.length} bytes`);
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(b.readUInt16BE(i * 2));
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && ((w[5] === 0 && w[6] !== 0) || w[5] === 0xffff)) {
    return `::${w[5] === 0xffff ? 'ffff:' : ''}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

function internal(message: string): Error {
  return new Error(`binlog row decoder: ${message}`);
}

/** True when the bitmap marks all `n` columns: a full row image. */
export function isFullImage(bitmap: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) if ((bitmap[i >> 3]! & (1 << (i & 7))) === 0) return false;
  return true;
}

/**
 * Decodes every row of a rows event. With `beforeColumns`, only those columns of a before image
 * (updates, deletes) are decoded, the others are stepped over and left `undefined`: the capture
 * needs only the primary key of the row as it was.
 */
export function decodeRows(ev: RowsEvent, plan: RowDecoderPlan, beforeColumns?: readonly boolean[]): RowImage[] {
  if (ev.columnCount !== plan.columnCount) {
    throw new BinlogDecodeError(`rows event has ${ev.columnCount} columns, its table map ${plan.columnCount}`);
  }
  const buf = ev.rowsData;
  const cursor = { pos: 0 };
  const out: RowImage[] = [];
  while (cursor.pos < buf.length) {
    if (ev.op === 'write') out.push({ after: image(buf, cursor, ev.present, plan) });
    else if (ev.op === 'delete') out.push({ before: image(buf, cursor, ev.present, plan, beforeColumns) });
    else {
      const before = image(buf, cursor, ev.present, plan, beforeColumns);
      out.push({ before, after: image(buf, cursor, ev.presentAfter!, plan) });
    }
  }
  return out;
}

function image(buf: Buffer, cursor: { pos: number }, present: Buffer, plan: RowDecoderPlan, wanted?: readonly boolean[]): ColumnValue[] {
  const n = plan.columnCount;
  let count = 0;
  for (let i = 0; i < n; i++) if (present[i >> 3]! & (1 << (i & 7))) count++;
  const nullStart = cursor.pos;
  let pos = nullStart + ((count + 7) >> 3);
  if (pos > buf.length) throw new BinlogDecodeError('truncated row image (null bitmap)');
  const values: ColumnValue[] = new Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if ((present[i >> 3]! & (1 << (i & 7))) === 0) continue;
    if (buf[nullStart + (k >> 3)]! & (1 << (k & 7))) values[i] = null;
    else if (wanted && !wanted[i]) pos = valueEnd(buf, pos, plan.columns[i]!);
    else pos = value(buf, pos, plan.columns[i]!, values, i);
    k++;
  }
  cursor.pos = pos;
  return values;
}

/** The position after the value at `pos`, without decoding it. */
function valueEnd(buf: Buffer, pos: number, c: CompiledColumn): number {
  let n: number;
  switch (c.kind) {
    case Kind.Int8: case Kind.UInt8: case Kind.Year: n = 1; break;
    case Kind.Int16: case Kind.UInt16: n = 2; break;
    case Kind.Int24: case Kind.UInt24: case Kind.Date: case Kind.Time: n = 3; break;
    case Kind.Int32: case Kind.UInt32: case Kind.Float: case Kind.FloatAsDouble: case Kind.Timestamp: n = 4; break;
    case Kind.Int64: case Kind.UInt64: case Kind.Double: case Kind.Datetime: n = 8; break;
    case Kind.Time2: n = 3 + fracBytes(c.fsp); break;
    case Kind.Datetime2: n = 5 + fracBytes(c.fsp); break;
    case Kind.Timestamp2: n = 4 + fracBytes(c.fsp); break;
    case Kind.Decimal: case Kind.Bit: case Kind.Enum: case Kind.Set:
    case Kind.TimeHires: case Kind.DatetimeHires: case Kind.TimestampHires: n = c.size; break;
    case Kind.Text: case Kind.Bytes: case Kind.Json: n = c.size + lengthPrefix(buf, pos, c.size); break;
    case Kind.Uuid: case Kind.Inet4: case Kind.Inet6: n = 1 + lengthPrefix(buf, pos, 1); break;
  }
  need(buf, pos, n);
  return pos + n;
}

function need(buf: Buffer, pos: number, n: number): void {
  if (pos + n > buf.length) throw new BinlogDecodeError(`truncated row image: a value needs ${n} bytes at ${pos}, ${buf.length - pos} left`);
}

function zerofill(text: string, width: number): string {
  return width > 0 ? text.padStart(width, '0') : text;
}

function lengthPrefix(buf: Buffer, pos: number, size: number): number {
  need(buf, pos, size);
  switch (size) {
    case 1: return buf[pos]!;
    case 2: return buf.readUInt16LE(pos);
    case 3: return buf.readUIntLE(pos, 3);
    case 4: return buf.readUInt32LE(pos);
    default: throw new BinlogDecodeError(`bad length-prefix size ${size}`);
  }
}

/**
 * A 64-bit little-endian integer as decimal text: as a number while it is exact (|v| < 2^53, the
 * usual case), else through BigInt.
 */
function int64Text(buf: Buffer, pos: number, signed: boolean): string {
  const lo = buf.readUInt32LE(pos);
  const hi = signed ? buf.readInt32LE(pos + 4) : buf.readUInt32LE(pos + 4);
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * 0x100000000 + lo);
  return (signed ? buf.readBigInt64LE(pos) : buf.readBigUInt64LE(pos)).toString();
}

/** Decodes one value at `pos` into `out[i]`; returns the position after it. */
function value(buf: Buffer, pos: number, c: CompiledColumn, out: ColumnValue[], i: number): number {
  switch (c.kind) {
    case Kind.Int8: need(buf, pos, 1); out[i] = zerofill(String(buf.readInt8(pos)), c.zerofill); return pos + 1;
    case Kind.UInt8: need(buf, pos, 1); out[i] = zerofill(String(buf[pos]), c.zerofill); return pos + 1;
    case Kind.Int16: need(buf, pos, 2); out[i] = zerofill(String(buf.readInt16LE(pos)), c.zerofill); return pos + 2;
    case Kind.UInt16: need(buf, pos, 2); out[i] = zerofill(String(buf.readUInt16LE(pos)), c.zerofill); return pos + 2;
    case Kind.Int24: need(buf, pos, 3); out[i] = zerofill(String(buf.readIntLE(pos, 3)), c.zerofill); return pos + 3;
    case Kind.UInt24: need(buf, pos, 3); out[i] = zerofill(String(buf.readUIntLE(pos, 3)), c.zerofill); return pos + 3;
    case Kind.Int32: need(buf, pos, 4); out[i] = zerofill(String(buf.readInt32LE(pos)), c.zerofill); return pos + 4;
    case Kind.UInt32: need(buf, pos, 4); out[i] = zerofill(String(buf.readUInt32LE(pos)), c.zerofill); return pos + 4;
    case Kind.Int64: need(buf, pos, 8); out[i] = zerofill(int64Text(buf, pos, true), c.zerofill); return pos + 8;
    case Kind.UInt64: need(buf, pos, 8); out[i] = zerofill(int64Text(buf, pos, false), c.zerofill); return pos + 8;
    case Kind.Float: {
      need(buf, pos, 4);
      const v = buf.readFloatLE(pos);
      out[i] = c.floatDecimals >= 0 ? formatFixed(v, c.floatDecimals) : formatFloat(v);
      return pos + 4;
    }
    case Kind.FloatAsDouble: need(buf, pos, 4); out[i] = formatDouble(buf.readFloatLE(pos)); return pos + 4;
    case Kind.Double: {
      need(buf, pos, 8);
      const v = buf.readDoubleLE(pos);
      out[i] = c.floatDecimals >= 0 ? formatFixed(v, c.floatDecimals) : formatDouble(v);
      return pos + 8;
    }
    case Kind.Decimal: out[i] = decodeDecimal(buf, pos, c.precision, c.scale); return pos + c.size;
    case Kind.Year: need(buf, pos, 1); out[i] = decodeYear(buf[pos]!); return pos + 1;
    case Kind.Date: need(buf, pos, 3); out[i] = decodeDate(buf, pos); return pos + 3;
    case Kind.Time: need(buf, pos, 3); out[i] = decodeTimeOld(buf, pos); return pos + 3;
    case Kind.Time2: {
      const n = 3 + fracBytes(c.fsp);
      need(buf, pos, n);
      out[i] = decodeTime2(buf, pos, c.fsp);
      return pos + n;
    }
    case Kind.Datetime: need(buf, pos, 8); out[i] = decodeDatetimeOld(buf, pos); return pos + 8;
    case Kind.Datetime2: {
      const n = 5 + fracBytes(c.fsp);
      need(buf, pos, n);
      out[i] = decodeDatetime2(buf, pos, c.fsp);
      return pos + n;
    }
    case Kind.Timestamp: need(buf, pos, 4); out[i] = formatEpoch(buf.readUInt32LE(pos), 0, 0); return pos + 4;
    case Kind.Timestamp2: {
      const n = 4 + fracBytes(c.fsp);
      need(buf, pos, n);
      out[i] = decodeTimestamp2(buf, pos, c.fsp);
      return pos + n;
    }
    case Kind.Bit: need(buf, pos, c.size); out[i] = Buffer.from(buf.subarray(pos, pos + c.size)); return pos + c.size;
    case Kind.Enum: {
      need(buf, pos, c.size);
      const idx = c.size === 1 ? buf[pos]! : buf.readUInt16LE(pos);
      if (idx > c.labels!.length) throw new BinlogDecodeError(`ENUM index ${idx} beyond its ${c.labels!.length} labels`);
      out[i] = idx === 0 ? '' : c.labels![idx - 1]!;
      return pos + c.size;
    }
    case Kind.Set: {
      need(buf, pos, c.size);
      const parts: string[] = [];
      for (let b = 0; b < c.size * 8; b++) {
        if (buf[pos + (b >> 3)]! & (1 << (b & 7))) {
          if (b >= c.labels!.length) throw new BinlogDecodeError(`SET bit ${b} beyond its ${c.labels!.length} labels`);
          parts.push(c.labels![b]!);
        }
      }
      out[i] = parts.join(',');
      return pos + c.size;
    }
    case Kind.Text: {
      const len = lengthPrefix(buf, pos, c.size);
      const start = pos + c.size;
      need(buf, start, len);
      out[i] = c.decode!(buf.subarray(start, start + len));
      return start + len;
    }
    case Kind.Bytes: {
      const len = lengthPrefix(buf, pos, c.size);
      const start = pos + c.size;
      need(buf, start, len);
      if (c.padTo > len) {
        const b = Buffer.alloc(c.padTo);
        buf.copy(b, 0, start, start + len);
        out[i] = b;
      } else out[i] = Buffer.from(buf.subarray(start, start + len));
      return start + len;
    }
    case Kind.TimeHires: need(buf, pos, c.size); out[i] = decodeTimeHires(buf, pos, c.fsp); return pos + c.size;
    case Kind.DatetimeHires: need(buf, pos, c.size); out[i] = decodeDatetimeHires(buf, pos, c.fsp); return pos + c.size;
    case Kind.TimestampHires: need(buf, pos, c.size); out[i] = decodeTimestampHires(buf, pos, c.fsp); return pos + c.size;
    case Kind.Uuid:
    case Kind.Inet4:
    case Kind.Inet6: {
      const len = lengthPrefix(buf, pos, 1);
      need(buf, pos + 1, len);
      let b = buf.subarray(pos + 1, pos + 1 + len);
      const full = c.kind === Kind.Inet4 ? 4 : 16;
      if (b.length < full) b = Buffer.concat([b, Buffer.alloc(full - b.length)]); // in case trailing zero bytes were stripped
      out[i] = c.kind === Kind.Uuid ? uuidText(b) : c.kind === Kind.Inet4 ? [...b].join('.') : inet6Text(b);
      return pos + 1 + len;
    }
    case Kind.Json: {
      const len = lengthPrefix(buf, pos, c.size);
      const start = pos + c.size;
      need(buf, start, len);
      out[i] = decodeJsonBinary(buf.subarray(start, start + len));
      return start + len;
    }
  }
}
