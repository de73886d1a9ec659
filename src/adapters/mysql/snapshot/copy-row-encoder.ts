/**
 * One MySQL text-protocol row (the bytes of its packet) → one PostgreSQL text-format COPY row framed
 * as a CopyData message, byte for byte, without a JavaScript value per field. Pure. It writes exactly
 * what `mysqlRowToCopyText` + `copyDataMessage` (values/copy-text-row.ts) write for the same values:
 * the unit test holds the two side by side, and the type round trip checks both on a real server.
 *
 * Field by kind (the column's `MySqlValueType`, docs/mysql.md):
 * - integer, decimal, float, double (FLOAT read as DOUBLE), time: the server's text as it is;
 * - text, json: the text with COPY's four special bytes escaped (`\\`, tab, newline, CR); a NUL
 *   byte is a TANDEM_DATA error (PostgreSQL text cannot hold it); jsonb also refuses the `\u0000`
 *   escape (through the general converter);
 * - binary (BLOBs, binary strings, spatial values): `\\x` and lower-case hex (bytea's hex form, its
 *   backslash escaped for COPY);
 * - date, datetime, timestamp: the text (`+00` appended to a TIMESTAMP, read in UTC); a zero date
 *   is `\N` in a nullable column and a TANDEM_DATA error in a NOT NULL one;
 * - year: `0000` is `0`;
 * - bit: the value's n binary digits.
 * UTF-8 never puts the bytes 0x00, 0x09, 0x0A, 0x0D or 0x5C inside a multi-byte character, so
 * escaping bytes is escaping characters.
 */
import { isImpossibleDate, mysqlToPg } from '../values/mysql-to-pg.js';
import type { MySqlValueType } from '../values/value-type.js';
import { readLengthEncoded } from './raw-row-query.js';

const enum Mode { Plain, Text, Jsonb, Binary, Date, Timestamp, Year, Bit }

const NULL_FIELD = 0xfb;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** COPY's escape letter for a byte that needs one (0 for none); 0x00 is refused separately. */
const ESCAPE = new Uint8Array(256);
ESCAPE[0x5c] = 0x5c; // \\
ESCAPE[0x0a] = 0x6e; // \n
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x09] = 0x74; // \t
ESCAPE[0x00] = 0xff; // marks NUL

function modeOf(t: MySqlValueType): Mode {
  switch (t.kind) {
    case 'integer': case 'decimal': case 'float': case 'double': case 'time': return Mode.Plain;
    case 'text': case 'json': return Mode.Text;
    case 'jsonb': return Mode.Jsonb;
    case 'binary': return Mode.Binary;
    case 'date': case 'datetime': return Mode.Date;
    case 'timestamp': return Mode.Timestamp;
    case 'year': return Mode.Year;
    case 'bit': return Mode.Bit;
  }
}

/** Output bytes per input byte in the worst case, per mode. */
function growth(m: Mode): number {
  return m === Mode.Bit ? 8 : m === Mode.Text || m === Mode.Jsonb || m === Mode.Binary ? 2 : 1;
}

/** Copies src[s, e) to out at pos; returns the new pos. A loop for short fields: Buffer#copy costs more per call than it saves. */
function copyBytes(src: Buffer, s: number, e: number, out: Buffer, pos: number): number {
  if (e - s > 64) return pos + src.copy(out, pos, s, e);
  for (let i = s; i < e; i++) out[pos++] = src[i]!;
  return pos;
}

/** True for the text of a zero date (`0000-…`, a zero month `YYYY-00`, a zero day `YYYY-MM-00`). */
function isZeroDateBytes(b: Buffer, s: number, e: number): boolean {
  if (e - s >= 5 && b[s] === 0x30 && b[s + 1] === 0x30 && b[s + 2] === 0x30 && b[s + 3] === 0x30 && b[s + 4] === 0x2d) return true;
  if (e - s >= 7 && b[s + 4] === 0x2d && b[s + 5] === 0x30 && b[s + 6] === 0x30) return true;
  if (e - s >= 10 && b[s + 7] === 0x2d && b[s + 8] === 0x30 && b[s + 9] === 0x30) return true;
  return false;
}

/**
 * Encodes rows of one SELECT whose columns have `types` (in select-list order).
 *
 * @example
 * const enc = new CopyRowEncoder(types);
 * const end = enc.encode(packet, start, end, out, pos); // out must have enc.bound(end - start) bytes free at pos
 */
export class CopyRowEncoder {
  private readonly modes: Mode[];
  private readonly factor: number;
  private readonly fixed: number;

  constructor(private readonly types: readonly MySqlValueType[]) {
    if (types.length === 0) throw new Error('internal: a snapshot SELECT without columns');
    this.modes = types.map(modeOf);
    this.factor = Math.max(...this.modes.map(growth));
    // Per field: a tab, `\N` for a 1-byte NULL, `+00`, `\\x`: at most 4 more than the growth; BIT digits on top.
    this.fixed = 6 + types.length * 4 + types.reduce((n, t) => n + (t.kind === 'bit' ? t.bitLength ?? 1 : 0), 0);
  }

