/**
 * FLOAT and DOUBLE values to the text the server prints for them (what the text protocol, and so
 * mysql2's `query`, returns):
 * - DOUBLE: the shortest digits that read back as the same double;
 * - FLOAT: the float's exact value rounded to 6 significant digits (FLT_DIG), ties to even;
 * - both: plain notation while the decimal point lies within 15 digits of the first digit
 *   (10^-15 <= |x| < 10^15), otherwise `1.2345e17` / `1e-16` (no '+', no leading zeros);
 * - FLOAT(M,D) / DOUBLE(M,D): exactly D decimals.
 * The rules were checked value by value against MariaDB 10.11 (test/integration/mysql/binlog-types).
 */

/** Significant digits (no leading/trailing zeros) and the decimal exponent: value = 0.DIGITS × 10^decpt. */
interface Digits {
  readonly digits: string;
  readonly decpt: number;
}

const MAX_DECPT_FOR_F_FORMAT = 15;

/** DOUBLE → text. */
export function formatDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  return (x < 0 ? '-' : '') + layout({ digits, decpt: Number(exp) + 1 });
}

/** FLOAT (a float32 value, as read from 4 bytes) → text. */
export function formatFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return (x < 0 ? '-' : '') + layout(roundSignificant(exactDigits(Math.abs(x)), 6));
}

/** FLOAT(M,D) / DOUBLE(M,D) → text with exactly `decimals` digits after the point (ties to even). */
export function formatFixed(x: number, decimals: number): string {
  const { mant, e } = binary(Math.abs(x));
  let num = mant * 10n ** BigInt(decimals);
  let q: bigint;
  if (e >= 0) q = num << BigInt(e);
  else {
    const den = 1n << BigInt(-e);
    q = num / den;
    num -= q * den;
    const twice = num * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  }
  const padded = q.toString().padStart(decimals + 1, '0');
  const text = decimals > 0 ? `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}` : padded;
  return (x < 0 || Object.is(x, -0)) && q !== 0n ? `-${text}` : text;
}

function layout({ digits, decpt }: Digits): string {
  const len = digits.length;
  if (decpt >= 1 - MAX_DECPT_FOR_F_FORMAT && decpt <= MAX_DECPT_FOR_F_FORMAT) {
    if (decpt <= 0) return '0.' + '0'.repeat(-decpt) + digits;
    if (decpt < len) return digits.slice(0, decpt) + '.' + digits.slice(decpt);
    return digits + '0'.repeat(decpt - len);
  }
  return digits[0] + (len > 1 ? '.' + digits.slice(1) : '') + 'e' + String(decpt - 1);
}

const view = new DataView(new ArrayBuffer(8));

/** A finite double as mant × 2^e (mant an integer). */
function binary(x: number): { mant: bigint; e: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0 ? { mant, e: -1074 } : { mant: mant | (1n << 52n), e: biased - 1075 };
}

/** The exact decimal digits of a positive finite double. */
function exactDigits(x: number): Digits {
  const { mant, e } = binary(x);
  let s: string;
  let decpt: number;
  if (e >= 0) {
    s = (mant << BigInt(e)).toString();
    decpt = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e)).toString();
    decpt = s.length + e;
  }
  return { digits: s.replace(/0+$/, ''), decpt };
}

/** Rounds to `n` >= 1 significant digits, ties to even (exact digits make a tie a real tie). */
function roundSignificant(d: Digits, n: number): Digits {
  if (d.digits.length <= n) return d;
  const kept = d.digits.slice(0, n);
  const next = d.digits.charCodeAt(n) - 48;
  let up: boolean;
  if (next !== 5) up = next > 5;
  else if (/[1-9]/.test(d.digits.slice(n + 1))) up = true;
  else up = (kept.charCodeAt(n - 1) - 48) % 2 === 1;
  if (!up) return { digits: kept.replace(/0+$/, ''), decpt: d.decpt };
  const bumped = (BigInt(kept) + 1n).toString();
  const carry = bumped.length > n;
  return { digits: bumped.slice(0, n).replace(/0+$/, ''), decpt: d.decpt + (carry ? 1 : 0) };
}
