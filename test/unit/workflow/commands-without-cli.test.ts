/**
 * The workflow runs with typed options and a reporter, without the command layer: what it prints
 * goes to the reporter's streams, and a confirmation is the caller's answer, never a prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExportDir } from '../../../src/core/export-dir.js';
import { ensureQueueTables } from '../../../src/core/queue/queue-tables.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { TandemError } from '../../../src/core/errors.js';
import { streamReporter } from '../../../src/core/reporter.js';
import type { CommandEnv } from '../../../src/workflow/command-env.js';
import { runCutoverStatus, runExportDataFromTarget, runImportDataToSource, runInitiateCutoverToSource, runInitiateCutoverToTarget } from '../../../src/workflow/cutover/cutover-commands.js';
import { CutoverState } from '../../../src/workflow/cutover/cutover-state.js';
import { recordStreamLost } from '../../../src/workflow/cdc/stream-lost.js';
import { findingWarning, reportFindings } from '../../../src/workflow/migration-context.js';
import { INDEXES_BUILT_BY_IMPORT } from '../../../src/workflow/snapshot-index-builds.js';
import { runEndMigration, type EndMigrationOptions } from '../../../src/workflow/end-migration.js';
import { runExportSchema } from '../../../src/workflow/export-schema.js';
import { runAnalyzeSchema } from '../../../src/workflow/analyze-schema.js';
import { CommandLock } from '../../../src/core/lock.js';
import { runExportDataStatus, runImportDataStatus } from '../../../src/workflow/data-status.js';
import { runDataMigrationReport, uncountedNotes } from '../../../src/workflow/data-migration-report.js';
import { createServer, type AddressInfo } from 'node:net';

/** A Writable that keeps what is written. */
function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

/** An export dir Tandem has set up (meta.db exists), with nothing exported yet. */
function exportDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'tandem-nocli-'));
  const dir = new ExportDir(root);
  dir.ensureLayout();
  MetaStore.open(dir.metaDbPath).close();
  return root;
}

function env(commandName: string): CommandEnv & { out: ReturnType<typeof collector>; err: ReturnType<typeof collector> } {
  const out = collector();
  const err = collector();
  return {
    commandName, out, err, reporter: streamReporter(out, err),
    resolveDb: async () => { throw new Error('no connection is resolved in this test'); },
  };
}

test('cutover status prints to the reporter\'s stdout', async () => {
  const root = exportDir();
  const e = env('cutover status');
  await runCutoverStatus(e, { exportDir: root, outputFormat: 'json' });
  assert.deepEqual(JSON.parse(e.out.text()), [
    { direction: 'cutover to target', status: 'NOT_INITIATED', requested_at: null, completed_at: null, prepare_for_fall_back: false, waiting_for: null, remaining_events: null, detail: {} },
    { direction: 'cutover to source', status: 'NOT_INITIATED', requested_at: null, completed_at: null, prepare_for_fall_back: false, waiting_for: null, remaining_events: null, detail: {} },
  ]);
  assert.equal(e.err.text(), '');
  assert.ok(existsSync(join(root, 'logs', 'cutover-status.log')), 'the log file is named after the command');
});

test('end migration asks its caller to confirm: no answers TANDEM_ABORTED with nothing changed, yes ends it', async () => {
  const root = exportDir();
  const questions: string[] = [];
  const options = (answer: boolean): EndMigrationOptions => ({
    exportDir: root, backupLogFiles: false, backupDataFiles: false, backupSchemaFiles: false, saveMigrationReports: false,
    confirm: async (q) => { questions.push(q); return answer; },
  });
  const e = env('end migration');
  await assert.rejects(runEndMigration(e, options(false)), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_ABORTED'
    && err.message === 'end migration was not confirmed; nothing was changed.');
  assert.deepEqual(questions, [`End the migration in ${root}? This drops Tandem's replication slots, publications and metadata from the databases and clears the export dir.`]);
  assert.ok(existsSync(join(root, 'metainfo', 'meta.db')), 'the export dir is as it was');

  await runEndMigration(e, options(true));
  assert.equal(e.out.text(), `Migration ended; ${root} is now empty.\n`);
  assert.deepEqual(readdirSync(root), []);
});

