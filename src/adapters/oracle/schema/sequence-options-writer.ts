/**
 * Oracle sequence options to PostgreSQL ones. Oracle sequences count up to 10^28-1 by default;
 * PostgreSQL sequences are bigint (or the identity column's integer type), so a bound beyond the
 * type is written as NO MINVALUE / NO MAXVALUE (the type's own bound).
 */
import { UnconvertibleError, type PendingNote } from './conversion-note.js';
import type { SequenceOptions } from './oracle-model.js';

/** Oracle's default MAXVALUE of an ascending sequence (28 nines). */
export const ORACLE_DEFAULT_MAX = 10n ** 28n - 1n;
/** Oracle's default MINVALUE of a descending sequence (-(10^27 - 1)). */
export const ORACLE_DEFAULT_MIN_DESC = -(10n ** 27n - 1n);

const TYPE_BOUNDS: Readonly<Record<string, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** The options clause, e.g. `START WITH 1 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 20 NO CYCLE`, and its notes. */
export interface SequenceClause {
  readonly sql: string;
  readonly notes: readonly PendingNote[];
}

function toBigInt(text: string): bigint {
  const t = text.trim();
  if (/^[+-]?\d+$/.test(t)) return BigInt(t);
  // 1E+28 and the like.
  const n = Number(t);
  if (!Number.isFinite(n)) throw new UnconvertibleError('SEQUENCE_VALUE', `sequence value ${t}`);
  return BigInt(Math.trunc(n).toLocaleString('fullwide', { useGrouping: false }));
}

/**
 * Builds the PostgreSQL options of a sequence or identity column from Oracle's.
 *
 * @param pgType bigint for a sequence; the column's type for an identity column.
 * @param current The value the next call should return, when known from the live database (overrides START WITH).
 * @example
 * sequenceClause({ start: '207', increment: '1', cache: '1' }, 'bigint').sql;
 * // 'START WITH 207 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 1 NO CYCLE'
 */
export function sequenceClause(o: SequenceOptions, pgType: 'smallint' | 'integer' | 'bigint', current?: string): SequenceClause {
  const notes: PendingNote[] = [];
  const [typeMin, typeMax] = TYPE_BOUNDS[pgType]!;
  const increment = toBigInt(o.increment ?? '1');
  if (increment === 0n) throw new UnconvertibleError('SEQUENCE_VALUE', 'INCREMENT BY 0');
  const ascending = increment > 0n;
  const min = o.minValue !== undefined ? toBigInt(o.minValue) : ascending ? 1n : ORACLE_DEFAULT_MIN_DESC;
  const max = o.maxValue !== undefined ? toBigInt(o.maxValue) : ascending ? ORACLE_DEFAULT_MAX : -1n;
  let start = current !== undefined ? toBigInt(current) : o.start !== undefined ? toBigInt(o.start) : ascending ? min : max;
  if (o.startAtLimit) {
    notes.push({ code: 'IDENTITY_START_LIMIT', severity: 'changed', message: 'START WITH LIMIT VALUE has no PostgreSQL form; the sequence starts at its MINVALUE and must be set above the data after the load' });
    start = ascending ? min : max;
  }
  if (start > typeMax || start < typeMin) {
    throw new UnconvertibleError('SEQUENCE_RANGE', `its next value ${start} is outside the ${pgType} range of a PostgreSQL sequence`);
  }
  const minSql = min < typeMin ? 'NO MINVALUE' : `MINVALUE ${min}`;
  const maxSql = max > typeMax ? 'NO MAXVALUE' : `MAXVALUE ${max}`;
  if (o.maxValue !== undefined && max > typeMax && max !== ORACLE_DEFAULT_MAX) {
    notes.push({ code: 'SEQUENCE_MAXVALUE', severity: 'changed', message: `MAXVALUE ${o.maxValue} is above the ${pgType} range; the sequence stops at ${typeMax}` });
  }
  if (o.minValue !== undefined && min < typeMin && min !== ORACLE_DEFAULT_MIN_DESC) {
    notes.push({ code: 'SEQUENCE_MINVALUE', severity: 'changed', message: `MINVALUE ${o.minValue} is below the ${pgType} range; the sequence stops at ${typeMin}` });
  }
  if (o.scale) notes.push({ code: 'SCALABLE_SEQUENCE', severity: 'changed', message: 'a scalable sequence (SCALE) prefixes instance and session numbers in Oracle; PostgreSQL hands out plain numbers' });
  if (o.session) notes.push({ code: 'SESSION_SEQUENCE', severity: 'changed', message: 'a session sequence starts again in every Oracle session; the PostgreSQL sequence is global' });
  const cache = o.cache ?? '20';
  const lowStart = ascending ? start < min : start > max;
  if (lowStart) throw new UnconvertibleError('SEQUENCE_RANGE', `START WITH ${start} lies outside MINVALUE/MAXVALUE`);
  const sql = `START WITH ${start} INCREMENT BY ${increment} ${minSql} ${maxSql} CACHE ${cache} ${o.cycle ? 'CYCLE' : 'NO CYCLE'}`;
  return { sql, notes };
}
