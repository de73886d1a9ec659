import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CommandLock } from '../../../src/core/lock.js';
import { TandemError } from '../../../src/core/errors.js';

const LOCK_MODULE = fileURLToPath(new URL('../../../src/core/lock.js', import.meta.url));

/** A separate process that takes the lock and holds it until killed; resolves once it holds it. */
async function holdLockInChild(dir: string): Promise<ChildProcess> {
  const code = `import { CommandLock } from ${JSON.stringify(LOCK_MODULE)};
    new CommandLock(${JSON.stringify(dir)}, 'import-data').acquire();
    process.stdout.write('held\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

test('a second acquire while the holder lives is TANDEM_LOCKED naming its pid; release frees the lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const child = await holdLockInChild(dir);
  try {
    assert.equal(readFileSync(join(dir, 'import-data.lck'), 'utf8'), String(child.pid));
    assert.equal(CommandLock.holder(dir, 'import-data'), child.pid);
    const lock = new CommandLock(dir, 'import-data');
    assert.throws(() => lock.acquire(), (e: unknown) => {
      assert.ok(e instanceof TandemError);
      assert.equal(e.code, 'TANDEM_LOCKED');
      assert.match(e.message, new RegExp(`pid ${child.pid}`));
      return true;
    });
    // Another command's lock is independent.
    const other = new CommandLock(dir, 'export-data');
    other.acquire();
    other.release();
    assert.equal(existsSync(join(dir, 'export-data.lck')), false);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('a lock left by a killed process is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  const child = await holdLockInChild(dir);
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.equal(readFileSync(join(dir, 'import-data.lck'), 'utf8'), String(child.pid), 'SIGKILL leaves the file behind');
  assert.equal(CommandLock.holder(dir, 'import-data'), undefined);
  const lock = new CommandLock(dir, 'import-data');
  lock.acquire();
  assert.equal(readFileSync(join(dir, 'import-data.lck'), 'utf8'), String(process.pid));
  assert.equal(CommandLock.holder(dir, 'import-data'), process.pid);
  lock.release();
  assert.equal(existsSync(join(dir, 'import-data.lck')), false);
  lock.release(); // twice is harmless
});

test('a lock file with garbage or an empty pid is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
  for (const content of ['', 'not-a-pid', '-5', '0']) {
    writeFileSync(join(dir, 'x.lck'), content);
    const lock = new CommandLock(dir, 'x');
    lock.acquire();
    assert.equal(readFileSync(join(dir, 'x.lck'), 'utf8'), String(process.pid), JSON.stringify(content));
    lock.release();
  }
});