// The input-secrets run: a --backup-dir that was a symbolic link into the export dir got past a
// check on the names, and end migration copied the logs into themselves until ENAMETOOLONG (exit 70).
test('end migration refuses a --backup-dir that is a symbolic link into the export dir, before it asks and before anything changes', async () => {
  const root = exportDir();
  const link = join(mkdtempSync(join(tmpdir(), 'tandem-backup-')), 'into-logs');
  symlinkSync(join(root, 'logs'), link);
  const questions: string[] = [];
  const e = env('end migration');
  await assert.rejects(runEndMigration(e, {
    exportDir: root, backupLogFiles: true, backupDataFiles: false, backupSchemaFiles: true, saveMigrationReports: false, backupDir: link,
    confirm: async (q) => { questions.push(q); return true; },
  }), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_USAGE' && err.message === '--backup-dir must be outside the export dir, which end migration clears.');
  assert.deepEqual(questions, [], 'refused before the prompt');
  assert.deepEqual(readdirSync(join(root, 'logs')).filter((f) => f.startsWith('into-logs') || f === 'logs'), [], 'nothing was copied');
  assert.ok(existsSync(join(root, 'metainfo', 'meta.db')), 'the export dir is as it was');
});

test('end migration refuses a --backup-dir that is a regular file, before it asks and before anything changes (measured before: ENOTDIR from cpSync after the confirmation, exit 70)', async () => {
  const root = exportDir();
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-backup-')), 'afile');
  writeFileSync(file, '');
  const questions: string[] = [];
  const e = env('end migration');
  await assert.rejects(runEndMigration(e, {
    exportDir: root, backupLogFiles: true, backupDataFiles: false, backupSchemaFiles: true, saveMigrationReports: false, backupDir: file,
    confirm: async (q) => { questions.push(q); return true; },
  }), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_USAGE' && err.message === `--backup-dir ${file} is not a directory.`
    && err.hint === 'Name a directory for the backups (mkdir -p <dir> creates one), outside the export dir.');
  assert.deepEqual(questions, [], 'refused before the prompt');
  assert.ok(existsSync(join(root, 'metainfo', 'meta.db')), 'the export dir is as it was');
});

test('end migration refuses a --backup-dir holding another migration\'s backups, before it asks (measured before: its logs and reports silently overwritten, found by the ops-edges run); its own are written with an owner file', async () => {
  const backups = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
  const end = (root: string, questions: string[]) => runEndMigration(env('end migration'), {
    exportDir: root, backupLogFiles: true, backupDataFiles: false, backupSchemaFiles: false, saveMigrationReports: false, backupDir: backups,
    confirm: async (q) => { questions.push(q); return true; },
  });
  const first: string[] = [];
  await end(exportDir(), first);
  assert.equal(first.length, 1, 'the first migration\'s backups are written');
  assert.ok(existsSync(join(backups, 'logs')));
  assert.match(readFileSync(join(backups, 'tandem-backup.json'), 'utf8'), /"migrationUuid":"[0-9a-f-]{36}"/);
  const firstOwner = JSON.parse(readFileSync(join(backups, 'tandem-backup.json'), 'utf8')).migrationUuid;

  const second: string[] = [];
  const root2 = exportDir();
  await assert.rejects(end(root2, second), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_USAGE'
    && err.message === `--backup-dir ${backups} already holds the backups of another migration (${firstOwner}); this migration's would overwrite and mix with them.`
    && err.hint === `Name an empty directory for this migration's backups (mkdir -p ${backups}-2, say). Nothing was changed.`);
  assert.deepEqual(second, [], 'refused before the prompt');
  assert.ok(existsSync(join(root2, 'metainfo', 'meta.db')), 'the export dir is as it was');

  // Backups without an owner file (written by hand, or by an older Tandem): refused too.
  rmSync(join(backups, 'tandem-backup.json'));
  await assert.rejects(end(root2, second), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_USAGE'
    && err.message === `--backup-dir ${backups} already holds backups of another origin (logs/); this migration's would overwrite and mix with them.`);
  assert.deepEqual(second, []);
});

test('initiate cutover to target warns, after recording the request, when the post-snapshot schema import has not run', async () => {
  /** A live export dir whose schema Tandem imported, with post-snapshot objects in its files. */
  const streaming = (postSnapshotDone: boolean): string => {
    const root = exportDir();
    const meta = MetaStore.open(new ExportDir(root).metaDbPath);
    meta.setValue('export_type', 'snapshot-and-changes');
    meta.setValue('cdc_phase', 'streaming');
    meta.setStep('export_schema', 'DONE');
    meta.setStep('import_schema', 'DONE');
    if (postSnapshotDone) meta.setStep('import_schema_post_snapshot', 'DONE');
    // import data built one of the two indexes while loading: that one is not pending.
    meta.setValue(INDEXES_BUILT_BY_IMPORT, ['CREATE INDEX a_v ON public.a (v)']);
    meta.close();
    const file = (rel: string, sql: string) => {
      mkdirSync(join(root, 'schema', rel, '..'), { recursive: true });
      writeFileSync(join(root, 'schema', rel), sql);
    };
    file('indexes/indexes.sql', 'CREATE INDEX a_v ON public.a (v);\nCREATE INDEX a_w ON public.a (w);\n');
    file('triggers/triggers.sql', 'CREATE TRIGGER a_audit AFTER INSERT ON public.a FOR EACH ROW EXECUTE FUNCTION public.audit();\n');
    file('mviews/mviews.sql', 'CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS n FROM public.a WITH NO DATA;\n');
    return root;
  };
  const pendingRoot = streaming(false);
  const e = env('initiate cutover to target');
  await runInitiateCutoverToTarget(e, { exportDir: pendingRoot, prepareForFallBack: false });
  assert.match(e.out.text(), /^Cutover to target initiated\./);
  assert.equal(e.err.text().match(/post-snapshot-import/g)?.length, 2, e.err.text());
  assert.ok(e.err.text().includes(`"import schema --post-snapshot-import" has not run, so the target lacks part of the exported schema (1 index(es), 1 trigger(s), 1 materialized view(s) left empty). `
    + `Run it now (it can run while the cutover completes): tandem import schema --export-dir ${pendingRoot} --post-snapshot-import true`), e.err.text());
  const meta = MetaStore.open(new ExportDir(pendingRoot).metaDbPath);
  assert.equal(meta.getValue<string>('cdc_phase'), 'streaming');
  meta.close();
  const doneRoot = streaming(true);
  const d = env('initiate cutover to target');
  await runInitiateCutoverToTarget(d, { exportDir: doneRoot, prepareForFallBack: false });
  assert.match(d.out.text(), /^Cutover to target initiated\./);
  assert.doesNotMatch(d.err.text(), /post-snapshot/);
});

test('initiate cutover to target asked again with --prepare-for-fall-back after one without: TANDEM_USAGE, nothing changed (measured before: a warning and exit 0, so a script went on as if fall-back were set up)', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  meta.setValue('export_type', 'snapshot-and-changes');
  meta.setValue('cdc_phase', 'streaming');
  meta.close();
  await runInitiateCutoverToTarget(env('initiate cutover to target'), { exportDir: root, prepareForFallBack: false });
  const again = env('initiate cutover to target');
  await assert.rejects(runInitiateCutoverToTarget(again, { exportDir: root, prepareForFallBack: true }), (e: unknown) => {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, 'TANDEM_USAGE');
    assert.match(e.message, /^Cutover to target was already initiated at .* without --prepare-for-fall-back \(status INITIATED\): it cannot be prepared for fall-back now, and nothing changed\.$/);
    assert.match(e.hint ?? '', /start a new migration/);
    return true;
  });
  const m = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    const record = CutoverState.get(m, 'to_target');
    assert.equal(record.prepareForFallBack, false);
  } finally {
    m.close();
  }
  // The other way round (prepared, asked without): it stays prepared, a warning, exit 0.
  const root2 = exportDir();
  const meta2 = MetaStore.open(new ExportDir(root2).metaDbPath);
  meta2.setValue('export_type', 'snapshot-and-changes');
  meta2.setValue('cdc_phase', 'streaming');
  meta2.close();
  await runInitiateCutoverToTarget(env('initiate cutover to target'), { exportDir: root2, prepareForFallBack: true });
  const lesser = env('initiate cutover to target');
  await runInitiateCutoverToTarget(lesser, { exportDir: root2, prepareForFallBack: false });
  assert.match(lesser.err.text(), /it was initiated with --prepare-for-fall-back true; that setting stays\./);
});

