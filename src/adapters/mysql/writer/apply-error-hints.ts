/**
 * The hint of a MySQL error met while writing the target's changes back (`import data to source`).
 * The change stays queued, so the way out is making the source's table accept it. Pure.
 *
 * The server's message is read only for the names it holds (column, table, key), never for a
 * value, and never to decide what is written; what a hint says about a column or key comes from
 * the source's catalog as the writer read it.
 */
import type { MySqlColumn, MySqlTable } from '../catalog-types.js';
import { mysqlIdent } from '../catalog.js';
import type { MySqlFlavor } from '../server-version.js';
import { isCaseInsensitiveCollation } from '../schema/table-ddl.js';
import { MYSQL_LOB_BYTES } from '../schema/type-map.js';
import { isMySqlReadOnly } from '../../../core/errors.js';

/** What the hint may look up: the source's tables the failed statements wrote, and the server's flavor. */
export interface ApplyErrorContext {
  readonly tables: readonly MySqlTable[];
  readonly flavor?: MySqlFlavor;
}

/** Character types, whose keys compare by collation. */
export const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);

const unquote = (name: string, quote: string) => name.replaceAll(quote + quote, quote);

/**
 * The column (and its table when named) of a message ending "… for column 'c' at row 1" (MySQL;
 * MariaDB for 1406, 1264, 1265), "… for column `db`.`t`.`c` at row 1" (MariaDB's 1292), or
 * "Column 'c' cannot be null" (1048). Anchored at the end: the value quoted before it is never read.
 */
export function columnNamedIn(message: string): { table?: string; column: string } | undefined {
  const atRow = / for column (?:`((?:[^`]|``)*)`\.`((?:[^`]|``)*)`\.`((?:[^`]|``)+)`|'((?:[^']|'')+)') at row \d+$/.exec(message);
  if (atRow) return atRow[3] !== undefined ? { table: unquote(atRow[2]!, '`'), column: unquote(atRow[3], '`') } : { column: unquote(atRow[4]!, "'") };
  const notNull = /^Column '((?:[^']|'')+)' cannot be null$/.exec(message);
  return notNull ? { column: unquote(notNull[1]!, "'") } : undefined;
}

/** The key of a message ending "… for key 'k'" (MariaDB) or "… for key 't.k'" (MySQL 8). */
export function keyNamedIn(message: string): string | undefined {
  const m = / for key '((?:[^']|'')+)'$/.exec(message);
  return m ? unquote(m[1]!, "'") : undefined;
}

function findColumn(ctx: ApplyErrorContext, named: { table?: string; column: string }): { table: MySqlTable; column: MySqlColumn } | undefined {
  for (const table of ctx.tables) {
    if (named.table !== undefined && table.name !== named.table) continue;
    const column = table.columns.find((c) => c.name === named.column);
    if (column) return { table, column };
  }
  return undefined;
}

function findKey(ctx: ApplyErrorContext, name: string): { table: MySqlTable; key: string; columns: MySqlColumn[] } | undefined {
  for (const table of ctx.tables) {
    const key = name.startsWith(`${table.name}.`) ? name.slice(table.name.length + 1) : name;
    const parts = key === 'PRIMARY' ? table.primaryKey : table.indexes.find((i) => i.unique && i.name === key)?.parts.flatMap((p) => (p.column ? [p.column] : []));
    if (parts === undefined) continue;
    return { table, key, columns: parts.map((n) => table.columns.find((c) => c.name === n)).filter((c): c is MySqlColumn => c !== undefined) };
  }
  return undefined;
}

/** MariaDB's ER_CONSTRAINT_FAILED (4025, which MySQL 8 numbers another error) and MySQL 8's ER_CHECK_CONSTRAINT_VIOLATED. */
export const CHECK_FAILED_MARIADB = 4025;
const CHECK_FAILED_MYSQL = 3819;


/**
 * A CHECK of the source's table refused the target's value. MariaDB names it `table.column` for a
 * column's own check, which a JSON column has (`json_valid()`): it refuses JSON PostgreSQL accepts
 * (nested deeper than 32 levels, a lone surrogate escape such as \ud800; the mysql-values-roundtrip run).
 */
function checkFailedHint(ctx: ApplyErrorContext, message: string, rerun: string): string {
  const named = /CONSTRAINT [`'"]?([^`'"]+)[`'"]? (?:failed|is violated)/i.exec(message)?.[1];
  const dot = named?.indexOf('.') ?? -1;
  const column = named !== undefined && dot > 0 ? findColumn(ctx, { table: named.slice(0, dot), column: named.slice(dot + 1) }) : undefined;
  if (column?.column.isJson || column?.column.dataType.toLowerCase() === 'json') {
    return `Column ${mysqlIdent(column.column.name)} of the source's table ${mysqlIdent(column.table.name)} is JSON, which MariaDB checks with json_valid(): it refuses JSON that PostgreSQL accepts `
      + '(nested deeper than 32 levels, or a lone surrogate escape such as \\ud800). Change the value on the target, '
      + `or let the source's column take it (ALTER TABLE ${mysqlIdent(column.table.name)} MODIFY ${mysqlIdent(column.column.name)} LONGTEXT: no check, no JSON functions' validation), ${rerun}`;
  }
  const what = named !== undefined ? `The CHECK constraint ${mysqlIdent(named)}` : 'A CHECK constraint';
  return `${what} of the source's table refuses the target's row (the target lacks it, or computes it otherwise): change the row on the target, or drop or change the constraint on the source `
    + `(ALTER TABLE … DROP CONSTRAINT ${named !== undefined && dot < 0 ? mysqlIdent(named) : '…'}), ${rerun}`;
}

