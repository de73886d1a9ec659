/**
 * MySQL 8's binary JSON (the storage and binlog format of JSON columns) to JSON text, printed the
 * way MySQL prints a JSON value (`{"a": 1, "b": [true, null]}`: a space after ':' and ','; keys in
 * stored order; numbers digit for digit; DATE/TIME/DATETIME/DECIMAL scalars as MySQL shows them).
 * MariaDB stores JSON as LONGTEXT and never comes here.
 *
 * Format (MySQL's json_binary.h): a type byte, then the value. Objects and arrays come in a small
 * (16-bit counts and offsets) and a large (32-bit) form: element count, byte size, key entries
 * (offset, 16-bit length; objects only), value entries (type byte + offset, or the value itself
 * when it fits), then keys and values. Offsets count from the start of the object or array.
 */
import { BinlogDecodeError } from './binlog-reader.js';
import { decodeDecimal } from './binlog-decimal.js';
import { formatDouble } from './binlog-float-text.js';
import { ColumnType } from './binlog-column-types.js';

const T = {
  SMALL_OBJECT: 0x00,
  LARGE_OBJECT: 0x01,
  SMALL_ARRAY: 0x02,
  LARGE_ARRAY: 0x03,
  LITERAL: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  OPAQUE: 0x0f,
} as const;

/**
 * Binary JSON → text. An empty value (0 bytes) is JSON null, as MySQL reads it.
 * @example decodeJsonBinary(Buffer.from('0401', 'hex')) // 'true'
 */
export function decodeJsonBinary(buf: Buffer): string {
  if (buf.length === 0) return 'null';
  return value(buf, buf[0]!, 1, buf.length);
}

function value(buf: Buffer, type: number, pos: number, end: number): string {
  switch (type) {
    case T.SMALL_OBJECT:
      return container(buf, pos, end, false, true);
    case T.LARGE_OBJECT:
      return container(buf, pos, end, true, true);
    case T.SMALL_ARRAY:
      return container(buf, pos, end, false, false);
    case T.LARGE_ARRAY:
      return container(buf, pos, end, true, false);
    case T.LITERAL:
      return literal(need(buf, pos, 1, end)[pos]!);
    case T.INT16:
      return String(need(buf, pos, 2, end).readInt16LE(pos));
    case T.UINT16:
      return String(need(buf, pos, 2, end).readUInt16LE(pos));
    case T.INT32:
      return String(need(buf, pos, 4, end).readInt32LE(pos));
    case T.UINT32:
      return String(need(buf, pos, 4, end).readUInt32LE(pos));
    case T.INT64:
      return need(buf, pos, 8, end).readBigInt64LE(pos).toString();
    case T.UINT64:
      return need(buf, pos, 8, end).readBigUInt64LE(pos).toString();
    case T.DOUBLE: {
      const text = formatDouble(need(buf, pos, 8, end).readDoubleLE(pos));
      // MySQL marks a JSON double that prints as an integer with '.0'.
      return /^-?\d+$/.test(text) ? `${text}.0` : text;
    }
    case T.STRING: {
      const [len, start] = varLength(buf, pos, end);
      need(buf, start, len, end);
      return quote(buf.toString('utf8', start, start + len));
    }
    case T.OPAQUE:
      return opaque(buf, pos, end);
    default:
      throw new BinlogDecodeError(`unknown binary JSON type 0x${type.toString(16)}`);
  }
}

function need(buf: Buffer, pos: number, n: number, end: number): Buffer {
  if (pos + n > end) throw new BinlogDecodeError('truncated binary JSON');
  return buf;
}

function literal(b: number): string {
  if (b === 0) return 'null';
  if (b === 1) return 'true';
  if (b === 2) return 'false';
  throw new BinlogDecodeError(`unknown binary JSON literal ${b}`);
}

