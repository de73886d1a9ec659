import { q } from '../../../core/sql-names.js';
import { qualified } from '../source-catalog.js';
import type { AppliedTable, PlannedStatement } from '../../../core/apply/batch-plan.js';

/** A table with the SQL type of each column (format_type, without typmod), for casting text values. */
export interface TypedTable extends AppliedTable {
  readonly types: ReadonlyMap<string, string>;
  /**
   * Its GENERATED ALWAYS identity column outside the primary key, if any (a table has at most one
   * identity column). An UPDATE may set such a column only to DEFAULT (a new value): the writer
   * never sets it, and instead finds the row by it too (see `statementSql`).
   */
  readonly alwaysIdentity?: string;
  /**
   * A plain table (not partitioned): its UPDATEs and DELETEs say ONLY, as the change names a row of
   * this table alone. Without it they reached its inheritance children's rows of the same key too
   * (a child's rows are its own table's changes). A partitioned table is written through its root.
   */
  readonly plain?: boolean;
  /** Its columns generated (GENERATED ALWAYS AS … STORED) when the writer started: the changes leave their values out. */
  readonly generated?: readonly string[];
}

/** `ONLY schema.table` for a plain table, `schema.table` for a partitioned one (see `TypedTable.plain`). */
export function writtenTable(table: TypedTable): string {
  return `${table.plain ? 'ONLY ' : ''}${qualified(table.schema, table.name)}`;
}

/**
 * How an UPDATE or DELETE reports the rows it found (each must find every row it names: one it
 * does not find means the written database no longer holds a row the other side changed).
 * 'count': one row, 0, when every row was found; otherwise the statement fails (a text that is no
 * integer), so a transaction sent whole in one round trip never commits past a missing row.
 * 'keys': the key values (as sent) of every row found, to name the missing ones.
 */
export type RowCheck = 'count' | 'keys';

/** What a statement's rows travel in: see `rowsDocument`. */
export type RowsDocument = 'jsonb' | 'json';

/**
 * jsonb holds at most 256 MB in one string and in one array (2^28 - 1 bytes: SQLSTATE 54000,
 * "string too long to represent as jsonb string"); below this many bytes of JSON text the rows'
 * jsonb is surely smaller than that (each string is stored unescaped, with a 4-byte entry for the
 * 3 bytes of quotes and comma the text spends on it).
 */
const JSONB_SAFE_BYTES = 192 * 1024 * 1024;

/**
 * The document type for rows whose JSON text is `json`: jsonb (each value found at once), or json
 * (text, up to 1 GB, each value found by reading the row's array up to it) when jsonb might not
 * hold them (measured before: a 200 MB bytea stopped the import for good with SQLSTATE 54000; the
 * big-things run). `limitBytes` is for tests.
 */
export function rowsDocument(json: string, limitBytes = JSONB_SAFE_BYTES): RowsDocument {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a pair of them, 4): counted only when it may matter.
  if (json.length * 3 <= limitBytes) return 'jsonb';
  return Buffer.byteLength(json) <= limitBytes ? 'jsonb' : 'json';
}

/**
 * The SQL of one planned statement. Values travel as one jsonb parameter (an array of positional
 * text arrays, which JSON.stringify builds fast) and each value is cast from text by the column's
 * input function, exactly as COPY would read it: numeric, timestamptz, arrays, json (text kept
 * byte for byte), bytea hex, enums and domains all arrive as the source printed them. `rows` is what
 * the rows are read from: the parameter by default, or a literal (`sqlLiteral`) for a statement sent
 * as text with others in one round trip. `check`: how an UPDATE or DELETE reports what it found.
 * Every name the SQL adds is qualified (`t.col`, `r.v`): a table's column named `r` or `v` would
 * otherwise be read in place of the change's values (measured: an update looked for under a jsonb
 * column `r`'s own elements). `doc`: json for rows too large for jsonb (`rowsDocument`).
 */
export function statementSql(s: Exclude<PlannedStatement, { kind: 'truncate' }>, table: TypedTable, rows = '$1::jsonb', check?: RowCheck, doc: RowsDocument = 'jsonb'): string {
  const t = qualified(table.schema, table.name);
  const cast = (i: number, col: string) => {
    const type = table.types.get(col);
    if (type === undefined) throw new Error(`column ${col} of ${table.schema}.${table.name} is not in the target table`);
    return type === 'text' ? `(r.v->>${i})` : `(r.v->>${i})::${type}`;
  };
  const pkMatch = table.primaryKey.map((k, i) => `t.${q(k)} = ${cast(i, k)}`).join(' AND ');
  let sql: string;
  switch (s.kind) {
    case 'insert':
      // OVERRIDING SYSTEM VALUE: the row keeps its key also in a GENERATED ALWAYS identity column.
      return `INSERT INTO ${t} (${s.columns.map(q).join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${s.columns.map((c, i) => cast(i, c)).join(', ')} FROM ${doc}_array_elements(${rows}) AS r(v)`;
    case 'update': {
      const n = table.primaryKey.length;
      // A GENERATED ALWAYS identity column cannot be written by an UPDATE (SQLSTATE 428C9): its value
      // is matched instead. A row whose value there differs (the other side gave it a new one with
      // SET … = DEFAULT, which cannot be repeated here) is then not found: the row check stops the
      // batch instead of leaving the old value behind.
      const assignments: string[] = [];
      let guard = '';
      s.columns.forEach((c, i) => {
        if (c === table.alwaysIdentity) guard = ` AND t.${q(c)} = ${cast(n + i, c)}`;
        else assignments.push(`${q(c)} = ${cast(n + i, c)}`);
      });
      // Nothing else to set: the key set to itself (the identity column is not in it).
      if (assignments.length === 0) assignments.push(`${q(table.primaryKey[0]!)} = t.${q(table.primaryKey[0]!)}`);
      sql = `UPDATE ${writtenTable(table)} t SET ${assignments.join(', ')} FROM ${doc}_array_elements(${rows}) AS r(v) WHERE ${pkMatch}${guard}`;
      break;
    }
    case 'delete':
      sql = `DELETE FROM ${writtenTable(table)} t USING ${doc}_array_elements(${rows}) AS r(v) WHERE ${pkMatch}`;
      break;
  }
  if (check === 'keys') return `${sql} RETURNING ${table.primaryKey.map((_, i) => `r.v->>${i} AS k${i}`).join(', ')}`;
  if (check === 'count') {
    // The ELSE branch depends on count(*), so it is evaluated only when taken (a constant one would
    // be folded, and fail, while the statement is planned).
    const n = s.rows.length;
    return `WITH w AS (${sql} RETURNING 1) SELECT CASE count(*) WHEN ${n} THEN 0 ELSE ('tandem: ' || (${n} - count(*)) || ' of ${n} rows to ${s.kind} were not found')::int END AS missing FROM w`;
  }
  return sql;
}

/** Short stable name for a prepared statement (the text can be long; names are limited to 63 bytes). */
export function statementName(sql: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `tandem_apply_${(h1 >>> 0).toString(36)}_${(h2 >>> 0).toString(36)}_${sql.length}`;
}

/**
 * A string constant holding `text` as it is, for SQL sent without parameters: dollar-quoted with a
 * tag the text does not contain, so nothing inside needs escaping and no setting
 * (standard_conforming_strings) changes its meaning.
 */
export function sqlLiteral(text: string): string {
  let tag = '$t$';
  for (let n = 0; text.includes(tag); n++) tag = `$t${n}$`;
  return `${tag}${text}${tag}`;
}
