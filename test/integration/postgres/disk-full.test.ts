/**
 * An export dir on a disk that fills up: `export data` warns up front that the tables may not fit,
 * stops with one clear TANDEM_DISK error (not an internal error), and once there is room the same
 * command completes; a live export on a disk already 80% full warns as soon as it streams. The small
 * disks are tmpfs mounted for the tests (the tests run as root).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPg15, targetDbConfig, type PgServer } from '../../helpers/pg-server.js';
import { runTandem, sourceFlags, targetFlags } from '../../helpers/cli.js';
import { startTandem, type TandemProcess } from '../../helpers/live-process.js';
import { fileSystemError } from '../../../src/core/errors.js';
import { exportSnapshotPoint, PgSnapshotReader, type PgSnapshotChunk } from '../../../src/adapters/postgres/snapshot-reader.js';

let pg: PgServer;
let env: Record<string, string>;
let mountPoint: string;

before(async () => {
  pg = await startPg15();
  env = { SOURCE_DB_PASSWORD: pg.password };
  await pg.createDatabase('src');
  // About 12 MB of heap.
  await pg.sql('src', `CREATE TABLE big (id int PRIMARY KEY, t text);
    INSERT INTO big SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 100000) g; ANALYZE big;`);
  mountPoint = mkdtempSync(join(tmpdir(), 'tandem-smalldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
});

after(async () => {
  try {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  } catch {
    /* not mounted */
  }
  await pg?.stop();
});

