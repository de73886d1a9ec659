import type { SchemaObjectType } from '../schema-object.js';
import type { SequenceValueRow } from '../meta-store.js';
import type { SequenceRestoreResult } from './sequences.js';
import type { TableRef } from './catalog.js';
import type { TandemError } from '../errors.js';

/**
 * The roles only the migration's target plays (PostgreSQL, or YugabyteDB, which speaks its wire
 * protocol): loading the snapshot files, creating the exported schema, and the bookkeeping of the
 * spec's batch tables. Other engines never play them, so they are PostgreSQL-shaped (COPY, SQL
 * statements), but the workflow reaches them only through these interfaces.
 */

/** A server of the target cluster that loading connections are spread over (YugabyteDB's `yb_servers()`). */
export interface TargetNode {
  readonly host: string;
  readonly port: number;
  readonly zone?: string;
}

/**
 * How busy the target is, as far as it reports it (YugabyteDB's `yb_servers_metrics()`): `busy`
 * when a node is over its CPU or memory limit, with what was seen in `reason` (for the log).
 */
export interface TargetLoad {
  readonly busy: boolean;
  readonly reason: string;
}

/**
 * Spreads `jobs` connections over the nodes round-robin so every node takes a share of the load.
 * With no node list (plain PostgreSQL, or yb_servers() unreachable) every job uses the given endpoint.
 */
export function assignConnections(nodes: readonly TargetNode[], jobs: number, fallback: TargetNode): TargetNode[] {
  const pool = nodes.length > 0 ? nodes : [fallback];
  return Array.from({ length: jobs }, (_, i) => pool[i % pool.length]!);
}

/** One batch of a snapshot file: a byte range of whole CopyData rows (docs/positions.md §4). */
export interface SnapshotBatch {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly format: 'binary' | 'text';
  readonly filePath: string;
  /** The file's name relative to data/, as recorded on the target with the batch. */
  readonly fileName: string;
  readonly batchNo: number;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly rows: number;
  /**
   * The source's column types, when the target's types differ from them and the rows are in binary
   * COPY form (which only the same type reads): the batch is loaded into a staging table of these
   * types and inserted from there, cast as an INSERT casts (see `TargetTableCheck.castWhileLoading`).
   */
  readonly stagedTypes?: readonly string[];
}

/** One loading connection. */
export interface SnapshotLoader {
  /**
   * Loads the batch (its bytes sent as they are, the framing and row count checked) and records it
   * in the spec's batch table in the same transaction: loaded and recorded, or neither.
   */
  load(batch: SnapshotBatch): Promise<void>;
  /** After a failed load: whether the connection still answers (else open a new loader). */
  isAlive(): Promise<boolean>;
  /** Whether the batch is recorded (committed) on the target: after a lost connection its COMMIT may have gone through. */
  isRecorded(batch: SnapshotBatch): Promise<boolean>;
  close(): Promise<void>;
}

/** What the target lacks for loading the snapshot, found before anything is written. */
export interface TargetTableCheck {
  readonly missingTables: string[];
  readonly missingColumns: { table: string; columns: string[] }[];
  /**
   * Target columns the snapshot does not carry that refuse NULL and have no default (optional:
   * engines that do not look leave it out): every row loaded or streamed into their tables would fail.
   * `setDefault` is the target's statement giving the first column a default, with `…` for the value.
   */
  readonly requiredExtraColumns?: { table: string; columns: string[]; setDefault: string }[];
  /**
   * Target columns the snapshot does not carry that take NULL and have no default, no generation
   * expression and no identity (optional): every migrated row leaves them NULL. Said as a warning:
   * a column the user added on purpose is fine, but a source's generated column made an ordinary
   * column by hand (the export leaves out what the target was meant to compute) is not.
   */
  readonly unfilledColumns?: { table: string; columns: string[] }[];
  /**
   * Columns the snapshot left out as generated (`TargetTable.generatedOnSource`) that are ordinary
   * columns on the target (optional): neither the snapshot nor the stream carries their values, so
   * every migrated row would hold NULL or the column's default there. Refused.
   */
  readonly plainGeneratedColumns?: { table: string; columns: string[] }[];
  /**
   * Columns the snapshot carries that are generated on the target (optional): every loaded row would
   * be refused ("is a generated column"), and every change streamed to them. Refused before the load.
   */
  readonly generatedExportedColumns?: { table: string; columns: string[] }[];
  /**
   * Columns of tables held in binary COPY format whose target type cannot read the source type's
   * binary form and cannot take it by a cast either (optional: engines that do not look leave it
   * out); `reason` says why. `alter` is the target's statement giving the first one the source's
   * type back.
   */
  readonly retypedBinaryColumns?: { table: string; columns: { column: string; source: string; target: string }[]; reason: string; alter: string }[];
  /**
   * Tables held in binary COPY format with columns whose target type differs from the source's but
   * takes its values by an INSERT's cast (an integer widened to bigint): loaded through a staging
   * table of the source's types (`SnapshotBatch.stagedTypes`).
   */
  readonly castWhileLoading?: { table: string; columns: { column: string; source: string; target: string }[] }[];
  readonly nonEmptyTables: string[];
  readonly noInsertPrivilege: string[];
  /**
   * Other refusals the check found (optional): a loading session that may not skip foreign keys
   * (`replicaRole`: fixed by the same GRANT as the live import's), no CREATE for the metadata schema.
   * Named with the other problems, in one error.
   */
  readonly refusals?: { error: TandemError; replicaRole?: boolean }[];
  /**
   * Tables whose row-level security applies to the user (optional: engines without it leave it
   * out): loading into them fails, the emptiness check sees only the rows policies allow, and
   * changes to rows they hide would be skipped.
   */
  readonly rowSecurity?: string[];
}

