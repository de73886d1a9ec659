import type { EngineCapabilities } from '../../core/engine/engine.js';

/** Oracle's capabilities, in a module of their own so the registry can answer without loading the driver. */
export const ORACLE_CAPABILITIES: EngineCapabilities = {
  writerSkipsTriggers: false, acknowledgesPositions: false, binarySnapshot: false, namesTargetSchema: true, streamOmitsForeignKeyActions: false, timesAsIntervals: false, keysLooserThanTarget: false,
};