test('export schema --start-clean once the data export has begun: TANDEM_EXPORT_DIR, schema/ and the recorded schemas untouched (measured before: accepted while streaming and after a cutover, replacing both)', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  meta.setDbConfig('source', { type: 'postgresql', host: '127.0.0.1', port: 1, user: 'u', database: 'shop', schemas: ['shop'] });
  meta.setStep('export_schema', 'DONE');
  meta.setStep('export_data', 'IN_PROGRESS');
  meta.setValue('cdc_phase', 'streaming');
  meta.close();
  mkdirSync(join(root, 'schema', 'tables'), { recursive: true });
  writeFileSync(join(root, 'schema', 'tables', 'tables.sql'), '-- edited by hand\n');
  const e = env('export schema');
  await assert.rejects(runExportSchema(e, { exportDir: root, includeGrants: false, startClean: true }), (err: unknown) => {
    assert.ok(err instanceof TandemError, String(err));
    assert.equal(err.code, 'TANDEM_EXPORT_DIR');
    assert.equal(err.message, 'The data export of this export dir has begun (IN_PROGRESS, streaming changes): --start-clean cannot replace its schema export now; nothing was changed.');
    assert.match(err.hint ?? '', /start a new migration in a new export dir/);
    return true;
  });
  // Without --start-clean: the fix does not offer it (the docs-claims-2 run: offered, then refused).
  await assert.rejects(runExportSchema(env('export schema'), { exportDir: root, includeGrants: false, startClean: false }), (err: unknown) => {
    assert.ok(err instanceof TandemError && err.code === 'TANDEM_EXPORT_DIR', String(err));
    assert.doesNotMatch(err.hint ?? '', /--start-clean/);
    assert.match(err.hint ?? '', /^Nothing to do: the data export has begun/);
    return true;
  });
  assert.equal(readFileSync(join(root, 'schema', 'tables', 'tables.sql'), 'utf8'), '-- edited by hand\n');
  const after = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    assert.deepEqual(after.getDbConfig('source')?.schemas, ['shop']);
  } finally {
    after.close();
  }
});

test('cutover status: what a stopped importer was waiting for is not shown as if it still waited (measured before: a transaction long committed, named after the importer was killed)', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setValue('export_type', 'snapshot-and-changes');
    meta.setStep('import_data', 'DONE');
    CutoverState.request(meta, 'to_target', true);
    CutoverState.setMarker(meta, 'to_target', 0);
    CutoverState.note(meta, 'to_target', { fallBackStreamWaitsFor: 'Creating the replication slot has waited 5 s: Waiting for: pid 4242 (open for 20 s).' });
  } finally {
    meta.close();
  }
  const e = env('cutover status');
  await runCutoverStatus(e, { exportDir: root, outputFormat: 'json' });
  const row = JSON.parse(e.out.text())[0];
  assert.match(row.waiting_for, /^waiting for "import data to target" to finish the cutover; "import data to target" is not running: start it/);
  assert.doesNotMatch(row.waiting_for, /pid 4242/);
});

test('get data-migration-report before any data export: TANDEM_EXPORT_DIR, nothing on stdout (measured before: a line on stdout and exit 0, which a JSON reader took for the report)', async () => {
  const root = exportDir();
  const e = env('get data-migration-report');
  await assert.rejects(runDataMigrationReport(e, { exportDir: root, outputFormat: 'json' }), (err: unknown) => {
    assert.ok(err instanceof TandemError, String(err));
    assert.equal(err.code, 'TANDEM_EXPORT_DIR');
    assert.equal(err.message, `No data has been exported into ${root} yet: there is nothing to report.`);
    return true;
  });
  assert.equal(e.out.text(), '');
});

