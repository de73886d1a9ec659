/**
 * Reads one MySQL/MariaDB database's catalog from `information_schema` (plus `SHOW CREATE …` for
 * stored programs) into a `MySqlCatalog`. Uses a connection from `connectMySql` (numbers arrive as
 * text). Names are compared exactly in JavaScript, since information_schema may compare them
 * case-insensitively.
 */
import type { Connection } from 'mysql2/promise';
import { TandemError } from '../../core/errors.js';
import { parseColumnDefault } from './catalog-defaults.js';
import type {
  MySqlCatalog, MySqlCheck, MySqlColumn, MySqlForeignKey, MySqlIndex, MySqlReferentialAction, MySqlSequence, MySqlSourceObject,
  MySqlSystemPeriod, MySqlTable, MySqlView,
} from './catalog-types.js';
import { parseMemberList } from './schema/mysql-lexer.js';
import type { MySqlServerInfo } from './server-version.js';

type Row = Record<string, string | null>;

async function rows(connection: Connection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await connection.query(sql, params);
  return result as Row[];
}

/** A backquoted MySQL identifier. */
export function mysqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));
const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

/**
 * MySQL 8 prints quotes inside GENERATION_EXPRESSION and CHECK_CLAUSE escaped (`_utf8mb4\\'x\\'`).
 * When every quote of the text is escaped, the whole text is unescaped once. (Untested here: no MySQL 8 server.)
 */
