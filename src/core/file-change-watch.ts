import { closeSync, constants, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { log } from './logger.js';

/**
 * Wakes waiters when a file in one directory changes, so a process that follows another one's
 * commits reacts within a millisecond instead of on its next poll, and spends no CPU while nothing
 * happens. The writer rewrites a small signal file after each commit it wants noticed (the queue's
 * `queue.signal`, the cutover's `cutover.signal`): what a woken reader looks at is then already
 * visible. (Watching meta.db's own files woke readers on every commit of anything, several times,
 * and before the commit was visible: SQLite writes `meta.db-wal`, the notification, before it
 * publishes the commit in `meta.db-shm`, which no notification reports.)
 *
 * A change notification can be missed (some file systems, a full inotify queue) or the watch can
 * fail to start; a waiter therefore never waits longer than the fallback time it gives, and a caller
 * that finds `watching` false should pass its old, short polling interval instead.
 *
 * Lost wake-ups are impossible by construction: a caller reads `version`, looks at the data, and
 * passes the version it read to `waitForChange`, which returns at once when anything changed in
 * between.
 *
 * @example
 * const w = new FileChangeWatch(metainfoDir, (name) => name === 'queue.signal');
 * for (;;) { const v = w.version; if (check()) break; await w.waitForChange(v, 1000, signal); }
 * w.close();
 */
export class FileChangeWatch {
  private watcher: FSWatcher | undefined;
  private _version = 0;
  private readonly waiters = new Set<() => void>();

  /** `accept`: which file names count (the name is missing on some platforms: then every event counts). */
  constructor(dir: string, private readonly accept: (fileName: string) => boolean = () => true) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || name === undefined || this.accept(String(name))) this.bump();
      });
      this.watcher.on('error', (e) => {
        log.warn(`watching ${dir} failed (${e.message}); falling back to polling`);
        this.stopWatching();
        this.bump();
      });
    } catch (e) {
      log.warn(`cannot watch ${dir} (${(e as Error).message}); polling instead`);
      this.watcher = undefined;
    }
  }

  /** Whether change notifications arrive; when false, callers should poll at their short interval. */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Grows with every change seen; pass the value read before looking at the data to `waitForChange`. */
  get version(): number {
    return this._version;
  }

  /**
   * Resolves when a change after `sinceVersion` is seen (at once if one was already), after
   * `timeoutMs` at the latest, or when `signal` aborts. Never rejects.
   */
  waitForChange(sinceVersion: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this._version !== sinceVersion || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops watching and releases every waiter. */
  close(): void {
    this.stopWatching();
    this.bump();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private bump(): void {
    this._version++;
    for (const w of [...this.waiters]) w();
  }
}

const SIGNAL_BYTE = Buffer.from('.');

/**
 * A file in a watched directory that a writer rewrites after a commit it wants noticed: its first
 * byte, one change notification for the watchers of the directory. Kept open between signals (the
 * queue's writer signals after every append); `close` when done.
 */
export class SignalFile {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  /** Signals (creating the file). False when it cannot: the watchers then find the change at their next periodic look. */
  touch(): boolean {
    try {
      // No truncation: a truncate would be a second notification.
      this.fd ??= openSync(this.path, constants.O_WRONLY | constants.O_CREAT);
      writeSync(this.fd, SIGNAL_BYTE, 0, 1, 0);
      return true;
    } catch {
      this.close();
      return false;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already gone
    }
    this.fd = undefined;
  }
}

/** One signal by a writer that signals rarely (the cutover's state): `SignalFile` opened and closed. */
export function writeSignalFile(dir: string, name: string): boolean {
  const file = new SignalFile(join(dir, name));
  try {
    return file.touch();
  } finally {
    file.close();
  }
}
