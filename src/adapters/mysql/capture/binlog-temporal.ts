/**
 * The binlog's temporal column formats to the text MySQL prints for them (a session with
 * time_zone '+00:00' for TIMESTAMP). Fraction digits: exactly the column's fsp, as the server
 * prints them. The "2" formats (MySQL 5.6+, MariaDB with mysql56_temporal_format) are big-endian.
 */
import { BinlogDecodeError } from './binlog-reader.js';

/** Bytes the fractional part of an fsp takes in the "2" formats. */
export function fracBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

/** '00' … '99': most fields of a date or time are two digits. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

function pad(n: number, w: number): string {
  if (w === 2 && n >= 0 && n < 100) return TWO_DIGITS[n]!;
  return String(n).padStart(w, '0');
}

/** `.ffffff` cut to fsp digits ('' for fsp 0). */
function fraction(micros: number, fsp: number): string {
  if (fsp === 0) return '';
  return '.' + pad(micros, 6).slice(0, fsp);
}

/** The unsigned fraction of DATETIME2/TIMESTAMP2 in microseconds. */
function readFracUnsigned(buf: Buffer, pos: number, fsp: number): number {
  switch (fracBytes(fsp)) {
    case 0: return 0;
    case 1: return buf[pos]! * 10000;
    case 2: return buf.readUInt16BE(pos) * 100;
    default: return buf.readUIntBE(pos, 3);
  }
}

/** DATE (3 bytes, little-endian: day | month << 5 | year << 9) → 'YYYY-MM-DD'. */
export function decodeDate(buf: Buffer, pos: number): string {
  const v = buf.readUIntLE(pos, 3);
  return `${pad(v >> 9, 4)}-${pad((v >> 5) & 15, 2)}-${pad(v & 31, 2)}`;
}

/** DATETIME2(fsp): 5 bytes big-endian + fraction → 'YYYY-MM-DD HH:MM:SS[.f]'. */
export function decodeDatetime2(buf: Buffer, pos: number, fsp: number): string {
  // 1 sign bit (1 = non-negative), 17 bits year*13+month, 5 day, 5 hour, 6 minute, 6 second.
  const raw = buf.readUIntBE(pos, 5) - 0x8000000000;
  if (raw < 0) throw new BinlogDecodeError('negative DATETIME2');
  const ymd = Math.floor(raw / 2 ** 17);
  const hms = raw % 2 ** 17;
  const ym = ymd >> 5;
  const year = Math.floor(ym / 13);
  const month = ym % 13;
  const day = ymd & 31;
  const micros = readFracUnsigned(buf, pos + 5, fsp);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hms >> 12, 2)}:${pad((hms >> 6) & 63, 2)}:${pad(hms & 63, 2)}${fraction(micros, fsp)}`;
}

/** TIMESTAMP2(fsp): 4 bytes big-endian seconds since the epoch + fraction, printed in UTC. */
export function decodeTimestamp2(buf: Buffer, pos: number, fsp: number): string {
  return formatEpoch(buf.readUInt32BE(pos), readFracUnsigned(buf, pos + 4, fsp), fsp);
}

/** Seconds since the epoch as MySQL prints a TIMESTAMP in UTC; 0 is the zero timestamp. */
export function formatEpoch(seconds: number, micros: number, fsp: number): string {
  if (seconds === 0 && micros === 0) return '0000-00-00 00:00:00' + fraction(0, fsp);
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${fraction(micros, fsp)}`
  );
}

/**
 * TIME2(fsp): 3 bytes big-endian + fraction, as one signed packed value → '[-]HH:MM:SS[.f]' (hours
 * up to 838, at least two digits). A negative time with a fraction borrows from the integer part.
 */
export function decodeTime2(buf: Buffer, pos: number, fsp: number): string {
  // The value is MySQL's packed time: (hh << 12 | mm << 6 | ss) << 24 | microseconds, negated for
  // a negative time, stored offset so that it sorts as unsigned bytes.
  let packed: number;
  const n = fracBytes(fsp);
  if (n === 3) {
    packed = buf.readUIntBE(pos, 6) - 0x800000000000;
  } else {
    let intPart = buf.readUIntBE(pos, 3) - 0x800000;
    let frac = 0; // microseconds, signed
    if (n === 1) {
      let f = buf[pos + 3]!;
      if (intPart < 0 && f !== 0) {
        intPart++;
        f -= 0x100;
      }
      frac = f * 10000;
    } else if (n === 2) {
      let f = buf.readUInt16BE(pos + 3);
      if (intPart < 0 && f !== 0) {
        intPart++;
        f -= 0x10000;
      }
      frac = f * 100;
    }
    packed = intPart * 2 ** 24 + frac;
  }
  const abs = Math.abs(packed);
  const hms = Math.floor(abs / 2 ** 24);
  const micros = abs % 2 ** 24;
  const hour = Math.floor(hms / 4096) % 1024;
  return `${packed < 0 ? '-' : ''}${pad(hour, 2)}:${pad((hms >> 6) & 63, 2)}:${pad(hms & 63, 2)}${fraction(micros, fsp)}`;
}