export function unescapeMySql8Expression(text: string): string {
  if (!text.includes("\\'") || /(^|[^\\])'/.test(text)) return text;
  return text.replace(/\\(['\\])/g, '$1');
}

const JSON_VALID = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

function referentialAction(rule: string | null): MySqlReferentialAction {
  const r = (rule ?? 'NO ACTION').toUpperCase();
  return r === 'CASCADE' || r === 'SET NULL' || r === 'SET DEFAULT' || r === 'RESTRICT' ? r : 'NO ACTION';
}

async function showCreate(connection: Connection, what: string, name: string, column: string): Promise<string | null> {
  try {
    const r = await rows(connection, `SHOW CREATE ${what} ${name}`);
    return r[0]?.[column] ?? null;
  } catch (e) {
    // ER_SPECIFIC_ACCESS_DENIED_ERROR, ER_TABLEACCESS_DENIED_ERROR, ER_PROCACCESS_DENIED_ERROR, …: the user may not see it.
    const errno = (e as { errno?: unknown }).errno;
    if (errno === 1227 || errno === 1142 || errno === 1370 || errno === 1044) return null;
    throw e;
  }
}

/**
 * Reads the catalog of `database` through a connection opened by `connectMySql` (whose
 * `server` says which flavour it is). Throws TANDEM_DB_MISSING when the database does not exist.
 *
 * @example
 * const { connection, server } = await connectMySql(config);
 * const catalog = await readMySqlCatalog(connection, server, 'shop');
 */
export async function readMySqlCatalog(connection: Connection, server: MySqlServerInfo, database: string): Promise<MySqlCatalog> {
  const mariadb = server.flavor === 'mariadb';
  if (!mariadb) await connection.query('SET SESSION information_schema_stats_expiry = 0');
  const [settings] = await rows(connection, 'SELECT @@lower_case_table_names AS lctn, @@GLOBAL.sql_mode AS sqlMode');
  const schemata = (await rows(connection, 'SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]))
    .filter((r) => r.name === database);
  if (schemata.length === 0) {
    throw new TandemError('TANDEM_DB_MISSING', `The database "${database}" does not exist on the source (or the user may not see it).`, {
      hint: 'Check --source-db-name (MySQL database names are case-sensitive on most systems) and the user\'s privileges on it.',
    });
  }
  const where = [database];
  const tableRows = (await rows(connection, `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, AUTO_INCREMENT AS autoIncrement,
      TABLE_COLLATION AS collation, TABLE_COMMENT AS comment, CREATE_OPTIONS AS options
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, where)).filter((r) => r.db === database);
  const columnRows = (await rows(connection, `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tableName, COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal,
      COLUMN_DEFAULT AS dflt, IS_NULLABLE AS nullable, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
      CHARACTER_MAXIMUM_LENGTH AS charMax, NUMERIC_PRECISION AS numPrecision, NUMERIC_SCALE AS numScale,
      DATETIME_PRECISION AS dtPrecision, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co, EXTRA AS extra,
      COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?`, where)).filter((r) => r.db === database);
  const statRows = (await rows(connection, `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tableName, INDEX_NAME AS name, NON_UNIQUE AS nonUnique,
      SEQ_IN_INDEX AS seq, COLUMN_NAME AS col, SUB_PART AS subPart, INDEX_TYPE AS indexType, COLLATION AS direction,
      INDEX_COMMENT AS comment, ${mariadb ? "IGNORED AS ignored, NULL AS expr" : "IF(IS_VISIBLE = 'NO', 'YES', 'NO') AS ignored, EXPRESSION AS expr"}
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?`, where)).filter((r) => r.db === database);
  const fkRows = (await rows(connection, `SELECT rc.CONSTRAINT_SCHEMA AS db, rc.TABLE_NAME AS tableName, rc.CONSTRAINT_NAME AS name,
      rc.UPDATE_RULE AS onUpdate, rc.DELETE_RULE AS onDelete, k.COLUMN_NAME AS col, k.ORDINAL_POSITION AS pos,
      k.REFERENCED_TABLE_SCHEMA AS refDb, k.REFERENCED_TABLE_NAME AS refTable, k.REFERENCED_COLUMN_NAME AS refCol
    FROM information_schema.REFERENTIAL_CONSTRAINTS rc
    JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
      AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
    WHERE rc.CONSTRAINT_SCHEMA = ?`, where)).filter((r) => r.db === database);
  const checkRows = (await rows(connection, mariadb
    ? `SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS tableName, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause, LEVEL AS level, 'YES' AS enforced
       FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`
    : `SELECT cc.CONSTRAINT_SCHEMA AS db, tc.TABLE_NAME AS tableName, cc.CONSTRAINT_NAME AS name, cc.CHECK_CLAUSE AS clause, 'Table' AS level, tc.ENFORCED AS enforced
       FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc
         ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
       WHERE cc.CONSTRAINT_SCHEMA = ?`, where)).filter((r) => r.db === database);

  const columnsByTable = groupBy(columnRows, (r) => r.tableName!);
  const statsByTable = groupBy(statRows, (r) => r.tableName!);
  const fksByTable = groupBy(fkRows, (r) => r.tableName!);
  const checksByTable = groupBy(checkRows, (r) => r.tableName!);

  const tables: MySqlTable[] = [];
  const sequences: MySqlSequence[] = [];
  for (const t of tableRows) {
    const name = t.name!;
    if (t.type === 'SEQUENCE') {
      sequences.push(await readSequence(connection, database, name));
      continue;
    }
    if (t.type !== 'BASE TABLE' && t.type !== 'SYSTEM VERSIONED') continue;
    const checks = checksByTable.get(name) ?? [];
    // MariaDB's JSON is LONGTEXT with an automatic json_valid(`col`) CHECK named after the column.
    const jsonColumns = new Set<string>();
    for (const c of checks) {
      const m = JSON_VALID.exec(c.clause ?? '');
      if (m && c.level === 'Column' && m[1]!.replace(/``/g, '`') === c.name) jsonColumns.add(c.name!);
    }
    const listed = columnsByTable.get(name) ?? [];
    const columns = await withExactMembers(connection, database, name, listed
      .filter((c) => !PERIOD_COLUMN.test(c.generation ?? ''))
      .map((c) => toColumn(c, server, jsonColumns))
      .sort((a, b) => a.ordinal - b.ordinal));
    const systemPeriod = t.type === 'SYSTEM VERSIONED' ? toSystemPeriod(listed, columns, server) : undefined;
    const periodNames = new Set(systemPeriod ? [systemPeriod.rowStart.name, systemPeriod.rowEnd.name] : []);
    const read = toIndexes((statsByTable.get(name) ?? []).filter((r) => !periodNames.has(r.col ?? '')));
    const { primaryKey, primaryKeyDescending } = read;
    // An application-time period shows as a CHECK (`s` < `e`); only then is SHOW CREATE TABLE read,
    // for its keys WITHOUT OVERLAPS (information_schema lists them as plain unique keys).
    const indexes = mariadb && checks.some((c) => c.level === 'Table' && PERIOD_CHECK.test(c.clause ?? ''))
      ? withOverlapRules(read.indexes, await showCreateTable(connection, database, name))
      : read.indexes;
    tables.push({
      name,
      engine: t.engine,
      collation: t.collation,
      comment: t.comment ?? '',
      autoIncrement: columns.some((c) => c.autoIncrement) ? t.autoIncrement : null,
      partitioned: /partitioned/i.test(t.options ?? ''),
      systemVersioned: t.type === 'SYSTEM VERSIONED',
      ...(systemPeriod && { systemPeriod }),
      columns,
      primaryKey,
      ...(primaryKeyDescending.length > 0 ? { primaryKeyDescending } : {}),
      indexes,
      foreignKeys: toForeignKeys(fksByTable.get(name) ?? []),
      checks: checks
        .filter((c) => !jsonColumns.has(c.name!) || c.level !== 'Column' || !JSON_VALID.test(c.clause ?? ''))
        .map((c): MySqlCheck => ({ name: c.name!, clause: mariadb ? c.clause ?? '' : unescapeMySql8Expression(c.clause ?? ''), enforced: c.enforced !== 'NO' }))
        .sort(byName),
    });
  }
  tables.sort(byName);
  sequences.sort(byName);

  const views = (await rows(connection, `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, VIEW_DEFINITION AS def, CHECK_OPTION AS checkOption, IS_UPDATABLE AS updatable,
      SECURITY_TYPE AS security FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`, where))
    .filter((r) => r.db === database)
    .map((v): MySqlView => ({ name: v.name!, definition: v.def, checkOption: v.checkOption ?? 'NONE', updatable: v.updatable === 'YES', securityInvoker: v.security === 'INVOKER' }))
    .sort(byName);

  const qualified = (n: string) => `${mysqlIdent(database)}.${mysqlIdent(n)}`;
  const triggers: MySqlSourceObject[] = [];
  for (const r of (await rows(connection, 'SELECT TRIGGER_SCHEMA AS db, TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tableName FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', where)).filter((x) => x.db === database)) {
    triggers.push({ kind: 'TRIGGER', name: r.name!, table: r.tableName!, createSql: await showCreate(connection, 'TRIGGER', qualified(r.name!), 'SQL Original Statement') });
  }
  const routines: MySqlSourceObject[] = [];
  for (const r of (await rows(connection, 'SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?', where)).filter((x) => x.db === database)) {
    const kind = r.type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE';
    routines.push({ kind, name: r.name!, createSql: await showCreate(connection, kind, qualified(r.name!), kind === 'FUNCTION' ? 'Create Function' : 'Create Procedure') });
  }
  const events: MySqlSourceObject[] = [];
  for (const r of (await rows(connection, 'SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?', where)).filter((x) => x.db === database)) {
    events.push({ kind: 'EVENT', name: r.name!, createSql: await showCreate(connection, 'EVENT', qualified(r.name!), 'Create Event') });
  }

  return {
    database,
    server,
    lowerCaseTableNames: Number(settings?.lctn ?? 0),
    sqlMode: settings?.sqlMode ?? '',
    defaultCharset: schemata[0]!.cs ?? 'utf8mb4',
    defaultCollation: schemata[0]!.co ?? '',
    tables,
    views,
    sequences,
    triggers: triggers.sort(byName),
    routines: routines.sort(byName),
    events: events.sort(byName),
  };
}

/** Character sets in which an ENUM or SET member can hold a character the catalog's utf8mb3 cannot show. */
const SUPPLEMENTARY_CHARSETS = new Set(['utf8mb4', 'utf16', 'utf16le', 'utf32']);

/**
 * The columns with the members of their ENUMs and SETs as the table holds them. The catalog shows
 * column definitions in utf8mb3, where a member with a character outside the Basic Multilingual
 * Plane (an emoji) is `?` (measured on MariaDB 10.11: COLUMN_TYPE and SHOW CREATE TABLE both), and
 * the change stream, which carries members by number, wrote `?` for them on the target (the
 * mysql-fidelity run). The table's own definition has them right: a temporary copy of the columns
 * (no rows, not written to a row-based binlog) is given each member by number and read back. Only
 * for members that show a `?`, so a table without one costs nothing.
 */
async function withExactMembers(connection: Connection, database: string, table: string, columns: MySqlColumn[]): Promise<MySqlColumn[]> {
  const lossy = columns.filter((c) => c.members?.some((m) => m.includes('?')) && SUPPLEMENTARY_CHARSETS.has((c.charset ?? '').toLowerCase()));
  if (lossy.length === 0) return columns;
  const temp = mysqlIdent(`tandem_members_${process.pid}`);
  const count = Math.max(...lossy.map((c) => c.members!.length));
  const values = Array.from({ length: count }, (_, i) => `(${i + 1}, ${lossy.map((c) => (i < c.members!.length ? (c.dataType === 'set' ? (1n << BigInt(i)).toString() : String(i + 1)) : '1')).join(', ')})`);
  const sql = (db: string) => [
    `CREATE TEMPORARY TABLE ${mysqlIdent(db)}.${temp} (tandem_i int) SELECT ${lossy.map((c) => mysqlIdent(c.name)).join(', ')} FROM ${mysqlIdent(database)}.${mysqlIdent(table)} LIMIT 0`,
    `INSERT INTO ${mysqlIdent(db)}.${temp} (tandem_i, ${lossy.map((c) => mysqlIdent(c.name)).join(', ')}) VALUES ${values.join(', ')}`,
  ];
  // In the source database, or in Tandem's metadata database (which a live migration may write).
  let usedDb: string | undefined;
  let lastError: unknown;
  for (const db of [database, 'ybvoyager_metadata']) {
    try {
      for (const statement of sql(db)) await connection.query(statement);
      usedDb = db;
      break;
    } catch (e) {
      lastError = e;
      await connection.query(`DROP TEMPORARY TABLE IF EXISTS ${mysqlIdent(db)}.${temp}`).catch(() => {});
    }
  }
  if (usedDb === undefined) {
    const names = lossy.map((c) => `${table}.${c.name}`).join(', ');
    throw new TandemError('TANDEM_PRIVILEGE', `The members of ${names} hold characters the source's catalog shows as "?", and reading them from the table needs a temporary table, which was refused (${(lastError as Error).message}).`, {
      hint: `Grant it for the time of the export (GRANT CREATE TEMPORARY TABLES ON ${mysqlIdent(database)}.* TO the source user), then run the command again.`,
    });
  }
  try {
    const read = await rows(connection, `SELECT tandem_i AS i, ${lossy.map((c, k) => `HEX(CONVERT(${mysqlIdent(c.name)} USING utf8mb4)) AS m${k}`).join(', ')} FROM ${mysqlIdent(usedDb)}.${temp} ORDER BY tandem_i`);
    return columns.map((c) => {
      const k = lossy.indexOf(c);
      if (k < 0) return c;
      const members = c.members!.map((m, i) => {
        const hex = read[i]?.[`m${k}`];
        return hex === null || hex === undefined ? m : Buffer.from(hex, 'hex').toString('utf8');
      });
      // A default that is such a member shows the same "?": the member of the same place.
      const shown = c.members!;
      const exact = (v: string) => { const i = shown.indexOf(v); return i < 0 ? v : members[i]!; };
      const d = c.default;
      const fixed = d.kind === 'literal' && typeof d.value === 'string' && d.value.includes('?')
        ? { ...d, value: c.dataType === 'set' ? d.value.split(',').map(exact).join(',') : exact(d.value) } : d;
      return { ...c, members, default: fixed };
    });
  } finally {
    await connection.query(`DROP TEMPORARY TABLE IF EXISTS ${mysqlIdent(usedDb)}.${temp}`).catch(() => {});
  }
}

function toColumn(c: Row, server: MySqlServerInfo, jsonColumns: ReadonlySet<string>): MySqlColumn {
  const extra = c.extra ?? '';
  const dataType = (c.dataType ?? '').toLowerCase();
  const columnType = c.columnType ?? dataType;
  const nullable = c.nullable === 'YES';
  const generatedMatch = /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.exec(extra);
  const expression = c.generation && server.flavor === 'mysql' ? unescapeMySql8Expression(c.generation) : c.generation;
  const generated = generatedMatch && expression ? { stored: !/^VIRTUAL$/i.test(generatedMatch[1]!), expression } : null;
  return {
    name: c.name!,
    ordinal: Number(c.ordinal),
    dataType,
    columnType,
    nullable,
    unsigned: /\bunsigned\b/i.test(columnType),
    charMaxLength: num(c.charMax),
    numericPrecision: num(c.numPrecision),
    numericScale: num(c.numScale),
    datetimePrecision: num(c.dtPrecision),
    charset: c.cs,
    collation: c.co,
    default: generated ? { kind: 'none' } : parseColumnDefault(server.flavor, c.dflt, extra, dataType, nullable),
    autoIncrement: /\bauto_increment\b/i.test(extra),
    onUpdateCurrentTimestamp: /\bon update current_timestamp\b/i.test(extra),
    generated,
    members: dataType === 'enum' || dataType === 'set' ? parseMemberList(columnType) : null,
    isJson: dataType === 'json' || jsonColumns.has(c.name!),
    invisible: /\bINVISIBLE\b/i.test(extra),
    comment: c.comment ?? '',
  };
}

const PERIOD_COLUMN = /^ROW (START|END)$/i;

/**
 * The period columns of a system-versioned table: the listed `GENERATED ALWAYS AS ROW START/END`
 * ones, or else MariaDB's hidden `row_start`/`row_end` TIMESTAMP(6), which it keeps after every
 * other column (a column added later goes before them) and `information_schema` does not list.
 */
function toSystemPeriod(listed: readonly Row[], columns: readonly MySqlColumn[], server: MySqlServerInfo): MySqlSystemPeriod {
  const start = listed.find((c) => /^ROW START$/i.test(c.generation ?? ''));
  const end = listed.find((c) => /^ROW END$/i.test(c.generation ?? ''));
  if (start && end) return { rowStart: toColumn(start, server, new Set()), rowEnd: toColumn(end, server, new Set()), implicit: false };
  const last = columns.reduce((n, c) => Math.max(n, c.ordinal), 0);
  const hidden = (columnName: string, ordinal: number, expression: string): MySqlColumn => ({
    name: columnName, ordinal, dataType: 'timestamp', columnType: 'timestamp(6)', nullable: false, unsigned: false,
    charMaxLength: null, numericPrecision: null, numericScale: null, datetimePrecision: 6, charset: null, collation: null,
    default: { kind: 'none' }, autoIncrement: false, onUpdateCurrentTimestamp: false, generated: { stored: true, expression },
    members: null, isJson: false, invisible: true, comment: '',
  });
  return { rowStart: hidden('row_start', last + 1, 'ROW START'), rowEnd: hidden('row_end', last + 2, 'ROW END'), implicit: true };
}

function toIndexes(stats: readonly Row[]): { primaryKey: string[]; primaryKeyDescending: string[]; indexes: MySqlIndex[] } {
  const byIndex = groupBy([...stats].sort((a, b) => Number(a.seq) - Number(b.seq)), (r) => r.name!);
  let primaryKey: string[] = [];
  let primaryKeyDescending: string[] = [];
  const indexes: MySqlIndex[] = [];
  for (const [name, parts] of byIndex) {
    if (name === 'PRIMARY') {
      primaryKey = parts.map((p) => p.col!);
      primaryKeyDescending = parts.filter((p) => p.direction === 'D').map((p) => p.col!);
      continue;
    }
    const type = (parts[0]!.indexType ?? 'BTREE').toUpperCase();
    indexes.push({
      name,
      unique: parts[0]!.nonUnique === '0',
      kind: type === 'FULLTEXT' ? 'fulltext' : type === 'SPATIAL' ? 'spatial' : type === 'HASH' ? 'hash' : 'btree',
      parts: parts.map((p) => ({
        column: p.col,
        expression: p.expr,
        prefixLength: type === 'SPATIAL' ? null : num(p.subPart),
        descending: p.direction === 'D',
      })),
      invisible: parts[0]!.ignored === 'YES',
      comment: parts[0]!.comment ?? '',
    });
  }
  return { primaryKey, primaryKeyDescending, indexes: indexes.sort(byName) };
}

function toForeignKeys(fkRows: readonly Row[]): MySqlForeignKey[] {
  const byName = groupBy([...fkRows].sort((a, b) => Number(a.pos) - Number(b.pos)), (r) => r.name!);
  return [...byName].map(([name, parts]) => ({
    name,
    columns: parts.map((p) => p.col!),
    refDatabase: parts[0]!.refDb ?? '',
    refTable: parts[0]!.refTable!,
    refColumns: parts.map((p) => p.refCol!),
    onUpdate: referentialAction(parts[0]!.onUpdate),
    onDelete: referentialAction(parts[0]!.onDelete),
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function readSequence(connection: Connection, database: string, name: string): Promise<MySqlSequence> {
  const [s] = await rows(connection, `SELECT next_not_cached_value AS \`nextValue\`, minimum_value AS \`minValue\`, maximum_value AS \`maxValue\`,
    start_value AS \`start\`, increment AS \`increment\`, cache_size AS \`cache\`, cycle_option AS \`cycle\` FROM ${mysqlIdent(database)}.${mysqlIdent(name)}`);
  return {
    name, nextValue: s!.nextValue!, minValue: s!.minValue!, maxValue: s!.maxValue!, start: s!.start!,
    increment: s!.increment!, cache: s!.cache!, cycle: s!.cycle === '1',
  };
}

/** The CHECK MariaDB keeps for an application-time period: `start` < `end`. */
const PERIOD_CHECK = /^`(?:[^`]|``)+` < `(?:[^`]|``)+`$/;

async function showCreateTable(connection: Connection, database: string, table: string): Promise<string> {
  const [row] = await rows(connection, `SHOW CREATE TABLE ${mysqlIdent(database)}.${mysqlIdent(table)}`);
  return String((row as Record<string, unknown> | undefined)?.['Create Table'] ?? '');
}

/** `indexes` with `withoutOverlaps` set on the unique keys SHOW CREATE TABLE writes `… period WITHOUT OVERLAPS)`. */
export function withOverlapRules(indexes: readonly MySqlIndex[], createTable: string): MySqlIndex[] {
  const rules = new Map<string, string>();
  for (const m of createTable.matchAll(/UNIQUE KEY `((?:[^`]|``)+)` \((?:[^()]|\([^()]*\))*?`((?:[^`]|``)+)` WITHOUT OVERLAPS\)/g)) {
    rules.set(m[1]!.replace(/``/g, '`'), m[2]!.replace(/``/g, '`'));
  }
  return indexes.map((i) => (rules.has(i.name) ? { ...i, withoutOverlaps: rules.get(i.name)! } : i));
}
