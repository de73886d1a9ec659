/**
 * One MySQL table → CREATE TABLE (columns, identity, defaults, generated columns, primary key,
 * CHECKs, comments), its enum types, the sequence of a BIGINT UNSIGNED AUTO_INCREMENT column, and
 * the trigger that does ON UPDATE CURRENT_TIMESTAMP. Pure.
 */
import type { SchemaObject } from '../../../core/schema-object.js';
import { quoteIdent } from '../../../core/sql-names.js';
import { TandemError } from '../../../core/errors.js';
import type { MySqlColumn, MySqlTable } from '../catalog-types.js';
import { mysqlToPg } from '../values/mysql-to-pg.js';
import type { ConvertContext } from './convert-context.js';
import { noteComments, type ConversionNote } from './conversion-note.js';
import { isBooleanShaped, pgString, translateMySqlExpression, type TranslateContext, type TranslateResult } from './expression-translator.js';
import type { MySqlFlavor } from '../server-version.js';
import { derivedName } from './pg-names.js';
import { tokenizeMySql } from './mysql-lexer.js';
import { MYSQL_LOB_BYTES, pgColumnType, valueTypeOf, type PgColumnType } from './type-map.js';

/** The largest value a PostgreSQL sequence (bigint) can reach. */
const PG_BIGINT_MAX = 9223372036854775807n;

/**
 * A SET value as MySQL stores it: members of the definition, each at most once, in the definition's
 * order (MySQL reorders 'b,a' and drops a repeated member, so a value the target accepted otherwise
 * would come back changed by a fall-back). Members never hold a comma; the value is matched with a
 * comma on each side against the members in order, each optional.
 */
function setCheck(qc: string, members: readonly string[]): string {
  const pattern = `^,${members.map((m) => `(${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},)?`).join('')}$`;
  return `${qc} = '' OR (',' || ${qc} || ',') ~ ${pgString(pattern)}`;
}

/**
 * What a fall-back could not write back unchanged, refused on the target when the application
 * writes it: a TIMESTAMP outside MySQL's range (to 2038-01-19 03:14:07 UTC; MariaDB 11.5+ to
 * 2106-02-07 06:28:15 UTC), a DATETIME or DATE before year 1 (BC) or in year 10000 or later or an infinity (a DOUBLE or
 * FLOAT NaN or infinity is refused by a CHECK of its own), a BINARY(n) value of another length than n (MySQL pads it with 0x00), a
 * VARBINARY(n) value longer than n bytes.
 */
function valueRangeCheck(c: MySqlColumn, qc: string, server: { readonly flavor: MySqlFlavor; readonly major: number; readonly minor: number }): string | undefined {
  const type = c.dataType.toLowerCase();
  if (type === 'timestamp') {
    const wide = server.flavor === 'mariadb' && (server.major > 11 || (server.major === 11 && server.minor >= 5));
    // MariaDB stores any instant after the zero one, a fraction of the first second too (1970-01-01
    // 00:00:00.000001, even in a strict session: measured on 10.11, the mysql-fallback-49 run, where
    // the CHECK refused the snapshot's row); MySQL starts at 00:00:01.
    const from = server.flavor === 'mariadb' ? '1970-01-01 00:00:00.000001' : '1970-01-01 00:00:01';
    return `${qc} BETWEEN '${from}+00' AND '${wide ? '2106-02-07 06:28:15.999999' : '2038-01-19 03:14:07.999999'}+00'`;
  }
  // MySQL stores years 1 to 9999 (year 0 is a zero date, NULL here) and no infinity or BC date;
  // PostgreSQL takes 4713 BC to 294276 and infinity: a BC date written on the target would stop the fall-back.
  if (type === 'datetime') return `${qc} >= '0001-01-01' AND ${qc} < '10000-01-01'`;
  if (type === 'date') return `${qc} >= '0001-01-01' AND ${qc} < '10000-01-01'`;
  // TIME is an interval here, which holds months and any number of hours: MySQL's TIME holds
  // -838:59:59 to 838:59:59 (MariaDB with the fraction .999999), no month (measured before: a value
  // written on the target stopped the fall-back; the mysql-hostile run). Intervals without months
  // compare by their length.
  if (type === 'time') {
    const end = server.flavor === 'mariadb' ? '838:59:59.999999' : '838:59:59';
    return `extract(year FROM ${qc}) = 0 AND extract(month FROM ${qc}) = 0 AND ${qc} BETWEEN interval '-${end}' AND interval '${end}'`;
  }
  if ((type === 'char' || type === 'varchar') && c.charMaxLength === 0) return `${qc} = ''`;
  if (type === 'binary' && c.charMaxLength !== null) return `octet_length(${qc}) = ${c.charMaxLength}`;
  if (type === 'varbinary' && c.charMaxLength !== null) return `octet_length(${qc}) <= ${c.charMaxLength}`;
  // TINY/plain/MEDIUM TEXT and BLOB hold so many bytes: a longer value written on the target would
  // stop the fall-back (measured before: no CHECK, and a 400-byte TINYTEXT stopped it with a hint
  // blaming the character set; the mysql-values-roundtrip run). In UTF-8 the bytes are PostgreSQL's
  // too; in a one-byte character set each character is one byte; others are not checked.
  const bytes = MYSQL_LOB_BYTES[type];
  if (bytes !== undefined && !c.isJson) {
    if (BLOB_TYPES.has(type)) return `octet_length(${qc}) <= ${bytes}`;
    const charset = (c.charset ?? '').toLowerCase();
    if (/^utf8(mb[34])?$/.test(charset)) return `octet_length(${qc}) <= ${bytes}`;
    if (ONE_BYTE_CHARSETS.has(charset)) return `char_length(${qc}) <= ${bytes}`;
  }
  return undefined;
}

