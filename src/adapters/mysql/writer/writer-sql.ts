/**
 * The SQL the fall-back writer sends to MySQL/MariaDB, built from planned statements (`planBatch`)
 * whose values are PostgreSQL text (change events from the target). Pure.
 *
 * Values become MySQL literals: `pgToMySql` turns each text into what the column accepts (UTC for
 * TIMESTAMP, TIME from an interval, bytes for binary strings and BIT), and the literal is a quoted
 * string (backslash escapes: Tandem's sessions never run with NO_BACKSLASH_ESCAPES) or `X'…'` for
 * bytes. MySQL converts a string into the column's type exactly (strict mode). Key values of
 * integer and DECIMAL columns in WHERE clauses are written as numeric literals instead: MySQL
 * compares an integer column with a string as doubles, which is not exact beyond 2^53.
 *
 * Statements are set-based where MySQL allows it: multi-row INSERT, DELETE … WHERE key IN (…);
 * an UPDATE sets only the columns its event carries, one statement per row (they travel together
 * in one multi-statement packet). Each is kept below `maxBytes` (half of max_allowed_packet).
 */
import { createHash } from 'node:crypto';
import type { EventCounts, PlannedStatement, VsnRange } from '../../../core/apply/batch-plan.js';
import { TandemError } from '../../../core/errors.js';
import { mysqlIdent } from '../catalog.js';
import { pgToMySql } from '../values/pg-to-mysql.js';
import type { MySqlValueType } from '../values/value-type.js';

/** A MySQL table the writer writes, as events name it. */
export interface WriterTable {
  /** `schema.table` as change events name it (the target's schema). */
  readonly key: string;
  /** The MySQL database and table. */
  readonly database: string;
  readonly name: string;
  readonly primaryKey: readonly string[];
  /** Every column MySQL lets Tandem write (generated columns left out), with its value type. */
  readonly types: ReadonlyMap<string, MySqlValueType>;
  /** Columns MySQL generates: values events carry for them are dropped (MySQL refuses writes to them). */
  readonly generated: ReadonlySet<string>;
}

/** The spec's progress tables (in a database of their own on MySQL) and Tandem's truncate record. */
export const CHANNELS_TABLE = 'ybvoyager_import_data_event_channels_metainfo';
export const EVENT_COUNTS_TABLE = 'ybvoyager_imported_event_count_by_table';
export const TRUNCATED_ROWS_TABLE = 'tandem_truncated_rows';

/**
 * A MySQL literal for a value: NULL, `X'…'` for bytes, or a quoted string with `\0`, `\b`, `\n`,
 * `\r`, `\t`, `\Z`, quotes and backslashes escaped.
 *
 * @example
 * mysqlLiteral("it's") // 'it\'s'
 * mysqlLiteral(Buffer.from([0, 255])) // X'00ff'
 */
export function mysqlLiteral(value: string | Buffer | null): string {
  if (value === null) return 'NULL';
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  return `'${value.replace(/[\0\b\n\r\t\x1a'"\\]/g, (c) => ESCAPES[c]!)}'`;
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0', '\b': '\\b', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1a': '\\Z', "'": "\\'", '"': '\\"', '\\': '\\\\',
};

const NUMERIC_LITERAL = /^-?\d+(?:\.\d+)?$/;

function typeOf(t: WriterTable, column: string): MySqlValueType {
  const type = t.types.get(column);
  if (!type) {
    throw new TandemError('TANDEM_DATA', `Change events for ${t.key} carry the column ${column}, which the MySQL table ${t.database}.${t.name} lacks.`, {
      hint: 'The table differs between the target and the source: make its columns the same on both, then run import data to source again.',
    });
  }
  return type;
}

/** The literal of a value (PostgreSQL text) for `column`. */
export function valueLiteral(t: WriterTable, column: string, text: string | null): string {
  return mysqlLiteral(pgToMySql(text, typeOf(t, column)));
}

