import type { EngineCapabilities } from '../../core/engine/engine.js';

/** MySQL's and MariaDB's capabilities, in a module of their own so the registry can answer without loading the driver. */
export const MYSQL_CAPABILITIES: EngineCapabilities = {
  writerSkipsTriggers: false, acknowledgesPositions: false, binarySnapshot: false, namesTargetSchema: true, streamOmitsForeignKeyActions: true, timesAsIntervals: true, keysLooserThanTarget: true,
};