test('a full disk stops export data with TANDEM_DISK; with room, the same command completes', async () => {
  const dir = join(mountPoint, 'export');
  execFileSync('mkdir', [dir]);
  const args = ['export', 'data', '--export-dir', dir, '--parallel-jobs', '1', ...sourceFlags(pg, 'src', 'public')];
  const r = await runTandem(args, env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /the tables take about 0\.0\d\d GB on the source; the export dir's disk has 0\.00\d GB free/);
  assert.match(r.stderr, /^error \[TANDEM_DISK\]: The disk holding the export dir is full/m);
  assert.match(r.stderr, /fix: Free space on it/);
  assert.doesNotMatch(r.stderr, /internal error|This is a bug/);

  execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
  const again = await runTandem(args, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Export of the snapshot is complete: 100000 rows/);
});

test('a live export on a disk already 80% full warns as soon as it streams, with how to free the change queue', { timeout: 60_000 }, async () => {
  await pg.sql('src', 'CREATE TABLE small (id int PRIMARY KEY, t text); INSERT INTO small SELECT g, md5(g::text) FROM generate_series(1, 10) g;');
  const mount = mkdtempSync(join(tmpdir(), 'tandem-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
  let ex: TandemProcess | undefined;
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(mount, 'ballast')}`, 'bs=1M', 'count=7'], { stdio: 'ignore' });
    const dir = join(mount, 'export');
    execFileSync('mkdir', [dir]);
    ex = startTandem(['export', 'data', '--export-dir', dir, '--table-list', 'small', '--export-type', 'snapshot-and-changes', ...sourceFlags(pg, 'src', 'public')], env);
    await ex.waitFor(/Streaming changes/, 30_000);
    await ex.waitFor(/WARNING: the export dir's disk is (8|9)\d% full; the change queue holds [\d.]+ KB in it, 0\.0 KB of that in closed segments every importer has applied \(what "archive changes" can free; the segment being written is freed only once it is full and closed\)\. Start "tandem archive changes --export-dir .*export --move-to <dir on another disk>"/, 10_000);
    assert.equal((ex.output().match(/the export dir's disk is/g) ?? []).length, 1);
  } finally {
    await ex?.kill('SIGKILL');
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});

test('a write that fails while the COPY waits for the server rejects the chunk with ENOSPC (never an unheard error event), reporting no part', async () => {
  const db = { ...targetDbConfig(pg, 'src'), role: 'source' as const };
  const point = await exportSnapshotPoint(db);
  const reader = await PgSnapshotReader.attach(db, point.snapshotName);
  await point.release();
  const chunk: PgSnapshotChunk = { tableKey: 'public.big', chunkNo: 0, format: 'text', estimatedRows: 100000, copySql:
    // 100 kB of rows, then the server sleeps for 2 s before the last row: the rows sent so far fail on
    // the disk while the reader waits for more.
    `COPY (SELECT id, t FROM public.big WHERE id <= 1000 UNION ALL SELECT 0, pg_sleep(2)::text) TO STDOUT (FORMAT text)` };
  const reported: number[] = [];
  try {
    // /dev/full fails every write with ENOSPC. The parts are large and the rows few, so the loop is
    // waiting for the server's next bytes, not for the file, when the failure arrives; it must not
    // wait out the sleep either.
    const started = Date.now();
    await assert.rejects(
      reader.copyToFiles(chunk, { pathOf: () => '/dev/full', rowIndexStep: 1000, partBytes: 64 << 20, onPart: (p) => reported.push(p.partNo) }),
      (e: NodeJS.ErrnoException) => e.code === 'ENOSPC',
    );
    assert.ok(Date.now() - started < 1500, `the failure took ${Date.now() - started} ms to surface`);
  } finally {
    await reader.close();
  }
  assert.deepEqual(reported, []);
});

test('file-system errors map to what the user can do; others are left alone', () => {
  assert.equal(fileSystemError(Object.assign(new Error('no space'), { code: 'ENOSPC', path: '/x/y' }))?.code, 'TANDEM_DISK');
  assert.match(fileSystemError(Object.assign(new Error('no space'), { code: 'ENOSPC', path: '/x/y' }))!.message, /\(\/x\/y\)/);
  assert.equal(fileSystemError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))?.code, 'TANDEM_DISK');
  assert.equal(fileSystemError(Object.assign(new Error('denied'), { code: 'EACCES', path: '/x' }))?.code, 'TANDEM_EXPORT_DIR');
  assert.equal(fileSystemError(Object.assign(new Error('boom'), { code: 'ECONNRESET' })), undefined);
  assert.equal(fileSystemError(new Error('plain')), undefined);
});

// The ops-edges-50 run: the exporter stopped at a full disk, and with a backlog each rerun filled the
// disk again before "archive changes" could free it. Now the stream pauses and goes on by itself.
test('a live export whose change queue fills the disk pauses, says how to free it, and goes on by itself once there is room: every change queued once', { timeout: 120_000 }, async () => {
  await pg.sql('src', 'CREATE TABLE fill (id int PRIMARY KEY, t text); INSERT INTO fill VALUES (0, \'x\');');
  const mount = mkdtempSync(join(tmpdir(), 'tandem-pausedisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
  let ex: TandemProcess | undefined;
  try {
    const dir = join(mount, 'export');
    execFileSync('mkdir', [dir]);
    ex = startTandem(['export', 'data', '--export-dir', dir, '--table-list', 'fill', '--export-type', 'snapshot-and-changes', ...sourceFlags(pg, 'src', 'public')], env);
    await ex.waitFor(/Streaming changes/, 30_000);
    // What is left of the disk, less 1 MB, taken by ballast; then 4 MB of changes.
    const free = Number(execFileSync('df', ['--output=avail', '-B1', mount]).toString().split('\n')[1]);
    execFileSync('dd', ['if=/dev/zero', `of=${join(mount, 'ballast')}`, 'bs=64K', `count=${Math.floor((free - (1 << 20)) / 65536)}`], { stdio: 'ignore' });
    await pg.sql('src', "INSERT INTO fill SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 4000) g");
    await ex.waitFor(/WARNING: The export dir's disk is full \(.*export\): streaming from the source is paused, and nothing is lost \(the replication slot \S+ keeps the source's changes not yet queued\)\. It goes on by itself once [\d.]+ MiB more are free on that disk: free space there \(delete or move other files; "archive changes" can free nothing now: no segment every importer has applied is closed yet \(a segment closes at its full size\)\)\. A cutover cannot be initiated meanwhile/, 30_000);
    // Paused, not stopped; its stream closed meanwhile (left open and unread, it would fill memory or be dropped by the server).
    await new Promise((r) => setTimeout(r, 3000));
    assert.doesNotMatch(ex.output(), /Export stopped|error \[/);
    assert.deepEqual(await pg.sql('src', "SELECT count(*)::int AS n FROM pg_replication_slots WHERE database = 'src' AND active"), [{ n: 0 }]);
    // Paused once: not going on while the append that did not fit still does not (measured before: a loop of pauses).
    assert.doesNotMatch(ex.output(), /has room again/);
    // The report says the counts wait on the disk (fix-verify-51: they looked final).
    const paused = await runTandem(['get', 'data-migration-report', '--export-dir', dir], env);
    assert.match(paused.stderr, /WARNING: the export dir's disk is nearly full \([\d.]+ MiB free\): a streaming exporter pauses when it fills, and changes made on the source meanwhile wait in its change stream, not in these counts; free space on that disk\./);
    rmSync(join(mount, 'ballast'));
    await ex.waitFor(/The export dir's disk has room again after \d+ s: streaming from the source goes on\./, 30_000);
    assert.equal(ex.output().match(/is paused/g)?.length, 1, ex.output());
    // Every change of the 4,000-row insert is queued, once.
    const report = async () => JSON.parse((await runTandem(['get', 'data-migration-report', '--export-dir', dir, '--output-format', 'json'], env)).stdout) as { table_name: string; db_type: string; exported_inserts: number }[];
    const deadline = Date.now() + 30_000;
    let inserts = 0;
    while (Date.now() < deadline) {
      inserts = (await report()).find((r) => r.db_type === 'source')!.exported_inserts;
      if (inserts >= 4000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(inserts, 4000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await report()).find((r) => r.db_type === 'source')!.exported_inserts, 4000);
  } finally {
    await ex?.kill('SIGKILL');
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});

test('a disk full to the last byte: archive changes still deletes the applied segments, the paused export goes on by itself, and every change reaches the target once', { timeout: 180_000 }, async () => {
  await pg.createDatabase('dst');
  await pg.sql('src', 'CREATE TABLE arch (id int PRIMARY KEY, t text)');
  await pg.sql('dst', 'CREATE TABLE arch (id int PRIMARY KEY, t text)');
  const mount = mkdtempSync(join(tmpdir(), 'tandem-lastbyte-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount]);
  const liveEnv = { ...env, TARGET_DB_PASSWORD: pg.password, TANDEM_QUEUE_SEGMENT_BYTES: '65536' };
  let ex: TandemProcess | undefined;
  let im: TandemProcess | undefined;
  try {
    const dir = join(mount, 'export');
    execFileSync('mkdir', [dir]);
    ex = startTandem(['export', 'data', '--export-dir', dir, '--table-list', 'arch', '--export-type', 'snapshot-and-changes', ...sourceFlags(pg, 'src', 'public')], liveEnv);
    await ex.waitFor(/Streaming changes/, 30_000);
    im = startTandem(['import', 'data', 'to', 'target', '--export-dir', dir, ...targetFlags(pg, 'dst')], liveEnv);
    // About 7 MiB of changes in many closed segments, all applied: more than the paused export waits for.
    await pg.sql('src', "INSERT INTO arch SELECT g, repeat(md5(g::text), 16) FROM generate_series(1, 12000) g");
    const targetRows = async () => (await pg.sql('dst', 'SELECT count(*)::int AS n FROM arch'))[0].n as number;
    const until = async (what: () => Promise<boolean>, label: string) => {
      const deadline = Date.now() + 60_000;
      while (!(await what())) {
        if (Date.now() > deadline) assert.fail(`${label}\n--- export:\n${ex!.output().slice(-2000)}\n--- import:\n${im!.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    await until(async () => (await targetRows()) === 12000, 'the first 12,000 rows were not applied');
    // …and recorded as applied in meta.db, which archive changes reads (the importer records it a moment after applying).
    const recorded = () => {
      const db = new Database(join(dir, 'metainfo', 'meta.db'), { readonly: true });
      try {
        const row = db.prepare("SELECT (SELECT applied_vsn FROM queue_consumers WHERE name = 'target') >= (SELECT last_vsn FROM queue_state) AS done").get() as { done: number | null };
        return row.done === 1;
      } finally {
        db.close();
      }
    };
    await until(async () => recorded(), 'the importer did not record what it applied');
    // Every byte of the disk taken: the ballast is written until the disk refuses it.
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${join(mount, 'ballast')} bs=4096 2>/dev/null; dd if=/dev/zero of=${join(mount, 'ballast2')} bs=512 2>/dev/null; true`]);
    assert.equal(Number(execFileSync('df', ['--output=avail', '-B1', mount]).toString().split('\n')[1]), 0);
    await pg.sql('src', "INSERT INTO arch SELECT g, repeat(md5(g::text), 16) FROM generate_series(12001, 14000) g");
    await ex.waitFor(/The export dir's disk is full/, 30_000);
    const archived = await runTandem(['archive', 'changes', '--export-dir', dir, '--delete-changes-without-archiving', 'true', '--once', 'true'], liveEnv);
    assert.equal(archived.code, 0, archived.stdout + archived.stderr);
    const freed = /(\d+) segments? deleted/.exec(archived.stdout);
    assert.ok(freed && Number(freed[1]) > 0, archived.stdout);
    await ex.waitFor(/The export dir's disk has room again/, 60_000);
    await until(async () => (await targetRows()) === 14000, 'the 2,000 rows inserted while the disk was full were not applied');
    const [src] = await pg.sql('src', 'SELECT count(*)::int AS n, md5(string_agg(id || t, \',\' ORDER BY id)) AS h FROM arch');
    const [dst] = await pg.sql('dst', 'SELECT count(*)::int AS n, md5(string_agg(id || t, \',\' ORDER BY id)) AS h FROM arch');
    assert.deepEqual(dst, src);
  } finally {
    await Promise.all([ex?.kill('SIGKILL'), im?.kill('SIGKILL')]);
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});

test('an export dir on a disk full to the last byte that no process has open: archive changes (any command) says the disk is full and what to free, not an internal "disk I/O error" (fix-verify-53)', async () => {
  const mount = mkdtempSync(join(tmpdir(), 'tandem-closedfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
  try {
    const dir = join(mount, 'export');
    execFileSync('mkdir', [dir]);
    await pg.sql('src', 'CREATE TABLE IF NOT EXISTS arch_closed (id int PRIMARY KEY)');
    let r = await runTandem(['export', 'data', '--export-dir', dir, '--table-list', 'arch_closed', ...sourceFlags(pg, 'src', 'public')], env);
    assert.equal(r.code, 0, r.stderr);
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${join(mount, 'ballast')} bs=4096 2>/dev/null; dd if=/dev/zero of=${join(mount, 'ballast2')} bs=512 2>/dev/null; true`]);
    r = await runTandem(['archive', 'changes', '--export-dir', dir, '--delete-changes-without-archiving', 'true', '--once', 'true'], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error \[TANDEM_DISK\]: The disk holding the export dir is full: .*meta\.db cannot even be opened .*\n {2}fix: Free a few MiB on that disk/);
    assert.doesNotMatch(r.stderr, /internal error/);
  } finally {
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});