const BLOB_TYPES = new Set(['tinyblob', 'blob', 'mediumblob']);
/** MySQL character sets of one byte per character. */
const ONE_BYTE_CHARSETS = new Set(['latin1', 'latin2', 'latin5', 'latin7', 'ascii', 'cp1250', 'cp1251', 'cp1256', 'cp1257', 'cp850', 'cp852', 'cp866', 'koi8r', 'koi8u', 'greek', 'hebrew', 'armscii8', 'geostd8', 'keybcs2', 'macce', 'macroman', 'swe7', 'dec8', 'hp8', 'tis620']);

/** The largest value of each integer type an identity can have. */
const IDENTITY_MAX: Record<'smallint' | 'integer' | 'bigint', bigint> = { smallint: 32767n, integer: 2147483647n, bigint: 9223372036854775807n };

/** Name of the sequence feeding a BIGINT UNSIGNED AUTO_INCREMENT column. */
export function autoIncrementSequenceName(table: string, column: string): string {
  return derivedName(table, column, 'seq');
}

function pgTypeSql(ctx: ConvertContext, table: MySqlTable, c: MySqlColumn, t: PgColumnType): string {
  return t.sql ?? ctx.q(ctx.enumTypeName(table.name, c.name));
}

/** DEFAULT clause (without the keyword), or undefined; notes what it could not keep. */
function defaultSql(ctx: ConvertContext, table: MySqlTable, c: MySqlColumn, t: PgColumnType, notes: ConversionNote[]): string | undefined {
  const d = c.default;
  const where = ctx.label(table.name, c.name);
  switch (d.kind) {
    case 'none':
      // MySQL's implicit default of a NOT NULL ENUM is its first member, also in strict mode
      // (measured before: an insert leaving the column out worked on MariaDB and failed on the target).
      if (t.enumLabels && !c.nullable && c.members?.length) return pgString(c.members[0]!);
      return undefined;
    case 'null':
      return undefined;
    case 'current_timestamp':
      if (t.kind === 'timestamp') return `CURRENT_TIMESTAMP(${d.precision})`;
      if (t.kind === 'datetime') return `LOCALTIMESTAMP(${d.precision})`;
      notes.push(ctx.note('mysql-default-not-converted', 'COLUMN', where, `DEFAULT CURRENT_TIMESTAMP on a ${c.dataType} column`));
      return undefined;
    case 'literal': {
      if (t.kind === 'bit') {
        const bits = typeof d.value === 'string' ? d.value : [...d.value].map((b) => b.toString(2).padStart(8, '0')).join('');
        return pgString(bits.slice(-(t.bitLength ?? 1)).padStart(t.bitLength ?? 1, '0'));
      }
      const vt = valueTypeOf(table.name, c, ctx.flavor);
      let value: string | Buffer = d.value;
      if (Buffer.isBuffer(value) && vt.kind !== 'binary') value = value.toString('utf8');
      if (typeof value === 'string' && vt.kind === 'binary') {
        value = Buffer.from(value, 'utf8');
        if (/[^\x20-\x7e]/.test(d.value as string)) {
          notes.push(ctx.note('mysql-binary-default', 'COLUMN', where, 'the catalog shows this binary default as text; bytes outside printable ASCII may have been replaced by "?"'));
        }
      }
      try {
        const text = mysqlToPg(value, vt);
        if (text === null) {
          notes.push(ctx.note('mysql-zero-date-default', 'COLUMN', where, 'DEFAULT is a zero date; it became DEFAULT NULL'));
          return undefined;
        }
        return pgString(text);
      } catch (e) {
        if (!(e instanceof TandemError)) throw e;
        const detail = vt.kind === 'date' || vt.kind === 'datetime' || vt.kind === 'timestamp'
          ? 'DEFAULT is a zero date in a NOT NULL column; the column has no default on the target'
          : 'DEFAULT holds a value PostgreSQL cannot store; the column has no default on the target';
        notes.push(ctx.note(vt.kind.startsWith('date') || vt.kind === 'timestamp' ? 'mysql-zero-date-default' : 'mysql-default-not-converted', 'COLUMN', where, detail));
        return undefined;
      }
    }
    case 'expression': {
      // MariaDB lets a default read another column of the row; PostgreSQL refuses it (measured before:
      // import schema failed on the CREATE TABLE).
      const names = new Set(table.columns.map((x) => x.name.toLowerCase()));
      const reads = [...new Set(tokenizeMySql(d.sql).filter((x) => x.type === 'ident' && names.has(String(x.value).toLowerCase())).map((x) => String(x.value)))];
      if (reads.length) {
        notes.push(ctx.note('mysql-default-not-converted', 'COLUMN', where, `DEFAULT (${d.sql}) was left out: it reads ${reads.join(', ')} of the same row, which a PostgreSQL default cannot (set it in a BEFORE INSERT trigger)`));
        return undefined;
      }
      const r = translateMySqlExpression(d.sql, ctx.translateIn(table.name));
      if (!r.ok) {
        notes.push(ctx.note('mysql-default-not-converted', 'COLUMN', where, `DEFAULT (${d.sql}) was left out: ${r.reason}`));
        return undefined;
      }
      for (const w of r.warnings) notes.push(ctx.note('mysql-expression-caveat', 'COLUMN', where, `DEFAULT (${d.sql}): ${w}`));
      return `(${r.sql})`;
    }
  }
}

