import { CommandLock } from '../core/lock.js';
import type { MetaStore } from '../core/meta-store.js';
import { CutoverState } from './cutover/cutover-state.js';

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

/**
 * Which database the change queue is applied to in this phase of a live migration: the target until
 * the cutover to target completes; with a fall-back, then the source until the cutover to source
 * completes; undefined once no importer will read the queue again.
 */
export function queueConsumerNow(meta: MetaStore): 'target' | 'source' | undefined {
  const toTarget = CutoverState.get(meta, 'to_target');
  if (toTarget.status !== 'COMPLETED') return 'target';
  return toTarget.prepareForFallBack && CutoverState.get(meta, 'to_source').status !== 'COMPLETED' ? 'source' : undefined;
}

/**
 * The streaming commands this phase of a live migration needs that no process runs now: the
 * source's exporter and the target's importer until the cutover to target completes; with a
 * fall-back, then the target's exporter and the source's importer until the cutover to source
 * completes (`carriedOut`: each may be carried out by the process that went on as it). A command
 * that died, or was never started, is easy to miss in a list of what runs, and a fall-back that
 * stopped leaves the source behind with nothing said.
 */
export function neededButStopped(meta: MetaStore, metainfoDir: string): StreamingCommand[] {
  const type = meta.getValue<string>('export_type');
  if (type !== 'snapshot-and-changes' && type !== 'changes-only') return [];
  const commands = Object.keys(STREAMING_COMMANDS) as StreamingCommand[];
  const consumer = queueConsumerNow(meta);
  const needed = consumer === 'target' ? commands.slice(0, 2) : consumer === 'source' ? commands.slice(2) : [];
  return needed.filter((c) => !carriedOut(metainfoDir, c));
}

/**
 * Whether a process carries out `command` now: its own, or one that goes on as it after the cutover
 * to target: the source's exporter as import data to source, the target's importer as export data
 * from target (which takes that command's lock only once it starts streaming: measured before,
 * cutover status said the fall-back stream was stopped in that moment; the soak-pg-49 run).
 */
export function carriedOut(metainfoDir: string, command: StreamingCommand): boolean {
  return isRunning(metainfoDir, command)
    || (command === 'import data to source' && isRunning(metainfoDir, 'export data from source'))
    || (command === 'export data from target' && isRunning(metainfoDir, 'import data to target'));
}
