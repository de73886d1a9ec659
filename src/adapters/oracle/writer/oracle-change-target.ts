import type { ChangeEvent } from '../../../core/change-event.js';
import type { ChangeTarget, ChannelProgress, UniqueKeyInfo } from '../../../core/change-target.js';
import { TandemError } from '../../../core/errors.js';
import { ActingWhileWriting } from '../../../core/engine/write-guard.js';
import { qualifiedOracleName } from '../snapshot/snapshot-sql.js';
import { rowsNotFoundError } from '../../../core/apply/rows-not-found.js';
import { planBatch, writtenTables, type AppliedTable, type PlannedStatement } from '../../../core/apply/batch-plan.js';
import type { OracleTable } from '../values/oracle-type.js';
import type { OracleSession } from '../connection.js';
import { isOracleTransientConflict, isOracleUniqueViolation } from '../oracle-errors.js';
import {
  CHANNELS_READ_SQL, CHANNELS_TABLE, describeLosses, enabledTriggersLook, oracleWriteStatements, progressStatements,
  type LossCounts, type WriterTable,
} from './writer-sql.js';

/**
 * `import data to source` into Oracle: the ChangeTarget the dispatcher drives, one Oracle session
 * per channel. Each batch is one transaction: its statements (array DML through `executeMany`) and
 * the spec's two progress rows, committed together; events at or below the channel's
 * last_applied_vsn are skipped, so a replay after a crash changes nothing.
 *
 * NOT RUN AGAINST A LIVE ORACLE. The statements and binds it sends are built and unit-tested in
 * `writer-sql.ts`; this class only sequences them.
 */
export interface OracleChangeTargetOptions {
  /** Every table events may name, keyed `schema.table` as events name it. */
  readonly tables: ReadonlyMap<string, { readonly applied: AppliedTable; readonly writer: WriterTable }>;
  /** Unique keys other than primary keys (event names), for the dispatcher. */
  readonly uniqueKeys?: readonly UniqueKeyInfo[];
  /** Reports values Oracle stores differently ('' as NULL…), per batch that has any. */
  readonly onLoss?: (lines: string[]) => void;
  /** The database as messages name it (`describeDb`); "the Oracle database" without it. */
  readonly where?: string;
}

const ENSURE_CHANNEL_SQL = `MERGE INTO ${CHANNELS_TABLE} t
USING (SELECT :uuid AS migration_uuid, :channel AS channel_no FROM DUAL) s
   ON (t.migration_uuid = s.migration_uuid AND t.channel_no = s.channel_no)
 WHEN NOT MATCHED THEN INSERT (migration_uuid, channel_no, last_applied_vsn, num_inserts, num_updates, num_deletes)
      VALUES (s.migration_uuid, s.channel_no, 0, 0, 0, 0)`;

export class OracleChangeTarget implements ChangeTarget {
  private sessions: OracleSession[] = [];
  private lastApplied: number[] = [];
  private migrationUuid = '';
  /** Losses of all batches so far (for the final report). */
  readonly losses: LossCounts = new Map();

  constructor(private readonly open: () => Promise<OracleSession>, private readonly options: OracleChangeTargetOptions) {}

  async prepare(migrationUuid: string, channels: number): Promise<ChannelProgress[]> {
    if (!Number.isInteger(channels) || channels < 1) throw new TandemError('TANDEM_USAGE', `The channel count must be a positive integer (got ${channels}).`);
    await this.close();
    this.migrationUuid = migrationUuid;
    const admin = await this.open();
    let rows: Record<string, unknown>[];
    try {
      const existing = await admin.query(CHANNELS_READ_SQL, { uuid: migrationUuid });
      const max = existing.reduce((m, r) => Math.max(m, Number(r.CHANNEL_NO)), -1);
      if (max >= channels) throw new TandemError('TANDEM_EXPORT_DIR', `This migration applied changes with ${max + 1} channels; it must keep that number (asked for ${channels}).`);
      await admin.executeMany(ENSURE_CHANNEL_SQL, Array.from({ length: channels }, (_, i) => ({ uuid: migrationUuid, channel: i })), { uuid: { type: 'varchar', maxSize: 36 }, channel: { type: 'number' } });
      await admin.commit();
      rows = await admin.query(CHANNELS_READ_SQL, { uuid: migrationUuid });
    } finally {
      await admin.close();
    }
    const progress = rows.map((r) => ({
      channelNo: Number(r.CHANNEL_NO), lastAppliedVsn: Number(r.LAST_APPLIED_VSN),
      inserts: Number(r.NUM_INSERTS), updates: Number(r.NUM_UPDATES), deletes: Number(r.NUM_DELETES),
    }));
    this.lastApplied = progress.map((p) => p.lastAppliedVsn);
    this.sessions = await Promise.all(progress.map(() => this.open()));
    return progress;
  }

  uniqueKeys(): readonly UniqueKeyInfo[] {
    return this.options.uniqueKeys ?? [];
  }