/** Kinds whose PostgreSQL type an immutable CAST reaches from text, numbers and jsonb. */
const CAST_TO_COLUMN_KINDS = new Set(['integer', 'decimal', 'float', 'double', 'year', 'json', 'jsonb']);

/**
 * A generated column's expression in PostgreSQL, fitted to the column's PostgreSQL type. MySQL
 * converts the value into the column's type (JSON_UNQUOTE(…) text into a DECIMAL column, a
 * comparison's 1 or 0 into TINYINT); PostgreSQL refuses a generation expression of another type,
 * and the whole CREATE TABLE with it. So numbers and JSON get a CAST to the column's type (a
 * comparison through integer first); text columns take any type as it is; binary, BIT and ENUM
 * columns are not generated on the target (no immutable cast reaches bytea, bit or an enum from text).
 */
export function translateGeneratedColumn(c: MySqlColumn, flavor: MySqlFlavor, translate: TranslateContext): TranslateResult {
  if (!c.generated) return { ok: false, reason: 'not a generated column' };
  const r = translateMySqlExpression(c.generated.expression, translate);
  if (!r.ok) return r;
  const unstable = notImmutableRead(c.name, c.generated.expression, r.sql, translate);
  if (unstable) return { ok: false, reason: unstable };
  const t = pgColumnType(c, flavor);
  if (t.kind === 'binary' || t.kind === 'bit' || t.sql === null) {
    return { ok: false, reason: `it computes a ${c.dataType} column, which PostgreSQL cannot compute from an expression of another type` };
  }
  if (!CAST_TO_COLUMN_KINDS.has(t.kind)) return r;
  const value = isBooleanShaped(r.sql) && t.kind !== 'json' && t.kind !== 'jsonb' ? `CAST((${r.sql}) AS integer)` : r.sql;
  return { ...r, sql: `CAST((${value}) AS ${t.sql})` };
}

