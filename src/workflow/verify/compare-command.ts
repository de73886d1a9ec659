import type { MetaStore } from '../../core/meta-store.js';
import { describeDb } from '../../core/db-config.js';
import { TandemError } from '../../core/errors.js';
import { log } from '../../core/logger.js';
import { faultpoint } from '../../core/failpoint.js';
import { CutoverState } from '../cutover/cutover-state.js';
import { ProgressBoard } from '../../core/progress.js';
import type { SnapshotTableRow } from '../../core/meta-store.js';
import type { ComparisonSide } from '../../core/engine/verification.js';
import type { TableRef } from '../../core/engine/catalog.js';
import type { CommandEnv } from '../command-env.js';
import { filterTables } from '../table-filter.js';
import { openMigration, sourceSide, targetSide, type Side } from '../migration-context.js';
import { compareDatabases, readStorageStamps, type ComparedTable, type ComparisonProgress, type StampsRead, type TableComparison } from './table-comparison.js';
import { VerificationStore, type VerificationOccasion, type VerificationRun } from './verification-store.js';
import { renderVerificationReport, verdictLine } from './verification-report.js';
import { firstDifferingKeys, type KeyDifference } from '../../core/verify/differing-keys.js';
import { settleAll } from '../../core/settle.js';
import { QueueConsumers } from '../../core/queue/queue-consumers.js';
import { readQueueState } from '../../core/queue/queue-tables.js';
import { isRunning, queueConsumerNow, type StreamingCommand } from '../streaming-commands.js';

/** Options of {@link verifyMigration}; table lists use the --table-list syntax. */
export interface VerifyOptions {
  readonly tableList?: string;
  readonly excludeTableList?: string;
  /** Tables compared at once (connections per side). Default 4. */
  readonly parallelJobs?: number;
  readonly onProgress?: (event: ComparisonProgress) => void;
  /**
   * For a table that differs, name its first differing primary keys, at most this many (both sides
   * read the table once more, ordered by key). Default 0: not looked for.
   */
  readonly differingKeys?: number;
  /**
   * Both sides made (and their connections opened) beforehand by {@link warmComparisonSides}, used
   * instead of new ones and closed with the comparison.
   */
  readonly sides?: WarmSides;
}

/** Both comparison sides, made ahead of a comparison (see {@link warmComparisonSides}). */
export interface WarmSides {
  readonly left: ComparisonSide;
  readonly right: ComparisonSide;
}

/**
 * Makes both comparison sides of `jobs` connections each and opens their connections (where a side
 * can open them without reading anything: `ComparisonSide.warm`), for a comparison that starts
 * later (a cutover's, once its marker is applied). Undefined when a side cannot be opened: the
 * comparison then opens its own and reports what fails. The caller closes the sides it does not use.
 */
export async function warmComparisonSides(source: Side, target: Side, jobs: number): Promise<WarmSides | undefined> {
  const left = source.engine.comparisonSide(source.db, 'source', jobs);
  const right = target.engine.comparisonSide(target.db, 'target', jobs);
  const opened = await Promise.allSettled([left.warm?.(jobs), right.warm?.(jobs)]);
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (!failed) return { left, right };
  log.debug(`comparison connections not opened ahead: ${(failed.reason as Error).message}`);
  await Promise.all([left.close(), right.close()]);
  return undefined;
}

/** Most tables whose differing keys `verifyMigration` looks for in one run. */
const MAX_TABLES_WITH_KEYS = 10;

/** A verification run, with the first differing keys of tables that differ when they were looked for. */
export type VerificationRunWithKeys = VerificationRun & {
  /** By table key: the first differing keys, or why they could not be named. */
  readonly differingKeys?: ReadonlyMap<string, KeyDifference[] | { readonly error: string }>;
};

/**
 * Refuses, before any connection, an export dir where there is nothing to compare yet. Exported so
 * the cutover can run the same check before it starts.
 */
