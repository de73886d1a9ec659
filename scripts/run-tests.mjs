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
// Unit test files (dist/test/unit: no servers) run side by side, one per core. The other files
// start their own servers and run three at a time by default (TEST_CONCURRENCY overrides it): the
// crash tests kill at armed failpoints, or at random moments where any moment must be safe, and
// none asserts a timing; a whole run with three side by side passed on a 2-core machine loaded by
// two other test runs too, in 15.5 minutes against 17.8 with two (forty-eighth session). The longest
// files start first, so that the run does not end waiting for one of them alone.
const isUnit = (f) => f.startsWith(join('dist', 'test', 'unit') + sep);
const LONGEST_FIRST = [/failpoint-crash/, /random-kill/, /fallback-guards/, /live-crash/, /snapshot-reload-fk/, /schema-import-resume/,
  /mysql-live-fallback/, /large-transaction/, /fallback-crash/, /source-schema-change/, /offline-migration/, /bad-input/];
const rank = (f) => {
  const i = LONGEST_FIRST.findIndex((re) => re.test(f));
  return i === -1 ? LONGEST_FIRST.length : i;
};
const servers = files.filter((f) => !isUnit(f)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const groups = [
  [files.filter(isUnit), String(Math.max(2, availableParallelism()))],
  [servers, process.env.TEST_CONCURRENCY ?? '3'],
].filter(([g]) => g.length > 0);
let status = 0;
for (const [group, concurrency] of groups) {
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...group], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
