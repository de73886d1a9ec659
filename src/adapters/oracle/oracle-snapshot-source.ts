import type { DbConfig } from '../../core/db-config.js';
import { log } from '../../core/logger.js';
import { tableKeyOf, type TableInfo } from '../../core/engine/catalog.js';
import { SnapshotFileWriter } from '../../core/snapshot-file-writer.js';
import type { CopyToFilesOptions, SnapshotChunk, SnapshotReader, SnapshotSession, SnapshotSource } from '../../core/engine/snapshot.js';
import type { OracleSession } from './connection.js';
import { CURRENT_SCN_SQL } from './capture/logminer-sql.js';
import { isOracleMissingTable } from './oracle-errors.js';
import { oracleTableOf, type OracleTableInfo } from './oracle-names.js';
import { openDataSession, withDataSession } from './oracle-sessions.js';
import { OracleCopyRowEncoder } from './snapshot/copy-text-row.js';
import { partQuery, partsFor, rowidRangesFromRows, type RowidRange } from './snapshot/rowid-parts.js';
import { ROWID_RANGES_SQL, SEGMENT_BLOCKS_SQL } from './snapshot/snapshot-sql.js';
import type { OracleTable } from './values/oracle-type.js';

/**
 * Snapshot reading on Oracle: every chunk is a flashback query `AS OF SCN` the snapshot's SCN, so
 * the readers need no shared transaction, each on its own session; rows are encoded as text-format
 * COPY rows in CopyData framing (`snapshot/copy-text-row.ts`) into part files by the writer MySQL
 * uses too (`core/snapshot-file-writer.ts`).
 * A big heap table is read in parts by ROWID ranges computed once after the SCN (`snapshot/rowid-parts.ts`).
 *
 * NOT RUN AGAINST A LIVE ORACLE. The chunk plan, the part queries, the row encoding and the part
 * files are pure or local and tested; the sessions and the SQL's behaviour on a server are not.
 */

/** A chunk of the Oracle snapshot: part `part` of `parts` of one table. */
export interface OracleSnapshotChunk extends SnapshotChunk {
  readonly table: OracleTable;
  readonly part: number;
  readonly parts: number;
}

/** Rows fetched per round trip while copying. */
const FETCH_ROWS = 1000;

/** The chunks of `tables` for `parallelJobs` readers, given each big table's size in blocks (pure). */
export function planOracleChunks(tables: readonly OracleTableInfo[], blocks: ReadonlyMap<string, number>, parallelJobs: number): OracleSnapshotChunk[] {
  const out: OracleSnapshotChunk[] = [];
  for (const t of tables) {
    const parts = partsFor(t.oracle, blocks.get(t.oracle.name) ?? 0, parallelJobs);
    for (let part = 0; part < parts; part++) {
      out.push({
        tableKey: tableKeyOf(t), chunkNo: part, format: 'text', estimatedRows: Math.ceil(t.estimatedRows / parts),
        table: t.oracle, part, parts,
      });
    }
  }
  return out;
}

function oracleChunkOf(c: SnapshotChunk): OracleSnapshotChunk {
  const o = c as Partial<OracleSnapshotChunk>;
  if (!o.table || o.part === undefined || o.parts === undefined) throw new Error(`internal: chunk ${c.tableKey}.${c.chunkNo} was not planned by the Oracle snapshot source`);
  return o as OracleSnapshotChunk;
}

/** The ROWID ranges of each split table, read once per snapshot (after its SCN) and shared by its readers. */
class RowidRanges {
  private readonly byTable = new Map<string, Promise<RowidRange[] | undefined>>();

  constructor(private readonly session: OracleSession) {}

