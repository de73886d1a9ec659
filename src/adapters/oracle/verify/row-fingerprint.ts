import { createHash } from 'node:crypto';
import { canonicalValue, parsePgType } from './canonical-value.js';
import { oracleToPgText, type OracleReadValue } from '../values/oracle-to-pg.js';
import { oracleTypeFamily, type OracleColumn } from '../values/oracle-type.js';

/**
 * One side of a cross-engine verification, computed by Tandem from rows (for Oracle, read
 * `AS OF SCN` with the snapshot's query, `snapshot/snapshot-sql.ts`): the row count and an
 * order-independent checksum defined exactly as PostgreSQL's server-side fingerprint
 * (`adapters/postgres/table-fingerprint.ts`): each row's text is its canonical values, each wrapped
 * as `quote_nullable` would (NULL as the bare word, a value as a quoted literal, `E'…'` with doubled
 * backslashes when it holds one), joined by commas; the checksum is the sum of the first 60 bits of
 * each row text's MD5. So an Oracle table and its PostgreSQL copy holding the same values give the
 * same pair, whether the PostgreSQL side is computed by the server or here.
 */

/** quote_nullable(text) as PostgreSQL writes it. */
export function quoteNullable(v: string | null): string {
  if (v === null) return 'NULL';
  const body = v.replace(/'/g, "''");
  return v.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** The row text the checksum hashes. */
export function canonicalRowText(values: readonly (string | null)[]): string {
  return values.map(quoteNullable).join(',');
}

/** Count and checksum, accumulated row by row (order does not matter). */
export class RowFingerprint {
  private count = 0;
  private sum = 0n;

  /** Adds one row of canonical values. */
  add(values: readonly (string | null)[]): void {
    const md5 = createHash('md5').update(canonicalRowText(values), 'utf8').digest('hex');
    this.sum += BigInt(`0x${md5.slice(0, 15)}`);
    this.count += 1;
  }

  /** The same shape as the PostgreSQL fingerprint: rows and the decimal sum. */
  result(): { rows: number; checksum: string } {
    return { rows: this.count, checksum: this.sum.toString() };
  }
}

/**
 * Canonical values of one Oracle row as the snapshot query returns it (C0…Cn, in `columns` order),
 * for target columns of types `pgTypes` (same order).
 */
export function oracleCanonicalRow(row: Readonly<Record<string, unknown>>, columns: readonly OracleColumn[], pgTypes: readonly string[]): (string | null)[] {
  const parsed = pgTypes.map(parsePgType);
  return columns.map((c, i) => canonicalValue(parsed[i]!, oracleToPgText(oracleTypeFamily(c.type), (row[`C${i}`] ?? null) as OracleReadValue)));
}

/**
 * The expression to fingerprint a PostgreSQL column on the server so that it equals the canonical
 * text: `col::text`, except for a numeric without a declared scale, which is read through
 * trim_scale (PostgreSQL 13+) so that trailing zeros written on the target do not differ from
 * Oracle's NUMBER. For YugabyteDB releases on PostgreSQL 11, compute that side with RowFingerprint.
 */
export function pgCanonicalExpression(columnSql: string, pgType: string): string {
  const t = parsePgType(pgType);
  return t.kind === 'numeric' && t.mod === undefined ? `trim_scale(${columnSql})::text` : `${columnSql}::text`;
}
