import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportDir } from '../../../src/core/export-dir.js';
import { TandemError } from '../../../src/core/errors.js';
import { CLI_PATH } from '../../helpers/cli.js';

/** What ensureLayout refuses `root` with: its code, message and fix. */
function refusal(root: string): { code: string; message: string; hint?: string } {
  try {
    new ExportDir(root).ensureLayout();
  } catch (e) {
    assert.ok(e instanceof TandemError, String(e));
    return { code: e.code, message: e.message, hint: e.hint };
  }
  assert.fail(`${root} was accepted`);
}

test('an --export-dir that is a regular file is refused with a fix (measured before: no fix line)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-exportdir-')), 'afile');
  writeFileSync(file, '');
  assert.deepEqual(refusal(file), {
    code: 'TANDEM_EXPORT_DIR', message: `--export-dir ${file} is not a directory.`,
    hint: 'Name a directory as --export-dir (mkdir -p <dir> creates one).',
  });
});

const asRoot = process.getuid?.() === 0;

test('an export dir this user may not write in is refused with a fix (measured before: "is not writable by this user" and no fix line)', {
  skip: asRoot ? 'root may write in any directory: the next test runs the command as another user' : false,
}, () => {
  const root = join(mkdtempSync(join(tmpdir(), 'tandem-exportdir-')), 'readonly');
  mkdirSync(root);
  chmodSync(root, 0o555);
  assert.deepEqual(refusal(root), {
    code: 'TANDEM_EXPORT_DIR', message: `The export dir ${root} is not writable by this user.`,
    hint: `Run Tandem as the user who owns it, or let this user write there (chown or chmod u+w ${root}).`,
  });
});

test('run as root, the installed command as user nobody in root\'s export dir: refused with the fix, exit 1, nothing written', {
  skip: asRoot ? false : 'not root: the test above covers it in-process',
}, () => {
  const parent = mkdtempSync(join(tmpdir(), 'tandem-exportdir-'));
  chmodSync(parent, 0o755);
  const root = join(parent, 'roots');
  mkdirSync(root, { mode: 0o755 });
  const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI_PATH, 'export', 'schema', '--export-dir', root,
    '--source-db-type', 'postgresql', '--source-db-host', '127.0.0.1', '--source-db-user', 'u', '--source-db-name', 'd'], { encoding: 'utf8', env: { ...process.env, SOURCE_DB_PASSWORD: 'x' } });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `error [TANDEM_EXPORT_DIR]: The export dir ${root} is not writable by this user.\n`
    + `  fix: Run Tandem as the user who owns it, or let this user write there (chown or chmod u+w ${root}).\n`);
  assert.deepEqual(readdirSync(root), []);
});