/**
 * Calls whose value depends on when (or how often) they run, as the translation writes them (NOW(),
 * CURDATE(), UTC_TIMESTAMP() … become LOCALTIMESTAMP, CURRENT_DATE, …; RAND(), UUID()): MariaDB
 * computes a VIRTUAL column with them on every read, PostgreSQL refuses them in a generated column.
 */
const VOLATILE_CALL = /\b(localtimestamp|localtime|current_date|current_time|current_timestamp|now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|random|gen_random_uuid|uuid_generate_v[14])\b/i;

/** MySQL temporal types whose PostgreSQL text form depends on the session's DateStyle or IntervalStyle. */
const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp', 'time']);

/**
 * Why a translated generation expression would not be IMMUTABLE in PostgreSQL, which refuses such
 * a generated column (and, with it, the whole CREATE TABLE): it reads an ENUM column (an enum's
 * text, and a literal compared or COALESCEd with it, go through enum_out / enum_in, which are only
 * STABLE; `coalesce(e, 'none')` even takes 'none' for a member), or it turns a date or time column
 * into text (its form depends on DateStyle), or it calls a clock or a random function (NOW(),
 * CURDATE(), RAND()), or it reads another generated column (PostgreSQL refuses that). Such a column
 * becomes an ordinary one filled from the source. Undefined when none of these.
 */
function notImmutableRead(self: string, expression: string, translated: string, translate: TranslateContext): string | undefined {
  const clock = VOLATILE_CALL.exec(translated);
  if (clock) {
    return `it calls ${clock[1]!.toUpperCase()}, which PostgreSQL computes only as STABLE or VOLATILE (its value depends on when it is read), and a generated column must be IMMUTABLE`;
  }
  const own = translate.table !== undefined ? translate.columns?.get(translate.table) : undefined;
  if (!own) return undefined;
  let named: Set<string>;
  try {
    named = new Set(tokenizeMySql(expression).filter((t) => t.type === 'ident' || t.type === 'word').map((t) => String(t.value).toLowerCase()));
  } catch {
    return undefined; // the translation read it; a lexer error here cannot happen
  }
  for (const [name, column] of own) {
    if (!named.has(name.toLowerCase())) continue;
    if (column.generated && name !== self) {
      return `it reads the generated column ${name}, and a PostgreSQL generated column cannot read another one`;
    }
    if (column.dataType === 'enum') {
      return `it reads the ENUM column ${name}, whose text PostgreSQL computes only as STABLE, and a generated column must be IMMUTABLE`;
    }
    if (TEMPORAL_TYPES.has(column.dataType) && translated.includes(`CAST(${quoteIdent(name)} AS text)`)) {
      return `it turns the ${column.dataType.toUpperCase()} column ${name} into text, which PostgreSQL computes only as STABLE (it depends on DateStyle), and a generated column must be IMMUTABLE`;
    }
  }
  return undefined;
}

interface TableParts {
  readonly objects: SchemaObject[];
}

/** True for collations that compare case-insensitively (MySQL's default `_ci` ones). */
export function isCaseInsensitiveCollation(collation: string | null): boolean {
  return collation !== null && /_ci$/i.test(collation);
}

/**
 * A case-sensitive collation that still ignores trailing spaces in comparisons (PAD SPACE): every
 * `_bin` collation of MariaDB but the `_nopad_` ones, MySQL 8's but the `_0900_` ones. A
 * case-insensitive one says so through `isCaseInsensitiveCollation`.
 */
export function isPadSpaceBinaryCollation(collation: string | null): boolean {
  return collation !== null && /_bin$/i.test(collation) && !/_nopad_|_0900_/i.test(collation);
}