export function checkVerifiable(meta: MetaStore): void {
  if (meta.snapshotTables().length === 0) {
    throw new TandemError('TANDEM_EXPORT_DIR', 'Nothing to compare: no data has been exported into this export dir yet.', {
      hint: 'Run "tandem export data" and "tandem import data" first.',
    });
  }
  if (!meta.getDbConfig('target')) {
    throw new TandemError('TANDEM_EXPORT_DIR', 'Nothing to compare: no target database is recorded in this export dir.', {
      hint: 'Run "tandem import data" first; it records the target.',
    });
  }
}

/** The migration's tables (from the snapshot), filtered by the --table-list syntax. */
function snapshotTablesToCompare(meta: MetaStore, options: VerifyOptions): (SnapshotTableRow & { schema: string; name: string })[] {
  return filterTables(meta.snapshotTables().map((t) => ({ ...t, schema: t.schemaName, name: t.tableName })), options.tableList, options.excludeTableList);
}

/**
 * Each table with the columns to fingerprint: all the source's columns in column order, generated
 * ones included, as they must match too.
 */
function withSourceColumns(columns: ReadonlyMap<string, string[]>, snapshot: readonly (SnapshotTableRow & { schema: string; name: string })[], intervalDaysAsHours: boolean): ComparedTable[] {
  return snapshot.map((t) => ({
    key: t.tableKey, schema: t.schemaName, name: t.tableName,
    // A table gone from the source keeps its snapshot columns; its scan then reports it missing.
    columns: columns.get(`${t.schemaName}.${t.tableName}`) ?? t.columns,
    estimatedRows: t.exportedRows,
    ...(intervalDaysAsHours ? { intervalDaysAsHours } : {}),
  }));
}

/** Both sides of a comparison, opened, and the tables to compare with the source's columns. */
export interface OpenedComparison {
  readonly left: ComparisonSide;
  readonly right: ComparisonSide;
  readonly tables: ComparedTable[];
  /** Keys of the tables a side does not have (compared anyway: the scan reports them missing). */
  readonly missing: ReadonlySet<string>;
  /** Both sides' storage stamps of the tables matched earlier (`stillValid`), read beside the columns. */
  readonly stamps?: Promise<StampsRead>;
  close(): Promise<void>;
}

/**
 * Opens both comparison sides (`jobs` connections at most each) and lists the migration's tables to
 * compare. Closes what it opened when it fails.
 */
