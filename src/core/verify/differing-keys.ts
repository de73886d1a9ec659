/**
 * For a table whose fingerprints differ: the first differing primary keys, found by streaming both
 * sides ordered by key and merging them. Engine-neutral: each side (a `ComparisonSide` with
 * `rowsByKey`) delivers its rows in one portable key order and as canonical text, so rows compare
 * as the fingerprints do.
 *
 * The order must be the same on two engines, so each key column gets one of four orders, chosen
 * from its PostgreSQL type, that both engines produce and this file compares:
 * - `numeric`: integers, numeric, floats: both sides order natively; compared as numbers (exact
 *   for decimal text);
 * - `lexical`: bytea, bit: both sides order natively, which for their canonical text (`\x…` hex,
 *   fixed-width bits) is the order of the text;
 * - `temporal`: date, timestamp(tz): both natively; compared as points in time (ISO text with the
 *   year as a number: `-infinity`, BC years counting down, years past 9999, `infinity`; measured
 *   before: compared as text, BC and infinite keys stopped `tandem compare` with "did not arrive
 *   in key order"; the pg-values run);
 * - `text`: character types and everything else: ordered by the bytes of the text's UTF-8 form
 *   (PostgreSQL `col::text COLLATE "C"`, MySQL `CAST(CONVERT(col USING utf8mb4) AS BINARY)`);
 * - `interval`: both natively; compared as a length of time.
 * A side whose rows do not arrive in that order is an error, never a wrong answer.
 */
import { parsePgInterval } from '../values/interval-text.js';
import type { ComparedTable } from '../engine/verification.js';

/** How a key column is ordered (see the file's comment). */
export type KeyOrder = 'numeric' | 'lexical' | 'temporal' | 'text' | 'interval';

/** One row of a side: its key's canonical values and the canonical text of the whole row. */
export interface KeyedRow {
  readonly key: readonly (string | null)[];
  /** `canonicalRowText` of the compared columns. */
  readonly text: string;
}

