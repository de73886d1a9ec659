import type { DbConfig } from '../../core/db-config.js';
import type { SourceEngine } from '../../core/engine/engine.js';
import { MYSQL_DEFAULT_PORT, withMySql } from './connection.js';
import { checkMySqlConfig, mysqlTargetSchemaOf } from './mysql-config.js';
import { MySqlChangeCapture } from './mysql-change-capture.js';
import { exportMySqlSchema } from './mysql-schema-export.js';
import { MySqlSourceCatalog } from './mysql-source-catalog.js';
import { MySqlWriteGuard } from './mysql-write-guard.js';
import { MySqlSnapshotSource } from './snapshot/mysql-snapshot-source.js';
import { MySqlComparisonSide } from './verify/mysql-comparison-side.js';
import { MySqlAutoIncrementSync } from './writer/auto-increment-sync.js';
import { MySqlChangeTarget } from './writer/mysql-change-target.js';
import { MySqlMigrationMetadata } from './writer/mysql-migration-metadata.js';
import { MYSQL_CAPABILITIES } from './mysql-capabilities.js';

/** Connects once and names the server: `MariaDB 10.11.19` or `MySQL 8.0.36`. */
async function describeServer(db: DbConfig): Promise<string> {
  return withMySql(db, async ({ server }) => server.label);
}

/**
 * MySQL 8.0+ and MariaDB 10.6+ as the migration's source, and as the database fall-back writes
 * into. Each role is one file or folder of this folder (docs/architecture.md, docs/mysql.md); the
 * driver (`mysql2`) is loaded with this file, which the registry imports only for a MySQL source.
 *
 * Run against MariaDB 10.11 here (test/integration/mysql/, test/e2e/mysql-live-fallback.test.ts);
 * MySQL 8's own paths follow its documentation (docs/limitations.md lists them).
 */
export function mysqlEngine(): SourceEngine {
  return {
    type: 'mysql',
    displayName: 'MySQL',
    defaultPort: MYSQL_DEFAULT_PORT,
    capabilities: MYSQL_CAPABILITIES,
    checkConfig: checkMySqlConfig,
    targetSchemas: (db) => [mysqlTargetSchemaOf(db)],
    describeServer,
    openCatalog: (db) => MySqlSourceCatalog.open(db),
    exportSchema: exportMySqlSchema,
    snapshotSource: (db) => new MySqlSnapshotSource(db),
    changeCapture: (db, names) => new MySqlChangeCapture(db, names),
    changeWriter: (db, options) => new MySqlChangeTarget(db, options),
    sequences: (db) => new MySqlAutoIncrementSync(db, mysqlTargetSchemaOf(db)),
    comparisonSide: (db, label, maxConnections) => new MySqlComparisonSide(db, label, maxConnections),
    migrationMetadata: (db) => new MySqlMigrationMetadata(db),
    writeGuard: (db) => new MySqlWriteGuard(db),
  };
}