export async function openComparison(meta: MetaStore, source: Side, target: Side, jobs: number,
  options: Pick<VerifyOptions, 'tableList' | 'excludeTableList' | 'sides'> & { readonly stillValid?: ReadonlyMap<string, TableComparison> } = {}): Promise<OpenedComparison> {
  const snapshot = snapshotTablesToCompare(meta, options);
  const left = options.sides?.left ?? source.engine.comparisonSide(source.db, 'source', jobs);
  const right = options.sides?.right ?? target.engine.comparisonSide(target.db, 'target', jobs);
  const daysAsHours = source.engine.capabilities.timesAsIntervals;
  const close = async () => {
    await Promise.all([left.close(), right.close()]);
  };
  try {
    // Both settle before a failure closes the pools, so no connection is left half-open. Opened even
    // when every table matched earlier and no change to it was streamed since: a table dropped on a
    // side (DDL does not travel through the stream) must not be taken as still matching (measured
    // before: "all 8 tables MATCH" at a cutover after a migrated table was dropped on the source).
    await settleAll([left.open(), right.open()]);
    // The columns, the settings values are read with and the storage stamps at once, each side on
    // connections of its own (a cutover's were opened at the request): one round trip, not three.
    const stamps = options.stillValid?.size ? readStorageStamps(left, right, snapshot.map((t) => ({ key: t.tableKey, schema: t.schemaName, name: t.tableName })), options.stillValid) : undefined;
    stamps?.catch(() => {}); // awaited by the comparison, or dropped with this failure
    const [[onLeft, onRight], readings] = await Promise.all([
      Promise.all([left.listColumns(snapshot), right.listColumns(snapshot)]),
      differentReadings(left, right, snapshot),
    ]);
    const missing = snapshot.filter((t) => !onLeft.has(`${t.schemaName}.${t.tableName}`) || !onRight.has(`${t.schemaName}.${t.tableName}`)).map((t) => t.tableKey);
    const tables = withSourceColumns(onLeft, snapshot, daysAsHours).map((t) => {
      const l = onLeft.get(`${t.schema}.${t.name}`);
      const r = onRight.get(`${t.schema}.${t.name}`);
      const onlyRight = l && r ? r.filter((c) => !l.includes(c)) : [];
      const readingDiffers = readings.get(`${t.schema}.${t.name}`);
      return { ...t, ...(onlyRight.length > 0 ? { onlyRight } : {}), ...(readingDiffers ? { readingDiffers } : {}) };
    });
    return { left, right, tables, close, missing: new Set(missing), ...(stamps ? { stamps } : {}) };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * The tables whose values both sides read, by default, under settings that differ
 * (`ComparisonSide.valueReadings`), keyed `schema.table`, each with the words that say how; a side
 * that cannot tell, or a table only one side's reading names, is left out.
 */
async function differentReadings(left: ComparisonSide, right: ComparisonSide, tables: readonly TableRef[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!left.valueReadings || !right.valueReadings || tables.length === 0) return out;
  const [l, r] = await Promise.all([left.valueReadings(tables), right.valueReadings(tables)]);
  for (const [key, lv] of l) {
    const rv = r.get(key);
    if (!rv) continue;
    if (rv.same !== lv.same) {
      out.set(key, `read as ${lv.said} on the ${left.label} and ${rv.said} on the ${right.label}: the same stored amounts, but an application reads other figures on each (for the ${right.label} to read them as the ${left.label} does: ${rv.setTo(lv.setting)})`);
      continue;
    }
    // An application's own role may set its own (a role that sets none reads the database's).
    const roles = [...new Set([...(lv.byRole?.keys() ?? []), ...(rv.byRole?.keys() ?? [])])].sort();
    const differ: string[] = [];
    for (const role of roles) {
      // A role only one side has (fix-verify-51b: a false MISMATCH, and an ALTER ROLE for a role the target lacks).
      if (lv.roles && rv.roles && !(lv.roles.has(role) && rv.roles.has(role))) continue;
      const a = lv.byRole?.get(role) ?? lv.others;
      const b = rv.byRole?.get(role) ?? rv.others;
      if (!a || !b || a.same === b.same) continue;
      const fix = rv.byRole?.has(role) ? b.setTo(a.setting) : rv.setToForRole?.(role, a.setting);
      differ.push(`role ${role} reads it as ${a.said} on the ${left.label} and ${b.said} on the ${right.label}${fix ? ` (for the ${right.label} to read it as the ${left.label} does: ${fix})` : ''}`);
    }
    if (differ.length > 0) out.set(key, `read differently by a role: ${differ.join('; ')}: the same stored amounts, but an application connecting as that role reads other figures on each side`);
  }
  return out;
}

/**
 * Compares every migrated table between source and target (row count and order-independent
 * checksum, computed by each server), records the run in meta.db and returns it. Never throws for a
 * mismatch: the caller decides (`run.match`). Throws for connection or usage errors.
 * `stillValid`: matches of tables that have not changed since (not scanned again).
 *
 * @example const run = await verifyMigration(meta, source, target, 'cutover-to-target', { parallelJobs: 4 });
 */
export async function verifyMigration(
  meta: MetaStore, source: Side, target: Side, occasion: VerificationOccasion,
  options: VerifyOptions & { readonly stillValid?: ReadonlyMap<string, TableComparison> } = {},
): Promise<VerificationRunWithKeys> {
  try {
    checkVerifiable(meta);
  } catch (e) {
    await Promise.all([options.sides?.left.close(), options.sides?.right.close()]);
    throw e;
  }
  const jobs = Math.max(1, options.parallelJobs ?? 4);
  const { left, right, tables, close, missing, stamps } = await openComparison(meta, source, target, jobs, options);
  try {
    // An earlier match of a table a side no longer has does not hold.
    const stillValid = options.stillValid && new Map([...options.stillValid].filter(([key]) => !missing.has(key)));
    log.info(`compare (${occasion}): ${tables.length} tables between ${describeDb(source.db)} and ${describeDb(target.db)}, ${jobs} jobs${options.stillValid?.size ? `, ${options.stillValid.size} verified earlier and unchanged since` : ''}`);
    const result = await compareDatabases({
      left, right, tables, parallelJobs: jobs, onProgress: options.onProgress, stillValid, ...(stamps ? { storageStamps: stamps } : {}),
      ...(occasion === 'compare' ? {} : { beforeRightRead: () => faultpoint('cutover.verify-read') }),
    });
    const run = new VerificationStore(meta).record(occasion, result);
    log.info(`compare (${occasion}) run ${run.runId}: ${verdictLine(run)}`);
    if (!options.differingKeys || run.match) return run;
    return { ...run, differingKeys: await namedDifferences(left, right, tables, run, options.differingKeys) };
  } finally {
    await close();
  }
}

/**
 * The first `limit` differing primary keys of each table that differs (up to MAX_TABLES_WITH_KEYS
 * tables; not for a table a side could not read), when both sides can stream rows by key and the
 * target names the table's key. A table without a primary key, or whose rows a side does not
 * deliver in the portable order, gets the reason instead.
 */
async function namedDifferences(left: ComparisonSide, right: ComparisonSide, tables: readonly ComparedTable[], run: VerificationRun, limit: number): Promise<Map<string, KeyDifference[] | { error: string }>> {
  const out = new Map<string, KeyDifference[] | { error: string }>();
  if (!left.rowsByKey || !right.rowsByKey || !right.keyOf) return out;
  const byKey = new Map(tables.map((t) => [t.key, t]));
  const differing = run.results.filter((r) => !r.match && !r.error).slice(0, MAX_TABLES_WITH_KEYS);
  for (const r of differing) {
    const table = byKey.get(r.table);
    if (!table) continue;
    try {
      const key = await right.keyOf(table);
      if (!key) {
        out.set(r.table, { error: `no primary key on the ${right.label}` });
        continue;
      }
      const keyed = (side: ComparisonSide) => ({ label: side.label, rowsByKey: side.rowsByKey!.bind(side) });
      out.set(r.table, await firstDifferingKeys(keyed(left), keyed(right), table, key.key, key.orders, limit));
    } catch (e) {
      out.set(r.table, { error: (e as Error).message });
    }
  }
  return out;
}

/** Options of `tandem compare`. */
export interface CompareOptions {
  readonly exportDir: string;
  /** `--table-list` / `--exclude-table-list`, in their flag syntax. */
  readonly tableList?: string;
  readonly excludeTableList?: string;
  /** Tables compared at once (connections per database). */
  readonly parallelJobs: number;
  readonly outputFormat: 'table' | 'json';
}

/** Differing keys `tandem compare` names per table that differs. */
const FIRST_DIFFERING_KEYS = 5;

/** `tandem compare`: proves source and target hold the same rows; exits 1 naming the tables that differ and their first differing keys. */
export async function runCompare(env: CommandEnv, options: CompareOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false });
  try {
    checkVerifiable(m.meta);
    const source = await sourceSide(env, m.meta);
    const target = await targetSide(env, m.meta);
    const json = options.outputFormat === 'json';
    // Progress goes to stderr when stdout carries JSON, so the JSON stays parseable.
    const progressOut = json ? reporter.stderr : reporter.stdout;
    const progress = new ProgressBoard(progressOut, 'rows');
    progressOut.write(`Comparing tables of source ${describeDb(source.db)} and target ${describeDb(target.db)}\n`);
    progress.start();
    let run: VerificationRunWithKeys;
    try {
      run = await verifyMigration(m.meta, source, target, 'compare', {
        differingKeys: FIRST_DIFFERING_KEYS,
        tableList: options.tableList,
        excludeTableList: options.excludeTableList,
        parallelJobs: options.parallelJobs,
        onProgress: (e) => {
          if (e.kind === 'start') progress.addRunning(e.table.key, e.table.estimatedRows ?? 0);
          else progress.finish(e.table.key, Math.max(e.result.leftRows ?? 0, e.result.rightRows ?? 0));
        },
      });
    } finally {
      progress.stop();
    }
    if (!json) reporter.print('');
    reporter.print(renderVerificationReport(run, json ? 'json' : 'table', run.differingKeys));
    if (!run.match) {
      const streaming = stillStreaming(m.meta, m.exportDir.metainfoDir);
      // A table or column one side lacks does not go away when the stream catches up.
      const definite = run.results.filter((r) => !r.match).every((r) => r.missing);
      throw new TandemError('TANDEM_DATA', verdictLine(run), {
        hint: definite
          ? 'These tables differ in their tables, columns or the settings their values are read with (the report names each): neither DDL nor a setting travels through the stream, so this lasts until someone makes both sides the same (a column only one side has: add it on the other with its default where it was added, or drop it where it is if the other side dropped it; a setting: the statement the report gives), then compare again.'
          : streaming
          ? `Changes are still streaming (${streaming}): each database was read as it was at that moment, so a table being written differs by the changes still on their way. Compare again once writes have stopped (the cutover verifies every table itself); a difference that stays after that is real.`
          : `Source and target differ in these tables (the report above names their first differing keys where it can). ${lastCutoverDone(m.meta)
            ? 'The migration has cut over: the application writes only one side now, and the other one needs those rows fixed (or this difference explained) before it is relied on.'
            : 'Find the cause before a cutover (a write that bypassed the stream, a trigger on one side, a value the target stores differently, a stored generated column the target computed anew: its expression differs, or a function it calls changed on the source after those rows were written).'}`,
      });
    }
  } finally {
    m.close();
  }
}

