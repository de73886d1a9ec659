import { createHash } from 'node:crypto';

/**
 * One side of a cross-engine verification computed by Tandem from rows (engine-neutral): the row
 * count and an order-independent checksum defined exactly as PostgreSQL's server-side fingerprint
 * (`adapters/postgres/table-fingerprint.ts`): each row's text is its canonical values (what
 * PostgreSQL prints for the target column's type, `col::text` under the fingerprint's fixed
 * settings), each wrapped as `quote_nullable` would (NULL as the bare word, a value as a quoted
 * literal, `E'…'` with doubled backslashes when it holds one), joined by commas; the checksum is the
 * sum of the first 60 bits of each row text's MD5. So a table on another engine and its PostgreSQL
 * copy holding the same values give the same pair, whether the PostgreSQL side is computed by the
 * server or here. Engines turn their values into canonical text themselves (Oracle:
 * `adapters/oracle/verify/`, MySQL: `adapters/mysql/verify/`).
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
    this.addRowText(canonicalRowText(values));
  }

  /** Adds one row already turned into its text (`canonicalRowText`). */
  addRowText(text: string): void {
    const md5 = createHash('md5').update(text, 'utf8').digest('hex');
    this.sum += BigInt(`0x${md5.slice(0, 15)}`);
    this.count += 1;
  }

  /** The same shape as the PostgreSQL fingerprint: rows and the decimal sum. */
  result(): { rows: number; checksum: string } {
    return { rows: this.count, checksum: this.sum.toString() };
  }
}
