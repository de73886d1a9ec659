/**
 * The engine registry: the only way the workflow obtains anything engine-specific. Each engine
 * folder is imported lazily (`import()`), so a PostgreSQL migration never loads the MySQL or Oracle
 * driver. A new engine plugs in by exporting its `SourceEngine` from `adapters/<engine>/<engine>-engine.ts`
 * and adding one case below.
 */
import { TandemError } from '../core/errors.js';
import { ENGINE_TYPES, type EngineType, type SourceEngine, type TargetEngine } from '../core/engine/engine.js';

/** The engine of a database type (`--source-db-type`, `--target-db-type`, or what meta.db recorded). */
export async function loadEngine(type: EngineType | string): Promise<SourceEngine> {
  switch (checkType(type)) {
    case 'postgresql':
    case 'yugabytedb':
      return (await import('./postgres/postgres-engine.js')).postgresEngine(type as 'postgresql' | 'yugabytedb');
    case 'mysql':
    case 'oracle':
      throw notYetSupported(type);
  }
}

/** The engine of the migration's target, which also loads the snapshot and creates the schema. */
export async function loadTargetEngine(type: EngineType | string): Promise<TargetEngine> {
  switch (checkType(type)) {
    case 'postgresql':
    case 'yugabytedb':
      return (await import('./postgres/postgres-engine.js')).postgresEngine(type as 'postgresql' | 'yugabytedb');
    case 'mysql':
    case 'oracle':
      throw new TandemError('TANDEM_UNSUPPORTED', `The target must be YugabyteDB or PostgreSQL, not "${type}".`, { hint: 'Use --target-db-type yugabytedb.' });
  }
}

function checkType(type: string): EngineType {
  if (!(ENGINE_TYPES as readonly string[]).includes(type)) {
    throw new TandemError('TANDEM_USAGE', `Unknown database type "${type}"; Tandem knows ${ENGINE_TYPES.join(', ')}.`);
  }
  return type as EngineType;
}

function notYetSupported(type: string): TandemError {
  return new TandemError('TANDEM_UNSUPPORTED', `Source database type "${type}" is not supported yet; this version migrates PostgreSQL sources.`, {
    hint: 'Use --source-db-type postgresql.',
  });
}
