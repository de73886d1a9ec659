/**
 * The engine registry: the only way the workflow obtains anything engine-specific. Each engine
 * folder is imported lazily (`import()`), so a PostgreSQL migration never loads the MySQL or Oracle
 * driver. A new engine plugs in by exporting its `SourceEngine` from
 * `adapters/<engine>/<engine>-engine.ts` and filling in its line of `ENGINES` below.
 */
import { TandemError } from '../core/errors.js';
import { ENGINE_TYPES, type EngineCapabilities, type EngineType, type SourceEngine, type TargetEngine } from '../core/engine/engine.js';
import { MYSQL_CAPABILITIES } from './mysql/mysql-capabilities.js';
import { ORACLE_CAPABILITIES } from './oracle/oracle-capabilities.js';
import { PG_CAPABILITIES } from './postgres/pg-capabilities.js';

/** How to load each engine; undefined for an engine that is not plugged in yet. */
const ENGINES: Readonly<Record<EngineType, (() => Promise<SourceEngine>) | undefined>> = {
  postgresql: async () => (await import('./postgres/postgres-engine.js')).postgresEngine('postgresql'),
  yugabytedb: async () => (await import('./postgres/postgres-engine.js')).postgresEngine('yugabytedb'),
  mysql: async () => (await import('./mysql/mysql-engine.js')).mysqlEngine(),
  oracle: async () => (await import('./oracle/oracle-engine.js')).oracleEngine(),
};

/** The source types that are plugged in, in `--source-db-type` order (for messages): postgresql, oracle, … */
export const SOURCE_TYPES: readonly EngineType[] = ENGINE_TYPES.filter((t) => t !== 'yugabytedb' && ENGINES[t] !== undefined);

const DISPLAY: Readonly<Record<EngineType, string>> = { postgresql: 'PostgreSQL', mysql: 'MySQL', oracle: 'Oracle', yugabytedb: 'YugabyteDB' };

/** Each engine's capabilities (the same object its `SourceEngine` carries), without loading its driver. */
const CAPABILITIES: Readonly<Record<EngineType, EngineCapabilities>> = {
  postgresql: PG_CAPABILITIES, yugabytedb: PG_CAPABILITIES, mysql: MYSQL_CAPABILITIES, oracle: ORACLE_CAPABILITIES,
};

/**
 * An engine's display name and capabilities without loading it (`initiate cutover` is part of the
 * application's downtime, and loading a driver costs it 0.1-0.3 s).
 */
export function engineFacts(type: EngineType | string): { readonly displayName: string; readonly capabilities: EngineCapabilities } {
  const t = checkEngineType(type);
  return { displayName: DISPLAY[t], capabilities: CAPABILITIES[t] };
}

/** "this version migrates PostgreSQL and Oracle sources" and its hint, for a source type Tandem cannot migrate. */
export function unsupportedSource(type: string): TandemError {
  const names = SOURCE_TYPES.map((t) => DISPLAY[t]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
  return new TandemError('TANDEM_UNSUPPORTED', `Source database type "${type}" is not supported yet; this version migrates ${list} sources.`, {
    hint: `Use --source-db-type ${SOURCE_TYPES.join(' or ')}.`,
  });
}

/** The types that can be the migration's target (they play the target's own roles too). */
const TARGET_TYPES: readonly EngineType[] = ['yugabytedb', 'postgresql'];

/**
 * Checks a database type before anything connects: an unknown type is TANDEM_USAGE, an engine that
 * is not plugged in yet TANDEM_UNSUPPORTED.
 */
export function checkEngineType(type: string): EngineType {
  if (!(ENGINE_TYPES as readonly string[]).includes(type)) {
    throw new TandemError('TANDEM_USAGE', `Unknown database type "${type}"; Tandem knows ${ENGINE_TYPES.join(', ')}.`);
  }
  if (!ENGINES[type as EngineType]) throw unsupportedSource(type);
  return type as EngineType;
}

/** The engine of a database type (`--source-db-type`, `--target-db-type`, or what meta.db recorded). */
export async function loadEngine(type: EngineType | string): Promise<SourceEngine> {
  return ENGINES[checkEngineType(type)]!();
}

/** The engine of the migration's target, which also loads the snapshot and creates the schema. */
export async function loadTargetEngine(type: EngineType | string): Promise<TargetEngine> {
  if ((ENGINE_TYPES as readonly string[]).includes(type) && !TARGET_TYPES.includes(type as EngineType)) {
    throw new TandemError('TANDEM_UNSUPPORTED', `The target must be YugabyteDB or PostgreSQL, not "${type}".`, { hint: 'Use --target-db-type yugabytedb.' });
  }
  const engine = await loadEngine(type);
  if (!('targetDatabase' in engine)) throw new Error(`internal: the ${engine.displayName} engine does not play the target's roles`);
  return engine as TargetEngine;
}
