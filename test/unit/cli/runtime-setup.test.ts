import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
