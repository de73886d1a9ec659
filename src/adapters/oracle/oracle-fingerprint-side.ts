import type { DbConfig } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import type { TableRef } from '../../core/engine/catalog.js';
import type { ComparedTable, ComparisonSide, SideFingerprint } from '../../core/engine/verification.js';
import type { OracleSession } from './connection.js';
import { oracleSchemaOf } from './oracle-config.js';
import { readOracleTables } from './oracle-catalog.js';
import { findOracleColumn, namesSchema, resolveOracleTable } from './oracle-names.js';
import { openDataSession } from './oracle-sessions.js';
import { oracleNameToPg } from './schema/index.js';
import { qualifiedOracleName, selectExpression } from './snapshot/snapshot-sql.js';
import { oracleCanonicalRow, RowFingerprint } from './verify/row-fingerprint.js';
import type { OracleColumn, OracleTable } from './values/oracle-type.js';
import { pgTypeFor } from './values/type-map.js';

/**
 * An Oracle database as one side of a verification: each table's rows are read (as of the query's
 * start: Oracle's statement-level read consistency) and reduced by Tandem to the canonical text the
 * PostgreSQL side's server computes (`verify/`), row count and order-independent checksum. The
 * canonical text depends on the target column's type: the type map of the schema conversion
 * (`values/type-map.ts`) gives it; a target column whose type was edited by hand can therefore
 * compare as a mismatch.
 *
 * NOT RUN AGAINST A LIVE ORACLE. The row reduction is tested against PostgreSQL 15's own
 * fingerprint (`test/unit/oracle/verification-pg15.test.ts`); `verifyQuery` is pure and tested.
 */

/** The query that reads `columns` of `table` in the form the canonical values are computed from (C0…Cn). */
export function verifyQuery(table: OracleTable, columns: readonly OracleColumn[]): string {
  if (columns.length === 0) return `SELECT 1 AS C FROM ${qualifiedOracleName(table.schema, table.name)} t`;
  return `SELECT ${columns.map((c, i) => `${selectExpression(c)} AS C${i}`).join(', ')} FROM ${qualifiedOracleName(table.schema, table.name)} t`;
}

/** The PostgreSQL types the canonical values are computed for (the conversion's type map; text for what it does not map). */
export function canonicalTypes(columns: readonly OracleColumn[]): string[] {
  return columns.map((c) => pgTypeFor(c.type) ?? 'text');
}

const FETCH_ROWS = 2000;

export class OracleFingerprintSide implements ComparisonSide {
  private readonly idle: OracleSession[] = [];
  private readonly all = new Set<OracleSession>();
  private readonly waiters: { resolve: (s: OracleSession) => void; reject: (e: unknown) => void }[] = [];
  private opening = 0;
  private tables: Promise<OracleTable[]> | undefined;
  private readonly schema: string;

  constructor(readonly label: string, private readonly db: DbConfig, private readonly maxConnections: number) {
    this.schema = oracleSchemaOf(db);
  }

  async open(): Promise<void> {
    if (this.all.size === 0) this.release(await this.connect());
  }

  private catalog(): Promise<OracleTable[]> {
    this.tables ??= this.with((s) => readOracleTables(s, this.schema));
    return this.tables;
  }

  /** Every column (virtual ones too: the target computes them and they must match), target names, in column order. */
  async listColumns(tables: readonly TableRef[]): Promise<Map<string, string[]>> {
    const all = await this.catalog();
    const out = new Map<string, string[]>();
    for (const ref of tables) {
      if (!namesSchema(this.schema, ref.schema)) continue;
      const t = all.find((x) => oracleNameToPg(x.name) === ref.name);
      if (t) out.set(`${ref.schema}.${ref.name}`, t.columns.map((c) => oracleNameToPg(c.name)));
    }
    return out;
  }

  async fingerprint(table: ComparedTable): Promise<SideFingerprint> {
    const t = resolveOracleTable(await this.catalog(), this.schema, table);
    const columns = table.columns.map((name) => {
      const c = findOracleColumn(t, name);
      if (!c) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Column ${name} of ${table.key} does not exist in Oracle table ${t.schema}.${t.name}.`);
      return c;
    });
    const types = canonicalTypes(columns);
    const fp = new RowFingerprint();
    await this.with((s) => s.stream(verifyQuery(t, columns), {}, FETCH_ROWS, async (rows) => {
      for (const r of rows) fp.add(columns.length === 0 ? [] : oracleCanonicalRow(r, columns, types));
    }));
    return fp.result();
  }

  async close(): Promise<void> {
    for (const w of this.waiters.splice(0)) w.reject(new Error(`the ${this.label} session pool is closed`));
    const sessions = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(sessions.map((s) => s.close()));
  }

  private async with<T>(fn: (s: OracleSession) => Promise<T>): Promise<T> {
    const s = await this.acquire();
    try {
      const r = await fn(s);
      this.release(s);
      return r;
    } catch (e) {
      // A session whose statement failed may be broken: replace it.
      this.all.delete(s);
      await s.close();
      const w = this.waiters.shift();
      if (w) this.connect().then(w.resolve, w.reject);
      throw e;
    }
  }

  private async connect(): Promise<OracleSession> {
    this.opening++;
    try {
      const s = await openDataSession(this.db);
      this.all.add(s);
      return s;
    } finally {
      this.opening--;
    }
  }

  private async acquire(): Promise<OracleSession> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.size + this.opening < this.maxConnections) return this.connect();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(s: OracleSession): void {
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }
}
