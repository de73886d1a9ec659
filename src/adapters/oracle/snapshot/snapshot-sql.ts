import { oracleTypeFamily, type OracleColumn, type OracleTable } from '../values/oracle-type.js';

/**
 * The snapshot's SQL (pure). Every reader reads the same SCN with a flashback query
 * (`AS OF SCN :scn`), so all parallel chunks see one consistent state, and the change capture starts
 * from that SCN (`capture/oracle-position.ts`, `snapshotStart`): commits at or before it are in the
 * snapshot, later ones in the stream.
 *
 * The select list reads every date-time and interval through TO_CHAR with an explicit format (the
 * thin driver would otherwise decode them into JavaScript Dates), TIMESTAMP WITH LOCAL TIME ZONE as
 * UTC, XMLTYPE serialised; NUMBER, LOBs and ROWIDs come as text and RAW/BLOB as bytes through the
 * session's fetch handler (`connection.ts`). Columns are aliased C0, C1… in table order.
 */

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The table as `"OWNER"."NAME"`. */
export function qualifiedOracleName(schema: string, name: string): string {
  return `${q(schema)}.${q(name)}`;
}

/** The select-list expression that reads one column in the form `oracleToPgText` expects. */
export function selectExpression(col: OracleColumn, alias = 't'): string {
  const c = `${alias}.${q(col.name)}`;
  switch (oracleTypeFamily(col.type)) {
    case 'date': return `TO_CHAR(${c}, 'SYYYY-MM-DD HH24:MI:SS')`;
    case 'timestamp': return `TO_CHAR(${c}, 'SYYYY-MM-DD HH24:MI:SS.FF9')`;
    case 'timestamp_tz': return `TO_CHAR(${c}, 'SYYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM')`;
    case 'timestamp_ltz': return `TO_CHAR(SYS_EXTRACT_UTC(${c}), 'SYYYY-MM-DD HH24:MI:SS.FF9')`;
    case 'interval_ym': case 'interval_ds': return `TO_CHAR(${c})`;
    case 'xmltype': return `XMLSERIALIZE(CONTENT ${c} AS CLOB)`;
    case 'rowid': return `ROWIDTOCHAR(${c})`;
    default: return c;
  }
}

/** The columns a snapshot copies: every column but virtual ones (the target computes those). */
export function copiedColumns(table: OracleTable): OracleColumn[] {
  return table.columns.filter((c) => !c.virtual);
}

/** One unit of snapshot work: a query and its binds, producing rows with C0…Cn. */
export interface OracleSnapshotChunk {
  readonly tableKey: string;
  readonly chunkNo: number;
  readonly sql: string;
  readonly binds: Readonly<Record<string, string>>;
}

/** `SELECT <columns> FROM "S"."T" AS OF SCN :scn t [WHERE <range>]`. */
export function snapshotQuery(table: OracleTable, where?: string): string {
  const cols = copiedColumns(table).map((c, i) => `${selectExpression(c)} AS C${i}`).join(', ');
  return `SELECT ${cols} FROM ${qualifiedOracleName(table.schema, table.name)} AS OF SCN :scn t${where ? ` WHERE ${where}` : ''}`;
}

/**
 * ROWID ranges of a table's extents, cut into about `:chunks` groups of extents (per data object:
 * each partition has its own). Each range is half-open, [first block's row 0, the block after the
 * last one's row 0), so no row can fall between two ranges or into two. DBA_EXTENTS is readable with
 * SELECT_CATALOG_ROLE (the spec grants it). Binds: :owner, :tableName, :chunks.
 */
export const ROWID_RANGES_SQL = `SELECT GRP,
       ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, DATA_OBJECT_ID, LO_FNO, LO_BLOCK, 0)) AS LO_ROWID,
       ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, DATA_OBJECT_ID, HI_FNO, HI_BLOCK + 1, 0)) AS HI_ROWID
  FROM (SELECT GRP, DATA_OBJECT_ID,
               MIN(RELATIVE_FNO) KEEP (DENSE_RANK FIRST ORDER BY RELATIVE_FNO, BLOCK_ID) AS LO_FNO,
               MIN(BLOCK_ID) KEEP (DENSE_RANK FIRST ORDER BY RELATIVE_FNO, BLOCK_ID) AS LO_BLOCK,
               MAX(RELATIVE_FNO) KEEP (DENSE_RANK LAST ORDER BY RELATIVE_FNO, BLOCK_ID) AS HI_FNO,
               MAX(BLOCK_ID + BLOCKS - 1) KEEP (DENSE_RANK LAST ORDER BY RELATIVE_FNO, BLOCK_ID) AS HI_BLOCK
          FROM (SELECT e.RELATIVE_FNO, e.BLOCK_ID, e.BLOCKS, o.DATA_OBJECT_ID,
                       NTILE(:chunks) OVER (ORDER BY o.DATA_OBJECT_ID, e.RELATIVE_FNO, e.BLOCK_ID) AS GRP
                  FROM DBA_EXTENTS e
                  JOIN DBA_OBJECTS o ON o.OWNER = e.OWNER AND o.OBJECT_NAME = e.SEGMENT_NAME
                   AND NVL(o.SUBOBJECT_NAME, '-') = NVL(e.PARTITION_NAME, '-')
                   AND o.OBJECT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
                 WHERE e.OWNER = :owner AND e.SEGMENT_NAME = :tableName)
         GROUP BY GRP, DATA_OBJECT_ID)
 ORDER BY GRP, LO_ROWID`;

