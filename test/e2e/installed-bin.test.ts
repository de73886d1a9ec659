/**
 * The package as a user installs it: `npm pack`, `npm install -g` into a temporary prefix, then the
 * `tandem` symlink npm puts on the PATH. It must run every command (a symlink named `tandem` once
 * made every command a silent no-op with exit 0), ship the compiled CLI and not the tests, and exit
 * non-zero on a command it does not know.
 *
 * Speed: the install takes its packages from npm's cache (`--prefer-offline`; `npm ci` filled it).
 * better-sqlite3's install script would download a prebuilt binary from GitHub or else compile for a
 * minute; the test hands it this checkout's own build of the same version as a local prebuild
 * (prebuild-install's `local-prebuilds`), so the install takes seconds. Without that build it
 * compiles, which is slower but tests the same thing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPg15, type PgServer } from '../helpers/pg-server.js';
import { sourceFlags } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let tmp: string;
let prefix: string;
let tandemBin: string;
let packedFiles: string[];
let pg: PgServer;
/** The environment of a user's shell: the installed bin directory first on the PATH, no terminal. */
let userEnv: Record<string, string>;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tandem-install-'));
  prefix = join(tmp, 'prefix');
  mkdirSync(join(prefix, 'lib'), { recursive: true }); // npm 11's strict install-script check reads the global prefix's lib before creating it
  const serverStarted = startPg15();
  try {
    // `npm test` has just built dist/; prepack would build it again.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp]);
    assert.equal(pack.code, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    packedFiles = info!.files.map((f) => f.path);

    const env: Record<string, string> = {};
    const sqliteBuild = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(sqliteBuild)) {
      const prebuilds = join(tmp, 'prebuilds');
      mkdirSync(prebuilds);
      const version = PKG.dependencies['better-sqlite3'];
      const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
      const tar = await run('tar', ['-czf', join(prebuilds, name), '-C', join(ROOT, 'node_modules', 'better-sqlite3'), 'build/Release/better_sqlite3.node']);
      assert.equal(tar.code, 0, tar.stderr);
      env.npm_config_better_sqlite3_local_prebuilds = prebuilds;
    }
    const install = await run('npm', ['install', '-g', '--allow-scripts=better-sqlite3,oracledb', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(tmp, info!.filename)], { cwd: tmp, env });
    assert.equal(install.code, 0, `npm install -g failed:\n${install.stdout}\n${install.stderr}`);
  } finally {
    pg = await serverStarted;
  }
  tandemBin = join(prefix, 'bin', 'tandem');
  userEnv = { PATH: [join(prefix, 'bin'), dirname(process.execPath), process.env.PATH ?? ''].join(delimiter), TANDEM_NO_TTY: '1' };
}, { timeout: 300_000 });

after(async () => {
  await pg?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('npm puts a symlink named tandem on the PATH, into the installed package', () => {
  assert.ok(lstatSync(tandemBin).isSymbolicLink(), `${tandemBin} is a symlink`);
  assert.ok(realpathSync(tandemBin).startsWith(realpathSync(join(prefix, 'lib', 'node_modules', 'tandem')) + '/'), realpathSync(tandemBin));
});

test('the package ships the compiled CLI and the docs the README links to, and neither the tests nor the sources', () => {
  assert.ok(packedFiles.includes('package.json'));
  assert.ok(packedFiles.includes('dist/src/cli/bin-entry.js'));
  assert.ok(packedFiles.includes('dist/src/cli/main.js'));
  const isDoc = (f: string) => f === 'README.md' || /^docs\/[^/]+\.md$/.test(f);
  assert.deepEqual(packedFiles.filter((f) => !f.startsWith('dist/src/') && f !== 'package.json' && !isDoc(f)), []);
  assert.deepEqual(packedFiles.filter((f) => !f.endsWith('.js') && f !== 'package.json' && !isDoc(f)), []);
  // Every docs/ page the README links to is in the package (measured before: none was; the new-user run).
  const linked = [...new Set([...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!))];
  assert.ok(linked.length >= 5, `README links to ${linked.length} docs pages`);
  assert.deepEqual(linked.filter((l) => !packedFiles.includes(l)), []);
});

test('tandem version, run by its name through the installed symlink, prints the version', async () => {
  const r = await run('tandem', ['version'], { cwd: tmp, env: userEnv });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^tandem ${PKG.version.replace(/\./g, '\\.')} \\(node v\\d+`));
  const v = await run('tandem', ['--version'], { cwd: tmp, env: userEnv });
  assert.equal(v.stdout, r.stdout);
});

test('tandem export schema through the installed symlink exports a real PostgreSQL 15 schema', async () => {
  await pg.createDatabase('shop');
  await pg.sql('shop', 'CREATE TABLE public.orders (id bigint PRIMARY KEY, note text); CREATE INDEX orders_note ON public.orders (note);');
  const dir = mkdtempSync(join(tmp, 'export-'));
  const r = await run('tandem', ['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'shop')], { cwd: tmp, env: { ...userEnv, SOURCE_DB_PASSWORD: pg.password } });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Exported \d+ objects/);
  assert.match(readFileSync(join(dir, 'schema', 'tables', 'tables.sql'), 'utf8'), /CREATE TABLE public\.orders/);
});

test('through the installed symlink, an unknown command, no command and a failing command exit non-zero', async () => {
  const unknown = await run('tandem', ['no-such-command'], { cwd: tmp, env: userEnv });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "no-such-command"/);
  const none = await run('tandem', [], { cwd: tmp, env: userEnv });
  assert.equal(none.code, 2);
  assert.match(none.stdout, /Usage: tandem <command>/);
  const missing = await run('tandem', ['export', 'schema', '--export-dir', join(tmp, 'does-not-exist'), '--source-db-type', 'postgresql'], { cwd: tmp, env: userEnv });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^error \[TANDEM_/m);
});

test('an install whose native module was never built (npm 11 without --allow-scripts): TANDEM_PREREQUISITE saying how to install, not an internal error', async () => {
  const built = join(prefix, 'lib', 'node_modules', 'tandem', 'node_modules', 'better-sqlite3', 'build');
  const aside = `${built}.aside`;
  renameSync(built, aside);
  try {
    await pg.createDatabase('unbuilt');
    const dir = mkdtempSync(join(tmp, 'export-'));
    const r = await run('tandem', ['export', 'schema', '--export-dir', dir, ...sourceFlags(pg, 'unbuilt')], { cwd: tmp, env: { ...userEnv, SOURCE_DB_PASSWORD: pg.password } });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^error \[TANDEM_PREREQUISITE\]: Tandem's native module better-sqlite3 cannot load: it was installed without being built/m);
    assert.match(r.stderr, /fix: Install Tandem again allowing its build: npm install -g --allow-scripts=better-sqlite3,oracledb/);
    assert.doesNotMatch(r.stderr, /internal error/);
  } finally {
    renameSync(aside, built);
  }
});