/** A side that streams a table's rows in key order. */
export interface KeyedRowSource {
  readonly label: string;
  /** Rows of `table` (its `columns`) ordered by `key` with `orders` (one per key column). */
  rowsByKey(table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncIterable<KeyedRow>;
}

/** One differing key. */
export interface KeyDifference {
  readonly key: Readonly<Record<string, string | null>>;
  /** `changed`: both sides hold the key with different values; `missing`: only `presentOn` holds it. */
  readonly kind: 'changed' | 'missing';
  /** For `missing`: the label of the side that has the row. */
  readonly presentOn?: string;
}

/**
 * The order of a key column from its PostgreSQL type (as format_type or the type map prints it).
 *
 * @example
 * keyOrderOf('numeric(20,0)') // 'numeric'
 * keyOrderOf('character varying(40)') // 'text'
 */
export function keyOrderOf(pgType: string): KeyOrder {
  const s = pgType.trim().toLowerCase();
  if (/^(smallint|integer|int|int2|int4|int8|bigint|numeric|decimal|real|float4|float8|double precision)\b/.test(s)) return 'numeric';
  if (/^(date|timestamp)\b/.test(s) || /^timestamptz\b/.test(s)) return 'temporal';
  if (/^(bytea|bit)\b/.test(s)) return 'lexical';
  if (/^interval\b/.test(s)) return 'interval';
  return 'text';
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Compares two numbers given as text: exact for plain decimals, as doubles otherwise (1e+21, NaN). */
export function compareNumericText(a: string, b: string): number {
  const x = DECIMAL.exec(a);
  const y = DECIMAL.exec(b);
  if (!x || !y) {
    const p = Number(a);
    const q = Number(b);
    if (Number.isNaN(p) || Number.isNaN(q)) return Number.isNaN(p) ? (Number.isNaN(q) ? 0 : 1) : -1; // NaN sorts last, as in PostgreSQL
    return p < q ? -1 : p > q ? 1 : 0;
  }
  const norm = (m: RegExpExecArray) => {
    const int = m[2]!.replace(/^0+/, '');
    const frac = (m[3] ?? '').replace(/0+$/, '');
    return { neg: m[1] === '-' && (int !== '' || frac !== ''), int, frac };
  };
  const p = norm(x);
  const q = norm(y);
  if (p.neg !== q.neg) return p.neg ? -1 : 1;
  const sign = p.neg ? -1 : 1;
  if (p.int.length !== q.int.length) return sign * (p.int.length < q.int.length ? -1 : 1);
  if (p.int !== q.int) return sign * (p.int < q.int ? -1 : 1);
  if (p.frac === q.frac) return 0;
  const len = Math.max(p.frac.length, q.frac.length);
  const pf = p.frac.padEnd(len, '0');
  const qf = q.frac.padEnd(len, '0');
  return sign * (pf < qf ? -1 : 1);
}

function intervalMicros(text: string): bigint {
  const v = parsePgInterval(text);
  // PostgreSQL compares intervals as if a month had 30 days and a day 24 hours.
  return (BigInt(v.months) * 30n + BigInt(v.days)) * 86_400_000_000n + v.micros;
}

/**
 * Compares two dates or timestamps as PostgreSQL prints them in ISO style (`2024-01-31 10:00:00`,
 * `0044-03-15 BC`, `294276-12-31`, `infinity`): by era, then the year as a number (BC years count
 * down), then the rest of the text, whose fields are fixed-width.
 */
export function compareTemporalText(a: string, b: string): number {
  const rank = (t: string) => {
    if (t === '-infinity') return { era: -2, year: 0, rest: '' };
    if (t === 'infinity') return { era: 2, year: 0, rest: '' };
    const m = /^(\d+)(.*?)( BC)?$/.exec(t);
    if (!m) return { era: 0, year: 0, rest: t };
    return { era: m[3] ? -1 : 1, year: Number(m[1]), rest: m[2]! };
  };
  const x = rank(a);
  const y = rank(b);
  if (x.era !== y.era) return x.era < y.era ? -1 : 1;
  if (x.year !== y.year) return (x.year < y.year ? -1 : 1) * (x.era === -1 ? -1 : 1);
  return x.rest < y.rest ? -1 : x.rest > y.rest ? 1 : 0;
}

/** Compares two keys (canonical text) in the portable order. */
export function compareKeys(a: readonly (string | null)[], b: readonly (string | null)[], orders: readonly KeyOrder[]): number {
  for (let i = 0; i < orders.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1; // NULLS LAST (keys are never NULL in a primary key)
    if (y === null) return -1;
    let c: number;
    switch (orders[i]) {
      case 'numeric': c = compareNumericText(x, y); break;
      case 'lexical': c = x < y ? -1 : x > y ? 1 : 0; break;
      case 'temporal': c = compareTemporalText(x, y); break;
      case 'interval': { const p = intervalMicros(x); const q = intervalMicros(y); c = p < q ? -1 : p > q ? 1 : 0; break; }
      default: c = Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8'));
    }
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * The first `limit` keys (in key order) whose rows differ between `a` and `b`, reading both in key
 * order once (memory: one row per side). Stops as soon as `limit` are found.
 *
 * @example
 * await firstDifferingKeys(mysqlSide, pgSide, table, ['id'], ['numeric'], 10)
 * // [{ key: { id: '17' }, kind: 'changed' }, { key: { id: '40' }, kind: 'missing', presentOn: 'target' }]
 */
export async function firstDifferingKeys(a: KeyedRowSource, b: KeyedRowSource, table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[], limit: number): Promise<KeyDifference[]> {
  if (key.length === 0) throw new Error(`internal: ${table.key} has no key to name differing rows by`);
  if (orders.length !== key.length) throw new Error('internal: one order per key column');
  const out: KeyDifference[] = [];
  const ia = ordered(a, table, key, orders)[Symbol.asyncIterator]();
  const ib = ordered(b, table, key, orders)[Symbol.asyncIterator]();
  const asKey = (k: readonly (string | null)[]) => Object.fromEntries(key.map((c, i) => [c, k[i] ?? null]));
  try {
    let ra = await ia.next();
    let rb = await ib.next();
    while (out.length < limit && (!ra.done || !rb.done)) {
      const c = ra.done ? 1 : rb.done ? -1 : compareKeys(ra.value.key, rb.value.key, orders);
      if (c === 0) {
        if (ra.value!.text !== rb.value!.text) out.push({ key: asKey(ra.value!.key), kind: 'changed' });
        ra = await ia.next();
        rb = await ib.next();
      } else if (c < 0) {
        out.push({ key: asKey(ra.value!.key), kind: 'missing', presentOn: a.label });
        ra = await ia.next();
      } else {
        out.push({ key: asKey(rb.value!.key), kind: 'missing', presentOn: b.label });
        rb = await ib.next();
      }
    }
  } finally {
    await Promise.all([ia.return?.(undefined), ib.return?.(undefined)]);
  }
  return out;
}

/** A side's rows, checked to ascend strictly in the portable order. */
async function* ordered(side: KeyedRowSource, table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncGenerator<KeyedRow> {
  let prev: readonly (string | null)[] | undefined;
  for await (const row of side.rowsByKey(table, key, orders)) {
    if (prev && compareKeys(prev, row.key, orders) >= 0) {
      throw new Error(`internal: the rows of ${table.key} on ${side.label} did not arrive in key order (${key.join(', ')}); its collation orders them differently`);
    }
    prev = row.key;
    yield row;
  }
}
