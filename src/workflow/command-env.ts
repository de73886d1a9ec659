import type { DbConfig } from '../core/db-config.js';
import type { MetaStore } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';

/**
 * Resolves one side's connection: the command's flags, environment and config file first, then
 * what meta.db remembers from an earlier command (nothing without `meta`: an export dir not set up
 * yet), then defaults. The password is only ever in memory; the command layer may ask for it on the
 * terminal unless `prompt` is false (a cutover never waits for someone to type).
 */
export type DbConfigResolver = (meta: MetaStore | undefined, role: 'source' | 'target', options?: {
  readonly prompt?: boolean;
  /** Nothing will connect (a schema converted from DDL files): no user, database name or password needed. */
  readonly offline?: boolean;
}) => Promise<DbConfig>;

/**
 * What every workflow entry point gets from the command layer besides its own typed options: its
 * name (the log file, messages), where to tell the user what happens, and how to resolve a
 * connection. The workflow never reads flags or prompts by itself.
 */
export interface CommandEnv {
  /** The command as typed, e.g. `export data from source` (the log file is `logs/export-data-from-source.log`). */
  readonly commandName: string;
  readonly reporter: Reporter;
  readonly resolveDb: DbConfigResolver;
}