  private table(key: string): { applied: AppliedTable; writer: WriterTable } {
    const t = this.options.tables.get(key);
    if (!t) throw new TandemError('TANDEM_UNKNOWN_TABLE', `Events name ${key}, which is not among the tables written to Oracle.`);
    return t;
  }

  async applyBatch(channelNo: number, events: readonly ChangeEvent[]): Promise<void> {
    const session = this.sessions[channelNo];
    if (!session) throw new TandemError('TANDEM_USAGE', `Channel ${channelNo} does not exist; call prepare first.`);
    const fresh = events.filter((e) => e.vsn > this.lastApplied[channelNo]!);
    if (fresh.length === 0) return;
    const plan = planBatch(fresh, (e) => this.table(`${e.schema}.${e.table}`).applied);
    const batchLosses: LossCounts = new Map();
    try {
      for (const p of plan.statements) {
        for (const s of oracleWriteStatements(p, (k) => this.table(k).writer, batchLosses)) {
          const n = await session.executeMany(s.sql, s.rows, s.bindTypes).catch((e: unknown) => {
            // A data error (mapped by the session, see oracle-errors.ts) says which statement and events it stopped at.
            if (!(e instanceof TandemError) || e.code !== 'TANDEM_DATA') throw e;
            throw new TandemError('TANDEM_DATA', `Applying changes on channel ${channelNo} failed: ${p.kind.toUpperCase()} of ${s.tableKey} in events ${p.vsns.first}..${p.vsns.last}: ${e.message} `
              + 'Nothing of this batch was written; the changes wait in the export dir\'s queue.', { hint: e.hint, cause: e.cause });
          });
          if (s.expectedRows !== undefined && n !== s.expectedRows && p.kind !== 'insert' && p.kind !== 'truncate') {
            throw rowsNotFoundError({ table: s.tableKey, kind: p.kind, missing: s.expectedRows - n, total: s.expectedRows, vsns: p.vsns, where: this.options.where ?? 'the Oracle database' });
          }
        }
      }
      await this.refuseEnabledTriggers(session, plan.statements);
      const last = fresh[fresh.length - 1]!.vsn;
      for (const s of progressStatements(this.migrationUuid, channelNo, last, plan)) await session.executeMany(s.sql, s.rows, s.bindTypes);
      await session.commit();
      this.lastApplied[channelNo] = last;
    } catch (e) {
      await session.rollback().catch(() => {});
      throw e;
    }
    if (batchLosses.size > 0) {
      mergeLosses(this.losses, batchLosses);
      this.options.onLoss?.(describeLosses(batchLosses));
    }
  }

  /** Throws ActingWhileWriting (the caller rolls back) when a written table has an enabled trigger now (`enabledTriggersLook`). */
  private async refuseEnabledTriggers(session: OracleSession, statements: readonly PlannedStatement[]): Promise<void> {
    const written = new Map<string, OracleTable>();
    for (const t of writtenTables(statements)) {
      const o = this.table(`${t.schema}.${t.name}`).writer.oracle;
      written.set(`${o.schema}.${o.name}`, o);
    }
    if (written.size === 0) return;
    const look = enabledTriggersLook([...written.values()]);
    const rows = await session.query(look.sql, look.binds);
    if (rows.length === 0) return;
    const found = rows.map((r) => ({ owner: String(r.OWNER), name: String(r.TRIGGER_NAME), on: `${String(r.TABLE_OWNER)}.${String(r.TABLE_NAME)}` }));
    const where = this.options.where ?? 'the Oracle database';
    throw new ActingWhileWriting(found.map((f) => `trigger ${f.owner}.${f.name} on ${f.on}`),
      `Triggers on ${where} were enabled or created while Tandem was writing there, and would fire for every row it writes: ${found.map((f) => `${f.owner}.${f.name} on ${f.on}`).join(', ')}. The transaction that met them was rolled back, so nothing of it was written.`,
      `Disable them while Tandem writes: ${found.map((f) => `ALTER TRIGGER ${qualifiedOracleName(f.owner, f.name)} DISABLE;`).join(' ')} Then rerun the same import command: it resumes. Enable them again after the cutover to the source.`);
  }

  isKeyConflict(error: unknown): boolean {
    return isOracleUniqueViolation(error);
  }

  isTransientConflict(error: unknown): boolean {
    return isOracleTransientConflict(error);
  }

  async close(): Promise<void> {
    const s = this.sessions;
    this.sessions = [];
    await Promise.all(s.map((x) => x.close()));
  }
}

function mergeLosses(into: LossCounts, from: LossCounts): void {
  for (const [t, cols] of from) {
    let ti = into.get(t);
    if (!ti) into.set(t, (ti = new Map()));
    for (const [c, kinds] of cols) {
      let ci = ti.get(c);
      if (!ci) ti.set(c, (ci = new Map()));
      for (const [k, n] of kinds) ci.set(k, (ci.get(k) ?? 0) + n);
    }
  }
}