  get(table: OracleTable, parts: number): Promise<RowidRange[] | undefined> {
    const key = `${table.name}\u0000${parts}`;
    let p = this.byTable.get(key);
    if (!p) {
      p = this.session.query(ROWID_RANGES_SQL, { owner: table.schema, tableName: table.name, chunks: parts }).then(rowidRangesFromRows, (e: unknown) => {
        // Not visible (no SELECT_CATALOG_ROLE): read the table whole, in one part.
        if (isOracleMissingTable(e)) {
          log.warn(`ROWID ranges of ${table.schema}.${table.name} cannot be read (DBA_EXTENTS); it is copied by one reader`);
          return undefined;
        }
        throw e;
      });
      this.byTable.set(key, p);
    }
    return p;
  }
}

/** Queues one fetch's row messages; waits while the disk is behind; throws the first write error. */
export async function writeRows(writer: SnapshotFileWriter, messages: readonly Buffer[]): Promise<void> {
  let room = true;
  for (const m of messages) room = writer.push(m);
  if (!room) await writer.whenDrained();
}

/** One reading session at the snapshot's SCN. */
export class OracleSnapshotReader implements SnapshotReader {
  constructor(private readonly session: OracleSession, private readonly scn: string, private readonly ranges: RowidRanges) {}

  async copyToFiles(snapshotChunk: SnapshotChunk, options: CopyToFilesOptions): Promise<{ rows: number; parts: number }> {
    const chunk = oracleChunkOf(snapshotChunk);
    const ranges = chunk.parts > 1 ? await this.ranges.get(chunk.table, chunk.parts) : undefined;
    const query = partQuery(chunk.table, chunk.part, chunk.parts, this.scn, ranges);
    const writer = new SnapshotFileWriter(options);
    try {
      if (query) {
        const encoder = new OracleCopyRowEncoder(chunk.table);
        await this.session.stream(query.sql, query.binds, FETCH_ROWS, (rows) => writeRows(writer, rows.map((r) => encoder.encode(r))));
      }
      return await writer.finish();
    } catch (e) {
      await writer.abort();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/**
 * Opens `count` readers at `scn` (and the session the ROWID ranges are read on). On failure the
 * sessions opened so far are closed.
 */
export async function openSnapshotReaders(db: DbConfig, scn: string, count: number): Promise<SnapshotSession> {
  const sessions: OracleSession[] = [];
  try {
    for (let i = 0; i < count + 1; i++) sessions.push(await openDataSession(db));
  } catch (e) {
    await Promise.all(sessions.map((s) => s.close()));
    throw e;
  }
  const [rangeSession, ...readerSessions] = sessions as [OracleSession, ...OracleSession[]];
  const ranges = new RowidRanges(rangeSession);
  const readers = readerSessions.map((s) => new OracleSnapshotReader(s, scn, ranges));
  return {
    readers,
    description: `SCN ${scn}`,
    close: async () => { await Promise.all(sessions.map((s) => s.close())); },
  };
}

export class OracleSnapshotSource implements SnapshotSource {
  constructor(private readonly db: DbConfig) {}

  async planChunks(tables: readonly TableInfo[], jobs: number): Promise<SnapshotChunk[]> {
    const infos = tables.map((t) => ({ ...t, oracle: oracleTableOf(t) }) as OracleTableInfo);
    const blocks = new Map<string, number>();
    if (jobs > 1) {
      await withDataSession(this.db, async (s) => {
        for (const t of infos) {
          if (t.oracle.indexOrganized) continue;
          const r = await s.query(SEGMENT_BLOCKS_SQL, { owner: t.oracle.schema, tableName: t.oracle.name }).catch((e: unknown) => {
            if (isOracleMissingTable(e)) return [];
            throw e;
          });
          blocks.set(t.oracle.name, Number(r[0]?.BLOCKS ?? 0));
        }
      });
    }
    return planOracleChunks(infos, blocks, jobs);
  }

  /** An offline snapshot: every reader at CURRENT_SCN, read once. */
  async open(_tables: readonly TableInfo[], readers: number): Promise<SnapshotSession> {
    const scn = await withDataSession(this.db, async (s) => String((await s.query(CURRENT_SCN_SQL))[0]!.SCN));
    return openSnapshotReaders(this.db, scn, readers);
  }
}
