/**
 * PostgreSQL names for MySQL objects. Tables and columns keep their MySQL names exactly (case
 * included; quoted when PostgreSQL needs it), so the snapshot, the change stream and the fall-back
 * need no name mapping. Names Tandem makes up (index, enum type, CHECK names) are shortened to
 * PostgreSQL's 63 bytes with a hash so that they stay unique. Pure.
 */
import { createHash } from 'node:crypto';
import { quoteIdent } from '../../../core/sql-names.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
export const PG_MAX_NAME_BYTES = 63;

/** `schema.name`, each part quoted when needed. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** True when PostgreSQL would silently truncate the name. */
export function tooLongForPg(name: string): boolean {
  return Buffer.byteLength(name, 'utf8') > PG_MAX_NAME_BYTES;
}

/**
 * A name made of parts (`orders_customer_id_idx`), cut to 63 bytes with an 8-character hash of
 * the full name when it is longer, never splitting a multi-byte character.
 */
export function derivedName(...parts: string[]): string {
  const full = parts.join('_');
  if (!tooLongForPg(full)) return full;
  const hash = createHash('sha1').update(full).digest('hex').slice(0, 8);
  let prefix = '';
  for (const ch of full) {
    if (Buffer.byteLength(prefix + ch, 'utf8') > PG_MAX_NAME_BYTES - 9) break;
    prefix += ch;
  }
  return `${prefix}_${hash}`;
}

/** Cuts a name to `bytes` UTF-8 bytes without splitting a character (PostgreSQL's pg_mbcliplen). */
function clip(name: string, bytes: number): string {
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > bytes) break;
    out += ch;
  }
  return out;
}

/**
 * The name PostgreSQL gives the sequence of an identity (or serial) column: `table_column_seq`,
 * the longer of table and column names cut until it fits 63 bytes (makeObjectName). PostgreSQL adds
 * a digit when that name is taken: `export schema` refuses a schema where it would be
 * (`sequenceNameCollisions` in convert-schema.ts), as the counters are found by this name.
 *
 * @example
 * pgIdentitySequenceName('orders', 'id') // 'orders_id_seq'
 */
export function pgIdentitySequenceName(table: string, column: string): string {
  let t = Buffer.byteLength(table, 'utf8');
  let c = Buffer.byteLength(column, 'utf8');
  const overhead = 1 + 1 + 3; // "_", "_", "seq"
  while (t + c + overhead > PG_MAX_NAME_BYTES) {
    if (t > c) t--;
    else c--;
  }
  return `${clip(table, t)}_${clip(column, c)}_seq`;
}
