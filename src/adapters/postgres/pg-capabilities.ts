import type { EngineCapabilities } from '../../core/engine/engine.js';

/** PostgreSQL's and YugabyteDB's capabilities, in a module of their own so the registry can answer without loading the driver. */
export const PG_CAPABILITIES: EngineCapabilities = {
  writerSkipsTriggers: true, acknowledgesPositions: true, binarySnapshot: true, namesTargetSchema: false, streamOmitsForeignKeyActions: false, timesAsIntervals: false, keysLooserThanTarget: false,
};