/** Everything created for one table. */
export function convertTable(ctx: ConvertContext, table: MySqlTable, detachedNotes: readonly ConversionNote[] = []): TableParts {
  const objects: SchemaObject[] = [];
  const tableNotes: ConversionNote[] = [...detachedNotes];
  const schema = ctx.targetSchema;
  const qTable = ctx.q(table.name);
  const tableLabel = ctx.label(table.name);
  const columnLines: string[] = [];
  const checks: string[] = [];
  const comments: string[] = [];
  const onUpdate: MySqlColumn[] = [];
  const sequenceObjects: SchemaObject[] = [];
  const ownedBy: SchemaObject[] = [];

  if (table.engine !== null && !/^innodb$/i.test(table.engine)) {
    tableNotes.push(ctx.note('mysql-non-transactional-table', 'TABLE', tableLabel, `engine ${table.engine} is not transactional: its snapshot is not consistent with the other tables and the binlog position`));
  }
  // MyISAM and Aria number an AUTO_INCREMENT column that is not first in any of its keys per group of
  // the columns before it ((1,1), (1,2), (2,1)): one identity numbers the whole table, and its first
  // value after the load meets a loaded row (found by the mysql-schema run).
  const perGroup = table.engine !== null && /^(myisam|aria)$/i.test(table.engine)
    ? table.columns.find((c) => c.autoIncrement && table.primaryKey[0] !== c.name && !table.indexes.some((i) => i.parts[0]?.column === c.name))
    : undefined;
  if (perGroup) {
    tableNotes.push(ctx.note('mysql-auto-increment-per-group', 'COLUMN', ctx.label(table.name, perGroup.name),
      `${table.engine} numbers ${perGroup.name} per group of the key's columns before it; the target's identity numbers the whole table, and its next value repeats a loaded row's`));
  }
  if (table.partitioned) tableNotes.push(ctx.note('mysql-partitioned-table', 'TABLE', tableLabel, 'MySQL partitioning was not converted; the table is created unpartitioned'));
  if (table.systemVersioned) tableNotes.push(ctx.note('mysql-system-versioned-table', 'TABLE', tableLabel, 'WITH SYSTEM VERSIONING: only the current rows are migrated, not the history'));
  if (/[A-Z]/.test(table.name)) tableNotes.push(ctx.note('mysql-mixed-case-name', 'TABLE', tableLabel, `the name ${table.name} keeps its case: PostgreSQL needs it double-quoted (${quoteIdent(table.name)})`));
  const mixedCaseColumns = table.columns.filter((c) => /[A-Z]/.test(c.name)).map((c) => c.name);
  if (mixedCaseColumns.length) {
    tableNotes.push(ctx.note('mysql-mixed-case-name', 'TABLE', tableLabel, `columns keep their case and need double quotes in PostgreSQL: ${mixedCaseColumns.join(', ')}`));
  }

  for (const c of table.columns) {
    const t = pgColumnType(c, ctx.flavor);
    const where = ctx.label(table.name, c.name);
    const columnNotes: ConversionNote[] = [];
    for (const n of t.notes) columnNotes.push(ctx.note('mysql-spatial-column', 'COLUMN', where, n));
    if (c.invisible) columnNotes.push(ctx.note('mysql-invisible-column', 'COLUMN', where, 'INVISIBLE column: it is an ordinary column on the target (SELECT * returns it)'));
    if (c.charset && !/^(utf8mb4|utf8mb3|utf8|ascii|binary)$/i.test(c.charset)) {
      columnNotes.push(ctx.note('mysql-charset', 'COLUMN', where, `character set ${c.charset}: text written on the target that ${c.charset} cannot hold cannot be written back during a fall-back`));
    }
    // Found without a note by the mysql-schema-49 run.
    const zerofill = /\bzerofill\b/i.test(c.columnType) ? /\((\d+)\)/.exec(c.columnType) : null;
    if (zerofill) columnNotes.push(ctx.note('mysql-zerofill', 'COLUMN', where, `ZEROFILL: MySQL shows it padded with zeros to ${zerofill[1]} digits, the target as a plain number`));
    if (t.setMembers) {
      columnNotes.push(ctx.note('mysql-set-order', 'COLUMN', where, 'SET: the target accepts its members only in their definition order, each once (as MySQL stores them); MySQL also accepts another order or repeats, and sorts them'));
    }
    if (t.enumLabels) {
      objects.push({
        type: 'TYPE', schema, name: ctx.enumTypeName(table.name, c.name),
        sql: `CREATE TYPE ${ctx.q(ctx.enumTypeName(table.name, c.name))} AS ENUM (${t.enumLabels.map(pgString).join(', ')});`,
      });
    }
    let line = `${quoteIdent(c.name)} ${pgTypeSql(ctx, table, c, t)}`;
    let isGenerated = false;
    if (c.generated) {
      const r = translateGeneratedColumn(c, ctx.flavor, ctx.translateIn(table.name));
      if (r.ok) {
        line += ` GENERATED ALWAYS AS (${r.sql}) STORED`;
        isGenerated = true;
        if (!c.generated.stored) columnNotes.push(ctx.note('mysql-virtual-generated', 'COLUMN', where, 'VIRTUAL generated column: PostgreSQL stores it (STORED)'));
        for (const w of r.warnings) columnNotes.push(ctx.note('mysql-expression-caveat', 'COLUMN', where, `generated column: ${w}`));
      } else {
        columnNotes.push(ctx.note('mysql-generated-not-converted', 'COLUMN', where,
          `generated column (${c.generated.expression}) is an ordinary column on the target, filled from the source: ${r.reason}`));
      }
    }
    if (c.autoIncrement) {
      const start = table.autoIncrement ?? '1';
      if (t.sql === 'smallint' || t.sql === 'integer' || t.sql === 'bigint') {
        // A full column's counter is one past the type's maximum (a row holds the maximum itself):
        // PostgreSQL refuses an identity starting beyond its type, so it starts at the maximum,
        // where its next value fails as MySQL's does.
        const max = IDENTITY_MAX[t.sql];
        const beyond = BigInt(start) > max;
        line += ` GENERATED BY DEFAULT AS IDENTITY (START WITH ${beyond ? max.toString() : start})`;
        if (beyond) {
          columnNotes.push(ctx.note('mysql-auto-increment-sequence', 'COLUMN', where,
            `AUTO_INCREMENT counter ${start} is beyond ${t.sql}'s maximum: the identity starts at ${max}, and its next value fails, as MySQL's does`));
        }
      } else if (t.sql === 'numeric(20,0)') {
        const seq = autoIncrementSequenceName(table.name, c.name);
        const capped = BigInt(start) > PG_BIGINT_MAX ? PG_BIGINT_MAX.toString() : start;
        sequenceObjects.push({ type: 'SEQUENCE', schema, name: seq, sql: `CREATE SEQUENCE ${ctx.q(seq)} AS bigint START WITH ${capped};` });
        ownedBy.push({ type: 'SEQUENCE_OWNED_BY', schema, name: seq, sql: `ALTER SEQUENCE ${ctx.q(seq)} OWNED BY ${qTable}.${quoteIdent(c.name)};` });
        line += ` DEFAULT nextval(${pgString(ctx.q(seq))}::regclass)`;
        columnNotes.push(ctx.note('mysql-auto-increment-sequence', 'COLUMN', where,
          `BIGINT UNSIGNED AUTO_INCREMENT: numeric(20,0) (it holds every unsigned value) fed by the sequence ${seq}, which stops at 9223372036854775807`));
      } else {
        columnNotes.push(ctx.note('mysql-auto-increment-not-integer', 'COLUMN', where, `AUTO_INCREMENT on a ${c.dataType} column is not kept`));
      }
    } else if (!isGenerated) {
      const d = defaultSql(ctx, table, c, t, columnNotes);
      if (d !== undefined) line += ` DEFAULT ${d}`;
    }
    if (!c.nullable) line += ' NOT NULL';
    columnLines.push(line);
    if (c.onUpdateCurrentTimestamp && (t.kind === 'timestamp' || t.kind === 'datetime')) onUpdate.push(c);

    const qc = quoteIdent(c.name);
    if (t.range) {
      // A FLOAT(M,D)'s bounds as a real, as MySQL stores them: compared as numeric literals (in double
      // precision) the column's own maximum, stored as 9999.9990234375, was past 9999.999 (the
      // mysql-values-roundtrip run: the snapshot load refused it).
      const bound = (v: string) => (t.kind === 'float' ? `CAST(${v} AS real)` : v);
      const { min, max } = t.range as { min: string; max?: string };
      const cond = max !== undefined ? `${qc} BETWEEN ${bound(min)} AND ${bound(max)}` : `${qc} >= ${bound(min)}`;
      checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_range'))} CHECK (${cond})`);
    }
    // YEAR(2), which MariaDB still creates, holds and shows two digits (70 for 1970; the mysql-fallback-49 run: refused here).
    if (t.year) {
      checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_range'))} CHECK (${/^year\(2\)/i.test(c.columnType) ? `${qc} BETWEEN 0 AND 99` : `${qc} = 0 OR ${qc} BETWEEN 1901 AND 2155`})`);
    }
    if (t.setMembers) checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_set'))} CHECK (${setCheck(qc, t.setMembers)})`);
    // PostgreSQL's inet takes either family and a netmask; MariaDB's INET6 only IPv6 host addresses
    // (an IPv4 one as ::ffff:a.b.c.d), INET4 only IPv4 ones: a value written on the target must go back.
    const inet = c.dataType.toLowerCase() === 'inet6' ? [6, 128] : c.dataType.toLowerCase() === 'inet4' ? [4, 32] : undefined;
    if (inet) checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_inet'))} CHECK (family(${qc}) = ${inet[0]} AND masklen(${qc}) = ${inet[1]})`);
    const fallBackRange = valueRangeCheck(c, qc, ctx.catalog.server);
    if (fallBackRange) checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_range'))} CHECK (${fallBackRange})`);
    // Nor NaN or an infinity in a DOUBLE or FLOAT (an UNSIGNED one has its range CHECK besides).
    const floating = c.dataType.toLowerCase();
    if (floating === 'double' || floating === 'float' || floating === 'real') {
      checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_finite'))} CHECK (${qc} <> 'NaN' AND ${qc} <> 'Infinity' AND ${qc} <> '-Infinity')`);
    }
    // Nor NaN in a DECIMAL, which PostgreSQL's numeric takes (and an UNSIGNED one's >= 0 lets by: NaN
    // sorts above every number) and no MySQL numeric type holds (the mysql-values-roundtrip run).
    if (floating === 'decimal' || floating === 'numeric') {
      checks.push(`CONSTRAINT ${quoteIdent(derivedName(c.name, 'mysql_finite'))} CHECK (${qc} <> 'NaN')`);
    }
    if (c.comment) comments.push(`COMMENT ON COLUMN ${qTable}.${qc} IS ${pgString(c.comment)};`);
    tableNotes.push(...columnNotes);
  }

  for (const check of table.checks) {
    const where = `${tableLabel}.${check.name}`;
    if (!check.enforced) {
      tableNotes.push(ctx.note('mysql-check-not-converted', 'CONSTRAINT', where, `CHECK (${check.clause}) is NOT ENFORCED on the source and was left out`));
      continue;
    }
    const r = translateMySqlExpression(check.clause, ctx.translateIn(table.name));
    if (!r.ok) {
      tableNotes.push(ctx.note('mysql-check-not-converted', 'CONSTRAINT', where, `CHECK (${check.clause}) was left out: ${r.reason}`));
      continue;
    }
    for (const w of r.warnings) tableNotes.push(ctx.note('mysql-expression-caveat', 'CONSTRAINT', where, `CHECK (${check.clause}): ${w}`));
    checks.push(`CONSTRAINT ${quoteIdent(ctx.constraintName(table.name, check.name, 'CONSTRAINT', tableNotes))} CHECK (${r.sql})`);
  }

  const body = [...columnLines];
  if (table.primaryKey.length) {
    body.push(`PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`);
    if (table.primaryKeyDescending?.length) {
      // PostgreSQL's key constraints have no order (the schema-fidelity run: dropped without a word).
      tableNotes.push(ctx.note('mysql-key-order', 'TABLE', tableLabel,
        `the primary key orders ${table.primaryKeyDescending.join(', ')} descending on the source; the target's primary key is ascending (PostgreSQL's keys have no order): on YugabyteDB, write PRIMARY KEY (${table.primaryKey.map((c) => `${quoteIdent(c)}${table.primaryKeyDescending!.includes(c) ? ' DESC' : ''}`).join(', ')}) in the schema file to keep its range order`));
    }
    const ciKey = table.primaryKey.map((n) => table.columns.find((c) => c.name === n)).filter((c) => c && isCaseInsensitiveCollation(c.collation));
    if (ciKey.length) {
      tableNotes.push(ctx.note('mysql-case-insensitive-key', 'TABLE', tableLabel,
        `the primary key compares ${ciKey.map((c) => c!.name).join(', ')} case-insensitively on the source (${ciKey[0]!.collation}), case-sensitively on the target`));
    }
    const padKey = table.primaryKey.map((n) => table.columns.find((c) => c.name === n)).filter((c) => c && isPadSpaceBinaryCollation(c.collation) && pgColumnType(c, ctx.flavor).kind === 'text');
    if (padKey.length) {
      tableNotes.push(ctx.note('mysql-pad-space-key', 'TABLE', tableLabel,
        `the primary key compares ${padKey.map((c) => c!.name).join(', ')} ignoring trailing spaces on the source (${padKey[0]!.collation}, PAD SPACE), exactly on the target`));
    }
  }
  body.push(...checks);
  if (table.comment) comments.unshift(`COMMENT ON TABLE ${qTable} IS ${pgString(table.comment)};`);
  const create = `CREATE TABLE ${qTable} (\n  ${body.join(',\n  ')}\n);`;
  objects.push(...sequenceObjects);
  objects.push({ type: 'TABLE', schema, name: table.name, sql: noteComments(tableNotes) + create });
  // Comments are objects of their own, as in a PostgreSQL export: import schema counts each
  // statement under its object's type, and a table's comments are not tables.
  if (comments.length) objects.push({ type: 'COMMENT', schema, name: table.name, sql: comments.join('\n') });
  objects.push(...ownedBy);
  if (onUpdate.length) objects.push(...onUpdateTrigger(ctx, table, onUpdate));
  return { objects };
}

