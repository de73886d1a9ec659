/**
 * glibc locales compiled for one test run (the machine may have only C and POSIX): `localedef`
 * from Debian's `locales` package (scripts/install-system-packages.sh installs it) writes each into
 * a temp dir; a server started with LOCPATH set to that dir can use them (`startPg15`'s `env`).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** Compiles `names` (like `de_DE.UTF-8`) and returns the dir to give as LOCPATH; removed at exit. */
export function compiledLocales(names: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-locales-'));
  made.push(dir);
  chmodSync(dir, 0o755); // the server runs as the postgres user
  for (const name of names) {
    const [lang, charset] = name.split('.');
    if (!lang || !charset) throw new Error(`compiledLocales: ${name} is not language_TERRITORY.CHARSET`);
    try {
      execFileSync('localedef', ['-i', lang, '-f', charset, join(dir, name)], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`localedef could not compile ${name} (Debian's locales package; sh scripts/install-system-packages.sh installs it): ${err.stderr?.toString() || err.message}`);
    }
  }
  return dir;
}