/** A table as the snapshot import checks it. */
/** A foreign key the target takes for checked that rows break (`TargetDatabase.brokenForeignKeys`). */
export interface BrokenForeignKey {
  readonly name: string;
  /** The referencing table and its key columns, quoted as SQL names. */
  readonly table: string;
  readonly columns: readonly string[];
  readonly referenced: string;
  /** As the target says it (`FOREIGN KEY (…) REFERENCES …`). */
  readonly definition: string;
  /** The referencing table is partitioned: PostgreSQL cannot keep a NOT VALID key on it. */
  readonly partitioned: boolean;
  /** How many rows break it, and the keys of a few of them (as text; null for NULL). */
  readonly rows: number;
  readonly examples: readonly (readonly (string | null)[])[];
}

export interface TargetTable extends TableRef {
  readonly columns: readonly string[];
  /**
   * The source's type of each column (as PostgreSQL's `format_type` names it) when the snapshot
   * holds the table in PostgreSQL's binary COPY format, which only a column of the same type reads.
   */
  readonly binaryTypes?: readonly string[];
  /** The columns the snapshot left out because the target was to compute them (`TableInfo.generatedColumns`). */
  readonly generatedOnSource?: readonly string[];
}

/** One statement of the exported schema, ready to run on the target, with where it came from. */
export interface SchemaStatement {
  /** The object group the statement's file holds. */
  readonly objectType: SchemaObjectType;
  /** Its file, relative to the schema dir (e.g. `tables/tables.sql`). */
  readonly file: string;
  /** 1-based line of the statement in that file. */
  readonly line: number;
  /** The statement, without the trailing semicolon. */
  readonly sql: string;
  /**
   * Present (true) for `DO` and `CALL`: run outside a transaction block they may COMMIT part of
   * their work, so a failure can leave something behind and they are never retried.
   */
  readonly mayCommitInside?: true;
}

/** What happened to one statement. */
export type StatementOutcome =
  | { readonly status: 'applied' }
  | { readonly status: 'skipped'; readonly sqlState: string; readonly message: string }
  | {
    readonly status: 'failed'; readonly sqlState?: string; readonly message: string;
    /**
     * The GRANT that lets the migration user run the statement, when it failed for a missing
     * privilege on an object the engine can name (e.g. `GRANT CREATE ON SCHEMA public TO app;`).
     */
    readonly grant?: string;
  }
  | { readonly status: 'not-executed' };

/**
 * One statement and its outcome. `waitedPasses` is present when the statement was set aside
 * because something it needs did not exist yet: the number of retry passes until its outcome
 * (0 if the run stopped before any).
 */
export type StatementResult = { readonly statement: SchemaStatement; readonly waitedPasses?: number } & StatementOutcome;

/** The outcome of applying a schema: one result per statement, in order, and the totals. */
export interface SchemaApplyResult {
  readonly results: readonly StatementResult[];
  readonly applied: number;
  readonly skipped: number;
  readonly failed: number;
  readonly notExecuted: number;
  /** Statements that were set aside at least once (something they need was created later). */
  readonly waited: number;
}

/** The error that made a statement wait. */
export interface MissingObjectError {
  readonly sqlState: string;
  readonly message: string;
}

/** Options of {@link TargetDatabase.applySchema}. */
export interface SchemaApplyOptions {
  /** Count "already exists" errors as skipped instead of failed (`--ignore-exist`). */
  readonly ignoreExist: boolean;
  /**
   * The same for these statements only (by their SQL): objects an earlier command may have created.
   * One of them that fails because another session is creating the same object at that moment (the
   * earlier command's server session, still running after the command was killed) is tried again
   * once a second, up to 30 times.
   */
  readonly ignoreExistFor?: ReadonlySet<string>;
  /** The wait between those tries (tests), 1 s unless set. */
  readonly concurrentCreationWaitMs?: number;
  /** Go on after a failure (`--continue-on-error`); otherwise stop and mark the rest not executed. */
  readonly continueOnError: boolean;
  /**
   * Called each time a statement that ran has its final outcome (so at most once per statement);
   * not for the statements left not executed after a failure, which were not done.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called each time a statement is set aside; `pass` is 0 for the first run through the files. */
  readonly onWaiting?: (statement: SchemaStatement, error: MissingObjectError, pass: number) => void;
  /**
   * Called right before each run of a statement (a retry too), and right after it with whether the
   * run may have left its object behind: false when the server rejected the statement (failed or
   * set aside; its own transaction rolled back), true when it was applied or already there, and
   * also when the connection failed without an answer (it may have committed).
   */
  readonly beforeRun?: (statement: SchemaStatement) => void;
  readonly afterRun?: (statement: SchemaStatement, mayHaveCreated: boolean) => void;
}

