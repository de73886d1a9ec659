import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TandemError } from './errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock file `metainfo/<name>.lck` holding the owner's pid. A lock whose process is gone (a crash,
 * SIGKILL) is taken over, so a crash never needs manual clean-up.
 */
export class CommandLock {
  private readonly path: string;
  private held = false;

  constructor(metainfoDir: string, readonly name: string) {
    this.path = join(metainfoDir, `${name}.lck`);
  }

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        process.once('exit', () => this.release());
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = Number(readFileSync(this.path, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new TandemError('TANDEM_LOCKED', `"${this.name}" is already running on this export dir (pid ${owner}).`, {
            hint: `Wait for it to finish or stop it (kill ${owner}), then run the command again.`,
          });
        }
        try { unlinkSync(this.path); } catch { /* raced with another taker */ }
      }
    }
    throw new TandemError('TANDEM_LOCKED', `Could not take the lock ${this.path}.`);
  }

  /** The pid holding the lock, if a live process holds it. */
  static holder(metainfoDir: string, name: string): number | undefined {
    try {
      const pid = Number(readFileSync(join(metainfoDir, `${name}.lck`), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }
}
