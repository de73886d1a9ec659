/**
 * The MySQL/MariaDB side of a verification (`ComparisonSide`): row count and order-independent
 * checksum of a table, equal to what PostgreSQL's server-side fingerprint gives for the same rows on
 * the target (`adapters/postgres/table-fingerprint.ts`), because each value is first reduced to
 * the canonical text PostgreSQL prints for it (`mysql-canonical-value.ts`) and the rows are then
 * fingerprinted alike (`core/row-fingerprint.ts`). MySQL cannot compute PostgreSQL's text itself,
 * so the rows stream to Tandem (text protocol, read inside one consistent-snapshot transaction per
 * table) and are hashed here. Also a `KeyedRowSource`, for naming the first differing keys.
 */
import type { ComparedTable, ComparisonSide, SideFingerprint } from '../../../core/engine/verification.js';
import { TandemError } from '../../../core/errors.js';
import { canonicalRowText, RowFingerprint } from '../../../core/row-fingerprint.js';
import { mysqlIdent, readMySqlCatalog } from '../catalog.js';
import type { MySqlCatalog, MySqlTable } from '../catalog-types.js';
import { connectMySql, type MySqlDbConfig, type MySqlSession } from '../connection.js';
import { mysqlSelectExpression, valueTypeOf } from '../schema/type-map.js';
import { rawRowQuery, readLengthEncoded } from '../snapshot/raw-row-query.js';
import type { MySqlValue } from '../values/mysql-to-pg.js';
import type { KeyedRow, KeyedRowSource, KeyOrder } from '../../../core/verify/differing-keys.js';
import { canonicalColumn, type CanonicalColumn } from './mysql-canonical-value.js';
import { bucketOf, mergedRanges, type BucketFingerprint, type BucketPlan } from '../../../core/verify/key-buckets.js';

/** Key ranges OR'ed in one statement at most. */
const RANGES_PER_QUERY = 256;

/**
 * Decodes a text-protocol row packet into mysql2's forms: a Buffer for the columns marked binary,
 * UTF-8 text otherwise, null for NULL.
 */
export function decodeTextRow(buf: Buffer, start: number, end: number, binary: readonly boolean[]): MySqlValue[] {
  const out: MySqlValue[] = new Array(binary.length);
  let p = start;
  for (let i = 0; i < binary.length; i++) {
    if (p >= end) throw new Error('internal: a row packet with fewer fields than the SELECT');
    if (buf[p] === 0xfb) {
      out[i] = null;
      p++;
      continue;
    }
    const [len, q] = readLengthEncoded(buf, p);
    out[i] = binary[i] ? Buffer.from(buf.subarray(q, q + len)) : buf.toString('utf8', q, q + len);
    p = q + len;
  }
  return out;
}

interface Plan {
  readonly sql: string;
  readonly binary: boolean[];
  readonly canonical: CanonicalColumn[];
}

export class MySqlComparisonSide implements ComparisonSide, KeyedRowSource {
  private catalog: MySqlCatalog | undefined;
  private readonly idle: MySqlSession[] = [];
  private open_ = 0;
  private waiters: { resolve: (s: MySqlSession) => void; reject: (e: unknown) => void }[] = [];

  /**
   * @param config the MySQL database (`--source-db-name`)
   * @param label short name in reports (`source`)
   * @param maxConnections at most this many connections (tables fingerprinted at once)
   */
  constructor(private readonly config: MySqlDbConfig, readonly label: string, private readonly maxConnections: number) {}

  async open(): Promise<void> {
    const s = await connectMySql(this.config);
    this.open_++;
    try {
      this.catalog = await readMySqlCatalog(s.connection, s.server, this.config.database);
    } catch (e) {
      s.connection.destroy();
      this.open_--;
      throw e;
    }
    this.idle.push(s);
  }

  /**
   * All columns (generated ones too) of each table that exists here, in column order, keyed
   * `schema.table` with the schema the caller names (the target's): a MySQL database is one schema.
   */
  async listColumns(tables: readonly { readonly schema: string; readonly name: string }[]): Promise<Map<string, string[]>> {
    if (!this.catalog) throw new Error('internal: MySqlComparisonSide.open first');
    const out = new Map<string, string[]>();
    for (const t of tables) {
      const found = this.catalog.tables.find((x) => x.name === t.name);
      if (found) out.set(`${t.schema}.${t.name}`, found.columns.map((c) => c.name));
    }
    return out;
  }