/**
 * The literal of a key value in a WHERE clause: integers and DECIMALs as numbers (exact comparison);
 * a BIT value as its number too: MySQL compares a BIT column with a string literal (X'…') as a
 * DECIMAL read from the string (measured before, the mysql-fidelity run: error 1292 under strict
 * mode for an UPDATE, no row found for a DELETE, so the fall-back stopped at the first change of a
 * table keyed on a BIT column).
 */
export function keyLiteral(t: WriterTable, column: string, text: string | null): string {
  const type = typeOf(t, column);
  if (text !== null && (type.kind === 'integer' || type.kind === 'decimal') && NUMERIC_LITERAL.test(text)) return text;
  if (text !== null && type.kind === 'bit' && /^[01]+$/.test(text)) return BigInt(`0b${text}`).toString();
  return mysqlLiteral(pgToMySql(text, type));
}

function qualified(t: WriterTable): string {
  return `${mysqlIdent(t.database)}.${mysqlIdent(t.name)}`;
}

function keyMatch(t: WriterTable, values: readonly (string | null)[]): string {
  return t.primaryKey.map((k, i) => `${mysqlIdent(k)} = ${keyLiteral(t, k, values[i] ?? null)}`).join(' AND ');
}

/** Joins items into statements `head + items.join(sep)` of at most about maxBytes each. */
function chunked(head: string, items: readonly string[], sep: string, tail: string, maxBytes: number): { sql: string; items: number }[] {
  const out: { sql: string; items: number }[] = [];
  let cur = '';
  let bytes = 0;
  let count = 0;
  for (const item of items) {
    const n = Buffer.byteLength(item, 'utf8') + sep.length;
    if (cur !== '' && bytes + n > maxBytes) {
      out.push({ sql: head + cur + tail, items: count });
      cur = '';
      bytes = 0;
      count = 0;
    }
    cur += (cur === '' ? '' : sep) + item;
    bytes += n;
    count += 1;
  }
  if (cur !== '') out.push({ sql: head + cur + tail, items: count });
  return out;
}

/** A statement of the writer, and for an UPDATE or DELETE how many rows it must find (the connection reports found rows: FOUND_ROWS). */
export interface WriteStatement {
  readonly sql: string;
  readonly mustFind?: number;
  /** An UPDATE's planned row (its key first), to name it when it is not found. */
  readonly row?: readonly (string | null)[];
}

/**
 * The statements of one planned insert, update or delete (truncates are run by the writer itself:
 * it counts what they remove). `maxBytes` bounds each multi-row statement.
 *
 * @example
 * writeStatements({ kind: 'delete', table, rows: [['1'], ['2']], vsns }, writerTable, 1 << 20)
 * // [{ sql: 'DELETE FROM `shop`.`t` WHERE `id` IN (1, 2)', mustFind: 2 }]
 */
