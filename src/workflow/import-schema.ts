import { TandemError } from '../core/errors.js';
import { describeDb, toStored } from '../core/db-config.js';
import { ProgressBoard } from '../core/progress.js';
import { log } from '../core/logger.js';
import type { SchemaApplyResult, StatementResult } from '../core/engine/target.js';
import type { CommandEnv } from './command-env.js';
import { readSchemaStatements } from './schema/schema-statements-reader.js';
import { assertSchemaApplied, firstLine } from './schema/schema-apply-report.js';
import { checkSameDatabase, openMigration, targetSide } from './migration-context.js';
import { renderTable } from './text-table.js';
import { applyWithParallelIndexes } from './schema/parallel-index-apply.js';
import { availableParallelism } from 'node:os';
import { INDEXES_STARTED_BY_IMPORT, splitBuiltByImport } from './snapshot-index-builds.js';
import { CommandLock } from '../core/lock.js';
import { failpoint } from '../core/failpoint.js';
import { SchemaRunRecord } from './schema/schema-run-record.js';
import { sleep } from '../core/sleep.js';
import type { MetaStore } from '../core/meta-store.js';
import type { Reporter } from '../core/reporter.js';

/** Options of `tandem import schema`. */
export interface ImportSchemaOptions {
  readonly exportDir: string;
  /** `--post-snapshot-import`: create the indexes and triggers left out before the data import. */
  readonly postSnapshotImport: boolean;
  /** `--ignore-exist`: "already exists" errors count as done. */
  readonly ignoreExist: boolean;
  /** `--continue-on-error`: go on after a failed statement. */
  readonly continueOnError: boolean;
  /** `--object-type-list` / `--exclude-object-type-list`, split at commas. */
  readonly objectTypeList?: readonly string[];
  readonly excludeObjectTypeList?: readonly string[];
  /**
   * `--parallel-jobs`: with `postSnapshotImport`, secondary indexes built at once. Default: this
   * machine's cores, at most 4. (The schema before the data is created on one session.)
   */
  readonly parallelJobs?: number;
}

