import { ValueConversionError } from './value-conversion-error.js';

/**
 * Text of IEEE values, PostgreSQL's real and double precision. Text here is always the shortest
 * decimal that reads back as the same IEEE value, so nothing is lost in either direction.
 */

/**
 * Reads the text of a float as PostgreSQL's float input accepts it: decimal or exponent form
 * (`1.5E+000`), `Infinity`/`-Infinity`/`NaN`, `inf`/`-inf`. Case-insensitive.
 */
export function parsePgFloatText(text: string): number {
  const s = text.trim().toLowerCase();
  switch (s) {
    case 'inf': case '+inf': case 'infinity': case '+infinity':
      return Infinity;
    case '-inf': case '-infinity':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) throw new ValueConversionError('not a floating-point number');
  return Number(s);
}

/**
 * Shortest decimal digits and decimal exponent of a finite, non-zero IEEE value, chosen exactly as
 * PostgreSQL's Ryu (d2s.c / f2s.c, built without STRICTLY_SHORTEST) chooses them:
 *  - the length is the smallest for which some decimal lies strictly inside the value's rounding
 *    interval (the bounds themselves are never accepted, unlike ECMAScript's Number#toString);
 *  - the digits are the value correctly rounded to that length (exact ties to even), moved up by one
 *    unit when that lands on the lower bound.
 * All comparisons are exact (BigInt); `bits` is 32 for real, 64 for double precision.
 */
function shortestDecimal(v: number, bits: 32 | 64): { digits: string; exp: number } {
  const mantBits = bits === 64 ? 52 : 23;
  const bias = bits === 64 ? 1023 : 127;
  let ieeeMant: bigint;
  let ieeeExp: number;
  if (bits === 64) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, Math.abs(v));
    const raw = dv.getBigUint64(0);
    ieeeMant = raw & ((1n << 52n) - 1n);
    ieeeExp = Number(raw >> 52n);
  } else {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, Math.abs(v));
    const raw = dv.getUint32(0);
    ieeeMant = BigInt(raw & 0x7fffff);
    ieeeExp = raw >>> 23;
  }
  const m = ieeeExp === 0 ? ieeeMant : (1n << BigInt(mantBits)) | ieeeMant;
  const e2 = (ieeeExp === 0 ? 1 : ieeeExp) - bias - mantBits - 2; // value = 4m × 2^e2
  const mmShift = ieeeMant !== 0n || ieeeExp <= 1 ? 1n : 0n;
  const mv = 4n * m;
  const mp = mv + 2n;
  const mm = mv - 1n - mmShift;
  // Exact rationals: x × 2^e2 compared with n × 10^k via a common denominator.
  const cmp = (n: bigint, k: number, x: bigint): number => {
    let a = n; // n × 10^k
    let b = x; // x × 2^e2
    if (k >= 0) a *= 10n ** BigInt(k); else b *= 10n ** BigInt(-k);
    if (e2 >= 0) b <<= BigInt(e2); else a <<= BigInt(-e2);
    return a < b ? -1 : a > b ? 1 : 0;
  };
  // floor(x × 2^e2 / 10^k) and whether the division was exact / the remainder vs half.
  const divide = (x: bigint, k: number): { q: bigint; rem2: number } => {
    let num = x;
    let den = 1n;
    if (e2 >= 0) num <<= BigInt(e2); else den <<= BigInt(-e2);
    if (k >= 0) den *= 10n ** BigInt(k); else num *= 10n ** BigInt(-k);
    const q = num / den;
    const r2 = (num - q * den) * 2n;
    return { q, rem2: r2 < den ? -1 : r2 > den ? 1 : 0 };
  };
  const approxExp10 = Math.floor(Math.log10(Math.abs(v)));
  for (let len = 1; len <= 17; len++) {
    for (const exp10 of [approxExp10 - 1, approxExp10, approxExp10 + 1]) {
      const k = exp10 - len + 1;
      const lo = divide(mm, k).q + 1n; // smallest n with n×10^k > lower bound (or equal, checked below)
      const first = cmp(lo - 1n, k, mm) > 0 ? lo - 1n : lo;
      if (first.toString().length !== len || cmp(first, k, mp) >= 0) continue;
      // A decimal of this length fits: round the value itself to this length.
      const { q, rem2 } = divide(mv, k);
      let r = rem2 > 0 || (rem2 === 0 && q % 2n === 1n) ? q + 1n : q;
      if (cmp(r, k, mm) <= 0) r += 1n;
      if (cmp(r, k, mp) >= 0) r -= 1n;
      let digits = r.toString();
      let exp = k + digits.length - 1;
      digits = digits.replace(/0+$/, '') || '0';
      if (digits.length > len) continue;
      return { digits, exp };
    }
  }
  throw new Error('no shortest decimal found');
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return undefined;
}

/**
 * PostgreSQL's text for a float (float8out / float4out with extra_float_digits > 0, the default
 * since PostgreSQL 12): shortest digits, fixed notation for decimal exponents from -4 up to
 * `fixedBelow - 1`, else `d.ddde+XX` with at least two exponent digits.
 */
function pgFloatOutput(v: number, shortest: { digits: string; exp: number }, fixedBelow: number): string {
  const { digits, exp } = shortest;
  const sign = v < 0 ? '-' : '';
  if (exp >= -4 && exp < fixedBelow) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e}`;
}

/** The text PostgreSQL prints for a double precision value (and accepts back unchanged). */
export function float8Text(v: number): string {
  return special(v) ?? pgFloatOutput(v, shortestDecimal(v, 64), 15);
}

/**
 * The text PostgreSQL prints for a real value (and accepts back unchanged). `v` is rounded to float32
 * first, so a float32 widened to a double prints as the float it is: 0.1f → `0.1`, not
 * `0.10000000149011612`.
 */
export function float4Text(v: number): string {
  const f = Math.fround(v);
  return special(f) ?? pgFloatOutput(f, shortestDecimal(f, 32), 6);
}
