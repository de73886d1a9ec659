import { normalizeDecimal, roundDecimal } from '../values/decimal-text.js';
import { float4Text, float8Text, parsePgFloatText } from '../values/float-text.js';
import { parsePgDateTime, pgTimestampOutput } from '../values/datetime-text.js';
import { parsePgInterval, pgIntervalOutput } from '../values/interval-text.js';

/**
 * The canonical text of a value for comparing a source table with its PostgreSQL (YugabyteDB) copy,
 * whatever the source engine: what PostgreSQL prints for the value with `col::text` in the target
 * column's type, under the fixed settings of the PostgreSQL fingerprint
 * (`adapters/postgres/table-fingerprint.ts`: DateStyle ISO, IntervalStyle postgres, TimeZone UTC,
 * shortest-exact floats, hex bytea). Applied to a source value once converted to PostgreSQL text
 * (Oracle's `oracleToPgText`, MySQL's `mysqlToPg`) it predicts the target's text; applied to the
 * target's own text it changes nothing, with one exception: a numeric without a declared scale is
 * printed without trailing zeros (PostgreSQL keeps the scale a value was written with, Oracle's
 * NUMBER does not), so both sides agree on `1.50` = `1.5`. Text it cannot read throws
 * ValueConversionError.
 *
 * `pgType` is the target column's type as `format_type` prints it (`numeric(10,2)`,
 * `timestamp(0) without time zone`, `character(4)`…).
 */

type Kind = 'int' | 'numeric' | 'float4' | 'float8' | 'bool' | 'bpchar' | 'text' | 'bytea' | 'timestamp' | 'timestamptz' | 'interval' | 'other';

interface PgType {
  readonly kind: Kind;
  /** numeric scale, timestamp/interval precision (undefined: none declared). */
  readonly mod?: number;
}

/** Reads a type name as format_type or the type-map prints it. */
export function parsePgType(t: string): PgType {
  const s = t.trim().toLowerCase();
  const num = (re: RegExp) => {
    const m = re.exec(s);
    return m ? Number(m[1]) : undefined;
  };
  if (/^(smallint|integer|int|int2|int4|int8|bigint)$/.test(s)) return { kind: 'int' };
  if (/^(numeric|decimal)\b/.test(s)) {
    const m = /\(\s*\d+\s*(?:,\s*(-?\d+)\s*)?\)/.exec(s);
    if (!m) return { kind: 'numeric' };
    return { kind: 'numeric', mod: m[1] === undefined ? 0 : Number(m[1]) };
  }
  if (/^(real|float4)$/.test(s)) return { kind: 'float4' };
  if (/^(double precision|float8|float)$/.test(s)) return { kind: 'float8' };
  if (/^(boolean|bool)$/.test(s)) return { kind: 'bool' };
  if (/^(character|char|bpchar)\b(?! varying)/.test(s)) return { kind: 'bpchar' };
  if (/^(text|character varying|varchar|xml|name|citext)\b/.test(s)) return { kind: 'text' };
  if (s === 'bytea') return { kind: 'bytea' };
  if (/^timestamp(\s*\(\d\))?\s+with time zone$/.test(s) || /^timestamptz\b/.test(s)) return { kind: 'timestamptz', mod: num(/\((\d)\)/) };
  if (/^timestamp\b/.test(s)) return { kind: 'timestamp', mod: num(/\((\d)\)/) };
  if (/^interval\b/.test(s)) return { kind: 'interval', mod: num(/\((\d)\)/) };
  return { kind: 'other' };
}

/** The canonical text of one value of a column of PostgreSQL type `pgType` (null stays null). */
export function canonicalValue(pgType: string | PgType, text: string | null): string | null {
  if (text === null) return null;
  const t = typeof pgType === 'string' ? parsePgType(pgType) : pgType;
  switch (t.kind) {
    case 'int': return normalizeDecimal(text);
    case 'numeric': {
      const lower = text.trim().toLowerCase();
      if (lower === 'nan') return 'NaN';
      if (lower === 'infinity' || lower === '-infinity') return lower === 'infinity' ? 'Infinity' : '-Infinity';
      return t.mod === undefined ? normalizeDecimal(text) : roundDecimal(text, t.mod);
    }
    case 'float4': return float4Text(parsePgFloatText(text));
    case 'float8': return float8Text(parsePgFloatText(text));
    case 'bool': return /^(t|true|1|yes|on)$/i.test(text.trim()) ? 'true' : 'false';
    case 'bpchar': return text.replace(/ +$/, '');
    case 'bytea': return text.startsWith('\\x') ? text.toLowerCase() : text;
    case 'timestamp': case 'timestamptz': {
      const lower = text.trim().toLowerCase();
      if (lower === 'infinity' || lower === '-infinity') return lower;
      return pgTimestampOutput(parsePgDateTime(text), t.mod ?? 6, t.kind === 'timestamptz');
    }
    case 'interval': {
      const v = parsePgInterval(text);
      const p = t.mod;
      if (p === undefined || p >= 6) return pgIntervalOutput(v);
      // AdjustIntervalForTypmod: the time part rounded half away from zero to 10^(6-p) µs.
      const scale = 10n ** BigInt(6 - p);
      const half = scale / 2n;
      const micros = v.micros >= 0n ? ((v.micros + half) / scale) * scale : -(((-v.micros + half) / scale) * scale);
      return pgIntervalOutput({ ...v, micros });
    }
    default: return text;
  }
}