export function writeStatements(s: Exclude<PlannedStatement, { kind: 'truncate' }>, t: WriterTable, maxBytes: number): WriteStatement[] {
  switch (s.kind) {
    case 'insert': {
      const keep = s.columns.map((c, i) => [c, i] as const).filter(([c]) => !t.generated.has(c));
      const head = `INSERT INTO ${qualified(t)} (${keep.map(([c]) => mysqlIdent(c)).join(', ')}) VALUES `;
      const rows = s.rows.map((r) => `(${keep.map(([c, i]) => valueLiteral(t, c, r[i] ?? null)).join(', ')})`);
      return chunked(head, rows, ', ', '', maxBytes).map((c) => ({ sql: c.sql }));
    }
    case 'update': {
      const n = t.primaryKey.length;
      const keep = s.columns.map((c, i) => [c, n + i] as const).filter(([c]) => !t.generated.has(c));
      if (keep.length === 0) return [];
      return s.rows.flatMap((r) => {
        // An ENUM the change sets to '': a row whose value reads as '' (MySQL's index 0, which a
        // strict session cannot write) keeps it, so it is set apart, and only where it reads
        // otherwise; first, while the row still has the key the change names (measured before:
        // every update on the target of a row holding index 0 stopped the fall-back, whatever
        // column it changed; the mysql-fallback-49 run).
        const emptyEnum = ([c, i]: readonly [string, number]) => r[i] === '' && typeOf(t, c).isEnum === true && !t.primaryKey.includes(c);
        const apart = keep.filter(emptyEnum);
        const set = keep.filter((x) => !emptyEnum(x));
        const k = mysqlIdent(t.primaryKey[0]!);
        const assignments = set.length > 0 ? set.map(([c, i]) => `${mysqlIdent(c)} = ${updatedValue(t, c, r[i] ?? null)}`).join(', ') : `${k} = ${k}`;
        return [
          ...apart.map(([c]) => ({ sql: `UPDATE ${qualified(t)} SET ${mysqlIdent(c)} = '' WHERE ${keyMatch(t, r)} AND ${mysqlIdent(c)} <> ''` })),
          { sql: `UPDATE ${qualified(t)} SET ${assignments} WHERE ${keyMatch(t, r)}`, mustFind: 1, row: r },
        ];
      });
    }
    case 'delete': {
      if (t.primaryKey.length === 1) {
        const k = t.primaryKey[0]!;
        return chunked(`DELETE FROM ${qualified(t)} WHERE ${mysqlIdent(k)} IN (`, s.rows.map((r) => keyLiteral(t, k, r[0] ?? null)), ', ', ')', maxBytes).map((c) => ({ sql: c.sql, mustFind: c.items }));
      }
      const cols = `(${t.primaryKey.map(mysqlIdent).join(', ')})`;
      const tuples = s.rows.map((r) => `(${t.primaryKey.map((k, i) => keyLiteral(t, k, r[i] ?? null)).join(', ')})`);
      return chunked(`DELETE FROM ${qualified(t)} WHERE ${cols} IN (`, tuples, ', ', ')', maxBytes).map((c) => ({ sql: c.sql, mustFind: c.items }));
    }
  }
}

/**
 * The value an UPDATE sets a column to. A NULL for a DATE, DATETIME or TIMESTAMP column keeps a date
 * PostgreSQL cannot hold (a zero date, a zero month or day, year 0, a day its month does not have),
 * which the migration carried to the target as that NULL: an update on the target carries every
 * column, so the fall-back would otherwise erase such a date in every row the application touched,
 * in columns it never changed (measured before: 21 of 64 zero dates, the mysql-schema-49 run;
 * `compare` takes both as equal, so nothing said it). Tested on the column's text, which does not
 * depend on the session's sql_mode (LAST_DAY and YEAR do, and pass 2024-02-30).
 *
 * @example
 * updatedValue(t, 'shipped', null)
 * // IF(`shipped` IS NOT NULL AND (SUBSTR(`shipped`, 1, 4) = '0000' OR …), `shipped`, NULL)
 */
function updatedValue(t: WriterTable, column: string, text: string | null): string {
  const type = typeOf(t, column);
  const kind = type.kind;
  if (text !== null && kind === 'text' && type.charset !== undefined && /^[a-z0-9_]+$/.test(type.charset)) {
    return keptText(column, type.charset, valueLiteral(t, column, text), type.padded === true ? text.replace(/ +$/, '') : text);
  }
  if (text !== null || (kind !== 'date' && kind !== 'datetime' && kind !== 'timestamp')) return valueLiteral(t, column, text);
  const c = mysqlIdent(column);
  const part = (from: number, length: number) => `SUBSTR(${c}, ${from}, ${length})`;
  return `IF(${c} IS NOT NULL AND (${part(1, 4)} = '0000' OR ${part(6, 2)} = '00' OR ${part(9, 2)} = '00' `
    + `OR ${part(9, 2)} + 0 > DAYOFMONTH(LAST_DAY(CONCAT(${part(1, 7)}, '-01')))), ${c}, NULL)`;
}

