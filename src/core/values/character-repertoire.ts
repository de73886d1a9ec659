/**
 * Which characters a source's character set can store, for the fall-back writers. YugabyteDB stores
 * UTF-8, so after the cutover the application may write characters that a latin1 or utf8mb3 column
 * of a MySQL source, or a WE8MSWIN1252 Oracle database, cannot hold. MySQL (strict sql_mode, as
 * Tandem's sessions run) refuses such a value with an error that quotes it; Oracle silently replaces
 * the character with a replacement character. The writers check first, naming the column instead of
 * the value. Engines map their character-set names to one of these repertoires. Pure.
 */

/** A set of characters, by what it covers. */
export type Repertoire =
  /** Every Unicode character (UTF-8, UTF-16, UTF-32). */
  | 'unicode'
  /** The Basic Multilingual Plane: no character beyond U+FFFF (MySQL's utf8mb3 and ucs2). */
  | 'bmp'
  /** Windows-1252: ASCII, Latin-1's 0xA0-0xFF, € and the other 26 in 0x80-0x9F, and the five control characters at its undefined bytes. */
  | 'windows-1252'
  /** ISO 8859-1: U+0000 to U+00FF. */
  | 'latin1'
  /** U+0000 to U+007F. */
  | 'ascii';

/**
 * Windows-1252's bytes 0x80-0x9F, in order: 27 characters and, at its five undefined bytes (0x81,
 * 0x8D, 0x8F, 0x90, 0x9D), the control characters of the same number, as MySQL's latin1 and
 * WHATWG map them. (Node's TextDecoder('windows-1252') decodes as ISO 8859-1, so the table is written
 * out; `test/integration/mysql/character-sets.test.ts` checks it against MariaDB.)
 */
const WINDOWS_1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f'
  + '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const WINDOWS_1252 = new Set(WINDOWS_1252_HIGH);

/** Characters outside ASCII and outside Latin-1's printable range, the only ones Windows-1252 must be asked about. */
const OUTSIDE_PLAIN_LATIN1 = /[^\x00-\x7f\xa0-\xff]/gu;
const OUTSIDE_LATIN1 = /[^\x00-\xff]/u;
const OUTSIDE_ASCII = /[^\x00-\x7f]/u;
/** A character beyond the Basic Multilingual Plane: a surrogate pair in a JavaScript string (no `u` flag: matched half by half). */
const BEYOND_BMP = /[\ud800-\udfff]/;

/**
 * Whether every character of `text` is in `repertoire`.
 *
 * @example
 * repertoireHolds('windows-1252', 'café €') // true
 * repertoireHolds('windows-1252', 'Ā')      // false
 * repertoireHolds('bmp', '😀')              // false
 */
export function repertoireHolds(repertoire: Repertoire, text: string): boolean {
  switch (repertoire) {
    case 'unicode': return true;
    case 'bmp': return !BEYOND_BMP.test(text);
    case 'latin1': return !OUTSIDE_LATIN1.test(text);
    case 'ascii': return !OUTSIDE_ASCII.test(text);
    case 'windows-1252':
      for (const m of text.matchAll(OUTSIDE_PLAIN_LATIN1)) if (!WINDOWS_1252.has(m[0])) return false;
      return true;
  }
}
