/**
 * PostgreSQL COPY text-format rows, framed as CopyData messages: the snapshot file layout
 * `copydata-rows-v1` (docs/positions.md §4) for readers of non-PostgreSQL sources. Engine-neutral
 * and pure (it may move to core/), except the MySQL fast path at the end.
 */
import { mysqlToPg, type MySqlValue } from './mysql-to-pg.js';
import type { MySqlValueKind, MySqlValueType } from './value-type.js';

// Backslash, newline, carriage return and tab are the characters COPY's text format must escape.
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPE = /[\\\n\r\t]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY text form: `\N` for NULL, the four special characters escaped. */
export function copyTextValue(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPE, (c) => ESCAPED[c]!) : value;
}

/** One row in COPY text form: values separated by tabs, ending in a newline. */
export function encodeCopyTextRow(values: readonly (string | null)[]): string {
  let row = '';
  for (let i = 0; i < values.length; i++) row += (i === 0 ? '' : '\t') + copyTextValue(values[i]!);
  return `${row}\n`;
}

/**
 * One row as a CopyData message: `d`, a 4-byte big-endian length that counts itself, the row's
 * UTF-8 bytes. Concatenated messages are what a snapshot file holds.
 */
export function copyDataMessage(values: readonly (string | null)[]): Buffer {
  const row = encodeCopyTextRow(values);
  const length = Buffer.byteLength(row, 'utf8');
  const message = Buffer.allocUnsafe(5 + length);
  message[0] = 0x64;
  message.writeUInt32BE(length + 4, 1);
  message.write(row, 5, 'utf8');
  return message;
}

/** Kinds whose PostgreSQL text may hold a backslash, tab, newline or carriage return. */
const FREE_TEXT_KINDS: ReadonlySet<MySqlValueKind> = new Set(['text', 'json', 'jsonb']);

/**
 * One MySQL value straight to its COPY text field (the snapshot's hot path): `mysqlToPg`, then
 * escaping only for the kinds that can need it. Binary strings come out as `\\x…` (the bytea hex
 * form with its backslash escaped for COPY).
 *
 * @example
 * mysqlToCopyField(Buffer.from([0xff]), { kind: 'binary', column: 't.b', nullable: true }) // '\\\\xff' (i.e. \\xff)
 */
export function mysqlToCopyField(value: MySqlValue, type: MySqlValueType): string {
  if (value === null) return '\\N';
  if (type.kind === 'binary' && Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  const text = mysqlToPg(value, type);
  if (text === null) return '\\N';
  return FREE_TEXT_KINDS.has(type.kind) ? copyTextValue(text) : text;
}

/**
 * A row of MySQL values as one COPY text line (fields from `mysqlToCopyField`).
 *
 * @example
 * mysqlRowToCopyText(['1', null], [intType, textType]) // '1\t\\N\n'
 */
export function mysqlRowToCopyText(values: readonly MySqlValue[], types: readonly MySqlValueType[]): string {
  let row = mysqlToCopyField(values[0] ?? null, types[0]!);
  for (let i = 1; i < types.length; i++) row += `\t${mysqlToCopyField(values[i] ?? null, types[i]!)}`;
  return `${row}\n`;
}
