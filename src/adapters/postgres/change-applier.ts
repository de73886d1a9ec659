import type pg from 'pg';
import type { ChangeEvent } from '../../core/change-event.js';
import type { ChangeTarget, ChannelProgress, UniqueKeyInfo } from '../../core/change-target.js';
import type { DbConfig } from '../../core/db-config.js';
import { describeDb } from '../../core/db-config.js';
import { quoteIdent } from '../../core/sql-names.js';
import { READ_ONLY_HINT, TandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { connectPg, prepareWritingSession } from './pg-connection.js';
import { LockWaitWatch } from './lock-wait-watch.js';
import { pgArray, pgBool, qualified } from './source-catalog.js';
import { DEFAULT_METADATA_SCHEMA } from './target-writer.js';
import { planBatch, writtenTables } from '../../core/apply/batch-plan.js';
import type { AppliedTable, BatchPlan, PlannedStatement } from '../../core/apply/batch-plan.js';
import { jsonRefusedHint } from './apply/json-refused.js';
import { rowsDocument, sqlLiteral, statementName, statementSql, writtenTable, type RowsDocument } from './apply/apply-sql.js';
import type { TypedTable } from './apply/apply-sql.js';
import { TRANSIENT_CONFLICTS, hasSqlState } from './sql-state.js';

/** SQLSTATE of PostgreSQL's refusal to truncate a table a foreign key references (without the referencing table). */
const FEATURE_NOT_SUPPORTED = '0A000';
/**
 * How a batch's transaction begins: READ COMMITTED whatever the server's default, as the look for
 * firing triggers before COMMIT (`firingCheckSql`) must read the catalog as it is then, not as a
 * REPEATABLE READ snapshot taken at the batch's first write had it (measured before: a trigger
 * enabled while the batch waited for its table fired, and that older snapshot did not show it).
 */
const BEGIN_BATCH = 'BEGIN ISOLATION LEVEL READ COMMITTED';
import { prepareChannels, progressParams, progressSql, truncatedRowsSql } from './apply/apply-metadata.js';
import { ForeignKeyActions, readForeignKeyActions } from './apply/foreign-key-actions.js';
import { FIRING_CHECK_SQLSTATE, firingCheckSql, type LookedAtTable, firingTriggersError, mayUseReplicaRole, readFiringTriggers, readTriggersAndForeignKeys, replicaRoleGrant, replicaRoleRefusal } from './firing-triggers.js';
import { rowsNotFoundError } from '../../core/apply/rows-not-found.js';
import { ConnectionOutage, type LostConnection } from '../../core/reconnect-budget.js';
import type { TableReferentialAction } from '../../core/engine/catalog.js';

/** Options of `PgChangeTarget`. */
export interface PgChangeTargetOptions {
  /** Schema of the progress tables. Default `ybvoyager_metadata`. */
  readonly metadataSchema?: string;
  /** Every table events may name, with its primary key and columns. */
  readonly tables: readonly AppliedTable[];
  /** Called once for a condition the user should know about (default: process.emitWarning). */
  readonly onWarning?: (message: string) => void;
  /** Told news that needs no action (the database is back after an outage). Default: the log. */
  readonly onNotice?: (message: string) => void;
  /**
   * Carry out the written database's foreign-key actions (ON DELETE / ON UPDATE CASCADE, SET NULL,
   * SET DEFAULT) for a stream that leaves out the rows they change (`ForeignKeyActions`).
   */
  readonly foreignKeyActions?: boolean;
  /** With `foreignKeyActions`: the source's keys to carry out (else the written database's own). */
  readonly referentialActions?: readonly TableReferentialAction[];
  /** Tests: the JSON size above which rows travel as json, not jsonb (`rowsDocument`). */
  readonly jsonbLimitBytes?: number;
  /** How long a batch waits for a lock before what holds it is looked for and said (`LockWaitWatch`). Default 10 s. */
  readonly lockWaitLookMs?: number;
}

const UNIQUE_VIOLATION = '23505';
const EXCLUSION_VIOLATION = '23P01';
const INSUFFICIENT_PRIVILEGE = '42501';



/**
 * Applies change events to PostgreSQL or YugabyteDB, one connection per channel. Each batch is one
 * transaction that also moves the channel's row in `ybvoyager_import_data_event_channels_metainfo`
 * and the per-table counts, so a batch is applied and recorded, or neither.
 *
 * @example
 * const target = new PgChangeTarget(config, { tables: [{ schema: 'public', name: 'accounts', primaryKey: ['id'], columns: ['id', 'balance'] }] });
 * const progress = await target.prepare(migrationUuid, 4);
 */
export class PgChangeTarget implements ChangeTarget {
  private readonly metadataSchema: string;
  private readonly specs: ReadonlyMap<string, AppliedTable>;
  private readonly warn: (message: string) => void;
  private readonly notice: (message: string) => void;
  /** The database's outages, shared by the channels. */
  private readonly outage: ConnectionOutage;
  /** Clients whose connection has ended (the server went away), to replace once it is back. */
  private readonly ended = new WeakSet<pg.Client>();
  private readonly reconnecting = new Map<number, Promise<void>>();
  private readonly typed = new Map<string, TypedTable>();
  private readonly typedByName = new Map<string, Map<string, TypedTable>>();
  private clients: pg.Client[] = [];
  private lastApplied: number[] = [];
  private uniques: UniqueKeyInfo[] = [];
  private migrationUuid = '';
  private progressText = '';
  private readonly sqlCache = new Map<string, { text: string; name: string }>();
  private actions: ForeignKeyActions | undefined;
  private readonly foreignKeyActions: boolean;
  private readonly referentialActions: readonly TableReferentialAction[] | undefined;
  /** See `rowsDocument`; `PgChangeTargetOptions.jsonbLimitBytes`. */
  private readonly jsonbLimit: number | undefined;
  /** The warning that a session may not set session_replication_role was given. */
  private replicaRoleRefusedSaid = false;
  private readonly lockWait: LockWaitWatch;
  /** The clients whose batch runs now (for `cancel`). */
  private readonly running = new Set<pg.Client>();
  /** `cancel` was called: a failed batch is neither retried nor replayed. */
  private cancelled = false;

  constructor(private readonly config: DbConfig, options: PgChangeTargetOptions) {
    this.metadataSchema = options.metadataSchema ?? DEFAULT_METADATA_SCHEMA;
    this.specs = new Map(options.tables.map((t) => [`${t.schema}.${t.name}`, t]));
    this.warn = options.onWarning ?? ((m) => process.emitWarning(m));
    this.notice = options.onNotice ?? ((m) => log.info(m));
    this.outage = new ConnectionOutage(config.role, describeDb(config), this.warn, this.notice);
    this.foreignKeyActions = options.foreignKeyActions === true;
    this.referentialActions = options.referentialActions;
    this.jsonbLimit = options.jsonbLimitBytes;
    this.lockWait = new LockWaitWatch(config, this.warn, options.lockWaitLookMs ?? 10_000, this.notice);
  }

  async prepare(migrationUuid: string, channels: number): Promise<ChannelProgress[]> {
    if (!Number.isInteger(channels) || channels < 1) throw new TandemError('TANDEM_USAGE', `The channel count must be a positive integer (got ${channels}).`);
    await this.close();
    this.migrationUuid = migrationUuid;
    this.progressText = progressSql(this.metadataSchema);
    const admin = await connectPg(this.config);
    let progress: ChannelProgress[];
    try {
      await this.refuseReplicaTriggers(admin);
      await this.requireReplicaRole(admin);
      progress = await prepareChannels(admin, this.metadataSchema, migrationUuid, channels);
      await this.loadCatalog(admin);
    } finally {
      await admin.end().catch(() => {});
    }
    this.lastApplied = progress.map((p) => p.lastAppliedVsn);
    this.clients = await Promise.all(progress.map(async () => {
      const c = await connectPg(this.config);
      try {
        this.watchEnd(c);
        await prepareWritingSession(c);
        await this.setReplicaRole(c);
      } catch (e) {
        await c.end().catch(() => {});
        throw e;
      }
      return c;
    }));
    return progress;
  }

  /**
   * Rows arrive in the order their own channel commits them, not the source's: foreign keys and
   * triggers on the written database would misfire on such replicated rows, so every session sets
   * session_replication_role = replica. A session refused it (a privilege lost since the writer
   * started, as on a reconnection) goes on only while no written table has a trigger or foreign
   * key, as at the start (measured before: a reconnected session went on with triggers on, and the
   * source's audit trigger added a row for every replicated insert; the grants run).
   */
  private async setReplicaRole(c: pg.Client): Promise<void> {
    try {
      await c.query('SET session_replication_role = replica');
    } catch (e) {
      if (!hasSqlState(e, [INSUFFICIENT_PRIVILEGE])) throw e;
      await this.refuseWithoutReplicaRole(c);
      if (this.replicaRoleRefusedSaid) return;
      this.replicaRoleRefusedSaid = true;
      this.warn(`The ${this.config.role} database refused SET session_replication_role = replica [SQLSTATE ${(e as { code?: string }).code ?? '?'}]: none of the written tables has a trigger or foreign key now, so nothing fires; one added while Tandem writes would fire for replicated rows. As a superuser: GRANT SET ON PARAMETER session_replication_role TO ${quoteIdent(this.config.user)}; (PostgreSQL 15 and later).`);
    }
  }

  uniqueKeys(): readonly UniqueKeyInfo[] {
    return this.uniques;
  }

  changesOtherRows(e: ChangeEvent): boolean {
    if (!this.actions || (e.op !== 'd' && e.op !== 'u')) return false;
    const table = this.typedByName.get(e.schema)?.get(e.table);
    return table !== undefined && this.actions.changesOtherRows(e, table);
  }

  tablesAlsoChanged(e: ChangeEvent): readonly string[] {
    if (!this.actions || !this.changesOtherRows(e)) return [];
    return this.actions.reachedFrom(this.typedByName.get(e.schema)!.get(e.table)!).map((t) => `${t.schema}.${t.name}`);
  }

  async applyBatch(channelNo: number, events: readonly ChangeEvent[], lost?: LostConnection, stepwise = false): Promise<void> {
    const client = this.clients[channelNo];
    if (!client) throw new Error(`channel ${channelNo} is not prepared`);
    const done = this.lastApplied[channelNo]!;
    // Events are in vsn order: skip the prefix a previous run already committed.
    let from = 0;
    while (from < events.length && events[from]!.vsn <= done) from++;
    if (from === events.length) return;
    const todo = from === 0 ? events : events.slice(from);
    const plan = planBatch(todo, (e) => this.tableOf(e));
    const lastVsn = todo[todo.length - 1]!.vsn;
    // One round trip for the whole transaction, unless it truncates (which counts rows first). Each
    // round trip costs a wake-up of both processes, and on a busy machine the wake-ups, not the
    // statements, were most of a small batch's time (3 events took 77-140 ms in five round trips).
    // Foreign-key actions run before their event's statement and read what it returns: step by step.
    const acting = this.actions !== undefined && todo.some((e) => this.changesOtherRows(e));
    const oneTrip = !stepwise && !acting && !plan.statements.some((s) => s.kind === 'truncate');
    let current: PlannedStatement | undefined;
    const unwatch = this.lockWait.watch(client);
    this.running.add(client);
    let committed = false;
    try {
      if (oneTrip) await client.query(this.transactionText(plan, channelNo, lastVsn));
      else if (acting) await this.applyWithActions(client, todo, plan, channelNo, lastVsn, (s) => { current = s; });
      else await this.applyStepwise(client, plan, channelNo, lastVsn, (s) => { current = s; });
      committed = true;
    } catch (e) {
      const alive = await client.query('ROLLBACK').then(() => true, () => false);
      // Cancelled for a stop (`cancel`): rolled back, neither retried nor replayed.
      if (this.cancelled) throw e;
      if (!alive) {
        // The connection was cut (server restart, failover, pg_terminate_backend, network): reconnect
        // and retry for as long as the budget allows. The batch may have committed just before the
        // cut, so the channel's recorded progress is read again and the committed prefix skipped:
        // still exactly once.
        const next = await this.outage.retry(`channel ${channelNo}`, lost, (e as Error).message, e, () => this.reconnect(channelNo),
          // Idle channels' connections died in the same outage: replaced now, so that they do not
          // report an outage of their own at their next batch.
          async () => { await Promise.all(this.clients.map((c, i) => (this.ended.has(c) ? this.reconnect(i).catch(() => {}) : undefined))); });
        return this.applyBatch(channelNo, events, next);
      }
      // A trigger or rule enabled in replica mode since the start fired in this transaction (the
      // end-of-transaction check raised), or made a statement fail (a DO INSTEAD rule, a BEFORE
      // trigger that skips or refuses the row): named, and the import stops before writing more.
      const firing = await this.firingWhileWriting(client, plan);
      if (firing) throw firing;
      const generationLost = await this.generationLost(client, plan);
      if (generationLost) throw generationLost;
      if (hasSqlState(e, [FIRING_CHECK_SQLSTATE]) && !stepwise) return this.applyBatch(channelNo, events, undefined, true); // disabled again since
      if (!oneTrip) throw this.describe(e, channelNo, current, todo[0]!.vsn, lastVsn);
      // The transaction failed and was rolled back as a whole (nothing of it committed: COMMIT is
      // its last statement). Run it again one statement at a time: the error then names the
      // statement that fails, and a conflict another channel caused may have cleared.
      return this.applyBatch(channelNo, events, undefined, true);
    } finally {
      this.running.delete(client);
      unwatch(committed);
    }
    this.lastApplied[channelNo] = lastVsn;
  }

  /**
   * The tables a batch writes (truncated ones included), and those the foreign-key actions Tandem
   * carries out may reach from them (the fix-verify-48 run: a trigger on a table only a cascade
   * wrote fired unseen), as the catalog names them.
   */
  private writtenBy(plan: BatchPlan): LookedAtTable[] {
    const out = new Map<string, LookedAtTable>();
    const add = (t: { schema: string; name: string }) => {
      const typed = this.typed.get(`${t.schema}.${t.name}`);
      out.set(`${t.schema}.${t.name}`, { schema: t.schema, name: t.name, ...(typed?.generated ? { generated: typed.generated } : {}), ...(typed?.plain === false ? { partitioned: true } : {}) });
    };
    for (const t of writtenTables(plan.statements)) {
      add(t);
      const typed = this.actions && this.typed.get(`${t.schema}.${t.name}`);
      if (typed) for (const r of this.actions!.reachedFrom(typed)) add(r);
    }
    return [...out.values()];
  }

  /** The refusal for triggers or rules on the batch's tables that fire in replica sessions, once the batch was rolled back; undefined when there are none. */
  private async firingWhileWriting(client: pg.Client, plan: BatchPlan): Promise<TandemError | undefined> {
    const firing = await readFiringTriggers(client, { names: this.writtenBy(plan) }).catch(() => []);
    if (firing.length === 0) return undefined;
    return firingTriggersError(firing, describeDb(this.config), true);
  }

  /** The error for columns generated when the writer started and ordinary now (`firingCheckSql`), once the batch was rolled back; undefined when there are none. */
  private async generationLost(client: pg.Client, plan: BatchPlan): Promise<TandemError | undefined> {
    const lost: { table: string; qualified: string; columns: string[] }[] = [];
    for (const t of this.writtenBy(plan)) {
      if (!t.generated) continue;
      const r = await client.query(`SELECT a.attname AS col FROM pg_catalog.pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = ANY($2::text[]) AND a.attgenerated = '' AND NOT a.attisdropped ORDER BY a.attnum`,
        [qualified(t.schema, t.name), [...t.generated]]).catch(() => ({ rows: [] as { col: string }[] }));
      if (r.rows.length) lost.push({ table: `${t.schema}.${t.name}`, qualified: `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`, columns: r.rows.map((x) => String(x.col)) });
    }
    const first = lost[0];
    if (!first) return undefined;
    const where = describeDb(this.config);
    return new TandemError('TANDEM_PREREQUISITE', `Columns generated on ${where} when Tandem started writing there are ordinary columns now: ${lost.map((l) => `${l.table} (${l.columns.join(', ')})`).join('; ')}. `
      + 'The changes leave a generated column\'s values out (this database is to compute them), so every row written now would hold NULL there. The transaction that met it was rolled back, so nothing of it was written '
      + '(PostgreSQL drops a generation expression only once the transactions writing the table have ended, so no row written before holds NULL).', {
      hint: `Give each its generation expression back (ALTER TABLE ${first.qualified} DROP COLUMN ${quoteIdent(first.columns[0]!)}, ADD COLUMN ${quoteIdent(first.columns[0]!)} <type> GENERATED ALWAYS AS (<expression>) STORED; as in the export dir's schema/tables), or drop the column and compute it where it is read; then rerun the same import command: it resumes.`,
    });
  }

  /** Marks the client when its connection ends (the server went away), and keeps its error quiet. */
  private watchEnd(c: pg.Client): void {
    c.on('end', () => this.ended.add(c));
  }

  /** Replaces a channel's connection and reloads its committed progress (one attempt at a time per channel). */
  private reconnect(channelNo: number): Promise<void> {
    let running = this.reconnecting.get(channelNo);
    if (!running) {
      running = this.replaceConnection(channelNo).finally(() => this.reconnecting.delete(channelNo));
      this.reconnecting.set(channelNo, running);
    }
    return running;
  }

  private async replaceConnection(channelNo: number): Promise<void> {
    await this.clients[channelNo]?.end().catch(() => {});
    const c = await connectPg(this.config);
    let progress: ChannelProgress[];
    try {
      this.watchEnd(c);
      await prepareWritingSession(c);
      await this.setReplicaRole(c);
      progress = await prepareChannels(c, this.metadataSchema, this.migrationUuid, this.clients.length);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    // Only a connection whose progress is known replaces the old one.
    this.clients[channelNo] = c;
    this.lastApplied[channelNo] = progress[channelNo]!.lastAppliedVsn;
  }

  /**
   * The batch's transaction as one text (sent with the simple query protocol in one round trip):
   * the rows as dollar-quoted literals in place of parameters, the progress row last, then COMMIT.
   */
  private transactionText(plan: BatchPlan, channelNo: number, lastVsn: number): string {
    const parts = [BEGIN_BATCH, 'SET CONSTRAINTS ALL DEFERRED'];
    for (const s of plan.statements) {
      if (s.kind === 'truncate') throw new Error('a truncate is applied step by step');
      // An UPDATE or DELETE that misses a row fails the whole text (nothing commits); the step-by-step
      // rerun that follows names the rows.
      const json = JSON.stringify(s.rows);
      const doc = rowsDocument(json, this.jsonbLimit);
      parts.push(statementSql(s, this.typedTable(s), `${sqlLiteral(json)}::${doc}`, s.kind === 'insert' ? undefined : 'count', doc));
    }
    parts.push(firingCheckSql(this.writtenBy(plan)));
    // Parameters 2-6 are integers; the uuid must be typed (an untyped literal in a SELECT list is text).
    const values = progressParams(this.migrationUuid, channelNo, lastVsn, plan);
    parts.push(progressSql(this.metadataSchema, (n) => (n === 1 ? `${sqlLiteral(String(values[0]))}::uuid` : n === 7 ? sqlLiteral(String(values[6])) : String(Number(values[n - 1])))));
    parts.push('COMMIT');
    return parts.join(';\n');
  }

  /**
   * The batch's transaction one statement per round trip (prepared statements with parameters);
   * `onStatement` is told each statement before it runs. Commits; on an error the caller rolls back.
   */
  private async applyStepwise(client: pg.Client, plan: BatchPlan, channelNo: number, lastVsn: number, onStatement: (s: PlannedStatement | undefined) => void): Promise<void> {
    // Deferrable unique keys are then checked at commit, as the source checked them per statement.
    await client.query(`${BEGIN_BATCH}; SET CONSTRAINTS ALL DEFERRED`);
    await this.runStatements(client, plan.statements, onStatement);
    onStatement(undefined);
    await client.query(firingCheckSql(this.writtenBy(plan)));
    await client.query({ name: 'tandem_apply_progress', text: this.progressText, values: progressParams(this.migrationUuid, channelNo, lastVsn, plan) });
    await client.query('COMMIT');
  }

  /**
   * The batch's transaction step by step, with the foreign-key actions each event sets off run just
   * before its own statement (the events between such events are planned together, as usual). The
   * rows the actions delete are recorded like a truncate's, so the report's row counts stay exact.
   */
  private async applyWithActions(client: pg.Client, events: readonly ChangeEvent[], plan: BatchPlan, channelNo: number, lastVsn: number,
    onStatement: (s: PlannedStatement | undefined) => void): Promise<void> {
    const tableOf = (e: ChangeEvent) => this.tableOf(e);
    await client.query(`${BEGIN_BATCH}; SET CONSTRAINTS ALL DEFERRED`);
    let run: ChangeEvent[] = [];
    for (const e of events) {
      if (!this.changesOtherRows(e)) {
        run.push(e);
        continue;
      }
      if (run.length) await this.runStatements(client, planBatch(run, tableOf).statements, onStatement);
      run = [];
      onStatement(undefined);
      const removed = await this.actions!.carryOut(client, e, this.tableOf(e));
      for (const [table, n] of removed) {
        if (n > 0) await client.query(truncatedRowsSql(this.metadataSchema), [this.migrationUuid, table, e.vsn, n]);
      }
      if (removed.size) log.debug(`foreign-key actions of vsn ${e.vsn} (${e.op} on ${e.schema}.${e.table}) deleted ${[...removed].map(([t, n]) => `${n} rows of ${t}`).join(', ')}`);
      await this.runStatements(client, planBatch([e], tableOf).statements, onStatement);
    }
    if (run.length) await this.runStatements(client, planBatch(run, tableOf).statements, onStatement);
    onStatement(undefined);
    await client.query(firingCheckSql(this.writtenBy(plan)));
    await client.query({ name: 'tandem_apply_progress', text: this.progressText, values: progressParams(this.migrationUuid, channelNo, lastVsn, plan) });
    await client.query('COMMIT');
  }

  /** Runs planned statements, each told to `onStatement` first, in the open transaction. */
  private async runStatements(client: pg.Client, statements: readonly PlannedStatement[], onStatement: (s: PlannedStatement | undefined) => void): Promise<void> {
    for (const s of statements) {
      onStatement(s);
      if (s.kind === 'truncate') {
        // What the truncate removes is counted first (the report's FINAL_ROW_COUNT subtracts it).
        // ONLY for plain tables: the change names each table truncated (a child's own event follows
        // when the source's TRUNCATE reached it).
        const removed: number[] = [];
        const written = s.tables.map((t) => writtenTable(this.typed.get(`${t.schema}.${t.name}`)!));
        for (const w of written) removed.push(Number((await client.query(`SELECT count(*) AS n FROM ${w}`)).rows[0].n));
        await client.query('SAVEPOINT tandem_truncate');
        try {
          await client.query(`TRUNCATE ${written.join(', ')}`);
        } catch (e) {
          // 0A000: a table another table's foreign key references, which PostgreSQL truncates only
          // with the referencing one. The source truncated it alone (MySQL with foreign_key_checks = 0):
          // its rows go as that did, the referencing rows untouched (DELETE: under
          // session_replication_role = replica no foreign-key trigger fires).
          if (!hasSqlState(e, [FEATURE_NOT_SUPPORTED])) throw e;
          await client.query('ROLLBACK TO SAVEPOINT tandem_truncate');
          for (const w of written) await client.query(`DELETE FROM ${w}`);
        }
        await client.query('RELEASE SAVEPOINT tandem_truncate');
        for (let i = 0; i < s.tables.length; i++) {
          await client.query(truncatedRowsSql(this.metadataSchema), [this.migrationUuid, `${s.tables[i]!.schema}.${s.tables[i]!.name}`, s.vsns.first, removed[i]]);
        }
      } else {
        const json = JSON.stringify(s.rows);
        const { text, name } = this.sql(s, rowsDocument(json, this.jsonbLimit));
        const res = await client.query({ name, text, values: [json] });
        if (s.kind !== 'insert' && (res.rowCount ?? 0) > s.rows.length) throw this.keyNotUnique(s, res.rowCount ?? 0);
        if (s.kind !== 'insert' && res.rowCount !== s.rows.length) throw this.rowsNotFound(s, res.rows);
      }
    }
  }

  isKeyConflict(error: unknown): boolean {
    return hasSqlState(error, [UNIQUE_VIOLATION, EXCLUSION_VIOLATION]);
  }

  isTransientConflict(error: unknown): boolean {
    return hasSqlState(error, TRANSIENT_CONFLICTS);
  }

  /** Cancels the statements of the batches running now (`ChangeTarget.cancel`), from a session of its own. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const pids = [...this.running].map((c) => (c as unknown as { processID?: number | null }).processID).filter((p): p is number => !!p);
    if (pids.length === 0) return;
    const admin = await connectPg(this.config);
    try {
      await admin.query('SELECT pg_catalog.pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } finally {
      await admin.end().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const clients = this.clients;
    this.clients = [];
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }

  private tableOf(e: ChangeEvent): TypedTable {
    // By schema, then table: no key string built per event.
    const t = this.typedByName.get(e.schema)?.get(e.table);
    if (!t) throw new TandemError('TANDEM_DATA', `A change event (vsn ${e.vsn}) names the table ${e.schema}.${e.table}, which is not among the tables being migrated.`);
    return t;
  }

  private sql(s: Exclude<PlannedStatement, { kind: 'truncate' }>, doc: RowsDocument): { text: string; name: string } {
    const shape = `${doc}\u0000${s.kind}\u0000${s.table.schema}\u0000${s.table.name}\u0000${s.kind === 'delete' ? '' : s.columns.join('\u0000')}`;
    let cached = this.sqlCache.get(shape);
    if (!cached) {
      const text = statementSql(s, this.typedTable(s), `$1::${doc}`, s.kind === 'insert' ? undefined : 'keys', doc);
      cached = { text, name: statementName(text) };
      this.sqlCache.set(shape, cached);
    }
    return cached;
  }

  /**
   * An UPDATE or DELETE by primary key that met more rows than it names: two rows share a key on the
   * written database. Only a DEFERRABLE key allows that, and only within a transaction: the
   * source exchanged key values within one transaction (a swap, `SET pos = pos + 1`), and replayed
   * row by row, in the source's order, the first change takes a key a later one still holds.
   */
  private keyNotUnique(s: Extract<PlannedStatement, { kind: 'update' | 'delete' }>, matched: number): TandemError {
    const table = `${s.table.schema}.${s.table.name}`;
    return new TandemError('TANDEM_DATA',
      `The ${s.kind} of ${s.rows.length} row(s) of ${table} by primary key (events ${s.vsns.first}..${s.vsns.last}) met ${matched} rows on ${describeDb(this.config)}: its primary key is DEFERRABLE, and the database being read exchanged key values within one transaction (a swap, or a shift such as SET id = id + 1, in one statement or several), which cannot be replayed row by row: rows are found by their key, which two rows share midway. Nothing of these changes was written; they wait in the export dir's queue.`,
      { hint: `This table cannot go on streaming. Start the migration again from a new snapshot with ${table}'s primary key NOT DEFERRABLE on the database being read (then such a statement fails there instead), or with the table left out (--exclude-table-list) and migrated offline at the cutover.` });
  }

  /**
   * An UPDATE or DELETE that did not find every row it names (`found`: the key values of those it
   * found): the written database no longer holds rows the other side changed, so something else
   * wrote to it. Applying on would lose those changes without a word.
   */
  private rowsNotFound(s: Extract<PlannedStatement, { kind: 'update' | 'delete' }>, found: readonly Record<string, unknown>[]): TandemError {
    const pk = s.table.primaryKey;
    const keyOf = (values: readonly unknown[]) => JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
    const seen = new Set(found.map((r) => keyOf(pk.map((_, i) => r[`k${i}`]))));
    const missing = s.rows.filter((r) => !seen.has(keyOf(r.slice(0, pk.length))));
    const identity = s.kind === 'update' && this.typed.get(`${s.table.schema}.${s.table.name}`)?.alwaysIdentity;
    return rowsNotFoundError({
      table: `${s.table.schema}.${s.table.name}`, kind: s.kind, missing: missing.length, total: s.rows.length, vsns: s.vsns, where: describeDb(this.config),
      keys: missing.slice(0, 5).map((r) => pk.map((k, i) => `${k}=${r[i] ?? 'NULL'}`).join(', ')),
      ...(identity && s.columns.includes(identity) ? {
        alsoMeans: `Or the rows are there, but the database being read gave their GENERATED ALWAYS identity column ${identity} a new value (UPDATE … SET ${identity} = DEFAULT), which no UPDATE can write on ${describeDb(this.config)}: give the rows that value there yourself (ALTER TABLE … ALTER COLUMN ${identity} SET GENERATED BY DEFAULT, UPDATE, then SET GENERATED ALWAYS), then rerun.`,
      } : {}),
    });
  }

  /** The statement's table with its column types; an event column the table lacks is an error. */
  private typedTable(s: Exclude<PlannedStatement, { kind: 'truncate' }>): TypedTable {
    const table = this.typed.get(`${s.table.schema}.${s.table.name}`)!;
    const unknown = s.kind === 'delete' ? [] : s.columns.filter((c) => !table.types.has(c));
    if (unknown.length) {
      const name = `${table.schema}.${table.name}`;
      throw new TandemError('TANDEM_DATA', `Change events for ${name} carry columns that ${name} on ${describeDb(this.config)} lacks: ${unknown.join(', ')}. Was the table changed during the migration (a column added or renamed on the database being read, or dropped on this one)? Nothing of these changes was written; they wait in the export dir's queue.`, {
        hint: `Make ${name} on ${describeDb(this.config)} match: add each missing column with the same name, type and default (ALTER TABLE … ADD COLUMN … DEFAULT …: the rows already there then hold the same value on both sides, unless the default is volatile, now() or a sequence, when copy the column's values from the other side afterwards), or rename it as on the other side; then rerun the same import command: it resumes where it stopped.`,
      });
    }
    return table;
  }

  /** Reads column types and unique keys of every table from the written database's catalog. */
  /**
   * Triggers and rewrite rules marked ENABLE ALWAYS or ENABLE REPLICA fire in the writer's sessions
   * (session_replication_role = replica switches off only the ordinary ones): for every replicated
   * row they would do again what the other side's own trigger already did and streamed (an audit
   * row twice, a counter counted twice, a timestamp overwritten; a DO INSTEAD rule replaces the
   * write). Refused before anything is written.
   */
  private async refuseReplicaTriggers(client: pg.Client): Promise<void> {
    const specs = [...this.specs.values()];
    if (specs.length === 0) return;
    const firing = await readFiringTriggers(client, { names: specs });
    if (firing.length === 0) return;
    throw firingTriggersError(firing, describeDb(this.config));
  }

  /**
   * Without session_replication_role = replica the written tables' triggers fire and their foreign
   * keys are checked and act (ON DELETE CASCADE, SET NULL) for every replicated row, repeating what
   * the other side's already did: an audit row written twice, a cascade that deletes the rows the
   * stream deletes next. A user who may not set it is refused before anything is written: on the
   * target always, since `import schema --post-snapshot-import` creates the triggers and foreign
   * keys while changes stream (a check of what exists now would let them fire later); on the
   * source (the fall-back's writer) when a written table has an enabled trigger or a foreign key,
   * as with neither nothing would fire.
   */
  private async requireReplicaRole(client: pg.Client): Promise<void> {
    if (this.specs.size === 0 || await mayUseReplicaRole(client)) return;
    await this.refuseWithoutReplicaRole(client);
  }

  /** For a session that may not SET session_replication_role: refused unless no written table has a trigger or foreign key (a source). */
  private async refuseWithoutReplicaRole(client: pg.Client): Promise<void> {
    const specs = [...this.specs.values()];
    if (specs.length === 0) return;
    const user = this.config.user;
    if (this.config.role === 'target') {
      throw new TandemError('TANDEM_PRIVILEGE',
        `User ${user} may not SET session_replication_role = replica on ${describeDb(this.config)}, so the triggers and foreign keys that "import schema --post-snapshot-import" creates there while changes stream would fire and act for every row Tandem writes, repeating what the source already did (an audit row written twice, a cascade deleting rows the stream deletes next). Nothing was written.`,
        { hint: `${replicaRoleGrant(user, true)} Then rerun the same import command: it resumes where it stopped.` });
    }
    const acting = await readTriggersAndForeignKeys(client, { names: specs });
    if (acting.length === 0) return;
    const refusal = replicaRoleRefusal(user, describeDb(this.config), acting);
    throw new TandemError('TANDEM_PRIVILEGE', refusal.message, { hint: refusal.hint });
  }

  private async loadCatalog(client: pg.Client): Promise<void> {
    this.typed.clear();
    this.typedByName.clear();
    const uniques: UniqueKeyInfo[] = [];
    for (const spec of this.specs.values()) {
      const name = qualified(spec.schema, spec.name);
      const cols = await client.query(
        // Casts without typmod (a narrower target column must fail loudly, never truncate), except
        // where the bare name means length 1: character and bit (and their arrays).
        `SELECT a.attname AS col, CASE a.atttypid WHEN 'bpchar'::regtype THEN 'bpchar' WHEN 'bpchar[]'::regtype THEN 'bpchar[]'
                WHEN 'bit'::regtype THEN 'varbit' WHEN 'bit[]'::regtype THEN 'varbit[]' ELSE format_type(a.atttypid, NULL) END AS type,
                a.attidentity = 'a' AS always_identity, a.attgenerated = 's' AS generated, (SELECT c.relkind FROM pg_class c WHERE c.oid = a.attrelid) AS relkind FROM pg_attribute a
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, [name]);
      if (cols.rows.length === 0) {
        // On the source (the fall-back's writer) it existed when the export started: renamed or dropped
        // since (the pg-ddl-48 run: "import the schema first" pointed the wrong way).
        throw new TandemError('TANDEM_PREREQUISITE', `The table ${spec.schema}.${spec.name} does not exist on the ${this.config.role} database.`, {
          hint: this.config.role === 'source'
            ? `It was there when the export started: if it was renamed since, give it its name back (ALTER TABLE … RENAME TO ${quoteIdent(spec.name)}; the exporter named the new one in a warning), or create it as the export dir's schema/tables has it; then rerun the same import command: it resumes.`
            : `Import the schema first (import schema); if the table was renamed on the target, give it its name back (ALTER TABLE … RENAME TO ${quoteIdent(spec.name)}). Then rerun the same import command.`,
        });
      }
      const types = new Map<string, string>(cols.rows.map((r) => [String(r.col), String(r.type)]));
      // The key finds every row; a column the snapshot had and the table lacks now (renamed or
      // dropped on both sides during the migration) matters only to the changes that still carry
      // it, which stop with the table and column named (assertColumns).
      const missingKey = spec.primaryKey.filter((c) => !types.has(c));
      if (missingKey.length) {
        throw new TandemError('TANDEM_PREREQUISITE', `The table ${spec.schema}.${spec.name} on the ${this.config.role} database lacks the key column(s) ${missingKey.join(', ')} that the snapshot recorded.`, {
          hint: `Give ${spec.schema}.${spec.name} its key columns under the snapshot's names (the key of a migrated table cannot change during the migration), then rerun the same command: it resumes.`,
        });
      }
      const missing = spec.columns.filter((c) => !types.has(c) && !spec.primaryKey.includes(c));
      if (missing.length) {
        log.info(`${spec.schema}.${spec.name} on the ${this.config.role} database lacks column(s) the snapshot had: ${missing.join(', ')} (renamed or dropped there); changes that still carry them stop the import`);
      }
      const always = cols.rows.find((r) => pgBool(r.always_identity) && !spec.primaryKey.includes(String(r.col)));
      const generated = cols.rows.filter((r) => pgBool(r.generated)).map((r) => String(r.col));
      const typed: TypedTable = { ...spec, types, plain: cols.rows[0].relkind !== 'p', ...(always ? { alwaysIdentity: String(always.col) } : {}), ...(generated.length ? { generated } : {}) };
      this.typed.set(`${spec.schema}.${spec.name}`, typed);
      let bySchema = this.typedByName.get(spec.schema);
      if (!bySchema) this.typedByName.set(spec.schema, (bySchema = new Map()));
      bySchema.set(spec.name, typed);
      const idx = await client.query(
        `SELECT ic.relname AS name, (i.indisunique AND i.indexprs IS NULL AND i.indpred IS NULL) AS by_value,
                array(SELECT a.attname::text FROM pg_attribute a
                       WHERE a.attrelid = i.indrelid AND (a.attnum = ANY(i.indkey::int2[]) OR a.attnum IN (
                             -- columns read by index expressions and predicates
                             SELECT d.refobjsubid FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid AND d.refobjid = i.indrelid AND d.refobjsubid > 0))
                       ORDER BY 1) AS cols
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
          WHERE i.indrelid = to_regclass($1) AND (i.indisunique OR i.indisexclusion) AND NOT i.indisprimary`, [name]);
      for (const r of idx.rows) {
        uniques.push({ schema: spec.schema, table: spec.name, name: String(r.name), columns: pgArray(r.cols), byValue: r.by_value === true || r.by_value === 't' });
      }
    }
    this.uniques = uniques;
    if (this.foreignKeyActions) {
      // The source's own keys when export data recorded them: what the source did, whatever keys
      // the target has (one may have been dropped there); else the target's.
      this.actions = ForeignKeyActions.fromKeys(this.referentialActions ?? await readForeignKeyActions(client), this.typed);
      if (this.actions.keys.length) {
        log.info(`carrying out the foreign-key actions the change stream leaves out: ${this.actions.keys.map((k) => `${k.child.schema}.${k.child.name}.${k.name}`).join(', ')}`);
      }
    }
  }

  /** A TandemError naming table, operation, vsns, SQLSTATE and constraint, never row values. */
  private describe(e: unknown, channelNo: number, s: PlannedStatement | undefined, first: number, last: number): unknown {
    if (e instanceof TandemError) return e;
    const err = e as { code?: string; message?: string; constraint?: string; column?: string };
    if (!err.code) return e;
    const what = !s ? 'recording progress of' : s.kind === 'truncate' ? `TRUNCATE of ${s.tables.map((t) => `${t.schema}.${t.name}`).join(', ')} in`
      : `${s.kind.toUpperCase()} of ${s.table.schema}.${s.table.name} in`;
    const vsns = s ? s.vsns : { first, last };
    // Messages of class 22 (data exceptions) can quote the offending value; leave them out.
    const reason = err.code.startsWith('22') ? 'invalid value' : err.message;
    const extra = [`SQLSTATE ${err.code}`, err.constraint ? `constraint ${err.constraint}` : '', err.column ? `column ${err.column}` : ''].filter(Boolean).join(', ');
    if (err.code === '42501') {
      // insufficient_privilege: the writing user, not the data (the two databases may well agree).
      return new TandemError('TANDEM_PRIVILEGE',
        `Applying changes on channel ${channelNo} failed: ${what} events ${vsns.first}..${vsns.last}: ${reason} [${extra}]. Nothing of this batch was written; the changes wait in the export dir's queue.`,
        { cause: e, hint: this.privilegeHint(s) });
    }
    return new TandemError('TANDEM_DATA',
      `Applying changes on channel ${channelNo} failed: ${what} events ${vsns.first}..${vsns.last}: ${reason} [${extra}]. Nothing of this batch was written; the changes wait in the export dir's queue.`,
      { cause: e, hint: this.hintFor(err.code, err.message ?? '', s, err.column, err.constraint) });
  }

  /**
   * The GRANT a writer refused with insufficient_privilege needs: TRUNCATE on a TRUNCATE's tables,
   * else what applying rows takes (SELECT finds the rows an UPDATE or DELETE changes).
   */
  private privilegeHint(s: PlannedStatement | undefined): string {
    const user = quoteIdent(this.config.user);
    const rerun = 'then rerun the same import command: it resumes where it stopped.';
    if (!s) return `Grant ${user} what the message names on ${describeDb(this.config)} (as its owner or a superuser), ${rerun}`;
    const [privileges, tables] = s.kind === 'truncate' ? ['TRUNCATE', s.tables] : ['SELECT, INSERT, UPDATE, DELETE', [s.table]];
    return `As the table's owner or a superuser on ${describeDb(this.config)}: GRANT ${privileges} ON ${tables.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`).join(', ')} TO ${user}; `
      + `(or, if the message names another object, what it names), ${rerun}`;
  }

  /** The columns of the statement's table on the written database whose type is `type` as an error message names it ("timestamp" for timestamp without time zone). */
  private columnsOfType(s: PlannedStatement | undefined, type: string): string[] {
    if (!s || s.kind === 'truncate') return [];
    try {
      return [...this.typedTable(s).types].filter(([, t]) => t === type || t.startsWith(`${type} `)).map(([name]) => name);
    } catch {
      return [];
    }
  }

  /** What to do about an apply error, by SQLSTATE (never by the row's values). */
  private hintFor(code: string, message: string, s: PlannedStatement | undefined, column?: string, constraint?: string): string {
    const where = describeDb(this.config);
    const table = s && s.kind !== 'truncate' ? `${s.table.schema}.${s.table.name}` : 'the table';
    // The names as SQL (quoted where they must be), for the statements the hints suggest.
    const sqlTable = s && s.kind !== 'truncate' ? `${quoteIdent(s.table.schema)}.${quoteIdent(s.table.name)}` : table;
    const rerun = 'then rerun the same import command: it resumes where it stopped.';
    if (code === '25006') return `${where} is read-only. ${READ_ONLY_HINT}`;
    if (code === '23514' && /no partition of relation/.test(message)) {
      return `A partition was added on the database being read during the migration: create the same partition of ${table} on ${where}, ${rerun}`;
    }
    if (code === '23502' && column !== undefined) {
      // not_null_violation: the change carries NULL for the column, or (an insert) does not carry it at all.
      return `Column ${column} of ${table} on ${where} refuses NULL, which this change carries or leaves to it: was the column dropped, or made nullable, `
        + `on the database being read during the migration (or added on ${where})? Do the same on ${where} (ALTER TABLE ${sqlTable} DROP COLUMN ${quoteIdent(column)}, or ALTER COLUMN ${quoteIdent(column)} DROP NOT NULL), ${rerun}`;
    }
    // A NULL the column's domain refuses (the error names the domain, not the column).
    const notNullDomain = code === '23502' && column === undefined ? /^domain (.+) does not allow null values/.exec(message)?.[1] : undefined;
    if (notNullDomain !== undefined) {
      return `A column of ${table} on ${where} is of domain ${notNullDomain}, which refuses NULL, and this change carries NULL for it or leaves it out: the column or the domain `
        + `differs from the database being read. Give the column a default on ${where} (ALTER TABLE ${sqlTable} ALTER COLUMN … SET DEFAULT …) or let the domain take NULL `
        + `(ALTER DOMAIN ${notNullDomain} DROP NOT NULL), ${rerun}`;
    }
    if (code === '23514' && constraint !== undefined) {
      // check_violation (a missing partition was handled above).
      return `CHECK constraint ${constraint} of ${table} on ${where} refuses a row that the database being read holds: the two differ there (a constraint the database being read `
        + `does not have, or has not validated). Drop it on ${where} (ALTER TABLE ${sqlTable} DROP CONSTRAINT ${quoteIdent(constraint)}; it can be added back NOT VALID later), ${rerun}`;
    }
    if (code === '23505') {
      const under = constraint !== undefined ? ` under unique constraint ${constraint}` : '';
      return `A row of ${table} clashes with another row on ${where}${under}: the two databases differ there (a unique constraint or index that the database being read `
        + `does not have, or a row written on ${where} outside the migration). Make ${where} agree with the database being read, ${rerun}`;
    }
    if (code === '22P05') {
      // untranslatable_character: the written database's encoding has no such character (a
      // fall-back into a LATIN1 source). The message names the encoding, never the value.
      const encoding = /in encoding "([^"]+)" has no equivalent in encoding "([^"]+)"/.exec(message)?.[2] ?? 'its encoding';
      return `A value of ${table} holds a character that ${where} cannot store (its encoding is ${encoding}), so this change can never be written there: `
        + 'a database\'s encoding cannot be changed, and the stream cannot go past the change. Nothing is lost on the database being read: keep the application there, '
        + `or bring ${where} in step with it by hand (without such characters) before moving back.`;
    }
    // The enum's name is the schema's, not the row's: a label added to it on the source (ALTER TYPE … ADD VALUE) is not replicated.
    const enumType = code === '22P02' ? /^invalid input value for enum (.+?): "/.exec(message)?.[1] : undefined;
    if (enumType !== undefined) {
      // The label is a row's value and is not said; the query that lists both sides' labels is
      // (measured before: with two labels added, which ones was left to the user; the pg-values-51 run).
      const labels = `SELECT enumlabel FROM pg_enum WHERE enumtypid = '${enumType.replace(/'/g, "''")}'::regtype ORDER BY enumsortorder;`;
      return `A value is not a label of enum type ${enumType} on ${where}: was a label added to it on the database being read during the migration (ALTER TYPE … ADD VALUE)? `
        + `Run ${labels} on both databases to see which labels ${where} lacks, and add each on ${where} (ALTER TYPE ${enumType} ADD VALUE '…', in the same place: BEFORE/AFTER), ${rerun}`;
    }
    // generated_always: a GENERATED ALWAYS identity column of the key that the change gives a new
    // value (the other side changed a row's key: UPDATE … SET id = DEFAULT, or with its own column
    // BY DEFAULT), which no UPDATE may write (measured before: the generic hint; the schema-pg-53 run).
    const always = code === '428C9' ? /^column "(.+)" can only be updated to DEFAULT/.exec(message)?.[1] : undefined;
    if (always !== undefined) {
      const col = quoteIdent(always);
      return `Column ${always} of ${table} is GENERATED ALWAYS AS IDENTITY on ${where}, and this change gives a row a new value there (its key changed on the database being read), which no UPDATE may write. `
        + `Let it be written for the rest of the migration: ALTER TABLE ${sqlTable} ALTER COLUMN ${col} SET GENERATED BY DEFAULT; on ${where}, ${rerun} `
        + `Once the migration has ended there, ALTER TABLE ${sqlTable} ALTER COLUMN ${col} SET GENERATED ALWAYS; gives it back.`;
    }
    if (code === '22P02' && /type json\b/.test(message)) return jsonRefusedHint(table, sqlTable, this.columnsOfType(s, 'json'), where, rerun);
    if (code.startsWith('22')) {
      // The message names the type ("invalid input syntax for type numeric: …"), never the column:
      // the table's columns of that type on the written database are the candidates.
      // Too long and out of range name it too (the pg-ddl-48 run: their hints named no column).
      const type = /^invalid input syntax for type (.+?):/.exec(message)?.[1]
        ?? /^value too long for type (.+?)(?:\(\d+\))?$/.exec(message)?.[1]
        ?? /^(smallint|integer|bigint) out of range/.exec(message)?.[1]
        ?? /out of range for type (\w+(?: \w+)*)$/.exec(message)?.[1]
        ?? (/^numeric field overflow/.test(message) ? 'numeric' : undefined);
      // The catalog names character(n) bpchar (see loadCatalog).
      const columns = type !== undefined ? this.columnsOfType(s, type === 'character' ? 'bpchar' : type) : [];
      const which = columns.length > 0 ? `the ${columns.length > 1 ? 'columns' : 'column'} of type ${type} of ${table} (${columns.join(', ')})` : 'the column';
      return `A value does not fit ${which} on ${where}: was the column's type changed on the database being read during the migration? Change it the same way on ${where}`
        + `${columns.length === 1 ? ` (ALTER TABLE ${sqlTable} ALTER COLUMN ${quoteIdent(columns[0]!)} TYPE …)` : ''}, ${rerun}`;
    }
    return `Make ${table} on ${where} accept the change (it differs from the database being read), ${rerun}`;
  }
}