function container(buf: Buffer, start: number, end: number, large: boolean, isObject: boolean): string {
  const w = large ? 4 : 2;
  const rd = (p: number): number => (large ? need(buf, p, 4, end).readUInt32LE(p) : need(buf, p, 2, end).readUInt16LE(p));
  const count = rd(start);
  const size = rd(start + w);
  const limit = start + size;
  if (limit > end) throw new BinlogDecodeError('binary JSON container larger than its value');
  const keyEntries = start + 2 * w;
  const valueEntries = keyEntries + (isObject ? count * (w + 2) : 0);
  const parts: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const entry = valueEntries + i * (1 + w);
    const t = need(buf, entry, 1 + w, limit)[entry]!;
    let v: string;
    if (inlined(t, large)) v = value(buf, t, entry + 1, limit);
    else v = value(buf, t, start + rd(entry + 1), limit);
    if (isObject) {
      const ke = keyEntries + i * (w + 2);
      const keyOffset = rd(ke);
      const keyLen = need(buf, ke + w, 2, limit).readUInt16LE(ke + w);
      need(buf, start + keyOffset, keyLen, limit);
      parts[i] = `${quote(buf.toString('utf8', start + keyOffset, start + keyOffset + keyLen))}: ${v}`;
    } else parts[i] = v;
  }
  return isObject ? `{${parts.join(', ')}}` : `[${parts.join(', ')}]`;
}

/** Literals and 16-bit integers always sit in the value entry; 32-bit ones only in the large form. */
function inlined(type: number, large: boolean): boolean {
  return type === T.LITERAL || type === T.INT16 || type === T.UINT16 || (large && (type === T.INT32 || type === T.UINT32));
}

/** A length of 7 bits per byte, least significant first, top bit = more bytes follow. */
function varLength(buf: Buffer, pos: number, end: number): [number, number] {
  let len = 0;
  for (let i = 0; i < 5; i++) {
    const b = need(buf, pos, 1, end)[pos++]!;
    len += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [len, pos];
  }
  throw new BinlogDecodeError('binary JSON length longer than 5 bytes');
}

/** A JSON string literal, escaped as MySQL escapes it. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += c < 0x20 ? `\\u${c.toString(16).padStart(4, '0')}` : s[i];
    }
  }
  return out + '"';
}

/** A MySQL value kept in its own binary form inside JSON (a custom type byte, a length, the bytes). */
function opaque(buf: Buffer, pos: number, end: number): string {
  const fieldType = need(buf, pos, 1, end)[pos]!;
  const [len, start] = varLength(buf, pos + 1, end);
  need(buf, start, len, end);
  const data = buf.subarray(start, start + len);
  switch (fieldType) {
    case ColumnType.NEWDECIMAL: {
      if (data.length < 2) throw new BinlogDecodeError('truncated JSON DECIMAL');
      return decodeDecimal(data, 2, data[0]!, data[1]!);
    }
    case ColumnType.DATE:
      return quote(packedDatetime(data, 'date'));
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
      return quote(packedDatetime(data, 'datetime'));
    case ColumnType.TIME:
      return quote(packedTime(data));
    default:
      return quote(`base64:type${fieldType}:${data.toString('base64')}`);
  }
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** MySQL's packed DATETIME (a signed 64-bit integer: ymdhms << 24 | microseconds). */
function packedDatetime(data: Buffer, kind: 'date' | 'datetime'): string {
  if (data.length < 8) throw new BinlogDecodeError('truncated JSON DATETIME');
  let v = data.readBigInt64LE(0);
  if (v < 0n) v = -v;
  const micros = Number(v & 0xffffffn);
  const ymdhms = v >> 24n;
  const ymd = Number(ymdhms >> 17n);
  const hms = Number(ymdhms & 0x1ffffn);
  const ym = ymd >> 5;
  const date = `${pad(Math.floor(ym / 13), 4)}-${pad(ym % 13, 2)}-${pad(ymd & 31, 2)}`;
  if (kind === 'date') return date;
  return `${date} ${pad(hms >> 12, 2)}:${pad((hms >> 6) & 63, 2)}:${pad(hms & 63, 2)}.${pad(micros, 6)}`;
}

/** MySQL's packed TIME (a signed 64-bit integer: hms << 24 | microseconds, negated when negative). */
function packedTime(data: Buffer): string {
  if (data.length < 8) throw new BinlogDecodeError('truncated JSON TIME');
  const raw = data.readBigInt64LE(0);
  const neg = raw < 0n;
  const v = neg ? -raw : raw;
  const micros = Number(v & 0xffffffn);
  const hms = Number(v >> 24n);
  return `${neg ? '-' : ''}${pad(Math.floor(hms / 4096) % 1024, 2)}:${pad((hms >> 6) & 63, 2)}:${pad(hms & 63, 2)}.${pad(micros, 6)}`;
}
