import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportDir } from '../../../src/core/export-dir.js';
import { TandemError } from '../../../src/core/errors.js';

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

test('an export dir this user may not write in is refused with a fix (measured before: "is not writable by this user" and no fix line)', {
  skip: process.getuid?.() === 0 ? 'root may write in any directory' : false,
}, () => {
  const root = join(mkdtempSync(join(tmpdir(), 'tandem-exportdir-')), 'readonly');
  mkdirSync(root);
  chmodSync(root, 0o555);
  assert.deepEqual(refusal(root), {
    code: 'TANDEM_EXPORT_DIR', message: `The export dir ${root} is not writable by this user.`,
    hint: `Run Tandem as the user who owns it, or let this user write there (chown or chmod u+w ${root}).`,
  });
});