test('analyze-schema with a statement that does not parse: the report is written, the summary counts it, and TANDEM_SCHEMA_PARSE (measured before: "0 issue(s) found" and exit 0)', async () => {
  const root = exportDir();
  mkdirSync(join(root, 'schema', 'tables'), { recursive: true });
  writeFileSync(join(root, 'schema', 'tables', 'tables.sql'), 'CREATE TABLE shop.a (id int PRIMARY KEY);\nCREATE TABLE shop.x (id int primary key\n');
  const e = env('analyze-schema');
  await assert.rejects(runAnalyzeSchema(e, { exportDir: root, outputFormat: 'json' }), (err: unknown) => {
    assert.ok(err instanceof TandemError, String(err));
    assert.equal(err.code, 'TANDEM_SCHEMA_PARSE');
    assert.match(err.message, /^1 statement\(s\) under schema\/ are not valid SQL \(the first: schema\/tables\/tables\.sql at line \d+: syntax error/);
    return true;
  });
  assert.match(e.out.text(), /0 issue\(s\) found for YugabyteDB .*, and 1 statement\(s\) that do not parse, so were not analyzed\. Report: /);
  assert.ok(existsSync(join(root, 'reports', 'schema_analysis_report.json')), 'the report is written');
});

test('analyze-schema ends with the next command: import schema when nothing was found, and with issues the choice of editing or accepting them (measured before: no next step with 0 issues; the new-user run)', async () => {
  const clean = exportDir();
  mkdirSync(join(clean, 'schema', 'tables'), { recursive: true });
  writeFileSync(join(clean, 'schema', 'tables', 'tables.sql'), 'CREATE TABLE shop.a (id int PRIMARY KEY);\n');
  const e = env('analyze-schema');
  await runAnalyzeSchema(e, { exportDir: clean, outputFormat: 'json' });
  assert.match(e.out.text(), /^0 issue\(s\) found for YugabyteDB [^\n]*\nNext: tandem import schema --export-dir (\S+) --target-db-host … --target-db-user … --target-db-name …\n$/);
  assert.equal(/--export-dir (\S+)/.exec(e.out.text())![1], clean);
  const issues = exportDir();
  mkdirSync(join(issues, 'schema', 'tables'), { recursive: true });
  writeFileSync(join(issues, 'schema', 'tables', 'tables.sql'), 'CREATE TABLE shop.b (id int PRIMARY KEY, g point);\nCREATE INDEX b_g ON shop.b USING gist (g);\n');
  const e2 = env('analyze-schema');
  await runAnalyzeSchema(e2, { exportDir: issues, outputFormat: 'json' });
  assert.match(e2.out.text(), /[1-9]\d* issue\(s\) found/);
  assert.match(e2.out.text(), /\nEdit the files under schema\/ as the report suggests, then run analyze-schema again; or, when every issue is one you accept: tandem import schema --export-dir \S+ --target-db-host … --target-db-user … --target-db-name …\n$/);
  assert.doesNotMatch(e2.out.text(), /\nNext: /);
});

test('a source stream lost for good: initiate cutover refused with the way out, and cutover status of one initiated before says it cannot complete (measured before: accepted, and "start it and it carries out the cutover")', async () => {
  const streamingDir = (): string => {
    const root = exportDir();
    const meta = MetaStore.open(new ExportDir(root).metaDbPath);
    meta.setValue('export_type', 'snapshot-and-changes');
    meta.setValue('cdc_phase', 'streaming');
    meta.setStep('import_data', 'DONE');
    meta.close();
    return root;
  };
  const lose = (root: string) => {
    const meta = MetaStore.open(new ExportDir(root).metaDbPath);
    recordStreamLost(meta, 'source', new TandemError('TANDEM_PREREQUISITE', 'The source cannot stream its binlog from binlog.000054:18817770 (error 1236).'));
    meta.close();
  };
  const root = streamingDir();
  lose(root);
  await assert.rejects(runInitiateCutoverToTarget(env('initiate cutover to target'), { exportDir: root, prepareForFallBack: true }), (e: unknown) => {
    assert.ok(e instanceof TandemError, String(e));
    assert.equal(e.code, 'TANDEM_EXPORT_DIR');
    assert.match(e.message, /^The source's change stream stopped for good at \S+ \(The source cannot stream its binlog from binlog\.000054:18817770 \(error 1236\)\): no cutover marker can come through it, so a cutover cannot complete\. Nothing was changed\.$/);
    assert.match(e.hint ?? '', /start it again from a new snapshot/);
    return true;
  });
  const m = MetaStore.open(new ExportDir(root).metaDbPath);
  assert.equal(CutoverState.get(m, 'to_target').status, 'NOT_INITIATED');
  m.close();

  const initiated = streamingDir();
  await runInitiateCutoverToTarget(env('initiate cutover to target'), { exportDir: initiated, prepareForFallBack: false });
  lose(initiated);
  const e = env('cutover status');
  await runCutoverStatus(e, { exportDir: initiated, outputFormat: 'json' });
  const row = JSON.parse(e.out.text())[0];
  assert.match(row.waiting_for, /"export data from source" stopped for good at \S+ and cannot resume, so this cutover cannot complete: This migration cannot go on from its change stream/);
  assert.doesNotMatch(row.waiting_for, /start it \(tandem export data from source/);
});

test('the fall-back commands in a migration cut over without fall-back: a fix that can work, not the flag that can no longer be set', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    const refusal = async (run: () => Promise<void>) => {
      let caught: unknown;
      await run().catch((e: unknown) => { caught = e; });
      assert.ok(caught instanceof TandemError, String(caught));
      assert.equal(caught.code, 'TANDEM_EXPORT_DIR');
      return caught.hint ?? '';
    };
    const both = async () => [
      await refusal(() => runExportDataFromTarget(env('export data from target'), { exportDir: root })),
      await refusal(() => runImportDataToSource(env('import data to source'), { exportDir: root, parallelJobs: 1 })),
    ];
    // Before any cutover: the command that goes on as the one asked for, and the export dir to check.
    const [fromTarget, toSource] = await both();
    const initiate = `If ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is the migration you mean: no cutover to target has been initiated in it yet; "tandem initiate cutover to target --prepare-for-fall-back true" starts it`;
    assert.match(fromTarget!, new RegExp(`^${initiate}, and "import data to target" then goes on as "export data from target" by itself\\. Otherwise check --export-dir\\.$`));
    assert.match(toSource!, new RegExp(`^${initiate}, and "export data from source" then goes on as "import data to source" by itself\\. Otherwise check --export-dir\\.$`));
    CutoverState.request(meta, 'to_target', false);
    CutoverState.complete(meta, 'to_target');
    for (const hint of await both()) {
      assert.match(hint, /initiated without --prepare-for-fall-back, which cannot be changed afterwards: there is no fall-back in this migration/);
      assert.doesNotMatch(hint, /initiate cutover to target --prepare-for-fall-back true" starts it/);
    }
  } finally {
    meta.close();
  }
});

test('end migration while the source\'s exporter (or the importer to source it became) runs: TANDEM_LOCKED naming both, with the way out', async () => {
  const root = exportDir();
  const lock = new CommandLock(new ExportDir(root).metainfoDir, 'export-data');
  lock.acquire();
  try {
    const e = env('end migration');
    await assert.rejects(runEndMigration(e, {
      exportDir: root, backupLogFiles: false, backupDataFiles: false, backupSchemaFiles: false, saveMigrationReports: false, confirm: async () => true,
    }), (err: unknown) => {
      assert.ok(err instanceof TandemError, String(err));
      assert.equal(err.code, 'TANDEM_LOCKED');
      assert.equal(err.message, `"export data from source" (or "import data to source", which it becomes after a cutover prepared for fall-back) is still running (pid ${process.pid}); stop it before ending the migration.`);
      assert.equal(err.hint, `Stop it (Ctrl-C in its terminal, or kill ${process.pid}; what it applied stays applied), then run end migration again.`);
      return true;
    });
    // A second taker of a lock is told the command's name, not the lock file's.
    const held = new CommandLock(new ExportDir(root).metainfoDir, 'import-data-to-source');
    held.acquire();
    try {
      assert.throws(() => new CommandLock(new ExportDir(root).metainfoDir, 'import-data-to-source').acquire(),
        (err: unknown) => err instanceof TandemError && /^"import data to source" is already running on this export dir/.test(err.message));
    } finally {
      held.release();
    }
  } finally {
    lock.release();
  }
});

test('cutover status, while a cutover waits for an importer nobody runs, says so and how to start it', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setStep('import_data', 'DONE');
    CutoverState.request(meta, 'to_target', true);
    CutoverState.setMarker(meta, 'to_target', 5);
  } finally {
    meta.close();
  }
  const status = async () => {
    const e = env('cutover status');
    await runCutoverStatus(e, { exportDir: root, outputFormat: 'table' });
    return e.out.text();
  };
  const stopped = await status();
  assert.match(stopped, new RegExp(`Cutover to target: waiting for "import data to target": 5 event\\(s\\) remaining before the marker; "import data to target" is not running: start it \\(tandem import data to target --export-dir ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) and it carries out the cutover\\.`));
  // Prepared for fall-back: the source's exporter, which carries on as "import data to source" after the marker, is named too.
  const FALL_BACK_STOPPED = /Cutover to target: "import data to source" \(what "export data from source" became at the marker\) is not running: start it \(tandem import data to source --export-dir \S+\) so that the target's changes reach the source once the cutover completes\./;
  assert.match(stopped, FALL_BACK_STOPPED);
  const lock = new CommandLock(new ExportDir(root).metainfoDir, 'import-data');
  const exporter = new CommandLock(new ExportDir(root).metainfoDir, 'export-data');
  lock.acquire();
  try {
    const importerOnly = await status();
    assert.match(importerOnly, /Cutover to target: waiting for "import data to target": 5 event\(s\) remaining before the marker\.\n/);
    assert.doesNotMatch(importerOnly, /"import data to target" is not running/);
    assert.match(importerOnly, FALL_BACK_STOPPED);
    exporter.acquire();
    assert.doesNotMatch(await status(), /is not running/);
  } finally {
    exporter.release();
    lock.release();
  }
});