/** `tandem import schema [--post-snapshot-import true]`: applies the DDL under schema/ to the target. */
export async function runImportSchema(env: CommandEnv, options: ImportSchemaOptions): Promise<void> {
  const { reporter } = env;
  const m = openMigration(env, options.exportDir, { create: false, lock: 'import-schema' });
  try {
    const { meta, exportDir } = m;
    if (meta.getStep('export_schema').status !== 'DONE') {
      throw new TandemError('TANDEM_EXPORT_DIR', 'There is no exported schema in this export dir.', { hint: 'Run "tandem export schema" first.' });
    }
    const { db: target, engine } = await targetSide(env, meta);
    checkSameDatabase(meta, target);
    const postSnapshot = options.postSnapshotImport;
    if (postSnapshot && meta.getStep('import_schema').status !== 'DONE') {
      // Its indexes and triggers are created on the tables (and in the schemas) that import schema creates.
      throw new TandemError('TANDEM_USAGE', 'import schema --post-snapshot-import true creates the indexes and triggers on the tables that import schema creates, and import schema has not completed in this export dir.', {
        hint: `Run tandem import schema --export-dir ${exportDir.root} (without --post-snapshot-import) first; it skips what already exists.`,
      });
    }
    if (postSnapshot && meta.getStep('import_data').status === 'NOT_STARTED') {
      reporter.warn('the data import has not run yet; indexes and triggers are meant to be created after the snapshot is loaded.');
    }
    // Parse every file before touching the target: a syntax error changes nothing.
    if (postSnapshot) await waitForSnapshotIndexBuilds(reporter, meta, exportDir.metainfoDir);
    const read = await readSchemaStatements(exportDir.schemaDir, {
      postSnapshot, objectTypeList: options.objectTypeList, excludeObjectTypeList: options.excludeObjectTypeList,
    });
    // Indexes that "import data" built as their tables finished loading (--build-indexes) are done.
    const { built: prebuilt, rest: statements } = postSnapshot ? splitBuiltByImport(meta, read) : { built: [], rest: read };
    // An index whose build a killed "import data" had started may have been committed after it died:
    // if it is there, it is that build's.
    const startedByImport = new Set(postSnapshot ? meta.getValue<string[]>(INDEXES_STARTED_BY_IMPORT) ?? [] : []);
    // What an earlier run of import schema (killed, or stopped by a failure) left is this migration's own.
    const record = SchemaRunRecord.open(meta);
    const startedBefore = record.startedBefore(statements);
    const jobs = postSnapshot ? options.parallelJobs ?? Math.min(4, availableParallelism()) : 1;
    let result: SchemaApplyResult;
    {
      const progress = new ProgressBoard(reporter.stdout, 'statements');
      const label = postSnapshot ? 'indexes and triggers' : 'schema objects';
      progress.add(label, statements.length);
      progress.start();
      result = await applyWithParallelIndexes(() => engine.targetDatabase(target, (w) => reporter.warn(w)), statements, {
        ignoreExist: options.ignoreExist, continueOnError: options.continueOnError, ignoreExistFor: new Set([...startedByImport, ...startedBefore]),
        beforeRun: (s) => record.starting(s),
        afterRun: (s, mayHaveCreated) => {
          record.ran(s, mayHaveCreated);
          failpoint('schema.after-statement');
        },
        onProgress: (done) => progress.update(label, done),
        onWaiting: (s, error, pass) => log.info(`${s.file}:${s.line} waits for an object created later `
          + `(${pass === 0 ? 'first run' : `retry pass ${pass}`}) [${error.sqlState}] ${error.message}: ${firstLine(s.sql)}`),
      }, jobs);
      // What really ran: after a failure the statements not run are not done.
      const ran = result.results.length - result.notExecuted;
      if (result.failed === 0) progress.finish(label, ran);
      else progress.finishShort(label, ran, `run, ${result.failed} failed${result.notExecuted ? `, ${result.notExecuted} not run` : ''}`);
      progress.stop();
    }
    if (prebuilt.length) {
      const done: StatementResult[] = prebuilt.map((statement) => ({ statement, status: 'skipped', sqlState: '', message: 'built by import data' }));
      result = { ...result, results: [...done, ...result.results], skipped: result.skipped + done.length };
      reporter.print(`${prebuilt.length} index(es) were already built by "import data" as their tables finished loading.`);
    }
    const foundDone = result.results.filter((r) => r.status === 'skipped' && startedBefore.has(r.statement.sql) && !startedByImport.has(r.statement.sql)).length;
    if (foundDone) reporter.print(`${foundDone} statement(s) that an earlier run of import schema had applied were found done.`);
    meta.setDbConfig('target', toStored(target));
    const byType = new Map<string, { applied: number; skipped: number; failed: number }>();
    for (const r of result.results) {
      const t = byType.get(r.statement.objectType) ?? { applied: 0, skipped: 0, failed: 0 };
      if (r.status === 'applied') t.applied++;
      else if (r.status === 'skipped') t.skipped++;
      else if (r.status === 'failed') t.failed++;
      byType.set(r.statement.objectType, t);
    }
    if (byType.size) {
      reporter.print(renderTable(['OBJECT TYPE', 'STATEMENTS APPLIED', 'ALREADY DONE', 'FAILED'],
        [...byType].map(([t, c]) => [t, String(c.applied), String(c.skipped), String(c.failed)])));
    }
    const waitedLine = describeWaits(result);
    if (waitedLine) {
      reporter.print(waitedLine);
      log.info(waitedLine);
    }
    const step = postSnapshot ? 'import_schema_post_snapshot' : 'import_schema';
    meta.setStep(step, result.failed ? 'FAILED' : 'DONE', { applied: result.applied, skipped: result.skipped, failed: result.failed });
    assertSchemaApplied(result);
    // Statements that succeed when run twice (CREATE SCHEMA IF NOT EXISTS, ALTER SEQUENCE … OWNED BY,
    // COMMENT) run again on a rerun: said as such (measured before: "4 statement(s) applied" on a
    // rerun that found nothing missing; the newuser-50 run).
    const again = result.results.filter((r) => r.status === 'applied' && startedBefore.has(r.statement.sql)).length;
    reporter.print(`Schema ${postSnapshot ? '(indexes and triggers) ' : ''}imported into ${describeDb(target)}: ${result.applied} statement(s) applied${again ? ` (${again} of them run again: an earlier run of import schema had applied them)` : ''}, ${result.skipped} already done.`);
    // Both forms: the offline export is the default, and an export dir begun offline cannot turn live
    // (measured before: a live-migration user who copied the hint had to start over; the new-user run).
    if (!postSnapshot) reporter.print(`Next: tandem export data --export-dir ${exportDir.root} with the source flags of export schema (offline), or with --export-type snapshot-and-changes for a live migration (if not done), then tandem import data to target.`);
  } finally {
    m.close();
  }
}

/** How often the post-snapshot import looks whether a running `import data` has loaded the snapshot. */
const SNAPSHOT_WAIT_MS = 500;

/**
 * A running `import data` that has not finished its snapshot builds each table's indexes as the
 * table finishes loading (`--build-indexes`): the post-snapshot import waits for it, then creates
 * what is left, so that the two never build the same index.
 */
async function waitForSnapshotIndexBuilds(reporter: Reporter, meta: MetaStore, metainfoDir: string): Promise<void> {
  let announced = false;
  while (CommandLock.holder(metainfoDir, 'import-data') !== undefined && meta.getStep('import_data').status !== 'DONE') {
    if (!announced) reporter.print('"import data" is still loading the snapshot and builds each table\'s indexes as the table finishes; waiting for it to finish… (Ctrl-C to stop)');
    announced = true;
    await sleep(SNAPSHOT_WAIT_MS);
  }
}

/** The line saying how the statements set aside for objects created later ended; undefined if none was. */
function describeWaits(result: SchemaApplyResult): string | undefined {
  if (result.waited === 0) return undefined;
  const applied = result.results.filter((r) => r.waitedPasses !== undefined && (r.status === 'applied' || r.status === 'skipped')).length;
  const head = `${result.waited} statement${result.waited === 1 ? '' : 's'} waited for objects created later`;
  return applied === result.waited ? `${head}; all applied.` : `${head}; ${applied} applied, ${result.waited - applied} not.`;
}