/** Segment size in blocks, to decide whether a table is worth splitting. Binds: :owner, :tableName. */
export const SEGMENT_BLOCKS_SQL = `SELECT NVL(SUM(BLOCKS), 0) AS BLOCKS FROM DBA_SEGMENTS WHERE OWNER = :owner AND SEGMENT_NAME = :tableName
   AND SEGMENT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')`;

/**
 * Chunks of one table from ROWID_RANGES_SQL's rows: one query per range, all at the same SCN. A
 * table without extents (no segment yet), an index-organized table (logical ROWIDs) or a query that
 * returned nothing: one chunk for the whole table.
 */
export function rowidChunks(table: OracleTable, ranges: readonly { LO_ROWID: unknown; HI_ROWID: unknown }[], scn: string): OracleSnapshotChunk[] {
  const tableKey = `${table.schema}.${table.name}`;
  if (table.indexOrganized || ranges.length <= 1) return [{ tableKey, chunkNo: 0, sql: snapshotQuery(table), binds: { scn } }];
  return ranges.map((r, i) => ({
    tableKey, chunkNo: i,
    sql: snapshotQuery(table, 't.ROWID >= CHARTOROWID(:lo) AND t.ROWID < CHARTOROWID(:hi)'),
    binds: { scn, lo: String(r.LO_ROWID), hi: String(r.HI_ROWID) },
  }));
}

/**
 * Boundaries for splitting by a single-column key (index-organized tables, or where DBA_EXTENTS is
 * not readable): the largest key of each of :chunks equal groups, as of the snapshot SCN. Binds:
 * :scn, :chunks.
 */
export function keyBoundariesSql(table: OracleTable, keyColumn: string): string {
  const k = q(keyColumn);
  return `SELECT TO_CHAR(MAX(${k})) AS BOUNDARY FROM (SELECT ${k}, NTILE(:chunks) OVER (ORDER BY ${k}) AS G FROM ${qualifiedOracleName(table.schema, table.name)} AS OF SCN :scn) GROUP BY G ORDER BY MAX(${k})`;
}

/**
 * Chunks by key range from the boundaries b1 < b2 < … < bn: (-∞, b1], (b1, b2], …, (b(n-1), +∞). The
 * last range is open so rows beyond the last boundary are copied too. A NUMBER key's boundaries are
 * compared as numbers (bound text converts with NLS_NUMERIC_CHARACTERS '.,'); a VARCHAR2 key's
 * byte-wise (NLS_COMP BINARY).
 */
export function keyRangeChunks(table: OracleTable, keyColumn: string, boundaries: readonly string[], scn: string): OracleSnapshotChunk[] {
  const tableKey = `${table.schema}.${table.name}`;
  const col = table.columns.find((c) => c.name === keyColumn);
  const numeric = col !== undefined && oracleTypeFamily(col.type) === 'number';
  const b = (name: string) => (numeric ? `TO_NUMBER(:${name})` : `:${name}`);
  const k = `t.${q(keyColumn)}`;
  const cuts = boundaries.slice(0, -1);
  if (cuts.length === 0) return [{ tableKey, chunkNo: 0, sql: snapshotQuery(table), binds: { scn } }];
  const chunks: OracleSnapshotChunk[] = [];
  for (let i = 0; i <= cuts.length; i++) {
    const parts: string[] = [];
    const binds: Record<string, string> = { scn };
    if (i > 0) { parts.push(`${k} > ${b('lo')}`); binds.lo = cuts[i - 1]!; }
    if (i < cuts.length) { parts.push(`${k} <= ${b('hi')}`); binds.hi = cuts[i]!; }
    chunks.push({ tableKey, chunkNo: i, sql: snapshotQuery(table, parts.join(' AND ')), binds });
  }
  return chunks;
}