/** `a`, `b` */
const names = (columns: readonly MySqlColumn[]) => columns.map((c) => mysqlIdent(c.name)).join(', ');

/** Whether a collation pads with spaces when comparing ('a' = 'a '): every one but MariaDB's `_nopad_` and MySQL 8's `_0900_` ones. */
function padsSpace(collation: string): boolean {
  return !/_nopad_|_0900_/i.test(collation);
}

function duplicateHint(ctx: ApplyErrorContext, keyName: string | undefined, rerun: string): string {
  const found = keyName !== undefined ? findKey(ctx, keyName) : undefined;
  const label = found ? `key ${mysqlIdent(found.key)} (${names(found.columns)}) of the source's table ${mysqlIdent(found.table.name)}`
    : keyName !== undefined ? `key ${mysqlIdent(keyName)} of the source's table` : 'a unique key of the source\'s table';
  const head = `A row written on the target has the same value in ${label} as a row already on the source (Duplicate entry).`;
  const collated = (found?.columns ?? []).filter((c) => STRING_TYPES.has(c.dataType.toLowerCase()) && c.collation !== null
    && (isCaseInsensitiveCollation(c.collation) || (padsSpace(c.collation) && c.dataType.toLowerCase() !== 'char')));
  if (found && collated.length > 0) {
    const c = collated[0]!;
    const ci = isCaseInsensitiveCollation(c.collation);
    const pad = padsSpace(c.collation!) && c.dataType.toLowerCase() !== 'char';
    const equal = [ci ? "'A' and 'a'" : '', pad ? "'a' and 'a '" : ''].filter(Boolean).join(', or ');
    const charset = c.charset ?? 'utf8mb4';
    const bin = `${charset}_bin`;
    const noPadBin = ctx.flavor === 'mysql' ? 'utf8mb4_0900_bin' : `${charset}_nopad_bin`;
    const collation = pad ? `${bin} (${noPadBin} to tell 'a' from 'a ' as well: ${bin} pads with spaces)` : bin;
    return `${head} ${mysqlIdent(c.name)} compares with ${c.collation} on the source (${[ci ? 'case-insensitive' : '', pad ? 'PAD SPACE' : ''].filter(Boolean).join(', ')}): `
      + `the target's key told apart values that the source's collation treats as equal (${equal}), so the target holds rows the source's key refuses. `
      + `Changing the column to a binary collation on the source lets the fall-back resume: ALTER TABLE ${mysqlIdent(found.table.name)} MODIFY ${mysqlIdent(c.name)} `
      + `<its type as in SHOW CREATE TABLE> COLLATE ${collation} (the source's own queries then compare it that way too), ${rerun} `
      + 'If instead a row only the source has holds the value, remove it there or drop the key on the source, and rerun.';
  }
  return `${head} The target lacks this key, or a row only the source has holds the value: drop or change the key on the source, or remove that row there, ${rerun}`;
}

