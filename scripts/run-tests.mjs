// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk('dist/test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Unit test files (dist/test/unit: no servers, no processes killed on a clock) run side by side,
// one per core; every other file runs one at a time by default: the crash tests kill processes at
// random moments and are timed, and two of them side by side on a 2-core machine made that timing
// fragile. TEST_CONCURRENCY overrides the latter.
const isUnit = (f) => f.startsWith(join('dist', 'test', 'unit') + sep);
const groups = [
  [files.filter(isUnit), String(Math.max(2, availableParallelism()))],
  [files.filter((f) => !isUnit(f)), process.env.TEST_CONCURRENCY ?? '1'],
].filter(([g]) => g.length > 0);
let status = 0;
for (const [group, concurrency] of groups) {
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...group], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