/**
 * ON UPDATE CURRENT_TIMESTAMP as a BEFORE UPDATE trigger: like MySQL, the column is set to the
 * current time when another column changes and the UPDATE did not set the column itself.
 * Generated columns are left out of the comparison (they follow the others); json columns are
 * compared as text (json has no equality).
 */
function onUpdateTrigger(ctx: ConvertContext, table: MySqlTable, columns: readonly MySqlColumn[]): SchemaObject[] {
  const fn = derivedName(table.name, 'mysql_on_update');
  const trigger = derivedName(table.name, 'mysql_on_update');
  const ref = (row: string, c: MySqlColumn) => {
    const kind = pgColumnType(c, ctx.flavor).kind;
    return kind === 'json' ? `${row}.${quoteIdent(c.name)}::text` : `${row}.${quoteIdent(c.name)}`;
  };
  // Each column is compared with every other one, the other ON UPDATE columns included (measured
  // before: with two, a change of one did not touch the other, where MariaDB sets it). Setting one
  // here counts as a change for the next, as in MySQL, where both follow the same other change.
  const assignments = columns.map((c) => {
    const others = table.columns.filter((o) => o.name !== c.name && !o.generated);
    const changed = others.length
      ? `ROW(${others.map((o) => ref('NEW', o)).join(', ')}) IS DISTINCT FROM ROW(${others.map((o) => ref('OLD', o)).join(', ')})`
      : 'false';
    const kind = pgColumnType(c, ctx.flavor).kind;
    const now = `${kind === 'timestamp' ? 'CURRENT_TIMESTAMP' : 'LOCALTIMESTAMP'}(${Math.min(6, c.datetimePrecision ?? 0)})`;
    const qc = quoteIdent(c.name);
    return `IF NEW.${qc} IS NOT DISTINCT FROM OLD.${qc} AND ${changed} THEN\n    NEW.${qc} := ${now};\n  END IF;`;
  });
  const notes = [ctx.note('mysql-on-update-timestamp', 'TRIGGER', ctx.label(table.name, trigger),
    `ON UPDATE CURRENT_TIMESTAMP of ${columns.map((c) => c.name).join(', ')} is done by this trigger (it does not fire for Tandem's own writes)`)];
  return [
    {
      type: 'FUNCTION', schema: ctx.targetSchema, name: fn,
      sql: `CREATE FUNCTION ${ctx.q(fn)}() RETURNS trigger LANGUAGE plpgsql AS $tandem$\nBEGIN\n${assignments.map((a) => `  ${a}`).join('\n')}\n  RETURN NEW;\nEND\n$tandem$;`,
    },
    {
      type: 'TRIGGER', schema: ctx.targetSchema, name: trigger,
      sql: `${noteComments(notes)}CREATE TRIGGER ${quoteIdent(trigger)} BEFORE UPDATE ON ${ctx.q(table.name)} FOR EACH ROW EXECUTE FUNCTION ${ctx.q(fn)}();`,
    },
  ];
}
