import pg from 'pg';
import { isTandemError } from '../../core/errors.js';
import type { DbConfig } from '../../core/db-config.js';
import type { TableRef } from '../../core/engine/catalog.js';
import type { ComparedTable, ComparisonSide, SideFingerprint, ValueReading } from '../../core/engine/verification.js';
import { canonicalRowText } from '../../core/row-fingerprint.js';
import { q, quoteIdent } from '../../core/sql-names.js';
import { keyOrderOf, type KeyedRow, type KeyOrder } from '../../core/verify/differing-keys.js';
import { connectPg } from './pg-connection.js';
import { qualified } from './source-catalog.js';
import { beginComparisonRead, COLUMN_FORMS_SELECT, columnFormsOf, fingerprintBuckets, fingerprintTable, integerKeyRange, listFingerprintColumns, NO_FORMS, valueTextExpression } from './table-fingerprint.js';
import type { BucketFingerprint, BucketPlan } from '../../core/verify/key-buckets.js';

/** Rows fetched at a time while streaming a table by key. */
const KEYED_FETCH = 2000;

/**
 * One PostgreSQL-compatible database (PostgreSQL or YugabyteDB) as a comparison side: a small pool
 * of up to `maxConnections` connections, opened as scans need them and closed by `close()`. Each
 * table's fingerprint is computed by the server in one scan (`table-fingerprint.ts`): every value as
 * PostgreSQL prints it under fixed settings, so other engines can produce the same text.
 */
export class PgFingerprintSide implements ComparisonSide {
  private readonly idle: pg.Client[] = [];
  private readonly all = new Set<pg.Client>();
  private readonly waiters: { resolve: (c: pg.Client) => void; reject: (e: unknown) => void }[] = [];
  private opening = 0;
  private closed = false;

  constructor(readonly label: string, private readonly config: DbConfig, private readonly maxConnections: number) {}

  /** Opens the first connection, so a wrong password or host fails before any table is compared. */
  async open(): Promise<void> {
    if (this.all.size === 0) this.release(await this.connect());
  }

