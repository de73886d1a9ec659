/**
 * Column type codes of the binlog (MySQL's `enum_field_types`) and how the TABLE_MAP event writes
 * each type's metadata.
 */
import { BinlogDecodeError, type BinlogReader } from './binlog-reader.js';

export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  TYPED_ARRAY: 20,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const NAMES = new Map<number, string>(Object.entries(ColumnType).map(([k, v]) => [v, k]));

/** The type's name for messages (e.g. `NEWDECIMAL`). */
export function columnTypeName(type: number): string {
  return NAMES.get(type) ?? `type ${type}`;
}

/**
 * Reads one column's metadata from the TABLE_MAP's metadata block, combined into one number the way
 * MySQL does (see `BinlogColumn.meta`).
 */
export function readColumnMeta(r: BinlogReader, mapType: number): number {
  switch (mapType) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
    case ColumnType.VECTOR:
      return r.u8();
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return r.u16();
    case ColumnType.NEWDECIMAL:
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET:
    case ColumnType.BIT: {
      const b0 = r.u8();
      const b1 = r.u8();
      return mapType === ColumnType.BIT ? (b1 << 8) | b0 : (b0 << 8) | b1;
    }
    case ColumnType.TYPED_ARRAY:
      throw new BinlogDecodeError('TYPED_ARRAY columns (multi-valued indexes) cannot appear in a table map');
    default:
      return 0;
  }
}

/**
 * For the STRING map type: the real type (STRING, ENUM or SET) and the max length in bytes (or, for
 * ENUM/SET, the pack length), undoing the trick that stores CHAR lengths above 255 in the type byte.
 */
export function stringRealType(meta: number): { readonly type: number; readonly length: number } {
  if (meta < 256) return { type: ColumnType.STRING, length: meta };
  const b0 = meta >> 8;
  const b1 = meta & 0xff;
  if ((b0 & 0x30) !== 0x30) return { type: b0 | 0x30, length: b1 | (((b0 & 0x30) ^ 0x30) << 4) };
  return { type: b0, length: b1 };
}

/** True for the types whose signedness the optional metadata's SIGNEDNESS bitmap covers. */
export function isNumericType(type: number): boolean {
  switch (type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.NEWDECIMAL:
    case ColumnType.DECIMAL:
      return true;
    default:
      return false;
  }
}

/**
 * True for the character types whose collation the optional metadata's charset fields cover
 * (ENUM and SET are listed apart; GEOMETRY and JSON are not character columns).
 */
export function isCharacterType(type: number): boolean {
  switch (type) {
    case ColumnType.STRING:
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
      return true;
    default:
      return false;
  }
}
