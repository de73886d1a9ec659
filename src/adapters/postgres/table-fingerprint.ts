import type pg from 'pg';
import { TandemError } from '../../core/errors.js';
import { q } from '../../core/sql-names.js';
import { qualified, pgArray, pgBool } from './source-catalog.js';
import { boundsOf, type BucketFingerprint, type BucketPlan } from '../../core/verify/key-buckets.js';

/** Row count and order-independent checksum of one table, computed by the server. */
export interface TableFingerprint {
  readonly rows: number;
  /** Sum of a 60-bit slice of each row's md5, as decimal text (equal multisets of rows give equal sums). */
  readonly checksum: string;
  /** The server's clock read after the scan's snapshot was taken (`SideFingerprint.readAtMs`). */
  readonly readAtMs: number;
}

/**
 * Session settings that fix every type's text output, so two servers holding the same values produce
 * the same row text whatever their version or configuration (timestamptz in UTC, ISO dates, postgres
 * intervals, shortest-exact floats, hex bytea, C money, schema-qualified object names). synchronize_seqscans off keeps concurrent
 * scans from starting mid-table, which would not change the sum but makes timings erratic.
 */
const FIXED_SETTINGS = [
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  "SET LOCAL TimeZone = 'UTC'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
  "SET LOCAL lc_monetary = 'C'",
  'SET LOCAL synchronize_seqscans = off',
  'SET LOCAL statement_timeout = 0',
  // A side read through row-level security would compare only the rows its policies allow (and
  // could match a subset on the other side): with row_security off such a read fails instead.
  'SET LOCAL row_security = off',
  // Object-identifier values (regclass…) print their schema whatever either side's search_path (as
  // the snapshot and the change stream read them): otherwise `app.t` on one side and `t` on the other.
  'SET LOCAL search_path = pg_catalog',
  // A read of a few key ranges is estimated at millions of rows (the planner cannot tell how many
  // keys a range holds), which set off JIT compilation: about 0.4 s of both servers' CPU per read,
  // for a read of 77 ms (bench/cutover, busy: most of the verification at the cutover, and a
  // compilation on both servers at each reading while streaming). A whole table reads no faster with
  // it either (3.4 s against 3.2 s for a million rows). PostgreSQL 11+ (YugabyteDB too) has the setting.
  'SET LOCAL jit = off',
];

/**
 * Opens the read-only snapshot every comparison read runs in, with the fixed settings: the
 * fingerprint's scan and a read of the rows by key print every value the same way.
 */