test('export/import data status of a live migration: DONE is said to be the snapshot\'s, the changes streaming on', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setStep('export_data', 'DONE');
    meta.setStep('import_data', 'DONE');
    const status = async () => {
      const e = env('export data status');
      await runExportDataStatus(e, { exportDir: root, outputFormat: 'table' });
      await runImportDataStatus(e, { exportDir: root, outputFormat: 'table' });
      return e.out.text();
    };
    assert.match(await status(), /^Export data: DONE\n(.|\n)*^Import data: DONE\n/m);
    meta.setValue('export_type', 'snapshot-and-changes');
    const live = await status();
    assert.match(live, /^Export data: DONE \(the snapshot; changes stream on until the cutover\)$/m);
    assert.match(live, /^Import data: DONE \(the snapshot; changes stream on until the cutover\)$/m);
    // Neither command of this phase runs: said, not only left out of the running list.
    assert.match(live, /^Not running: export data from source, import data to target \(this phase needs it; run the same command again: it resumes\)$/m);
    const lock = new CommandLock(new ExportDir(root).metainfoDir, 'export-data');
    lock.acquire();
    try {
      assert.match(await status(), /^Not running: import data to target \(/m);
    } finally {
      lock.release();
    }

    // After the cutover to target, with fall-back: the snapshot's note says the stream ended, and
    // cutover status warns that the fall-back stream is not running, naming what to start.
    CutoverState.request(meta, 'to_target', true);
    CutoverState.complete(meta, 'to_target');
    const after = await status();
    assert.match(after, /^Export data: DONE \(the snapshot; the changes streamed until the cutover to target, completed at \d{4}-/m);
    assert.match(after, /^Not running: export data from target, import data to source \(/m);
    const cutoverStatus = async (format: 'table' | 'json') => {
      const e = env('cutover status');
      await runCutoverStatus(e, { exportDir: root, outputFormat: format });
      return e.out.text();
    };
    assert.match(await cutoverStatus('table'), new RegExp(`^WARNING: the fall-back stream is not running: "export data from target" and "import data to source" stopped, so changes made on the target are not reaching the source\\. Start each again \\(tandem export data from target --export-dir ${root}; tandem import data to source --export-dir ${root}\\): it resumes`, 'm'));
    // The source's exporter goes on as import data to source under its own lock.
    const exporter = new CommandLock(new ExportDir(root).metainfoDir, 'export-data');
    const targetExporter = new CommandLock(new ExportDir(root).metainfoDir, 'export-data-from-target');
    exporter.acquire();
    try {
      assert.deepEqual(JSON.parse(await cutoverStatus('json'))[1].fall_back_not_running, ['export data from target']);
      targetExporter.acquire();
      const running = await cutoverStatus('table');
      assert.doesNotMatch(running, /fall-back stream is not running/);
      assert.equal(JSON.parse(await cutoverStatus('json'))[1].fall_back_not_running, undefined);
    } finally {
      targetExporter.release();
      exporter.release();
    }
    // The target's importer going on as export data from target, before it takes that command's lock (the soak-pg-49 run: called stopped).
    const importer = new CommandLock(new ExportDir(root).metainfoDir, 'import-data');
    importer.acquire();
    try {
      assert.deepEqual(JSON.parse(await cutoverStatus('json'))[1].fall_back_not_running, ['import data to source']);
    } finally {
      importer.release();
    }
  } finally {
    meta.close();
  }
});

/** The questions end migration asks in `root`, answered no (nothing is changed). */
async function endMigrationQuestions(root: string): Promise<string[]> {
  const questions: string[] = [];
  await assert.rejects(runEndMigration(env('end migration'), {
    exportDir: root, backupLogFiles: false, backupDataFiles: false, backupSchemaFiles: false, saveMigrationReports: false,
    confirm: async (q) => { questions.push(q); return false; },
  }), (err: unknown) => err instanceof TandemError && err.code === 'TANDEM_ABORTED');
  return questions;
}

test('end migration\'s question names a slot kept for writes after a cutover marker before it drops it', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    CutoverState.request(meta, 'to_source', false);
    CutoverState.note(meta, 'to_source', { writesAfterMarker: 'shop.orders: 3 insert(s)', keptSlot: 'target:tandem_fb_x' });
  } finally {
    meta.close();
  }
  const questions = await endMigrationQuestions(root);
  assert.equal(questions.length, 1);
  assert.match(questions[0]!, /Among them the slot\(s\) kept because writes arrived after a cutover marker and were never migrated: target:tandem_fb_x \(shop\.orders: 3 insert\(s\)\); dropping them discards those changes' stream/);
});

