import { CommandLock } from '../core/lock.js';

/** The four long-running commands of a live migration, as the user types them, by the lock each holds in metainfo/. */
export const STREAMING_COMMANDS = {
  'export data from source': 'export-data',
  'import data to target': 'import-data',
  'export data from target': 'export-data-from-target',
  'import data to source': 'import-data-to-source',
} as const;

export type StreamingCommand = keyof typeof STREAMING_COMMANDS;

/** Whether a process runs `command` in the export dir whose metainfo/ this is. */
export function isRunning(metainfoDir: string, command: StreamingCommand): boolean {
  return CommandLock.holder(metainfoDir, STREAMING_COMMANDS[command]) !== undefined;
}
