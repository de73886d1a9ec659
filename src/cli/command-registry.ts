import type { CommandContext } from './command-context.js';
import { COMMON_OPTIONS, EXPORT_DIR_OPTION, ORACLE_CONNECTION_OPTIONS, ORACLE_WALLET_PASSWORD, connectionOptions, type OptionSpec } from './option-spec.js';

/**
 * One `tandem` command: its words (the spec's grammar), flags (with their defaults: the one place
 * they are written), config section and handler. A handler (`commands/`) turns the resolved flags
 * into the workflow's typed options and runs the workflow with a reporter.
 */
export interface CommandSpec {
  readonly words: readonly string[];
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Config file section; commands that are one step share one (`export data` = `export data from source`). */
  readonly configSection: string;
  /** Loaded lazily so a command only loads the workflow, engines and drivers it needs. */
  readonly handler: () => Promise<(ctx: CommandContext) => Promise<void>>;
}

/** Every source connection flag, Oracle's own included (export schema, export data from source). */
const SOURCE = [...connectionOptions('source'), ...ORACLE_CONNECTION_OPTIONS, ORACLE_WALLET_PASSWORD];
const TARGET = connectionOptions('target', { withType: false });
const TARGET_PASSWORD = TARGET.filter((o) => o.name === 'target-db-password');
/** The source's secrets, for commands that take the other settings from meta.db. */
const SOURCE_PASSWORD = SOURCE.filter((o) => o.name === 'source-db-password' || o.name === ORACLE_WALLET_PASSWORD.name);
const SOURCE_PASSWORD_FOR_VERIFY: OptionSpec[] = SOURCE_PASSWORD.map((o) => ({ ...o, description: `${o.description}; used to verify both sides at cutover` }));
const TARGET_PASSWORD_FOR_VERIFY: OptionSpec[] = TARGET_PASSWORD.map((o) => ({ ...o, description: `${o.description}; used to verify both sides at cutover` }));
const OUTPUT_TABLE_JSON: OptionSpec = { name: 'output-format', kind: 'enum', choices: ['table', 'json'], defaultValue: 'table', description: 'table or json' };
const TABLE_FILTERS: OptionSpec[] = [
  { name: 'table-list', kind: 'string', description: 'comma-separated tables to include ([schema.]table; quote mixed-case names)' },
  { name: 'exclude-table-list', kind: 'string', description: 'comma-separated tables to leave out' },
];
const withCommon = (...opts: OptionSpec[]): OptionSpec[] => [EXPORT_DIR_OPTION, ...opts, ...COMMON_OPTIONS];
/** For a source whose writer cannot skip triggers and foreign keys (Oracle, MySQL): consent to switching them off for fall-back writes. */
const DISABLE_TRIGGERS_AND_FKS: OptionSpec = {
  name: 'disable-triggers-and-fks', kind: 'bool', defaultValue: false,
  description: 'fall-back into an Oracle or MySQL source: before the first fall-back write let Tandem switch off what acts on the written tables (Oracle: disable the triggers, foreign keys and GENERATED ALWAYS identities; MySQL: drop the triggers, their definitions recorded) and switch exactly those on again at the cutover to source (without it, Tandem prints the scripts and waits for a DBA to run them; left out on a later run, the choice an earlier one recorded holds)',
};

const EXPORT_DATA_OPTIONS = withCommon(
  ...SOURCE, ...TARGET_PASSWORD_FOR_VERIFY,
  { name: 'export-type', kind: 'enum', choices: ['snapshot-only', 'snapshot-and-changes', 'changes-only'], description: 'snapshot-only (offline), snapshot-and-changes or changes-only (live migration) (default: snapshot-only; a rerun in an export dir whose export has begun continues its type)' },
  ...TABLE_FILTERS,
  { name: 'parallel-jobs', kind: 'int', description: 'connections reading the snapshot in parallel (default: chosen from this machine\'s cores and the tables\' sizes; after a cutover with fall-back, 4 channels)' },
  { name: 'start-clean', kind: 'bool', defaultValue: false, description: 'discard a previous data export in this export dir and start again' },
  DISABLE_TRIGGERS_AND_FKS,
);
const IMPORT_DATA_OPTIONS = withCommon(
  ...TARGET, ...SOURCE_PASSWORD_FOR_VERIFY,
  { name: 'parallel-jobs', kind: 'int', description: 'connections loading batches in parallel, spread over all YugabyteDB nodes (default: chosen from this machine\'s cores and the target\'s nodes, then tuned from the measured rows/s and, on YugabyteDB 2.21+, from the nodes\' CPU and memory; the change import then uses 4 channels)' },
  { name: 'batch-size', kind: 'int', defaultValue: 100000, description: 'rows per batch; each batch commits with its progress record' },
  { name: 'wait-for-export', kind: 'int', defaultValue: 600, description: 'seconds to wait for "export data" to start in this export dir when it has not (the import may be started first), then fail' },
  { name: 'build-indexes', kind: 'bool', defaultValue: true, description: 'build each table\'s secondary indexes (schema/indexes) as soon as its rows are loaded, while other tables load; "import schema --post-snapshot-import" then builds only the rest (false: leave them all to it)' },
  // The spec: table-list and exclude-table-list are not supported in live migration (refused there).
  ...TABLE_FILTERS.map((o) => ({ ...o, description: `${o.description}; offline migration only (a live migration imports every exported table)` })),
);

