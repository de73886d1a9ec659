import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI_PATH } from '../../helpers/cli.js';

/**
 * Runs the built CLI with one of its outputs read by nobody: that pipe's reading end is closed at
 * once, as `| head -1` closes it once it has its line, so every write of the CLI to it fails (EPIPE).
 */
function runWithClosedReader(args: string[], closed: 'stdout' | 'stderr'): Promise<{ code: number | null; signal: string | null; other: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...process.env, TANDEM_NO_TTY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child[closed].destroy();
    let other = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (d) => (other += d));
    child.on('close', (code, signal) => resolve({ code, signal, other }));
  });
}

for (const args of [['export', 'data', '--help'], ['--help'], ['version']]) {
  test(`tandem ${args.join(' ')} with its stdout reader gone: exits 0, no EPIPE stack trace on stderr`, async () => {
    const r = await runWithClosedReader(args, 'stdout');
    assert.doesNotMatch(r.other, /EPIPE|Unhandled 'error' event|\n\s+at .+:\d+:\d+/, r.other);
    assert.equal(r.other, '');
    assert.deepEqual([r.code, r.signal], [0, null], r.other);
  });
}

test('an unknown command with its stderr reader gone: exits with the usage error\'s status (2), nothing on stdout', async () => {
  const r = await runWithClosedReader(['no-such-command'], 'stderr');
  assert.equal(r.other, '');
  assert.deepEqual([r.code, r.signal], [2, null]);
});
