import type { OracleSession } from '../connection.js';
import type { OracleTable } from '../values/oracle-type.js';
import { OracleCopyRowEncoder } from './copy-text-row.js';
import { ROWID_RANGES_SQL, rowidChunks, SEGMENT_BLOCKS_SQL, snapshotQuery, type OracleSnapshotChunk } from './snapshot-sql.js';

/**
 * Reading the snapshot (I/O; the SQL and the row encoding are the tested pure parts). Every chunk is
 * a query AS OF the same SCN, so readers need no shared transaction: each runs on its own session.
 *
 * NOT RUN AGAINST A LIVE ORACLE.
 */

/** Tables larger than this many blocks (8 KB each: 64 MB) are split when several jobs run. */
const SPLIT_BLOCKS = 8192;

/** The chunks of the tables at `scn`: ROWID ranges for big heap tables with several jobs, else one per table. */
export async function planOracleSnapshotChunks(session: OracleSession, tables: readonly OracleTable[], scn: string, parallelJobs: number): Promise<OracleSnapshotChunk[]> {
  const out: OracleSnapshotChunk[] = [];
  for (const t of tables) {
    if (parallelJobs <= 1 || t.indexOrganized) {
      out.push({ tableKey: `${t.schema}.${t.name}`, chunkNo: 0, sql: snapshotQuery(t), binds: { scn } });
      continue;
    }
    const blocks = Number((await session.query(SEGMENT_BLOCKS_SQL, { owner: t.schema, tableName: t.name }))[0]?.BLOCKS ?? 0);
    if (blocks <= SPLIT_BLOCKS) {
      out.push({ tableKey: `${t.schema}.${t.name}`, chunkNo: 0, sql: snapshotQuery(t), binds: { scn } });
      continue;
    }
    const chunks = Math.min(parallelJobs, Math.ceil(blocks / SPLIT_BLOCKS));
    const ranges = await session.query(ROWID_RANGES_SQL, { owner: t.schema, tableName: t.name, chunks });
    out.push(...rowidChunks(t, ranges as { LO_ROWID: unknown; HI_ROWID: unknown }[], scn));
  }
  return out;
}

/**
 * Streams one chunk as CopyData messages (docs/positions.md §4) to `onMessages`, which is awaited
 * (the caller writes them into snapshot files). Returns the number of rows.
 */
export async function readOracleChunk(session: OracleSession, table: OracleTable, chunk: OracleSnapshotChunk, onMessages: (messages: Buffer[]) => Promise<void>, fetchRows = 1000): Promise<number> {
  const encoder = new OracleCopyRowEncoder(table);
  return session.stream(chunk.sql, chunk.binds, fetchRows, (rows) => onMessages(rows.map((r) => encoder.encode(r))));
}