// The new-user run: a stream kept only because open transactions could not be looked for (no
// PROCESS on MariaDB) was called "kept because writes arrived … never migrated" by end migration
// and the report, while cutover status said no write was counted.
test('a stream kept with no write counted after the marker is said as such by end migration and the report, not as writes that arrived', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    CutoverState.request(meta, 'to_target', true);
    CutoverState.note(meta, 'to_target', { writesAfterMarker: 'transactions still open on the source could not be looked for (PROCESS missing)', writesCounted: false, keptSlot: 'source:tandem_x' });
    assert.deepEqual(uncountedNotes({ meta, exportDir: new ExportDir(root) }), [
      `no write after the marker of the cutover to target was counted on the source, but its change stream was kept because one could still arrive (transactions still open on the source could not be looked for (PROCESS missing)): one that did is not in these counts; run "tandem compare --export-dir ${root}" to see whether the two sides differ.`,
    ]);
  } finally {
    meta.close();
  }
  const questions = await endMigrationQuestions(root);
  assert.doesNotMatch(questions[0]!, /writes arrived/);
  assert.match(questions[0]!, /Among them the stream\(s\) kept, with no write counted after the marker, because one could still arrive: source:tandem_x \(transactions still open/);
});

// The ops-edges-50 run: with the exporter stopped, the report's counts looked settled while the
// application's changes waited in the slot, with nothing said.
test('the report says a stopped exporter leaves its side\'s changes uncounted, on each side in its phase', () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setValue('export_type', 'snapshot-and-changes');
    const notes = () => uncountedNotes({ meta, exportDir: new ExportDir(root) });
    assert.deepEqual(notes(), [
      `"export data from source" is not running: changes made on the source since it stopped wait in the source's change stream and are not in these counts yet; start it again (tandem export data from source --export-dir ${root}): it resumes where it stopped.`,
    ]);
    CutoverState.request(meta, 'to_target', true);
    CutoverState.complete(meta, 'to_target', {});
    assert.deepEqual(notes(), [
      `"export data from target" is not running: changes made on the target since it stopped wait in the target's change stream and are not in these counts yet; start it again (tandem export data from target --export-dir ${root}): it resumes where it stopped.`,
    ]);
    CutoverState.request(meta, 'to_source', false);
    CutoverState.complete(meta, 'to_source', {});
    assert.deepEqual(notes(), []);
  } finally {
    meta.close();
  }
});

test('cutover status says the triggers found missing at the cutover to source were found then, not since', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    CutoverState.request(meta, 'to_source', false);
    CutoverState.complete(meta, 'to_source', { disabledOnSource: ['trigger orders_audit on shop.orders (missing)'] });
  } finally {
    meta.close();
  }
  const e = env('cutover status');
  await runCutoverStatus(e, { exportDir: root, outputFormat: 'table' });
  assert.match(e.out.text(), /Cutover to source: disabled or missing on the source when the cutover completed \(not checked since; put them back as "import data to source" printed, or as they were\): trigger orders_audit on shop\.orders \(missing\)\./);
});

test('a prerequisite warning is printed with its fix, an error thrown with it as the hint', () => {
  const e = env('export data');
  reportFindings([
    { severity: 'warning', code: 'TANDEM_PRIVILEGE', message: 'User u lacks UPDATE on the sequence(s) app.s.', fix: 'GRANT UPDATE ON SEQUENCE app.s TO "u";', fallBack: true },
    { severity: 'warning', code: 'TANDEM_PREREQUISITE', message: 'A note without a fix.', fix: '' },
  ], e.reporter);
  assert.match(e.err.text(), /User u lacks UPDATE on the sequence\(s\) app\.s\. Fix: GRANT UPDATE ON SEQUENCE app\.s TO "u";\n/);
  assert.match(e.err.text(), /A note without a fix\.\n/);
  assert.doesNotMatch(e.err.text(), /A note without a fix\. Fix/);
  assert.throws(() => reportFindings([{ severity: 'error', code: 'TANDEM_PRIVILEGE', message: 'No.', fix: 'GRANT it;' }], e.reporter),
    (err: unknown) => err instanceof TandemError && err.hint === 'GRANT it;');
});

