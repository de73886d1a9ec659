import type { DbConfig } from '../../core/db-config.js';
import type { TableInfo } from '../../core/engine/catalog.js';
import type { SnapshotChunk, SnapshotSession, SnapshotSource } from '../../core/engine/snapshot.js';
import { serverInfo, withPg } from './pg-connection.js';
import { pgTableOf } from './pg-catalog.js';
import { exportSnapshotPoint, planSnapshotChunks, PgSnapshotReader } from './snapshot-reader.js';

/**
 * Opens `count` readers on the exported snapshot `snapshotName`, then calls `release` (the snapshot
 * lives only until its owner moves on, so every reader must attach first). On failure the readers
 * opened so far are closed; `release` runs either way.
 */
export async function attachSnapshotReaders(db: DbConfig, snapshotName: string, count: number, release: () => Promise<void>): Promise<SnapshotSession> {
  const readers: PgSnapshotReader[] = [];
  try {
    // Every reader attaches before the snapshot's owner moves on (the snapshot dies with it).
    for (let i = 0; i < count; i++) readers.push(await PgSnapshotReader.attach(db, snapshotName));
  } catch (e) {
    await Promise.all(readers.map((r) => r.close()));
    throw e;
  } finally {
    await release();
  }
  return {
    readers,
    description: `snapshot ${snapshotName}`,
    close: async () => { await Promise.all(readers.map((r) => r.close())); },
  };
}

/**
 * Snapshot reading on PostgreSQL: one plain COPY per table, or with several jobs one ctid range per
 * job for big tables (PostgreSQL 14+), one chunk per leaf partition; binary COPY where no value
 * embeds a type OID. An offline export's readers attach to a snapshot exported from a REPEATABLE
 * READ transaction (`pg_export_snapshot`).
 */
export class PgSnapshotSource implements SnapshotSource {
  constructor(private readonly db: DbConfig) {}

  async planChunks(tables: readonly TableInfo[], jobs: number): Promise<SnapshotChunk[]> {
    const info = await withPg(this.db, serverInfo);
    return planSnapshotChunks(tables.map(pgTableOf), { parallelJobs: jobs, serverVersionNum: info.versionNum });
  }

  async open(_tables: readonly TableInfo[], readers: number): Promise<SnapshotSession> {
    const point = await exportSnapshotPoint(this.db);
    return attachSnapshotReaders(this.db, point.snapshotName, readers, () => point.release());
  }
}
