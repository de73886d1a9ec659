import type { DbConfig } from '../../core/db-config.js';
import { openOracleSession, type OracleSession } from './connection.js';
import { oracleConnectOptions, oracleLogin, oracleTnsEnv } from './oracle-config.js';

/**
 * Opening the Oracle sessions the roles use: the data session (the database holding the migrated
 * schema: a non-CDB, or the PDB) and, for LogMiner, the mining session (the same database, or
 * CDB$ROOT when the data lives in a PDB: LogMiner runs only in the root there).
 *
 * NOT RUN AGAINST A LIVE ORACLE. The choice of the mining session (`miningTargetOf`) is pure and
 * unit-tested.
 */

/** Whether the database is a container database, and which container the session is in. Needs SELECT on V_$DATABASE (the spec grants it). */
export const CONTAINER_SQL = "SELECT CDB, SYS_CONTEXT('USERENV', 'CON_NAME') AS CON_NAME FROM V$DATABASE";

/** The current user as Oracle stores it (the prerequisite checks compare grants with it). */
export const CURRENT_USER_SQL = 'SELECT USER AS USERNAME FROM DUAL';

/** Where LogMiner runs for data in the container `CON_NAME`, and which PDB's redo it keeps. */
export interface MiningTarget {
  /** `cdb`: connect to CDB$ROOT (the CDB flags name it); `pdb`: mine in the data session's database. */
  readonly which: 'pdb' | 'cdb';
  /** The PDB whose rows the contents query keeps (SRC_CON_NAME), when mining in the root. */
  readonly pdb?: string;
}

/**
 * From CONTAINER_SQL's row: a PDB of a CDB is mined from the root, filtered to its own redo; a
 * non-CDB (or the root itself) is mined in place.
 */
export function miningTargetOf(row: Readonly<Record<string, unknown>>): MiningTarget {
  const cdb = String(row.CDB ?? 'NO').toUpperCase() === 'YES';
  const con = row.CON_NAME === null || row.CON_NAME === undefined ? '' : String(row.CON_NAME);
  if (!cdb || con === '' || con === 'CDB$ROOT') return { which: 'pdb' };
  return { which: 'cdb', pdb: con };
}

/** A session on the database holding the migrated schema. */
export function openDataSession(db: DbConfig): Promise<OracleSession> {
  return openOracleSession(oracleConnectOptions(db), oracleLogin(db), 'pdb', oracleTnsEnv(db));
}

/** Runs `fn` on a data session and closes it. */
export async function withDataSession<T>(db: DbConfig, fn: (s: OracleSession) => Promise<T>): Promise<T> {
  const s = await openDataSession(db);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/**
 * The mining session for the database `data` is connected to: `data` itself for a non-CDB (the
 * caller must not close it twice: `shared` says so), else a new session in CDB$ROOT.
 */
export async function openMiningSession(db: DbConfig, data: OracleSession): Promise<{ session: OracleSession; target: MiningTarget; shared: boolean }> {
  const target = miningTargetOf((await data.query(CONTAINER_SQL))[0] ?? {});
  if (target.which === 'pdb') return { session: data, target, shared: true };
  const session = await openOracleSession(oracleConnectOptions(db), oracleLogin(db), 'cdb', oracleTnsEnv(db));
  return { session, target, shared: false };
}