/** True once the migration's last cutover has completed: to target without fall-back, or to source. */
function lastCutoverDone(meta: MetaStore): boolean {
  const toTarget = CutoverState.get(meta, 'to_target');
  if (toTarget.status !== 'COMPLETED') return false;
  return !toTarget.prepareForFallBack || CutoverState.get(meta, 'to_source').status === 'COMPLETED';
}

/**
 * While a live migration streams (before its last cutover completes, with a streaming command
 * running), what is still on its way, for the message; undefined when nothing streams.
 */
export function stillStreaming(meta: MetaStore, metainfoDir: string): string | undefined {
  const type = meta.getValue<string>('export_type');
  if (type !== 'snapshot-and-changes' && type !== 'changes-only') return undefined;
  const consumer = queueConsumerNow(meta);
  if (!consumer) return undefined;
  // The two commands of this phase: after a cutover the earlier phase's names are held by the same
  // processes under their new roles (measured before: four commands named, two processes; the pg-chaos run).
  const [producer, importer]: [StreamingCommand, StreamingCommand] = consumer === 'target'
    ? ['export data from source', 'import data to target'] : ['export data from target', 'import data to source'];
  const running = [producer, importer].filter((c) => isRunning(metainfoDir, c));
  if (running.length === 0) return undefined;
  const pending = Math.max(0, readQueueState(meta).lastVsn - (QueueConsumers.appliedVsn(meta, consumer) ?? 0));
  if (!running.includes(importer) && pending > 0) {
    return `${producer} running, but ${importer} is not: about ${pending} queued change event(s) wait for it to apply them to the ${consumer} (start it again; if it stopped with an error, its last lines and logs/ say why)`;
  }
  // With nothing queued, only a write made during the comparison can explain a difference.
  return pending === 0
    ? `${running.join(' and ')} running, but no queued change was waiting to be applied to the ${consumer} when the comparison ended: unless the application wrote during the comparison, the difference is not the stream's delay`
    : `${running.join(' and ')} running; about ${pending} queued change event(s) not yet applied to the ${consumer} when the comparison ended, and the application may still be writing`;
}
