/**
 * Oracle database character sets as repertoires (`core/values/character-repertoire.ts`), for the
 * fall-back writer's check and the live export's warning. Oracle replaces a character its database
 * character set cannot store with a replacement character, without an error, so the writer refuses
 * such a value before binding it. Pure.
 *
 * NOT CHECKED AGAINST A LIVE ORACLE: the repertoires come from the character sets' definitions
 * (WE8MSWIN1252 as Windows-1252, the control characters at its five undefined bytes included).
 */
import type { Repertoire } from '../../../core/values/character-repertoire.js';

const REPERTOIRES: Record<string, Repertoire> = {
  // UTF8 is CESU-8: a character beyond U+FFFF is stored as its two surrogates, so it holds them all.
  AL32UTF8: 'unicode', UTF8: 'unicode', AL16UTF16: 'unicode',
  WE8MSWIN1252: 'windows-1252',
  WE8ISO8859P1: 'latin1',
  US7ASCII: 'ascii',
};

/** The characters a database in `characterSet` stores in CHAR, VARCHAR2, LONG and CLOB; undefined when Tandem does not know the set. */
export function oracleRepertoire(characterSet: string): Repertoire | undefined {
  return REPERTOIRES[characterSet.toUpperCase()];
}

/** Whether the database character set stores every Unicode character (what the target may hold). */
export function storesAllUnicode(characterSet: string): boolean {
  return oracleRepertoire(characterSet) === 'unicode';
}
