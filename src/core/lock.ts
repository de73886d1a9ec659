import Database from 'better-sqlite3';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TandemError, isDamagedDatabase } from './errors.js';
import { failpoint } from './failpoint.js';

/** How long `acquire` waits out another process's momentary `holder` probe before it reports a holder. */
const ACQUIRE_WAIT_MS = 2000;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * A command's lock in the export dir, held as an operating-system lock: `metainfo/<name>.lock` is a
 * small SQLite file kept open in an exclusive transaction for as long as the command runs. SQLite takes
 * that lock with `fcntl`, and the kernel drops it when the process ends, however it ends: a process
 * killed with SIGKILL releases it at once (also while it is still a zombie nobody has reaped), and a
 * reboot or a reused pid can never keep a migration locked.
 *
 * `<name>.pid` beside it names the holder, for messages only; it decides nothing.
 */
export class CommandLock {
  private readonly path: string;
  private readonly pidPath: string;
  private db?: Database.Database;
  private readonly onExit = () => this.release();

  /**
   * `description` names the holder in TANDEM_LOCKED messages; default the command's words
   * (`"import data to source" is` for the lock `import-data-to-source`).
   */
  constructor(private readonly metainfoDir: string, readonly name: string, private readonly description = `"${name.replace(/-/g, ' ')}" is`) {
    this.path = join(metainfoDir, `${name}.lock`);
    this.pidPath = join(metainfoDir, `${name}.pid`);
  }

  /**
   * Takes the lock, or throws TANDEM_LOCKED naming the live holder. Taking a lock this object holds
   * does nothing. A metainfo dir that is gone, or removed while the lock is taken (another `end
   * migration` emptying the export dir), is TANDEM_EXPORT_DIR saying so, not SQLite's "disk I/O error".
   */
  acquire(): void {
    if (this.db) return;
    let db: Database.Database | undefined;
    try {
      db = new Database(this.path, { timeout: ACQUIRE_WAIT_MS });
      // Nothing is ever written here: no journal file, so that the lock is taken on a disk full to
      // the last byte too (measured before: SQLITE_FULL, and archive changes, the command that frees
      // the disk, could not start).
      db.pragma('journal_mode = MEMORY');
      failpoint('lock.after-open');
      db.exec('BEGIN EXCLUSIVE');
      // Without a journal to create, locking a file whose directory was removed meanwhile succeeds: a lock on nothing.
      if (!existsSync(this.path)) throw new Error('the lock file is gone');
    } catch (e) {
      try { db?.close(); } catch { /* its file may be gone: nothing is held */ }
      if (!existsSync(this.path)) {
        throw new TandemError('TANDEM_EXPORT_DIR', `The export dir's metainfo (${this.metainfoDir}) was removed while "${this.name.replace(/-/g, ' ')}" was starting: another "end migration" ended this migration and emptied its export dir, or something else deleted it.`, {
          hint: 'If an end migration ran on this export dir, the migration has ended and nothing is left to do; otherwise start a new migration in a new export dir.',
          cause: e,
        });
      }
      if (isDamagedDatabase(e)) {
        throw new TandemError('TANDEM_EXPORT_DIR', `The lock file ${this.path} is damaged.`, {
          hint: `If no "${this.name}" runs on this export dir, delete ${this.path} and run the command again.`,
        });
      }
      if (!isBusy(e)) throw e;
      const owner = readPid(this.pidPath);
      throw new TandemError('TANDEM_LOCKED', `${this.description} already running on this export dir${owner ? ` (pid ${owner})` : ''}.`, {
        hint: `Wait for it to finish or stop it${owner ? ` (kill ${owner})` : ''}, then run the command again. The lock goes away by itself when that process ends.`,
      });
    }
    this.db = db;
    try {
      writeFileSync(this.pidPath, String(process.pid));
    } catch {
      // A full disk: the pid file only names the holder in messages; one left by an earlier run must not name a wrong one.
      rmSync(this.pidPath, { force: true });
    }
    process.once('exit', this.onExit);
  }

  /**
   * The pid of the process holding the lock, or undefined when nobody holds it. (When a holder has
   * just started and not yet written its pid file, the pid may be stale or missing: the answer
   * "somebody holds it" is then given as -1.)
   */
  static holder(metainfoDir: string, name: string): number | undefined {
    let db: Database.Database;
    try {
      db = new Database(join(metainfoDir, `${name}.lock`), { fileMustExist: true, timeout: 0 });
    } catch {
      return undefined; // never taken
    }
    try {
      // A read takes a shared lock, which a holder's exclusive lock refuses at once, and which other
      // probes share: a probe neither waits nor takes another probe for a holder. (An exclusive
      // probe had to wait out the other probes; `initiate cutover` probes two locks, and the
      // application's downtime ran on during those waits.)
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return undefined;
    } catch (e) {
      // A damaged lock file (not a database) is held by nobody: acquire() says so when it is taken
      // (measured before: end migration's probe told the whole migration's state as damaged; fix-verify-53).
      if (isDamagedDatabase(e)) return undefined;
      if (!isBusy(e)) throw e;
      return readPid(join(metainfoDir, `${name}.pid`)) ?? -1;
    } finally {
      db.close();
    }
  }

  /** Releases the lock (twice is harmless). */
  release(): void {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    process.off('exit', this.onExit);
    rmSync(this.pidPath, { force: true });
    try { db.exec('ROLLBACK'); } catch { /* closing releases it anyway */ }
    db.close();
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
