/**
 * The workflow runs with typed options and a reporter, without the command layer: what it prints
 * goes to the reporter's streams, and a confirmation is the caller's answer, never a prompt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExportDir } from '../../../src/core/export-dir.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { TandemError } from '../../../src/core/errors.js';
import { streamReporter } from '../../../src/core/reporter.js';
import type { CommandEnv } from '../../../src/workflow/command-env.js';
import { runCutoverStatus } from '../../../src/workflow/cutover/cutover-commands.js';
import { runEndMigration, type EndMigrationOptions } from '../../../src/workflow/end-migration.js';

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
