import { ValueConversionError } from './value-conversion-error.js';

/**
 * Exact decimal text, without ever going through a JavaScript number. Decimals arrive in several
 * shapes (`.5` / `-.05`, `1.500`, `1.0E+125`); PostgreSQL's numeric input accepts most of them,
 * but the queue and the comparisons need one form, so every decimal becomes the plain form here.
 */

interface Decimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros ('' for zero). */
  digits: string;
  /** Value = 0.digits × 10^exponent … expressed as: position of the decimal point within digits. */
  pointAt: number;
}

const DECIMAL = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

function parseDecimal(text: string): Decimal {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new ValueConversionError('not a decimal number');
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100000) throw new ValueConversionError('decimal exponent out of range');
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  let digits = intPart + fracPart;
  let pointAt = intPart.length + exp;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  pointAt -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return { negative: false, digits: '', pointAt: 0 };
  return { negative: m[1] === '-', digits, pointAt };
}

function formatDecimal(d: Decimal): string {
  if (d.digits === '') return '0';
  let s: string;
  if (d.pointAt <= 0) s = `0.${'0'.repeat(-d.pointAt)}${d.digits}`;
  else if (d.pointAt >= d.digits.length) s = d.digits + '0'.repeat(d.pointAt - d.digits.length);
  else s = `${d.digits.slice(0, d.pointAt)}.${d.digits.slice(d.pointAt)}`;
  return d.negative ? `-${s}` : s;
}

/**
 * The plain form of a decimal: no exponent, no leading zeros, no trailing fractional zeros, `0`
 * for any zero. `'.5'` → `'0.5'`, `'-1.0E+3'` → `'-1000'`, `'1.500'` → `'1.5'`, `'-0'` → `'0'`.
 * Throws ValueConversionError for text that is not a decimal number.
 */
export function normalizeDecimal(text: string): string {
  return formatDecimal(parseDecimal(text));
}

/** Number of significant digits of a decimal (0 for zero): `'1200'` → 2, `'0.0012'` → 2. */
export function significantDigits(text: string): number {
  return parseDecimal(text).digits.length;
}

/** Number of digits after the decimal point of the plain form: `'1.25'` → 2, `'1200'` → 0. */
export function fractionDigits(text: string): number {
  const d = parseDecimal(text);
  return Math.max(0, d.digits.length - d.pointAt);
}

/**
 * Rounds to `scale` fractional digits, half away from zero (what PostgreSQL's numeric(p,s) input
 * does), and prints exactly `scale` digits after the point (numeric(p,s) output). A negative scale
 * rounds to tens, hundreds…; the result is printed without a point.
 */
export function roundDecimal(text: string, scale: number): string {
  const d = parseDecimal(text);
  const keep = d.pointAt + scale; // digits of `digits` that stay
  let digits = d.digits;
  let pointAt = d.pointAt;
  if (keep < digits.length) {
    if (keep < 0) {
      digits = '';
    } else {
      const roundUp = digits.charCodeAt(keep) >= 53; // '5'
      digits = digits.slice(0, keep);
      if (roundUp) {
        const inc = incrementDigits(digits === '' ? '0' : digits);
        if (digits === '') {
          // 0.00x rounded up to the last kept place: a single 1 there.
          digits = '1';
          pointAt = 1 - scale;
        } else {
          if (inc.length > digits.length) pointAt += 1;
          digits = inc;
        }
      }
    }
  }
  const rounded: Decimal = { negative: d.negative, digits: digits.replace(/0+$/, ''), pointAt };
  if (rounded.digits === '') return scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  const plain = formatDecimal(rounded);
  if (scale <= 0) return plain;
  const dot = plain.indexOf('.');
  const have = dot < 0 ? 0 : plain.length - dot - 1;
  return (dot < 0 ? `${plain}.` : plain) + '0'.repeat(scale - have);
}

function incrementDigits(digits: string): string {
  const a = digits.split('').map(Number);
  let i = a.length - 1;
  while (i >= 0) {
    if (a[i]! < 9) {
      a[i]! += 1;
      return a.join('');
    }
    a[i] = 0;
    i--;
  }
  return '1' + a.join('');
}

/** True for text that is a plain integer after normalisation (`'12'`, `'1.0E+3'`, `'-0'`). */
export function isIntegral(text: string): boolean {
  return fractionDigits(text) === 0;
}
