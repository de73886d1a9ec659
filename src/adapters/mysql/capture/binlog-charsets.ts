/**
 * Turns the bytes of a character column into a JS string, from the column's MySQL character set,
 * the way the server converts them for a utf8mb4 client. Binary columns (charset `binary`) stay
 * bytes and never come here.
 */
import { TandemError } from '../../../core/errors.js';

/** MySQL character set name → WHATWG encoding label (what Node's TextDecoder knows). */
const ENCODINGS: Readonly<Record<string, string>> = {
  utf8mb4: 'utf-8',
  utf8mb3: 'utf-8',
  utf8: 'utf-8',
  latin2: 'iso-8859-2',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  macroman: 'macintosh',
  tis620: 'windows-874',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

/** Decodes one column's bytes to a string. */
export type TextDecodeFn = (bytes: Buffer) => string;

const cache = new Map<string, TextDecodeFn>();

/** A character set as the source server converts it (`charset-tables.ts` reads it). */
export interface ServerCharsetTable {
  /** The length of the sequence a byte starts. */
  readonly sequenceLength: (b: number) => number;
  /** The text of each single byte that starts no longer sequence. */
  readonly single: (string | undefined)[];
  /** The text of each longer sequence, keyed by its bytes as one number. */
  readonly multi: Map<number, string>;
}

const serverTables = new Map<string, ServerCharsetTable>();

/** Whether `charset` is decoded with a server's table already (read once per process). */
export function hasServerCharsetTable(charset: string): boolean {
  return serverTables.has(charset.toLowerCase());
}

/** From now on, `charset` is decoded with the server's own table. */
export function setServerCharsetTable(charset: string, table: ServerCharsetTable): void {
  serverTables.set(charset.toLowerCase(), table);
  cache.delete(charset.toLowerCase());
}

/** A decoder from the server's table; sequences it lacks go to `fallback`. */
function tableDecoder(table: ServerCharsetTable, fallback: TextDecodeFn | undefined): TextDecodeFn {
  return (bytes) => {
    let out = '';
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i]!;
      const n = table.sequenceLength(b);
      let text: string | undefined;
      if (n === 1 || i + n > bytes.length) {
        text = table.single[b];
        if (text === undefined) text = fallback ? fallback(bytes.subarray(i, i + 1)) : '?';
        out += text;
        i++;
        continue;
      }
      let key = 0;
      for (let k = 0; k < n; k++) key = key * 256 + bytes[i + k]!;
      text = table.multi.get(key);
      out += text ?? (fallback ? fallback(bytes.subarray(i, i + n)) : '?');
      i += n;
    }
    return out;
  };
}

/**
 * MySQL's latin1 is cp1252, with the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
 * 0x9D) mapped to the C1 controls of the same number. (Node 20's TextDecoder('windows-1252')
 * decodes 0x80–0x9F as ISO-8859-1, so it cannot be used.)
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function latin1(bytes: Buffer): string {
  let i = 0;
  while (i < bytes.length && (bytes[i]! < 0x80 || bytes[i]! > 0x9f)) i++;
  if (i === bytes.length) return bytes.toString('latin1');
  let out = bytes.toString('latin1', 0, i);
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b);
  }
  return out;
}

function utf32(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i + 3 < bytes.length; i += 4) out += String.fromCodePoint(bytes.readUInt32BE(i));
  return out;
}

/**
 * The decoder for a MySQL character set name (`utf8mb4`, `latin1`, …), or undefined when Tandem
 * cannot decode it.
 */
export function textDecoderFor(charset: string): TextDecodeFn | undefined {
  const name = charset.toLowerCase();
  const hit = cache.get(name);
  if (hit) return hit;
  let fn: TextDecodeFn | undefined;
  if (name === 'utf32') fn = utf32;
  else if (name === 'latin1' || name === 'ascii') fn = latin1;
  else if (ENCODINGS[name] === 'utf-8') fn = (b) => b.toString('utf8');
  else if (ENCODINGS[name]) {
    const d = new TextDecoder(ENCODINGS[name]);
    fn = (b) => d.decode(b);
  }
  const table = serverTables.get(name);
  if (table) fn = tableDecoder(table, fn);
  if (fn) cache.set(name, fn);
  return fn;
}

