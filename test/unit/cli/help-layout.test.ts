import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_PATH } from '../../helpers/cli.js';
import { COMMANDS } from '../../../src/cli/command-registry.js';

// Measured before (the newuser-50 run): the commands that take connection flags printed one line of
// 200 columns and more per flag (a 72-column flag left commander no room to wrap), the others wrapped at 80.
test('tandem --help wraps its command list at 80 columns (fix-verify-50b: lines of 148)', () => {
  const r = spawnSync(process.execPath, [CLI_PATH, '--help'], { encoding: 'utf8', env: { ...process.env, TANDEM_NO_TTY: '1' } });
  assert.equal(r.status, 0, r.stderr);
  for (const spec of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${spec.words.join(' ')} `, 'm'), `${spec.words.join(' ')} listed`);
  for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `a line of ${line.length} columns:\n${line}`);
});

test('every command\'s --help wraps its descriptions at 80 columns (a flag wider than its column stands on its own line)', () => {
  for (const spec of COMMANDS) {
    const r = spawnSync(process.execPath, [CLI_PATH, ...spec.words, '--help'], { encoding: 'utf8', env: { ...process.env, TANDEM_NO_TTY: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const flags = r.stdout.split('\n').filter((l) => /^ {2}-/.test(l));
    assert.ok(flags.length >= 1, `tandem ${spec.words.join(' ')} --help lists its flags:\n${r.stdout}`);
    for (const line of r.stdout.split('\n')) {
      // Only a flag alone on its line (its description below it) or one word that cannot break may be wider.
      if (line.length <= 80 || /^ {2}--\S+ \S+$/.test(line) || !/\s\S+\s/.test(line.trim())) continue;
      assert.fail(`tandem ${spec.words.join(' ')} --help has a line of ${line.length} columns:\n${line}`);
    }
  }
});