export async function beginComparisonRead(client: pg.Client): Promise<void> {
  try {
    // One round trip (simple protocol, several statements; a failing one leaves the transaction
    // open and aborted): at a cutover each read's set-up is downtime, and a round trip to a distant
    // server can take longer than reading a few key ranges.
    await client.query(['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', ...FIXED_SETTINGS].join('; '));
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/**
 * The canonical text of one row: each column as `col::text` wrapped by quote_nullable, so NULL is the
 * bare word NULL, any value is a quoted literal (an embedded quote is doubled), and the comma between
 * them can never be confused with a value's content. Built with `||` rather than concat_ws, which takes
 * at most 100 arguments.
 */
export function rowTextExpression(columns: readonly string[], alias = 't', forms: ColumnForms = NO_FORMS): string {
  if (columns.length === 0) return "''";
  return columns.map((c) => `quote_nullable(${valueTextExpression(alias, c, forms.daysAsHours.has(c), forms.padded.has(c))})`).join(" || ',' || ");
}

/**
 * Columns whose text is not `col::text`: intervals whose days count as hours (`daysAsHours`), and
 * `padded`: unbounded `bpchar` columns (or domains over one), whose stored trailing spaces the cast
 * to text strips (`'ab   '` and `'ab'` compared equal: the pg-fidelity run). A `char(n)` value is
 * always padded to n, so `::text` is kept there, as the other engines' CHAR is compared.
 */
export interface ColumnForms {
  readonly daysAsHours: ReadonlySet<string>;
  readonly padded: ReadonlySet<string>;
}

export const NO_FORMS: ColumnForms = { daysAsHours: new Set(), padded: new Set() };

/**
 * Select-list items that give a table's {@link ColumnForms} (`c` its pg_class row), read by the
 * catalog query a scan makes anyway: its interval columns and its unbounded bpchar ones (directly
 * or through domains, however many: none of them sets a length).
 */
export const COLUMN_FORMS_SELECT = `
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid = 'pg_catalog.interval'::pg_catalog.regtype) AS "intervalColumns",
  ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypmod = -1
           AND (WITH RECURSIVE chain(oid, base, typmod, typtype) AS (
                  SELECT t.oid, t.typbasetype, t.typtypmod, t.typtype FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid
                  UNION ALL
                  SELECT t.oid, t.typbasetype, t.typtypmod, t.typtype FROM chain JOIN pg_catalog.pg_type t ON t.oid = chain.base WHERE chain.typtype = 'd')
                SELECT bool_and(typtype <> 'd' OR typmod = -1) AND bool_or(oid = 'pg_catalog.bpchar'::pg_catalog.regtype) FROM chain)) AS "paddedColumns"`;

/** The {@link ColumnForms} of a row read with {@link COLUMN_FORMS_SELECT}; interval columns only with `intervalDaysAsHours`. */
export function columnFormsOf(row: { intervalColumns: unknown; paddedColumns: unknown }, intervalDaysAsHours: boolean): ColumnForms {
  return { daysAsHours: new Set(intervalDaysAsHours ? pgArray(row.intervalColumns) : []), padded: new Set(pgArray(row.paddedColumns)) };
}

/**
 * One value's text: `col::text`; for an interval column listed in `daysAsHours`, with its days
 * turned into hours first (`2 days 03:00:00` prints `51:00:00`; months are left as they are), as a
 * MySQL TIME holds it (`ComparedTable.intervalDaysAsHours`). Exact: fieldwise interval arithmetic.
 */
export function valueTextExpression(alias: string, column: string, daysAsHours = false, padded = false): string {
  const c = `${alias}.${q(column)}`;
  // format() prints a value with its type's output function, which keeps a bpchar's stored spaces.
  if (padded) return `format('%s', ${c})`;
  if (!daysAsHours) return `${c}::text`;
  return `(${c} - make_interval(days => extract(day from ${c})::int) + extract(day from ${c})::int * interval '24 hours')::text`;
}

/**
 * What a fingerprint scans: the table itself (`ONLY` for a plain table, as the snapshot copies it
 * without inheritance children; the root for a partitioned table), or, for a partitioned table with
 * foreign partitions, exactly its local leaves (a foreign partition's rows live on a remote server,
 * are not migrated, and must not be read).
 */
export type FingerprintScan =
  | { readonly kind: 'table'; readonly only: boolean }
  | { readonly kind: 'leaves'; readonly leaves: readonly { readonly schema: string; readonly name: string }[] };

/** The FROM item of a fingerprint, aliased `t`. */
function scanSource(schema: string, table: string, columns: readonly string[], scan: FingerprintScan): string {
  if (scan.kind === 'table') return `${scan.only ? 'ONLY ' : ''}${qualified(schema, table)} t`;
  const cols = columns.map(q).join(', ');
  const parts = scan.leaves.length === 0
    ? [`SELECT ${cols} FROM ONLY ${qualified(schema, table)}`] // the root alone holds no rows: empty, with the right columns
    : scan.leaves.map((l) => `SELECT ${cols} FROM ONLY ${qualified(l.schema, l.name)}`);
  return `(${parts.join(' UNION ALL ')}) t`;
}

/**
 * The single-scan query: count and sum of the first 60 bits of each row's md5 (sum of bigint is
 * numeric: no overflow). md5 hashes a text's bytes in the server's encoding, so on a server whose
 * encoding is neither UTF8 nor SQL_ASCII (a LATIN1 source) the row text is converted to UTF-8 first:
 * the same characters hash the same on both sides, and the same as the MySQL and Oracle sides, which
 * hash UTF-8 (measured before: 'café' on a LATIN1 source against the same row on a UTF8 target was a
 * verification MISMATCH). SQL_ASCII text has no known encoding: its bytes are hashed as they are,
 * as the snapshot copied them.
 */
export function fingerprintQuery(schema: string, table: string, columns: readonly string[], scan: FingerprintScan, serverEncoding = 'UTF8',
  forms: ColumnForms = NO_FORMS): string {
  const text = rowTextExpression(columns, 't', forms);
  const bytes = serverEncoding === 'UTF8' || serverEncoding === 'SQL_ASCII' ? text : `convert_to(${text}, 'UTF8')`;
  return `SELECT count(*)::text AS rows,
       coalesce(sum(('x' || substr(md5(${bytes}), 1, 15))::bit(60)::bigint), 0)::text AS checksum
  FROM ${scanSource(schema, table, columns, scan)}`;
}

/** How to scan a table of relkind `relkind` (see {@link FingerprintScan}); one catalog query for a partitioned table. */
async function fingerprintScan(client: pg.Client, oid: string, relkind: string): Promise<FingerprintScan> {
  if (relkind !== 'p') return { kind: 'table', only: relkind === 'r' };
  const r = await client.query(`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'f' AS foreign_leaf
      FROM pg_partition_tree($1::oid::regclass) p JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE p.isleaf ORDER BY n.nspname, c.relname`, [oid]);
  if (!r.rows.some((x) => pgBool(x.foreign_leaf))) return { kind: 'table', only: false };
  return { kind: 'leaves', leaves: r.rows.filter((x) => !pgBool(x.foreign_leaf)).map((x) => ({ schema: String(x.schema), name: String(x.name) })) };
}

/**
 * Fingerprints `schema.table` over `columns` (in the given order, generated columns included if
 * listed) in one read-only scan. A partitioned table is scanned through its root (all partitions);
 * a plain table with ONLY, as the snapshot copies it without inheritance children.
 * Throws TANDEM_UNKNOWN_TABLE when the table does not exist. The client must be idle.
 */
export async function fingerprintTable(client: pg.Client, schema: string, table: string, columns: string[], intervalDaysAsHours = false): Promise<TableFingerprint> {
  await beginComparisonRead(client);
  try {
    const kind = await client.query(
      // The snapshot is taken by this first statement: clock_timestamp() is read after it (readAtMs).
      `SELECT c.oid::text AS oid, c.relkind, current_setting('server_encoding') AS encoding,
              (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS "readAtMs", ${COLUMN_FORMS_SELECT} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'm', 'v')`, [schema, table]);
    if (kind.rows.length === 0) {
      throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${schema}.${table} does not exist.`);
    }
    const scan = await fingerprintScan(client, kind.rows[0].oid, kind.rows[0].relkind);
    const forms = columnFormsOf(kind.rows[0], intervalDaysAsHours);
    const r = await client.query(fingerprintQuery(schema, table, columns, scan, String(kind.rows[0].encoding), forms));
    await client.query('COMMIT');
    return { rows: Number(r.rows[0].rows), checksum: String(r.rows[0].checksum), readAtMs: Number(kind.rows[0].readAtMs) };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/**
 * All columns of each table (generated ones too: they are compared like any other), in column
 * order, keyed `schema.table`. Tables that do not exist are absent from the map.
 */
export async function listFingerprintColumns(client: pg.Client, tables: readonly { schema: string; name: string }[]): Promise<Map<string, string[]>> {
  if (tables.length === 0) return new Map();
  const r = await client.query(`
    SELECT n.nspname AS schema, c.relname AS name,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
      FROM unnest($1::text[], $2::text[]) AS w(schema, name)
      JOIN pg_namespace n ON n.nspname = w.schema
      JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.name`,
  [tables.map((t) => t.schema), tables.map((t) => t.name)]);
  return new Map(r.rows.map((row) => [`${row.schema}.${row.name}`, pgArray(row.columns)]));
}

/**
 * The first primary-key column of `schema.table` with its smallest and largest values, when that
 * column is an integer (smallint, integer, bigint) and the table's rows are all local (no foreign
 * partition); undefined otherwise. The extremes are read through the key's index.
 */
export async function integerKeyRange(client: pg.Client, schema: string, table: string): Promise<{ column: string; min: string | null; max: string | null } | undefined> {
  const k = await client.query(
    `SELECT a.attname::text AS name, c.relkind, pg_catalog.version() ~ '-YB-' AS yugabyte,
            EXISTS (WITH RECURSIVE tree(relid) AS (
                      SELECT c.oid UNION ALL SELECT i.inhrelid FROM tree JOIN pg_catalog.pg_inherits i ON i.inhparent = tree.relid)
                    SELECT 1 FROM tree JOIN pg_catalog.pg_class x ON x.oid = tree.relid WHERE x.relkind = 'f') AS foreign_leaf
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
        AND a.atttypid IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype)`, [schema, table]);
  const row = k.rows[0];
  // YugabyteDB shards a key by its hash unless it is declared ASC or DESC: a range of it is read by
  // scanning the whole table, so its tables are not cut into buckets (untested there: no YugabyteDB here).
  if (!row || pgBool(row.foreign_leaf) || pgBool(row.yugabyte)) return undefined;
  const col = q(String(row.name));
  const from = `${row.relkind === 'r' ? 'ONLY ' : ''}${qualified(schema, table)}`;
  const r = await client.query(`SELECT (SELECT min(${col}) FROM ${from})::text AS min, (SELECT max(${col}) FROM ${from})::text AS max`);
  return { column: String(row.name), min: r.rows[0].min ?? null, max: r.rows[0].max ?? null };
}

const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * The bucket of integer column `k` under `plan`, as decimal text: floor((k - base) / width). In bigint
 * arithmetic for the keys where no step of it can overflow (all of them but keys near bigint's ends
 * far from the base), in exact numeric arithmetic for the rest (div and mod; a numeric quotient is
 * rounded to about 16 digits, which put keys far past the plan into the next bucket: the
 * ranges-mysql-52 run). The numeric form made a first reading a fifth slower (2.3 s against 1.9 s
 * for a million pgbench_accounts rows in 16,384 buckets).
 */
export function bucketExpression(k: string, plan: BucketPlan): string {
  const base = BigInt(plan.base);
  const width = BigInt(plan.width);
  const numeric = `(div(${k}::numeric - ${plan.base}, ${plan.width}) - CASE WHEN ${k}::numeric < ${plan.base} AND mod(${k}::numeric - ${plan.base}, ${plan.width}) <> 0 THEN 1 ELSE 0 END)::text`;
  // d = k - base within [-(2^63 - width), 2^63 - 1]: then d, and -d - 1 + width (the ceiling's
  // numerator for a negative d, added in that order), stay within bigint.
  const lo = base - BIGINT_MAX + width - 1n > BIGINT_MIN ? base - BIGINT_MAX + width - 1n : BIGINT_MIN;
  const hi = base + BIGINT_MAX < BIGINT_MAX ? base + BIGINT_MAX : BIGINT_MAX;
  if (width < 1n || width > BIGINT_MAX || lo > hi) return numeric;
  const b = `'${base}'::bigint`;
  const w = `'${width}'::bigint`;
  const key = `${k}::bigint`;
  return `CASE WHEN ${k} BETWEEN '${lo}'::bigint AND '${hi}'::bigint
            THEN (CASE WHEN ${key} >= ${b} THEN (${key} - ${b}) / ${w} ELSE -((${b} - ${key} - 1 + ${w}) / ${w}) END)::text
            ELSE ${numeric} END`;
}

/**
 * Row count and checksum of each key bucket of `schema.table` (see `core/verify/key-buckets.ts`),
 * in one read-only snapshot: of every bucket in one scan, or of the buckets `only` lists, each read
 * through the key's index. Buckets without rows are left out. The row text and hash are the
 * fingerprint's, so the buckets' sums add up to the table's fingerprint.
 */
export async function fingerprintBuckets(client: pg.Client, schema: string, table: string, columns: string[], plan: BucketPlan,
  only: readonly string[] | undefined, intervalDaysAsHours = false): Promise<{ buckets: Map<string, BucketFingerprint>; readAtMs: number }> {
  if (!/^-?\d+$/.test(plan.base) || !/^\d+$/.test(plan.width)) throw new Error('internal: a bucket plan that is not integers');
  await beginComparisonRead(client);
  try {
    const kind = await client.query(
      `SELECT c.relkind, current_setting('server_encoding') AS encoding,
              (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS "readAtMs", ${COLUMN_FORMS_SELECT} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, [schema, table]);
    if (kind.rows.length === 0) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Table ${schema}.${table} does not exist.`);
    const forms = columnFormsOf(kind.rows[0], intervalDaysAsHours);
    const text = rowTextExpression(columns, 't', forms);
    const encoding = String(kind.rows[0].encoding);
    const bytes = encoding === 'UTF8' || encoding === 'SQL_ASCII' ? text : `convert_to(${text}, 'UTF8')`;
    const hash = `('x' || substr(md5(${bytes}), 1, 15))::bit(60)::bigint`;
    const from = `${kind.rows[0].relkind === 'r' ? 'ONLY ' : ''}${qualified(schema, table)} t`;
    const k = `t.${q(plan.column)}`;
    const sql = only === undefined
      ? `SELECT ${bucketExpression(k, plan)} AS bucket, count(*)::text AS rows, sum(${hash})::text AS checksum
           FROM ${from} GROUP BY 1`
      // Each bucket's range read through the key's index (the bounds as bigint: an integer column
      // compares with them through its index; bounds outside bigint's range are clamped).
      : `SELECT b.id AS bucket, count(*)::text AS rows, sum(${hash})::text AS checksum
           FROM unnest($1::text[], $2::numeric[], $3::numeric[]) AS b(id, lo, hi)
           JOIN ${from} ON ${k} >= greatest(b.lo, -9223372036854775808)::bigint AND ${k} <= least(b.hi - 1, 9223372036854775807)::bigint
          GROUP BY b.id`;
    // Each bucket once: a bucket listed twice would count its rows twice.
    const ids = only === undefined ? [] : [...new Set(only)];
    const params = only === undefined ? [] : [ids, ids.map((b) => boundsOf(plan, b).lo), ids.map((b) => boundsOf(plan, b).hi)];
    const r = await client.query(sql, params);
    await client.query('COMMIT');
    return {
      buckets: new Map(r.rows.map((x) => [String(x.bucket), { rows: Number(x.rows), checksum: String(x.checksum) }])),
      readAtMs: Number(kind.rows[0].readAtMs),
    };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