/**
 * The value an UPDATE sets a text column of a character set other than Unicode's to: its own bytes
 * when they read as the value the change carries (what the migration read from them), the value
 * converted into the column's character set otherwise. MySQL's own conversion does not always give
 * the bytes back (sjis 0x5C reads as a backslash and is written back as 0x815F; an unmapped byte
 * reads as "?"), and an update on the target carries every column: before, such bytes were rewritten
 * in every row the application touched there, without a word (the mysql-fallback-49 run). Both of
 * IF's results are in the column's character set, so the kept bytes are not converted on the way.
 * The bytes are compared by their MD5 in UTF-8 with `read`'s (the value as MySQL reads it: a CHAR's
 * without the padding PostgreSQL adds), so the value is in the statement once (measured before: a
 * statement twice the value's size, past max_allowed_packet; a padded CHAR never matched; the
 * fix-verify-49b run).
 */
function keptText(column: string, charset: string, literal: string, read: string): string {
  const c = mysqlIdent(column);
  return `IF(MD5(CONVERT(${c} USING utf8mb4)) = '${createHash('md5').update(read, 'utf8').digest('hex')}', ${c}, CONVERT(${literal} USING ${charset}))`;
}

/** A truncate event: MySQL's TRUNCATE commits implicitly, so the writer deletes every row instead. */
export function truncateSql(t: WriterTable): string {
  return `DELETE FROM ${qualified(t)}`;
}

