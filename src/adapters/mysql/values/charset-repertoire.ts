/**
 * MySQL character sets as repertoires (`core/values/character-repertoire.ts`), for the fall-back
 * writer's check and the live export's warning. Pure.
 */
import type { Repertoire } from '../../../core/values/character-repertoire.js';

const REPERTOIRES: Record<string, Repertoire> = {
  utf8mb4: 'unicode', utf16: 'unicode', utf16le: 'unicode', utf32: 'unicode',
  utf8mb3: 'bmp', utf8: 'bmp', ucs2: 'bmp',
  // MySQL's latin1 is Windows-1252, with the five bytes that code page leaves undefined mapped to the
  // control characters of the same number, as WHATWG's decoder does.
  latin1: 'windows-1252',
  ascii: 'ascii',
};

/** The characters a column in `charset` stores; undefined for a set Tandem does not know (gbk, latin2, …: MySQL's own check is the only one). */
export function mysqlRepertoire(charset: string): Repertoire | undefined {
  return REPERTOIRES[charset.toLowerCase()];
}

/** Whether `charset` stores fewer characters than UTF-8: every set but the Unicode ones (and binary, which holds bytes). */
export function holdsLessThanUnicode(charset: string): boolean {
  const c = charset.toLowerCase();
  return c !== 'binary' && REPERTOIRES[c] !== 'unicode';
}
