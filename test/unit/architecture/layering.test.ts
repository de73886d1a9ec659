/**
 * The layering rules of docs/architecture.md, checked on the sources: the workflow reaches engines
 * only through the registry (`src/adapters/engines.ts`) and the role interfaces in `src/core/`, never
 * a driver, an engine folder or the command layer; `src/core/` knows no engine, workflow or command;
 * an engine folder imports no other engine's folder (but `postgres/` uses `yugabyte/`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/test/unit/architecture/layering.test.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Database drivers (and their protocol helpers): only an engine folder may import them. */
const DRIVERS = ['pg', 'pg-copy-streams', 'pg-protocol', 'mysql2', 'mysql2/promise', '@powersync/mysql-zongji', 'oracledb'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports: static imports, `export … from`, dynamic `import()`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"();]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*(?:as\s+\w+\s*)?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** What an import names: a package (its name) or a file of the repository (relative to the root, `.ts`). */
function target(file: string, spec: string): { pkg: string } | { path: string } {
  if (!spec.startsWith('.')) return { pkg: spec };
  return { path: relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') };
}

interface Violation { readonly file: string; readonly spec: string; readonly why: string }

function violations(layer: string, rule: (t: { pkg: string } | { path: string }) => string | undefined): Violation[] {
  const out: Violation[] = [];
  for (const file of sourceFiles(join(ROOT, layer))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const why = rule(target(file, spec));
      if (why) out.push({ file: relative(ROOT, file), spec, why });
    }
  }
  return out;
}

const isDriver = (t: { pkg: string } | { path: string }) => 'pkg' in t && DRIVERS.includes(t.pkg);

test('the import scanner sees every form of import (checked on literal text)', () => {
  const text = [
    "import pg from 'pg';",
    "import type { Client } from 'mysql2/promise';",
    "import {\n  a,\n  b,\n} from '../adapters/postgres/pg-connection.js';",
    "export { x } from '../cli/prompt.js';",
    "export * from './y.js';",
    "import './side-effect.js';",
    "const { z } = await import('../adapters/oracle/connection.js');",
  ].join('\n');
  assert.deepEqual(importsOf(text).sort(), [
    '../adapters/oracle/connection.js', '../adapters/postgres/pg-connection.js', '../cli/prompt.js', './side-effect.js', './y.js', 'mysql2/promise', 'pg',
  ]);
});

test('src/workflow imports no driver, no engine folder and nothing of src/cli: only src/core and src/adapters/engines.ts', () => {
  const found = violations('src/workflow', (t) => {
    if (isDriver(t)) return 'a database driver';
    if ('path' in t && t.path.startsWith('src/cli/')) return 'the command layer';
    if ('path' in t && t.path.startsWith('src/adapters/') && t.path !== 'src/adapters/engines.ts') return 'an engine folder (use the registry, src/adapters/engines.ts)';
    return undefined;
  });
  assert.deepEqual(found, []);
});

test('src/core imports no driver and nothing of src/adapters, src/workflow or src/cli', () => {
  const found = violations('src/core', (t) => {
    if (isDriver(t)) return 'a database driver';
    if ('path' in t && /^src\/(adapters|workflow|cli|analyze)\//.test(t.path)) return 'a layer above core';
    return undefined;
  });
  assert.deepEqual(found, []);
});

/** Engine folders that may import another: `postgres/` serves YugabyteDB too and uses `yugabyte/` for what only it needs. */
const ENGINE_REFINEMENTS: Readonly<Record<string, readonly string[]>> = { postgres: ['yugabyte'] };

/** The engine folder a repository path lies in (`src/adapters/<engine>/…`), if any. */
function engineOf(path: string): string | undefined {
  return /^src\/adapters\/([^/]+)\//.exec(path)?.[1];
}

test('an engine folder imports no other engine folder (shared parts live in src/core), but for the refinements docs/architecture.md names', () => {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src/adapters'))) {
    const from = engineOf(relative(ROOT, file));
    if (!from) continue; // the registry, src/adapters/engines.ts, loads every engine
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const t = target(file, spec);
      if (!('path' in t)) continue;
      const to = engineOf(t.path);
      if (!to || to === from || ENGINE_REFINEMENTS[from]?.includes(to)) continue;
      found.push(`${relative(ROOT, file)} -> ${t.path}`);
    }
  }
  assert.deepEqual(found.sort(), []);
});

test('the engine-folder rule sees a cross-engine import (checked on a literal path)', () => {
  const file = join(ROOT, 'src/adapters/oracle/writer/oracle-change-target.ts');
  const t = target(file, '../../postgres/apply/apply-sql.js');
  assert.deepEqual(t, { path: 'src/adapters/postgres/apply/apply-sql.ts' });
  assert.deepEqual([engineOf(relative(ROOT, file)), engineOf(t.path)], ['oracle', 'postgres']);
  assert.equal(engineOf('src/adapters/engines.ts'), undefined);
  assert.equal(engineOf('src/core/apply/batch-plan.ts'), undefined);
});

test('every workflow and core file was scanned (the rules above are not vacuous)', () => {
  const workflow = sourceFiles(join(ROOT, 'src/workflow'));
  const core = sourceFiles(join(ROOT, 'src/core'));
  assert.ok(workflow.some((f) => f.endsWith('stream-exporter.ts')), 'the workflow sources are where this test looks');
  assert.ok(core.some((f) => f.endsWith(join('engine', 'engine.ts'))), 'the core sources are where this test looks');
  // The workflow does reach engines, through the registry.
  const viaRegistry = workflow.filter((f) => importsOf(readFileSync(f, 'utf8')).some((spec) => {
    const t = target(f, spec);
    return 'path' in t && t.path === 'src/adapters/engines.ts';
  }));
  assert.ok(viaRegistry.length >= 3, `files that load engines through the registry: ${viaRegistry.map((f) => relative(ROOT, f)).join(', ')}`);
});
