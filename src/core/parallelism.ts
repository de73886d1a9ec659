import { availableParallelism } from 'node:os';

/** What the snapshot's parallelism is chosen from when `--parallel-jobs` is not given. */
export interface ParallelismInputs {
  /** Cores of the machine Tandem runs on (`os.availableParallelism()`). */
  readonly clientCores: number;
  /** YugabyteDB nodes of the target (`yb_servers()`); 0 on PostgreSQL. */
  readonly targetNodes?: number;
}

/** The loading connections: start with `initial`; the tuner may go up to `max` and down to 1. */
export interface ImportParallelism {
  readonly initial: number;
  readonly max: number;
}

/** The jobs of earlier Tandem versions, still what a live import's channels default to. */
export const DEFAULT_PARALLEL_JOBS = 4;

export function clientCores(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Snapshot readers when `--parallel-jobs` is not given. A table read by one plain COPY is what a
 * server produces fastest; ctid ranges cost the server more per row, and every reader's rows also
 * cost this machine a Node.js share (and, when the import runs beside the export, the loader's).
 * So: one reader per two client cores, at most one per table larger than 64 MB plus one for the
 * small tables together, and at most 8 (measured on 2 cores: 1 reader beat 2 and 4).
 */
export function chooseExportJobs(inputs: ParallelismInputs, tableBytes: readonly number[]): number {
  const bigTables = tableBytes.filter((b) => b > 64 * 1024 * 1024).length;
  const byTables = Math.max(1, bigTables + (tableBytes.length > bigTables ? 1 : 0));
  const byCores = Math.max(1, Math.floor(inputs.clientCores / 2));
  // One big table can still use several readers (ctid ranges) when the client has cores to spare.
  const wanted = bigTables === 1 && tableBytes.length === 1 ? byCores : Math.min(byCores, Math.max(byTables, 1));
  return Math.max(1, Math.min(8, wanted));
}

/**
 * Loading connections when `--parallel-jobs` is not given. On PostgreSQL one backend per client
 * core keeps the server's cores busy without thrashing (measured on 2 cores: 2 beat 1 and 4), and
 * the tuner does not probe above that: a probe runs a whole measuring window with one connection
 * too many, which on one server's table and index costs more than it can find (bench/snapshot,
 * eleventh session: the tuned default took 0.4-1.2 s longer than the same two connections fixed).
 * On YugabyteDB, which spreads a table over tablets on every node, every node gets two connections
 * at least and the tuner may double that. The client's cores bound it too: every connection's
 * batches pass through this process.
 */
export function chooseImportJobs(inputs: ParallelismInputs): ImportParallelism {
  const cores = Math.max(1, inputs.clientCores);
  const nodes = inputs.targetNodes ?? 0;
  if (nodes > 0) {
    const initial = Math.max(2, Math.min(2 * nodes, 4 * cores));
    return { initial, max: Math.max(initial, Math.min(4 * nodes, 8 * cores)) };
  }
  const initial = Math.max(1, Math.min(cores, 8));
  return { initial, max: initial };
}

/** Options of `ThroughputTuner`. */
export interface ThroughputTunerOptions {
  readonly initial: number;
  readonly min?: number;
  readonly max: number;
  /** Length of one measurement. Default 2000 ms. */
  readonly windowMs?: number;
  /** A change is kept only when the rate grew by more than this fraction. Default 0.05. */
  readonly gain?: number;
  /** Windows to wait after a step down before trying a step up again. Default 5. */
  readonly holdWindows?: number;
  /** Clock (tests). Default Date.now. */
  readonly now?: () => number;
}

/**
 * Adjusts a number of parallel workers from measured throughput (hill climbing): after each window
 * in which every active worker had work, it compares the rate with the window before. It tries one
 * worker more while the rate grows; when a step makes the rate fall (or the target pushes back:
 * `pushBack`), it steps back down and holds for a while before probing upward again. Windows in
 * which workers waited for work (the import is ahead of the export) are not measured. A target
 * that reports its own load (`targetBusy`) can also take workers away and keep it from adding any.
 *
 * @example
 * const tuner = new ThroughputTuner({ initial: 2, max: 4 });
 * // each worker: if (w >= tuner.active) wait; after each batch: tuner.record(rows)
 */
export class ThroughputTuner {
  private _active: number;
  private readonly min: number;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly gain: number;
  private readonly holdWindows: number;
  private readonly now: () => number;
  private windowStart: number;
  private rows = 0;
  private starved = false;
  private previousRate: number | undefined;
  private lastStep = 0;
  private hold = 0;
  /** The target said it is overloaded (`targetBusy`) and has not said otherwise since. */
  private busy = false;
  /** Every change: [time, workers, rows/s measured before it] (the log and the report). */
  readonly changes: Array<{ readonly at: number; readonly active: number; readonly rate: number }> = [];

  constructor(options: ThroughputTunerOptions) {
    this.min = Math.max(1, options.min ?? 1);
    this.max = Math.max(this.min, options.max);
    this._active = Math.min(this.max, Math.max(this.min, options.initial));
    this.windowMs = options.windowMs ?? 2000;
    this.gain = options.gain ?? 0.05;
    this.holdWindows = options.holdWindows ?? 5;
    this.now = options.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** Workers that may take work now (workers numbered from 0 at or above it wait). */
  get active(): number {
    return this._active;
  }

  /** A worker found no work: this window says nothing about the target's capacity. */
  idle(): void {
    this.starved = true;
  }

  /** The target refused or timed out (a transient conflict, a retried connection): one worker less. */
  pushBack(): void {
    if (this._active > this.min) this.step(-1, this.previousRate ?? 0);
    this.hold = this.holdWindows;
    this.restartWindow();
    this.previousRate = undefined;
  }

  /**
   * What the target reports of its own load (a YugabyteDB node's CPU or memory over its limit),
   * called at each reading: while it is busy, each reading takes one worker away (down to the
   * minimum) and no worker is added; once it is not, the throughput decides again after the hold.
   * Returns true when the reading changed the number of workers.
   */
  targetBusy(busy: boolean): boolean {
    this.busy = busy;
    if (!busy) return false;
    const before = this._active;
    this.pushBack();
    this.lastStep = 0;
    return this._active !== before;
  }

  /** Counts finished work and, at the end of a window, decides. */
  record(rows: number): void {
    this.rows += rows;
    const t = this.now();
    const elapsed = t - this.windowStart;
    if (elapsed < this.windowMs) return;
    const rate = (this.rows / elapsed) * 1000;
    const starved = this.starved;
    this.restartWindow();
    if (starved) {
      this.previousRate = undefined;
      this.lastStep = 0;
      return;
    }
    const before = this.previousRate;
    this.previousRate = rate;
    if (before === undefined) {
      if (this.hold > 0) this.hold--;
      else if (this._active < this.max && !this.busy) this.step(+1, rate);
      return;
    }
    if (this.lastStep > 0 && rate < before * (1 + this.gain)) {
      // The worker added last did not pay: take it back and stay there a while.
      this.step(-1, rate);
      this.hold = this.holdWindows;
      this.previousRate = undefined;
      return;
    }
    if (this.lastStep < 0 || this.hold > 0) {
      if (this.hold > 0) this.hold--;
      this.lastStep = 0;
      return;
    }
    if (this._active < this.max && !this.busy) this.step(+1, rate);
    else this.lastStep = 0;
  }

  private step(delta: number, rate: number): void {
    const next = Math.min(this.max, Math.max(this.min, this._active + delta));
    this.lastStep = next - this._active;
    if (next === this._active) return;
    this._active = next;
    this.changes.push({ at: this.now(), active: next, rate });
  }

  private restartWindow(): void {
    this.windowStart = this.now();
    this.rows = 0;
    this.starved = false;
  }
}
