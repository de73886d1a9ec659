import { watch, type FSWatcher } from 'node:fs';
import { log } from './logger.js';

/**
 * Wakes waiters when a file in one directory changes, so a process that follows another one's
 * commits to meta.db (SQLite in WAL mode: every commit writes `meta.db-wal`) reacts within a
 * millisecond instead of on its next poll, and spends no CPU while nothing happens.
 *
 * A change notification can be missed (some file systems, a full inotify queue) or the watch can
 * fail to start; a waiter therefore never waits longer than the fallback time it gives, and a caller
 * that finds `watching` false should pass its old, short polling interval instead.
 *
 * Lost wake-ups are impossible by construction: a caller reads `version`, looks at the data, and
 * passes the version it read to `waitForChange`, which returns at once when anything changed in
 * between.
 *
 * A notification can come before the change is visible: SQLite writes a commit's frames to
 * `meta.db-wal` (the notification), fsyncs them, and only then publishes the commit in the
 * memory-mapped `meta.db-shm`, which no notification reports. A reader woken by the write can look
 * too early and then hear nothing more. So every notification is followed by a few more wake-ups
 * (`SETTLE_MS` after it), which find the commit once it is published.
 *
 * @example
 * const w = new FileChangeWatch(metainfoDir, (name) => name.startsWith('meta.db'));
 * for (;;) { const v = w.version; if (check()) break; await w.waitForChange(v, 1000, signal); }
 * w.close();
 */
export class FileChangeWatch {
  private watcher: FSWatcher | undefined;
  private _version = 0;
  private readonly waiters = new Set<() => void>();
  private settle: NodeJS.Timeout | undefined;
  private settleStep = 0;

  /** `accept`: which file names count (the name is missing on some platforms: then every event counts). */
  constructor(dir: string, private readonly accept: (fileName: string) => boolean = () => true) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || name === undefined || this.accept(String(name))) this.changed();
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
    clearTimeout(this.settle);
  }

  /** A notification: wake now, and again after each of SETTLE_MS (restarted by the next notification). */
  private changed(): void {
    this.bump();
    this.settleStep = 0;
    this.scheduleSettle();
  }

  private scheduleSettle(): void {
    clearTimeout(this.settle);
    const delay = SETTLE_MS[this.settleStep];
    if (delay === undefined || !this.watcher) return;
    this.settle = setTimeout(() => {
      this.settleStep++;
      this.bump();
      this.scheduleSettle();
    }, delay);
    this.settle.unref();
  }

  private bump(): void {
    this._version++;
    for (const w of [...this.waiters]) w();
  }
}

/** Extra wake-ups after a notification, each this long after the one before (an fsync can take a while under load). */
const SETTLE_MS = [5, 20, 75, 200];

/** Whether a file name in `metainfo/` is part of meta.db (a commit writes `meta.db-wal`; a checkpoint `meta.db`). */
export function isMetaDbFile(fileName: string): boolean {
  return fileName.startsWith('meta.db');
}