/** The old TIME (3 bytes little-endian, signed HHMMSS as a decimal integer). */
export function decodeTimeOld(buf: Buffer, pos: number): string {
  const v = buf.readIntLE(pos, 3);
  const a = Math.abs(v);
  return `${v < 0 ? '-' : ''}${pad(Math.floor(a / 10000), 2)}:${pad(Math.floor(a / 100) % 100, 2)}:${pad(a % 100, 2)}`;
}

/** The old DATETIME (8 bytes little-endian, YYYYMMDDhhmmss as a decimal integer). */
export function decodeDatetimeOld(buf: Buffer, pos: number): string {
  const s = buf.readBigUInt64LE(pos).toString().padStart(14, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
}

/** YEAR (1 byte): 0 is '0000', otherwise 1900 + value. */
export function decodeYear(v: number): string {
  return v === 0 ? '0000' : String(1900 + v);
}

/*
 * MariaDB's own fractional formats ("hires", used for TIME(n)/DATETIME(n)/TIMESTAMP(n) with n > 0
 * in tables created while mysql56_temporal_format was OFF). The table map then says TIME, DATETIME
 * or TIMESTAMP without metadata: the fsp must come from the catalog.
 */

/** Bytes of MariaDB's hires TIME(fsp) / DATETIME(fsp) / TIMESTAMP(fsp). */
export function hiresBytes(kind: 'time' | 'datetime' | 'timestamp', fsp: number): number {
  if (kind === 'time') return [3, 4, 4, 5, 5, 5, 6][fsp]!;
  if (kind === 'datetime') return [5, 6, 6, 7, 7, 7, 8][fsp]!;
  return 4 + fracBytes(fsp);
}

/** The value in units of 10^-fsp seconds, back to microseconds. */
function unshift(v: bigint, fsp: number): bigint {
  return v * 10n ** BigInt(6 - fsp);
}

/** MariaDB hires TIME(fsp): big-endian, ±(seconds·10^6 + µs) scaled to fsp, offset by 838:59:59+1 s. */
export function decodeTimeHires(buf: Buffer, pos: number, fsp: number): string {
  const n = hiresBytes('time', fsp);
  const zero = (3020400n * 1_000_000n) / 10n ** BigInt(6 - fsp);
  const v = unshift(BigInt(buf.readUIntBE(pos, n)) - zero, fsp);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const micros = Number(abs % 1_000_000n);
  const secs = Number(abs / 1_000_000n);
  return `${neg ? '-' : ''}${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}${fraction(micros, fsp)}`;
}

/** MariaDB hires DATETIME(fsp): big-endian (((((y·13+m)·32+d)·24+h)·60+mi)·60+s)·10^6+µs scaled to fsp. */
export function decodeDatetimeHires(buf: Buffer, pos: number, fsp: number): string {
  const n = hiresBytes('datetime', fsp);
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[pos + i]!);
  v = unshift(v, fsp);
  const micros = Number(v % 1_000_000n);
  let rest = v / 1_000_000n;
  const second = Number(rest % 60n); rest /= 60n;
  const minute = Number(rest % 60n); rest /= 60n;
  const hour = Number(rest % 24n); rest /= 24n;
  const day = Number(rest % 32n); rest /= 32n;
  const month = Number(rest % 13n);
  const year = Number(rest / 13n);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction(micros, fsp)}`;
}

/** MariaDB hires TIMESTAMP(fsp): seconds (4 bytes big-endian), then µs scaled to fsp (big-endian). */
export function decodeTimestampHires(buf: Buffer, pos: number, fsp: number): string {
  const k = fracBytes(fsp);
  const frac = k === 0 ? 0 : Number(unshift(BigInt(buf.readUIntBE(pos + 4, k)), fsp));
  return formatEpoch(buf.readUInt32BE(pos), frac, fsp);
}
