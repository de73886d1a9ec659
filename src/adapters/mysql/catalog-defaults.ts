/**
 * `information_schema.COLUMNS.COLUMN_DEFAULT` means different things on the two servers. Pure.
 * - MariaDB (10.2.7+): an SQL expression: `'text'` quoted, `1.50`, `b'101'`, `current_timestamp(3)`,
 *   `uuid()`, the word `NULL` for DEFAULT NULL; SQL NULL when there is no default.
 * - MySQL 8: the value unquoted (`text`, `1.50`, `b'101'` for BIT, `0x…` for binary), the
 *   expression when EXTRA says `DEFAULT_GENERATED`; SQL NULL for no default and DEFAULT NULL alike.
 */
import type { MySqlDefault } from './catalog-types.js';
import type { MySqlFlavor } from './server-version.js';
import { tokenizeMySql, MySqlLexError } from './schema/mysql-lexer.js';

const NOW = /^(current_timestamp|now|localtime|localtimestamp)\s*(?:\(\s*(\d*)\s*\))?$/i;
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

function currentTimestamp(text: string): MySqlDefault | undefined {
  const m = NOW.exec(text.trim());
  return m ? { kind: 'current_timestamp', precision: m[2] ? Number(m[2]) : 0 } : undefined;
}

/** MariaDB: COLUMN_DEFAULT is an expression; constants become literals. */
function mariaDbDefault(raw: string): MySqlDefault {
  if (raw === 'NULL') return { kind: 'null' };
  const now = currentTimestamp(raw);
  if (now) return now;
  let tokens;
  try {
    tokens = tokenizeMySql(raw);
  } catch (e) {
    if (e instanceof MySqlLexError) return { kind: 'expression', sql: raw };
    throw e;
  }
  const [a, b] = tokens;
  if (tokens.length === 1 && a) {
    if (a.type === 'string') return { kind: 'literal', value: a.value };
    if (a.type === 'number') return { kind: 'literal', value: a.value };
    if (a.type === 'bits') return { kind: 'literal', value: a.value };
    if (a.type === 'hex') return { kind: 'literal', value: a.value };
  }
  if (tokens.length === 2 && a?.type === 'op' && (a.value === '-' || a.value === '+') && b?.type === 'number') {
    return { kind: 'literal', value: a.value === '-' ? `-${b.value}` : b.value };
  }
  return { kind: 'expression', sql: raw };
}

/** MySQL 8: the value as text unless EXTRA says DEFAULT_GENERATED. */
function mysqlDefault(raw: string, extra: string, dataType: string): MySqlDefault {
  const now = currentTimestamp(raw);
  if (now && /^(timestamp|datetime)$/i.test(dataType)) return now;
  if (/DEFAULT_GENERATED/i.test(extra)) return now ?? { kind: 'expression', sql: raw };
  if (dataType === 'bit') {
    const m = /^b'([01]*)'$/i.exec(raw);
    if (m) return { kind: 'literal', value: m[1]! };
  }
  if (BINARY_TYPES.has(dataType)) {
    const m = /^0x([0-9a-f]*)$/i.exec(raw);
    if (m) return { kind: 'literal', value: Buffer.from(m[1]!.length % 2 ? `0${m[1]}` : m[1]!, 'hex') };
  }
  return { kind: 'literal', value: raw };
}

/**
 * A column's default from COLUMNS.COLUMN_DEFAULT and EXTRA.
 *
 * @example
 * parseColumnDefault('mariadb', "'it''s'", '', 'varchar', true) // { kind: 'literal', value: "it's" }
 * parseColumnDefault('mysql', 'it\'s', '', 'varchar', true)     // { kind: 'literal', value: "it's" }
 */
export function parseColumnDefault(flavor: MySqlFlavor, raw: string | null, extra: string, dataType: string, nullable: boolean): MySqlDefault {
  if (raw === null) return flavor === 'mysql' && nullable ? { kind: 'null' } : { kind: 'none' };
  return flavor === 'mariadb' ? mariaDbDefault(raw) : mysqlDefault(raw, extra, dataType.toLowerCase());
}