  async fingerprint(table: ComparedTable): Promise<SideFingerprint> {
    const plan = this.plan(table, []);
    return this.withSnapshot(async (s) => {
      // After the consistent snapshot was taken: every transaction the scan sees committed before it.
      const [clock] = await s.connection.query('SELECT UNIX_TIMESTAMP(NOW(6)) * 1000 AS read_at_ms');
      const readAtMs = Number((clock as { read_at_ms: string | number }[])[0]!.read_at_ms);
      const fp = new RowFingerprint();
      const values: (string | null)[] = new Array(plan.canonical.length);
      const q = rawRowQuery(s.connection, plan.sql, (buf, start, end) => {
        const row = decodeTextRow(buf, start, end, plan.binary);
        for (let i = 0; i < row.length; i++) values[i] = plan.canonical[i]!(row[i]!);
        fp.add(values);
      });
      await q.done;
      return { ...fp.result(), readAtMs };
    });
  }

  /**
   * The first primary-key column and its extremes when it is an integer column (`ComparisonSide.integerKeyRange`);
   * an InnoDB key is an index, so a range of it is read without scanning the table.
   */
  async integerKeyRange(table: ComparedTable): Promise<{ column: string; min: string | null; max: string | null } | undefined> {
    if (!this.catalog) throw new Error('internal: MySqlComparisonSide.open first');
    const t = this.catalog.tables.find((x) => x.name === table.name);
    const column = t?.primaryKey[0];
    const c = column === undefined ? undefined : t!.columns.find((x) => x.name === column);
    if (!t || !c || valueTypeOf(t.name, c, this.catalog.server.flavor).kind !== 'integer' || !table.columns.includes(c.name)) return undefined;
    const s = await this.acquire();
    let ok = false;
    try {
      const k = mysqlIdent(c.name);
      const [rows] = await s.connection.query(`SELECT CAST(MIN(${k}) AS CHAR) AS min_key, CAST(MAX(${k}) AS CHAR) AS max_key FROM ${mysqlIdent(this.config.database)}.${mysqlIdent(t.name)}`);
      ok = true;
      const r = (rows as { min_key: string | null; max_key: string | null }[])[0]!;
      return { column: c.name, min: r.min_key === null ? null : String(r.min_key), max: r.max_key === null ? null : String(r.max_key) };
    } finally {
      if (ok) this.release(s);
      else this.discard(s);
    }
  }

  /**
   * Each key bucket's count and checksum (`ComparisonSide.bucketFingerprints`): the rows stream here
   * as for `fingerprint`, and each is added to its bucket's sum; with `only`, just those buckets'
   * key ranges are read.
   */
  async bucketFingerprints(table: ComparedTable, plan: BucketPlan, only?: readonly string[]): Promise<{ buckets: Map<string, BucketFingerprint>; readAtMs: number }> {
    const at = table.columns.indexOf(plan.column);
    if (at < 0) throw new Error(`internal: the key of ${table.key} is not among its compared columns`);
    const base = this.plan(table, []);
    const k = `\`t\`.${mysqlIdent(plan.column)}`;
    // Adjacent buckets read as one range, at most RANGES_PER_QUERY ranges a statement (MariaDB
    // scanned the whole table for each row of 360,000 OR'ed ranges: the ranges-mysql-52 run).
    const statements: string[] = [];
    if (only === undefined) statements.push(base.sql);
    else {
      const ranges = mergedRanges(plan, only).map(({ lo, hi }) => `(${k} >= ${lo} AND ${k} < ${hi})`);
      for (let i = 0; i < ranges.length; i += RANGES_PER_QUERY) statements.push(`${base.sql} WHERE ${ranges.slice(i, i + RANGES_PER_QUERY).join(' OR ')}`);
    }
    return this.withSnapshot(async (s) => {
      const [clock] = await s.connection.query('SELECT UNIX_TIMESTAMP(NOW(6)) * 1000 AS read_at_ms');
      const readAtMs = Number((clock as { read_at_ms: string | number }[])[0]!.read_at_ms);
      const sums = new Map<string, RowFingerprint>();
      const values: (string | null)[] = new Array(base.canonical.length);
      let failure: Error | undefined;
      for (const sql of statements) {
        const q = rawRowQuery(s.connection, sql, (buf, start, end) => {
          const row = decodeTextRow(buf, start, end, base.binary);
          for (let i = 0; i < row.length; i++) values[i] = base.canonical[i]!(row[i]!);
          const bucket = bucketOf(plan, values[at]);
          if (bucket === undefined) {
            failure ??= new Error(`a key of ${table.key} is not an integer: ${plan.column} = ${values[at] === null ? 'NULL' : 'a non-integer value'}`);
            return;
          }
          let fp = sums.get(bucket);
          if (!fp) sums.set(bucket, (fp = new RowFingerprint()));
          fp.add(values);
        });
        await q.done;
      }
      if (failure) throw failure;
      return { buckets: new Map([...sums].map(([b, fp]) => [b, fp.result()])), readAtMs };
    });
  }