test('a fall-back warning is recorded for initiate cutover with its fix, as export data printed it (measured before: the message only, so MySQL\'s repeated its GRANT, which then printed twice)', () => {
  const f = { severity: 'warning', code: 'TANDEM_PRIVILEGE', message: 'User u may not ALTER the tables of shop.', fix: "GRANT ALTER ON `shop`.* TO 'u'@'%';", fallBack: true } as const;
  assert.equal(findingWarning(f), "User u may not ALTER the tables of shop. Fix: GRANT ALTER ON `shop`.* TO 'u'@'%';");
  const e = env('export data');
  reportFindings([f], e.reporter);
  assert.equal(e.err.text().match(/GRANT ALTER/g)?.length, 1, e.err.text());
});

test('data-migration report with the target unreachable: its imported counts said to be unknown, and a password asked for only when the password was the problem', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  meta.setValue('export_type', 'snapshot-and-changes');
  meta.setDbConfig('source', { type: 'postgresql', host: '127.0.0.1', port: 1, user: 'u', database: 'app', schemas: ['public'] });
  meta.setDbConfig('target', { type: 'postgresql', host: '127.0.0.1', port: 1, user: 'u', database: 'app', schemas: ['public'] });
  meta.putSnapshotTable({ tableKey: 'public.a', schemaName: 'public', tableName: 'a', columns: ['id'], format: 'text', exportedRows: 3, status: 'DONE' });
  meta.close();
  // A port nothing listens on: the connection is refused.
  const closed = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
  const run = async (resolveDb: CommandEnv['resolveDb'], code: string, format: 'table' | 'json' = 'table') => {
    const e = { ...env('get data-migration-report'), resolveDb };
    // Printed as far as known, then an error: the exit code says the report is incomplete.
    await assert.rejects(runDataMigrationReport(e, { exportDir: root, outputFormat: format }), (err: unknown) => err instanceof TandemError && err.code === code && /^The report is incomplete/.test(err.message));
    return { out: e.out.text(), err: e.err.text() };
  };
  const down = await run(async () => ({ type: 'postgresql', role: 'target', host: '127.0.0.1', port: closed, user: 'u', password: 'right', database: 'app', schemas: ['public'], sslMode: 'disable' }), 'TANDEM_CONNECT');
  assert.match(down.err, /^WARNING: events imported into the target are not known: its counters could not be read \(Cannot reach the target database .*\), so its rows' IMPORTED_\* columns and every FINAL_ROW_COUNT show "-" \(null in json\); run the report again once the target can be reached\.\nWARNING: "export data from source" is not running: changes made on the source since it stopped wait in the source's change stream and are not in these counts yet; [^\n]*\n$/);
  // The source's snapshot rows are known; nothing computed from the unread counters is printed as a number.
  assert.match(down.out, /^\| public\.a +\| +source \| +3 \| +0 \| +0 \| +0 \| +0 \| +0 \| +0 \| +0 \| +0 \| +- \|$/m);
  const failPassword = async () => { throw new TandemError('TANDEM_AUTH', 'The password for user "u" was rejected by the target database.'); };
  const refused = await run(failPassword, 'TANDEM_AUTH');
  assert.match(refused.err, /\(The password for user "u" was rejected by the target database\.\), so .*; pass --target-db-password or TARGET_DB_PASSWORD\.\n/);
  const json = JSON.parse((await run(failPassword, 'TANDEM_AUTH', 'json')).out);
  assert.equal(json[0].final_row_count, null);
  assert.equal(json[0].exported_snapshot_rows, 3);
});

/** The queue's state as an exporter that queued `n` events leaves it. */
function appendQueued(meta: MetaStore, n: number): void {
  ensureQueueTables(meta);
  meta.db.prepare("INSERT INTO queue_state (id, last_vsn, updated_at) VALUES (1, ?, 'now') ON CONFLICT (id) DO UPDATE SET last_vsn = excluded.last_vsn").run(n);
}