const CUTOVER_COMMANDS: CommandSpec[] = [
  {
    words: ['initiate', 'cutover', 'to', 'target'], summary: 'switch to the target: stop the source stream at a marker, apply the rest, restore sequences',
    configSection: 'initiate-cutover-to-target',
    options: withCommon({ name: 'prepare-for-fall-back', kind: 'bool', defaultValue: false, description: 'keep the source in step with the target afterwards, so that you can switch back' },
      ...TARGET_PASSWORD.map((o) => ({ ...o, description: `${o.description}; used only with --prepare-for-fall-back true, to check again that the target user may stream changes when import data found it may not` }))),
    handler: async () => (await import('./commands/cutover-commands.js')).initiateCutoverToTarget,
  },
  {
    words: ['initiate', 'cutover', 'to', 'source'], summary: 'switch back to the source (after a cutover to target prepared for fall-back)',
    configSection: 'initiate-cutover-to-source', options: withCommon(),
    handler: async () => (await import('./commands/cutover-commands.js')).initiateCutoverToSource,
  },
  {
    words: ['cutover', 'status'], summary: 'state of each cutover direction and what it is waiting for',
    configSection: 'cutover-status', options: withCommon(OUTPUT_TABLE_JSON),
    handler: async () => (await import('./commands/cutover-commands.js')).cutoverStatus,
  },
  {
    words: ['export', 'data', 'from', 'target'], summary: 'stream the target\'s changes for fall-back (restarts the stream "import data to target" started)',
    configSection: 'export-data-from-target', options: withCommon(...TARGET_PASSWORD, ...SOURCE_PASSWORD_FOR_VERIFY),
    handler: async () => (await import('./commands/cutover-commands.js')).exportDataFromTarget,
  },
  {
    words: ['import', 'data', 'to', 'source'], summary: 'apply the target\'s changes to the source for fall-back (restarts what "export data from source" became)',
    configSection: 'import-data-to-source',
    options: withCommon(...SOURCE_PASSWORD, ...TARGET_PASSWORD_FOR_VERIFY, { name: 'parallel-jobs', kind: 'int', defaultValue: 4, description: 'parallel channels (fixed at the first run)' }, DISABLE_TRIGGERS_AND_FKS),
    handler: async () => (await import('./commands/cutover-commands.js')).importDataToSource,
  },
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['version'], summary: 'print the Tandem version', options: [], configSection: 'version',
    handler: async () => (await import('./version-command.js')).runVersion,
  },
  {
    words: ['export', 'schema'], summary: 'export the source schema as PostgreSQL DDL into <export-dir>/schema',
    configSection: 'export-schema',
    options: withCommon(...SOURCE,
      { name: 'source-ddl-files', kind: 'path', description: 'Oracle: convert the DDL in this .sql file, or in every DDL file under this directory (e.g. DBMS_METADATA.GET_DDL output), instead of reading it from the database: no connection, no password; needs --source-db-type oracle and --source-db-schema' },
      { name: 'include-grants', kind: 'bool', defaultValue: false, description: 'also export GRANT statements' },
      { name: 'start-clean', kind: 'bool', defaultValue: false, description: 'replace a previous schema export without asking' }),
    handler: async () => (await import('./commands/schema-commands.js')).exportSchema,
  },
  {
    words: ['analyze-schema'], summary: 'report what in the exported schema YugabyteDB does not support, with fixes',
    configSection: 'analyze-schema',
    options: withCommon(
      { name: 'output-format', kind: 'enum', choices: ['html', 'json', 'txt'], defaultValue: 'html', description: 'report format, written to <export-dir>/reports' },
      { name: 'target-db-version', kind: 'string', description: 'YugabyteDB version the schema is meant for (default 2024.2.0.0)' }),
    handler: async () => (await import('./commands/schema-commands.js')).analyzeSchema,
  },
  {
    words: ['import', 'schema'], summary: 'create the exported schema on the target', configSection: 'import-schema',
    options: withCommon(...TARGET,
      { name: 'post-snapshot-import', kind: 'bool', defaultValue: false, description: 'create the indexes and triggers left out before the data import' },
      { name: 'ignore-exist', kind: 'bool', defaultValue: false, description: 'treat every "already exists" error as done, also for objects the target had before (a rerun needs it only for those: what earlier runs created is found done)' },
      { name: 'continue-on-error', kind: 'bool', defaultValue: false, description: 'go on after a failed statement and list failures at the end' },
      { name: 'object-type-list', kind: 'string', description: 'comma-separated object types to import (e.g. TABLE,VIEW)' },
      { name: 'exclude-object-type-list', kind: 'string', description: 'comma-separated object types to skip' },
      { name: 'parallel-jobs', kind: 'int', description: 'with --post-snapshot-import: secondary indexes built at once, each on its own connection (default: this machine\'s cores, at most 4)' }),
    handler: async () => (await import('./commands/schema-commands.js')).importSchema,
  },
  {
    words: ['export', 'data'], summary: 'alias of "export data from source"',
    configSection: 'export-data', options: EXPORT_DATA_OPTIONS,
    handler: async () => (await import('./commands/data-commands.js')).exportData,
  },
  {
    words: ['export', 'data', 'from', 'source'], summary: 'export a consistent snapshot into <export-dir>/data; with --export-type snapshot-and-changes, then stream every change',
    configSection: 'export-data', options: EXPORT_DATA_OPTIONS,
    handler: async () => (await import('./commands/data-commands.js')).exportData,
  },
  {
    words: ['export', 'data', 'status'], summary: 'show per-table progress of the data export', configSection: 'export-data-status',
    options: withCommon(OUTPUT_TABLE_JSON),
    handler: async () => (await import('./commands/data-commands.js')).exportDataStatus,
  },
  {
    words: ['import', 'data'], summary: 'alias of "import data to target"',
    configSection: 'import-data', options: IMPORT_DATA_OPTIONS,
    handler: async () => (await import('./commands/data-commands.js')).importData,
  },
  {
    words: ['import', 'data', 'to', 'target'], summary: 'load the snapshot in resumable batches, then apply every change exactly once (may start before the exporter: waits for it)',
    configSection: 'import-data', options: IMPORT_DATA_OPTIONS,
    handler: async () => (await import('./commands/data-commands.js')).importData,
  },
  {
    words: ['import', 'data', 'status'], summary: 'show per-table progress of the data import', configSection: 'import-data-status',
    options: withCommon(OUTPUT_TABLE_JSON),
    handler: async () => (await import('./commands/data-commands.js')).importDataStatus,
  },
  {
    words: ['get', 'data-migration-report'], summary: 'rows exported and imported per table and database',
    configSection: 'get-data-migration-report',
    options: withCommon(OUTPUT_TABLE_JSON, ...SOURCE_PASSWORD, ...TARGET_PASSWORD),
    handler: async () => (await import('./commands/data-commands.js')).dataMigrationReport,
  },
  {
    words: ['compare'], summary: 'prove that source and target hold the same rows: row count and checksum of every migrated table',
    configSection: 'compare',
    options: withCommon(...SOURCE_PASSWORD, ...TARGET_PASSWORD, ...TABLE_FILTERS,
      { name: 'parallel-jobs', kind: 'int', defaultValue: 4, description: 'tables compared at once (connections per database)' },
      OUTPUT_TABLE_JSON),
    handler: async () => (await import('./commands/data-commands.js')).compare,
  },
  {
    words: ['archive', 'changes'], summary: 'move or delete change-queue segments that every importer has applied, to limit disk use',
    configSection: 'archive-changes',
    options: withCommon(
      { name: 'move-to', kind: 'path', description: 'existing directory to move applied change segments into' },
      { name: 'delete-changes-without-archiving', kind: 'bool', defaultValue: false, description: 'delete applied change segments instead of moving them (only above --fs-utilization-threshold)' },
      { name: 'fs-utilization-threshold', kind: 'string', defaultValue: '70', description: 'percent of the export dir\'s filesystem in use above which applied segments are deleted' },
      { name: 'policy', kind: 'enum', choices: ['archive', 'delete'], description: 'archive (needs --move-to / --archive-dir) or delete; default from the flags above' },
      { name: 'archive-dir', kind: 'path', description: 'same as --move-to' },
      { name: 'once', kind: 'bool', defaultValue: false, description: 'make one pass and exit instead of running until interrupted (or until no importer will read the queue again: then it exits by itself)' }),
    handler: async () => (await import('./commands/data-commands.js')).archiveChanges,
  },
  {
    words: ['end', 'migration'], summary: 'back up what you ask for, then remove the migration\'s state from the databases and the export dir',
    configSection: 'end-migration',
    options: withCommon(
      { name: 'backup-log-files', kind: 'bool', required: true, description: 'copy logs/ to --backup-dir' },
      { name: 'backup-data-files', kind: 'bool', required: true, description: 'copy data/ to --backup-dir' },
      { name: 'backup-schema-files', kind: 'bool', required: true, description: 'copy schema/ to --backup-dir' },
      { name: 'save-migration-reports', kind: 'bool', required: true, description: 'save the analysis and data-migration reports to --backup-dir' },
      { name: 'backup-dir', kind: 'path', description: 'where backups go (required when any backup flag is true)' },
      ...SOURCE_PASSWORD, ...TARGET_PASSWORD),
    handler: async () => (await import('./commands/data-commands.js')).endMigration,
  },
  ...CUTOVER_COMMANDS,
];

/** Finds the command whose words are the longest prefix of argv's leading words. */
export function matchCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  let best: CommandSpec | undefined;
  for (const spec of COMMANDS) {
    if (spec.words.every((w, i) => argv[i] === w) && (!best || spec.words.length > best.words.length)) best = spec;
  }
  return best ? { spec: best, rest: argv.slice(best.words.length) } : undefined;
}