/**
 * The target database. Methods open one connection when first needed and keep it until `close`
 * (a later call opens it again); loaders have connections of their own.
 */
export interface TargetDatabase {
  /**
   * What the spec asks of the target before a load, as far as a session can see it (YugabyteDB's
   * settings), and the nodes to spread loading connections over (none for a single server, or when
   * they cannot be listed: that is one of the warnings). Warnings are news, never errors.
   */
  inspect(): Promise<{ readonly warnings: readonly string[]; readonly nodes: readonly TargetNode[] }>;
  /** Which export snapshot the target's loaded rows come from, and the tables loaded so far. */
  loadedSnapshot(migrationUuid: string): Promise<{ snapshotId: string; tables: string[] } | undefined>;
  /** Batches this migration committed on the target (`file#batch`): the truth for resuming. */
  importedBatchKeys(migrationUuid: string): Promise<Set<string>>;
  /**
   * What a live migration (snapshot and changes, or changes only) needs of the target beyond the
   * load, checked when `import data` starts, before anything is written (optional: engines that do
   * not look leave it out). Throws a TandemError for what would stop the change import; returns
   * warnings for what would stop only a later step, such as the fall-back stream that
   * `initiate cutover to target --prepare-for-fall-back true` starts while the application is stopped.
   */
  checkLiveImport?(tables?: readonly TableRef[]): Promise<readonly string[]>;
  /**
   * Optional: what keeps the user from streaming this database's changes (the fall-back's stream,
   * which the cutover to target with fall-back starts), each with its fix; empty when nothing does.
   * Asked by `initiate cutover to target --prepare-for-fall-back true`, which refuses before the
   * cutover while any is left, and recorded by import data for when it cannot ask.
   */
  streamProblems?(tables?: readonly TableRef[]): Promise<string[]>;
  /**
   * Checks the tables before anything is written; `fresh` = tables no batch was loaded into yet (they
   * must be empty). `changes`: changes will be written too (a live migration), not only the load,
   * whose bulk path may run less of what a table has (PostgreSQL's COPY runs no rules).
   */
  checkTables(tables: readonly TargetTable[], fresh: ReadonlySet<string>, changes: boolean): Promise<TargetTableCheck>;
  /** Creates the metadata schema and the batch tables; a user who may not is a TANDEM_PRIVILEGE error. */
  ensureSnapshotMetadata(): Promise<void>;
  /**
   * Records the snapshot the import loads from. When the export was redone with a new snapshot, the
   * rows loaded from the old one (`reloadTables`) are removed in the same transaction.
   */
  startSnapshot(migrationUuid: string, snapshotId: string, reloadTables: readonly string[]): Promise<void>;
  /** Opens one loading connection (to `node` when given); foreign keys and triggers do not fire where the target allows it. */
  openLoader(migrationUuid: string, node?: TargetNode): Promise<SnapshotLoader>;
  /** The SQLSTATE when the error (or one it wraps) only says two transactions met: the batch may simply run again. */
  transientConflict(error: unknown): string | undefined;
  /**
   * Sets each sequence that exists on the target to the source's value at the snapshot; returns
   * those set (a value beyond what the sequence can hold is set to its limit, with `cappedFrom`).
   */
  setSnapshotSequences(values: readonly SequenceValueRow[]): Promise<SequenceRestoreResult[]>;
  /**
   * Runs the statements one by one; a statement that needs an object created later is set aside
   * and retried. Never throws for a failed statement: the result says what happened to each.
   */
  applySchema(statements: readonly SchemaStatement[], options: SchemaApplyOptions): Promise<SchemaApplyResult>;
  /**
   * Optional: the validated foreign keys of `tables` that loaded rows break (rows referencing no
   * row), checked after a snapshot from a source whose keys may hold where the target's do not
   * (`EngineCapabilities.keysLooserThanTarget`).
   */
  brokenForeignKeys?(tables: readonly TableRef[]): Promise<BrokenForeignKey[]>;
  /**
   * The target's load now, when it reports one (YugabyteDB 2.21 and later); undefined when it does
   * not (PostgreSQL, older YugabyteDB): the import then tunes from its own throughput alone.
   */
  targetLoad(): Promise<TargetLoad | undefined>;
  close(): Promise<void>;
}
