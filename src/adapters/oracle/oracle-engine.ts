import type { DbConfig } from '../../core/db-config.js';
import type { SourceEngine } from '../../core/engine/engine.js';
import { checkOracleConfig, targetSchemaOf } from './oracle-config.js';
import { OracleSourceCatalog } from './oracle-catalog.js';
import { OracleChangeCapture } from './oracle-change-capture.js';
import { OracleChangeWriter } from './oracle-change-writer.js';
import { OracleFingerprintSide } from './oracle-fingerprint-side.js';
import { OracleMigrationMetadata } from './oracle-migration-metadata.js';
import { convertOracleSchemaFiles, exportOracleSchema } from './oracle-schema-export.js';
import { OracleSequenceSync } from './oracle-sequences.js';
import { withDataSession } from './oracle-sessions.js';
import { OracleSnapshotSource } from './oracle-snapshot-source.js';
import { OracleWriteGuard } from './oracle-write-guard.js';
import { ORACLE_CAPABILITIES } from './oracle-capabilities.js';

/** The server's banner line. */
export const BANNER_SQL = "SELECT BANNER_FULL AS BANNER FROM V$VERSION WHERE BANNER_FULL LIKE 'Oracle%' AND ROWNUM = 1";

/** "Oracle Database 19c Enterprise Edition Release 19.0.0.0.0" from the banner (its first line). */
export function serverName(banner: string | undefined): string {
  const line = (banner ?? '').split(/\r?\n/)[0]!.trim();
  return line === '' ? 'Oracle (version not readable)' : line.replace(/ - .*$/, '');
}

async function describeServer(db: DbConfig): Promise<string> {
  return withDataSession(db, async (s) => {
    const r = await s.query(BANNER_SQL).catch(() => s.query("SELECT BANNER FROM V$VERSION WHERE BANNER LIKE 'Oracle%' AND ROWNUM = 1"));
    return serverName(r[0]?.BANNER === undefined ? undefined : String(r[0].BANNER));
  });
}

/**
 * Oracle 19c+ (and RDS) as the migration's source, and as the database fall-back writes into. Each
 * role is one file of this folder (docs/architecture.md, docs/oracle.md). The driver (`oracledb`,
 * thin mode) is loaded on the first connection only (`connection.ts`).
 *
 * NOT RUN AGAINST A LIVE ORACLE: no Oracle server can run where Tandem is built. The pure parts of
 * every role are tested (test/unit/oracle/); the I/O around them is written to Oracle's documentation
 * and listed in docs/limitations.md.
 */
export function oracleEngine(): SourceEngine {
  return {
    type: 'oracle',
    displayName: 'Oracle',
    defaultPort: 1521,
    capabilities: ORACLE_CAPABILITIES,
    unquotedNameCase: 'upper',
    checkConfig: checkOracleConfig,
    targetSchemas: (db) => [targetSchemaOf(db)],
    describeServer,
    openCatalog: (db) => OracleSourceCatalog.open(db),
    exportSchema: exportOracleSchema,
    convertSchemaFiles: convertOracleSchemaFiles,
    snapshotSource: (db) => new OracleSnapshotSource(db),
    changeCapture: (db, names) => new OracleChangeCapture(db, names),
    changeWriter: (db, options) => new OracleChangeWriter(db, options),
    sequences: (db) => new OracleSequenceSync(db),
    comparisonSide: (db, label, maxConnections) => new OracleFingerprintSide(label, db, maxConnections),
    migrationMetadata: (db) => new OracleMigrationMetadata(db),
    writeGuard: (db) => new OracleWriteGuard(db),
  };
}