  /** Rows ordered by `key` in the portable order (see differing-keys.ts), as canonical text. */
  async *rowsByKey(table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncGenerator<KeyedRow> {
    const keyAt = key.map((k) => table.columns.indexOf(k));
    if (keyAt.some((i) => i < 0)) throw new Error(`internal: the key of ${table.key} is not among its compared columns`);
    // Qualified: a bare name in ORDER BY could mean a select-list expression of that name.
    const plan = this.plan(table, key.map((k, i) => (orders[i] === 'text' ? `CAST(CONVERT(\`t\`.${mysqlIdent(k)} USING utf8mb4) AS BINARY)` : `\`t\`.${mysqlIdent(k)}`)));
    const s = await this.acquire();
    try {
      await s.connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    } catch (e) {
      this.discard(s);
      throw e;
    }
    const queue: KeyedRow[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    let paused = false;
    const q = rawRowQuery(s.connection, plan.sql, (buf, start, end) => {
      const row = decodeTextRow(buf, start, end, plan.binary);
      const values = row.map((v, i) => plan.canonical[i]!(v));
      queue.push({ key: keyAt.map((i) => values[i]!), text: canonicalRowText(values) });
      if (queue.length >= 1000 && !paused) {
        paused = true;
        q.pause();
      }
      wake?.();
    });
    q.done.then(() => { finished = true; wake?.(); }, (e) => { failure = e; finished = true; wake?.(); });
    let complete = false;
    try {
      for (;;) {
        if (queue.length > 0) {
          const next = queue.shift()!;
          if (paused && queue.length < 250) {
            paused = false;
            q.resume();
          }
          yield next;
          continue;
        }
        if (finished) {
          if (failure) throw failure;
          complete = true;
          return;
        }
        await new Promise<void>((r) => { wake = r; });
        wake = undefined;
      }
    } finally {
      if (complete) {
        await s.connection.query('COMMIT').catch(() => {});
        this.release(s);
      } else {
        // Left early (enough keys found) or failed: the rest of the result is still on the socket.
        this.discard(s);
      }
    }
  }

  async close(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(all.map((s) => s.connection.end().catch(() => s.connection.destroy())));
    this.open_ -= all.length;
  }

  /** The SELECT of a table's compared columns (ordered by `orderBy` when given) and each column's converters. */
  private plan(table: ComparedTable, orderBy: readonly string[]): Plan {
    if (!this.catalog) throw new Error('internal: MySqlComparisonSide.open first');
    const t: MySqlTable | undefined = this.catalog.tables.find((x) => x.name === table.name);
    if (!t) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${this.config.database}.${table.name} does not exist.`);
    const flavor = this.catalog.server.flavor;
    const cols = table.columns.map((name) => {
      const c = t.columns.find((x) => x.name === name);
      if (!c) throw new TandemError('TANDEM_DATA', `The table ${this.config.database}.${t.name} has no column ${name} to compare.`);
      return c;
    });
    const kinds = cols.map((c) => valueTypeOf(t.name, c, flavor).kind);
    return {
      sql: `SELECT ${cols.map((c) => mysqlSelectExpression(c, `\`t\`.${mysqlIdent(c.name)}`)).join(', ')} FROM ${mysqlIdent(this.config.database)}.${mysqlIdent(t.name)} AS \`t\``
        + (orderBy.length ? ` ORDER BY ${orderBy.join(', ')}` : ''),
      binary: kinds.map((k) => k === 'binary' || k === 'bit'),
      canonical: cols.map((c) => canonicalColumn(t.name, c, flavor)),
    };
  }

  private async withSnapshot<T>(fn: (s: MySqlSession) => Promise<T>): Promise<T> {
    const s = await this.acquire();
    let ok = false;
    try {
      await s.connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const r = await fn(s);
      await s.connection.query('COMMIT');
      ok = true;
      return r;
    } finally {
      if (ok) this.release(s);
      else this.discard(s);
    }
  }

  /** Drops a connection that cannot be reused; a waiting caller gets a new one. */
  private discard(s: MySqlSession): void {
    s.connection.destroy();
    this.open_--;
    const w = this.waiters.shift();
    if (w) void this.acquire().then(w.resolve, w.reject);
  }

  private async acquire(): Promise<MySqlSession> {
    const s = this.idle.pop();
    if (s) return s;
    if (this.open_ < Math.max(1, this.maxConnections)) {
      this.open_++;
      try {
        return await connectMySql(this.config);
      } catch (e) {
        this.open_--;
        throw e;
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(s: MySqlSession): void {
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }
}
