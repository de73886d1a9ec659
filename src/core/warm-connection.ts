/**
 * One connection opened ahead of the call that needs it (`warm`), so that the call does not wait to
 * connect at a moment someone waits for it: the cutover's sequence read and restore. The next `run`
 * uses it and closes it behind its answer; without one, or if it fails on it (lost while it waited:
 * an idle timeout, a restart), `run` connects anew, so `fn` must be safe to run twice.
 */
export class WarmConnection<C> {
  private warmed: Promise<C> | undefined;

  constructor(private readonly connect: () => Promise<C>, private readonly end: (connection: C) => Promise<void>) {}

  /** Opens the connection now (once; a failure only means `run` connects as usual). */
  warm(): void {
    if (this.warmed) return;
    this.warmed = this.connect();
    this.warmed.catch(() => {});
  }

  async run<T>(fn: (connection: C) => Promise<T>): Promise<T> {
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
    const warmed = this.warmed;
    this.warmed = undefined;
    const ready = await warmed?.catch(() => undefined);
    if (ready) await this.end(ready).catch(() => {});
  }
}
