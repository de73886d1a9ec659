import { OracleValueError } from './value-error.js';

/**
 * RAW, LONG RAW and BLOB ↔ bytea. PostgreSQL's text form is hex (`\x0a0b`, bytea_output = hex, the
 * default); the older escape form (`\012\\abc`) is read too, for servers configured that way.
 */

/** Bytes → bytea text (`\x` and lower-case hex). */
export function byteaHex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** Oracle's hex text (HEXTORAW's argument, RAWTOHEX's result; either case) → bytea text. */
export function oracleHexToBytea(hex: string): string {
  const h = hex.trim();
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new OracleValueError('not hexadecimal bytes');
  return `\\x${h.toLowerCase()}`;
}

/** bytea text (hex or escape form) → bytes. */
export function parseBytea(text: string): Buffer {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new OracleValueError('not a bytea hex value');
    return Buffer.from(hex, 'hex');
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) {
      if (c > 0x7f) {
        const ch = String.fromCodePoint(text.codePointAt(i)!);
        for (const b of Buffer.from(ch, 'utf8')) out.push(b);
        i += ch.length;
        continue;
      }
      out.push(c);
      i++;
      continue;
    }
    if (text[i + 1] === '\\') {
      out.push(0x5c);
      i += 2;
      continue;
    }
    const oct = /^[0-3][0-7]{2}/.exec(text.slice(i + 1, i + 4));
    if (!oct) throw new OracleValueError('not a bytea escape value');
    out.push(parseInt(oct[0], 8));
    i += 4;
  }
  return Buffer.from(out);
}
