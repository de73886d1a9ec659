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
import { hasServerCharsetTable, setServerCharsetTable, type ServerCharsetTable } from './binlog-charsets.js';

const SJIS = (b: number) => ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1);
const EUC_JP = (b: number) => (b === 0x8f ? 3 : b === 0x8e || (b >= 0xa1 && b <= 0xfe) ? 2 : 1);
const SINGLE_BYTE = () => 1;
/** How many bytes a sequence starting with `b` has, for each character set decoded by table. */
const SEQUENCE_LENGTH: Readonly<Record<string, (b: number) => number>> = {
  sjis: SJIS,
  cp932: SJIS,
  ujis: EUC_JP,
  eucjpms: EUC_JP,
  big5: (b) => (b >= 0xa1 && b <= 0xf9 ? 2 : 1),
  gb2312: (b) => (b >= 0xa1 && b <= 0xf7 ? 2 : 1),
  gbk: (b) => (b >= 0x81 && b <= 0xfe ? 2 : 1),
  euckr: (b) => (b >= 0x81 && b <= 0xfe ? 2 : 1),
  ...Object.fromEntries(['greek', 'hebrew', 'latin5', 'latin7', 'latin2', 'koi8r', 'koi8u', 'cp866', 'cp1250', 'cp1251', 'cp1256', 'cp1257', 'macroman', 'tis620']
    .map((name) => [name, SINGLE_BYTE])),
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

/** Each sequence with its text, by one query, or lead byte by lead byte when that fails (a sequence of a failed lead is left to the fallback decoder). */
async function converted(connection: Connection, charset: string, sequences: readonly number[][]): Promise<[number[], string][]> {
  const all = await convertAll(connection, charset, sequences);
  if (all) return sequences.map((s, i) => [s, all[i]!]);
  const byLead = new Map<number, number[][]>();
  for (const s of sequences) {
    const lead = s.length === 1 ? -1 : s[0]!;
    const group = byLead.get(lead);
    if (group) group.push(s);
    else byLead.set(lead, [s]);
  }
  const out: [number[], string][] = [];
  for (const group of byLead.values()) {
    const got = await convertAll(connection, charset, group);
    if (got) group.forEach((s, i) => out.push([s, got[i]!]));
  }
  return out;
}

/** Reads the server's table of each of `charsets` that is decoded by table and not read yet in this process. */
export async function loadServerCharsetTables(connection: Connection, charsets: Iterable<string>): Promise<void> {
  for (const raw of new Set([...charsets].map((c) => c.toLowerCase()))) {
    if (!decodedByServerTable(raw) || hasServerCharsetTable(raw)) continue;
    const lengthOf = SEQUENCE_LENGTH[raw]!;
    const table: ServerCharsetTable = { sequenceLength: lengthOf, single: new Array<string | undefined>(256), multi: new Map() };
    table.single[DELIMITER] = '\n';
    for (const [s, text] of await converted(connection, raw, sequencesOf(lengthOf))) {
      if (s.length === 1) table.single[s[0]!] = text;
      else table.multi.set(s.reduce((k, b) => k * 256 + b, 0), text);
    }
    setServerCharsetTable(raw, table);
  }
}
