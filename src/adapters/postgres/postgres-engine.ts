import type { DbConfig } from '../../core/db-config.js';
import type { TargetEngine } from '../../core/engine/engine.js';
import { ybVersion } from '../yugabyte/cluster-settings.js';
import { PgChangeTarget } from './change-applier.js';
import { PgChangeCapture } from './pg-change-capture.js';
import { PgSourceCatalog } from './pg-catalog.js';
import { serverInfo, withPg } from './pg-connection.js';
import { PgFingerprintSide } from './pg-fingerprint-side.js';
import { PgMigrationMetadata } from './pg-migration-metadata.js';
import { exportPgSchema } from './pg-schema-export.js';
import { PgSequenceSync } from './pg-sequences.js';
import { PgSnapshotSource } from './pg-snapshot-source.js';
import { PgTargetDatabase } from './pg-target-database.js';
import { PG_CAPABILITIES } from './pg-capabilities.js';

/** "PostgreSQL 15.4" or "YugabyteDB 2024.2.0.0", from the server's `version()`. */
async function describeServer(db: DbConfig): Promise<string> {
  const info = await withPg(db, serverInfo);
  const yb = ybVersion(info.versionText);
  if (info.isYugabyte) return `YugabyteDB ${yb ? yb.join('.') : '(unknown version)'}`;
  return /^PostgreSQL \S+/.exec(info.versionText)?.[0] ?? `PostgreSQL (server_version_num ${info.versionNum})`;
}

/**
 * PostgreSQL 12+ and YugabyteDB (PostgreSQL's wire and replication protocol; what only YugabyteDB
 * needs is switched on by detecting it from `version()`, never by the type given). Every role is one
 * file of this folder; see docs/architecture.md.
 */
export function postgresEngine(type: 'postgresql' | 'yugabytedb'): TargetEngine {
  return {
    type,
    displayName: type === 'yugabytedb' ? 'YugabyteDB' : 'PostgreSQL',
    defaultPort: type === 'yugabytedb' ? 5433 : 5432,
    capabilities: PG_CAPABILITIES,
    targetSchemas: (db) => db.schemas,
    describeServer,
    openCatalog: (db) => PgSourceCatalog.open(db),
    exportSchema: exportPgSchema,
    snapshotSource: (db) => new PgSnapshotSource(db),
    changeCapture: (db, names) => new PgChangeCapture(db, names),
    changeWriter: (db, options) => new PgChangeTarget(db, options),
    sequences: (db) => new PgSequenceSync(db),
    comparisonSide: (db, label, maxConnections) => new PgFingerprintSide(label, db, maxConnections),
    migrationMetadata: (db) => new PgMigrationMetadata(db),
    targetDatabase: (db, onWarning) => new PgTargetDatabase(db, onWarning),
  };
}