  async warm(connections: number): Promise<void> {
    const wanted = Math.min(connections, this.maxConnections) - this.all.size - this.opening;
    const opened = await Promise.allSettled(Array.from({ length: Math.max(0, wanted) }, () => this.connect()));
    for (const o of opened) if (o.status === 'fulfilled') this.release(o.value);
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed && this.all.size === 0) throw failed.reason;
  }

  async listColumns(tables: readonly TableRef[]): Promise<Map<string, string[]>> {
    return this.withClient((client) => listFingerprintColumns(client, tables));
  }

  async fingerprint(table: ComparedTable): Promise<SideFingerprint> {
    return this.withClient((client) => fingerprintTable(client, table.schema, table.name, [...table.columns], table.intervalDaysAsHours === true));
  }

  async integerKeyRange(table: ComparedTable): Promise<{ column: string; min: string | null; max: string | null } | undefined> {
    return this.withClient((client) => integerKeyRange(client, table.schema, table.name));
  }

  async bucketFingerprints(table: ComparedTable, plan: BucketPlan, only?: readonly string[]): Promise<{ buckets: Map<string, BucketFingerprint>; readAtMs: number }> {
    return this.withClient((client) => fingerprintBuckets(client, table.schema, table.name, [...table.columns], plan, only, table.intervalDaysAsHours === true));
  }

  /**
   * The oid and file (relfilenode) of each table and of each relation below it (partitions, and
   * inheritance children, which only makes a rescan likelier), with its columns (number, name, type)
   * and their enums' labels: TRUNCATE, DROP and re-CREATE, ATTACH and DETACH, a column dropped or
   * added, an enum label renamed change them, and logical decoding carries none of them for a partition (see
   * `ComparisonSide.storageStamps`). pg_inherits rather than pg_partition_tree, which YugabyteDB's
   * PostgreSQL 11 lacks.
   */
  async storageStamps(tables: readonly TableRef[]): Promise<Map<string, string>> {
    const r = await this.withClient((client) => client.query(
      `WITH RECURSIVE wanted(key, relid) AS (
         SELECT w.key, to_regclass(w.name) FROM unnest($1::text[], $2::text[]) AS w(key, name) WHERE to_regclass(w.name) IS NOT NULL
       ), tree(key, relid) AS (
         SELECT key, relid::oid FROM wanted
         UNION ALL
         SELECT t.key, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.relid
       )
       SELECT t.key, string_agg(c.oid::text || ':' || c.relfilenode::text || ':' || (
                -- The columns too: ADD or DROP COLUMN rewrites nothing (the pg-live-edges run); with their
                -- numbers, as a column dropped and added again under its name and type holds the new
                -- column's default in every row, and with an enum's labels, which ALTER TYPE … RENAME
                -- VALUE changes in every row that holds one (the pg-ddl-48 run: both said MATCH).
                SELECT md5(coalesce(string_agg(a.attnum::text || ' ' || a.attname || ' ' || a.atttypid::text || ' ' || a.atttypmod::text || coalesce(' ' || (
                         SELECT string_agg(e.enumlabel::text, ',' ORDER BY e.enumtypid, e.enumsortorder) FROM pg_catalog.pg_enum e
                          WHERE e.enumtypid IN (a.atttypid, (SELECT ty.typelem FROM pg_catalog.pg_type ty WHERE ty.oid = a.atttypid),
                                                (SELECT ty.typbasetype FROM pg_catalog.pg_type ty WHERE ty.oid = a.atttypid))), ''), ',' ORDER BY a.attnum), ''))
                  FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ',' ORDER BY c.oid) AS stamp
         FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.relid GROUP BY t.key`,
      [tables.map((t) => `${t.schema}.${t.name}`), tables.map((t) => qualified(t.schema, t.name))]));
    return new Map(r.rows.map((x) => [String(x.key), String(x.stamp)]));
  }

  /**
   * The tables with a `money` column (of a domain over it, or an array of either), each with the
   * decimal places a session of this database reads money with by default: its lc_monetary's, which
   * the database, the role or the server sets (`reset_val`: Tandem's own sessions set lc_monetary C
   * with SET, which leaves it). A composite type holding money is not looked into.
   */
  async valueReadings(tables: readonly TableRef[]): Promise<Map<string, ValueReading>> {
    return this.withClient(async (client) => {
      const r = await client.query(
        `SELECT DISTINCT w.key FROM unnest($1::text[], $2::text[]) AS w(key, name)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = to_regclass(w.name) AND a.attnum > 0 AND NOT a.attisdropped
           JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
           LEFT JOIN pg_catalog.pg_type b ON b.oid = ty.typbasetype
          WHERE 'pg_catalog.money'::pg_catalog.regtype IN (ty.oid, ty.typelem, b.oid, b.typelem)`,
        [tables.map((t) => `${t.schema}.${t.name}`), tables.map((t) => qualified(t.schema, t.name))]);
      if (r.rows.length === 0) return new Map();
      const reading = await moneyReading(client);
      return new Map(r.rows.map((x) => [String(x.key), reading]));
    });
  }

  async keyOf(table: ComparedTable): Promise<{ key: string[]; orders: KeyOrder[] } | undefined> {
    const r = await this.withClient((client) => client.query(
      `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
        WHERE i.indrelid = to_regclass($1) AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)`, [qualified(table.schema, table.name)]));
    if (r.rows.length === 0) return undefined;
    return { key: r.rows.map((x) => String(x.name)), orders: r.rows.map((x) => keyOrderOf(String(x.type))) };
  }

  /**
   * The table's rows ordered by key (text keys by their UTF-8 bytes: `COLLATE "C"`), each value as
   * the fingerprint prints it (the same fixed settings), through a cursor in one read-only snapshot.
   */
  async *rowsByKey(table: ComparedTable, key: readonly string[], orders: readonly KeyOrder[]): AsyncGenerator<KeyedRow> {
    const client = await this.acquire();
    let healthy = false;
    try {
      await beginComparisonRead(client);
      const order = key.map((k, i) => (orders[i] === 'text' ? `t.${q(k)}::text COLLATE "C"` : `t.${q(k)}`)).join(', ');
      // A plain table's own rows (ONLY), as the fingerprint counts them: not its inheritance children's.
      const kind = await client.query(`SELECT c.relkind, ${COLUMN_FORMS_SELECT} FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)`, [qualified(table.schema, table.name)]);
      const only = kind.rows[0]?.relkind === 'r' ? 'ONLY ' : '';
      const forms = kind.rows[0] ? columnFormsOf(kind.rows[0], table.intervalDaysAsHours === true) : NO_FORMS;
      await client.query(`DECLARE tandem_keyed NO SCROLL CURSOR FOR SELECT ${table.columns.map((c) => valueTextExpression('t', c, forms.daysAsHours.has(c), forms.padded.has(c))).join(', ')} FROM ${only}${qualified(table.schema, table.name)} t ORDER BY ${order}`);
      const at = key.map((k) => table.columns.indexOf(k));
      if (at.some((i) => i < 0)) throw new Error(`internal: the key of ${table.key} is not among its compared columns`);
      for (;;) {
        const r = await client.query({ text: `FETCH ${KEYED_FETCH} FROM tandem_keyed`, rowMode: 'array' });
        for (const row of r.rows as (string | null)[][]) yield { key: at.map((i) => row[i] ?? null), text: canonicalRowText(row) };
        if (r.rows.length < KEYED_FETCH) break;
      }
      await client.query('COMMIT');
      healthy = true;
    } finally {
      // Left early (enough keys found) or failed: roll back, and keep the connection if that works.
      if (!healthy) healthy = await client.query('ROLLBACK').then(() => true, () => false);
      if (healthy) this.release(client);
      else this.discard(client);
    }
  }

  /** Runs `fn` on a pooled connection; only a connection that is still healthy goes back to the pool. */
  private async withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let healthy = true;
    try {
      return await fn(client);
    } catch (e) {
      // Only an error the server reported over a live session leaves the connection reusable.
      healthy = isTandemError(e) || (e instanceof pg.DatabaseError && !/^(08|57P)/.test(e.code ?? ''));
      throw e;
    } finally {
      if (healthy) this.release(client);
      else this.discard(client);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error(`the ${this.label} connection pool is closed`));
    const clients = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }

  private async connect(): Promise<pg.Client> {
    this.opening++;
    try {
      const c = await connectPg(this.config);
      // close() may have run while this connection was being opened: it must not outlive the pool.
      if (this.closed) {
        await c.end().catch(() => {});
        throw new Error(`the ${this.label} connection pool is closed`);
      }
      this.all.add(c);
      return c;
    } finally {
      this.opening--;
    }
  }

  private async acquire(): Promise<pg.Client> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.size + this.opening < this.maxConnections) return this.connect();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(c: pg.Client): void {
    if (this.closed) {
      c.end().catch(() => {});
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(c);
    else this.idle.push(c);
  }

  private discard(c: pg.Client): void {
    this.all.delete(c);
    c.end().catch(() => {});
    const waiter = this.waiters.shift();
    if (waiter) this.connect().then(waiter.resolve, waiter.reject);
  }
}

