/**
 * MySQL's binary DECIMAL (the storage and binlog format of DECIMAL(p,s)) to its exact text, digit
 * for digit, never through a JS number.
 *
 * Layout: the integer digits then the fraction digits, each side in groups of 9 decimal digits per
 * 4 big-endian bytes; a leftover group of k < 9 digits takes DIG2BYTES[k] bytes (the integer side's
 * leftover comes first, the fraction side's last). The first byte's top bit is the sign (1 =
 * positive); a negative value has every byte inverted.
 */
import { BinlogDecodeError } from './binlog-reader.js';

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;
const DIGITS_PER_GROUP = 9;

/** Bytes a DECIMAL(precision, scale) takes. */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return (
    Math.floor(intg / DIGITS_PER_GROUP) * 4 + DIG2BYTES[intg % DIGITS_PER_GROUP]! +
    Math.floor(scale / DIGITS_PER_GROUP) * 4 + DIG2BYTES[scale % DIGITS_PER_GROUP]!
  );
}

/**
 * The text MySQL prints for the DECIMAL(precision, scale) at `buf[pos]`: an optional '-', the
 * integer part without leading zeros ('0' when empty), and exactly `scale` fraction digits.
 * @example decodeDecimal(Buffer.from('800001f4', 'hex'), 0, 5, 2) // '5.00'
 */
export function decodeDecimal(buf: Buffer, pos: number, precision: number, scale: number): string {
  const size = decimalBinarySize(precision, scale);
  if (pos + size > buf.length) throw new BinlogDecodeError(`truncated DECIMAL(${precision},${scale})`);
  const negative = (buf[pos]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  let p = pos;
  let first = true;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      let b = buf[p++]! ^ mask;
      if (first) {
        b ^= 0x80;
        first = false;
      }
      v = v * 256 + b;
    }
    return v;
  };
  const intg = precision - scale;
  const intFull = Math.floor(intg / DIGITS_PER_GROUP);
  const intLeft = intg % DIGITS_PER_GROUP;
  const fracFull = Math.floor(scale / DIGITS_PER_GROUP);
  const fracLeft = scale % DIGITS_PER_GROUP;

  let intText = '';
  if (intLeft > 0) intText += group(read(DIG2BYTES[intLeft]!), intLeft);
  for (let i = 0; i < intFull; i++) intText += group(read(4), DIGITS_PER_GROUP);
  let fracText = '';
  for (let i = 0; i < fracFull; i++) fracText += group(read(4), DIGITS_PER_GROUP);
  if (fracLeft > 0) fracText += group(read(DIG2BYTES[fracLeft]!), fracLeft);

  let k = 0;
  while (k < intText.length - 1 && intText.charCodeAt(k) === 48 /* 0 */) k++;
  intText = intText.length === 0 ? '0' : intText.slice(k);
  const isZero = intText === '0' && !/[1-9]/.test(fracText);
  const sign = negative && !isZero ? '-' : '';
  return scale > 0 ? `${sign}${intText}.${fracText}` : `${sign}${intText}`;
}

function group(v: number, digits: number): string {
  const s = String(v);
  if (s.length > digits) throw new BinlogDecodeError(`DECIMAL group ${v} has more than ${digits} digits`);
  return s.padStart(digits, '0');
}
