/**
 * PostgreSQL log sequence numbers (LSNs). The server prints them as two hex halves (`16/B374D848`);
 * we compute with them as `bigint`, and hand `core/` a fixed-width text form that sorts like the
 * number, so positions compare without knowing the engine.
 */

/** An LSN as a 64-bit unsigned number. `0n` is PostgreSQL's InvalidXLogRecPtr. */
export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const POSITION_TEXT = /^[0-9A-F]{16}$/;
const MAX_LSN = (1n << 64n) - 1n;

/** Parses the server's text form, e.g. `parseLsn('16/B374D848') === 0x16B374D848n`. */
export function parseLsn(text: string): Lsn {
  const m = LSN_TEXT.exec(text.trim());
  if (!m) throw new RangeError(`not a PostgreSQL LSN: '${text}'`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

/** Formats an LSN the way the server does: `formatLsn(0x16B374D848n) === '16/B374D848'`. */
export function formatLsn(lsn: Lsn): string {
  checkRange(lsn);
  const hi = (lsn >> 32n).toString(16).toUpperCase();
  const lo = (lsn & 0xffffffffn).toString(16).toUpperCase();
  return `${hi}/${lo}`;
}

/**
 * A position string that sorts as text in the same order as the LSNs: 16 upper-case hex digits,
 * e.g. `lsnToPosition('16/B374D848') === '00000016B374D848'`.
 */
export function lsnToPosition(lsn: Lsn | string): string {
  const value = typeof lsn === 'string' ? parseLsn(lsn) : lsn;
  checkRange(value);
  return value.toString(16).toUpperCase().padStart(16, '0');
}

/** The inverse of {@link lsnToPosition}. */
export function positionToLsn(position: string): Lsn {
  if (!POSITION_TEXT.test(position)) throw new RangeError(`not a PostgreSQL position: '${position}'`);
  return BigInt('0x' + position);
}

function checkRange(lsn: Lsn): void {
  if (lsn < 0n || lsn > MAX_LSN) throw new RangeError('LSN out of the 64-bit range');
}
