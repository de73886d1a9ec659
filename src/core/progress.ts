interface ProgressItem {
  done: number;
  total: number;
  finished: boolean;
  /** What the finished line says after the count: `done`, or why the item stopped short. */
  outcome?: string;
  /** For work that reports no count until it ends (one query's scan): when it began, shown as time spent. */
  since?: number;
  /** The first count reported above 0, and when: the rate and the time left are measured from there. */
  firstDone?: number;
  firstAt?: number;
}

/** The rate and the time left are shown once this much has passed since an item's first count. */
const RATE_AFTER_MS = 2000;

/** 95 s as "1 min 35 s", 4000 s as "1 h 7 min". */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/**
 * Progress bars for long work, one line per item. On a terminal the block is redrawn in place a few
 * times a second; elsewhere (logs, CI, tests) a line is printed when an item finishes and a summary
 * every 10 seconds, so output stays readable.
 */
export class ProgressBoard {
  private readonly items = new Map<string, ProgressItem>();
  private drawnLines = 0;
  private timer?: NodeJS.Timeout;
  private lastPlain = Date.now();
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout, private readonly unit = 'rows') {
    this.tty = Boolean((out as NodeJS.WriteStream).isTTY) && process.env.TANDEM_NO_TTY !== '1';
  }

  start(): void {
    this.timer = setInterval(() => this.render(), this.tty ? 250 : 1000);
    this.timer.unref();
  }

  add(label: string, total: number, done = 0): void {
    this.items.set(label, { done, total: Math.max(total, 0), finished: false });
  }

  /**
   * An item whose work tells nothing until it ends (a table's checksum, one query): shown as running,
   * with the time it has taken, rather than a bar that sits at 0% (the new-user run: a slow compare
   * looked like a hung one). `total` is the estimate shown beside it.
   */
  addRunning(label: string, total: number): void {
    this.items.set(label, { done: 0, total: Math.max(total, 0), finished: false, since: Date.now() });
  }

  update(label: string, done: number, total?: number): void {
    const it = this.items.get(label);
    if (!it) return;
    if (it.firstAt === undefined && done > 0) {
      it.firstDone = done;
      it.firstAt = Date.now();
    }
    it.done = done;
    if (total !== undefined) it.total = total;
  }

  finish(label: string, done?: number): void {
    const it = this.items.get(label);
    if (!it) return;
    if (done !== undefined) it.done = done;
    // A finished item is whole: its total was an estimate (table statistics, rows exported), and
    // what was done is the real count, above or below it.
    it.total = it.done;
    it.finished = true;
    if (!this.tty) this.out.write(`${this.line(label, it)}\n`);
  }

  /**
   * Ends an item that stopped short (a failure): unlike {@link finish}, the total stays, so the bar
   * shows what was really done, and `outcome` replaces "done" (e.g. `run, 1 failed, 3 not run`).
   */
  finishShort(label: string, done: number, outcome: string): void {
    const it = this.items.get(label);
    if (!it) return;
    it.done = done;
    it.finished = true;
    it.outcome = outcome;
    if (!this.tty) this.out.write(`${this.line(label, it)}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.render();
  }

  private line(label: string, it: ProgressItem): string {
    if (it.since !== undefined && !it.finished) {
      const seconds = Math.floor((Date.now() - it.since) / 1000);
      const spin = '-\\|/'[seconds % 4];
      return `${label.padEnd(40)} [${spin}${' '.repeat(29)}] scanning${it.total ? ` about ${groupDigits(it.total)} ${this.unit}` : ''}, ${seconds} s so far`;
    }
    const total = it.total || (it.finished ? it.done : 0);
    const frac = total > 0 ? Math.min(it.done / total, 1) : it.finished && !it.outcome ? 1 : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    // No estimate (a table never analyzed): not "0%" while rows are done (the fix-verify-50b run).
    const pct = total > 0 || it.finished || it.done === 0 ? `${(frac * 100).toFixed(0).padStart(3)}%` : '   ?';
    return `${label.padEnd(40)} [${bar}] ${pct} ${groupDigits(it.done)}${total ? '/' + groupDigits(total) : ''} ${this.unit}${it.finished ? ` ${it.outcome ?? 'done'}` : this.pace(it)}`;
  }

  /**
   * An unfinished item's rate since its first count, and the time left at that rate (measured before:
   * a 3M-row table showed counts but no rate or time left; the newuser-50 run).
   */
  private pace(it: ProgressItem): string {
    if (it.firstAt === undefined || it.firstDone === undefined) return '';
    const ms = Date.now() - it.firstAt;
    if (ms < RATE_AFTER_MS || it.done <= it.firstDone) return '';
    const rate = ((it.done - it.firstDone) * 1000) / ms;
    const left = it.total > it.done ? `, about ${spokenDuration((it.total - it.done) / rate)} left` : '';
    return `, ${groupDigits(Math.round(rate))} ${this.unit}/s${left}`;
  }

  private render(): void {
    if (this.tty) {
      const lines = [...this.items].map(([label, it]) => this.line(label, it));
      if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A`);
      this.out.write(lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
      this.drawnLines = lines.length;
    } else if (Date.now() - this.lastPlain >= 10000) {
      this.lastPlain = Date.now();
      const open = [...this.items].filter(([, it]) => !it.finished);
      if (open.length) this.out.write(open.map(([l, it]) => this.line(l, it)).join('\n') + '\n');
    }
  }
}

/**
 * 1234567 as "1,234,567". Not `toLocaleString`: its first call loads the ICU locale data, 30-150 ms
 * of CPU in every command that shows a progress line.
 */
export function groupDigits(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = s.length; i > 0; i -= 3) out = (i > 3 ? ',' : '') + s.slice(Math.max(0, i - 3), i) + out;
  return (n < 0 ? '-' : '') + out;
}
