import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CommandLock } from '../../../src/core/lock.js';
import { TandemError } from '../../../src/core/errors.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../src/core/lock.js', import.meta.url));

function holderScript(dir: string): string {
  return `import { CommandLock } from ${JSON.stringify(LOCK_MODULE)};
    new CommandLock(${JSON.stringify(dir)}, 'import-data').acquire();
    process.stdout.write('held\\n');
    setInterval(() => {}, 1000);`;
}

/** A separate process that takes the lock and holds it until killed; resolves once it holds it. */
async function holdLockInChild(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', holderScript(dir)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

function processState(pid: number): string | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

test('a second acquire while the holder lives is TANDEM_LOCKED naming its pid; release frees the lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const child = await holdLockInChild(dir);
  try {
    assert.equal(CommandLock.holder(dir, 'import-data'), child.pid);
    const lock = new CommandLock(dir, 'import-data');
    assert.throws(() => lock.acquire(), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.code, 'TANDEM_LOCKED');
      assert.match(e.message, new RegExp(`pid ${child.pid}\\b`));
      return true;
    });
    // Another command's lock is independent.
    const other = new CommandLock(dir, 'export-data');
    other.acquire();
    assert.equal(CommandLock.holder(dir, 'export-data'), process.pid);
    other.release();
    assert.equal(CommandLock.holder(dir, 'export-data'), undefined);
    assert.equal(existsSync(join(dir, 'export-data.pid')), false);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  assert.equal(CommandLock.holder(dir, 'import-data'), undefined, 'a holder that ends releases the lock');
});

test('a holder killed with SIGKILL releases the lock at once, while it is still an unreaped zombie', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  // The shell starts the holder in the background, prints its pid and becomes `sleep` (exec): the
  // holder's parent is then a process that never reaps it, so after SIGKILL it stays a zombie.
  const parent = spawn('sh', ['-c', `"$0" --input-type=module -e "$1" & echo $!; exec sleep 60`, process.execPath, holderScript(dir)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  parent.stdout!.on('data', (d) => (out += d));
  try {
    while (!/^\d+\n[\s\S]*held/.test(out)) await once(parent.stdout!, 'data');
    const pid = Number(out.split('\n')[0]);
    assert.equal(CommandLock.holder(dir, 'import-data'), pid);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && processState(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(processState(pid), 'Z', 'the killed holder is a zombie nobody reaps');
    assert.equal(readFileSync(join(dir, 'import-data.pid'), 'utf8'), String(pid), 'its pid file is left behind');
    const lock = new CommandLock(dir, 'import-data');
    lock.acquire(); // the old pid-file lock refused here: kill(pid, 0) succeeds on a zombie
    assert.equal(CommandLock.holder(dir, 'import-data'), process.pid);
    assert.equal(processState(pid), 'Z', 'the holder was still a zombie when the lock was taken');
    lock.release();
  } finally {
    parent.kill('SIGKILL');
  }
});

test('lock files naming a live unrelated process do not lock the migration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const unrelated = process.ppid; // alive, and not a Tandem command
  writeFileSync(join(dir, 'x.pid'), String(unrelated));
  writeFileSync(join(dir, 'x.lck'), String(unrelated)); // the pid file of older versions
  assert.equal(CommandLock.holder(dir, 'x'), undefined);
  const lock = new CommandLock(dir, 'x');
  lock.acquire();
  assert.equal(readFileSync(join(dir, 'x.pid'), 'utf8'), String(process.pid));
  lock.release();
  lock.release(); // twice is harmless
});

test('a garbage lock file is refused loudly, not silently ignored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  writeFileSync(join(dir, 'x.lock'), 'this is not a database, and the lock must not pretend it is free');
  assert.throws(() => new CommandLock(dir, 'x').acquire(), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_EXPORT_DIR');
    assert.match(e.message, /x\.lock is damaged/);
    return true;
  });
});

test('a probe that meets another probe does not take it for a holder, and does not wait for it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const lock = new CommandLock(dir, 'import-data');
  lock.acquire();
  lock.release(); // the lock file exists, nobody holds it
  // Another process's probe, caught in the middle of its look (its read lock held).
  const otherProbe = new Database(join(dir, 'import-data.lock'), { timeout: 0 });
  otherProbe.exec('BEGIN');
  otherProbe.prepare('SELECT count(*) FROM sqlite_master').get();
  try {
    assert.equal(CommandLock.holder(dir, 'import-data'), undefined);
  } finally {
    otherProbe.exec('COMMIT');
    otherProbe.close();
  }
});

test('taking a lock in a metainfo dir that is gone is TANDEM_EXPORT_DIR saying it was removed (measured before: better-sqlite3\'s "Cannot open database because the directory does not exist", exit 70)', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tandem-lock-')), 'metainfo');
  assert.throws(() => new CommandLock(dir, 'end-migration').acquire(), (e: unknown) => {
    assert.ok(e instanceof TandemError);
    assert.equal(e.code, 'TANDEM_EXPORT_DIR');
    assert.equal(e.message, `The export dir's metainfo (${dir}) was removed while "end migration" was starting: another "end migration" ended this migration and emptied its export dir, or something else deleted it.`);
    assert.equal(e.hint, 'If an end migration ran on this export dir, the migration has ended and nothing is left to do; otherwise start a new migration in a new export dir.');
    return true;
  });
});

test('a metainfo dir removed between opening the lock file and locking it (another end migration emptying the export dir) is TANDEM_EXPORT_DIR (measured before: SqliteError "disk I/O error" at CommandLock.acquire, exit 70)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const dir = join(root, 'metainfo');
  mkdirSync(dir);
  const hits = join(root, 'failpoints.log');
  // The child stops at the failpoint (its log line written first) until the directory is removed.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { CommandLock } from ${JSON.stringify(LOCK_MODULE)};
    try { new CommandLock(${JSON.stringify(dir)}, 'end-migration').acquire(); process.stdout.write('acquired'); }
    catch (e) { process.stdout.write(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`], {
    env: { ...process.env, TANDEM_FAILPOINTS: 'lock.after-open=pause:4000', TANDEM_FAILPOINT_LOG: hits },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  while (!existsSync(hits)) await new Promise((r) => setTimeout(r, 20));
  rmSync(dir, { recursive: true });
  await once(child, 'close');
  assert.deepEqual(JSON.parse(out), {
    name: 'TandemError', code: 'TANDEM_EXPORT_DIR',
    message: `The export dir's metainfo (${dir}) was removed while "end migration" was starting: another "end migration" ended this migration and emptied its export dir, or something else deleted it.`,
  });
});

test('a damaged lock file is held by nobody (measured before: end migration\'s probe of it was told as the migration\'s state damaged; fix-verify-53), and taking it says to delete it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  writeFileSync(join(dir, 'import-data.lock'), 'not a database, written over by mistake\n'.repeat(200));
  assert.equal(CommandLock.holder(dir, 'import-data'), undefined);
  assert.throws(() => new CommandLock(dir, 'import-data').acquire(), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_EXPORT_DIR' && /lock file .*import-data\.lock is damaged/.test(e.message) && /delete .*import-data\.lock/.test(e.hint ?? ''));
});
