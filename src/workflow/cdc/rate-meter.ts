/**
 * Counts events over time and answers "events per second over the last N minutes", as the spec's
 * metrics tables show them. Keeps one sample per second for the longest window (10 minutes).
 */
export class RateMeter {
  private readonly samples: { t: number; n: number }[] = [];
  private total = 0;
  readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  add(n: number): void {
    this.total += n;
    const t = Math.floor(this.now() / 1000);
    const last = this.samples[this.samples.length - 1];
    if (last && last.t === t) last.n += n;
    else this.samples.push({ t, n });
    const oldest = t - 600;
    while (this.samples.length > 0 && this.samples[0]!.t < oldest) this.samples.shift();
  }

  /** Events counted since this meter was created. */
  get count(): number {
    return this.total;
  }

  /** Events per second over the last `minutes` (or since start, if that is shorter). */
  rate(minutes: number): number {
    const now = this.now();
    const from = Math.max(now - minutes * 60_000, this.startedAt);
    const seconds = Math.max((now - from) / 1000, 1);
    const fromSec = Math.floor(from / 1000);
    const n = this.samples.filter((s) => s.t >= fromSec).reduce((sum, s) => sum + s.n, 0);
    return n / seconds;
  }
}

/** Longest catch-up time worth stating: past it the rate is too low (or too new) to tell. */
const LONGEST_ESTIMATE_S = 7 * 86400;

/**
 * The metrics table's "Estimated Time to catch up": `remaining` events at `ratePerSecond`, as `42s`,
 * `5m07s` or `3h02m`. "unknown" while no rate is measured (an importer that has just started, or
 * idle), "more than 7 days" when the estimate would be longer: a near-zero rate divides into nonsense.
 */
export function estimateCatchUp(remaining: number, ratePerSecond: number): string {
  if (remaining <= 0) return '0s';
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return 'unknown';
  const s = Math.round(remaining / ratePerSecond);
  if (s > LONGEST_ESTIMATE_S) return 'more than 7 days';
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Renders the two-column metrics table the spec shows (`| Metric | Value |`). */
export function renderMetrics(rows: [string, string][]): string {
  const w1 = Math.max(39, ...rows.map((r) => r[0].length));
  const w2 = Math.max(30, ...rows.map((r) => r[1].length));
  const sep = `| ${'-'.repeat(w1)}  |  ${'-'.repeat(w2)} |`;
  return [sep, `| ${'Metric'.padEnd(w1)}  |  ${'Value'.padStart(w2)} |`, sep,
    ...rows.map(([k, v]) => `| ${k.padEnd(w1)}  |  ${v.padStart(w2)} |`), sep].join('\n');
}

/** Redraws a metrics block in place on a terminal; elsewhere prints it every `plainEveryMs`. */
export class MetricsPrinter {
  private drawn = 0;
  private lastPlain = 0;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WritableStream, private readonly plainEveryMs = Number(process.env.TANDEM_METRICS_INTERVAL_MS ?? 60_000)) {
    this.tty = Boolean((out as NodeJS.WriteStream).isTTY) && process.env.TANDEM_NO_TTY !== '1';
  }

  show(text: string, force = false): void {
    if (this.tty) {
      if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
      this.out.write(text + '\n');
      this.drawn = text.split('\n').length;
    } else if (force || Date.now() - this.lastPlain >= this.plainEveryMs) {
      this.lastPlain = Date.now();
      this.out.write(text + '\n');
    }
  }
}
