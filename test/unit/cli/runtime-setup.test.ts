import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SETUP = fileURLToPath(new URL('../../../src/cli/runtime-setup.js', import.meta.url));

/** Loads node-postgres in a fresh process (after the CLI's set-up when asked) and reports what Node.js loaded. */
function loadPg(withSetup: boolean): { undici: boolean; userAgent: string | null } {
  const script = `${withSetup ? `await import(${JSON.stringify(SETUP)});` : ''}
    const { createRequire } = await import('node:module');
    createRequire(${JSON.stringify(SETUP)})('pg');
    console.log(JSON.stringify({ undici: process.moduleLoadList.some((m) => m.includes('undici')), userAgent: globalThis.navigator?.userAgent ?? null }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

test('after the CLI set-up, loading node-postgres does not load Node.js fetch (undici), and navigator reads as Node.js does', () => {
  const major = process.versions.node.split('.')[0];
  const plain = loadPg(false);
  const set = loadPg(true);
  assert.equal(set.undici, false);
  assert.equal(set.userAgent, `Node.js/${major}`);
  // Where Node.js has no navigator of its own (20), the check loaded undici without the set-up:
  // the set-up is what saves it. Node.js 21+ defines navigator itself and never loads it here.
  if (plain.userAgent === null) assert.equal(plain.undici, true);
  else assert.equal(plain.userAgent, `Node.js/${major}`);
});

/**
 * Parses 900 statements with libpg-query in a fresh process (after the CLI's set-up when asked),
 * with V8 printing every WebAssembly function it compiles; returns how many it compiled with
 * TurboFan, its optimizing compiler.
 */
function turbofanCompilesWhileParsing(withSetup: boolean): number {
  const script = `${withSetup ? `await import(${JSON.stringify(SETUP)});` : ''}
    const { createRequire } = await import('node:module');
    const { loadModule, parseSync } = createRequire(${JSON.stringify(SETUP)})('libpg-query');
    await loadModule();
    for (let i = 0; i < 300; i++) {
      parseSync(\`CREATE TABLE t\${i} (id bigint PRIMARY KEY, name text DEFAULT 'x', amount numeric(12,2) CHECK (amount >= 0))\`);
      parseSync(\`CREATE VIEW v\${i} AS SELECT id, sum(amount) OVER (PARTITION BY name ORDER BY id) AS s FROM t\${i} WHERE name LIKE 'a%'\`);
      parseSync(\`CREATE FUNCTION f\${i}(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 1'\`);
    }`;
  const run = spawnSync(process.execPath, ['--trace-wasm-compilation-times', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // A V8 that no longer knows a flag the set-up sets says so on stderr at every start of the CLI.
  assert.equal(run.stderr, '');
  return run.stdout.split('\n').filter((l) => / using TurboFan/.test(l)).length;
}

test('after the CLI set-up, the SQL parser (WebAssembly) stays on V8\'s baseline compiler instead of being recompiled by TurboFan', () => {
  // The same parsing without the set-up: V8 recompiles the parser's hot functions (the control).
  assert.ok(turbofanCompilesWhileParsing(false) > 0, 'without the set-up V8 tiers the parser up');
  assert.equal(turbofanCompilesWhileParsing(true), 0);
});