function outOfRangeHint(named: string, column: MySqlColumn | undefined, rerun: string): string {
  const type = column?.dataType.toLowerCase();
  if (type === 'float' || type === 'double') {
    const name = mysqlIdent(column!.name);
    const widen = type === 'float'
      ? `(ALTER TABLE … MODIFY ${name} FLOAT without UNSIGNED and (M,D); widening it to DOUBLE also takes every value, but MySQL converts the column's existing FLOAT values through their 6-digit text, rounding them to 6 significant digits, so values the migration kept exactly would change)`
      : `(ALTER TABLE … MODIFY ${name} DOUBLE without UNSIGNED and (M,D))`;
    return `A floating-point number written on the target is outside what ${named} of the source's table, a ${type.toUpperCase()}, can hold (Out of range value): `
      + `a negative number in an UNSIGNED column, more digits than its (M,D) allows${type === 'float' ? ', or beyond FLOAT\'s range (±3.4028234663852886e+38)' : ''}. `
      + `Make the column hold it on the source ${widen}, ${rerun}`;
  }
  return `A number written on the target is outside the range of ${named} of the source's table (Out of range value): widen its type on the source `
    + `(a larger integer type, more DECIMAL digits), ${rerun}`;
}

function wrongValueHint(named: string, column: MySqlColumn | undefined, table: MySqlTable | undefined, rerun: string): string {
  if (column?.dataType.toLowerCase() === 'timestamp') {
    const fsp = column.datetimePrecision ? `(${column.datetimePrecision})` : '';
    return `A time written on the target is outside what ${named} of the source's table, a TIMESTAMP, can hold (Incorrect datetime value): `
      + 'MySQL\'s TIMESTAMP range is 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC; a DATETIME holds later values (up to 9999-12-31). '
      + `Change the column to DATETIME on the source, in a session in UTC so that its rows keep the UTC times Tandem writes it in (SET time_zone = '+00:00'; `
      + `ALTER TABLE ${mysqlIdent(table?.name ?? '…')} MODIFY ${mysqlIdent(column.name)} DATETIME${fsp} …), ${rerun}`;
  }
  return `A value written on the target is not one that ${named} of the source's table takes (Incorrect value: for a date or time, outside its type's range): `
    + `change the column on the source to a type that holds it, ${rerun}`;
}

/** MariaDB's "Cannot convert 'x' character 0x… to 'y'" (a strict session's conversion of text between character sets). */
const ER_CANNOT_CONVERT_CHARACTER = 1977;

/** The batch's tables' columns in `charset`: MySQL's conversion errors name no column, so these are the candidates. */
function charsetColumns(ctx: ApplyErrorContext, charset: string): { t: MySqlTable; c: MySqlColumn }[] {
  return ctx.tables.flatMap((t) => t.columns.filter((c) => c.charset?.toLowerCase() === charset.toLowerCase()).map((c) => ({ t, c })));
}

const qualifiedColumn = (x: { t: MySqlTable; c: MySqlColumn }) => `${mysqlIdent(x.t.name)}.${mysqlIdent(x.c.name)}`;

/** Where a value of one of several (or no known) `charset` columns is, said without naming one. */
function someColumn(candidates: readonly { t: MySqlTable; c: MySqlColumn }[], charset: string): string {
  return candidates.length > 1 ? `one of the ${charset} columns ${candidates.map(qualifiedColumn).join(', ')}` : `a ${charset} column`;
}