test('compare\'s mismatch hint: while a live migration streams, what is still on its way; after the last cutover, or with nothing running, none', async () => {
  const { stillStreaming } = await import('../../../src/workflow/verify/compare-command.js');
  const root = exportDir();
  const dir = new ExportDir(root);
  const meta = MetaStore.open(dir.metaDbPath);
  try {
    assert.equal(stillStreaming(meta, dir.metainfoDir), undefined, 'an offline migration');
    meta.setValue('export_type', 'snapshot-and-changes');
    assert.equal(stillStreaming(meta, dir.metainfoDir), undefined, 'nothing running');
    const importer = new CommandLock(dir.metainfoDir, 'import-data');
    importer.acquire();
    try {
      assert.match(stillStreaming(meta, dir.metainfoDir) ?? '', /^import data to target running, but no queued change was waiting to be applied to the target when the comparison ended: unless the application wrote during the comparison, the difference is not the stream's delay$/);
      // The importer stopped while changes wait: said as such, not as streaming (the pg-chaos run).
      importer.release();
      const exporter = new CommandLock(dir.metainfoDir, 'export-data');
      exporter.acquire();
      try {
        appendQueued(meta, 3);
        assert.equal(stillStreaming(meta, dir.metainfoDir), 'export data from source running, but import data to target is not: about 3 queued change event(s) wait for it to apply them to the target (start it again; if it stopped with an error, its last lines and logs/ say why)');
        // After a cutover with fall-back, the same two processes hold the next phase's names too: only that phase's are named.
        importer.acquire();
        const fallBack = new CommandLock(dir.metainfoDir, 'import-data-to-source');
        fallBack.acquire();
        try {
          CutoverState.request(meta, 'to_target', true);
          CutoverState.complete(meta, 'to_target');
          assert.match(stillStreaming(meta, dir.metainfoDir) ?? '', /^import data to source running; about 3 queued change event\(s\) not yet applied to the source/);
          CutoverState.request(meta, 'to_source', false);
          CutoverState.complete(meta, 'to_source');
          assert.equal(stillStreaming(meta, dir.metainfoDir), undefined, 'the last cutover completed');
        } finally {
          fallBack.release();
        }
      } finally {
        exporter.release();
      }
    } finally {
      importer.release();
    }
  } finally {
    meta.close();
  }
});

test('a cutover to target initiated before the snapshot is loaded: initiate warns, and cutover status says how much is loaded beside the events remaining', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setValue('export_type', 'snapshot-and-changes');
    meta.setValue('cdc_phase', 'streaming');
    meta.putSnapshotTable({ tableKey: 'public.a', schemaName: 'public', tableName: 'a', columns: ['id'], format: 'text', exportedRows: 205497, status: 'DONE' });
  } finally {
    meta.close();
  }
  const e = env('initiate cutover to target');
  await runInitiateCutoverToTarget(e, { exportDir: root, prepareForFallBack: false });
  assert.match(e.err.text(), /WARNING: the snapshot is not wholly imported into the target yet \(0 of 205497 row\(s\) loaded\): the cutover completes only once "import data to target" has loaded it/);
  // Each stopped command named with the command that starts it (the kill-mysql-49 run: without it).
  assert.ok(e.err.text().includes(`WARNING: "export data from source" is not running; start it (tandem export data from source --export-dir ${root}) and it carries out the cutover.`), e.err.text());
  assert.ok(e.err.text().includes(`WARNING: "import data to target" is not running; start it (tandem import data to target --export-dir ${root})`), e.err.text());
  const s = env('cutover status');
  await runCutoverStatus(s, { exportDir: root, outputFormat: 'table' });
  assert.match(s.out.text(), /Cutover to target: waiting for "export data from source" to write the cutover marker; 0 queued event\(s\) not yet applied; the snapshot is not wholly imported yet \(0 of 205497 row\(s\) loaded\); "export data from source" is not running/);
  // Both stopped: both named (measured before: only the exporter; the kill-mysql-49 run).
  assert.ok(s.out.text().includes(`; "import data to target" is not running either: start it too (tandem import data to target --export-dir ${root}), it applies the queued events and completes the cutover.`), s.out.text());
  // The exporter running, the importer not: the importer named.
  const exporter = new CommandLock(new ExportDir(root).metainfoDir, 'export-data');
  exporter.acquire();
  try {
    const again = env('cutover status');
    await runCutoverStatus(again, { exportDir: root, outputFormat: 'table' });
    assert.doesNotMatch(again.out.text(), /"export data from source" is not running/);
    assert.ok(again.out.text().includes(`loaded); "import data to target" is not running: start it (tandem import data to target --export-dir ${root}) and it carries out the cutover.`), again.out.text());
  } finally {
    exporter.release();
  }
});

test('initiate cutover before any export data: the fix is to start the live migration in this export dir, not a new one (the new-user run)', async () => {
  const root = exportDir();
  MetaStore.open(new ExportDir(root).metaDbPath).close();
  await assert.rejects(runInitiateCutoverToTarget(env('initiate cutover to target'), { exportDir: root, prepareForFallBack: true }), (e: unknown) => {
    assert.ok(e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR', String(e));
    assert.equal(e.message, 'Cutover applies to a live migration; this export dir holds no live export.');
    assert.match(e.hint ?? '', /^Start the live migration in this export dir first: tandem export data from source --export-type snapshot-and-changes/);
    return true;
  });
});

test('an --export-dir that is a file is TANDEM_EXPORT_DIR in every command that opens it, not an internal error (the docs-claims-2 run: exit 70 with a stack)', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-file-')), 'afile');
  writeFileSync(file, 'x');
  const isNotDir = (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR' && e.message === `--export-dir ${file} is not a directory.`;
  await assert.rejects(runCutoverStatus(env('cutover status'), { exportDir: file, outputFormat: 'table' }), isNotDir);
  await assert.rejects(runDataMigrationReport(env('get data-migration-report'), { exportDir: file, outputFormat: 'table' }), isNotDir);
  await assert.rejects(runExportDataStatus(env('export data status'), { exportDir: file, outputFormat: 'table' }), isNotDir);
  await assert.rejects(runEndMigration(env('end migration'), { exportDir: file, backupLogFiles: false, backupDataFiles: false, backupSchemaFiles: false, saveMigrationReports: false, confirm: async () => true }), isNotDir);
});

test('initiate cutover to source does not call "import data to source" stopped while the source\'s exporter carries it out, as cutover status does not', async () => {
  const root = exportDir();
  const meta = MetaStore.open(new ExportDir(root).metaDbPath);
  try {
    meta.setValue('export_type', 'snapshot-and-changes');
    CutoverState.request(meta, 'to_target', true);
    CutoverState.complete(meta, 'to_target');
  } finally {
    meta.close();
  }
  const metainfo = new ExportDir(root).metainfoDir;
  const exporter = new CommandLock(metainfo, 'export-data');
  const targetExporter = new CommandLock(metainfo, 'export-data-from-target');
  exporter.acquire();
  targetExporter.acquire();
  try {
    const e = env('initiate cutover to source');
    await runInitiateCutoverToSource(e, { exportDir: root });
    assert.match(e.out.text(), /Cutover to source initiated/);
    assert.doesNotMatch(e.err.text(), /is not running/);
  } finally {
    targetExporter.release();
    exporter.release();
  }
});
