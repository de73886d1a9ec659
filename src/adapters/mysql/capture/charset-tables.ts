/**
 * The source server's own conversion of every character of a character set, read once when a change
 * stream starts, for the character sets whose WHATWG tables (Node's TextDecoder) convert some bytes
 * otherwise than MySQL and MariaDB do. Measured by the mysql-fidelity run on MariaDB 10.11, a byte
 * sweep through the stream against the server's own conversion: sjis turned a backslash (0x815F, as
 * MariaDB stores `\` in sjis) into U+FF3C, euckr's euro sign became U+FFFD, big5's kana became private
 * use characters, latin5 and tis620 read 0x80-0x9F as windows code pages, and 13 of 23 character
 * sets changed some character, silently; the snapshot, read through the server, was exact.
 *
 * So these are decoded with the server's table: every single byte, and every sequence of two bytes
 * (three for ujis/eucjpms's 0x8F) that the character set's lead bytes start, each converted by the
 * server to utf8mb4 (one query per character set). A sequence outside the table (a trail byte below
 * 0x40, which these character sets never use) falls back to the WHATWG decoder.
 */
import type { Connection } from 'mysql2/promise';
import { setServerCharsetTable, type ServerCharsetTable } from './binlog-charsets.js';

/** How many bytes a sequence starting with `b` has, for each character set decoded by table. */
const SEQUENCE_LENGTH: Readonly<Record<string, (b: number) => number>> = {
  sjis: (b) => ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1),
  cp932: (b) => ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1),
  ujis: (b) => (b === 0x8f ? 3 : b === 0x8e || (b >= 0xa1 && b <= 0xfe) ? 2 : 1),
  eucjpms: (b) => (b === 0x8f ? 3 : b === 0x8e || (b >= 0xa1 && b <= 0xfe) ? 2 : 1),
  big5: (b) => (b >= 0xa1 && b <= 0xf9 ? 2 : 1),
  gb2312: (b) => (b >= 0xa1 && b <= 0xf7 ? 2 : 1),
  gbk: (b) => (b >= 0x81 && b <= 0xfe ? 2 : 1),
  euckr: (b) => (b >= 0x81 && b <= 0xfe ? 2 : 1),
  greek: () => 1,
  hebrew: () => 1,
  latin5: () => 1,
  latin7: () => 1,
  latin2: () => 1,
  koi8r: () => 1,
  koi8u: () => 1,
  cp866: () => 1,
  cp1250: () => 1,
  cp1251: () => 1,
  cp1256: () => 1,
  cp1257: () => 1,
  macroman: () => 1,
  tis620: () => 1,
};

/** Whether Tandem decodes `charset` (a MySQL name) with the server's table. */
export function decodedByServerTable(charset: string): boolean {
  return Object.prototype.hasOwnProperty.call(SEQUENCE_LENGTH, charset.toLowerCase());
}

const DELIMITER = 0x0a;

/** Every sequence of the character set: the single bytes that start none, and the lead bytes with each trail. */
function sequencesOf(lengthOf: (b: number) => number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < 256; b++) {
    if (b === DELIMITER) continue;
    const n = lengthOf(b);
    if (n === 1) out.push([b]);
    else if (n === 2) for (let t = 0x40; t <= 0xfe; t++) out.push([b, t]);
    else for (let t = 0xa1; t <= 0xfe; t++) for (let u = 0xa1; u <= 0xfe; u++) out.push([b, t, u]);
  }
  return out;
}

/** The server's text for each of `sequences` in `charset` (one query, the sequences between newlines). */
async function convertAll(connection: Connection, charset: string, sequences: readonly number[][]): Promise<string[] | undefined> {
  const bytes: number[] = [];
  for (const s of sequences) bytes.push(...s, DELIMITER);
  const [rows] = await connection.query(`SELECT HEX(CONVERT(CONVERT(? USING ${charset}) USING utf8mb4)) AS h`, [Buffer.from(bytes)]);
  const hex = (rows as { h: string | null }[])[0]?.h;
  if (hex === null || hex === undefined) return undefined;
  const pieces = Buffer.from(hex, 'hex').toString('utf8').split('\n');
  // An invalid sequence that took the newline after it with it would shift every later one.
  return pieces.length === sequences.length + 1 ? pieces.slice(0, -1) : undefined;
}

/**
 * Reads the server's table of each of `charsets` that is decoded by table and not read yet in this
 * process. A character set whose table cannot be read in one piece is read lead byte by lead byte.
 */
export async function loadServerCharsetTables(connection: Connection, charsets: Iterable<string>, loaded: Set<string> = LOADED): Promise<void> {
  for (const raw of new Set([...charsets].map((c) => c.toLowerCase()))) {
    if (!decodedByServerTable(raw) || loaded.has(raw)) continue;
    const lengthOf = SEQUENCE_LENGTH[raw]!;
    const sequences = sequencesOf(lengthOf);
    let texts = await convertAll(connection, raw, sequences);
    if (!texts) {
      texts = [];
      const byLead = new Map<number, number[][]>();
      for (const s of sequences) {
        const lead = s.length === 1 ? -1 : s[0]!;
        const group = byLead.get(lead);
        if (group) group.push(s);
        else byLead.set(lead, [s]);
      }
      const ordered: number[][] = [];
      for (const group of byLead.values()) {
        const got = await convertAll(connection, raw, group);
        if (!got) continue; // left to the fallback decoder
        ordered.push(...group);
        texts.push(...got);
      }
      sequences.splice(0, sequences.length, ...ordered);
    }
    const table: ServerCharsetTable = { sequenceLength: lengthOf, single: new Array<string | undefined>(256), multi: new Map() };
    table.single[DELIMITER] = '\n';
    sequences.forEach((s, i) => {
      if (s.length === 1) table.single[s[0]!] = texts![i]!;
      else table.multi.set(s.reduce((k, b) => k * 256 + b, 0), texts![i]!);
    });
    setServerCharsetTable(raw, table);
    loaded.add(raw);
  }
}

const LOADED = new Set<string>();