/**
 * What to do about a MySQL error while writing the target's changes back.
 *
 * @example
 * applyErrorHint(1406, "Data too long for column 'b' at row 1", { tables: [pairs] })
 * // 'A value written on the target is longer than column `b` of the source's table can hold …'
 */
export function applyErrorHint(errno: number, message = '', ctx: ApplyErrorContext = { tables: [] }): string {
  const rerun = 'then run import data to source again: it resumes after the last committed batch.';
  const columnName = columnNamedIn(message);
  const column = columnName?.column;
  const named = column !== undefined ? `column ${mysqlIdent(column)}` : 'a column';
  const found = columnName !== undefined ? findColumn(ctx, columnName) : undefined;
  const generated = found?.column.generated;
  if (generated && [1406, 1264, 1292, 1265, 1366, 1048].includes(errno)) {
    // Never written by Tandem: MySQL computed it from the other values of the target's row.
    const kind = generated.stored ? 'STORED' : 'VIRTUAL';
    return `Column ${mysqlIdent(found!.column.name)} of the source's table ${mysqlIdent(found!.table.name)} is generated (AS (${generated.expression}) ${kind}): the fall-back does not write it, `
      + `MySQL computes it from the values the target's row holds in the other columns, and for this row the result does not fit the column's type on the source. `
      + `Widen the generated column on the source (ALTER TABLE ${mysqlIdent(found!.table.name)} MODIFY ${mysqlIdent(found!.column.name)} <wider type> AS (${generated.expression}) ${kind}), `
      + `or change that row on the target, ${rerun}`;
  }
  if (errno === 1406) {
    return `A value written on the target is longer than ${named} of the source's table can hold (Data too long): widen it on the source `
      + `(ALTER TABLE … MODIFY ${column !== undefined ? mysqlIdent(column) : '…'} with a larger length or type), ${rerun}`;
  }
  if (errno === 1264) return outOfRangeHint(named, found?.column, rerun);
  if (errno === 1292) return wrongValueHint(named, found?.column, found?.table, rerun);
  if (errno === 1062 || errno === 1586) return duplicateHint(ctx, keyNamedIn(message), rerun);
  if (errno === 1265) {
    return `A value written on the target does not fit ${named} of the source's table (Data truncated): for an ENUM or SET, a member the source's column does not have `
      + `(a label added on the target after the cutover, or the empty string '', MySQL's index-0 value for an invalid member, which the target's type keeps as a label so that it round-trips): `
      + `add it on the source (ALTER TABLE … MODIFY … ENUM(…) with the member; for '': rows that hold index 0 keep it, and read as '' but sort and group apart from the new member, `
      + `until UPDATE … SET ${column !== undefined ? mysqlIdent(column) : 'the column'} = '' WHERE ${column !== undefined ? mysqlIdent(column) : 'the column'} + 0 = 0 gives them the member), ${rerun}`;
  }
  if (errno === 1048) {
    return `${column !== undefined ? `Column ${mysqlIdent(column)}` : 'A column'} of the source's table is NOT NULL, and the target's row holds NULL there (or the change leaves it out): `
      + `let it take NULL on the source (ALTER TABLE … MODIFY … NULL), or give the row a value on the target, ${rerun}`;
  }
  if (errno === 1153) {
    return 'A statement of this batch is larger than the source server\'s max_allowed_packet (a large value written on the target: a BLOB or TEXT of several MB; one row is never split), '
      + 'so MySQL refuses it and closes the connection. Raise it on the source, as an administrator: SET GLOBAL max_allowed_packet = 1073741824; (the largest MySQL allows; also in the server\'s configuration, to survive a restart; new sessions take it), '
      + rerun;
  }
  if (errno === 1366 && found && MYSQL_LOB_BYTES[found.column.dataType.toLowerCase()] !== undefined) {
    // MariaDB says 1366 (not 1406) for a multibyte text longer than a TINYTEXT or TEXT holds.
    const type = found.column.dataType.toUpperCase();
    return `A value written on the target does not fit ${named} of the source's table: a ${type} holds ${MYSQL_LOB_BYTES[found.column.dataType.toLowerCase()]} bytes (a longer text, or one with characters its character set cannot store). `
      + `Give it a larger type on the source (ALTER TABLE ${mysqlIdent(found.table.name)} MODIFY ${mysqlIdent(found.column.name)} ${type.startsWith('TINY') ? 'TEXT' : 'MEDIUMTEXT'} …, with its character set) and the target's CHECK, if any, the same limit, ${rerun}`;
  }
  if (errno === CHECK_FAILED_MARIADB || errno === CHECK_FAILED_MYSQL) return checkFailedHint(ctx, message, rerun);
  if (isMySqlReadOnly(errno, message)) {
    return `The source is read-only (${message.split('\n')[0]}): the fall-back writes the target's changes there. Make it writable (SET GLOBAL read_only = 0; or, on MariaDB, GRANT READ ONLY ADMIN ON *.* to the migration user), ${rerun}`;
  }
  // Cannot convert 'ascii' character 0x80 to 'utf8mb4': the source row's own bytes, which the
  // fall-back converts to compare them with the target's value (writer-sql.ts, keptText).
  const unconvertible = errno === ER_CANNOT_CONVERT_CHARACTER ? /Cannot convert '(\w+)' character (0x[0-9A-Fa-f]+) to 'utf8mb4'/.exec(message) : null;
  if (unconvertible) {
    const [, charset, bytes] = unconvertible;
    const candidates = charsetColumns(ctx, charset!);
    const col = candidates.length === 1 ? mysqlIdent(candidates[0]!.c.name) : '<column>';
    const which = candidates.length === 1 ? `column ${col} of ${mysqlIdent(candidates[0]!.t.name)}` : someColumn(candidates, charset!);
    return `A row on the source holds bytes (${bytes}) in ${which} that ${charset} does not define (written by a session that was not strict); the migration read them as "?". `
      + `The fall-back keeps a ${charset} column's bytes where they read as the target's value, which needs them converted: give the row readable text on the source, `
      + `in a session that is not strict, as the target holds it (SET SESSION sql_mode = ''; UPDATE … SET ${col} = CONVERT(CONVERT(${col} USING utf8mb4) USING ${charset}) WHERE <the row's key>;), ${rerun}`;
  }
  // Cannot convert 'utf8mb4' character 0xF09F9880 to 'sjis': a value from the target (converted by
  // the writer, keptText), which MySQL would have refused as 1366 naming the column.
  const unstorable = errno === ER_CANNOT_CONVERT_CHARACTER ? /Cannot convert 'utf8mb4' character (0x[0-9A-Fa-f]+) to '(\w+)'/.exec(message) : null;
  if (unstorable) {
    const [, bytes, charset] = unstorable;
    const candidates = charsetColumns(ctx, charset!);
    return `A value written on the target holds a character (UTF-8 ${bytes}) that ${charset} cannot store, in ${candidates.length === 1 ? `column ${qualifiedColumn(candidates[0]!)}` : someColumn(candidates, charset!)} of the source: `
      + `change the column on the source to CHARACTER SET utf8mb4 (ALTER TABLE … MODIFY … CHARACTER SET utf8mb4), or the value on the target, ${rerun}`;
  }
  if (errno === 1366 || errno === ER_CANNOT_CONVERT_CHARACTER) {
    return 'A value the column cannot take (for text, a character that its character set cannot store): change the column on the source to a type (for text, CHARACTER SET utf8mb4) '
      + `that holds the target's value, ${rerun}`;
  }
  return 'The statement that failed is in events of that range; the error code says why (see the MySQL error reference). Make the table on the source accept the change '
    + `(it differs from the target's: a column's type, a constraint the target lacks), ${rerun}`;
}
