/**
 * The MySQL/MariaDB `SnapshotSource`: chunk planning (key ranges of big tables with a one-column
 * integer primary key) and readers at one consistent point (`openMySqlSnapshot`). A live export
 * opens its session through the change capture instead, with the same function and
 * `requirePosition: true`, so that the stream starts at the snapshot's binlog position.
 */
import type { TableInfo } from '../../../core/engine/catalog.js';
import type { SnapshotSource } from '../../../core/engine/snapshot.js';
import { readMySqlCatalog, mysqlIdent } from '../catalog.js';
import type { MySqlCatalog } from '../catalog-types.js';
import { withMySql, type MySqlDbConfig } from '../connection.js';
import { rangeCount, splitColumn, splitKeyRange, tableChunks, type MySqlSnapshotChunk } from './chunk-plan.js';
import { openMySqlSnapshot, type MySqlSnapshotSession, type OpenMySqlSnapshotOptions } from './consistent-snapshot.js';

export class MySqlSnapshotSource implements SnapshotSource {
  private catalog: MySqlCatalog | undefined;

  constructor(private readonly config: MySqlDbConfig, private readonly options: Omit<OpenMySqlSnapshotOptions, 'catalog'> = {}) {}

  /**
   * One chunk per table, except big tables (64 MB or more, `rangeCount`) with a one-column integer
   * primary key when `jobs` > 1: those get one key range per reader, from the key's current
   * minimum and maximum (the outer ranges are open, so later keys are still copied).
   */
  async planChunks(tables: readonly TableInfo[], jobs: number): Promise<MySqlSnapshotChunk[]> {
    return withMySql(this.config, async ({ connection, server }) => {
      this.catalog ??= await readMySqlCatalog(connection, server, this.config.database);
      const chunks: MySqlSnapshotChunk[] = [];
      for (const t of tables) {
        const mt = this.catalog.tables.find((x) => x.name === t.name);
        const column = mt ? splitColumn(mt) : undefined;
        const parts = rangeCount(t, jobs);
        let bounds: bigint[] = [];
        if (column && parts > 1) {
          const [rows] = await connection.query(`SELECT MIN(${mysqlIdent(column)}) AS lo, MAX(${mysqlIdent(column)}) AS hi FROM ${mysqlIdent(this.config.database)}.${mysqlIdent(t.name)}`);
          const r = (rows as { lo: string | null; hi: string | null }[])[0];
          if (r?.lo != null && r.hi != null) bounds = splitKeyRange(BigInt(r.lo), BigInt(r.hi), parts);
        }
        chunks.push(...tableChunks(t, this.config.database, column, bounds));
      }
      return chunks;
    });
  }

  /** `jobs` readers at one consistent point (see `openMySqlSnapshot`); the position is in the session. */
  async open(tables: readonly TableInfo[], jobs: number): Promise<MySqlSnapshotSession> {
    return openMySqlSnapshot(this.config, tables, jobs, { ...this.options, ...(this.catalog ? { catalog: this.catalog } : {}) });
  }
}
