/**
 * The README's first command, as a user on a fresh machine runs it: `npm run demo` (PostgreSQL
 * source) and `npm run demo:mysql` (MariaDB source) start their own databases and run the whole
 * live migration with fall-back through the CLI. Each must end with every verification a MATCH and
 * exit 0. (The build is this test run's own; `npm run demo` only builds first.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function runDemo(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'demo', script)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

for (const [name, script] of [['npm run demo (PostgreSQL)', 'run-demo.js'], ['npm run demo:mysql (MariaDB)', 'run-mysql-demo.js']] as const) {
  test(`${name}: the whole live migration with fall-back runs, every verification matches, exit 0`, { timeout: 300_000 }, async () => {
    const { code, output } = await runDemo(script);
    const tail = output.slice(-3000);
    assert.equal(code, 0, tail);
    // Tables matched before the marker: unchanged since, or (busy ones) read again only in the key ranges written since.
    const early = String.raw`(?: \((?:\d+ of them matched before the marker and were not scanned again, having no change in the stream since(?:; \d+ matched before the marker and (?:was|were) read again only in the key ranges the stream changed since)?|\d+ matched before the marker and (?:was|were) read again only in the key ranges the stream changed since): "tandem compare" scans every table\))?\.`;
    assert.match(output, new RegExp(`Cutover to target: verification MATCH for every table${early}`), tail);
    assert.match(output, new RegExp(`Cutover to source: verification MATCH for every table${early}`), tail);
    assert.doesNotMatch(output, /MISMATCH|error \[/, tail);
    assert.match(output, /Demo finished in [\d.]+ s\./, tail);
  });
}
