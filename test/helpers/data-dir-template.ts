import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Makes a server's new data directory `dataDir` as a copy (`cp -a`, owner kept) of a template made
 * once per machine and `build` (the binaries and the arguments the template depends on): an initdb
 * or mariadb-install-db takes about a second, the copy a quarter of that, and every test file starts
 * its own servers. `make(dir)` creates the template's data directory `dir` inside a scratch
 * directory it is given (`work`, to own as it needs); the result is renamed into place, so that a
 * crash never leaves half of a template and two processes making it at once both succeed. `marker`
 * is a file or directory every complete data directory has.
 */
export function copyOfTemplate(name: string, build: string, marker: string, dataDir: string, make: (work: string, dir: string) => void): void {
  const template = join(tmpdir(), `tandem-${name}-template-${createHash('sha256').update(build).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(template, marker))) {
    const work = mkdtempSync(join(tmpdir(), `tandem-${name}-making-`));
    try {
      make(work, join(work, 'data'));
      try {
        renameSync(join(work, 'data'), template);
      } catch (e) {
        if (!existsSync(join(template, marker))) throw e; // not another process's template
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const r = spawnSync('cp', ['-a', template, dataDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`copying the data directory template ${template} failed: ${r.stderr}`);
}