/** Like {@link textDecoderFor} but a TandemError naming the column when the charset is unknown. */
export function requireTextDecoder(charset: string, where: string): TextDecodeFn {
  const fn = textDecoderFor(charset);
  if (!fn) {
    throw new TandemError('TANDEM_UNSUPPORTED', `${where} uses the character set ${charset}, which Tandem cannot decode from the binlog.`, {
      hint: `Convert the column to utf8mb4 on the source (ALTER TABLE … MODIFY … CHARACTER SET utf8mb4) or leave the table out with --exclude-table-list.`,
    });
  }
  return fn;
}

/**
 * Collation id → character set name, for the ids MySQL and MariaDB share (1–247) and MySQL 8's
 * utf8mb4 UCA 9.0 collations (255–323). 63 is `binary`. Used only when the table catalog did not
 * say (the optional metadata of the table map carries collation ids).
 */
const COLLATION_RANGES: ReadonlyArray<readonly [number, number, string]> = [
  [1, 1, 'big5'], [2, 2, 'latin2'], [5, 5, 'latin1'], [7, 7, 'koi8r'], [8, 8, 'latin1'], [9, 9, 'latin2'],
  [11, 11, 'ascii'], [12, 12, 'ujis'], [13, 13, 'sjis'], [14, 14, 'cp1251'], [15, 15, 'latin1'], [16, 16, 'hebrew'],
  [18, 18, 'tis620'], [19, 19, 'euckr'], [20, 20, 'latin7'], [21, 21, 'latin2'], [22, 22, 'koi8u'], [23, 23, 'cp1251'],
  [24, 24, 'gb2312'], [25, 25, 'greek'], [26, 26, 'cp1250'], [27, 27, 'latin2'], [28, 28, 'gbk'], [29, 29, 'cp1257'],
  [30, 30, 'latin5'], [31, 31, 'latin1'], [33, 33, 'utf8mb3'], [34, 34, 'cp1250'], [35, 35, 'ucs2'], [36, 36, 'cp866'],
  [41, 42, 'latin7'], [44, 44, 'cp1250'], [45, 46, 'utf8mb4'], [47, 49, 'latin1'], [50, 52, 'cp1251'], [54, 55, 'utf16'],
  [56, 56, 'utf16le'], [57, 57, 'cp1256'], [58, 59, 'cp1257'], [60, 61, 'utf32'], [62, 62, 'utf16le'], [63, 63, 'binary'],
  [65, 65, 'ascii'], [66, 66, 'cp1250'], [67, 67, 'cp1256'], [68, 68, 'cp866'], [70, 70, 'greek'], [71, 71, 'hebrew'],
  [74, 74, 'koi8r'], [75, 75, 'koi8u'], [76, 76, 'utf8mb3'], [77, 77, 'latin2'], [78, 78, 'latin5'], [79, 79, 'latin7'],
  [83, 83, 'utf8mb3'], [84, 84, 'big5'], [85, 85, 'euckr'], [86, 86, 'gb2312'], [87, 87, 'gbk'], [88, 88, 'sjis'],
  [89, 89, 'tis620'], [90, 90, 'ucs2'], [91, 91, 'ujis'], [94, 94, 'latin1'], [95, 96, 'cp932'], [97, 98, 'eucjpms'],
  [99, 99, 'cp1250'], [101, 124, 'utf16'], [128, 151, 'ucs2'], [159, 159, 'ucs2'], [160, 183, 'utf32'],
  [192, 215, 'utf8mb3'], [223, 223, 'utf8mb3'], [224, 247, 'utf8mb4'], [255, 323, 'utf8mb4'],
];

/** The character set of a collation id, or undefined when Tandem does not know the id. */
export function charsetOfCollation(id: number): string | undefined {
  for (const [lo, hi, name] of COLLATION_RANGES) if (id >= lo && id <= hi) return name;
  return undefined;
}
