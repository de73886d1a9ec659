/**
 * One connection opened ahead of the call that needs it (`warm`), so that the call does not wait to
 * connect at a moment someone waits for it: the cutover's sequence read and restore. The next `run`
 * uses it and closes it behind its answer; without one, or if it fails on it (lost while it waited:
 * an idle timeout, a restart), `run` connects anew, so `fn` must be safe to run twice.
 */
export class WarmConnection<C> {
  private warmed: Promise<C> | undefined;
  private refresher: NodeJS.Timeout | undefined;

  constructor(private readonly connect: () => Promise<C>, private readonly end: (connection: C) => Promise<void>) {}

  /**
   * Opens the connection now (once; a failure only means `run` connects as usual). With
   * `refreshMs`, keeps one open until the next `run` or `close`, replaced by a new one every
   * `refreshMs` (the new one first), so that the one `run` finds is never older than that: a
   * connection idle for hours may have been cut without a word (a firewall's idle timeout), and a
   * query on it could hang instead of failing.
   */
  warm(refreshMs?: number): void {
    if (!this.warmed) {
      this.warmed = this.connect();
      this.warmed.catch(() => {});
    }
    if (refreshMs === undefined || this.refresher) return;
    this.refresher = setInterval(() => {
      const old = this.warmed;
      const fresh = this.connect();
      fresh.then((c) => {
        if (this.refresher === undefined || this.warmed !== old) {
          void this.end(c).catch(() => {}); // a run or close came meanwhile
          return;
        }
        this.warmed = fresh;
        void old?.then((o) => this.end(o)).catch(() => {});
      }, () => { /* keep the old one; the next refresh tries again */ });
    }, refreshMs);
    this.refresher.unref();
  }

  async run<T>(fn: (connection: C) => Promise<T>): Promise<T> {
    this.stopRefreshing();
    const warmed = this.warmed;
    this.warmed = undefined;
    const ready = await warmed?.catch(() => undefined);
    if (ready) {
      try {
        return await fn(ready);
      } catch {
        // lost while it waited: connect again below
      } finally {
        // Closed behind the answer: the caller waits for the answer, not for the socket to close.
        void this.end(ready).catch(() => {});
      }
    }
    const fresh = await this.connect();
    try {
      return await fn(fresh);
    } finally {
      await this.end(fresh).catch(() => {});
    }
  }

  /** Ends a warm connection that no `run` used. */
  async close(): Promise<void> {
    this.stopRefreshing();
    const warmed = this.warmed;
    this.warmed = undefined;
    const ready = await warmed?.catch(() => undefined);
    if (ready) await this.end(ready).catch(() => {});
  }

  private stopRefreshing(): void {
    clearInterval(this.refresher);
    this.refresher = undefined;
  }
}
