import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportDir } from '../../../src/core/export-dir.js';
import { MetaStore } from '../../../src/core/meta-store.js';
import { EventQueueWriter } from '../../../src/core/queue/event-queue-writer.js';
import { QueueConsumers } from '../../../src/core/queue/queue-consumers.js';
import { listSegments } from '../../../src/core/queue/queue-tables.js';
import { CLI_PATH, newExportDir, runTandem } from '../../helpers/cli.js';
import { inserts, pos } from './queue-fixtures.js';

/** An initialised export dir whose queue holds `closed` closed segments (10 events each) and one open. */
async function exportDirWithQueue(closed: number): Promise<{ dir: ExportDir; meta: MetaStore }> {
  const dir = new ExportDir(newExportDir());
  dir.ensureLayout();
  const meta = MetaStore.open(dir.metaDbPath);
  meta.migrationUuid();
  const w = EventQueueWriter.open(dir.queueDir, meta, { segmentBytes: 500 });
  for (let i = 0; i < closed; i++) await w.append(inserts(10, i * 10 + 1), pos(i));
  await w.append(inserts(1, closed * 10 + 1), pos(closed));
  await w.close();
  return { dir, meta };
}

const archiveDir = () => mkdtempSync(join(tmpdir(), 'tandem-archive-'));
/** A symbolic link outside the export dir that leads to `target`. */
function linkTo(target: string): string {
  const link = join(archiveDir(), 'link');
  symlinkSync(target, link);
  return link;
}

test('archive changes: an export dir without meta.db is refused', async () => {
  const r = await runTandem(['archive', 'changes', '--export-dir', newExportDir(), '--move-to', archiveDir(), '--once', 'true']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /not a Tandem export dir/);
});

test('archive changes: a missing --move-to directory is refused before anything changes', async () => {
  const { dir, meta } = await exportDirWithQueue(2);
  QueueConsumers.setAppliedVsn(meta, 'target', 1000);
  const before = readdirSync(dir.queueDir).sort();
  const r = await runTandem(['archive', 'changes', '--export-dir', dir.root, '--move-to', join(tmpdir(), 'no-such-dir-tandem', 'x'), '--once', 'true']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /does not exist/);
  assert.match(r.stderr, /mkdir -p/);
  assert.deepEqual(readdirSync(dir.queueDir).sort(), before);
  assert.ok(listSegments(meta).every((s) => s.status === 'closed' || s.status === 'open'));
  meta.close();
});

test('archive changes: contradictory or missing policy flags are usage errors', async () => {
  const { dir, meta } = await exportDirWithQueue(1);
  meta.close();
  const base = ['archive', 'changes', '--export-dir', dir.root, '--once', 'true'];
  const cases: [string[], RegExp][] = [
    [[], /--move-to DIR/],
    [['--move-to', archiveDir(), '--delete-changes-without-archiving', 'true'], /exclude each other/],
    [['--policy', 'archive'], /needs --move-to/],
    [['--delete-changes-without-archiving', 'true', '--fs-utilization-threshold', '120'], /0 to 100/],
    [['--move-to', join(dir.root, 'data')], /inside the export dir/],
    // A link into the export dir is inside it too (the input-secrets run: a check on names let it by).
    [['--move-to', linkTo(join(dir.root, 'data'))], /inside the export dir/],
  ];
  for (const [flags, message] of cases) {
    const r = await runTandem([...base, ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, flags.join(' '));
  }
});

test('archive changes --once moves applied segments and says how much space it freed', async () => {
  const { dir, meta } = await exportDirWithQueue(3);
  const dest = archiveDir();
  let r = await runTandem(['archive', 'changes', '--export-dir', dir.root, '--move-to', dest, '--once', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no importer has registered/);
  assert.deepEqual(readdirSync(dest), []);

  QueueConsumers.setAppliedVsn(meta, 'target', 20);
  r = await runTandem(['archive', 'changes', '--export-dir', dir.root, '--move-to', dest, '--once', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Moved segment\.1\.ndjson \(events 1\.\.10, .*\) to .*segment\.1\.ndjson; freed/);
  assert.match(r.stdout, /Moved segment\.2\.ndjson/);
  assert.match(r.stdout, /2 segments moved, .* freed/);
  assert.deepEqual(readdirSync(dest).sort(), ['segment.1.ndjson', 'segment.2.ndjson']);
  assert.equal(existsSync(join(dir.queueDir, 'segment.3.ndjson')), true);

  r = await runTandem(['archive', 'changes', '--export-dir', dir.root, '--delete-changes-without-archiving', 'true', '--fs-utilization-threshold', '100', '--once', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Nothing to archive: no closed segment is fully applied|Nothing deleted/);
  meta.close();
});

test('archive changes runs until interrupted and picks up progress as importers report it', { timeout: 30_000 }, async () => {
  const { dir, meta } = await exportDirWithQueue(2);
  const dest = archiveDir();
  const child = spawn(process.execPath, [CLI_PATH, 'archive', 'changes', '--export-dir', dir.root, '--move-to', dest], {
    env: { ...process.env, TANDEM_NO_TTY: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(cond(), `timed out; stdout: ${stdout}; stderr: ${stderr}`);
  };
  await waitFor(() => stdout.includes('no importer has registered'));
  QueueConsumers.setAppliedVsn(meta, 'target', 10);
  await waitFor(() => existsSync(join(dest, 'segment.1.ndjson')));
  assert.equal(existsSync(join(dest, 'segment.2.ndjson')), false);
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /1 segment moved/);
  meta.close();
});
