import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages a compiled module loads through its static imports, followed through the project's own modules. */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  for (let f = queue.shift(); f; f = queue.shift()) {
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) queue.push(normalize(join(dirname(f), spec)));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return packages;
}

test('initiate cutover loads no SQL parser before it records the request (its import took about 0.2 s of the application\'s downtime)', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const commands = join(here, '../../../src/workflow/cutover/cutover-commands.js');
  const loaded = staticPackages(commands);
  assert.ok(loaded.has('better-sqlite3'), 'the walk follows the imports (meta.db is SQLite)');
  assert.equal(loaded.has('libpg-query'), false, [...loaded].join(', '));
  // The parser is still what reads the schema files, after the request.
  assert.ok(staticPackages(join(here, '../../../src/workflow/schema/schema-statements-reader.js')).has('libpg-query'));
});