  /** The most bytes `encode` can write for a row packet of `packetBytes` payload bytes. */
  bound(packetBytes: number): number {
    return this.fixed + packetBytes * this.factor;
  }

  /**
   * Writes the CopyData message of the row in `src[start, end)` into `out` at `pos` and returns the
   * position after it. Throws TANDEM_DATA (naming the column, never the value) for a value
   * PostgreSQL cannot store.
   */
  encode(src: Buffer, start: number, end: number, out: Buffer, pos: number): number {
    const modes = this.modes;
    const messageStart = pos;
    out[pos] = 0x64;
    pos += 5;
    let p = start;
    for (let f = 0; f < modes.length; f++) {
      if (f > 0) out[pos++] = 0x09;
      if (p >= end) throw new Error('internal: a row packet with fewer fields than the SELECT');
      if (src[p] === NULL_FIELD) {
        out[pos++] = BACKSLASH;
        out[pos++] = 0x4e; // N
        p++;
        continue;
      }
      let len: number;
      const first = src[p]!;
      if (first < 0xfb) { len = first; p++; } else [len, p] = readLengthEncoded(src, p);
      const s = p;
      const e = p + len;
      p = e;
      switch (modes[f]) {
        case Mode.Plain:
          pos = copyBytes(src, s, e, out, pos);
          break;
        case Mode.Text:
          pos = this.escaped(src, s, e, out, pos, f);
          break;
        case Mode.Jsonb: {
          // The \u0000 check lives in the general converter; jsonb text is rare enough to take it.
          const text = mysqlToPg(src.toString('utf8', s, e), this.types[f]!)!;
          const bytes = Buffer.from(text, 'utf8');
          pos = this.escaped(bytes, 0, bytes.length, out, pos, f);
          break;
        }
        case Mode.Binary:
          out[pos++] = BACKSLASH;
          out[pos++] = BACKSLASH;
          out[pos++] = 0x78; // x
          for (let i = s; i < e; i++) {
            const b = src[i]!;
            out[pos++] = HEX[b >> 4]!;
            out[pos++] = HEX[b & 15]!;
          }
          break;
        case Mode.Date:
        case Mode.Timestamp:
          // Only a day past 28 can be one its month lacks (2024-02-30): tested on the bytes, so that the
          // text is made only for those.
          if (isZeroDateBytes(src, s, e) || (e - s >= 10 && (src[s + 8]! - 0x30) * 10 + src[s + 9]! - 0x30 > 28
            && isImpossibleDate(src.toString('latin1', s, s + 10)))) {
            mysqlToPg(src.toString('latin1', s, e), this.types[f]!); // throws for a NOT NULL column
            out[pos++] = BACKSLASH;
            out[pos++] = 0x4e;
            break;
          }
          pos = copyBytes(src, s, e, out, pos);
          if (modes[f] === Mode.Timestamp) {
            out[pos++] = 0x2b; // +
            out[pos++] = 0x30;
            out[pos++] = 0x30;
          }
          break;
        case Mode.Year:
          if (e - s === 4 && src[s] === 0x30 && src[s + 1] === 0x30 && src[s + 2] === 0x30 && src[s + 3] === 0x30) out[pos++] = 0x30;
          else pos = copyBytes(src, s, e, out, pos);
          break;
        case Mode.Bit: {
          // BIT(n) arrives as its big-endian bytes; the last n bits are the value.
          const n = this.types[f]!.bitLength ?? 1;
          const total = (e - s) * 8;
          for (let pad = total; pad < n; pad++) out[pos++] = 0x30;
          for (let bit = Math.max(0, total - n); bit < total; bit++) {
            out[pos++] = (src[s + (bit >> 3)]! >> (7 - (bit & 7))) & 1 ? 0x31 : 0x30;
          }
          break;
        }
      }
    }
    if (p !== end) throw new Error('internal: a row packet with more fields than the SELECT');
    out[pos++] = 0x0a;
    out.writeUInt32BE(pos - messageStart - 1, messageStart + 1);
    return pos;
  }

  /** Copies text escaping COPY's special bytes; NUL is refused through the general converter. */
  private escaped(src: Buffer, s: number, e: number, out: Buffer, pos: number, f: number): number {
    for (let i = s; i < e; i++) {
      const b = src[i]!;
      const esc = ESCAPE[b]!;
      if (esc === 0) {
        out[pos++] = b;
      } else if (esc === 0xff) {
        mysqlToPg(src.toString('utf8', s, e), this.types[f]!); // throws TANDEM_DATA naming the column
        throw new Error(`internal: ${this.types[f]!.column} holds a NUL byte the converter accepted`);
      } else {
        out[pos++] = BACKSLASH;
        out[pos++] = esc;
      }
    }
    return pos;
  }
}
