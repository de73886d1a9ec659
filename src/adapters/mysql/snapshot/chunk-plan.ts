/**
 * Snapshot chunks of MySQL tables and the SELECT each one runs. Pure.
 *
 * With several readers, a big table whose primary key is one integer column is split into key
 * ranges, one per reader (at most one per 64 MB), copied in parallel; any other table is one chunk.
 * The first range has no lower bound and the last no upper bound, so rows with keys outside the
 * minimum and maximum read when planning are still copied. InnoDB reads a key range straight off
 * its clustered index, so the ranges cost no extra scan.
 */
import type { SnapshotChunk } from '../../../core/engine/snapshot.js';
import type { TableInfo } from '../../../core/engine/catalog.js';
import { tableKeyOf } from '../../../core/engine/catalog.js';
import { mysqlIdent } from '../catalog.js';
import type { MySqlTable } from '../catalog-types.js';
import { mysqlSelectExpression } from '../schema/type-map.js';

/** A table this big (estimated bytes on the source) or bigger is split when there are several readers. */
export const SPLIT_BYTES = 64 << 20;
/** When the source does not estimate bytes: this many rows or more. */
export const SPLIT_ROWS = 1_000_000;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** A key range `[from, to)` of one integer column; an absent bound is open. Bounds are decimal text. */
export interface KeyRange {
  readonly column: string;
  readonly from?: string;
  readonly to?: string;
}

/** A MySQL chunk: what the reader selects, from which database and table, and which key range. */
export interface MySqlSnapshotChunk extends SnapshotChunk {
  readonly format: 'text';
  /** The MySQL database (`--source-db-name`). */
  readonly database: string;
  /** The MySQL table (the same name as the target's). */
  readonly table: string;
  /** The columns copied, in order (TableInfo.columns). */
  readonly columns: readonly string[];
  readonly range?: KeyRange;
}

/** True for a chunk planned here (the reader refuses any other). */
export function isMySqlChunk(c: SnapshotChunk): c is MySqlSnapshotChunk {
  return typeof (c as MySqlSnapshotChunk).database === 'string' && typeof (c as MySqlSnapshotChunk).table === 'string' && Array.isArray((c as MySqlSnapshotChunk).columns);
}

/** The column a table can be split on: its primary key when that is one integer column; else undefined. */
export function splitColumn(table: MySqlTable): string | undefined {
  if (table.primaryKey.length !== 1) return undefined;
  const col = table.columns.find((c) => c.name === table.primaryKey[0]);
  return col && INTEGER_TYPES.has(col.dataType.toLowerCase()) ? col.name : undefined;
}

/** How many ranges a table gets for `jobs` readers (1: not split). */
export function rangeCount(t: Pick<TableInfo, 'estimatedBytes' | 'estimatedRows'>, jobs: number): number {
  if (jobs <= 1) return 1;
  if (t.estimatedBytes > 0) return t.estimatedBytes >= SPLIT_BYTES ? Math.min(jobs, Math.ceil(t.estimatedBytes / SPLIT_BYTES)) : 1;
  return t.estimatedRows >= SPLIT_ROWS ? Math.min(jobs, Math.ceil(t.estimatedRows / SPLIT_ROWS)) : 1;
}

/**
 * Boundaries splitting `[min, max]` into `parts` ranges of equal key width: `parts - 1` values,
 * ascending, each the start of a range. Fewer when the keys are too close to split that often.
 *
 * @example
 * splitKeyRange(1n, 100n, 4) // [26n, 51n, 76n]
 */
export function splitKeyRange(min: bigint, max: bigint, parts: number): bigint[] {
  const width = max - min + 1n;
  if (parts <= 1 || width <= 1n) return [];
  const n = BigInt(parts) > width ? width : BigInt(parts);
  const out: bigint[] = [];
  for (let i = 1n; i < n; i++) out.push(min + (width * i) / n);
  return out;
}

/**
 * The chunks of one table: one, or one per key range when `bounds` (from `splitKeyRange`) split it.
 */
export function tableChunks(t: TableInfo, database: string, column: string | undefined, bounds: readonly bigint[]): MySqlSnapshotChunk[] {
  const base = { tableKey: tableKeyOf(t), format: 'text' as const, database, table: t.name, columns: t.columns };
  if (!column || bounds.length === 0) return [{ ...base, chunkNo: 0, estimatedRows: t.estimatedRows }];
  const parts = bounds.length + 1;
  return Array.from({ length: parts }, (_, i) => ({
    ...base,
    chunkNo: i,
    estimatedRows: Math.round(t.estimatedRows / parts),
    range: {
      column,
      ...(i > 0 ? { from: bounds[i - 1]!.toString() } : {}),
      ...(i < parts - 1 ? { to: bounds[i]!.toString() } : {}),
    },
  }));
}

/**
 * The SELECT of a chunk: the columns (FLOAT read as DOUBLE, `mysqlSelectExpression`), the key range
 * as integer literals (exact for every width, unlike a comparison with a string parameter).
 *
 * @example
 * chunkSelectSql(chunk, table) // SELECT `id`, `v` FROM `shop`.`t` WHERE `id` >= 26 AND `id` < 51
 */
export function chunkSelectSql(chunk: MySqlSnapshotChunk, table: MySqlTable): string {
  const cols = chunk.columns.map((name) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`internal: ${chunk.table} has no column ${name}`);
    return mysqlSelectExpression(c, mysqlIdent(c.name));
  });
  const where: string[] = [];
  const r = chunk.range;
  const lit = (v: string) => {
    if (!/^-?\d+$/.test(v)) throw new Error(`internal: key bound ${JSON.stringify(v)} is not an integer`);
    return v;
  };
  if (r?.from !== undefined) where.push(`${mysqlIdent(r.column)} >= ${lit(r.from)}`);
  if (r?.to !== undefined) where.push(`${mysqlIdent(r.column)} < ${lit(r.to)}`);
  return `SELECT ${cols.join(', ')} FROM ${mysqlIdent(chunk.database)}.${mysqlIdent(chunk.table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}
