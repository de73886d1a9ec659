import { canonicalValue, parsePgType } from '../../../core/verify/canonical-value.js';
import { oracleToPgText, type OracleReadValue } from '../values/oracle-to-pg.js';
import { oracleTypeFamily, type OracleColumn } from '../values/oracle-type.js';

/**
 * One side of a cross-engine verification for Oracle: rows read `AS OF SCN` with the snapshot's
 * query (`snapshot/snapshot-sql.ts`) turned into canonical values, fingerprinted by the
 * engine-neutral `RowFingerprint` (`core/row-fingerprint.ts`), which equals PostgreSQL's
 * server-side fingerprint for the same values.
 */
export { quoteNullable, canonicalRowText, RowFingerprint } from '../../../core/row-fingerprint.js';

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
