import type { TargetDatabase, TargetLoad } from '../core/engine/target.js';
import type { ThroughputTuner } from '../core/parallelism.js';
import { log } from '../core/logger.js';

/** How often the import reads the target's load (YugabyteDB's `yb_servers_metrics()`). */
export const TARGET_LOAD_POLL_MS = 5_000;

/** How long the first batch waits for the first reading (the function asks every tablet server). */
export const FIRST_READING_WAIT_MS = 2_000;

/**
 * Reads the target's own report of its load while the snapshot loads and hands it to the tuner
 * (`ThroughputTuner.targetBusy`): a node over its CPU or memory limit takes a loading connection
 * away at each reading and keeps the tuner from adding one. Only for a target that reports its load
 * (YugabyteDB 2.21 and later); on others `start` returns undefined and the tuner goes by throughput
 * alone. It runs on its own session, so a slow reading never holds up a batch; a reading that fails
 * is logged and ends the watch (the import goes on, tuned by throughput).
 */
export class TargetLoadWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reading: Promise<void> = Promise.resolve();
  private lastBusy = false;
  /** Readings that found the target busy. */
  busyReadings = 0;
  readings = 0;

  private constructor(private readonly session: TargetDatabase, private readonly tuner: ThroughputTuner, readonly everyMs: number) {}

  /**
   * Takes the first reading (before any batch is loaded: a cluster that is busy already starts the
   * load with fewer connections) and keeps reading every `everyMs`. Undefined when the target
   * reports no load, or the first reading failed (logged).
   */
  static async start(openSession: () => TargetDatabase, tuner: ThroughputTuner, everyMs = pollInterval(), firstWaitMs = FIRST_READING_WAIT_MS): Promise<TargetLoadWatch | undefined> {
    const session = openSession();
    const firstReading = session.targetLoad();
    let first: TargetLoad | undefined | 'late';
    try {
      // The load starts without it when the cluster is slow to answer; it is applied when it comes.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), firstWaitMs); });
      first = await Promise.race([firstReading, late]).finally(() => clearTimeout(timer));
    } catch (e) {
      log.warn(`import data: could not read the target's load (${(e as Error).message}); the loading connections follow the measured throughput only`);
      await session.close().catch(() => {});
      return undefined;
    }
    if (first === undefined) {
      await session.close().catch(() => {});
      return undefined;
    }
    const watch = new TargetLoadWatch(session, tuner, everyMs);
    if (first === 'late') {
      log.info(`import data: the target has not reported its load within ${firstWaitMs} ms; loading starts without it`);
      watch.reading = watch.settle(firstReading).finally(() => watch.schedule());
      return watch;
    }
    log.info(`import data: the target reports its load; read every ${everyMs} ms`);
    watch.apply(first);
    watch.schedule();
    return watch;
  }

  /** Stops reading and closes the session (which ends a reading still in progress). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.session.close().catch(() => {});
    await this.reading.catch(() => {});
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.reading = this.readOnce().finally(() => this.schedule());
    }, this.everyMs);
    this.timer.unref();
  }

  private readOnce(): Promise<void> {
    return this.settle(this.session.targetLoad());
  }

  /** Applies a reading when it comes; a failed one ends the watch. */
  private async settle(reading: Promise<TargetLoad | undefined>): Promise<void> {
    try {
      const load = await reading;
      if (this.stopped) return;
      if (load) this.apply(load);
      else this.stopped = true; // it reports no load after all: nothing to read
    } catch (e) {
      if (this.stopped) return;
      this.stopped = true;
      this.tuner.targetBusy(false);
      log.warn(`import data: reading the target's load failed (${(e as Error).message}); from now on the loading connections follow the measured throughput only`);
    }
  }

  private apply(load: TargetLoad): void {
    this.readings++;
    if (load.busy) this.busyReadings++;
    const before = this.tuner.active;
    const changed = this.tuner.targetBusy(load.busy);
    if (changed) {
      log.info(`import data: the target is busy (${load.reason}): ${this.tuner.active} loading connection(s) (was ${before})`);
    } else if (load.busy && !this.lastBusy) {
      log.info(`import data: the target is busy (${load.reason}); staying at ${this.tuner.active} loading connection(s)`);
    } else if (!load.busy && this.lastBusy) {
      log.info(`import data: the target is no longer busy (${load.reason}); the measured throughput decides again`);
    } else {
      log.debug(`import data: target load: ${load.busy ? 'busy' : 'fine'} (${load.reason})`);
    }
    this.lastBusy = load.busy;
  }
}

/** `TANDEM_TARGET_LOAD_POLL_MS` (tests) or {@link TARGET_LOAD_POLL_MS}. */
function pollInterval(): number {
  const given = Number(process.env.TANDEM_TARGET_LOAD_POLL_MS);
  return Number.isFinite(given) && given > 0 ? given : TARGET_LOAD_POLL_MS;
}