/**
 * The decimal places money is read with under the database's default lc_monetary (money's cast to
 * numeric takes them as its scale), read in a transaction of its own that sets it locally; and where
 * that default is set, most specific first as PostgreSQL applies them (for this role in this
 * database, for this role, for the database, the server's), so that the statement given to change it
 * is one that does (measured before: ALTER DATABASE was given for a setting of the role in the
 * database, which wins over it, so compare said the same forever; the fix-verify-50 run). With the
 * readings of the roles that set their own, and of a role that sets none.
 */
async function moneyReading(client: pg.Client): Promise<ValueReading> {
  await client.query('BEGIN');
  try {
    const setting = String((await client.query(
      "SELECT pg_catalog.set_config('lc_monetary', reset_val, true) AS s FROM pg_catalog.pg_settings WHERE name = 'lc_monetary'")).rows[0].s);
    const places = Number((await client.query('SELECT pg_catalog.scale(1::money::numeric) AS p')).rows[0].p);
    const at = (await client.query(
      `SELECT pg_catalog.current_database() AS db, current_user AS usr, (
         SELECT CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'role-db' WHEN s.setrole <> 0 THEN 'role' ELSE 'db' END
           FROM pg_catalog.pg_db_role_setting s
          WHERE s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
            AND s.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user))
            AND NOT (s.setrole = 0 AND s.setdatabase = 0)
            AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE c LIKE 'lc\\_monetary=%')
          ORDER BY (s.setrole <> 0) DESC, (s.setdatabase <> 0) DESC LIMIT 1) AS level`)).rows[0];
    const db = quoteIdent(String(at.db));
    const user = quoteIdent(String(at.usr));
    const level = at.level === null ? 'server' : String(at.level);
    const where = level === 'role-db' ? `, set for role ${user} in database ${db}` : level === 'role' ? `, set for role ${user}` : '';
    const statement = level === 'role-db' ? `ALTER ROLE ${user} IN DATABASE ${db}` : level === 'role' ? `ALTER ROLE ${user}` : `ALTER DATABASE ${db}`;
    const setTo = (on: string) => (other: string) => `${on} SET lc_monetary = '${other.replace(/'/g, "''")}' (a locale its server has), then reconnect the application`;
    const reading = (p: number, s: string, said: string, on: string): ValueReading =>
      ({ same: String(p), said: `money with ${p} decimal place${p === 1 ? '' : 's'} (lc_monetary ${s || "''"}${said})`, setting: s, setTo: setTo(on) });
    // Each setting read as it reads money: one its server has no locale for is left out.
    const placesOf = async (s: string): Promise<number | undefined> => {
      await client.query('SAVEPOINT tandem_money');
      try {
        await client.query("SELECT pg_catalog.set_config('lc_monetary', $1, true)", [s]);
        const p = Number((await client.query('SELECT pg_catalog.scale(1::money::numeric) AS p')).rows[0].p);
        await client.query('RELEASE SAVEPOINT tandem_money');
        return p;
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT tandem_money');
        return undefined;
      }
    };
    // The roles that set their own, for this database before for every one (as PostgreSQL applies them).
    const roleRows = (await client.query(
      `SELECT r.rolname AS role, CASE WHEN s.setdatabase <> 0 THEN 'db' ELSE 'all' END AS scope, substr(c, length('lc_monetary=') + 1) AS setting
         FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c
        WHERE s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
          AND c LIKE 'lc\\_monetary=%'
        ORDER BY r.rolname, (s.setdatabase <> 0) DESC`)).rows as { role: string; scope: 'db' | 'all'; setting: string }[];
    const byRole = new Map<string, ValueReading>();
    for (const r of roleRows) {
      if (byRole.has(r.role)) continue;
      const p = await placesOf(r.setting);
      const role = quoteIdent(r.role);
      // A text, not a boolean: this session reads every value as its text (fix-verify-51b: 'f' was true, so a setting for every database was said as one for this one).
      const inDb = r.scope === 'db';
      if (p !== undefined) byRole.set(r.role, reading(p, r.setting, inDb ? `, set for role ${role} in database ${db}` : `, set for role ${role}`, inDb ? `ALTER ROLE ${role} IN DATABASE ${db}` : `ALTER ROLE ${role}`));
    }
    // A role that sets none reads the database's setting, else the server's (known here only when
    // Tandem's own role reads it).
    const dbSetting = (await client.query(
      `SELECT substr(c, length('lc_monetary=') + 1) AS s FROM pg_catalog.pg_db_role_setting d, unnest(d.setconfig) c
        WHERE d.setrole = 0 AND d.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
          AND c LIKE 'lc\\_monetary=%'`)).rows[0]?.s as string | undefined;
    const dbPlaces = dbSetting === undefined ? undefined : await placesOf(dbSetting);
    const others = dbSetting !== undefined && dbPlaces !== undefined ? reading(dbPlaces, dbSetting, ', the database\'s default', `ALTER DATABASE ${db}`)
      : level === 'server' ? reading(places, setting, ', the server\'s default', `ALTER DATABASE ${db}`) : undefined;
    const roles = new Set((await client.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_'")).rows.map((r) => String(r.rolname)));
    return {
      ...reading(places, setting, where, statement),
      byRole,
      roles,
      ...(others ? { others } : {}),
      setToForRole: (role, other) => setTo(`ALTER ROLE ${quoteIdent(role)} IN DATABASE ${db}`)(other),
    };
  } finally {
    await client.query('COMMIT').catch(() => {});
  }
}