/** The metadata database and tables (InnoDB, names compared case-sensitively), created if absent. */
export function metadataDdl(database: string): string[] {
  const db = mysqlIdent(database);
  const opts = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
  return [
    `CREATE DATABASE IF NOT EXISTS ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    `CREATE TABLE IF NOT EXISTS ${db}.${mysqlIdent(CHANNELS_TABLE)} (
  migration_uuid char(36) NOT NULL,
  channel_no int NOT NULL,
  last_applied_vsn bigint NOT NULL DEFAULT 0,
  num_inserts bigint NOT NULL DEFAULT 0,
  num_updates bigint NOT NULL DEFAULT 0,
  num_deletes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (migration_uuid, channel_no)) ${opts}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${mysqlIdent(EVENT_COUNTS_TABLE)} (
  migration_uuid char(36) NOT NULL,
  table_name varchar(300) NOT NULL,
  channel_no int NOT NULL,
  total_events bigint NOT NULL DEFAULT 0,
  num_inserts bigint NOT NULL DEFAULT 0,
  num_updates bigint NOT NULL DEFAULT 0,
  num_deletes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (migration_uuid, table_name, channel_no)) ${opts}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${mysqlIdent(TRUNCATED_ROWS_TABLE)} (
  migration_uuid char(36) NOT NULL,
  table_name varchar(300) NOT NULL,
  vsn bigint NOT NULL,
  rows_removed bigint NOT NULL,
  PRIMARY KEY (migration_uuid, table_name, vsn)) ${opts}`,
  ];
}

/** Adds the channel rows of a migration that are missing (existing ones keep their progress). */
export function ensureChannelsSql(database: string, migrationUuid: string, channels: number): string {
  const rows = Array.from({ length: channels }, (_, i) => `(${mysqlLiteral(migrationUuid)}, ${i}, 0, 0, 0, 0)`);
  return `INSERT IGNORE INTO ${mysqlIdent(database)}.${mysqlIdent(CHANNELS_TABLE)} (migration_uuid, channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes) VALUES ${rows.join(', ')}`;
}

/** The channel rows of a migration, by channel. */
export function readChannelsSql(database: string, migrationUuid: string): string {
  return `SELECT channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes FROM ${mysqlIdent(database)}.${mysqlIdent(CHANNELS_TABLE)} WHERE migration_uuid = ${mysqlLiteral(migrationUuid)} ORDER BY channel_no`;
}

/**
 * The statements that record a batch, in its transaction: the channel's row (last_applied_vsn and
 * counts) and the per-table counts (added to, or inserted).
 */
export function progressStatements(database: string, migrationUuid: string, channelNo: number, lastVsn: number,
  plan: { inserts: number; updates: number; deletes: number; counts: ReadonlyMap<string, EventCounts> }): string[] {
  const db = mysqlIdent(database);
  const uuid = mysqlLiteral(migrationUuid);
  const out = [`UPDATE ${db}.${mysqlIdent(CHANNELS_TABLE)} SET last_applied_vsn = ${lastVsn}, num_inserts = num_inserts + ${plan.inserts}, `
    + `num_updates = num_updates + ${plan.updates}, num_deletes = num_deletes + ${plan.deletes} WHERE migration_uuid = ${uuid} AND channel_no = ${channelNo}`];
  if (plan.counts.size > 0) {
    const rows = [...plan.counts].map(([t, c]) => `(${uuid}, ${mysqlLiteral(t)}, ${channelNo}, ${c.total}, ${c.inserts}, ${c.updates}, ${c.deletes})`);
    out.push(`INSERT INTO ${db}.${mysqlIdent(EVENT_COUNTS_TABLE)} (migration_uuid, table_name, channel_no, total_events, num_inserts, num_updates, num_deletes) VALUES ${rows.join(', ')} `
      + 'ON DUPLICATE KEY UPDATE total_events = total_events + VALUES(total_events), num_inserts = num_inserts + VALUES(num_inserts), '
      + 'num_updates = num_updates + VALUES(num_updates), num_deletes = num_deletes + VALUES(num_deletes)');
  }
  return out;
}

/** MySQL's error for a scalar subquery that returns more than one row: how `noTriggerSql` refuses. */
export const ER_SUBQUERY_NO_1_ROW = 1242;

/**
 * A statement for the end of a fall-back batch, before its COMMIT, that fails (error 1242) when a
 * trigger exists on one of the written tables. MySQL has no session switch for triggers, so one
 * created while Tandem writes fires for its rows (the workflow's periodic look finds it only
 * seconds later). Exact: the batch's writes hold a metadata lock on each written table that CREATE
 * TRIGGER waits for, so a trigger either existed when a row was written, fired and is seen here
 * (the batch then rolls back), or cannot exist before the commit. One equality lookup per table,
 * which information_schema answers by opening that table's triggers only.
 */
export function noTriggerSql(database: string, tables: readonly string[]): string {
  const each = tables.map((t) => ` UNION ALL SELECT 1 FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ${mysqlLiteral(database)} AND EVENT_OBJECT_TABLE = ${mysqlLiteral(t)}`);
  return `SELECT (SELECT 1 FROM DUAL${each.join('')}) AS tandem_no_trigger`;
}

/** Records the rows a truncate (at `vsn`) removed from `tableKey`. */
export function truncatedRowsSql(database: string, migrationUuid: string, tableKey: string, vsn: number, removed: number): string {
  return `INSERT INTO ${mysqlIdent(database)}.${mysqlIdent(TRUNCATED_ROWS_TABLE)} (migration_uuid, table_name, vsn, rows_removed) VALUES (${mysqlLiteral(migrationUuid)}, ${mysqlLiteral(tableKey)}, ${vsn}, ${removed})`;
}

/** For messages: `INSERT of public.t` etc. */
export function describeStatement(s: PlannedStatement): { what: string; vsns: VsnRange } {
  if (s.kind === 'truncate') return { what: `TRUNCATE of ${s.tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`, vsns: s.vsns };
  return { what: `${s.kind.toUpperCase()} of ${s.table.schema}.${s.table.name}`, vsns: s.vsns };
}
