/**
 * PostgreSQL COPY text-format rows, framed as CopyData messages: the snapshot file layout
 * `copydata-rows-v1` (docs/positions.md §4) for readers of non-PostgreSQL sources. Engine-neutral
 * and pure (it may move to core/).
 */

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
